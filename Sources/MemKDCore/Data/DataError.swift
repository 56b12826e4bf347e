/// Errors in input data: always names the file, the 1-based line when there is one, and the
/// problem.
///
/// Why one error type with a `kind`: callers (the CLI, the Python binding, tests) need to branch on
/// the category, while users need a message that points at the exact place to fix. `description`
/// is that message, e.g.
/// `/data/FaceAll/FaceAll_TRAIN.tsv line 12: ragged row: 130 values, expected 131 (first row)`.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The category of problem, stable for programmatic checks.
  public enum Kind: String, Sendable {
    /// A TRAIN or TEST file (or any file asked for) does not exist or cannot be read.
    case missingFile
    /// The file has no lines with content.
    case emptyFile
    /// A row's field count differs from the first row's.
    case raggedRow
    /// A field is not a number (or is an infinite number).
    case nonNumericToken
    /// Two consecutive tabs, a tab at the start or end of a line, or a blank line inside the file.
    case emptyField
    /// A NaN before a non-NaN value (only trailing NaN is padding).
    case nanInsideSeries
    /// A line with a label but no values, or only NaN values.
    case noValues
    /// The training split has fewer than two classes.
    case singleClass
    /// The test split has a class the training split lacks.
    case classMissingFromTraining
    /// No folder for the named dataset under the data root.
    case unknownDataset
    /// A caller-supplied option is out of range (e.g. a resampling length below 1).
    case invalidArgument
    /// A `.ts` header tag that is unknown, repeated, malformed or unsupported, or no `@data`.
    case invalidHeader
    /// A `.ts` series whose class label is not among the header's `@classLabel` labels.
    case unknownLabel
  }

  public let kind: Kind
  /// Full path of the offending file (or of the folder searched, for `unknownDataset`).
  public let file: String
  /// 1-based line number, when the problem is on one line.
  public let line: Int?
  /// The problem, without the file and line (those are added by `description`).
  public let message: String

  public init(_ kind: Kind, file: String, line: Int? = nil, _ message: String) {
    self.kind = kind
    self.file = file
    self.line = line
    self.message = message
  }

  /// `"<file> line <n>: <message>"`, or `"<file>: <message>"` when there is no line.
  public var description: String {
    if let line {
      return "\(file) line \(line): \(message)"
    }
    return "\(file): \(message)"
  }
}
