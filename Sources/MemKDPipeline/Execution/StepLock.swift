import Foundation

/// Who holds a step's lock, as written in `<run>/steps/<id>.lock`, one `key=value` per field:
///
///     host=node17 pid=4242 lease=600 slurm_job=1234 slurm_array=1230_3
///
/// `lease` is the holder's promise, in seconds: it renews the file's modification time more
/// often than that (`LockHeartbeat`), so a lock older than its lease belongs to a holder that
/// died with its host. The Slurm fields are present when the holder runs in a Slurm job.
/// The older form `<host> <pid>` still reads (no lease: taken over only on its own host).
public struct LockOwner: Equatable, Sendable {
  public var host: String
  public var pid: Int32
  /// Seconds without a heartbeat after which the lock is abandoned; nil for old locks.
  public var lease: Double?
  /// `SLURM_JOB_ID` of the holder (an array task's own job id).
  public var slurmJob: String?
  /// `<SLURM_ARRAY_JOB_ID>_<SLURM_ARRAY_TASK_ID>` of the holder, for people reading the file.
  public var slurmArrayTask: String?

  /// This process, with `lease` seconds.
  public static func current(lease: Double) -> LockOwner {
    let environment = ProcessInfo.processInfo.environment
    let arrayTask = environment["SLURM_ARRAY_JOB_ID"].flatMap { job in
      environment["SLURM_ARRAY_TASK_ID"].map { "\(job)_\($0)" }
    }
    return LockOwner(
      host: RunFolder.host, pid: getpid(), lease: lease, slurmJob: environment["SLURM_JOB_ID"],
      slurmArrayTask: arrayTask)
  }

  public var text: String {
    var fields = ["host=\(host)", "pid=\(pid)"]
    if let lease { fields.append("lease=\(Int(lease.rounded()))") }
    if let slurmJob { fields.append("slurm_job=\(slurmJob)") }
    if let slurmArrayTask { fields.append("slurm_array=\(slurmArrayTask)") }
    return fields.joined(separator: " ") + "\n"
  }

  /// Parses `text`; nil when it is neither form (e.g. a lock caught while being written).
  public init?(text: String) {
    let tokens = text.split(whereSeparator: \.isWhitespace).map(String.init)
    if tokens.count == 2, !tokens[0].contains("="), let pid = Int32(tokens[1]) {
      self.init(host: tokens[0], pid: pid)
      return
    }
    var fields: [String: String] = [:]
    for token in tokens {
      guard let equals = token.firstIndex(of: "=") else { return nil }
      fields[String(token[..<equals])] = String(token[token.index(after: equals)...])
    }
    guard let host = fields["host"], let pid = fields["pid"].flatMap({ Int32($0) }) else {
      return nil
    }
    let lease = fields["lease"].flatMap(Double.init)
    if fields["lease"] != nil && (lease == nil || !(lease! > 0)) { return nil }
    self.init(
      host: host, pid: pid, lease: lease, slurmJob: fields["slurm_job"],
      slurmArrayTask: fields["slurm_array"])
  }

  public init(
    host: String, pid: Int32, lease: Double? = nil, slurmJob: String? = nil,
    slurmArrayTask: String? = nil
  ) {
    self.host = host
    self.pid = pid
    self.lease = lease
    self.slurmJob = slurmJob
    self.slurmArrayTask = slurmArrayTask
  }
}

/// When a lock's holder is gone, so that another process may take the step over.
public struct LockPolicy: Sendable {
  /// Default lease of a lock, in seconds: ten missed heartbeats.
  public static let defaultLease: Double = 300
  /// How often a holder renews its lock, in seconds.
  public static let heartbeatInterval: Double = 30
  /// The shortest lease `run` accepts: three heartbeats, so one late renewal is no takeover.
  public static let minimumLease: Double = 3 * heartbeatInterval
  /// A lock file without a readable owner younger than this is being written, not abandoned.
  static let writingGrace: Double = 10

  /// The job states of lock holders under Slurm.
  public var slurm: SlurmQueue
  /// Answers of `slurm` for ten seconds: the scheduler asks about a locked step ten times a
  /// second, and `squeue` is a round trip to the controller.
  private let answers = JobStateCache(seconds: 10)
  public var thisHost: String
  /// Whether a process of this host is alive.
  public var isAlive: @Sendable (Int32) -> Bool

