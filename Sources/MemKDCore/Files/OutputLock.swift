import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// An exclusive claim on an output path for the life of a process, so two runs given the same
/// `--out` cannot both write it (before: both said "saved" and one result was silently gone).
///
/// Why `flock(2)` on a hidden sibling (`dir/.name.lock`): the kernel releases it when the
/// process exits however it exits (kill -9 included), so a lock is never stale. The holder
/// removes the lock file when it lets go (no `.name.lock` is left beside a finished output);
/// a claimant that locked a file already removed, or replaced, retries on the current one, so
/// two processes can never both hold a path. Advisory: it binds MemKD processes, not other
/// programs. Locks are per open file, so two claims of one path in the same process exclude
/// each other too.
public final class OutputLock: @unchecked Sendable {
  public let path: String
  private let lockPath: String
  private let descriptor: Int32

  /// Claims `path`; with `wait`, blocks until the holder lets go instead of failing.
  /// - Throws: `OutputLockError` naming `path` when another process holds it (without `wait`),
  ///   or when the lock file cannot be created (the directory is missing or read-only).
  public init(for path: String, wait: Bool = false) throws {
    self.path = path
    let lockPath = Self.lockPath(for: path)
    self.lockPath = lockPath
    // C would cut the path at a NUL and lock (and later remove) a file of another name.
    guard !path.utf8.contains(0) else {
      throw OutputLockError(
        path: path, lockPath: lockPath, busy: false,
        reason: "the path contains a NUL character")
    }
    while true {
      let descriptor = open(lockPath, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
      guard descriptor >= 0 else {
        throw OutputLockError(
          path: path, lockPath: lockPath, busy: false, reason: String(cString: strerror(errno)))
      }
      var status = flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB))
      while status != 0, errno == EINTR {
        status = flock(descriptor, LOCK_EX | (wait ? 0 : LOCK_NB))
      }
      guard status == 0 else {
        let error = OutputLockError(
          path: path, lockPath: lockPath, busy: errno == EWOULDBLOCK,
          reason: String(cString: strerror(errno)))
        close(descriptor)
        throw error
      }
      if Self.isCurrent(descriptor, at: lockPath) {
        self.descriptor = descriptor
        return
      }
      close(descriptor)  // the holder removed that file as we locked it: claim the new one
    }
  }

  /// Removes the lock file, then releases the lock (in that order, see `isCurrent`).
  deinit {
    unlink(lockPath)
    close(descriptor)
  }

  /// Whether the locked `descriptor` is still the file at `lockPath`.
  private static func isCurrent(_ descriptor: Int32, at lockPath: String) -> Bool {
    var opened = stat()
    var current = stat()
    guard fstat(descriptor, &opened) == 0, stat(lockPath, &current) == 0 else { return false }
    return opened.st_dev == current.st_dev && opened.st_ino == current.st_ino
  }

  /// `dir/.name.lock` for `dir/name` (a trailing "/" of a folder is ignored).
  public static func lockPath(for path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent().appendingPathComponent(
      "." + url.lastPathComponent + ".lock"
    ).path
  }
}

/// An output another process is writing, or whose lock cannot be made.
public struct OutputLockError: Error, CustomStringConvertible, Equatable, Sendable {
  public let path: String
  public let lockPath: String
  /// True when another process holds the lock; false when the lock file could not be used.
  public let busy: Bool
  public let reason: String

  public var description: String {
    busy
      ? "\(path): another MemKD process is writing this file (it holds \(lockPath)); wait for "
        + "it or choose another output"
      : "\(path): cannot lock it with \(lockPath) (\(reason))"
  }
}
