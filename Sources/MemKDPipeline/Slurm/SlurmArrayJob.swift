import Foundation

/// A Slurm job array that runs a pipeline: array task i runs `run --shard i/N`, so N tasks on
/// any nodes share one run folder (on a file system all of them see) and its step locks.
public struct SlurmArrayJob: Sendable, Equatable {
  /// Array tasks, one per shard.
  public var tasks: Int
  public var partition: String?
  /// Slurm's time limit of each task (`--time`, e.g. `4:00:00`).
  public var time: String?
  /// CPUs of each task; its `run` starts this many workers (`--jobs`).
  public var cpusPerTask: Int
  public var retries: Int
  public var lease: Double
  /// Absolute paths: `memkd-script`, the pipeline file, the run folder, the working folder.
  public var executable: String
  public var pipelineFile: String
  public var runDir: String
  public var workingDirectory: String
  /// `$MEMKD_DATA_ROOT` at submission, written into the script so a resubmission reads the
  /// same data whatever the shell it is submitted from.
  public var dataRoot: String?
  /// The pipeline's name (the job's name is `memkd-<name>`).
  public var name: String

  public init(
    tasks: Int, partition: String?, time: String?, cpusPerTask: Int, retries: Int, lease: Double,
    executable: String, pipelineFile: String, runDir: String, workingDirectory: String,
    dataRoot: String?, name: String
  ) {
    self.tasks = tasks
    self.partition = partition
    self.time = time
    self.cpusPerTask = cpusPerTask
    self.retries = retries
    self.lease = lease
    self.executable = executable
    self.pipelineFile = pipelineFile
    self.runDir = runDir
    self.workingDirectory = workingDirectory
    self.dataRoot = dataRoot
    self.name = name
  }

  /// Where each task's standard output and error go (`%A`: the array's job id, `%a`: the task).
  public var logPattern: String {
    (RunFolder(path: runDir).slurmLogsPath as NSString).appendingPathComponent("%A_%a.log")
  }

  /// Checks what Slurm or the shell would misread: relative paths, and characters that an
  /// `#SBATCH` line cannot carry (newlines; `%`, which Slurm expands in the log path).
  public func validate() throws {
    for (what, path) in [
      ("memkd-script", executable), ("pipeline file", pipelineFile), ("run folder", runDir),
      ("working folder", workingDirectory),
    ] {
      guard path.hasPrefix("/") else {
        throw PipelineRunError("the \(what) path must be absolute in a job script (got '\(path)')")
      }
      guard !path.contains(where: \.isNewline) else {
        throw PipelineRunError("the \(what) path contains a newline: '\(path)'")
      }
    }
    if runDir.contains("%") || runDir.contains(where: \.isWhitespace) {
      throw PipelineRunError(
        "run folder '\(runDir)': Slurm's --output path cannot hold '%' or spaces; choose another --out"
      )
    }
    if workingDirectory.contains(where: \.isWhitespace) {
      throw PipelineRunError(
        "working folder '\(workingDirectory)' has spaces, which an #SBATCH --chdir line cannot carry"
      )
    }
    for (flag, value) in [("--partition", partition), ("--time", time)] {
      if let value, value.isEmpty || value.contains(where: { $0.isWhitespace || $0 == "'" }) {
        throw PipelineRunError("\(flag) '\(value)': must be one word")
      }
    }
    guard tasks >= 1, cpusPerTask >= 1 else {
      throw PipelineRunError("--tasks and --cpus-per-task must be at least 1")
    }
  }

