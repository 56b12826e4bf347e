import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Golden values for the feature-based losses (AT, RKD, NST, FitNet), computed by PyTorch autograd
/// in float64 from RepDistiller's formulations (Tests/Fixtures/make_kd_feature.py, committed as
/// Tests/Fixtures/kd_feature.json; Tests/python/test_kd_fixtures_feature.py keeps the two in sync).
struct KDFeatureFixture: Decodable {
  struct Case: Decodable, Sendable, CustomTestStringConvertible {
    var name: String
    var loss: String
    var batch: Int
    var length: Int
    var studentHiddenSize: Int
    var teacherHiddenSize: Int
    var teacherLayer: Int?
    var distanceWeight: Double?
    var angleWeight: Double?
    var includeTeacherKernel: Bool?
    var studentHidden: [Double]
    var teacherHidden: [[Double]]
    var parameters: [[Double]]
    var value: Double
    var studentHiddenGradient: [Double]
    var parameterGradients: [[Double]]

    var testDescription: String { name }

    var input: DistillationInput<Double> {
      DistillationInput(
        batch: batch, length: length, classes: 2, labels: [Int](repeating: 0, count: batch),
        studentLogits: [Double](repeating: 0, count: 2 * batch), studentHidden: studentHidden,
        studentHiddenSize: studentHiddenSize,
        teacherLogits: [Double](repeating: 0, count: 2 * batch), teacherHidden: teacherHidden,
        teacherHiddenSize: teacherHiddenSize)
    }

    /// The loss the case describes, with the options it sets (nil = the Swift default).
    func evaluate() -> DistillationOutput<Double>? {
      var generator = SeededGenerator(seed: 0)
      switch loss {
      case "at":
        return AttentionTransferLoss(teacherLayer: teacherLayer)
          .evaluate(input, parameters: parameters, generator: &generator)
      case "rkd":
        var rkd = RKDLoss()
        if let distanceWeight { rkd.distanceWeight = distanceWeight }
        if let angleWeight { rkd.angleWeight = angleWeight }
        return rkd.evaluate(input, parameters: parameters, generator: &generator)
      case "nst":
        return NSTLoss(
          teacherLayer: teacherLayer, includeTeacherKernel: includeTeacherKernel ?? true
        )
        .evaluate(input, parameters: parameters, generator: &generator)
      case "fitnet":
        return FitNetLoss(teacherLayer: teacherLayer)
          .evaluate(input, parameters: parameters, generator: &generator)
      default:
        return nil
      }
    }
  }

  var format: String
  var cases: [Case]

  static func load() throws -> KDFeatureFixture {
    try TestFiles.decodeFixture("kd_feature.json")
  }

  /// Every case, or none if the file is missing (the `fixtureLoads` test reports that).
  static var allCases: [Case] { (try? load().cases) ?? [] }
}

@Suite("KD losses: AT, RKD, NST, FitNet against PyTorch (kd_feature.json)")
struct KDFeatureFixtureTests {
  /// `|a - e| / max(|a|, |e|, 1e-9)`: relative, on an absolute 1e-15 scale near zero (RKD with
  /// B = 2 is zero up to PyTorch's rounding).
  static func error(_ actual: Double, _ expected: Double) -> Double {
    abs(actual - expected) / max(abs(actual), abs(expected), 1e-9)
  }

  @Test("the fixture loads and covers every loss")
  func fixtureLoads() throws {
    let fixture = try KDFeatureFixture.load()
    #expect(fixture.format == "memkd-kd-feature-fixture")
    #expect(Set(fixture.cases.map(\.loss)) == ["at", "rkd", "nst", "fitnet"])
  }

  @Test("value and gradients match PyTorch to 1e-6", arguments: KDFeatureFixture.allCases)
  func matchesTorch(_ fixture: KDFeatureFixture.Case) throws {
    let output = try #require(fixture.evaluate(), "unknown loss \(fixture.loss)")
    #expect(
      Self.error(output.value, fixture.value) < 1e-6, "value \(output.value) vs \(fixture.value)")
    let gradient = try #require(output.studentHidden)
    try #require(gradient.count == fixture.studentHiddenGradient.count)
    let worst = zip(gradient, fixture.studentHiddenGradient).map(Self.error).max() ?? 0
    #expect(worst < 1e-6, "studentHidden gradient: worst relative error \(worst)")
    try #require(output.parameters.count == fixture.parameterGradients.count)
    for (tensor, (actual, expected)) in zip(output.parameters, fixture.parameterGradients)
      .enumerated()
    {
      try #require(actual.count == expected.count)
      let worst = zip(actual, expected).map(Self.error).max() ?? 0
      #expect(worst < 1e-6, "parameter \(tensor) gradient: worst relative error \(worst)")
    }
  }
}
