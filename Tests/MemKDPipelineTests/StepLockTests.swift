import Foundation
import MemKDTestSupport
import Testing

@testable import MemKDPipeline

/// Step locks: their file form, when a holder counts as gone (this host's dead process, an
/// ended Slurm job, a missed lease), and taking an abandoned lock over.
@Suite("step locks")
struct StepLockTests {
  /// A `SlurmQueue` whose `squeue` answers `state` for every job (nil: no Slurm).
  static func slurm(_ answer: (status: Int32, output: String, error: String)?) -> SlurmQueue {
    SlurmQueue(runner: { _ in answer })
  }

  static func policy(
    squeue: (status: Int32, output: String, error: String)? = nil, alive: Bool = true
  ) -> LockPolicy {
    LockPolicy(slurm: slurm(squeue), thisHost: "here", isAlive: { _ in alive })
  }

  @Test("owners round-trip through their text, and the old '<host> <pid>' form reads")
  func ownerText() {
    let owner = LockOwner(
      host: "node7", pid: 42, lease: 300, slurmJob: "1234", slurmArrayTask: "1230_3")
    #expect(owner.text == "host=node7 pid=42 lease=300 slurm_job=1234 slurm_array=1230_3\n")
    #expect(LockOwner(text: owner.text) == owner)
    #expect(LockOwner(text: "node7 42\n") == LockOwner(host: "node7", pid: 42))
    for bad in ["", "node7", "host=a", "pid=3", "host=a pid=x", "host=a pid=3 lease=-1", "a b c"] {
      #expect(LockOwner(text: bad) == nil, "\(bad)")
    }
  }

  @Test("this host: stale when the holder's process has exited, or its lease ran out")
  func thisHost() {
    let owner = LockOwner(host: "here", pid: 9, lease: 300, slurmJob: "5")
    #expect(!Self.policy(alive: true).isStale(owner: owner, age: 10))
    #expect(Self.policy(alive: false).isStale(owner: owner, age: 0))
    // A live process with a lock unrenewed past its lease: the dead holder's pid reused.
    #expect(Self.policy(alive: true).isStale(owner: owner, age: 301))
    #expect(!Self.policy(alive: true).isStale(owner: LockOwner(host: "here", pid: 9), age: 1e6))
  }

  @Test("another host: stale when its Slurm job ended, or when its lease ran out")
  func otherHost() {
    let running = (Int32(0), "RUNNING\n", "")
    let completed = (Int32(0), "CANCELLED\n", "")
    let forgotten = (Int32(1), "", "slurm_load_jobs error: Invalid job id specified\n")
    let unreachable = (Int32(1), "", "Unable to contact slurm controller (connect failure)\n")
    let inJob = LockOwner(host: "there", pid: 9, lease: 300, slurmJob: "5")
    #expect(!Self.policy(squeue: running).isStale(owner: inJob, age: 10))
    #expect(Self.policy(squeue: running).isStale(owner: inJob, age: 301))
    #expect(Self.policy(squeue: completed).isStale(owner: inJob, age: 10))
    #expect(Self.policy(squeue: forgotten).isStale(owner: inJob, age: 10))
    #expect(!Self.policy(squeue: unreachable).isStale(owner: inJob, age: 10))
    #expect(!Self.policy(squeue: nil).isStale(owner: inJob, age: 299))
    #expect(Self.policy(squeue: nil).isStale(owner: inJob, age: 301))
    // Old locks carry no lease: only their own host may judge them.
    #expect(!Self.policy().isStale(owner: LockOwner(host: "there", pid: 9), age: 1e6))
    // A lock being written (no owner yet) is stale only once it is clearly abandoned.
    #expect(!Self.policy().isStale(owner: nil, age: 1))
    #expect(Self.policy().isStale(owner: nil, age: 60))
  }

  static func folder() throws -> RunFolder {
    RunFolder(path: try TestFiles.temporaryDirectory("memkd-locks").path)
  }

