import MemKDCore
import MemKDTestSupport

/// A gradient check's problem, for every cell's gradient tests (`LSTMGradientTests`,
/// `CellGradientTests`): a Double model with random weights, inputs and labels, and the loss
/// `CE(logits, y) + sum_l <R_l, H_l>` with a random `R_l [B, T, H]` per layer, whose second term
/// is injected through `hiddenGradients` as the distillation losses inject theirs.
struct GradientProblem {
  var model: RecurrentClassifier<Double>
  var inputs: [Double]
  var labels: [Int]
  var projections: [[Double]]
  var batch: Int

  init(config: ModelConfig, batch: Int, length: Int, seed: UInt64) {
    var random = RandomTensors(seed: seed)
    model = RecurrentClassifier(parameters: random.parameters(config, scale: 0.5))
    inputs = random.uniform(batch * length * config.inputSize, scale: 1.5)
    labels = random.labels(batch, classes: config.classes)
    projections = (0..<config.layers).map { _ in
      random.uniform(batch * length * config.hiddenSize)
    }
    self.batch = batch
  }

  func loss(_ model: RecurrentClassifier<Double>, inputs: [Double]) -> Double {
    let pass = model.forward(inputs: inputs, batch: batch)
    var total = CrossEntropy.lossAndGradient(
      logits: pass.logits, labels: labels, classes: model.config.classes
    ).loss
    for (layer, projection) in projections.enumerated() {
      let hidden = pass.hiddenSequence(layer: layer)
      for index in hidden.indices { total += hidden[index] * projection[index] }
    }
    return total
  }

  func analytic() -> (parameters: ModelParameters<Double>, inputs: [Double]) {
    let pass = model.forward(inputs: inputs, batch: batch)
    let gradient = CrossEntropy.lossAndGradient(
      logits: pass.logits, labels: labels, classes: model.config.classes
    ).gradient
    var injected: [Int: [Double]] = [:]
    for (layer, projection) in projections.enumerated() { injected[layer] = projection }
    return model.backward(
      pass, logitGradient: gradient, hiddenGradients: injected, needInputGradient: true)
  }

  /// Every (tensor, element) position of the model's parameters.
  var everyPosition: [(Int, Int)] {
    model.parameters.tensors.enumerated().flatMap { tensor, values in
      values.indices.map { (tensor, $0) }
    }
  }

  /// The first and last element of every tensor, `perBias` random elements of every bias and
  /// `count` random positions anywhere: for models too large to check whole.
  func sampledPositions(_ count: Int, perBias: Int, seed: UInt64) -> [(Int, Int)] {
    let tensors = model.parameters.tensors
    let layout = model.parameters.layout
    var generator = SeededGenerator(seed: seed)
    var positions = tensors.indices.flatMap { [($0, 0), ($0, tensors[$0].count - 1)] }
    for layer in 0..<model.config.layers {
      for tensor in [layout.index(.biasIH, layer: layer), layout.index(.biasHH, layer: layer)] {
        positions += (0..<perBias).map { _ in
          (tensor, generator.index(below: tensors[tensor].count))
        }
      }
    }
    for _ in 0..<count {
      let tensor = generator.index(below: tensors.count)
      positions.append((tensor, generator.index(below: tensors[tensor].count)))
    }
    return positions
  }

  /// Largest relative error over the given (tensor, element) positions.
  func worstParameterError(_ positions: [(Int, Int)]) -> (error: Double, name: String) {
    let gradients = analytic().parameters
    var worst = (error: 0.0, name: "")
    for (tensor, element) in positions {
      let numeric = FiniteDifference.derivative(
        of: model.parameters.tensors[tensor], at: element
      ) { values in
        var shifted = model
        shifted.parameters.tensors[tensor] = values
        return loss(shifted, inputs: inputs)
      }
      let analytic = gradients.tensors[tensor][element]
      let error = FiniteDifference.relativeError(analytic, numeric)
      if error > worst.error {
        let name = model.parameters.names[tensor]
        worst = (error, "\(name)[\(element)] analytic \(analytic) numeric \(numeric)")
      }
    }
    return worst
  }

  /// Largest relative error of the input gradient (the injected gradients flowing down every
  /// layer to the input).
  func worstInputError() -> Double {
    let analytic = analytic().inputs
    var worst = 0.0
    for index in inputs.indices {
      let numeric = FiniteDifference.derivative(of: inputs, at: index) { values in
        loss(model, inputs: values)
      }
      worst = max(worst, FiniteDifference.relativeError(analytic[index], numeric))
    }
    return worst
  }
}
