/// An HDF5 failure: the operation (e.g. "H5Dread"), the file path, the object path inside the file
/// (if any), and HDF5's error-stack messages (innermost last), all in `description`.
///
/// Why one flat struct: checkpoints are read by the CLI, the Python binding and tests, and each of
/// them needs one message a user can act on ("which file, which object, what went wrong") plus the
/// raw HDF5 stack for the rare case where the library itself is the problem. HDF5's own automatic
/// printing to stderr is switched off, so this error is the only place its messages appear.
///
/// `messages[0]` is always MemKD's one-line summary, e.g. `no such file` or
/// `dataset /x: expected float32, found float64`; any further entries are HDF5's error stack for
/// the failing call, outermost first and innermost last (the innermost entry usually holds the
/// cause, such as `errno = 2`). `operation` is the HDF5 C function that failed (`H5Dread`), or the
/// MemKD step (`open`, `create`, `readDataset`, ...) when MemKD's own checks refused the request
/// before HDF5 was called.
public struct HDF5Error: Error, CustomStringConvertible, Equatable, Sendable {
  /// The HDF5 C function that failed, or the MemKD step whose checks failed.
  public let operation: String
  /// The file path as the caller gave it.
  public let file: String
  /// The object path inside the file (`/weights/W`), or nil when the file itself is the problem.
  public let object: String?
  /// The summary first, then HDF5's error stack (innermost last). Never empty.
  public let messages: [String]

  /// Makes an error; an empty `messages` gets a generic summary so `messages[0]` always exists.
  public init(operation: String, file: String, object: String?, messages: [String]) {
    self.operation = operation
    self.file = file
    self.object = object
    self.messages = messages.isEmpty ? ["\(operation) failed"] : messages
  }

  /// `"<file>: <summary>"` on the first line, then the operation, the object and HDF5's stack, one
  /// per indented line, e.g.
  ///
  ///     /tmp/model.h5: group /weights/layer9 not found
  ///       operation: openGroup
  ///       object: /weights/layer9
  public var description: String {
    var lines = ["\(file): \(messages[0])", "  operation: \(operation)"]
    if let object {
      lines.append("  object: \(object)")
    }
    if messages.count > 1 {
      lines.append("  HDF5 error stack (innermost last):")
      lines.append(contentsOf: messages.dropFirst().map { "    \($0)" })
    }
    return lines.joined(separator: "\n")
  }
}
