import ArgumentParser
import Foundation
import MemKDPipeline

/// `memkd-script submit FILE --tasks N`: runs a pipeline as a Slurm job array.
struct Submit: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Submit a pipeline file to Slurm as a job array, one task per shard.",
    discussion: """
      Writes <run>/slurm/array.sbatch (task i runs `run --shard i/N`; logs in <run>/slurm/logs), \
      submits it with sbatch and prints the job id. The run folder must be on a file system \
      that every node sees, and this memkd-script must be at the same path there. Submitting \
      again (or `sbatch <run>/slurm/array.sbatch`) resumes: finished steps are kept, steps \
      whose holder died are taken over. `status FILE` shows each task's shard and Slurm state.
      """)

  @Argument(help: "The pipeline file (YAML).") var file: String
  @Option(help: "Array tasks (shards).") var tasks: Int
  @Option(help: "Slurm partition (default: the cluster's).") var partition: String?
  @Option(help: "Time limit of each task, in Slurm's form (e.g. 4:00:00).") var time: String?
  @Option(help: "CPUs of each task; its run starts this many worker processes.")
  var cpusPerTask = 1
  @Option(help: "Run folder (default: the file's `output`).") var out: String?
  @OptionGroup var recovery: RecoveryOptions
  @Flag(help: "Print the job script instead of submitting it.") var dryRun = false
  @Flag(help: "Print a JSON summary on standard output.") var json = false

  func validate() throws {
    if tasks < 1 { throw ValidationError("--tasks must be at least 1 (got \(tasks))") }
    if cpusPerTask < 1 {
      throw ValidationError("--cpus-per-task must be at least 1 (got \(cpusPerTask))")
    }
  }

  func run() throws {
    var spec = try PipelineSpec.load(path: file)
    if let out { spec.output = out }
    let plan = try PipelinePlan(spec: spec)
    if tasks > plan.steps.count {
      throw ValidationError(
        "--tasks \(tasks): \(file) has only \(plan.steps.count) steps; use at most that many tasks")
    }
    let workingDirectory = FileManager.default.currentDirectoryPath
    let job = SlurmArrayJob(
      tasks: tasks, partition: partition, time: time, cpusPerTask: cpusPerTask,
      retries: recovery.retries, lease: recovery.lockLease, executable: Run.executablePath,
      pipelineFile: Self.absolute(file, in: workingDirectory),
      runDir: Self.absolute(spec.output, in: workingDirectory),
      workingDirectory: workingDirectory,
      dataRoot: ProcessInfo.processInfo.environment["MEMKD_DATA_ROOT"].map {
        Self.absolute($0, in: workingDirectory)
      }, name: spec.name)
    try job.validate()
    if dryRun {
      print(job.script, terminator: "")
      return
    }
    guard let sbatch = SlurmQueue.findExecutable("sbatch") else {
      throw ValidationError(
        "sbatch is not on PATH: submit from a Slurm login node (--dry-run prints the job script)")
    }
    let folder = RunFolder(path: job.runDir)
    try folder.writeManifest(plan)
    try folder.writeSlurmScript(job)
    let jobID = try Self.sbatch(sbatch, script: folder.slurmScriptPath)
    try folder.recordSlurmSubmission(
      SlurmSubmission(job: jobID, tasks: tasks, submitted: Date().timeIntervalSince1970))
    if json {
      try printJSON(
        Summary(
          job: jobID, tasks: tasks, script: folder.slurmScriptPath, logs: job.logPattern,
          runDir: job.runDir))
    } else {
      print(jobID)
      FileHandle.standardError.write(
        Data(
          "submitted job array \(jobID) (\(tasks) tasks) of \(spec.name); script: \(folder.slurmScriptPath); logs: \(folder.slurmLogsPath); progress: memkd-script status \(file)\(out.map { " --out \($0)" } ?? "")\n"
            .utf8))
    }
  }

  /// Submits the script; returns the job id (`sbatch --parsable` prints `id` or `id;cluster`).
  static func sbatch(_ executable: String, script: String) throws -> String {
    guard let answer = SlurmQueue.runCommand([executable, "--parsable", script]) else {
      throw PipelineRunError("cannot start \(executable)")
    }
    let output = answer.output.trimmingCharacters(in: .whitespacesAndNewlines)
    let job = output.split(separator: ";").first.map(String.init) ?? ""
    guard answer.status == 0, !job.isEmpty, job.allSatisfy(\.isNumber) else {
      let detail = answer.error.trimmingCharacters(in: .whitespacesAndNewlines)
      throw PipelineRunError(
        "sbatch \(script) failed (exit \(answer.status)): \(detail.isEmpty ? output : detail)")
    }
    return job
  }

  static func absolute(_ path: String, in directory: String) -> String {
    let full = path.hasPrefix("/") ? path : (directory as NSString).appendingPathComponent(path)
    return (full as NSString).standardizingPath
  }

  struct Summary: Encodable {
    var job: String
    var tasks: Int
    var script: String
    var logs: String
    var runDir: String

    enum CodingKeys: String, CodingKey {
      case job, tasks, script, logs
      case runDir = "run_dir"
    }
  }
}
