import MemKDCore
import MemKDTestSupport
import Testing

/// FitNetLoss: gradients for the student's hidden sequence and the regressor against finite
/// differences in Double, the default (middle) teacher layer, an exact regressor, and the
/// regressor's initialisation. Golden values from PyTorch are in KDFeatureFixtureTests.
@Suite("KD losses: FitNet hints")
struct KDFitNetTests {
  struct Shape: Sendable, CustomTestStringConvertible {
    var batch: Int, length: Int, student: Int, teacher: Int, layers: Int, seed: UInt64
    var testDescription: String {
      "B \(batch) T \(length) Hs \(student) Ht \(teacher) L \(layers) seed \(seed)"
    }
  }

  static let shapes: [Shape] = [
    Shape(batch: 3, length: 5, student: 3, teacher: 4, layers: 3, seed: 1),
    Shape(batch: 3, length: 5, student: 3, teacher: 4, layers: 3, seed: 2),
    Shape(batch: 2, length: 3, student: 4, teacher: 2, layers: 2, seed: 3),
    Shape(batch: 1, length: 1, student: 2, teacher: 3, layers: 1, seed: 4),
  ]

  static func parameters(student: Int, teacher: Int, seed: UInt64) -> [[Double]] {
    FitNetLoss().initialParameters(
      studentHiddenSize: student, teacherHiddenSize: teacher, seed: seed
    )
    .map { $0.map { Double($0) } }
  }

  @Test("student-hidden, weight and bias gradients vs finite differences", arguments: shapes)
  func gradient(shape: Shape) {
    let input = FeatureKD.input(
      batch: shape.batch, length: shape.length, studentWidth: shape.student,
      teacherWidth: shape.teacher, layers: shape.layers, seed: shape.seed)
    let parameters = Self.parameters(
      student: shape.student, teacher: shape.teacher, seed: shape.seed)
    for layer in [nil, 0] as [Int?] {
      let worst = FeatureKD.worstGradientError(
        FitNetLoss(teacherLayer: layer), input, parameters: parameters)
      #expect(
        worst.error < 1e-6, "layer \(String(describing: layer)): \(worst.location): \(worst.error)")
    }
  }

  @Test("zero (with zero gradients) when the regressor maps the student exactly")
  func exactRegressor() throws {
    var input = FeatureKD.input(batch: 3, length: 4, studentWidth: 3, teacherWidth: 5, seed: 20)
    let parameters = Self.parameters(student: 3, teacher: 5, seed: 21)
    let (weight, bias) = (parameters[0], parameters[1])
    // Teacher layer 1 (the default, middle one) := W h + b at every (b, t).
    for row in 0..<(input.batch * input.length) {
      for k in 0..<5 {
        var value = bias[k]
        for j in 0..<3 { value += weight[k * 3 + j] * input.studentHidden[row * 3 + j] }
        input.teacherHidden[1][row * 5 + k] = value
      }
    }
    let output = FeatureKD.output(FitNetLoss(), input, parameters: parameters)
    #expect(abs(output.value) < 1e-30)
    let hidden = try #require(output.studentHidden)
    #expect(hidden.allSatisfy { abs($0) < 1e-15 })
    #expect(output.parameters.count == 2)
    #expect(output.parameters.joined().allSatisfy { abs($0) < 1e-15 })
    // Other layers are not matched.
    #expect(FeatureKD.value(FitNetLoss(teacherLayer: 2), input, parameters: parameters) > 1e-3)
  }

  @Test("nil teacher layer is the middle one, count / 2")
  func middleLayer() {
    for layers in 1...4 {
      let input = FeatureKD.input(layers: layers, seed: UInt64(30 + layers))
      let parameters = Self.parameters(student: 3, teacher: 4, seed: 3)
      let middle = FeatureKD.value(
        FitNetLoss(teacherLayer: layers / 2), input, parameters: parameters)
      #expect(
        FeatureKD.value(FitNetLoss(), input, parameters: parameters) == middle, "\(layers) layers")
    }
  }

  @Test("initial regressor: shapes, PyTorch bound 1/sqrt(Hs), determinism")
  func initialParameters() throws {
    let loss = FitNetLoss()
    let parameters = loss.initialParameters(studentHiddenSize: 8, teacherHiddenSize: 100, seed: 42)
    try #require(parameters.count == 2)
    #expect(parameters[0].count == 800 && parameters[1].count == 100)
    let bound = Float(1 / 8.0.squareRoot())
    #expect(parameters.joined().allSatisfy { abs($0) <= bound })
    #expect(parameters.joined().contains { abs($0) > 0.9 * bound })
    #expect(
      parameters == loss.initialParameters(studentHiddenSize: 8, teacherHiddenSize: 100, seed: 42))
    #expect(
      parameters != loss.initialParameters(studentHiddenSize: 8, teacherHiddenSize: 100, seed: 43))
  }

  @Test("Float at the real sizes agrees with Double")
  func floatAgreement() {
    let parameters = Self.parameters(student: 8, teacher: 100, seed: 6)
    let difference = FeatureKD.floatAgreement(FitNetLoss(), parameters: parameters)
    // The regressor's gradients sum 3200 rows in Float (measured differences up to ~1e-4).
    #expect(difference < 1e-3, "relative difference \(difference)")
  }
}
