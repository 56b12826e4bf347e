import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Helpers shared by the VID and DT2W loss tests (namespaced: the test module is shared).
enum VIDDT2WTestSupport {
  /// A loss input with random hidden sequences (uniform in [-1, 1)), random logits and labels.
  static func randomInput(
    seed: UInt64, batch: Int, length: Int, studentHidden: Int, teacherHidden: Int,
    teacherLayers: Int, classes: Int = 3
  ) -> DistillationInput<Double> {
    var random = RandomTensors(seed: seed)
    return DistillationInput(
      batch: batch, length: length, classes: classes,
      labels: random.labels(batch, classes: classes),
      studentLogits: random.uniform(batch * classes),
      studentHidden: random.uniform(batch * length * studentHidden),
      studentHiddenSize: studentHidden, teacherLogits: random.uniform(batch * classes),
      teacherHidden: (0..<teacherLayers).map { _ in random.uniform(batch * length * teacherHidden)
      },
      teacherHiddenSize: teacherHidden)
  }

  /// The input in Float (every value rounded).
  static func toFloat(_ input: DistillationInput<Double>) -> DistillationInput<Float> {
    DistillationInput(
      batch: input.batch, length: input.length, classes: input.classes, labels: input.labels,
      studentLogits: input.studentLogits.map { Float($0) },
      studentHidden: input.studentHidden.map { Float($0) },
      studentHiddenSize: input.studentHiddenSize,
      teacherLogits: input.teacherLogits.map { Float($0) },
      teacherHidden: input.teacherHidden.map { $0.map { Float($0) } },
      teacherHiddenSize: input.teacherHiddenSize, epoch: input.epoch)
  }

  /// The worst relative error (FiniteDifference's default floor) of the analytic gradient over
  /// every student hidden element and every parameter element. Every evaluation gets a copy of
  /// the same generator.
  static func worstGradientError<L: DistillationLoss>(
    _ loss: L, input: DistillationInput<Double>, parameters: [[Double]], seed: UInt64 = 7
  ) -> (error: Double, position: String) {
    let generator = SeededGenerator(seed: seed)
    func value(_ input: DistillationInput<Double>, _ parameters: [[Double]]) -> Double {
      var copy = generator
      return loss.evaluate(input, parameters: parameters, generator: &copy).value
    }
    var copy = generator
    let analytic = loss.evaluate(input, parameters: parameters, generator: &copy)
    var worst = (error: 0.0, position: "none")
    func record(_ a: Double, _ numeric: Double, _ position: @autoclosure () -> String) {
      let error = FiniteDifference.relativeError(a, numeric)
      if error > worst.error || error.isNaN {
        worst = (error, "\(position()) analytic \(a) numeric \(numeric)")
      }
    }
    guard let hidden = analytic.studentHidden, hidden.count == input.studentHidden.count,
      analytic.parameters.map(\.count) == parameters.map(\.count)
    else { return (.infinity, "gradient shapes") }
    for index in input.studentHidden.indices {
      let numeric = FiniteDifference.derivative(of: input.studentHidden, at: index) { values in
        var shifted = input
        shifted.studentHidden = values
        return value(shifted, parameters)
      }
      record(hidden[index], numeric, "studentHidden[\(index)]")
    }
    for tensor in parameters.indices {
      for index in parameters[tensor].indices {
        let numeric = FiniteDifference.derivative(of: parameters[tensor], at: index) { values in
          var shifted = parameters
          shifted[tensor] = values
          return value(input, shifted)
        }
        record(analytic.parameters[tensor][index], numeric, "parameters[\(tensor)][\(index)]")
      }
    }
    return worst
  }

  /// `|a - b| <= tolerance * max(|a|, |b|)`, plus `1e-300` so that two zeros compare equal.
  static func close(_ a: Double, _ b: Double, relative tolerance: Double) -> Bool {
    abs(a - b) <= tolerance * max(abs(a), abs(b)) + 1e-300
  }
}

/// VID and DT2W against `Tests/Fixtures/kd_vid_dt2w.json`, written by
/// `Tests/Fixtures/make_kd_vid_dt2w.py` (numpy loss values, torch autograd gradients; VID through
/// RepDistiller's 1x1-convolution formulation). `Tests/python/test_kd_fixtures_vid_dt2w.py`
/// regenerates the file and checks it. Inputs are float32-exact, so Float gets them unrounded.
@Suite("VID and DT2W vs numpy / torch fixture")
struct KDVIDDT2WFixtureTests {
  struct LossCase: Decodable, Sendable {
    var name: String
    var batch: Int
    var length: Int
    var student_hidden_size: Int
    var teacher_hidden_size: Int
    var teacher_layer: Int?
    var gamma: Double?
    var student_hidden: NestedArray
    var teacher_hidden: [NestedArray]
    var parameters: [NestedArray]
    var loss: Double
    var sample_values: [Double]?
    var grad_student_hidden: NestedArray
    var grad_parameters: [NestedArray]

    func input<S: EngineScalar>(_: S.Type) -> DistillationInput<S> {
      DistillationInput(
        batch: batch, length: length, classes: 2, labels: [Int](repeating: 0, count: batch),
        studentLogits: [S](repeating: 0, count: batch * 2),
        studentHidden: student_hidden.values.map { S($0) },
        studentHiddenSize: student_hidden_size,
        teacherLogits: [S](repeating: 0, count: batch * 2),
        teacherHidden: teacher_hidden.map { $0.values.map { S($0) } },
        teacherHiddenSize: teacher_hidden_size)
    }

