import MemKDCore
import MemKDTestSupport
import Testing

/// RKDLoss: gradients of the distance and angle terms (separately and weighted) against finite
/// differences in Double, scale invariance, and the degenerate batches (B = 1, coincident
/// points). Golden values from PyTorch are in KDFeatureFixtureTests.
@Suite("KD losses: relational KD (RKD)")
struct KDRKDTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var term: String, distance: Double, angle: Double
    var testDescription: String { term }
  }

  static let terms: [Case] = [
    Case(term: "distance", distance: 1, angle: 0),
    Case(term: "angle", distance: 0, angle: 1),
    Case(term: "25 distance + 50 angle", distance: 25, angle: 50),
  ]

  @Test("student-hidden gradient vs finite differences", arguments: terms, [1, 2, 3] as [UInt64])
  func gradient(term: Case, seed: UInt64) {
    let loss = RKDLoss(distanceWeight: term.distance, angleWeight: term.angle)
    for batch in [2, 4] {
      let input = FeatureKD.input(batch: batch, length: 3, seed: seed)
      let worst = FeatureKD.worstGradientError(loss, input)
      #expect(worst.error < 1e-6, "B \(batch): \(worst.location): relative error \(worst.error)")
    }
  }

  /// One teacher sample far from the others: normalised teacher distances and angles then differ
  /// from the student's by more than 1, so the check covers smoothL1's linear branch as well.
  @Test("gradient in smoothL1's linear region", arguments: terms)
  func linearRegion(term: Case) {
    var input = FeatureKD.input(batch: 5, length: 2, seed: 12)
    for unit in 0..<input.teacherHiddenSize {
      let index = (0 * input.length + input.length - 1) * input.teacherHiddenSize + unit
      input.teacherHidden[2][index] += 40
    }
    let loss = RKDLoss(distanceWeight: term.distance, angleWeight: term.angle)
    let worst = FeatureKD.worstGradientError(loss, input)
    #expect(worst.error < 1e-6, "\(worst.location): relative error \(worst.error)")
  }

  @Test("only the last step receives gradient")
  func lastStepOnly() throws {
    let input = FeatureKD.input(batch: 4, length: 5, seed: 13)
    let gradient = try #require(FeatureKD.output(RKDLoss(), input).studentHidden)
    let width = input.studentHiddenSize
    for sample in 0..<input.batch {
      for t in 0..<input.length {
        let block = gradient[
          ((sample * input.length + t) * width)..<((sample * input.length + t + 1) * width)]
        if t == input.length - 1 {
          #expect(block.contains { $0 != 0 })
        } else {
          #expect(block.allSatisfy { $0 == 0 })
        }
      }
    }
  }

  @Test("invariant to scaling either model's last hidden state")
  func scaleInvariance() {
    let input = FeatureKD.input(batch: 6, length: 3, seed: 14)
    let reference = FeatureKD.value(RKDLoss(), input)
    #expect(reference > 1e-3)
    for (student, teacher) in [(3.0, 1.0), (1.0, 0.1), (0.01, 25.0)] {
      let scaled = FeatureKD.value(
        RKDLoss(), FeatureKD.scaled(input, student: student, teacher: teacher))
      #expect(abs(scaled - reference) <= 1e-12 * reference, "scales \(student), \(teacher)")
    }
  }

  @Test("zero when the student's last states are the teacher's up to scale")
  func zeroForSimilarConfigurations() {
    var input = FeatureKD.input(batch: 5, length: 3, studentWidth: 4, teacherWidth: 4, seed: 15)
    input.teacherHidden[2] = input.studentHidden.map { 0.3 * $0 }
    let output = FeatureKD.output(RKDLoss(), input)
    #expect(abs(output.value) < 1e-14)
    #expect(output.studentHidden?.allSatisfy { abs($0) < 1e-12 } == true)
  }

  @Test("B = 1: no pairs, loss 0 and zero gradient")
  func singleSample() {
    let input = FeatureKD.input(batch: 1, length: 4, seed: 16)
    let output = FeatureKD.output(RKDLoss(), input)
    #expect(output.value == 0)
    #expect(output.studentHidden?.count == input.studentHidden.count)
    #expect(output.studentHidden?.allSatisfy { $0 == 0 } == true)
  }

  @Test("coincident points: finite value and gradient (norms clamped)")
  func coincidentPoints() {
    // Two samples with identical last states, in the student only and in both models; and a
    // batch whose student states all coincide (mean distance clamped too).
    var input = FeatureKD.input(batch: 4, length: 2, seed: 17)
    let width = input.studentHiddenSize, length = input.length
    for unit in 0..<width {
      input.studentHidden[(1 * length + 1) * width + unit] =
        input.studentHidden[(0 * length + 1) * width + unit]
    }
    var both = input
    let teacherWidth = input.teacherHiddenSize
    for unit in 0..<teacherWidth {
      both.teacherHidden[2][(1 * length + 1) * teacherWidth + unit] =
        both.teacherHidden[2][(0 * length + 1) * teacherWidth + unit]
    }
    var collapsed = input
    for sample in 0..<input.batch {
      for unit in 0..<width { collapsed.studentHidden[(sample * length + 1) * width + unit] = 0.25 }
    }
    for (name, candidate) in [("student", input), ("both", both), ("collapsed", collapsed)] {
      let output = FeatureKD.output(RKDLoss(), candidate)
      #expect(output.value.isFinite && output.value > 0, "\(name)")
      #expect(output.studentHidden?.allSatisfy { $0.isFinite } == true, "\(name)")
    }
    // Coincident in both models: the pair's terms agree, so the gradient stays moderate.
    let gradient = FeatureKD.output(RKDLoss(), both).studentHidden ?? []
    #expect(gradient.allSatisfy { abs($0) < 100 })
  }

  @Test("Float at the real sizes agrees with Double")
  func floatAgreement() {
    let difference = FeatureKD.floatAgreement(RKDLoss())
    #expect(difference < 1e-3, "relative difference \(difference)")
  }
}
