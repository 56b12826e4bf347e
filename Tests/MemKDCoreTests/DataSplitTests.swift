import Testing

@testable import MemKDCore

@Suite("Stratified split")
struct DataSplitTests {
  /// Class 0: 10 series, class 1: 5, class 2: 1, class 3: 3, interleaved.
  static let labels: [Int] = {
    var labels =
      [Int](repeating: 0, count: 10) + [Int](repeating: 1, count: 5) + [2]
      + [Int](repeating: 3, count: 3)
    var generator = SeededGenerator(seed: 99)
    generator.shuffle(&labels)
    return labels
  }()

  private func counts(_ indices: [Int], _ labels: [Int]) -> [Int: Int] {
    indices.reduce(into: [:]) { $0[labels[$1], default: 0] += 1 }
  }

  @Test("validation holds round(0.2 * n_c) of each class, at most n_c - 1")
  func stratifiedCounts() {
    let (train, validation) = StratifiedSplit.split(labels: Self.labels, seed: 1)
    #expect(counts(validation, Self.labels) == [0: 2, 1: 1, 3: 1])  // 0.6 rounds to 1; class 2 none
    #expect(counts(train, Self.labels) == [0: 8, 1: 4, 2: 1, 3: 2])
  }

  @Test("the two lists are sorted, disjoint and together cover every index")
  func disjointAndComplete() {
    let (train, validation) = StratifiedSplit.split(labels: Self.labels, seed: 5)
    #expect(train == train.sorted())
    #expect(validation == validation.sorted())
    #expect(Set(train).isDisjoint(with: validation))
    #expect((train + validation).sorted() == Array(0..<Self.labels.count))
  }

  @Test("same seed gives the same split; a different seed a different one")
  func determinism() {
    let labels = (0..<200).map { $0 % 4 }
    let a = StratifiedSplit.split(labels: labels, seed: 42)
    let b = StratifiedSplit.split(labels: labels, seed: 42)
    let c = StratifiedSplit.split(labels: labels, seed: 43)
    #expect(a.train == b.train && a.validation == b.validation)
    #expect(a.validation != c.validation)
    #expect(a.validation.count == c.validation.count)
  }

  @Test("a class with a single series stays in train, even at fraction 1")
  func singleSeriesClass() {
    let labels = [0, 0, 0, 1, 2, 2]
    let (train, validation) = StratifiedSplit.split(labels: labels, validationFraction: 1, seed: 3)
    #expect(train.contains(3))
    #expect(counts(validation, labels) == [0: 2, 2: 1])
    let none = StratifiedSplit.split(labels: labels, validationFraction: 0, seed: 3)
    #expect(none.train == Array(0..<6) && none.validation.isEmpty)
  }

  @Test("halves round away from zero: 0.5 * 5 = 2.5 -> 3")
  func rounding() {
    let labels = [Int](repeating: 0, count: 5) + [1, 1]
    let (_, validation) = StratifiedSplit.split(labels: labels, validationFraction: 0.5, seed: 8)
    #expect(counts(validation, labels) == [0: 3, 1: 1])
  }

  @Test("matches the documented algorithm: one 'split' stream, classes ascending, first k held out")
  func documentedAlgorithm() {
    let labels = Self.labels
    var generator = SeededGenerator.stream(seed: 77, "split")
    var expected: [Int] = []
    for label in Set(labels).sorted() {
      var indices = labels.indices.filter { labels[$0] == label }
      generator.shuffle(&indices)
      let held = min(Int((0.2 * Double(indices.count)).rounded()), indices.count - 1)
      expected += indices[..<held]
    }
    #expect(StratifiedSplit.split(labels: labels, seed: 77).validation == expected.sorted())
  }

  @Test("empty labels give empty lists")
  func empty() {
    let (train, validation) = StratifiedSplit.split(labels: [], seed: 1)
    #expect(train.isEmpty && validation.isEmpty)
  }
}