  public init(
    slurm: SlurmQueue = SlurmQueue(), thisHost: String = RunFolder.host,
    isAlive: @escaping @Sendable (Int32) -> Bool = LockPolicy.processIsAlive
  ) {
    self.slurm = slurm
    self.thisHost = thisHost
    self.isAlive = isAlive
  }

  /// Whether the lock of `owner` (nil: unreadable), last renewed `age` seconds ago, is
  /// abandoned:
  /// - on this host, when its process has exited (a SIGKILL, a crash);
  /// - under Slurm, when the holder's job has ended (cancelled, failed, its node lost);
  /// - anywhere, when the holder missed its lease (a host that died or lost the file system, a
  ///   process suspended for longer than the lease, a dead holder's pid reused on this host).
  public func isStale(owner: LockOwner?, age: Double) -> Bool {
    guard let owner else { return age > Self.writingGrace }
    let leaseMissed = owner.lease.map { age > $0 } ?? false
    if owner.host == thisHost { return !isAlive(owner.pid) || leaseMissed }
    if let job = owner.slurmJob, case .ended = answers.state(ofJob: job, slurm) { return true }
    return leaseMissed
  }

  /// The longest lease `run` accepts, in seconds (a week).
  public static let maximumLease: Double = 7 * 24 * 3600

  /// Why `lease` cannot be a lock's lease, or nil: it is written into the lock as a whole number
  /// of seconds, and must outlast three heartbeats.
  public static func leaseProblem(_ lease: Double) -> String? {
    guard lease.isFinite, lease == lease.rounded(), lease >= minimumLease, lease <= maximumLease
    else {
      return "must be a whole number of seconds from \(Int(minimumLease)) (three heartbeats) to "
        + "\(Int(maximumLease)) (a week)"
    }
    return nil
  }

  public static let processIsAlive: @Sendable (Int32) -> Bool = { pid in
    kill(pid, 0) == 0 || errno != ESRCH
  }
}

/// Renews a held lock every `LockPolicy.heartbeatInterval` seconds (its modification time), and
/// calls `lost` if the lock stopped being this holder's (another process judged it abandoned
/// and took the step over): the holder must then stop writing the step.
///
/// A thread of its own rather than a timer on a shared dispatch queue: training keeps the cores
/// busy, and a renewal that waits behind that work could let the lease run out.
public final class LockHeartbeat: Sendable {
  private let signal = StopSignal()

  init(path: String, owner: LockOwner, interval: Double, lost: @escaping @Sendable () -> Void) {
    let thread = Thread { [signal] in
      while !signal.wait(seconds: interval) {
        // Lost only when the lock is gone or names another holder: a read that fails for
        // another reason (a network file system's hiccup) skips one renewal.
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
          if access(path, F_OK) != 0 && errno == ENOENT { return lost() }
          continue
        }
        let holder = LockOwner(text: text)
        guard holder?.host == owner.host && holder?.pid == owner.pid else { return lost() }
        utimes(path, nil)
      }
    }
    thread.name = "memkd-lock-heartbeat"
    thread.start()
  }

  /// Ends the renewals (also when the heartbeat is dropped).
  public func stop() { signal.stop() }

  deinit { signal.stop() }
}

/// A flag one thread sets and another waits for, with a timeout.
private final class StopSignal: @unchecked Sendable {
  private let condition = NSCondition()
  private var isStopped = false

  /// Waits `seconds` or until `stop`; true when stopped.
  func wait(seconds: Double) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    let deadline = Date(timeIntervalSinceNow: seconds)
    while !isStopped && condition.wait(until: deadline) {}
    return isStopped
  }

  func stop() {
    condition.lock()
    isStopped = true
    condition.broadcast()
    condition.unlock()
  }
}

/// Recent answers of `SlurmQueue.state(ofJob:)`, shared by the copies of a `LockPolicy`.
final class JobStateCache: @unchecked Sendable {
  private let lock = NSLock()
  private var answers: [String: (state: SlurmJobState, time: ContinuousClock.Instant)] = [:]
  private let lifetime: Duration

  init(seconds: Int) { lifetime = .seconds(seconds) }

  func state(ofJob job: String, _ slurm: SlurmQueue) -> SlurmJobState {
    let now = ContinuousClock.now
    if let answer = lock.withLock({ answers[job] }), now - answer.time < lifetime {
      return answer.state
    }
    let state = slurm.state(ofJob: job)
    lock.withLock { answers[job] = (state, now) }
    return state
  }
}
