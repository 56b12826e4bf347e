import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Reference values computed by scikit-learn / scipy (Tests/Fixtures/make_metric_fixtures.py,
/// committed as Tests/Fixtures/metrics.json). Why a committed fixture: the Swift metrics must
/// equal scikit-learn's definitions, ties included, and CI has no Python at `swift test` time.
/// Tests/python/test_metric_fixtures.py keeps the JSON in sync with scikit-learn.
struct MetricsFixture: Decodable {
  /// One classifier output with its expected metrics. `null` in JSON (nil here) = undefined.
  struct Classification: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var classCount: Int
    var labels: [Int]
    /// [count][classCount]; flattened row-major for the API.
    var probabilities: [[Double]]
    var accuracy: Double
    var rocAUC: [Double?]
    var averagePrecision: [Double?]
    var macroROCAUC: Double?
    var macroAveragePrecision: Double?
    var skippedROC: [Int]
    var skippedAP: [Int]

    var flatProbabilities: [Double] { probabilities.flatMap { $0 } }
    var testDescription: String { name }

    /// Class `c`'s column ([count]) and membership mask ([count]).
    func column(_ c: Int) -> (scores: [Double], positives: [Bool]) {
      (probabilities.map { $0[c] }, labels.map { $0 == c })
    }
  }

  /// Scores [dataset][method] with scipy's average ranks.
  struct Ranks: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var scores: [[Double]]
    var ranks: [[Double]]
    var averageRanks: [Double]
    var testDescription: String { name }
  }

  /// Scores [dataset][method] with the expected record of method a against method b.
  struct WinTieLoss: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var scores: [[Double]]
    var a: Int
    var b: Int
    var wins: Int
    var ties: Int
    var losses: Int
    var testDescription: String { "\(name) (\(a) vs \(b))" }
  }

  var classification: [Classification]
  var ranks: [Ranks]
  var winTieLoss: [WinTieLoss]

  static let url = TestFiles.fixture("metrics.json")

  /// Loaded once; a missing or malformed fixture crashes the test run loudly rather than
  /// silently producing zero parameterized cases.
  static let shared: MetricsFixture = {
    do {
      return try TestFiles.decodeFixture("metrics.json")
    } catch {
      fatalError("cannot load \(url.path): \(error)")
    }
  }()
}

/// Absolute tolerance of fixture comparisons (the values are fractions in [0, 1]).
private let metricsTolerance = 1e-12

/// `expected == nil` means undefined: `actual` must be nil too.
private func expectClose(
  _ actual: Double?, _ expected: Double?, _ what: @autoclosure () -> String,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  switch (actual, expected) {
  case (nil, nil):
    break
  case (let actual?, let expected?):
    #expect(
      abs(actual - expected) <= metricsTolerance,
      "\(what()): \(actual) vs expected \(expected)", sourceLocation: sourceLocation)
  default:
    Issue.record(
      "\(what()): \(String(describing: actual)) vs expected \(String(describing: expected))",
      sourceLocation: sourceLocation)
  }
}

/// A NaN macro value stands for scikit-learn's "undefined" (JSON null).
private func definedOrNil(_ value: Double) -> Double? { value.isNaN ? nil : value }

@Suite("Metrics against scikit-learn fixtures")
struct MetricsFixtureTests {
  @Test func fixtureHasTheExpectedCases() {
    #expect(MetricsFixture.shared.classification.count >= 12)
    #expect(!MetricsFixture.shared.ranks.isEmpty)
    #expect(!MetricsFixture.shared.winTieLoss.isEmpty)
  }

  @Test(arguments: MetricsFixture.shared.classification)
  func perClassCurves(_ c: MetricsFixture.Classification) {
    for k in 0..<c.classCount {
      let (scores, positives) = c.column(k)
      expectClose(
        Metrics.rocAUC(scores: scores, positives: positives), c.rocAUC[k], "\(c.name) ROC[\(k)]")
      expectClose(
        Metrics.averagePrecision(scores: scores, positives: positives), c.averagePrecision[k],
        "\(c.name) AP[\(k)]")
    }
  }

  @Test(arguments: MetricsFixture.shared.classification)
  func macroAverages(_ c: MetricsFixture.Classification) {
    let p = c.flatProbabilities
    let roc = Metrics.macroROCAUC(probabilities: p, labels: c.labels, classCount: c.classCount)
    let ap = Metrics.macroAveragePrecision(
      probabilities: p, labels: c.labels, classCount: c.classCount)
    expectClose(definedOrNil(roc.value), c.macroROCAUC, "\(c.name) macro ROC")
    expectClose(definedOrNil(ap.value), c.macroAveragePrecision, "\(c.name) macro AP")
    #expect(roc.skipped == c.skippedROC)
    #expect(ap.skipped == c.skippedAP)
  }

  @Test(arguments: MetricsFixture.shared.classification)
  func evaluateAndAccuracy(_ c: MetricsFixture.Classification) {
    let p = c.flatProbabilities
    let m = Metrics.evaluate(probabilities: p, labels: c.labels, classCount: c.classCount)
    expectClose(m.accuracy, c.accuracy, "\(c.name) accuracy")
    expectClose(
      Metrics.accuracy(probabilities: p, labels: c.labels, classCount: c.classCount), c.accuracy,
      "\(c.name) accuracy()")
    expectClose(definedOrNil(m.aucROC), c.macroROCAUC, "\(c.name) aucROC")
    expectClose(definedOrNil(m.aucPRC), c.macroAveragePrecision, "\(c.name) aucPRC")
    #expect(m.skippedClasses == Set(c.skippedROC).union(c.skippedAP).sorted())
  }

  @Test(arguments: MetricsFixture.shared.ranks)
  func ranks(_ r: MetricsFixture.Ranks) {
    let ranks = Metrics.ranks(scores: r.scores)
    #expect(ranks.count == r.ranks.count)
    for (d, (row, expectedRow)) in zip(ranks, r.ranks).enumerated() {
      #expect(row.count == expectedRow.count)
      for (m, (value, expected)) in zip(row, expectedRow).enumerated() {
        expectClose(value, expected, "\(r.name) rank[\(d)][\(m)]")
      }
    }
    let average = Metrics.averageRanks(scores: r.scores)
    #expect(average.count == r.averageRanks.count)
    for (m, (value, expected)) in zip(average, r.averageRanks).enumerated() {
      expectClose(value, expected, "\(r.name) averageRank[\(m)]")
    }
  }

  @Test(arguments: MetricsFixture.shared.winTieLoss)
  func winTieLoss(_ w: MetricsFixture.WinTieLoss) {
    let result = Metrics.winTieLoss(scores: w.scores, method: w.a, against: w.b)
    #expect(result.wins == w.wins)
    #expect(result.ties == w.ties)
    #expect(result.losses == w.losses)
  }

  /// The paper reports MemKD's average rank among students as 1.75 (Table II, last column).
  @Test func paperTableIIAverageRankOfMemKD() throws {
    let students = try #require(MetricsFixture.shared.ranks.first { $0.name == "tableIIStudents" })
    let average = Metrics.averageRanks(scores: students.scores)
    #expect(average.last == 1.75)
  }
}
