import Foundation

#if canImport(Glibc)
  import Glibc
#endif

extension HDF5File {
  /// Safe write: creates a temporary file in the same directory as `path` (name starting with "."
  /// and ending ".tmp"), calls `body` with its root group, closes everything, fsyncs, then renames
  /// over `path` atomically. If `body` throws or anything fails, the temporary file is removed and
  /// an existing file at `path` is untouched. An unwritable or missing directory gives an
  /// HDF5Error (operation "create") naming the directory.
  ///
  /// Why: a checkpoint half-written when training is interrupted (or when the disk fills) must
  /// never replace the last good one. Same-directory temporaries keep `rename` atomic (same file
  /// system); the fsync before the rename makes sure the new name never points at data still in
  /// the page cache, and the directory fsync after it makes the rename itself durable. The
  /// temporary is hidden (leading ".") so directory listings and globs for `*.h5` skip it.
  ///
  /// `HDF5Error`s thrown while `body` runs name `path`, not the temporary file, although the group
  /// handed to `body` reports the temporary path in its `file` property.
  ///
  /// The corresponding C functions are `H5Fcreate`, `H5Fclose`, `fsync` and `rename`.
  public static func write(to path: String, _ body: (HDF5Group) throws -> Void) throws {
    let site = HDF5Site(file: path, object: nil)
    try checkWritableDirectory(for: path, site: site)
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    let suffix = UUID().uuidString.prefix(8).lowercased()
    let temporary = (directory as NSString).appendingPathComponent(
      ".\(url.lastPathComponent).\(suffix).tmp")

    let file: HDF5File
    do {
      file = try create(temporary)
    } catch {
      _ = unlink(temporary)
      throw renamed(error, from: temporary, to: path)
    }
    do {
      try body(try file.root)
      try file.close()
      try synchronize(temporary, site: site)
      guard rename(temporary, path) == 0 else {
        throw site.failure("rename", "cannot replace the file: \(errnoText())")
      }
    } catch {
      try? file.close()
      _ = unlink(temporary)
      throw renamed(error, from: temporary, to: path)
    }
    // The data is safe already; a failed directory sync only weakens durability after a crash.
    try? synchronize(directory, site: site)
  }

  /// Flushes a file's (or directory's) data to the storage device.
  ///
  /// The corresponding C function is `fsync`.
  private static func synchronize(_ target: String, site: HDF5Site) throws {
    let descriptor = Glibc.open(target, O_RDONLY)
    guard descriptor >= 0 else {
      throw site.failure("fsync", "cannot open \(target) to sync it: \(errnoText())")
    }
    defer { _ = Glibc.close(descriptor) }
    guard fsync(descriptor) == 0 else {
      throw site.failure("fsync", "cannot sync \(target): \(errnoText())")
    }
  }

  /// `error` with the temporary path replaced by the user's path when it is an `HDF5Error` about
  /// the temporary file; any other error unchanged.
  private static func renamed(_ error: any Error, from temporary: String, to path: String)
    -> any Error
  {
    guard let error = error as? HDF5Error, error.file == temporary else { return error }
    return HDF5Error(
      operation: error.operation, file: path, object: error.object, messages: error.messages)
  }

  /// The current `errno` as text, e.g. "No such file or directory".
  private static func errnoText() -> String {
    String(cString: strerror(errno))
  }
}
