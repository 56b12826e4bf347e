import MemKDCore
import MemKDTestSupport
import Testing

/// AttentionTransferLoss: gradients against finite differences in Double, and the properties
/// METHODS.md names (zero for equal sequences, scale invariance). Golden values from PyTorch are
/// in KDFeatureFixtureTests.
@Suite("KD losses: attention transfer (AT)")
struct KDAttentionTransferTests {
  struct Shape: Sendable, CustomTestStringConvertible {
    var batch: Int, length: Int, student: Int, teacher: Int, seed: UInt64
    var testDescription: String {
      "B \(batch) T \(length) Hs \(student) Ht \(teacher) seed \(seed)"
    }
  }

  static let shapes: [Shape] = [
    Shape(batch: 3, length: 5, student: 3, teacher: 4, seed: 1),
    Shape(batch: 3, length: 5, student: 3, teacher: 4, seed: 2),
    Shape(batch: 2, length: 4, student: 5, teacher: 2, seed: 3),
    Shape(batch: 1, length: 1, student: 2, teacher: 3, seed: 4),
  ]

  @Test("student-hidden gradient vs finite differences", arguments: shapes, [nil, 0] as [Int?])
  func gradient(shape: Shape, teacherLayer: Int?) {
    let input = FeatureKD.input(
      batch: shape.batch, length: shape.length, studentWidth: shape.student,
      teacherWidth: shape.teacher, seed: shape.seed)
    let worst = FeatureKD.worstGradientError(
      AttentionTransferLoss(teacherLayer: teacherLayer), input)
    #expect(worst.error < 1e-6, "\(worst.location): relative error \(worst.error)")
  }

  @Test("zero for equal sequences, positive otherwise")
  func zeroForEqualSequences() {
    var input = FeatureKD.input(studentWidth: 4, teacherWidth: 4, seed: 8)
    #expect(FeatureKD.value(AttentionTransferLoss(), input) > 1e-4)
    input.teacherHidden[2] = input.studentHidden
    let output = FeatureKD.output(AttentionTransferLoss(), input)
    #expect(output.value == 0)
    #expect(output.studentHidden?.allSatisfy { $0 == 0 } == true)
    // A different layer is then not matched.
    #expect(FeatureKD.value(AttentionTransferLoss(teacherLayer: 0), input) > 1e-4)
  }

  @Test("invariant to scaling either sequence")
  func scaleInvariance() {
    let input = FeatureKD.input(batch: 4, length: 6, seed: 9)
    let reference = FeatureKD.value(AttentionTransferLoss(), input)
    for (student, teacher) in [(3.0, 1.0), (1.0, 0.1), (-2.5, 7.0)] {
      let scaled = FeatureKD.value(
        AttentionTransferLoss(), FeatureKD.scaled(input, student: student, teacher: teacher))
      #expect(abs(scaled - reference) <= 1e-12 * reference, "scales \(student), \(teacher)")
    }
  }

  @Test("teacherLayer selects the layer; nil is the last")
  func layerSelection() {
    let input = FeatureKD.input(seed: 10)
    let values = (0..<3).map { FeatureKD.value(AttentionTransferLoss(teacherLayer: $0), input) }
    #expect(FeatureKD.value(AttentionTransferLoss(), input) == values[2])
    #expect(values[0] != values[1] && values[1] != values[2])
  }

  @Test("an all-zero student sequence hits the norm clamp without NaN")
  func zeroSequence() {
    var input = FeatureKD.input(seed: 11)
    input.studentHidden = [Double](repeating: 0, count: input.studentHidden.count)
    let output = FeatureKD.output(AttentionTransferLoss(), input)
    // q_s = 0 and each teacher map has unit norm: L = sum_b 1 / (B T).
    #expect(abs(output.value - 1.0 / 5) < 1e-15)
    #expect(output.studentHidden?.allSatisfy { $0 == 0 } == true)
  }

  @Test("Float at the real sizes agrees with Double")
  func floatAgreement() {
    let difference = FeatureKD.floatAgreement(AttentionTransferLoss())
    #expect(difference < 1e-4, "relative difference \(difference)")
  }
}
