import MemKDCore
import MemKDTestSupport
import Testing

/// Hand-written BPTT against finite differences, in Double.
///
/// The checked loss is `CE(logits, y) + sum_l <R_l, H_l>` with a random `R_l [B, T, H]` per
/// layer: the second term's gradient is injected through `hiddenGradients`, exactly how the
/// distillation losses inject theirs, so the check covers the injection at every step of every
/// layer as well as the head path.
@Suite("LSTM gradients vs finite differences")
struct LSTMGradientTests {
  typealias Problem = GradientProblem

  static let smallConfigs: [ModelConfig] = [
    ModelConfig(inputSize: 1, hiddenSize: 1, layers: 1, classes: 2),
    ModelConfig(inputSize: 2, hiddenSize: 8, layers: 1, classes: 3),
    ModelConfig(inputSize: 1, hiddenSize: 1, layers: 3, classes: 2),
    ModelConfig(inputSize: 2, hiddenSize: 8, layers: 3, classes: 4),
  ]

  @Test("every parameter of small models", arguments: smallConfigs)
  func everyParameter(config: ModelConfig) {
    let problem = Problem(config: config, batch: 3, length: 6, seed: 11)
    let worst = problem.worstParameterError(problem.everyPosition)
    #expect(worst.error < 1e-6, "worst: \(worst.name) relative error \(worst.error)")
  }

  @Test("series of length 1 (no recurrent step)")
  func lengthOne() {
    let config = ModelConfig(inputSize: 2, hiddenSize: 8, layers: 2, classes: 3)
    let problem = Problem(config: config, batch: 3, length: 1, seed: 15)
    let worst = problem.worstParameterError(problem.everyPosition)
    #expect(worst.error < 1e-6, "worst: \(worst.name) relative error \(worst.error)")
    // W_hh never acts at T = 1: its gradient is exactly zero.
    #expect(problem.analytic().parameters.tensors[1].allSatisfy { $0 == 0 })
  }

  @Test(
    "input gradient (the injected hidden gradients flowing down every layer)",
    arguments: smallConfigs)
  func inputGradient(config: ModelConfig) {
    let problem = Problem(config: config, batch: 2, length: 5, seed: 12)
    let analytic = problem.analytic().inputs
    var worst = 0.0
    for index in problem.inputs.indices {
      let numeric = FiniteDifference.derivative(of: problem.inputs, at: index) { values in
        problem.loss(problem.model, inputs: values)
      }
      worst = max(worst, FiniteDifference.relativeError(analytic[index], numeric))
    }
    #expect(worst < 1e-6, "worst input-gradient relative error \(worst)")
  }

  @Test("200 random parameters of the 3 x 100 teacher")
  func teacherSample() {
    let config = ModelConfig.teacher(classes: 5)
    let problem = Problem(config: config, batch: 2, length: 4, seed: 13)
    var generator = SeededGenerator(seed: 99)
    let tensors = problem.model.parameters.tensors
    let total = tensors.reduce(0) { $0 + $1.count }
    var positions: [(Int, Int)] = []
    for _ in 0..<200 {
      var flat = generator.index(below: total)
      var tensor = 0
      while flat >= tensors[tensor].count {
        flat -= tensors[tensor].count
        tensor += 1
      }
      positions.append((tensor, flat))
    }
    let worst = problem.worstParameterError(positions)
    #expect(worst.error < 1e-6, "worst: \(worst.name) relative error \(worst.error)")
  }

  @Test("both recurrent paths: small kernel (H = 32) and BLAS (H = 33)")
  func recurrentPathsAtThreshold() {
    for hidden in [32, 33] {
      let config = ModelConfig(inputSize: 1, hiddenSize: hidden, layers: 1, classes: 2)
      let problem = Problem(config: config, batch: 2, length: 3, seed: 14)
      let positions = [(1, 0), (1, 4 * hidden * hidden - 1), (1, hidden * 2 + 5), (0, 3)]
      let worst = problem.worstParameterError(positions)
      #expect(worst.error < 1e-6, "H = \(hidden): \(worst.name) relative error \(worst.error)")
    }
  }
}
