import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive claim on an output path for the life of a process, so two runs given the same
/// `--out` cannot both write it (before: both said "saved" and one result was silently gone).
///
/// Why `flock(2)` on a hidden sibling (`dir/.name.lock`): the kernel releases it when the
/// process exits however it exits (kill -9 included), so a lock is never stale. The lock file
/// is left in place (removing it would let a third process lock a new inode while a second
/// still waits on the old one). Advisory: it binds MemKD processes, not other programs.
public final class OutputLock: @unchecked Sendable {
  public let path: String
  private let descriptor: Int32

  /// Claims `path`.
  /// - Throws: `FileFormatError.invalid` naming `path` when another process holds it, or when
  ///   the lock file cannot be created (the directory is missing or read-only).
  public init(for path: String) throws {
    self.path = path
    let lockPath = Self.lockPath(for: path)
    let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else {
      throw FileFormatError.invalid(
        file: path,
        message: "cannot create its lock \(lockPath) (\(String(cString: strerror(errno))))")
    }
    guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
      let busy = errno == EWOULDBLOCK
      let reason = String(cString: strerror(errno))
      close(descriptor)
      throw FileFormatError.invalid(
        file: path,
        message: busy
          ? "another MemKD process is writing this file (it holds \(lockPath)); wait for it or choose another output"
          : "cannot lock \(lockPath) (\(reason))")
    }
    self.descriptor = descriptor
  }

  deinit { close(descriptor) }

  /// `dir/.name.lock` for `dir/name`.
  public static func lockPath(for path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent().appendingPathComponent(
      "." + url.lastPathComponent + ".lock"
    ).path
  }
}
