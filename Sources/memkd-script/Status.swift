import ArgumentParser
import Foundation
import MemKDPipeline

/// `memkd-script status FILE`: which steps of a pipeline are done, running, failed or pending,
/// and, for a run submitted to Slurm, each array task's shard and Slurm state.
struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show a pipeline's done / running / failed / pending steps (and its Slurm tasks).")

  @Argument(help: "The pipeline file (YAML).") var file: String
  @Option(help: "Run folder (default: the file's `output`).") var out: String?
  @Flag(help: "List every step, not only counts and problems.") var all = false
  @Flag(
    help:
      "Only the latest Slurm submission's tasks: shard progress and Slurm state (with --json: a list of tasks)."
  )
  var shards = false
  @Flag(help: "Print JSON (a list of steps, or of tasks with --shards).") var json = false

  enum State: String, Encodable {
    case done, running, failed, pending
  }

  struct Entry: Encodable {
    var id: String
    var kind: String
    var label: String
    var state: State
    var error: String?
    /// Failed attempts so far (failed steps only).
    var attempts: Int?
    /// Who holds the lock (running steps only), as written in it.
    var holder: String?
  }

  func run() throws {
    var spec = try PipelineSpec.load(path: file)
    if let out { spec.output = out }
    let plan = try PipelinePlan(spec: spec)
    let folder = RunFolder(path: spec.output)
    let entries = plan.steps.map { Self.entry($0, folder: folder) }
    let tasks = try ShardStatus.latest(plan: plan, folder: folder, entries: entries)
    if shards {
      guard let tasks else {
        throw ValidationError("\(spec.output) was never submitted to Slurm (`memkd-script submit`)")
      }
      if json { try printJSON(tasks.tasks) } else { print(tasks.text, terminator: "") }
      return
    }
    if json {
      try printJSON(entries)
      return
    }
    print("\(spec.name) (\(spec.output)): \(plan.steps.count) steps")
    for kind in PipelineStep.Kind.allCases {
      let ofKind = entries.filter { $0.kind == kind.rawValue }
      let counts = [State.done, .running, .failed, .pending].map { state in
        "\(ofKind.filter { $0.state == state }.count) \(state.rawValue)"
      }
      print("  \(kind.rawValue): " + counts.joined(separator: ", "))
    }
    if let tasks { print(tasks.text, terminator: "") }
    for entry in entries where all || entry.state == .running || entry.state == .failed {
      let detail =
        entry.state == .failed
        ? ": failed \(entry.attempts ?? 1) time(s): \(entry.error ?? "")"
        : entry.holder.map { " by \($0)" } ?? ""
      print("  [\(entry.state.rawValue)] \(entry.label) (\(entry.id))" + detail)
    }
  }

  static func entry(_ step: PipelineStep, folder: RunFolder) -> Entry {
    let failure = folder.failureRecord(step.id)
    let state: State =
      folder.isDone(step.id)
      ? .done : folder.isLocked(step.id) ? .running : failure != nil ? .failed : .pending
    let holder = state == .running ? folder.lockOwner(step.id) : nil
    return Entry(
      id: step.id, kind: step.kind.rawValue, label: step.label, state: state,
      error: state == .failed ? failure?.error : nil,
      attempts: state == .failed ? failure?.attempts : nil,
      holder: holder.map { owner in
        "\(owner.host):\(owner.pid)" + (owner.slurmArrayTask.map { " (Slurm \($0))" } ?? "")
      })
  }
}

/// The tasks of a run's latest Slurm submission: each one's shard progress and Slurm state.
struct ShardStatus {
  struct Task: Encodable {
    var task: Int
    var steps: Int
    var done: Int
    var running: Int
    var failed: Int
    /// Slurm's state of the array task (`RUNNING`, `COMPLETED`, `CANCELLED`...), or
    /// `unknown` when neither squeue, scontrol nor sacct knows it (e.g. no Slurm here).
    var slurm: String
  }

  var job: String
  var tasks: [Task]

  static func latest(plan: PipelinePlan, folder: RunFolder, entries: [Status.Entry]) throws
    -> ShardStatus?
  {
    guard let submission = try folder.slurmSubmissions().last else { return nil }
    let states = SlurmQueue().arrayTaskStates(job: submission.job)
    let byID = Dictionary(entries.map { ($0.id, $0.state) }, uniquingKeysWith: { a, _ in a })
    let tasks = (0..<submission.tasks).map { index in
      let share = plan.shard(index, of: submission.tasks).map { byID[$0.id] }
      let slurm: String
      switch states[index] {
      case .active(let name)?, .ended(let name)?: slurm = name
      case .unknown?, nil: slurm = "unknown"
      }
      return Task(
        task: index, steps: share.count, done: share.filter { $0 == .done }.count,
        running: share.filter { $0 == .running }.count,
        failed: share.filter { $0 == .failed }.count, slurm: slurm)
    }
    return ShardStatus(job: submission.job, tasks: tasks)
  }

  var text: String {
    var lines = ["  Slurm job array \(job), \(tasks.count) task(s):"]
    for task in tasks {
      lines.append(
        "    task \(task.task): \(task.done)/\(task.steps) steps done, \(task.running) running, \(task.failed) failed; Slurm: \(task.slurm)"
      )
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
