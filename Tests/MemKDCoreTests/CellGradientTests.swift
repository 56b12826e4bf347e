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
  typealias Problem = GradientProblem

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
