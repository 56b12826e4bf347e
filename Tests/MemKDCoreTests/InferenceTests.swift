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

  @Test("chunks cover every row once, in order, at most batchSize each, two at least")
  func chunksCoverTheSet() {
    #expect(RecurrentClassifier<Float>.chunks(count: 0, batchSize: 4).isEmpty)
    #expect(RecurrentClassifier<Float>.chunks(count: 1, batchSize: 4) == [0..<1])
    #expect(RecurrentClassifier<Float>.chunks(count: 5, batchSize: 256) == [0..<2, 2..<5])
    for (count, batchSize) in [(1029, 256), (7, 3), (10, 1)] {
      let chunks = RecurrentClassifier<Float>.chunks(count: count, batchSize: batchSize)
      #expect(chunks.flatMap { Array($0) } == Array(0..<count))
      #expect(chunks.allSatisfy { $0.count <= batchSize && !$0.isEmpty })
      #expect(chunks.count >= min(2, count))
    }
  }
}
