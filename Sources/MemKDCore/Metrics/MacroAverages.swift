/// Macro (unweighted mean over classes) one-vs-rest averages of the per-class curve metrics.
extension Metrics {
  /// Macro average over classes of `rocAUC` (binary datasets too: both classes), skipping
  /// classes where it is nil (no positives or no negatives in this split).
  ///
  /// probabilities: [count, classCount] row-major; labels: [count] in 0..<classCount.
  /// Returns (mean over the non-skipped classes, skipped classes ascending); the value is NaN if
  /// every class is skipped.
  ///
  /// Why per class rather than scikit-learn's multiclass `roc_auc_score`: that function raises
  /// when a class is absent from `y_true`, and small test splits often miss a class.
  public static func macroROCAUC(probabilities: [Double], labels: [Int], classCount: Int)
    -> (value: Double, skipped: [Int])
  {
    macroAverage(probabilities: probabilities, labels: labels, classCount: classCount) {
      rocAUC(scores: $0, positives: $1)
    }
  }

  /// Macro average over classes of `averagePrecision` (binary datasets too: both classes, unlike
  /// scikit-learn's binary AP, which scores only the positive class), skipping classes with no
  /// positives.
  ///
  /// probabilities: [count, classCount] row-major; labels: [count] in 0..<classCount.
  /// Returns (mean over the non-skipped classes, skipped classes ascending); the value is NaN if
  /// every class is skipped.
  public static func macroAveragePrecision(probabilities: [Double], labels: [Int], classCount: Int)
    -> (value: Double, skipped: [Int])
  {
    macroAverage(probabilities: probabilities, labels: labels, classCount: classCount) {
      averagePrecision(scores: $0, positives: $1)
    }
  }

  /// Applies `perClass` to each class's column (scores [count]) and membership mask ([count]),
  /// then averages the defined values. Cost: O(classCount * count log count).
  private static func macroAverage(
    probabilities: [Double], labels: [Int], classCount: Int,
    perClass: (_ scores: [Double], _ positives: [Bool]) -> Double?
  ) -> (value: Double, skipped: [Int]) {
    validate(probabilities: probabilities, labels: labels, classCount: classCount)
    var sum = CompensatedSum()
    var defined = 0
    var skipped: [Int] = []
    var column = [Double](repeating: 0, count: labels.count)
    var positives = [Bool](repeating: false, count: labels.count)
    for c in 0..<classCount {
      for i in labels.indices {
        column[i] = probabilities[i * classCount + c]
        positives[i] = labels[i] == c
      }
      if let value = perClass(column, positives) {
        sum.add(value)
        defined += 1
      } else {
        skipped.append(c)
      }
    }
    return (defined > 0 ? sum.value / Double(defined) : .nan, skipped)
  }
}
