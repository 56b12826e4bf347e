import Foundation

/// The bookkeeping of one `PipelineExecution.run`: which steps are done (known in memory),
/// pending, or unavailable (failed for good, or blocked behind such a step).
///
/// The run folder is read once at the start; this process's own steps are added as its workers
/// finish, and only inputs owned by other shards are looked up on disk again, at most once a
/// second (polling every pending step's inputs ten times a second kept the scheduler itself busy
/// at ~70 % of a core on a 1,420-step run).
struct PipelineSchedule {
  let execution: PipelineExecution
  var outcome = PipelineExecution.Outcome()
  var done: Set<String>
  var pending: [PipelineStep]
  /// Inputs of pending steps that belong to another shard.
  private var external: Set<String>
  /// External inputs that failed for good in another shard.
  private var externalFailures = Set<String>()
  /// Steps that failed for good or were blocked: their dependents cannot run.
  private var unavailable = Set<String>()
  /// External steps this process took over (a failure to retry, or an abandoned lock).
  private var adopted = Set<String>()
  private var lastPoll = ContinuousClock.now - .seconds(10)
  /// When this process began: a failure recorded before it is a previous submission's.
  private let started = ContinuousClock.now
  private let stepsByID: [String: PipelineStep]

  private var folder: RunFolder { execution.folder }

  init(execution: PipelineExecution) {
    self.execution = execution
    let folder = execution.folder
    done = Set(execution.plan.steps.lazy.filter { folder.isDone($0.id) }.map(\.id))
    pending = execution.selected.filter { [done] in !done.contains($0.id) }
    outcome.cached = execution.selected.count - pending.count
    external = Set(pending.flatMap(\.dependencies)).subtracting(execution.selected.map(\.id))
    stepsByID = Dictionary(
      execution.plan.steps.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
  }

  /// Index in `pending` of the first step whose inputs are all done and that is not skipped.
  func nextReady(skipping skipped: Set<String>) -> Int? {
    pending.firstIndex { step in
      !skipped.contains(step.id) && step.dependencies.allSatisfy { done.contains($0) }
    }
  }

  /// Books a finished worker: done, busy elsewhere (pending again), or failed (retried while
  /// the step has retries left, else unavailable).
  mutating func finished(_ worker: WorkerProcess, display: any RunDisplay) {
    let step = worker.step
    let seconds = (ContinuousClock.now - worker.started).seconds
    if worker.status == 0 && folder.isDone(step.id) {
      done.insert(step.id)
      outcome.ran += 1
      display.finished(step, seconds: seconds)
      return
    }
    if worker.status == WorkerProtocol.busy {
      pending.insert(step, at: 0)
      return
    }
    let message = worker.errorText.isEmpty ? "exit status \(worker.status)" : worker.errorText
    let attempts = (try? folder.recordFailure(step.id, message: message)) ?? Int.max
    if attempts <= execution.retries {
      display.failed(step, message: message + " (attempt \(attempts); it will be retried)")
      pending.append(step)
    } else {
      unavailable.insert(step.id)
      outcome.failed.append((step.label, message))
      display.failed(step, message: message)
    }
  }

  /// Looks again at the inputs other shards own: done; failed for good (their dependents
  /// block); failed with retries left, failed before this process started (a resubmission
  /// tries every failed step once more), or abandoned by a dead holder: taken over here. When
  /// `idle` (nothing of this shard's own can run), an input nobody holds is taken over too: its
  /// owner may never start (a task still queued, or one that hit its time limit), and the lock
  /// keeps two takers apart.
  /// Returns the steps taken over by this call.
  @discardableResult
  mutating func pollOtherShards(idle: Bool = false) -> [PipelineStep] {
    guard ContinuousClock.now - lastPoll >= .seconds(1) else { return [] }
    lastPoll = ContinuousClock.now
    let policy = execution.policy
    let before = adopted
    for id in external where !done.contains(id) && !adopted.contains(id) {
      if folder.isDone(id) {
        done.insert(id)
      } else if let failure = folder.failureRecord(id), !folder.isLocked(id, policy: policy) {
        let earlier = (folder.failureAge(id) ?? 0) > started.duration(to: .now).seconds
        if failure.attempts <= execution.retries || earlier {
          adopt(id)
        } else {
          externalFailures.insert(id)
        }
      } else if folder.hasAbandonedLock(id, policy: policy) {
        adopt(id)
      } else if idle && !folder.isLocked(id, policy: policy) {
        adopt(id)
      } else {
        externalFailures.remove(id)
      }
    }
    let taken = pending.filter { adopted.contains($0.id) && !before.contains($0.id) }
    outcome.adopted += taken.count
    return taken
  }

  /// Takes over another shard's step: runs it here (its lock keeps two takers apart).
  private mutating func adopt(_ id: String) {
    guard let step = stepsByID[id] else { return }
    adopted.insert(id)
    externalFailures.remove(id)
    pending.append(step)
    for input in step.dependencies where !done.contains(input) {
      if folder.isDone(input) { done.insert(input) } else { external.insert(input) }
    }
  }

  /// Drops the pending steps whose inputs failed here, or for good in another shard.
  mutating func blockUnavailable() {
    for step in pending
    where step.dependencies.contains(where: {
      unavailable.contains($0) || externalFailures.contains($0)
    }) {
      unavailable.insert(step.id)
      outcome.blocked.append(step.label)
    }
    pending.removeAll { unavailable.contains($0.id) }
  }
}