    func loss(vid: Bool) -> any DistillationLoss {
      vid
        ? VIDLoss(teacherLayer: teacher_layer)
        : DT2WLoss(teacherLayer: teacher_layer, gamma: gamma ?? 1)
    }
  }

  struct SoftDTWCase: Decodable, Sendable {
    var name: String
    var x: [Double]
    var y: [Double]
    var gamma: Double
    var value: Double
    var dtw: Double
  }

  struct Group<Case: Decodable & Sendable>: Decodable, Sendable { var cases: [Case] }

  struct Fixture: Decodable, Sendable {
    var vid: Group<LossCase>
    var dt2w: Group<LossCase>
    var soft_dtw: Group<SoftDTWCase>
  }

  static let fixture: Fixture? = try? TestFiles.decodeFixture("kd_vid_dt2w.json")

  static var fixtureURL: URL { TestFiles.fixture("kd_vid_dt2w.json") }

  static var lossCases: [(vid: Bool, name: String)] {
    (fixture?.vid.cases.map { (true, $0.name) } ?? [])
      + (fixture?.dt2w.cases.map { (false, $0.name) } ?? [])
  }

  @Test("the fixture loads and has every group")
  func loads() throws {
    let fixture = try #require(Self.fixture, "cannot read \(Self.fixtureURL.path)")
    #expect(fixture.vid.cases.count == 3)
    #expect(fixture.dt2w.cases.count == 5)
    #expect(!fixture.soft_dtw.cases.isEmpty)
  }

  func lossCase(vid: Bool, name: String) throws -> LossCase {
    let fixture = try #require(Self.fixture)
    return try #require((vid ? fixture.vid : fixture.dt2w).cases.first { $0.name == name })
  }

  /// Within 1e-10 (the brief asks for 1e-6; the measured differences are below 1e-14, so this
  /// also pins the accuracy of the soft-DTW kernel's own exp and log).
  @Test("Double: loss and every gradient element within 1e-10", arguments: lossCases)
  func double(vid: Bool, name: String) throws {
    let test = try lossCase(vid: vid, name: name)
    var generator = SeededGenerator(seed: 1)
    let output = test.loss(vid: vid).evaluate(
      test.input(Double.self), parameters: test.parameters.map(\.values), generator: &generator)
    #expect(
      VIDDT2WTestSupport.close(output.value, test.loss, relative: 1e-10),
      "\(output.value) vs \(test.loss)")
    let hidden = try #require(output.studentHidden)
    let expected = [test.grad_student_hidden.values] + test.grad_parameters.map(\.values)
    let actual = [hidden] + output.parameters
    try #require(actual.map(\.count) == expected.map(\.count))
    for (tensor, (a, e)) in zip(actual, expected).enumerated() {
      // Relative to the tensor's largest entry: entries that cancel to ~0 compare on its scale.
      let scale = e.map(abs).max() ?? 0
      let worst = zip(a, e).map { abs($0 - $1) }.max() ?? 0
      #expect(
        worst <= 1e-10 * scale, "tensor \(tensor): worst |difference| \(worst), scale \(scale)")
    }
  }

  @Test("Float: the same inputs agree to 1e-4", arguments: lossCases)
  func float(vid: Bool, name: String) throws {
    let test = try lossCase(vid: vid, name: name)
    var generator = SeededGenerator(seed: 1)
    let output = test.loss(vid: vid).evaluate(
      test.input(Float.self), parameters: test.parameters.map { $0.values.map { Float($0) } },
      generator: &generator)
    #expect(VIDDT2WTestSupport.close(Double(output.value), test.loss, relative: 1e-4))
    let hidden = try #require(output.studentHidden).map { Double($0) }
    let scale = test.grad_student_hidden.values.map(abs).max() ?? 0
    let worst = zip(hidden, test.grad_student_hidden.values).map { abs($0 - $1) }.max() ?? 0
    #expect(worst <= 1e-4 * scale, "worst |difference| \(worst), scale \(scale)")
  }

  @Test("DT2W per-sample values: each sample alone gives its soft-DTW value")
  func perSample() throws {
    let fixture = try #require(Self.fixture)
    for test in fixture.dt2w.cases {
      let samples = try #require(test.sample_values)
      let input = test.input(Double.self)
      let (hs, ht, t) = (test.student_hidden_size, test.teacher_hidden_size, test.length)
      for b in 0..<test.batch {
        let single = DistillationInput(
          batch: 1, length: t, classes: 2, labels: [0], studentLogits: [0, 0],
          studentHidden: Array(input.studentHidden[(b * t * hs)..<((b + 1) * t * hs)]),
          studentHiddenSize: hs, teacherLogits: [0, 0],
          teacherHidden: input.teacherHidden.map { Array($0[(b * t * ht)..<((b + 1) * t * ht)]) },
          teacherHiddenSize: ht)
        var generator = SeededGenerator(seed: 1)
        let value = test.loss(vid: false).evaluate(
          single, parameters: test.parameters.map(\.values), generator: &generator
        ).value
        #expect(VIDDT2WTestSupport.close(value, samples[b], relative: 1e-10), "\(test.name)[\(b)]")
      }
    }
  }

  @Test("soft-DTW hand examples (identity projection, 1-D sequences)")
  func softDTWExamples() throws {
    let fixture = try #require(Self.fixture)
    for example in fixture.soft_dtw.cases {
      let value = KDDT2WTests.softDTW(example.x, example.y, gamma: example.gamma)
      #expect(
        VIDDT2WTestSupport.close(value, example.value, relative: 1e-9),
        "\(example.name) gamma \(example.gamma): \(value) vs \(example.value)")
    }
  }
}
