import MemKDCore
import MemKDTestSupport
import Testing

/// Hinton's KD (`KnowledgeDistillationLoss`): exact logit gradients and the limits of the
/// temperature. Golden values against PyTorch: KDMemKDFixtureTests.
@Suite("Base-KD loss")
struct KDBaseKDTests {
  typealias Loss = KnowledgeDistillationLoss

  static func value(_ loss: Loss, _ input: DistillationInput<Double>) -> DistillationOutput<Double>
  {
    var generator = SeededGenerator(seed: 0)
    return loss.evaluate(input, parameters: [], generator: &generator)
  }

  @Test(
    "gradient of every student logit",
    arguments: [
      (2, 1.0), (3, 4.0), (5, 4.0), (3, 0.5), (4, 20.0),
    ])
  func gradient(classes: Int, temperature: Double) throws {
    for seed: UInt64 in [1, 2, 3] {
      let input = KDMemKDGroup.randomInput(seed: seed, batch: 4, classes: classes, logitScale: 3)
      let errors = KDMemKDGroup.worstGradientErrors(Loss(temperature: temperature), input)
      #expect(errors.hidden == nil)
      #expect(try #require(errors.logits) < 1e-6, "\(errors.detail)")
    }
  }

  @Test("0 for identical logits, positive otherwise, invariant to per-row logit shifts")
  func basicProperties() {
    var input = KDMemKDGroup.randomInput(seed: 11, batch: 5, classes: 4, logitScale: 3)
    let reference = Self.value(Loss(), input).value
    #expect(reference > 0)
    var shifted = input
    for b in 0..<5 {
      for k in 0..<4 {
        shifted.studentLogits[b * 4 + k] += Double(b) * 7 - 3
        shifted.teacherLogits[b * 4 + k] -= Double(b) * 2.5
      }
    }
    #expect(abs(Self.value(Loss(), shifted).value - reference) < 1e-12 * reference)
    input.studentLogits = input.teacherLogits
    let same = Self.value(Loss(), input)
    #expect(same.value == 0)
    #expect(same.studentLogits!.allSatisfy { abs($0) < 1e-17 })
  }

  /// For T -> infinity, T^2 KL(p_t || p_s) -> (1 / 2C) sum_k (d_k - mean d)^2 with
  /// d = z_t - z_s (second-order expansion of KL around the uniform distribution).
  @Test("large temperature: the logit-matching limit")
  func largeTemperature() {
    let input = KDMemKDGroup.randomInput(seed: 12, batch: 3, classes: 5, logitScale: 2)
    var limit = 0.0
    for b in 0..<3 {
      let d = (0..<5).map { input.teacherLogits[b * 5 + $0] - input.studentLogits[b * 5 + $0] }
      let mean = d.reduce(0, +) / 5
      limit += d.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 10 / 3
    }
    let value = Self.value(Loss(temperature: 1e4), input).value
    #expect(abs(value - limit) < 1e-3 * limit, "\(value) vs \(limit)")
  }

  @Test("small temperature and huge logits stay finite")
  func extremes() {
    var input = KDMemKDGroup.randomInput(seed: 13, batch: 3, classes: 4, logitScale: 1)
    for temperature in [1e-3, 4] {
      let output = Self.value(Loss(temperature: temperature), input)
      #expect(output.value.isFinite && output.value >= 0)
      #expect(output.studentLogits!.allSatisfy { $0.isFinite })
    }
    input.studentLogits = input.studentLogits.map { $0 * 1e4 }
    input.teacherLogits = input.teacherLogits.map { $0 * -1e4 }
    let output = Self.value(Loss(), input)
    #expect(output.value.isFinite && output.value > 1e3)
    #expect(output.studentLogits!.allSatisfy { $0.isFinite })
    // A teacher probability that underflows to 0 contributes 0 (not 0 * -inf).
    let float = DistillationInput<Float>(
      batch: 1, length: 1, classes: 3, labels: [0], studentLogits: [0, 0, 0], studentHidden: [0],
      studentHiddenSize: 1, teacherLogits: [0, -2000, 0], teacherHidden: [[0]], teacherHiddenSize: 1
    )
    var generator = SeededGenerator(seed: 0)
    let floatOutput = Loss(temperature: 1).evaluate(float, parameters: [], generator: &generator)
    #expect(abs(floatOutput.value - Float.log(1.5)) < 1e-6)
  }

  @Test("a NaN logit propagates to the value")
  func nanPropagates() {
    var input = KDMemKDGroup.randomInput(seed: 14, batch: 2, classes: 3)
    input.teacherLogits[4] = .nan
    #expect(Self.value(Loss(), input).value.isNaN)
  }

  @Test("name and default") func names() {
    #expect(Loss().name == "base-kd" && Loss().temperature == 4)
  }
}
