import MemKDTestSupport
import Testing

@testable import MemKDCore

/// The GRU's and the RNN's inference and streaming paths against their training forward pass:
/// `inferenceLogits` (no backward storage; the series-lane kernels for small H, the batch pass
/// for large H) must equal `forward` bit for bit, chunked
/// batch inference must not depend on threads, and `StreamingClassifier` one step at a time must
/// equal `forward` on whole series.
@Suite("GRU and RNN inference and streaming")
struct CellInferenceTests {
  static let cells: [RecurrentCell] = [.gru, .rnn]

  static func series(_ count: Int, length: Int, channels: Int, seed: UInt64) -> [Float] {
    var random = SeededGenerator(seed: seed)
    return (0..<(count * length * channels)).map { _ in Float(random.uniform(-2.0, 2.0)) }
  }

  /// One and several layers, one and several inputs, H on both sides of `smallHiddenLimit` and
  /// not a multiple of eight, batch sizes off the eight-lane groups, lengths 1 to 40; Float and
  /// Double.
  @Test("inference logits equal the training forward pass's, bit for bit", arguments: cells)
  func inferenceIsBitIdentical(cell: RecurrentCell) {
    for (inputSize, hidden, layers) in [
      (1, 8, 1), (3, 8, 2), (6, 5, 3), (1, 32, 1), (2, 40, 2), (1, 33, 3),
    ] {
      for (batch, length) in [(1, 1), (7, 15), (5, 17), (37, 40)] {
        var random = SeededGenerator(seed: UInt64(batch * 100 + length))
        let inputs = (0..<(batch * length * inputSize)).map { _ in random.uniform(-2.0, 2.0) }
        let config = ModelConfig(
          cell: cell, inputSize: inputSize, hiddenSize: hidden, layers: layers, classes: 3)
        let what = "\(cell) D \(inputSize) H \(hidden) L \(layers) B \(batch) T \(length)"
        let double = RecurrentClassifier<Double>(config: config, seed: 11)
        #expect(
          double.inferenceLogits(inputs: inputs, batch: batch)
            == double.forward(inputs: inputs, batch: batch).logits, "Double \(what)")
        let float = RecurrentClassifier<Float>(config: config, seed: 11)
        let floats = inputs.map { Float($0) }
        #expect(
          float.inferenceLogits(inputs: floats, batch: batch)
            == float.forward(inputs: floats, batch: batch).logits, "Float \(what)")
      }
    }
  }

  /// The series-lane kernels (`SeriesLanes`) of every cell, the LSTM's included: every small H
  /// from one unit to `smallHiddenLimit`, univariate (lane projection) and wider inputs (the
  /// GEMM; T = 20 is longer than the 16-step GEMM blocks the LSTM once used, which differed by
  /// an ulp for a second layer of 32 units), batch sizes off the eight-series groups.
  @Test(
    "series-lane inference equals the training forward pass bit for bit",
    arguments: [
      RecurrentCell.lstm, .gru, .rnn,
    ])
  func seriesLanesAreBitIdentical(cell: RecurrentCell) {
    for hidden in [1, 5, 8, 16, 32] {
      for inputSize in [1, 3] {
        for layers in [1, 2] {
          let config = ModelConfig(
            cell: cell, inputSize: inputSize, hiddenSize: hidden, layers: layers, classes: 3)
          let double = RecurrentClassifier<Double>(config: config, seed: UInt64(hidden + layers))
          let float = RecurrentClassifier<Float>(config: config, seed: UInt64(hidden + layers))
          for batch in [1, 7, 9, 17] {
            for length in [1, 20] {
              var random = SeededGenerator(seed: UInt64(batch * 100 + length))
              let inputs = (0..<(batch * length * inputSize)).map { _ in
                random.uniform(-2.0, 2.0)
              }
              let what = "\(cell) D \(inputSize) H \(hidden) L \(layers) B \(batch) T \(length)"
              #expect(
                double.inferenceLogits(inputs: inputs, batch: batch)
                  == double.forward(inputs: inputs, batch: batch).logits, "Double \(what)")
              let floats = inputs.map { Float($0) }
              #expect(
                float.inferenceLogits(inputs: floats, batch: batch)
                  == float.forward(inputs: floats, batch: batch).logits, "Float \(what)")
            }
          }
        }
      }
    }
  }

  @Test("batch inference does not depend on threads; chunks agree with one pass", arguments: cells)
  func threadsChangeNothing(cell: RecurrentCell) {
    let set = sineTask(count: 37, length: 12, classes: 3, seed: 5)
    for hidden in [8, 40] {
      let config = ModelConfig(cell: cell, inputSize: 1, hiddenSize: hidden, layers: 2, classes: 3)
      let model = RecurrentClassifier<Float>(config: config, seed: 3)
      let whole = model.forward(inputs: set.values, batch: set.count).logits
      for batchSize in [1, 5, 37, 256] {
        let single = model.logits(for: set, batchSize: batchSize, threads: 1)
        #expect(model.logits(for: set, batchSize: batchSize, threads: 2) == single)
        let largest = zip(single, whole).map { abs($0 - $1) }.max() ?? 0
        // The small kernel's sums do not depend on the rows in a chunk; OpenBLAS's may by an ulp.
        #expect(
          hidden > smallHiddenLimit ? largest < 1e-6 : largest == 0,
          "\(cell) H \(hidden), batch \(batchSize): \(largest)")
      }
    }
  }

  struct Shape: CustomTestStringConvertible, Sendable {
    var cell: RecurrentCell
    var inputSize: Int
    var hidden: Int
    var layers: Int
    var classes: Int
    var testDescription: String { "\(cell) D \(inputSize), \(layers) x \(hidden), C \(classes)" }
  }

  static let shapes = cells.flatMap { cell in
    [
      Shape(cell: cell, inputSize: 1, hidden: 8, layers: 1, classes: 3),
      Shape(cell: cell, inputSize: 2, hidden: 5, layers: 2, classes: 4),
      Shape(cell: cell, inputSize: 1, hidden: 19, layers: 3, classes: 2),
      Shape(cell: cell, inputSize: 3, hidden: 40, layers: 2, classes: 5),
    ]
  }

  @Test(
    "streaming: after every step the state and, at the end, the probabilities equal the batch",
    arguments: shapes)
  func streamingMatchesBatch(_ shape: Shape) {
    let config = ModelConfig(
      cell: shape.cell, inputSize: shape.inputSize, hiddenSize: shape.hidden,
      layers: shape.layers, classes: shape.classes)
    let model = RecurrentClassifier<Float>(config: config, seed: 7)
    let (count, length) = (3, 23)
    let inputs = Self.series(count, length: length, channels: shape.inputSize, seed: 3)
    let pass = model.forward(inputs: inputs, batch: count)
    let batchProbabilities = Softmax.probabilities(logits: pass.logits, classes: shape.classes)
    let lastLayer = pass.hiddenSequence(layer: shape.layers - 1)  // [B, T, H]
    let stream = StreamingClassifier(model: model)
    var (worstHidden, worstProbability) = (Float(0), 0.0)
    for b in 0..<count {
      stream.reset()
      for t in 0..<length {
        let start = (b * length + t) * shape.inputSize
        stream.step(Array(inputs[start..<(start + shape.inputSize)]))
        let expected = lastLayer[((b * length + t) * shape.hidden)...].prefix(shape.hidden)
        for (a, e) in zip(stream.lastHidden, expected) {
          worstHidden = max(worstHidden, abs(a - e))
        }
      }
      let probabilities = stream.currentProbabilities
      for k in 0..<shape.classes {
        let difference = abs(Double(probabilities[k]) - batchProbabilities[b * shape.classes + k])
        worstProbability = max(worstProbability, difference)
      }
      #expect(stream.steps == length)
    }
    #expect(worstHidden <= 1e-6, "\(shape.testDescription): hidden \(worstHidden)")
    #expect(worstProbability <= 1e-6, "\(shape.testDescription): probability \(worstProbability)")
  }

  @Test("the cells' tables: gate counts, modules, state vectors, parameter names and shapes")
  func tables() {
    #expect(RecurrentCell.gru.gateCount == 3 && RecurrentCell.rnn.gateCount == 1)
    #expect(RecurrentCell.gru.torchModule == "gru" && RecurrentCell.rnn.torchModule == "rnn")
    #expect(RecurrentCell.gru.stateVectors == 1 && RecurrentCell.rnn.stateVectors == 1)
    #expect(GRUCell.gateActivations.count == GRUCell.gateCount)
    #expect(RNNCell.gateActivations.count == RNNCell.gateCount)
    let gru = ParameterLayout(
      ModelConfig(cell: .gru, inputSize: 2, hiddenSize: 8, layers: 2, classes: 3))
    #expect(
      gru.names.prefix(4) == [
        "gru.weight_ih_l0", "gru.weight_hh_l0", "gru.bias_ih_l0", "gru.bias_hh_l0",
      ])
    #expect(gru.shapes.prefix(5) == [[24, 2], [24, 8], [24], [24], [24, 8]])
    let rnn = ParameterLayout(
      ModelConfig(cell: .rnn, inputSize: 2, hiddenSize: 8, layers: 1, classes: 3))
    #expect(
      rnn.names == [
        "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.weight",
        "head.bias",
      ])
    #expect(rnn.shapes == [[8, 2], [8, 8], [8], [8], [3, 8], [3]])
    // The 1 x 8 student with C classes: GRU 3 * 8 * (1 + 8 + 2) + 9 C, RNN 8 * 11 + 9 C.
    #expect(ModelConfig(cell: .gru, hiddenSize: 8, layers: 1, classes: 2).parameterCount == 282)
    #expect(ModelConfig(cell: .rnn, hiddenSize: 8, layers: 1, classes: 2).parameterCount == 106)
  }
}
