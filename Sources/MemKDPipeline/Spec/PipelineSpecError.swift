/// A problem in a pipeline file, located precisely enough to fix it without reading the parser:
/// the file, the line and column of the offending YAML node, and the key path that leads to it.
///
/// Why one error type for syntax, schema and value problems: the CLI prints `description` as is,
/// in the `file:line:column:` form that editors and terminals turn into links, and tests compare
/// errors with `==`.
public struct PipelineSpecError: Error, CustomStringConvertible, Equatable, Sendable {
  /// The file as given to `PipelineSpec.load(path:)` or `parse(yaml:file:)`.
  public var file: String
  /// 1-based; nil when the problem has no position (an unreadable or empty file).
  public var line: Int?
  /// 1-based, counted in Unicode scalars (libyaml's convention); nil with `line`.
  public var column: Int?
  /// The key path to the offending value, like `students[1].terms` or `teacher.lr`; empty for
  /// file-level problems (syntax errors, an empty file, a top level that is not a mapping).
  public var key: String
  public var message: String

  public init(file: String, line: Int?, column: Int?, key: String, message: String) {
    self.file = file
    self.line = line
    self.column = column
    self.key = key
    self.message = message
  }

  /// `<file>:<line>:<column>: <key>: <message>`, leaving out the parts that are missing (and
  /// their separators).
  public var description: String {
    var location = file
    if let line {
      location += ":\(line)"
      if let column { location += ":\(column)" }
    }
    return key.isEmpty ? "\(location): \(message)" : "\(location): \(key): \(message)"
  }
}
