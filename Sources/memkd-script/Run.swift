import ArgumentParser
import Foundation
import MemKDCore
import MemKDPipeline

/// `memkd-script run FILE`: runs a pipeline file's steps, skipping finished ones.
struct Run: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Run a pipeline file (teachers, traces, students), resuming where it stopped.",
    discussion: """
      Every step's result is stored in the run folder under a hash of everything it depends on: \
      running again skips finished steps, and changing an option re-runs only the steps that \
      read it. Steps run in --jobs worker processes (BLAS single-threaded in each). --shard i/n \
      runs a fixed share of the steps, so n processes (a Slurm job array) can share one run \
      folder. When every step is done the report is written (see `report`).
      """)

  @Argument(help: "The pipeline file (YAML).") var file: String
  @Option(help: "Worker processes.") var jobs = 1
  @Option(help: "Run only share i of n of the steps (i from 0), e.g. 0/2.") var shard: String?
  @Option(help: "Run folder (default: the file's `output`).") var out: String?
  @Option(
    help:
      "Run only these of the file's datasets (comma-separated), e.g. a quick subset of a protocol, in the run folder --out (required)."
  )
  var datasets: String?
  @OptionGroup var recovery: RecoveryOptions
  @Flag(help: "Plain progress lines even on a terminal.") var plain = false
  @Flag(help: "Print a JSON summary on standard output.") var json = false

  func validate() throws {
    if jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
    if let shard { _ = try Self.parseShard(shard) }
    if datasets != nil && out == nil {
      // The file's own folder would get the subset's manifest and, once the subset is done,
      // its report in place of the whole run's.
      throw ValidationError(
        "--datasets needs --out: a subset must not overwrite the manifest and report of the file's own run folder"
      )
    }
  }

  /// The named datasets, in the file's order; each must be one of the file's.
  static func subset(_ text: String, of spec: PipelineSpec) throws -> [String] {
    let names = text.split(separator: ",", omittingEmptySubsequences: false).map {
      $0.trimmingCharacters(in: .whitespaces)
    }
    if let unknown = names.first(where: { !spec.datasets.contains($0) }) {
      throw ValidationError(
        "--datasets: '\(unknown)' is not a dataset of \(spec.file) (it has \(spec.datasets.joined(separator: ", ")))"
      )
    }
    return spec.datasets.filter(names.contains)
  }

  static func parseShard(_ text: String) throws -> (index: Int, count: Int) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1,
      (0..<count).contains(index)
    else {
      throw ValidationError("--shard must be i/n with 0 <= i < n (got '\(text)')")
    }
    return (index, count)
  }

  func run() throws {
    var spec = try PipelineSpec.load(path: file)
    if let out { spec.output = out }
    if let datasets { spec.datasets = try Self.subset(datasets, of: spec) }
    let plan = try PipelinePlan(spec: spec)
    let folder = RunFolder(path: spec.output)
    try folder.writeManifest(plan)
    let selected =
      try shard.map { text in
        let (index, count) = try Self.parseShard(text)
        return plan.shard(index, of: count)
      } ?? plan.steps
    let display: any RunDisplay =
      !plain && isatty(STDERR_FILENO) == 1
      ? TerminalRunDisplay(jobs: jobs) : PlainRunDisplay(jobs: jobs)
    let stop = InterruptFlag()
    let execution = PipelineExecution(
      folder: folder, plan: plan, selected: selected, jobs: jobs,
      executable: Self.executablePath, retries: recovery.retries,
      lease: recovery.lockLease)
    let outcome = try execution.run(display: display, interrupted: { stop.isSet })
    let done = plan.steps.filter { folder.isDone($0.id) }.count
    var reportPath: String?
    if done == plan.steps.count {
      _ = try folder.writeReport(try folder.readManifest())
      reportPath = (spec.output as NSString).appendingPathComponent("report.md")
    }
    if json {
      try printJSON(
        RunSummary(
          runDir: spec.output, steps: plan.steps.count, selected: selected.count, ran: outcome.ran,
          cached: outcome.cached, adopted: outcome.adopted,
          failed: outcome.failed.map { "\($0.label): \($0.message)" },
          blocked: outcome.blocked, interrupted: outcome.interrupted, report: reportPath))
    }
    let log = { (text: String) in FileHandle.standardError.write(Data((text + "\n").utf8)) }
    if outcome.interrupted {
      log(
        "interrupted: \(done) of \(plan.steps.count) steps done; run the same command again to resume"
      )
      throw ExitCode(130)
    }
    if let reportPath {
      log(
        "\(spec.name): all \(plan.steps.count) steps done (\(outcome.ran) run now, \(outcome.cached) cached); report: \(reportPath)"
      )
    } else if outcome.failed.isEmpty {
      log(
        "\(spec.name): this share is done (\(done) of \(plan.steps.count) steps); the report is written when all shards are"
      )
    }
    if !outcome.failed.isEmpty {
      log("\(outcome.failed.count) step(s) failed, \(outcome.blocked.count) blocked:")
      for failure in outcome.failed { log("  \(failure.label): \(failure.message)") }
      throw ExitCode(1)
    }
  }

  /// This executable, which `run` starts again as each step's worker.
  static var executablePath: String {
    (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
      ?? CommandLine.arguments[0]
  }

  struct RunSummary: Encodable {
    var runDir: String
    var steps: Int
    var selected: Int
    var ran: Int
    var cached: Int
    /// Other shards' steps taken over (counted in `ran` when run here).
    var adopted: Int
    var failed: [String]
    var blocked: [String]
    var interrupted: Bool
    var report: String?

    enum CodingKeys: String, CodingKey {
      case runDir = "run_dir", steps, selected, ran, cached, adopted, failed, blocked, interrupted
      case report
    }
  }
}

/// Set by SIGINT or SIGTERM: `run` then interrupts its workers and exits, leaving unfinished
/// steps to the next run.
final class InterruptFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var set = false
  private var sources: [DispatchSourceSignal] = []

  init() {
    for signalNumber in [SIGINT, SIGTERM] {
      signal(signalNumber, SIG_IGN)
      let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
      source.setEventHandler { [weak self] in self?.raise() }
      source.resume()
      sources.append(source)
    }
  }

  private func raise() { lock.withLock { set = true } }

  var isSet: Bool { lock.withLock { set } }
}
