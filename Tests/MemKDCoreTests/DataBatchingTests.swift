import Testing

@testable import MemKDCore

@Suite("SeriesSet and mini-batches")
struct DataBatchingTests {
  /// 3 series of length 2 with 2 channels: value = 100 * row + 10 * step + channel.
  static let set = SeriesSet(
    values: [0, 1, 10, 11, 100, 101, 110, 111, 200, 201, 210, 211], labels: [2, 0, 1],
    length: 2, channels: 2)

  @Test("init records the shape")
  func shape() {
    #expect(Self.set.count == 3 && Self.set.length == 2 && Self.set.channels == 2)
    let univariate = SeriesSet(values: [1, 2, 3], labels: [0], length: 3)
    #expect(univariate.channels == 1 && univariate.count == 1)
  }

  @Test("gather copies whole rows in the given order, repeats allowed")
  func gather() {
    let (inputs, labels) = Self.set.gather([2, 0, 2])
    #expect(inputs == [200, 201, 210, 211, 0, 1, 10, 11, 200, 201, 210, 211])
    #expect(labels == [1, 2, 1])
    let slice = Self.set.gather(1..<2)
    #expect(slice.inputs == [100, 101, 110, 111] && slice.labels == [0])
    #expect(Self.set.gather([Int]()).inputs.isEmpty)
  }

  @Test("subset is a SeriesSet of the gathered rows")
  func subset() {
    let subset = Self.set.subset([1, 0])
    #expect(
      subset
        == SeriesSet(
          values: [100, 101, 110, 111, 0, 1, 10, 11], labels: [0, 2], length: 2, channels: 2))
    #expect(Self.set.subset([0, 1, 2]) == Self.set)
  }

  @Test("batch sizes: full batches, then one smaller")
  func sizes() {
    var generator = SeededGenerator(seed: 1)
    #expect(
      shuffledBatches(count: 10, batchSize: 4, generator: &generator).map(\.count) == [4, 4, 2])
    #expect(shuffledBatches(count: 8, batchSize: 4, generator: &generator).map(\.count) == [4, 4])
    #expect(shuffledBatches(count: 3, batchSize: 32, generator: &generator).map(\.count) == [3])
    #expect(shuffledBatches(count: 0, batchSize: 32, generator: &generator).isEmpty)
  }

  @Test("batches together are the generator's permutation of 0..<count, and it advances")
  func permutation() {
    var generator = SeededGenerator(seed: 12)
    var reference = generator
    let batches = shuffledBatches(count: 70, batchSize: 32, generator: &generator)
    #expect(batches.flatMap { $0 } == reference.permutation(70))
    #expect(generator == reference)
    #expect(batches.flatMap { $0 }.sorted() == Array(0..<70))
    let next = shuffledBatches(count: 70, batchSize: 32, generator: &generator)
    #expect(next != batches)
  }

  @Test("the same seed gives the same batches")
  func determinism() {
    var a = SeededGenerator.stream(seed: 5, "shuffle")
    var b = SeededGenerator.stream(seed: 5, "shuffle")
    #expect(
      shuffledBatches(count: 100, batchSize: 32, generator: &a)
        == shuffledBatches(count: 100, batchSize: 32, generator: &b))
  }
}
