import Foundation

/// Writes text files so that a reader never sees a half-written one and a failed write never
/// damages the file that was there: the text goes to a temporary file in the same directory
/// (`.<name>.<uuid>.tmp`), which is then renamed over the target (atomic on POSIX).
public enum TextFile {
  /// Writes `text` (UTF-8) to `path`. Throws `TextFileWriteError` naming `path` and the
  /// system's reason (a missing directory, no permission, a full disk, ...).
  public static func write(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    let temporary = (directory as NSString).appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
    } catch {
      try? FileManager.default.removeItem(atPath: temporary)
      throw TextFileWriteError(path: path, reason: reason(error))
    }
    guard rename(temporary, path) == 0 else {
      let message = String(cString: strerror(errno))
      try? FileManager.default.removeItem(atPath: temporary)
      throw TextFileWriteError(path: path, reason: message)
    }
  }

  private static func reason(_ error: Error) -> String {
    if let cocoa = error as? CocoaError, let underlying = cocoa.underlying as? POSIXError {
      return String(cString: strerror(underlying.code.rawValue))
    }
    if let cocoa = error as? CocoaError, cocoa.code == .fileNoSuchFile {
      return "no such directory"
    }
    return (error as NSError).localizedDescription
  }
}

/// A text file that could not be put in place; `reason` is the system's.
public struct TextFileWriteError: Error, Sendable, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "cannot write \(path): \(reason)" }
}
