/// Test/validation metrics of a classifier. Values are fractions in [0, 1] (not percent).
///
/// Why a value type: these numbers are written into run records and checkpoints (Codable) and
/// compared across runs (Equatable), and are passed between threads (Sendable). `aucROC` or
/// `aucPRC` is NaN when every class was skipped (e.g. a split holding a single class), so two
/// such values compare unequal under `==`, as NaN does.
public struct ClassificationMetrics: Codable, Sendable, Equatable {
  /// Fraction of samples whose argmax (lowest index on ties) equals the label.
  public var accuracy: Double
  /// Macro average over classes of the one-vs-rest ROC AUC.
  public var aucROC: Double
  /// Macro average over classes of the one-vs-rest average precision (scikit-learn's AP).
  public var aucPRC: Double
  /// Classes with no positive (or, for ROC, no negative) example in the evaluated split: skipped
  /// from the macro averages and reported here.
  public var skippedClasses: [Int]

  public init(accuracy: Double, aucROC: Double, aucPRC: Double, skippedClasses: [Int]) {
    self.accuracy = accuracy
    self.aucROC = aucROC
    self.aucPRC = aucPRC
    self.skippedClasses = skippedClasses
  }
}