  static func writeLock(_ folder: RunFolder, _ id: String, _ text: String, age: Double) throws {
    try FileManager.default.createDirectory(
      atPath: (folder.lockPath(id) as NSString).deletingLastPathComponent,
      withIntermediateDirectories: true)
    try text.write(toFile: folder.lockPath(id), atomically: false, encoding: .utf8)
    let time = Date().timeIntervalSince1970 - age
    var times = [timeval](repeating: timeval(tv_sec: Int(time), tv_usec: 0), count: 2)
    #expect(utimes(folder.lockPath(id), &times) == 0)
  }

  @Test("a live holder keeps its lock; an abandoned one is taken over; unlock spares others")
  func takeOver() throws {
    let folder = try Self.folder()
    let noSlurm = LockPolicy(slurm: Self.slurm(nil))
    let live = try folder.lock("a", lease: 300, policy: noSlurm, lost: {})
    #expect(live != nil)
    #expect(folder.isLocked("a", policy: noSlurm))
    #expect(try folder.lock("a", policy: noSlurm, lost: {}) == nil, "held by this live process")
    folder.unlock("a", heartbeat: live)
    #expect(!FileManager.default.fileExists(atPath: folder.lockPath("a")))

    // Another node's lock within its lease is respected; past it, taken over.
    try Self.writeLock(folder, "b", "host=elsewhere pid=1 lease=100\n", age: 50)
    #expect(folder.isLocked("b", policy: noSlurm))
    #expect(try folder.lock("b", policy: noSlurm, lost: {}) == nil)
    try Self.writeLock(folder, "b", "host=elsewhere pid=1 lease=100\n", age: 150)
    #expect(folder.hasAbandonedLock("b", policy: noSlurm))
    let taken = try #require(try folder.lock("b", lease: 300, policy: noSlurm, lost: {}))
    #expect(folder.lockOwner("b")?.pid == getpid())
    folder.unlock("b", heartbeat: taken)

    // unlock never removes another holder's lock (one that took this process's over).
    try Self.writeLock(folder, "c", "host=elsewhere pid=1 lease=100\n", age: 0)
    folder.unlock("c", heartbeat: nil)
    #expect(FileManager.default.fileExists(atPath: folder.lockPath("c")))
    // A breaker left by a killed process blocks takeovers for a minute only.
    try Self.writeLock(folder, "c", "host=elsewhere pid=1 lease=100\n", age: 500)
    try "x".write(toFile: folder.lockPath("c") + ".break", atomically: false, encoding: .utf8)
    #expect(try folder.lock("c", policy: noSlurm, lost: {}) == nil)
  }

  @Test("a holder whose lock was taken over is told to stop")
  func heartbeatNoticesTakeover() throws {
    let folder = try Self.folder()
    let lost = Flag()
    let owner = LockOwner.current(lease: 300)
    try Self.writeLock(folder, "d", owner.text, age: 200)
    let heartbeat = LockHeartbeat(
      path: folder.lockPath("d"), owner: owner, interval: 0.05, lost: { lost.set() })
    // Renewed: the lock is young again (waits up to 30 s: the test machine may be busy).
    #expect(Self.eventually { (RunFolder.age(ofFile: folder.lockPath("d")) ?? 1e9) < 5 })
    #expect(!lost.isSet)
    try Self.writeLock(folder, "d", "host=elsewhere pid=1 lease=300\n", age: 0)
    #expect(Self.eventually { lost.isSet })
    heartbeat.stop()
  }

  static func eventually(_ condition: () -> Bool) -> Bool {
    let deadline = Date(timeIntervalSinceNow: 30)
    while Date() < deadline {
      if condition() { return true }
      Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
  }

  @Test("failure records count attempts; an old plain-text record is one attempt")
  func failures() throws {
    let folder = try Self.folder()
    #expect(folder.failureRecord("e") == nil)
    #expect(try folder.recordFailure("e", message: "first") == 1)
    #expect(try folder.recordFailure("e", message: "second") == 2)
    #expect(folder.failureRecord("e")?.attempts == 2)
    #expect(folder.failure("e") == "second")
    try "an old error".write(
      toFile: folder.finalPath("f") + ".failed", atomically: true, encoding: .utf8)
    #expect(folder.failureRecord("f") == StepFailure(attempts: 1, error: "an old error"))
  }
}

final class Flag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false
  func set() { lock.withLock { value = true } }
  var isSet: Bool { lock.withLock { value } }
}
