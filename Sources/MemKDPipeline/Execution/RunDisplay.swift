import Foundation

/// How `run` shows its progress (on standard error; standard output is for `--json`).
public protocol RunDisplay: AnyObject {
  func begin(total: Int, cached: Int)
  func started(_ step: PipelineStep)
  func finished(_ step: PipelineStep, seconds: Double)
  func failed(_ step: PipelineStep, message: String)
  /// Another shard's step that this process takes over (it joins the steps to do).
  func tookOver(_ step: PipelineStep)
  /// The running steps with their latest progress and seconds so far (called ~10 times a second).
  func update(running: [(step: PipelineStep, progress: StepWork.Progress?, seconds: Double)])
  func end()
}

/// Shared bookkeeping: counts and a simple ETA (mean seconds per finished step times the
/// steps left, divided by the workers).
public class RunCounter {
  var total = 0
  var done = 0
  var ranSeconds = 0.0
  var ran = 0
  let jobs: Int
  let write: (String) -> Void

  init(jobs: Int, write: @escaping (String) -> Void) {
    self.jobs = jobs
    self.write = write
  }

  var eta: String {
    guard ran > 0 else { return "ETA ?" }
    let left = Double(total - done) * ranSeconds / Double(ran) / Double(max(1, jobs))
    return "ETA " + Self.duration(left)
  }

  /// `1h02m`, `3m05s`, `12s`.
  static func duration(_ seconds: Double) -> String {
    guard seconds.isFinite, seconds >= 0 else { return "?" }
    let total = Int(seconds.rounded())
    if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
    if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
    return "\(total)s"
  }

  static func describe(_ progress: StepWork.Progress?) -> String {
    guard let progress else { return "starting" }
    let run = progress.runs > 1 ? "init \(progress.run)/\(progress.runs), " : ""
    return run + "epoch \(progress.epoch)/\(progress.maxEpochs), val AUC-PRC "
      + String(format: "%.3f", progress.validationAUCPRC)
  }
}

/// Plain lines, one per started, finished and failed step: for logs and pipes.
public final class PlainRunDisplay: RunCounter, RunDisplay {
  public init(jobs: Int) {
    super.init(jobs: jobs) { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
  }

  public func begin(total: Int, cached: Int) {
    self.total = total
    done = cached
    write(
      cached == total
        ? "all \(total) steps are cached: nothing to run"
        : "\(total) steps: \(cached) cached, \(total - cached) to run")
  }

  public func started(_ step: PipelineStep) { write("[\(done)/\(total)] start \(step.label)") }

  public func finished(_ step: PipelineStep, seconds: Double) {
    done += 1
    ran += 1
    ranSeconds += seconds
    write("[\(done)/\(total)] done  \(step.label) (\(Self.duration(seconds))), \(eta)")
  }

  public func failed(_ step: PipelineStep, message: String) {
    write("[\(done)/\(total)] FAILED \(step.label): \(message)")
  }

  public func tookOver(_ step: PipelineStep) {
    total += 1
    write("[\(done)/\(total)] take over \(step.label) (another shard's step)")
  }

  public func update(running: [(step: PipelineStep, progress: StepWork.Progress?, seconds: Double)])
  {}

  public func end() {}
}

/// A live block on a terminal: a header (steps done of total, ETA) and one line per running
/// step with its epoch, redrawn in place; finished and failed steps scroll above it.
public final class TerminalRunDisplay: RunCounter, RunDisplay {
  private var drawnLines = 0
  private var lastDraw = ContinuousClock.now

  public init(jobs: Int) {
    super.init(jobs: jobs) { FileHandle.standardError.write(Data($0.utf8)) }
  }

  public func begin(total: Int, cached: Int) {
    self.total = total
    done = cached
    write(
      (cached == total
        ? "all \(total) steps are cached: nothing to run"
        : "\(total) steps: \(cached) cached, \(total - cached) to run") + "\n")
  }

  public func started(_ step: PipelineStep) {}

  public func finished(_ step: PipelineStep, seconds: Double) {
    done += 1
    ran += 1
    ranSeconds += seconds
    scroll("done  \(step.label) (\(Self.duration(seconds)))")
  }

  public func failed(_ step: PipelineStep, message: String) {
    scroll("FAILED \(step.label): \(message)")
  }

  public func tookOver(_ step: PipelineStep) {
    total += 1
    scroll("take over \(step.label) (another shard's step)")
  }

  public func update(running: [(step: PipelineStep, progress: StepWork.Progress?, seconds: Double)])
  {
    guard (ContinuousClock.now - lastDraw) > .milliseconds(200) else { return }
    lastDraw = ContinuousClock.now
    clear()
    var lines = ["[\(done)/\(total) steps] \(running.count) running, \(eta)"]
    lines += running.map { "  \($0.step.label): \(Self.describe($0.progress))" }
    write(lines.map { "\u{1B}[2K" + $0 }.joined(separator: "\n") + "\n")
    drawnLines = lines.count
  }

  public func end() { clear() }

  private func scroll(_ line: String) {
    clear()
    write("\u{1B}[2K" + line + "\n")
  }

  /// Moves up over the live block and erases it.
  private func clear() {
    guard drawnLines > 0 else { return }
    write(String(repeating: "\u{1B}[1A\u{1B}[2K", count: drawnLines))
    drawnLines = 0
  }
}
