import Foundation

/// The two file formats a dataset folder may hold: the UCR archive's `.tsv` (univariate, one
/// series per line) and the UEA / aeon `.ts` (multichannel, variable length, string labels).
/// Chosen by extension: `<name>_TRAIN.tsv` when it exists, else `<name>_TRAIN.ts`.
public enum DatasetFormat: String, CaseIterable, Sendable {
  case tsv, ts

  public static func detect(name: String, directory: String) -> DatasetFormat {
    let manager = FileManager.default
    if manager.fileExists(
      atPath: DatasetFormat.tsv.path(name: name, split: "TRAIN", directory: directory))
    {
      return .tsv
    }
    let ts = DatasetFormat.ts.path(name: name, split: "TRAIN", directory: directory)
    return manager.fileExists(atPath: ts) ? .ts : .tsv
  }

  public func path(name: String, split: String, directory: String) -> String {
    (directory as NSString).appendingPathComponent("\(name)_\(split).\(rawValue)")
  }

  func read(path: String) throws -> RawSplit {
    switch self {
    case .tsv:
      let file = try UCRFile.read(path: path)
      return RawSplit(series: file.series.map { [$0] }, labelTokens: file.labelTokens, channels: 1)
    case .ts:
      let file = try TSFile.read(path: path)
      return RawSplit(series: file.series, labelTokens: file.labelTokens, channels: file.channels)
    }
  }
}

/// One split as read from either format: [rows][channels][length_i] (NaN = missing), labels.
struct RawSplit {
  var series: [[[Double]]]
  var labelTokens: [String]
  var channels: Int
}
