import Foundation
import MemKDCore
import Testing

/// Deterministic test data (SplitMix64); kept private so these tests depend on nothing but the
/// public Metrics API.
private struct TestRandom {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

  /// Uniform in 0..<bound (modulo bias is irrelevant for test data).
  mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

  /// n scores with many ties (levels / 8) and a mask with at least one positive and negative.
  mutating func tiedProblem(count n: Int) -> (scores: [Double], positives: [Bool]) {
    let scores = (0..<n).map { _ in Double(below(9)) / 8 }
    var positives = (0..<n).map { _ in below(3) == 0 }
    positives[0] = true
    positives[n - 1] = false
    return (scores, positives)
  }
}

/// Mann-Whitney statistic by brute force, O(P N): the fraction of (positive, negative) pairs
/// ordered correctly, ties counting one half. An independent definition of the ROC AUC.
private func pairwiseAUC(_ scores: [Double], _ positives: [Bool]) -> Double {
  var credit = 0.0
  var pairs = 0.0
  for i in scores.indices where positives[i] {
    for j in scores.indices where !positives[j] {
      credit += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
      pairs += 1
    }
  }
  return credit / pairs
}

/// AP by brute force, O(n^2): for each distinct score t holding positives, (positives at t / P)
/// times the precision of the set {score >= t}. An independent reading of sklearn's definition.
private func bruteForceAP(_ scores: [Double], _ positives: [Bool]) -> Double {
  let p = Double(positives.filter { $0 }.count)
  var ap = 0.0
  for t in Set(scores) {
    let at = scores.indices.filter { scores[$0] == t && positives[$0] }.count
    guard at > 0 else { continue }
    let above = scores.indices.filter { scores[$0] >= t }
    let truePositives = above.filter { positives[$0] }.count
    ap += Double(at) / p * Double(truePositives) / Double(above.count)
  }
  return ap
}

@Suite("Metrics properties")
struct MetricsPropertyTests {
  @Test(arguments: [2, 3, 10, 101])
  func perfectAndInvertedRankings(count n: Int) {
    var random = TestRandom(state: UInt64(n))
    let scores = (0..<n).map { _ in random.unit() }
    let threshold = scores.sorted()[n / 2]
    let positives = scores.map { $0 >= threshold }  // every positive above every negative
    #expect(Metrics.averagePrecision(scores: scores, positives: positives) == 1)
    #expect(Metrics.rocAUC(scores: scores, positives: positives) == 1)
    let inverted = scores.map { -$0 }
    #expect(Metrics.rocAUC(scores: inverted, positives: positives) == 0)
    // Inverted: the positives come last, so AP is strictly between 0 and 1.
    let ap = Metrics.averagePrecision(scores: inverted, positives: positives)!
    #expect(ap > 0 && ap < 1)
  }

  @Test func undefinedCurvesAreNil() {
    #expect(Metrics.rocAUC(scores: [0.1, 0.2], positives: [true, true]) == nil)
    #expect(Metrics.rocAUC(scores: [0.1, 0.2], positives: [false, false]) == nil)
    #expect(Metrics.rocAUC(scores: [], positives: []) == nil)
    #expect(Metrics.averagePrecision(scores: [0.1, 0.2], positives: [false, false]) == nil)
    #expect(Metrics.averagePrecision(scores: [0.1, 0.2], positives: [true, true]) == 1)
  }

  @Test func allTiedScores() {
    let positives = [true, false, false, true, false]
    let scores = [Double](repeating: 0.3, count: 5)
    #expect(Metrics.rocAUC(scores: scores, positives: positives) == 0.5)
    #expect(Metrics.averagePrecision(scores: scores, positives: positives) == 0.4)
  }

