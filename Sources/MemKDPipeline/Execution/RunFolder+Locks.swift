import Foundation

/// Step locks: one process runs a step at a time, whichever host or Slurm job it is in, and a
/// lock whose holder is gone (`LockPolicy.isStale`) is taken over.
extension RunFolder {
  /// Takes the step's lock for this process, renewed by the returned heartbeat until `unlock`;
  /// nil when a live holder has it. `lost` is called if another process later takes the lock
  /// over (this holder was judged abandoned): the caller must stop working on the step.
  public func lock(
    _ id: String, lease: Double = LockPolicy.defaultLease, policy: LockPolicy = LockPolicy(),
    lost: @escaping @Sendable () -> Void
  ) throws -> LockHeartbeat? {
    try createSteps()
    let path = lockPath(id)
    let owner = LockOwner.current(lease: lease)
    func held() -> LockHeartbeat {
      LockHeartbeat(path: path, owner: owner, interval: LockPolicy.heartbeatInterval, lost: lost)
    }
    if try Self.createExclusively(path, text: owner.text) { return held() }
    guard isStale(lockAt: path, policy: policy) else { return nil }
    // Two processes may both find the lock abandoned. Each replaces it only while holding a
    // second lock, after looking again, and takes the step's lock before letting go of the
    // second one: neither can remove the lock the other has just taken. A breaker left by a
    // killed process is cleared after a minute.
    let breaker = path + ".break"
    guard try Self.createExclusively(breaker, text: owner.text) else {
      if let age = Self.age(ofFile: breaker), age > 60 {
        try? FileManager.default.removeItem(atPath: breaker)
      }
      return nil
    }
    defer { try? FileManager.default.removeItem(atPath: breaker) }
    if FileManager.default.fileExists(atPath: path) {
      guard isStale(lockAt: path, policy: policy) else { return nil }
      try? FileManager.default.removeItem(atPath: path)
    }
    return try Self.createExclusively(path, text: owner.text) ? held() : nil
  }

  /// Whether this process still holds the step's lock (checked before committing its result:
  /// a holder judged abandoned must not put its step in place beside the new holder's).
  public func holdsLock(_ id: String) -> Bool {
    guard let owner = lockOwner(id) else { return false }
    return owner.host == Self.host && owner.pid == getpid()
  }

  /// Releases the step's lock if this process still holds it (never another holder's).
  public func unlock(_ id: String, heartbeat: LockHeartbeat?) {
    heartbeat?.stop()
    guard holdsLock(id) else { return }
    try? FileManager.default.removeItem(atPath: lockPath(id))
  }

  /// True when a live holder has the step's lock.
  public func isLocked(_ id: String, policy: LockPolicy = LockPolicy()) -> Bool {
    FileManager.default.fileExists(atPath: lockPath(id))
      && !isStale(lockAt: lockPath(id), policy: policy)
  }

  /// True when the step has a lock file whose holder is gone.
  public func hasAbandonedLock(_ id: String, policy: LockPolicy = LockPolicy()) -> Bool {
    FileManager.default.fileExists(atPath: lockPath(id))
      && isStale(lockAt: lockPath(id), policy: policy)
  }

  /// The holder recorded in the step's lock, if there is a readable one.
  public func lockOwner(_ id: String) -> LockOwner? {
    (try? String(contentsOfFile: lockPath(id), encoding: .utf8)).flatMap(LockOwner.init(text:))
  }

  func isStale(lockAt path: String, policy: LockPolicy) -> Bool {
    guard let age = Self.age(ofFile: path) else { return true }  // removed meanwhile
    let text = try? String(contentsOfFile: path, encoding: .utf8)
    return policy.isStale(owner: text.flatMap(LockOwner.init(text:)), age: age)
  }

  /// Seconds since the file was last modified; nil when it does not exist.
  static func age(ofFile path: String) -> Double? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
    return Date().timeIntervalSince1970 - modified
  }

  /// Creates `path` with `text` unless it exists (`O_EXCL`: atomic, also on NFS v3 and later).
  static func createExclusively(_ path: String, text: String) throws -> Bool {
    let descriptor = open(path, O_CREAT | O_EXCL | O_WRONLY, 0o644)
    guard descriptor >= 0 else {
      guard errno == EEXIST else {
        throw PipelineRunError("\(path): cannot create lock (\(String(cString: strerror(errno))))")
      }
      return false
    }
    _ = text.withCString { write(descriptor, $0, strlen($0)) }
    close(descriptor)
    return true
  }
}