  /// The sbatch script.
  public var script: String {
    var lines = [
      "#!/bin/sh",
      "# Written by `memkd-script submit`: array task i runs shard i of \(tasks) of the pipeline;",
      "# every task shares the run folder and its step locks. Resubmit with `sbatch <this file>`:",
      "# finished steps are kept, abandoned ones are taken over.",
      "#SBATCH --job-name=memkd-\(Self.jobName(name))",
      "#SBATCH --array=0-\(tasks - 1)",
      "#SBATCH --ntasks=1",
      "#SBATCH --cpus-per-task=\(cpusPerTask)",
      "#SBATCH --output=\(logPattern)",
      "#SBATCH --chdir=\(workingDirectory)",
    ]
    if let partition { lines.append("#SBATCH --partition=\(partition)") }
    if let time { lines.append("#SBATCH --time=\(time)") }
    lines += [
      "set -eu",
      "# BLAS single-threaded in each worker: the task's CPUs are shared by --jobs workers.",
      "export OPENBLAS_NUM_THREADS=1",
    ]
    if let dataRoot { lines.append("export MEMKD_DATA_ROOT=\(Self.quoted(dataRoot))") }
    lines.append(
      "exec \(Self.quoted(executable)) run \(Self.quoted(pipelineFile)) --out \(Self.quoted(runDir))"
        + " --shard \"$SLURM_ARRAY_TASK_ID/\(tasks)\" --jobs \(cpusPerTask)"
        + " --retries \(retries) --lock-lease \(Int(lease.rounded())) --plain")
    return lines.joined(separator: "\n") + "\n"
  }

  /// A job name Slurm and `squeue` show well: letters, digits, `-`, `_` and `.`.
  static func jobName(_ name: String) -> String {
    String(name.map { $0.isLetter || $0.isNumber || "-_.".contains($0) ? $0 : "-" })
  }

  /// `text` in single quotes for sh.
  static func quoted(_ text: String) -> String {
    "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}

/// One `sbatch` of a run, as recorded in `<run>/slurm/jobs.json` (newest last).
public struct SlurmSubmission: Codable, Equatable, Sendable {
  /// The array's job id (`SLURM_ARRAY_JOB_ID` of its tasks).
  public var job: String
  public var tasks: Int
  /// Seconds since 1970 of the submission.
  public var submitted: Double

  public init(job: String, tasks: Int, submitted: Double) {
    self.job = job
    self.tasks = tasks
    self.submitted = submitted
  }
}

/// `<run>/slurm/`: the job script, the tasks' logs and the submitted jobs.
extension RunFolder {
  public var slurmPath: String { (path as NSString).appendingPathComponent("slurm") }
  public var slurmScriptPath: String {
    (slurmPath as NSString).appendingPathComponent("array.sbatch")
  }
  public var slurmLogsPath: String { (slurmPath as NSString).appendingPathComponent("logs") }
  var slurmJobsPath: String { (slurmPath as NSString).appendingPathComponent("jobs.json") }

  /// Writes the job script (atomically) and creates the logs folder.
  public func writeSlurmScript(_ job: SlurmArrayJob) throws {
    try FileManager.default.createDirectory(
      atPath: slurmLogsPath, withIntermediateDirectories: true)
    try Data(job.script.utf8).write(
      to: URL(fileURLWithPath: slurmScriptPath), options: .atomic)
  }

  /// The run's submissions, oldest first; empty when it was never submitted.
  public func slurmSubmissions() throws -> [SlurmSubmission] {
    guard let data = FileManager.default.contents(atPath: slurmJobsPath) else { return [] }
    let submissions: [SlurmSubmission]
    do {
      submissions = try Self.decoder.decode([SlurmSubmission].self, from: data)
    } catch {
      throw PipelineRunError("\(slurmJobsPath): not a list of submissions (\(error))")
    }
    if let bad = submissions.first(where: { $0.tasks < 1 || $0.job.isEmpty }) {
      throw PipelineRunError(
        "\(slurmJobsPath): submission '\(bad.job)' has \(bad.tasks) tasks; expected a job id and 1 or more tasks"
      )
    }
    return submissions
  }

  public func recordSlurmSubmission(_ submission: SlurmSubmission) throws {
    try writeJSON(try slurmSubmissions() + [submission], to: slurmJobsPath)
  }
}
