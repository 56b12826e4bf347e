import RealModule

/// Hinton's knowledge distillation ("base-kd"): the student's tempered softmax matches the
/// teacher's,
///
///     L = T^2 * mean_b KL(softmax(z_t[b] / T) || softmax(z_s[b] / T)),
///
/// for logits `z [B, C]` (`T = temperature`, default 4; the `T^2` keeps gradient magnitudes
/// comparable across temperatures). Log-probabilities come from a max-shifted log-sum-exp, so
/// large logits neither overflow nor produce `0 * log 0` (a teacher probability that underflows to
/// 0 contributes exactly 0, as in PyTorch's `kl_div`). Reads `studentLogits` and `teacherLogits`
/// only (no hidden layer); gradient `dL/dz_s = T / B * (softmax(z_s / T) - softmax(z_t / T))`.
public struct KnowledgeDistillationLoss: DistillationLoss {
  /// Softmax temperature `T > 0`.
  public var temperature: Double

  public init(temperature: Double = 4) {
    self.temperature = temperature
  }

  public var name: String { "base-kd" }

  // Specialised entry points: a caller outside this module, or one holding `any DistillationLoss`,
  // would otherwise run the unspecialised generic body (measured ~20x slower).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func evaluate<S: EngineScalar>(
    _ input: DistillationInput<S>, parameters: [[S]], generator: inout SeededGenerator
  ) -> DistillationOutput<S> {
    let (batch, classes) = (input.batch, input.classes)
    precondition(temperature > 0, "base-kd: temperature must be positive, got \(temperature)")
    precondition(
      input.studentLogits.count == batch * classes && input.teacherLogits.count == batch * classes,
      "base-kd: logits are not [B, C]")
    let t = S(temperature)
    var gradient = [S](repeating: 0, count: batch * classes)
    var total: S = 0
    for b in 0..<batch {
      let range = (b * classes)..<((b + 1) * classes)
      let teacher = TemperedSoftmax.logProbabilities(input.teacherLogits[range], temperature: t)
      let student = TemperedSoftmax.logProbabilities(input.studentLogits[range], temperature: t)
      for k in 0..<classes {
        let p = S.exp(teacher[k])
        if p != 0 { total += p * (teacher[k] - student[k]) }  // 0 log 0 = 0; NaN propagates
        gradient[range.lowerBound + k] = t / S(batch) * (S.exp(student[k]) - p)
      }
    }
    return DistillationOutput(value: t * t * total / S(batch), studentLogits: gradient)
  }
}

/// `log softmax(z / T)` of one row of logits, with a max-shifted log-sum-exp.
enum TemperedSoftmax {
  static func logProbabilities<S: EngineScalar>(_ logits: ArraySlice<S>, temperature: S) -> [S] {
    let scaled = logits.map { $0 / temperature }
    let normaliser = logSumExp(scaled)
    return scaled.map { $0 - normaliser }
  }

  /// `log(sum(exp(values)))`; `-inf` for no values.
  static func logSumExp<S: EngineScalar>(_ values: some Collection<S>) -> S {
    guard let maximum = values.max() else { return -S.infinity }
    guard maximum.isFinite else { return maximum }
    var sum: S = 0
    for value in values { sum += S.exp(value - maximum) }
    return maximum + S.log(sum)
  }
}

extension KnowledgeDistillationLoss {
  public static let optionScope = "base-kd"

  public static let optionFields: [OptionField<KnowledgeDistillationLoss>] = [
    .number("temperature", \.temperature, .positive, "softmax temperature T of both models")
  ]
}
