import Foundation

/// Runs a share of a plan's steps in worker processes, `jobs` at a time, in dependency order.
///
/// Done steps are skipped. A step whose inputs come from another shard (another process on the
/// same run folder) waits until that shard has finished them. A failed step is recorded in the
/// run folder and the steps that depend on it are left pending; the others go on.
public struct PipelineExecution: Sendable {
  public let folder: RunFolder
  public let plan: PipelinePlan
  /// The steps this process is responsible for (all of them, or one shard's).
  public let selected: [PipelineStep]
  public let jobs: Int
  /// `memkd-script`'s own executable: each worker is `<executable> _step ...`.
  public let executable: String

  public init(
    folder: RunFolder, plan: PipelinePlan, selected: [PipelineStep], jobs: Int, executable: String
  ) {
    self.folder = folder
    self.plan = plan
    self.selected = selected
    self.jobs = max(1, jobs)
    self.executable = executable
  }

  public struct Outcome: Sendable {
    /// Steps run to completion by this call, and found done.
    public var ran = 0
    public var cached = 0
    /// Step label -> error message.
    public var failed: [(label: String, message: String)] = []
    /// Steps not run because an input failed.
    public var blocked: [String] = []
    public var interrupted = false
  }

  /// Runs until every selected step is done, failed or blocked, or `interrupted()` turns true
  /// (the workers are then interrupted and their steps left unfinished).
  public func run(display: any RunDisplay, interrupted: () -> Bool) throws -> Outcome {
    var outcome = Outcome()
    // What is done, known in memory: the run folder is read once here, this process's own
    // steps are added as its workers finish, and only inputs owned by other shards are looked
    // up on disk again, at most once a second (polling every pending step's inputs ten times a
    // second kept the scheduler itself busy at ~70 % of a core on a 1,420-step run).
    var done = Set(plan.steps.lazy.filter { folder.isDone($0.id) }.map(\.id))
    var pending = selected.filter { !done.contains($0.id) }
    outcome.cached = selected.count - pending.count
    let selectedIDs = Set(selected.map(\.id))
    let external = Set(pending.flatMap(\.dependencies)).subtracting(selectedIDs)
    var externalFailures = Set<String>()
    var lastPoll = ContinuousClock.now - .seconds(10)
    func pollOtherShards() {
      guard ContinuousClock.now - lastPoll >= .seconds(1) else { return }
      lastPoll = ContinuousClock.now
      for id in external where !done.contains(id) {
        if folder.isDone(id) {
          done.insert(id)
        } else if folder.failure(id) != nil && !folder.isLocked(id) {
          externalFailures.insert(id)
        } else {
          externalFailures.remove(id)
        }
      }
    }
    display.begin(total: selected.count, cached: outcome.cached)
    var running: [WorkerProcess] = []
    // Steps that failed or were blocked: their dependents cannot run.
    var unavailable = Set<String>()
    // Threads per worker: two cores shared by `jobs` workers (results never depend on it).
    let threads = max(1, 2 / jobs)
    while !pending.isEmpty || !running.isEmpty {
      if interrupted() {
        running.forEach { $0.interrupt() }
        // A worker that does not stop within two seconds is killed: its step is unfinished
        // either way, and a teacher resumes from its last saved epoch.
        let deadline = ContinuousClock.now + .seconds(2)
        while running.contains(where: \.isRunning) && ContinuousClock.now < deadline {
          Thread.sleep(forTimeInterval: 0.02)
        }
        for worker in running where worker.isRunning {
          kill(worker.process.processIdentifier, SIGKILL)
        }
        for worker in running { worker.process.waitUntilExit() }
        outcome.interrupted = true
        break
      }
      for worker in running where !worker.isRunning {
        let seconds = (ContinuousClock.now - worker.started).seconds
        if worker.status == 0 && folder.isDone(worker.step.id) {
          done.insert(worker.step.id)
          outcome.ran += 1
          display.finished(worker.step, seconds: seconds)
        } else if worker.status == WorkerProtocol.busy {
          pending.insert(worker.step, at: 0)
        } else {
          let message = worker.errorText.isEmpty ? "exit status \(worker.status)" : worker.errorText
          unavailable.insert(worker.step.id)
          try? folder.recordFailure(worker.step.id, message: message)
          outcome.failed.append((worker.step.label, message))
          display.failed(worker.step, message: message)
        }
      }
      running.removeAll { !$0.isRunning }
      pollOtherShards()
      // Inputs that failed here, or in another shard that is not retrying them, block.
      for step in pending
      where step.dependencies.contains(where: {
        unavailable.contains($0) || externalFailures.contains($0)
      }) {
        unavailable.insert(step.id)
        outcome.blocked.append(step.label)
      }
      pending.removeAll { unavailable.contains($0.id) }
      var skipped = Set<String>()  // ready, but another process holds the step's lock
      while running.count < jobs,
        let index = pending.firstIndex(where: { step in
          !skipped.contains(step.id) && step.dependencies.allSatisfy { done.contains($0) }
        })
      {
        if folder.isLocked(pending[index].id) {
          skipped.insert(pending[index].id)
          continue
        }
        let step = pending.remove(at: index)
        running.append(
          try WorkerProcess(
            step: step, executable: executable,
            arguments: WorkerProtocol.arguments(
              runDir: folder.path, step: step.id, threads: threads)))
        display.started(step)
      }
      display.update(
        running: running.map { ($0.step, $0.progress, (ContinuousClock.now - $0.started).seconds) })
      Thread.sleep(forTimeInterval: running.isEmpty ? 1.0 : 0.1)
    }
    display.end()
    return outcome
  }

}
