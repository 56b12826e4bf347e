import Foundation
import MemKDCore

/// What Slurm says about a job or an array task, asked through its client commands (`squeue`,
/// `scontrol`, `sacct`), so that any cluster's Slurm answers with no library to link.
public enum SlurmJobState: Equatable, Sendable {
  /// Pending, running, completing, suspended: its processes may still write.
  case active(String)
  /// Completed, cancelled, failed, timed out, lost with its node, or no longer known to the
  /// controller (purged after `MinJobAge`): nothing of it runs any more.
  case ended(String)
  /// No Slurm here, or the controller did not answer: the caller falls back on the lease.
  case unknown

  /// Slurm's job state names (squeue's `%T`) of a job whose processes may still run.
  static let activeNames: Set<String> = [
    "PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "REQUEUE_HOLD",
    "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED",
  ]

  init(name: String) {
    let state = name.uppercased()
    self = Self.activeNames.contains(state) ? .active(state) : .ended(state)
  }
}

/// Runs Slurm's client commands and parses what they print.
public struct SlurmQueue: Sendable {
  /// Runs a command, returning its exit status and standard output and error; nil when the
  /// command does not exist. Injectable for tests of the parsing.
  public typealias Runner = @Sendable ([String]) -> (status: Int32, output: String, error: String)?

  let runner: Runner

  public init(runner: @escaping Runner = SlurmQueue.runCommand) {
    self.runner = runner
  }

  /// The state of one job (an array task is a job of its own: `SLURM_JOB_ID`).
  /// `squeue -t all` also lists jobs that ended within `MinJobAge`; a job the controller has
  /// forgotten is "Invalid job id". Nothing printed (a job hidden by `PrivateData=jobs`, or of
  /// another cluster) is unknown, so that only the lease can free its steps.
  public func state(ofJob job: String) -> SlurmJobState {
    guard let answer = runner(["squeue", "-h", "-t", "all", "-j", job, "-o", "%T"]) else {
      return .unknown
    }
    if answer.status == 0 {
      let name = answer.output.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
      return name.isEmpty ? .unknown : SlurmJobState(name: name)
    }
    if answer.error.contains("Invalid job id") { return .ended("GONE") }
    return .unknown
  }

  /// The state of each task of a job array, by task index: live tasks from `squeue -r`, ended
  /// ones from `sacct` (when accounting is enabled) or `scontrol` (for `MinJobAge` seconds).
  /// A task that none of them knows is absent.
  public func arrayTaskStates(job: String) -> [Int: SlurmJobState] {
    var states: [Int: SlurmJobState] = [:]
    if let answer = runner(["scontrol", "-o", "show", "job", job]), answer.status == 0 {
      for line in answer.output.split(whereSeparator: \.isNewline) {
        let fields = Self.keyValues(String(line))
        guard let tasks = fields["ArrayTaskId"], let state = fields["JobState"] else { continue }
        for task in Self.taskIndices(tasks) { states[task] = SlurmJobState(name: state) }
      }
    }
    if let answer = runner(["sacct", "-n", "-X", "-P", "-j", job, "-o", "JobID,State"]),
      answer.status == 0
    {
      for line in answer.output.split(whereSeparator: \.isNewline) {
        let parts = line.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 2, let underscore = parts[0].firstIndex(of: "_") else { continue }
        let state = parts[1].split(separator: " ").first.map(String.init) ?? ""
        for task in Self.taskIndices(String(parts[0][parts[0].index(after: underscore)...]))
        where states[task] == nil {
          states[task] = SlurmJobState(name: state)
        }
      }
    }
    if let answer = runner(["squeue", "-h", "-r", "-j", job, "-o", "%K %T"]), answer.status == 0 {
      for line in answer.output.split(whereSeparator: \.isNewline) {
        let parts = line.split(separator: " ")
        if parts.count == 2, let task = Int(parts[0]) {
          states[task] = SlurmJobState(name: String(parts[1]))
        }
      }
    }
    return states
  }

  /// `Key=Value` fields of one `scontrol -o` line.
  static func keyValues(_ line: String) -> [String: String] {
    var fields: [String: String] = [:]
    for token in line.split(separator: " ") {
      guard let equals = token.firstIndex(of: "=") else { continue }
      fields[String(token[..<equals])] = String(token[token.index(after: equals)...])
    }
    return fields
  }

  /// Task indices of Slurm's array notation: `3`, `0-3`, `[0-3,5]`, `1-7:2`, `0-3%2`.
  static func taskIndices(_ text: String) -> [Int] {
    let trimmed = text.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
    let withoutLimit = trimmed.split(separator: "%").first.map(String.init) ?? ""
    var indices: [Int] = []
    for part in withoutLimit.split(separator: ",") {
      let stepParts = part.split(separator: ":")
      let step = stepParts.count == 2 ? max(1, Int(stepParts[1]) ?? 1) : 1
      let bounds = stepParts[0].split(separator: "-")
      if bounds.count == 1, let single = Int(bounds[0]) {
        indices.append(single)
      } else if bounds.count == 2, let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high
      {
        indices.append(contentsOf: stride(from: low, through: high, by: step))
      }
    }
    return indices
  }

  /// Runs `arguments[0]` found on `PATH`; nil when it is not there.
  public static let runCommand: Runner = { arguments in
    guard let executable = findExecutable(arguments[0]) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = Array(arguments.dropFirst())
    let output = Pipe()
    let error = Pipe()
    process.standardOutput = output
    process.standardError = error
    do { try process.run() } catch { return nil }
    // Read both pipes to the end before waiting, so a chatty command cannot fill one and block.
    let errorData = LockedData()
    let errorRead = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
      errorData.set(error.fileHandleForReading.readDataToEndOfFile())
      errorRead.signal()
    }
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    errorRead.wait()
    process.waitUntilExit()
    return (
      process.terminationStatus, String(decoding: outputData, as: UTF8.self),
      String(decoding: errorData.value, as: UTF8.self)
    )
  }

  /// The full path of `name` on `PATH` (`ExternalTool.which`), or `name` itself when it is a path
  /// to an executable; nil otherwise.
  public static func findExecutable(_ name: String) -> String? {
    if name.contains("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
    return ExternalTool.which(name)
  }
}

/// Data written once by one thread and read by another.
private final class LockedData: @unchecked Sendable {
  private let lock = NSLock()
  private var data: Data?
  func set(_ value: Data) { lock.withLock { data = value } }
  var value: Data { lock.withLock { data ?? Data() } }
}
