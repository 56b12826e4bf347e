import MemKDCore
import MemKDTestSupport
import Testing

/// NSTLoss: gradients against finite differences in Double and its properties (zero for equal
/// sequences, invariance to per-unit scaling, the optional teacher-teacher term). Golden values
/// from PyTorch are in KDFeatureFixtureTests.
@Suite("KD losses: neuron selectivity transfer (NST)")
struct KDNSTTests {
  struct Shape: Sendable, CustomTestStringConvertible {
    var batch: Int, length: Int, student: Int, teacher: Int, seed: UInt64
    var testDescription: String {
      "B \(batch) T \(length) Hs \(student) Ht \(teacher) seed \(seed)"
    }
  }

  static let shapes: [Shape] = [
    Shape(batch: 3, length: 5, student: 3, teacher: 4, seed: 1),
    Shape(batch: 3, length: 5, student: 3, teacher: 4, seed: 2),
    // Ht > T: the teacher Gram matrix is taken over time steps instead of units.
    Shape(batch: 2, length: 3, student: 4, teacher: 6, seed: 3),
    Shape(batch: 1, length: 1, student: 2, teacher: 3, seed: 4),
  ]

  @Test("student-hidden gradient vs finite differences", arguments: shapes, [nil, 1] as [Int?])
  func gradient(shape: Shape, teacherLayer: Int?) {
    let input = FeatureKD.input(
      batch: shape.batch, length: shape.length, studentWidth: shape.student,
      teacherWidth: shape.teacher, seed: shape.seed)
    let worst = FeatureKD.worstGradientError(NSTLoss(teacherLayer: teacherLayer), input)
    #expect(worst.error < 1e-6, "\(worst.location): relative error \(worst.error)")
  }

  @Test("zero for equal sequences, positive otherwise", arguments: [(3, 5), (2, 7)])
  func zeroForEqualSequences(width: Int, length: Int) {
    var input = FeatureKD.input(length: length, studentWidth: width, teacherWidth: width, seed: 8)
    #expect(FeatureKD.value(NSTLoss(), input) > 1e-3)
    input.teacherHidden[2] = input.studentHidden
    let output = FeatureKD.output(NSTLoss(), input)
    #expect(abs(output.value) < 1e-14)
    #expect(output.studentHidden?.allSatisfy { abs($0) < 1e-14 } == true)
  }

  @Test("invariant to scaling each unit's time course")
  func scaleInvariance() {
    let input = FeatureKD.input(batch: 3, length: 6, seed: 9)
    let reference = FeatureKD.value(NSTLoss(), input)
    var scaled = FeatureKD.scaled(input, student: 2.5, teacher: 0.2)
    for index in scaled.studentHidden.indices where index % input.studentHiddenSize == 1 {
      scaled.studentHidden[index] *= -7
    }
    #expect(abs(FeatureKD.value(NSTLoss(), scaled) - reference) <= 1e-12 * reference)
  }

  @Test("includeTeacherKernel: false drops a constant only")
  func withoutTeacherKernel() throws {
    let input = FeatureKD.input(seed: 10)
    let full = FeatureKD.output(NSTLoss(), input)
    let partial = FeatureKD.output(NSTLoss(includeTeacherKernel: false), input)
    let fullGradient = try #require(full.studentHidden)
    let partialGradient = try #require(partial.studentHidden)
    #expect(fullGradient == partialGradient)
    // The teacher-teacher mean is in (0, 1], so the value drops by that much.
    #expect(full.value - partial.value > 0 && full.value - partial.value <= 1)
    var shifted = input
    shifted.studentHidden = input.studentHidden.map { $0 + 0.3 }
    let delta =
      FeatureKD.value(NSTLoss(), shifted)
      - FeatureKD.value(NSTLoss(includeTeacherKernel: false), shifted)
    #expect(abs(delta - (full.value - partial.value)) < 1e-14)
  }

  @Test("teacherLayer selects the layer; nil is the last")
  func layerSelection() {
    let input = FeatureKD.input(seed: 11)
    let values = (0..<3).map { FeatureKD.value(NSTLoss(teacherLayer: $0), input) }
    #expect(FeatureKD.value(NSTLoss(), input) == values[2])
    #expect(values[0] != values[1] && values[1] != values[2])
  }

  @Test("an all-zero unit hits the norm clamp without NaN")
  func zeroUnit() {
    var input = FeatureKD.input(seed: 12)
    for index in input.studentHidden.indices where index % input.studentHiddenSize == 0 {
      input.studentHidden[index] = 0
    }
    let output = FeatureKD.output(NSTLoss(), input)
    #expect(output.value.isFinite)
    #expect(output.studentHidden?.allSatisfy { $0.isFinite } == true)
  }

  @Test("Float at the real sizes agrees with Double")
  func floatAgreement() {
    let difference = FeatureKD.floatAgreement(NSTLoss())
    #expect(difference < 1e-4, "relative difference \(difference)")
  }
}
