import Testing

@testable import MemKDCore

/// Batch inference (`logits(for:)`) runs chunks on several threads: the values must not depend
/// on the chunk size or the thread count, and must equal one whole-set forward pass.
@Suite("Batch inference")
struct InferenceTests {
  @Test("logits do not depend on the thread count, nor on the chunk size below BLAS's H")
  func threadsChangeNothing() {
    let set = sineTask(count: 37, length: 12, classes: 3, seed: 5)
    for hidden in [8, 40] {
      let config = ModelConfig(inputSize: 1, hiddenSize: hidden, layers: 2, classes: 3)
      let model = RecurrentClassifier<Float>(config: config, seed: 3)
      let whole = model.forward(inputs: set.values, batch: set.count).logits
      for batchSize in [1, 5, 36, 37, 256] {
        let single = model.logits(for: set, batchSize: batchSize, threads: 1)
        for threads in [2, 3] {
          #expect(model.logits(for: set, batchSize: batchSize, threads: threads) == single)
        }
        let largest = zip(single, whole).map { abs($0 - $1) }.max() ?? 0
        // The small kernel's sums do not depend on the rows in a chunk; OpenBLAS's may by an ulp.
        #expect(hidden > 32 ? largest < 1e-6 : largest == 0, "H \(hidden), batch \(batchSize)")
      }
    }
  }

  @Test("chunks cover every row once, in order, at most batchSize each, an even number of them")
  func chunksCoverTheSet() {
    #expect(RecurrentClassifier<Float>.chunks(count: 0, batchSize: 4).isEmpty)
    #expect(RecurrentClassifier<Float>.chunks(count: 1, batchSize: 4) == [0..<1])
    #expect(RecurrentClassifier<Float>.chunks(count: 5, batchSize: 256) == [0..<2, 2..<5])
    // ItalyPowerDemand's test set: nine chunks went four and five to the two threads; BLAS
    // models keep the cut their committed results were made with.
    #expect(RecurrentClassifier<Float>.chunks(count: 1029, batchSize: 128).count == 10)
    #expect(
      RecurrentClassifier<Float>.chunks(count: 1029, batchSize: 128, balanced: false).count == 9)
    #expect(
      RecurrentClassifier<Float>.chunks(count: 5, batchSize: 256, balanced: false) == [
        0..<2, 2..<5,
      ])
    for (count, batchSize) in [(1029, 256), (1029, 128), (7, 3), (10, 1), (3, 1), (9, 2)] {
      let chunks = RecurrentClassifier<Float>.chunks(count: count, batchSize: batchSize)
      #expect(chunks.flatMap { Array($0) } == Array(0..<count))
      #expect(chunks.allSatisfy { $0.count <= batchSize && !$0.isEmpty })
      // Even, unless every chunk is already a single row (3 rows in batches of 1).
      #expect(chunks.count % 2 == 0 || chunks.count == count, "\(count) rows by \(batchSize)")
    }
  }

  @Test("probabilities(for:) is the softmax of logits(for:), row for row")
  func probabilitiesAreTheSoftmaxOfTheLogits() {
    let set = sineTask(count: 29, length: 9, classes: 4, seed: 2)
    for hidden in [8, 40] {
      let config = ModelConfig(inputSize: 1, hiddenSize: hidden, layers: 1, classes: 4)
      let model = RecurrentClassifier<Float>(config: config, seed: 7)
      for threads in [1, 2] {
        let expected = Softmax.probabilities(
          logits: model.logits(for: set, batchSize: 8, threads: threads), classes: 4)
        #expect(model.probabilities(for: set, batchSize: 8, threads: threads) == expected)
      }
    }
  }

  @Test("fillRows copies the row into every row and leaves the rest")
  func fillRowsCopiesTheRow() {
    var buffer = [Double](repeating: -1, count: 7)
    Kernels.fillRows(&buffer, rows: 2, with: [1, 2, 3])
    #expect(buffer == [1, 2, 3, 1, 2, 3, -1])
    Kernels.fillRows(&buffer, rows: 0, with: [9])
    #expect(buffer == [1, 2, 3, 1, 2, 3, -1])
  }

  /// The inference kernel keeps nothing for backward and runs the input projection in blocks of
  /// steps; its logits must equal the training forward pass's to the bit (a student's
  /// validation loss, and so early stopping, goes through it), for one and several layers
  /// (a univariate first layer feeding another included), input widths and lengths on both
  /// sides of the 16-step block, H whose gates are not a multiple of eight, batch sizes off the
  /// eight-series lane groups, Float and Double.
  @Test("inference logits equal the training forward pass's, bit for bit")
  func inferenceIsBitIdentical() {
    for (inputSize, hidden, layers) in [
      (1, 8, 1), (3, 8, 2), (6, 5, 3), (1, 32, 1), (2, 40, 2), (1, 8, 2), (1, 5, 2),
    ] {
      for (batch, length) in [(1, 1), (7, 15), (13, 16), (5, 17), (37, 100)] {
        var random = SeededGenerator(seed: UInt64(batch * 100 + length))
        let inputs = (0..<(batch * length * inputSize)).map { _ in random.uniform(-2.0, 2.0) }
        let config = ModelConfig(
          inputSize: inputSize, hiddenSize: hidden, layers: layers, classes: 3)
        let double = RecurrentClassifier<Double>(config: config, seed: 11)
        #expect(
          double.inferenceLogits(inputs: inputs, batch: batch)
            == double.forward(inputs: inputs, batch: batch).logits,
          "Double D \(inputSize) H \(hidden) L \(layers) B \(batch) T \(length)")
        let float = RecurrentClassifier<Float>(config: config, seed: 11)
        let floats = inputs.map { Float($0) }
        #expect(
          float.inferenceLogits(inputs: floats, batch: batch)
            == float.forward(inputs: floats, batch: batch).logits,
          "Float D \(inputSize) H \(hidden) L \(layers) B \(batch) T \(length)")
      }
    }
  }
}