  @Test(arguments: 0..<20)
  func matchesBruteForceDefinitionsWithTies(seed: Int) throws {
    var random = TestRandom(state: UInt64(1000 + seed))
    let (scores, positives) = random.tiedProblem(count: 2 + random.below(60))
    let roc = try #require(Metrics.rocAUC(scores: scores, positives: positives))
    let ap = try #require(Metrics.averagePrecision(scores: scores, positives: positives))
    #expect(abs(roc - pairwiseAUC(scores, positives)) < 1e-14)
    #expect(abs(ap - bruteForceAP(scores, positives)) < 1e-14)
    // Reversing the order swaps correct and incorrect pairs; ties stay halves.
    let reversed = try #require(Metrics.rocAUC(scores: scores.map { -$0 }, positives: positives))
    #expect(abs(roc + reversed - 1) < 1e-14)
    // Only the order matters: an exact (power-of-two) rescaling changes nothing, bit for bit.
    #expect(Metrics.rocAUC(scores: scores.map { $0 * 4 }, positives: positives) == roc)
    #expect(Metrics.averagePrecision(scores: scores.map { $0 * 4 }, positives: positives) == ap)
  }

  @Test func sampleOrderDoesNotMatter() {
    var random = TestRandom(state: 7)
    let (scores, positives) = random.tiedProblem(count: 40)
    let permutation = Array(scores.indices.reversed())
    let s2 = permutation.map { scores[$0] }
    let p2 = permutation.map { positives[$0] }
    #expect(
      Metrics.rocAUC(scores: s2, positives: p2)
        == Metrics.rocAUC(scores: scores, positives: positives))
    #expect(
      Metrics.averagePrecision(scores: s2, positives: p2)
        == Metrics.averagePrecision(scores: scores, positives: positives))
  }

  @Test func accuracyTieBreaksToLowestIndex() {
    // Rows: a tie between classes 0 and 1, a tie between 1 and 2, a three-way tie.
    let probabilities = [0.4, 0.4, 0.2, 0.2, 0.4, 0.4, 1.0 / 3, 1.0 / 3, 1.0 / 3]
    #expect(Metrics.accuracy(probabilities: probabilities, labels: [0, 1, 0], classCount: 3) == 1)
    #expect(Metrics.accuracy(probabilities: probabilities, labels: [1, 2, 2], classCount: 3) == 0)
    #expect(
      Metrics.accuracy(probabilities: probabilities, labels: [0, 2, 1], classCount: 3) == 1.0 / 3)
  }

  @Test func emptySplitIsNaNAndSkipsEveryClass() {
    let m = Metrics.evaluate(probabilities: [], labels: [], classCount: 3)
    #expect(m.accuracy.isNaN && m.aucROC.isNaN && m.aucPRC.isNaN)
    #expect(m.skippedClasses == [0, 1, 2])
  }

  @Test func binaryDatasetsAverageBothClasses() {
    // Class 1 scores are 1 - class 0 scores: the two ROC AUCs agree; the two APs do not.
    let p0 = [0.9, 0.8, 0.3, 0.6, 0.2]
    let labels = [0, 0, 0, 1, 1]
    let probabilities = p0.flatMap { [$0, 1 - $0] }
    let ap0 = Metrics.averagePrecision(scores: p0, positives: labels.map { $0 == 0 })!
    let ap1 = Metrics.averagePrecision(
      scores: p0.map { 1 - $0 }, positives: labels.map { $0 == 1 })!
    let macro = Metrics.macroAveragePrecision(
      probabilities: probabilities, labels: labels, classCount: 2)
    #expect(ap0 != ap1)
    #expect(macro.value == (ap0 + ap1) / 2)
    #expect(macro.skipped.isEmpty)
  }

  @Test func metricsRoundTripThroughJSON() throws {
    let m = ClassificationMetrics(accuracy: 0.5, aucROC: 0.75, aucPRC: 0.625, skippedClasses: [3])
    let decoded = try JSONDecoder().decode(
      ClassificationMetrics.self, from: JSONEncoder().encode(m))
    #expect(decoded == m)
  }
}
