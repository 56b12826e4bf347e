import Foundation

/// Runs a share of a plan's steps in worker processes, `jobs` at a time, in dependency order.
///
/// Done steps are skipped. A step whose inputs come from another shard (another process on the
/// same run folder, e.g. another Slurm array task) waits until that shard has finished them.
/// A failed step is recorded in the run folder and re-run up to `retries` times by whichever
/// shard reaches it next; after that the steps that depend on it are blocked and the others
/// go on. An input whose holder died (an abandoned lock) is taken over by the shard waiting.
public struct PipelineExecution: Sendable {
  public let folder: RunFolder
  public let plan: PipelinePlan
  /// The steps this process is responsible for (all of them, or one shard's).
  public let selected: [PipelineStep]
  public let jobs: Int
  /// `memkd-script`'s own executable: each worker is `<executable> _step ...`.
  public let executable: String
  /// Automatic re-runs of a failed step, by this or any other shard, before its dependents
  /// are blocked. `run` also re-attempts its own failed steps once each time it is started.
  public let retries: Int
  /// The lease of this run's step locks, in seconds (`LockOwner.lease`).
  public let lease: Double
  public let policy: LockPolicy

  /// The default of `retries`: a step that failed is tried once more.
  public static let defaultRetries = 1

  public init(
    folder: RunFolder, plan: PipelinePlan, selected: [PipelineStep], jobs: Int, executable: String,
    retries: Int = PipelineExecution.defaultRetries, lease: Double = LockPolicy.defaultLease,
    policy: LockPolicy = LockPolicy()
  ) {
    self.folder = folder
    self.plan = plan
    self.selected = selected
    self.jobs = max(1, jobs)
    self.executable = executable
    self.retries = max(0, retries)
    self.lease = lease
    self.policy = policy
  }

  public struct Outcome: Sendable {
    /// Steps run to completion by this call, and found done.
    public var ran = 0
    public var cached = 0
    /// Step label -> error message.
    public var failed: [(label: String, message: String)] = []
    /// Steps not run because an input failed.
    public var blocked: [String] = []
    /// Other shards' steps this process took over (they count in `ran` too when it ran them).
    public var adopted = 0
    public var interrupted = false
  }

  /// Runs until every selected step is done, failed or blocked, or `interrupted()` turns true
  /// (the workers are then interrupted and their steps left unfinished).
  public func run(display: any RunDisplay, interrupted: () -> Bool) throws -> Outcome {
    var schedule = PipelineSchedule(execution: self)
    display.begin(total: selected.count, cached: schedule.outcome.cached)
    var running: [WorkerProcess] = []
    // Threads per worker: two cores shared by `jobs` workers (results never depend on it).
    let threads = max(1, 2 / jobs)
    while !schedule.pending.isEmpty || !running.isEmpty {
      if interrupted() {
        stop(running)
        schedule.outcome.interrupted = true
        break
      }
      // One look at who has ended: a worker that exits between two looks would otherwise be
      // removed without being booked, and its dependents would wait forever.
      let ended = running.filter { !$0.isRunning }
      for worker in ended { schedule.finished(worker, display: display) }
      running.removeAll { worker in ended.contains { $0 === worker } }
      let idle = running.isEmpty && schedule.nextReady(skipping: []) == nil
      for step in schedule.pollOtherShards(idle: idle) { display.tookOver(step) }
      schedule.blockUnavailable()
      var skipped = Set<String>()  // ready, but another process holds the step's lock
      while running.count < jobs, let index = schedule.nextReady(skipping: skipped) {
        if folder.isLocked(schedule.pending[index].id, policy: policy) {
          skipped.insert(schedule.pending[index].id)
          continue
        }
        let step = schedule.pending.remove(at: index)
        running.append(
          try WorkerProcess(
            step: step, executable: executable,
            arguments: WorkerProtocol.arguments(
              runDir: folder.path, step: step.id, threads: threads, lease: lease)))
        display.started(step)
      }
      display.update(
        running: running.map { ($0.step, $0.progress, (ContinuousClock.now - $0.started).seconds) })
      Thread.sleep(forTimeInterval: running.isEmpty ? 1.0 : 0.1)
    }
    display.end()
    return schedule.outcome
  }

  /// Interrupts the workers; one that does not stop within two seconds is killed: its step is
  /// unfinished either way, and a teacher resumes from its last saved epoch. Their locks stay:
  /// a lock whose holder has exited is what tells a shard waiting for the step (here or, under
  /// Slurm, on another node) to take it over.
  private func stop(_ running: [WorkerProcess]) {
    running.forEach { $0.interrupt() }
    let deadline = ContinuousClock.now + .seconds(2)
    while running.contains(where: \.isRunning) && ContinuousClock.now < deadline {
      Thread.sleep(forTimeInterval: 0.02)
    }
    for worker in running where worker.isRunning {
      kill(worker.process.processIdentifier, SIGKILL)
    }
    for worker in running { worker.process.waitUntilExit() }
  }
}
