import Foundation
import MemKDCore

/// Metrics as they appear in JSON output (fractions in [0, 1]).
struct MetricsJSON: Encodable, Equatable {
  var acc: Double
  var aucRoc: Double
  var aucPrc: Double
  var skippedClasses: [Int]

  init(_ metrics: ClassificationMetrics) {
    acc = metrics.accuracy
    aucRoc = metrics.aucROC
    aucPrc = metrics.aucPRC
    skippedClasses = metrics.skippedClasses
  }

  enum CodingKeys: String, CodingKey {
    case acc, aucRoc = "auc_roc", aucPrc = "auc_prc", skippedClasses = "skipped_classes"
  }
}

/// One JSON object on standard output, keys sorted so output is byte-stable.
func printJSON<T: Encodable>(_ value: T) throws {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
  encoder.nonConformingFloatEncodingStrategy = .convertToString(
    positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
  let data = try encoder.encode(value)
  print(String(decoding: data, as: UTF8.self))
}

func percent(_ value: Double) -> String {
  value.isFinite ? String(format: "%.2f", value * 100) : "nan"
}
