import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// MemKD, Base-KD and DKD against `Tests/Fixtures/kd_memkd.json`: loss values and student
/// gradients computed in PyTorch float64 with autograd (MemKD from METHODS.md, DKD with
/// mdistiller's `dkd_loss` code), and the long pairs a Python port of SeededGenerator draws.
/// Written by `Tests/Fixtures/make_kd_memkd.py`; `Tests/python/test_kd_fixtures_memkd.py`
/// re-runs it and checks the file. Inputs are float32-representable, so Float reads them exactly.
@Suite("MemKD / Base-KD / DKD vs PyTorch fixture")
struct KDMemKDFixtureTests {
  struct MemKDCase: Decodable {
    struct Options: Decodable {
      var terms: String
      var normalization: String
      var longPairs: Int?
      var shortWeight: Double
      var longWeight: Double
      var teacherLayer: Int?
    }
    var name: String
    var options: Options
    var batch: Int
    var length: Int
    var studentHiddenSize: Int
    var teacherHiddenSize: Int
    var studentHidden: NestedArray
    var teacherHidden: [NestedArray]
    var seed: UInt64
    var longPairs: [[Int]]
    var loss: Double
    var gradStudentHidden: NestedArray
  }

  struct SamplingCase: Decodable {
    var seed: UInt64
    var length: Int
    var count: Int
    var pairs: [[Int]]
  }

  struct LogitCase: Decodable {
    var name: String
    var options: [String: Double]
    var epoch: Int
    var batch: Int
    var classes: Int
    var labels: [Int]
    var studentLogits: NestedArray
    var teacherLogits: NestedArray
    var loss: Double
    var gradStudentLogits: NestedArray
  }

  struct Fixture: Decodable {
    var memkd: [MemKDCase]
    var sampling: [SamplingCase]
    var baseKD: [LogitCase]
    var dkd: [LogitCase]
  }

  static let fixture: Fixture? = try? TestFiles.decodeFixture("kd_memkd.json")

  @Test("fixture loads") func fixtureLoads() throws {
    let fixture = try #require(Self.fixture)
    #expect(fixture.memkd.count == 14 && fixture.sampling.count == 4)
    #expect(fixture.baseKD.count == 7 && fixture.dkd.count == 8)
  }

