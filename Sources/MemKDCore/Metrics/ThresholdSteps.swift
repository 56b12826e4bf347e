extension Metrics {
  /// Cumulative confusion counts at each distinct score threshold, in decreasing threshold order:
  /// the common core of ROC AUC and average precision.
  ///
  /// Why: scikit-learn's `_binary_clf_curve` sorts scores in decreasing order and keeps one point
  /// per *distinct* score (the last index of each run of equal scores), so tied samples enter the
  /// curve together. Both of our curve metrics are sums over those points, so we produce exactly
  /// those points, as integer counts (exact; the only rounding happens in the metric's final sums).
  ///
  /// Shape: for `n` samples with `d` distinct scores, `d` steps; step `k` holds the number of
  /// positives (`truePositives`) and negatives (`falsePositives`) scored >= the k-th largest
  /// distinct score. Both sequences are non-decreasing and end at (P, N).
  struct ThresholdSteps {
    /// Cumulative positives at each distinct threshold, [d].
    var truePositives: [Int]
    /// Cumulative negatives at each distinct threshold, [d].
    var falsePositives: [Int]

    /// Total positives P (the last cumulative count; 0 for empty input).
    var positiveCount: Int { truePositives.last ?? 0 }
    /// Total negatives N.
    var negativeCount: Int { falsePositives.last ?? 0 }

    /// Sorts once (O(n log n)) and groups equal scores.
    ///
    /// - Parameters:
    ///   - scores: [n] finite or infinite scores; NaN is a caller error (precondition).
    ///   - positives: [n] whether each sample belongs to the positive class.
    ///
    /// The order of samples inside a run of equal scores cannot change a count, so the result does
    /// not depend on sort stability. `-0.0 == 0.0`, as in NumPy's `diff`.
    init(scores: [Double], positives: [Bool]) {
      precondition(
        scores.count == positives.count,
        "scores (\(scores.count)) and positives (\(positives.count)) differ in length")
      precondition(!scores.contains { $0.isNaN }, "NaN score: metrics need ordered scores")

      var samples = zip(scores, positives).map { (score: $0, positive: $1) }
      samples.sort { $0.score > $1.score }

      var truePositives: [Int] = []
      var falsePositives: [Int] = []
      var tp = 0
      var fp = 0
      for (index, sample) in samples.enumerated() {
        if sample.positive { tp += 1 } else { fp += 1 }
        // Close the group at the last sample of a run of equal scores.
        let isLastOfRun = index + 1 == samples.count || samples[index + 1].score != sample.score
        if isLastOfRun {
          truePositives.append(tp)
          falsePositives.append(fp)
        }
      }
      self.truePositives = truePositives
      self.falsePositives = falsePositives
    }
  }
}
