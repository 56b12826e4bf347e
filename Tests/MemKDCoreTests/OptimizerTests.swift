import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

@Suite("Optimisers and schedules")
struct OptimizerTests {
  @Test("Adam follows PyTorch's update rule")
  func adam() {
    var optimizer = Adam<Double>(learningRate: 0.1)
    var parameters: [[Double]] = [[1.0, -2.0], [0.5]]
    let steps: [[[Double]]] = [
      [[0.2, -0.4], [1.0]], [[-0.1, 0.3], [0.0]], [[0.05, 0.05], [-2.0]],
    ]
    // Reference: the same recurrences written out per element.
    var reference = parameters
    var m = parameters.map { $0.map { _ in 0.0 } }
    var v = m
    for (step, gradients) in steps.enumerated() {
      optimizer.update(&parameters, gradients: gradients)
      let t = Double(step + 1)
      for i in reference.indices {
        for j in reference[i].indices {
          let g = gradients[i][j]
          m[i][j] = 0.9 * m[i][j] + 0.1 * g
          v[i][j] = 0.999 * v[i][j] + 0.001 * g * g
          let mHat = m[i][j] / (1 - pow(0.9, t))
          let vHat = v[i][j] / (1 - pow(0.999, t))
          reference[i][j] -= 0.1 * mHat / (vHat.squareRoot() + 1e-8)
        }
      }
      for (a, b) in zip(parameters.joined(), reference.joined()) {
        #expect(abs(a - b) < 1e-12, "step \(step + 1): \(a) vs \(b)")
      }
    }
    #expect(optimizer.step == 3)
  }

  @Test("weight decay is PyTorch's coupled L2: the step of g + decay * p; 0 changes nothing")
  func weightDecay() {
    let gradients: [[Double]] = [[0.2, -0.4], [1.0]]
    var decayed = Adam<Double>(learningRate: 0.1)
    var plain = Adam<Double>(learningRate: 0.1)
    var parameters: [[Double]] = [[1.0, -2.0], [0.5]]
    var reference = parameters
    decayed.update(&parameters, gradients: gradients, weightDecay: 0.01)
    let coupled = zip(gradients, reference).map { g, p in zip(g, p).map { $0 + 0.01 * $1 } }
    plain.update(&reference, gradients: coupled)
    #expect(parameters == reference)
    var off = Adam<Double>(learningRate: 0.1)
    var withoutDecay: [[Double]] = [[1.0, -2.0], [0.5]]
    var withZero = withoutDecay
    var zero = Adam<Double>(learningRate: 0.1)
    off.update(&withoutDecay, gradients: gradients)
    zero.update(&withZero, gradients: gradients, weightDecay: 0)
    #expect(withoutDecay == withZero)
  }

  @Test("clipping scales to the bound only above it")
  func clipping() {
    var gradients: [[Double]] = [[3.0], [4.0]]
    let norm = GradientClipping.clip(&gradients, maxNorm: 1.0)
    #expect(norm == 5.0)
    let clippedNorm = (gradients[0][0] * gradients[0][0] + gradients[1][0] * gradients[1][0])
      .squareRoot()
    #expect(abs(clippedNorm - 1.0) < 1e-6)
    var small: [[Double]] = [[0.3], [0.4]]
    GradientClipping.clip(&small, maxNorm: 1.0)
    #expect(small == [[0.3], [0.4]])
  }

  @Test("model and objective tensors stepped apart equal one Adam and one clip over both")
  func splitListsMatchOneList() {
    var random = SeededGenerator(seed: 9)
    func tensors(_ sizes: [Int]) -> [[Float]] {
      sizes.map { (0..<$0).map { _ in Float(random.uniform(-1.0, 1.0)) } }
    }
    let (modelSizes, extraSizes) = ([5, 3], [4])
    var model = tensors(modelSizes)
    var extra = tensors(extraSizes)
    var whole = model + extra
    var (modelAdam, extraAdam, wholeAdam) = (
      Adam<Float>(learningRate: 0.05), Adam<Float>(learningRate: 0.05),
      Adam<Float>(learningRate: 0.05)
    )
    for _ in 0..<4 {
      var modelGradients = tensors(modelSizes).map { $0.map { 3 * $0 } }
      var extraGradients = tensors(extraSizes).map { $0.map { 3 * $0 } }
      var wholeGradients = modelGradients + extraGradients
      let joint = GradientClipping.clip(&modelGradients, &extraGradients, maxNorm: 1)
      let single = GradientClipping.clip(&wholeGradients, maxNorm: 1)
      #expect(joint == single && joint > 1)
      modelAdam.update(&model, gradients: modelGradients, weightDecay: 0.01)
      extraAdam.update(&extra, gradients: extraGradients, weightDecay: 0.01)
      wholeAdam.update(&whole, gradients: wholeGradients, weightDecay: 0.01)
      #expect(model + extra == whole)
    }
  }

  @Test("plateau halves after more than `patience` epochs without relative improvement")
  func plateau() {
    var schedule = PlateauSchedule(patience: 2, factor: 0.5)
    var rate = 1.0
    rate = schedule.step(validationLoss: 1.0, learningRate: rate)  // best
    rate = schedule.step(validationLoss: 0.99995, learningRate: rate)  // < 1e-4 relative: bad 1
    rate = schedule.step(validationLoss: 1.2, learningRate: rate)  // bad 2
    #expect(rate == 1.0)
    rate = schedule.step(validationLoss: 1.1, learningRate: rate)  // bad 3 > 2: halve
    #expect(rate == 0.5)
    rate = schedule.step(validationLoss: 0.5, learningRate: rate)  // improvement resets
    #expect(rate == 0.5 && schedule.badEpochs == 0)
  }
}

@Suite("Cross-entropy")
struct CrossEntropyTests {
  @Test("gradient matches finite differences")
  func gradient() {
    var random = RandomTensors(seed: 3)
    let logits: [Double] = random.uniform(4 * 5, scale: 3)
    let labels = random.labels(4, classes: 5)
    let analytic = CrossEntropy.lossAndGradient(logits: logits, labels: labels, classes: 5).gradient
    for index in logits.indices {
      let numeric = FiniteDifference.derivative(of: logits, at: index) {
        CrossEntropy.lossAndGradient(logits: $0, labels: labels, classes: 5).loss
      }
      #expect(FiniteDifference.relativeError(analytic[index], numeric) < 1e-6)
    }
  }

  @Test("huge logits stay finite and exact")
  func stable() {
    let (loss, gradient) = CrossEntropy.lossAndGradient(
      logits: [Float(1e4), 0, -1e4], labels: [1], classes: 3)
    #expect(loss == 1e4)
    #expect(gradient.allSatisfy { $0.isFinite })
    let probabilities = Softmax.probabilities(logits: [Float(1e4), 0, -1e4], classes: 3)
    #expect(probabilities == [1, 0, 0])
  }

  @Test("per-sample losses average to the batch loss")
  func sampleLosses() {
    let logits: [Double] = [0.1, 2, -1, 0.5, 0.5, 0.5]
    let labels = [1, 2]
    let mean = CrossEntropy.lossAndGradient(logits: logits, labels: labels, classes: 3).loss
    let samples = CrossEntropy.sampleLosses(logits: logits, labels: labels, classes: 3)
    #expect(abs(samples.reduce(0, +) / 2 - mean) < 1e-12)
  }
}