  /// `|a - b| <= tolerance * max(|b|, 1e-3 * max_i |b_i|)` elementwise: relative, with a floor
  /// a thousandth of the tensor's scale so that near-zero entries compare on that scale.
  func expectClose<S: BinaryFloatingPoint>(
    _ actual: [S], _ expected: [Double], tolerance: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.count == expected.count, "\(what): count", sourceLocation: sourceLocation)
    let floor = 1e-3 * (expected.map(abs).max() ?? 0)
    var worst = 0.0
    for (a, b) in zip(actual, expected) {
      let scale = max(abs(b), floor)
      worst = max(worst, scale == 0 ? abs(Double(a)) : abs(Double(a) - b) / scale)
    }
    #expect(
      worst <= tolerance, "\(what): worst relative error \(worst)", sourceLocation: sourceLocation)
  }

  func checkMemKD<S: EngineScalar>(_: S.Type, tolerance: Double) throws {
    for c in try #require(Self.fixture).memkd {
      let loss = try MemKDLoss(
        terms: #require(MemKDLoss.Terms(rawValue: c.options.terms)),
        normalization: #require(MemKDLoss.Normalization(rawValue: c.options.normalization)),
        longPairs: c.options.longPairs, shortWeight: c.options.shortWeight,
        longWeight: c.options.longWeight, teacherLayer: c.options.teacherLayer)
      let input = DistillationInput<S>(
        batch: c.batch, length: c.length, classes: 2, labels: Array(repeating: 0, count: c.batch),
        studentLogits: Array(repeating: 0, count: 2 * c.batch),
        studentHidden: c.studentHidden.values.map { S($0) }, studentHiddenSize: c.studentHiddenSize,
        teacherLogits: Array(repeating: 0, count: 2 * c.batch),
        teacherHidden: c.teacherHidden.map { $0.values.map { S($0) } },
        teacherHiddenSize: c.teacherHiddenSize)
      let pairs = c.longPairs.map { MemKDLoss.StepPair($0[0], $0[1]) }
      let explicit = loss.evaluate(input, longPairs: pairs)
      expectClose([explicit.value], [c.loss], tolerance: tolerance, "\(c.name): loss")
      expectClose(
        try #require(explicit.studentHidden), c.gradStudentHidden.values,
        tolerance: tolerance, "\(c.name): gradient")
      // The fixture's pairs are the ones SeededGenerator(seed) draws, so evaluate agrees.
      var generator = SeededGenerator(seed: c.seed)
      let drawn = loss.evaluate(input, parameters: [], generator: &generator)
      #expect(
        drawn.value == explicit.value && drawn.studentHidden == explicit.studentHidden, "\(c.name)")
    }
  }

  @Test("MemKD in Double (1e-9)") func memkdDouble() throws {
    try checkMemKD(Double.self, tolerance: 1e-9)
  }
  @Test("MemKD in Float (1e-4)") func memkdFloat() throws {
    try checkMemKD(Float.self, tolerance: 1e-4)
  }

  @Test("long pairs drawn from SeededGenerator match the Python port")
  func sampling() throws {
    for c in try #require(Self.fixture).sampling {
      var generator = SeededGenerator(seed: c.seed)
      let pairs = MemKDLoss(longPairs: c.count).drawLongPairs(
        length: c.length, generator: &generator)
      #expect(pairs.map { [$0.first, $0.second] } == c.pairs, "seed \(c.seed), T = \(c.length)")
    }
  }

  func checkLogits<S: EngineScalar>(
    _ cases: [LogitCase], _ makeLoss: ([String: Double]) -> any DistillationLoss, _: S.Type,
    tolerance: Double
  ) throws {
    for c in cases {
      let input = DistillationInput<S>(
        batch: c.batch, length: 1, classes: c.classes, labels: c.labels,
        studentLogits: c.studentLogits.values.map { S($0) },
        studentHidden: Array(repeating: 0, count: c.batch),
        studentHiddenSize: 1, teacherLogits: c.teacherLogits.values.map { S($0) },
        teacherHidden: [Array(repeating: 0, count: c.batch)], teacherHiddenSize: 1, epoch: c.epoch)
      var generator = SeededGenerator(seed: 0)
      let output = makeLoss(c.options).evaluate(input, parameters: [], generator: &generator)
      expectClose([output.value], [c.loss], tolerance: tolerance, "\(c.name): loss")
      expectClose(
        try #require(output.studentLogits), c.gradStudentLogits.values,
        tolerance: tolerance, "\(c.name): gradient")
    }
  }

  static func baseKD(_ options: [String: Double]) -> any DistillationLoss {
    KnowledgeDistillationLoss(temperature: options["temperature"]!)
  }

  static func dkd(_ options: [String: Double]) -> any DistillationLoss {
    DKDLoss(
      alpha: options["alpha"]!, beta: options["beta"]!, temperature: options["temperature"]!,
      warmupEpochs: Int(options["warmupEpochs"]!))
  }

  @Test("Base-KD in Double and Float") func baseKDValues() throws {
    let cases = try #require(Self.fixture).baseKD
    try checkLogits(cases, Self.baseKD, Double.self, tolerance: 1e-9)
    try checkLogits(cases, Self.baseKD, Float.self, tolerance: 1e-4)
  }

  @Test("DKD in Double and Float") func dkdValues() throws {
    let cases = try #require(Self.fixture).dkd
    try checkLogits(cases, Self.dkd, Double.self, tolerance: 1e-9)
    try checkLogits(cases, Self.dkd, Float.self, tolerance: 1e-4)
  }
}
