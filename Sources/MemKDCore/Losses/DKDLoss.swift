import RealModule

/// Decoupled knowledge distillation ("dkd", Zhao et al., CVPR 2022), following mdistiller's
/// `dkd_loss` (megvii-research/mdistiller, `mdistiller/distillers/DKD.py`):
///
///     L = min(epoch / warmupEpochs, 1) * T^2 * mean_b (alpha * TCKD_b + beta * NCKD_b)
///
/// for logits `z [B, C]` and labels `y [B]`, at temperature `T` (`u = z / T`):
/// - TCKD: `KL(b_t || b_s)` of the two-entry distributions `b = [p_y, 1 - p_y]`,
///   `p = softmax(u)` (target class against the rest);
/// - NCKD: `KL(q_t || q_s)` of `q = softmax(u_k, k != y)`, the distribution over the `C - 1`
///   non-target classes (target logit masked out). For `C = 2` both `q` are `[1]`: NCKD is 0.
///
/// Differences from mdistiller, none of which changes the value for finite logits with
/// `|z| / T` well below 1000: mdistiller masks the target with `u - 1000 * onehot(y)` where this
/// code drops it exactly; mdistiller takes `log` of the summed probabilities `[p_y, 1 - p_y]`
/// (which is `-inf` once a probability underflows), this code uses
/// `log p_y = -softplus(a - u_y)`, `log(1 - p_y) = -softplus(u_y - a)` with
/// `a = logsumexp(u_k, k != y)`, so it stays finite; a warm-up factor below 0 (epoch < 0) is
/// clamped to 0 and `warmupEpochs <= 0` means no warm-up. `C = 1` gives 0.
///
/// Reads `studentLogits`, `teacherLogits`, `labels` and `epoch` (1-based, as mdistiller's); no
/// hidden layer. Gradient with respect to `u_s` of one sample (times `factor * T / B`):
/// `alpha (b_s_y - b_t_y)` at `y`, `alpha (b_s_rest - b_t_rest) q_s_k + beta (q_s_k - q_t_k)` at
/// `k != y`.
public struct DKDLoss: DistillationLoss {
  /// Weight of the target-class term (TCKD).
  public var alpha: Double
  /// Weight of the non-target-class term (NCKD).
  public var beta: Double
  /// Softmax temperature `T > 0`.
  public var temperature: Double
  /// Length of the linear warm-up in epochs.
  public var warmupEpochs: Int

  public init(alpha: Double = 1, beta: Double = 8, temperature: Double = 4, warmupEpochs: Int = 20)
  {
    self.alpha = alpha
    self.beta = beta
    self.temperature = temperature
    self.warmupEpochs = warmupEpochs
  }

  public var name: String { "dkd" }

  /// `min(epoch / warmupEpochs, 1)`, clamped to [0, 1]; 1 when `warmupEpochs <= 0`.
  public func warmupFactor(epoch: Int) -> Double {
    guard warmupEpochs > 0 else { return 1 }
    return Swift.min(Swift.max(Double(epoch) / Double(warmupEpochs), 0), 1)
  }

  // Specialised entry points: a caller outside this module, or one holding `any DistillationLoss`,
  // would otherwise run the unspecialised generic body (measured ~20x slower).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func evaluate<S: EngineScalar>(
    _ input: DistillationInput<S>, parameters: [[S]], generator: inout SeededGenerator
  ) -> DistillationOutput<S> {
    let (batch, classes) = (input.batch, input.classes)
    precondition(temperature > 0, "dkd: temperature must be positive, got \(temperature)")
    precondition(
      input.studentLogits.count == batch * classes && input.teacherLogits.count == batch * classes,
      "dkd: logits are not [B, C]")
    precondition(
      input.labels.count == batch && input.labels.allSatisfy { (0..<classes).contains($0) },
      "dkd: labels are not [B] in 0..<C")
    let t = S(temperature)
    let (alpha, beta) = (S(self.alpha), S(self.beta))
    let factor = S(warmupFactor(epoch: input.epoch))
    let gradientScale = factor * t / S(batch)
    var gradient = [S](repeating: 0, count: batch * classes)
    var total: S = 0
    for b in 0..<batch {
      let row = b * classes
      let target = input.labels[b]
      let teacher = Split(
        input.teacherLogits[row..<(row + classes)], target: target, temperature: t)
      let student = Split(
        input.studentLogits[row..<(row + classes)], target: target, temperature: t)

      // TCKD = KL([p_y, 1 - p_y]_t || [p_y, 1 - p_y]_s).
      var tckd: S = 0
      let (teacherTarget, teacherRest) = (S.exp(teacher.logTarget), S.exp(teacher.logRest))
      if teacherTarget != 0 { tckd += teacherTarget * (teacher.logTarget - student.logTarget) }
      if teacherRest != 0 { tckd += teacherRest * (teacher.logRest - student.logRest) }
      gradient[row + target] = gradientScale * alpha * (S.exp(student.logTarget) - teacherTarget)

      // NCKD = KL(q_t || q_s) over k != y, log q_k = u_k - a.
      var nckd: S = 0
      let restGap = S.exp(student.logRest) - teacherRest
      for k in 0..<classes where k != target {
        let logTeacher = teacher.scaled[k] - teacher.restLogSumExp
        let logStudent = student.scaled[k] - student.restLogSumExp
        let (qTeacher, qStudent) = (S.exp(logTeacher), S.exp(logStudent))
        if qTeacher != 0 { nckd += qTeacher * (logTeacher - logStudent) }
        gradient[row + k] =
          gradientScale * (alpha * restGap * qStudent + beta * (qStudent - qTeacher))
      }
      total += alpha * tckd + beta * nckd
    }
    return DistillationOutput(value: factor * t * t * total / S(batch), studentLogits: gradient)
  }

  /// One row of logits split at the target: `u = z / T`, `a = logsumexp(u_k, k != y)`,
  /// `log p_y` and `log(1 - p_y)`.
  private struct Split<S: EngineScalar> {
    var scaled: [S]
    var restLogSumExp: S
    var logTarget: S
    var logRest: S

    init(_ logits: ArraySlice<S>, target: Int, temperature: S) {
      let scaled = logits.map { $0 / temperature }
      let targetValue = scaled[target]
      let restLogSumExp = TemperedSoftmax.logSumExp(
        scaled.indices.lazy.filter { $0 != target }.map { scaled[$0] })
      self.scaled = scaled
      self.restLogSumExp = restLogSumExp
      logTarget = -Self.softplus(restLogSumExp - targetValue)
      logRest = -Self.softplus(targetValue - restLogSumExp)
    }

    /// `log(1 + exp(x))` without overflow; `softplus(-inf) = 0`.
    static func softplus(_ x: S) -> S {
      Swift.max(x, 0) + S.log(onePlus: S.exp(-abs(x)))
    }
  }
}

extension DKDLoss {
  public static let optionScope = "dkd"

  public static let optionFields: [OptionField<DKDLoss>] = [
    .number("alpha", \.alpha, .nonNegative, "weight of the target-class term (TCKD)"),
    .number("beta", \.beta, .nonNegative, "weight of the non-target-class term (NCKD)"),
    .number("temperature", \.temperature, .positive, "softmax temperature T of both models"),
    .integer(
      "warmup_epochs", \.warmupEpochs, minimum: 0, maximum: 1 << 20,
      "epochs of the linear warm-up of the loss (0: none)"),
  ]
}
