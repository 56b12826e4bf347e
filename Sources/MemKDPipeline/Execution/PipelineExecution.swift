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

  public init(folder: RunFolder, plan: PipelinePlan, selected: [PipelineStep], jobs: Int, executable: String) {
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
    var pending = selected.filter { !folder.isDone($0.id) }
    outcome.cached = selected.count - pending.count
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
        for worker in running where worker.isRunning { kill(worker.process.processIdentifier, SIGKILL) }
        for worker in running { worker.process.waitUntilExit() }
        outcome.interrupted = true
        break
      }
      for worker in running where !worker.isRunning {
        let seconds = (ContinuousClock.now - worker.started).seconds
        if worker.status == 0 && folder.isDone(worker.step.id) {
          outcome.ran += 1
          display.finished(worker.step, seconds: seconds)
        } else if worker.status == WorkerProcess.busy {
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
      // Inputs that failed here, or in another shard that is not retrying them, block.
      for step in pending where isBlocked(step, unavailable: unavailable) {
        unavailable.insert(step.id)
        outcome.blocked.append(step.label)
      }
      pending.removeAll { unavailable.contains($0.id) }
      while running.count < jobs,
        let index = pending.firstIndex(where: { step in
          step.dependencies.allSatisfy { folder.isDone($0) } && !folder.isLocked(step.id)
        })
      {
        let step = pending.remove(at: index)
        running.append(
          try WorkerProcess(
            step: step, executable: executable,
            arguments: [
              "_step", "--run-dir", folder.path, "--step", step.id, "--threads", "\(threads)",
            ]))
        display.started(step)
      }
      display.update(running: running.map { ($0.step, $0.progress, (ContinuousClock.now - $0.started).seconds) })
      Thread.sleep(forTimeInterval: running.isEmpty ? 1.0 : 0.1)
    }
    display.end()
    return outcome
  }

  private func isBlocked(_ step: PipelineStep, unavailable: Set<String>) -> Bool {
    step.dependencies.contains { input in
      unavailable.contains(input)
        || (!selectedIDs.contains(input) && !folder.isDone(input) && folder.failure(input) != nil
          && !folder.isLocked(input))
    }
  }

  private var selectedIDs: Set<String> { Set(selected.map(\.id)) }
}
