import MemKDCore
import MemKDTestSupport
import Testing

/// The GRU's and the RNN's hand-written BPTT against finite differences, in Double.
///
/// The checked loss is `CE(logits, y) + sum_l <R_l, H_l>` with a random `R_l [B, T, H]` per
/// layer: the second term's gradient is injected through `hiddenGradients`, exactly how the
/// distillation losses inject theirs, so every check covers the injection at every step of every
/// layer as well as the head path (as `LSTMGradientTests` does for the LSTM).
@Suite("GRU and RNN gradients vs finite differences")
struct CellGradientTests {
  struct Problem {
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

  static let cells: [RecurrentCell] = [.gru, .rnn]

  /// 1 and 3 layers, H = 1 and 8, one and two inputs, for both cells.
  static let smallConfigs: [ModelConfig] = cells.flatMap { cell in
    [
      ModelConfig(cell: cell, inputSize: 1, hiddenSize: 1, layers: 1, classes: 2),
      ModelConfig(cell: cell, inputSize: 2, hiddenSize: 8, layers: 1, classes: 3),
      ModelConfig(cell: cell, inputSize: 1, hiddenSize: 1, layers: 3, classes: 2),
      ModelConfig(cell: cell, inputSize: 2, hiddenSize: 8, layers: 3, classes: 4),
    ]
  }

  @Test("every parameter of small models", arguments: smallConfigs)
  func everyParameter(config: ModelConfig) {
    let problem = Problem(config: config, batch: 3, length: 6, seed: 11)
    let worst = problem.worstParameterError(problem.everyPosition)
    #expect(worst.error < 1e-6, "\(config.summary) worst: \(worst.name) error \(worst.error)")
  }

  @Test("input gradient of small models", arguments: smallConfigs)
  func inputGradient(config: ModelConfig) {
    let problem = Problem(config: config, batch: 2, length: 5, seed: 12)
    let worst = problem.worstInputError()
    #expect(worst < 1e-6, "\(config.summary) worst input-gradient relative error \(worst)")
  }

  @Test("series of length 1 (no recurrent step)", arguments: cells)
  func lengthOne(cell: RecurrentCell) {
    let config = ModelConfig(cell: cell, inputSize: 2, hiddenSize: 8, layers: 2, classes: 3)
    let problem = Problem(config: config, batch: 3, length: 1, seed: 15)
    let worst = problem.worstParameterError(problem.everyPosition)
    #expect(worst.error < 1e-6, "\(cell) worst: \(worst.name) relative error \(worst.error)")
    // W_hh never acts at T = 1: its gradient is exactly zero (b_hh's is not).
    #expect(problem.analytic().parameters.tensors[1].allSatisfy { $0 == 0 })
  }

  /// H = 32 takes the small recurrent kernel, H = 33 BLAS, in forward and backward.
  static let thresholdConfigs: [ModelConfig] = cells.flatMap { cell in
    [32, 33].flatMap { hidden in
      [1, 3].map { layers in
        ModelConfig(cell: cell, inputSize: 2, hiddenSize: hidden, layers: layers, classes: 3)
      }
    }
  }

  @Test(
    "both recurrent paths: small kernel (H = 32) and BLAS (H = 33), 1 and 3 layers",
    arguments: thresholdConfigs)
  func recurrentPathsAtThreshold(config: ModelConfig) {
    let problem = Problem(config: config, batch: 2, length: 4, seed: 14)
    // Both ends of every tensor, 8 elements of every bias, 60 anywhere (every element of
    // every tensor is checked at H = 1 and 8 above; the paths differ only in the recurrent
    // product, which every W_hh element and every step goes through).
    let positions = problem.sampledPositions(60, perBias: 8, seed: 5)
    let worst = problem.worstParameterError(positions)
    #expect(worst.error < 1e-6, "\(config.summary): \(worst.name) relative error \(worst.error)")
    let input = problem.worstInputError()
    #expect(input < 1e-6, "\(config.summary): input-gradient relative error \(input)")
  }
}
