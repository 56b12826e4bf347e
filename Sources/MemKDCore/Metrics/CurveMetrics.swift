/// Per-class curve metrics: one-vs-rest ROC AUC and average precision, defined exactly as
/// scikit-learn's `roc_auc_score` and `average_precision_score` for a binary problem.
extension Metrics {
  /// One-vs-rest ROC AUC of one class: trapezoidal over distinct thresholds, ties averaged
  /// (= sklearn roc_auc_score). nil when the class has no positives or no negatives.
  ///
  /// - Parameters:
  ///   - scores: [n] scores of the class (higher = more likely positive). A NaN among them
  ///     makes the result NaN.
  ///   - positives: [n] membership of each sample in the class.
  ///
  /// Why this form: with cumulative counts (TP_k, FP_k) at each distinct threshold and the curve
  /// starting at (0, 0), the trapezoid rule gives
  /// `AUC = sum_k (FP_k - FP_{k-1}) (TP_k + TP_{k-1}) / (2 P N)`. Every term of the sum is an
  /// integer, so the Double sum is exact while it stays below 2^53 (P N < 4.5e15) and only the
  /// final division rounds; scikit-learn's normalise-then-integrate agrees to ~1e-16.
  /// A tied group of positives and negatives contributes a diagonal segment, i.e. counts each
  /// positive/negative tie as half a correctly ordered pair (Mann-Whitney).
  public static func rocAUC(scores: [Double], positives: [Bool]) -> Double? {
    // NaN scores (a model with non-finite outputs) have no order: the metric is NaN, flagged,
    // never a plausible number or a trap.
    if scores.contains(where: \.isNaN) { return .nan }
    let steps = ThresholdSteps(scores: scores, positives: positives)
    let p = steps.positiveCount
    let n = steps.negativeCount
    guard p > 0, n > 0 else { return nil }

    var twiceArea = 0.0  // in units of (count x count); exact integer arithmetic in Double
    var previousTP = 0
    var previousFP = 0
    for (tp, fp) in zip(steps.truePositives, steps.falsePositives) {
      twiceArea += Double(fp - previousFP) * Double(tp + previousTP)
      previousTP = tp
      previousFP = fp
    }
    return twiceArea / (2 * Double(p) * Double(n))
  }

  /// Average precision AP = sum_n (R_n - R_{n-1}) P_n over distinct thresholds in decreasing
  /// order (= sklearn average_precision_score). nil when there are no positives.
  ///
  /// - Parameters:
  ///   - scores: [n] scores of the class. A NaN among them makes the result NaN.
  ///   - positives: [n] membership of each sample in the class.
  ///
  /// Why not trapezoidal: the protocol (and scikit-learn) use the step-function integral, which
  /// does not interpolate precision linearly between thresholds (that would be optimistic).
  /// A tied group enters at once with the precision of the whole group. Computed as
  /// `(1/P) sum_k (TP_k - TP_{k-1}) * TP_k / (TP_k + FP_k)` with compensated summation.
  /// Unlike scikit-learn, which warns and returns 0 when there are no positives, we return nil so
  /// that callers skip the class instead of averaging in a meaningless 0.
  public static func averagePrecision(scores: [Double], positives: [Bool]) -> Double? {
    if scores.contains(where: \.isNaN) { return .nan }
    let steps = ThresholdSteps(scores: scores, positives: positives)
    let p = steps.positiveCount
    guard p > 0 else { return nil }

    var sum = CompensatedSum()
    var previousTP = 0
    for (tp, fp) in zip(steps.truePositives, steps.falsePositives) where tp > previousTP {
      sum.add(Double(tp - previousTP) * Double(tp) / Double(tp + fp))
      previousTP = tp
    }
    return sum.value / Double(p)
  }
}

extension Metrics {
  /// Neumaier's compensated summation: keeps the rounding error of a long sum near one ulp of the
  /// result instead of growing with the number of terms.
  struct CompensatedSum {
    private var sum = 0.0
    private var compensation = 0.0

    mutating func add(_ term: Double) {
      let t = sum + term
      if abs(sum) >= abs(term) {
        compensation += (sum - t) + term
      } else {
        compensation += (term - t) + sum
      }
      sum = t
    }

    var value: Double { sum + compensation }
  }
}
