import MemKDCore
import MemKDTestSupport
import Testing

/// Decoupled KD (`DKDLoss`): exact logit gradients for C = 2 and C > 2, NCKD = 0 for C = 2, the
/// warm-up, and DKD's decomposition of Hinton's KD. Golden values against mdistiller's code in
/// PyTorch: KDMemKDFixtureTests.
@Suite("DKD loss")
struct KDDKDTests {
  typealias Loss = DKDLoss

  static func output(_ loss: Loss, _ input: DistillationInput<Double>) -> DistillationOutput<Double>
  {
    var generator = SeededGenerator(seed: 0)
    return loss.evaluate(input, parameters: [], generator: &generator)
  }

  @Test("gradient of every student logit", arguments: [2, 3, 5])
  func gradient(classes: Int) throws {
    let losses = [
      Loss(), Loss(alpha: 0.7, beta: 3, temperature: 1.5, warmupEpochs: 10),
      Loss(alpha: 0, beta: 1, temperature: 0.8),
    ]
    for (seed, epoch) in [(UInt64(1), 30), (2, 7), (3, 1)] {
      let input = KDMemKDGroup.randomInput(
        seed: seed, batch: 4, classes: classes, logitScale: 3, epoch: epoch)
      for loss in losses {
        let errors = KDMemKDGroup.worstGradientErrors(loss, input)
        #expect(errors.hidden == nil)
        #expect(try #require(errors.logits) < 1e-6, "\(loss) epoch \(epoch): \(errors.detail)")
      }
    }
  }

  @Test("C = 2: NCKD is exactly 0 (a single non-target class)")
  func binaryHasNoNonTargetTerm() {
    for seed: UInt64 in [1, 2, 3] {
      let input = KDMemKDGroup.randomInput(seed: seed, batch: 6, classes: 2, logitScale: 4)
      let nckd = Self.output(Loss(alpha: 0, beta: 1), input)
      #expect(nckd.value == 0)
      #expect(nckd.studentLogits!.allSatisfy { $0 == 0 })
      #expect(Self.output(Loss(beta: 8), input).value == Self.output(Loss(beta: 0), input).value)
      #expect(Self.output(Loss(alpha: 1, beta: 0), input).value > 0)
    }
  }

  /// DKD's decomposition (Zhao et al., eq. 1): KL(p_t || p_s) = TCKD + (1 - p_t[y]) * NCKD, so for
  /// one sample Hinton's KD equals DKD with alpha = 1 and beta = 1 - p_t[y] (same T, no warm-up).
  @Test("KD = TCKD + (1 - p_t[y]) NCKD", arguments: [2, 3, 6])
  func decomposesHintonKD(classes: Int) {
    for seed: UInt64 in [4, 5, 6] {
      let input = KDMemKDGroup.randomInput(seed: seed, batch: 1, classes: classes, logitScale: 3)
      let t = 4.0
      let scaled = input.teacherLogits.map { $0 / t }
      let teacherTarget = Double.exp(scaled[input.labels[0]]) / scaled.map(Double.exp).reduce(0, +)
      let dkd = Self.output(
        Loss(alpha: 1, beta: 1 - teacherTarget, temperature: t, warmupEpochs: 1), input)
      var generator = SeededGenerator(seed: 0)
      let kd = KnowledgeDistillationLoss(temperature: t).evaluate(
        input, parameters: [], generator: &generator)
      #expect(abs(dkd.value - kd.value) < 1e-12 * kd.value, "\(dkd.value) vs \(kd.value)")
      for (a, b) in zip(dkd.studentLogits!, kd.studentLogits!) { #expect(abs(a - b) < 1e-12) }
    }
  }

  @Test("linear warm-up: min(epoch / warmupEpochs, 1)")
  func warmup() {
    var input = KDMemKDGroup.randomInput(seed: 21, batch: 3, classes: 4, epoch: 20)
    let full = Self.output(Loss(), input)
    for epoch in [1, 5, 10, 19, 20, 21, 200] {
      input.epoch = epoch
      let factor = min(Double(epoch) / 20, 1)
      let warm = Self.output(Loss(), input)
      #expect(abs(warm.value - factor * full.value) <= 1e-15 * full.value, "epoch \(epoch)")
      for (a, b) in zip(warm.studentLogits!, full.studentLogits!) {
        #expect(abs(a - factor * b) <= 1e-15)
      }
    }
    #expect(Loss().warmupFactor(epoch: 0) == 0 && Loss().warmupFactor(epoch: 5) == 0.25)
    #expect(Loss(warmupEpochs: 0).warmupFactor(epoch: 1) == 1)
  }

  @Test("identical logits give 0; C = 1 gives 0; huge logits stay finite")
  func edgeCases() {
    var input = KDMemKDGroup.randomInput(seed: 31, batch: 3, classes: 4, logitScale: 3)
    input.studentLogits = input.teacherLogits
    #expect(Self.output(Loss(), input).value == 0)
    let single = KDMemKDGroup.randomInput(seed: 32, batch: 3, classes: 1)
    let output = Self.output(Loss(), single)
    #expect(output.value == 0 && output.studentLogits!.allSatisfy { $0 == 0 })
    // |z| / T ~ 2500: mdistiller's log of summed probabilities would give -inf here.
    var huge = KDMemKDGroup.randomInput(seed: 33, batch: 3, classes: 4, logitScale: 1e4)
    huge.epoch = 30
    let hugeOutput = Self.output(Loss(), huge)
    #expect(hugeOutput.value.isFinite && hugeOutput.value > 0)
    #expect(hugeOutput.studentLogits!.allSatisfy { $0.isFinite })
  }

  @Test("name and defaults") func names() {
    let loss = Loss()
    #expect(loss.name == "dkd")
    #expect(loss.alpha == 1 && loss.beta == 8 && loss.temperature == 4 && loss.warmupEpochs == 20)
  }
}
