/// Classifier and cross-dataset metrics of the evaluation protocol (PROTOCOL.md, "Metrics").
///
/// Why a caseless enum: a namespace of pure functions on plain arrays, so the training loop, the
/// script and the Python bindings all compute metrics the same way, without any model type.
///
/// Conventions shared by every function here:
/// - `probabilities` is [count, classCount] row-major: `probabilities[i * classCount + c]` is the
///   score of class `c` for sample `i` (softmax outputs; any scores work, only the order matters
///   for AUCs).
/// - `labels` is [count], each in `0..<classCount`.
/// - Results are fractions in [0, 1], never percent.
/// - Scores must not be NaN (precondition); callers guarantee finite values.
public enum Metrics {
  /// All three protocol metrics of one split at once.
  ///
  /// probabilities: [count, classCount] row-major (softmax outputs; any scores work, only the
  /// order matters for AUCs). labels in 0..<classCount. Accuracy uses argmax with the lowest
  /// index winning ties.
  ///
  /// `skippedClasses` is the ascending union of the classes skipped by either macro average
  /// (a class without positives is skipped by both; one without negatives only by ROC).
  /// With `count == 0` every value is NaN and every class is skipped.
  public static func evaluate(probabilities: [Double], labels: [Int], classCount: Int)
    -> ClassificationMetrics
  {
    let roc = macroROCAUC(probabilities: probabilities, labels: labels, classCount: classCount)
    let ap = macroAveragePrecision(
      probabilities: probabilities, labels: labels, classCount: classCount)
    return ClassificationMetrics(
      accuracy: accuracy(probabilities: probabilities, labels: labels, classCount: classCount),
      aucROC: roc.value,
      aucPRC: ap.value,
      skippedClasses: Set(roc.skipped).union(ap.skipped).sorted())
  }

  /// Fraction of samples whose predicted class (argmax of the row, lowest index winning ties, as
  /// NumPy's `argmax`) equals the label. NaN when `labels` is empty.
  ///
  /// probabilities: [count, classCount] row-major; labels: [count].
  public static func accuracy(probabilities: [Double], labels: [Int], classCount: Int) -> Double {
    validate(probabilities: probabilities, labels: labels, classCount: classCount)
    let predicted = predictedClasses(probabilities: probabilities, classCount: classCount)
    let correct = zip(predicted, labels).filter { $0 == $1 }.count
    return Double(correct) / Double(labels.count)
  }

  /// The predicted class of each row: the argmax, the lowest index winning ties (NumPy's
  /// `argmax`; the exported C code's `predict` and the firmware's `main.c` decide the same way).
  ///
  /// probabilities: [count, classCount] row-major, `classCount > 0`.
  public static func predictedClasses(probabilities: [Double], classCount: Int) -> [Int] {
    precondition(classCount > 0 && probabilities.count % classCount == 0, "not [count, classes]")
    return (0..<(probabilities.count / classCount)).map { sample in
      let row = sample * classCount
      var best = 0
      for c in 1..<classCount where probabilities[row + c] > probabilities[row + best] {
        best = c  // strict `>`: an equal later score never displaces an earlier class
      }
      return best
    }
  }

  /// Checks the shared shape contract; a violation is a programming error, hence a precondition.
  static func validate(probabilities: [Double], labels: [Int], classCount: Int) {
    precondition(classCount > 0, "classCount must be positive, got \(classCount)")
    precondition(
      probabilities.count == labels.count * classCount,
      "probabilities has \(probabilities.count) values, expected \(labels.count) x \(classCount)")
    precondition(
      labels.allSatisfy { (0..<classCount).contains($0) }, "a label is outside 0..<\(classCount)")
  }
}
