import ArgumentParser
import Foundation
import MemKDCore

/// `memkd-script distill`: the student protocol for one method against a teacher checkpoint.
struct Distill: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Distil 1 x 8 students (LSTM, GRU or RNN) from a teacher (beta grid x seeds, beta by validation).",
    discussion: """
      Teacher quantities come from a traces file of the teacher on the archive's training split \
      (--traces); when it does not exist it is computed once and written there (default: next \
      to the teacher, <teacher>-traces.h5). Every run's student is saved as a checkpoint under \
      --out-dir. Prints a line per run and a summary table; --json prints the summary object.

      """ + StudentFlags.flags.help())

  @Option(help: "The teacher checkpoint (.h5).")
  var teacher: String

  @Option(help: "Teacher traces of the training split (computed and written when missing).")
  var traces: String?

  @OptionGroup var data: DataOptions

  @Option(help: "Method: \(DistillationMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
  var method: DistillationMethod = .memkd

  @Option(help: "A single beta (weight of the distillation loss).")
  var beta: Double?

  @Option(
    help:
      "Comma-separated beta grid. Default: the method's anchor weight x {0.1, 1, 10} (MemKD: 1, 10, 100)."
  )
  var betaGrid: String?

  @Option(help: "Seeds per beta (seed, seed+1, ...).")
  var seeds: Int = 5

  @Option(help: "First student seed.")
  var seed: UInt64 = 0

  /// The student recipe and MemKD options (listed in the discussion), as given.
  @Argument(
    parsing: .allUnrecognized,
    help: ArgumentHelp("Student and MemKD options (below).", valueName: "options"))
  var options: [String] = []

  @Option(help: "Student runs trained at the same time (each on one thread).")
  var jobs: Int = 2

  @Option(help: "Folder for the student checkpoints and the summary. Default: <dataset>-students.")
  var outDir: String?

  @Flag(help: "Print the summary as one JSON object instead of a table.")
  var json = false

  @Flag(help: "No per-run lines on standard error.")
  var quiet = false

  func validate() throws {
    if seeds < 1 { throw ValidationError("--seeds must be at least 1 (got \(seeds))") }
    if jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
    if beta != nil && betaGrid != nil {
      throw ValidationError("give --beta or --beta-grid, not both")
    }
    if let beta, !(beta >= 0 && beta.isFinite) {
      throw ValidationError("--beta must be a non-negative number (got \(beta))")
    }
    _ = try betas()
    _ = try StudentFlags.settings(options, method: method)
  }

  func betas() throws -> [Double] {
    if let beta { return [beta] }
    guard let betaGrid else { return method.defaultBetaGrid }
    let values = betaGrid.split(separator: ",").map {
      Double($0.trimmingCharacters(in: .whitespaces))
    }
    guard !values.isEmpty, values.allSatisfy({ ($0 ?? -1) >= 0 }) else {
      throw ValidationError(
        "--beta-grid must be comma-separated non-negative numbers (got '\(betaGrid)')")
    }
    return values.map { $0! }
  }

  func run() throws {
    let checkpoint = try ModelCheckpoint.read(from: teacher)
    let dataset = try loadDataset(for: checkpoint, path: teacher, options: data)
    let folder = outDir ?? "\(dataset.name)-students"
    // Claimed before the traces and the training: a second run into the folder stops at once.
    // The folder itself is made only when there are students to put in it.
    try FileManager.default.createDirectory(
      at: URL(fileURLWithPath: folder).deletingLastPathComponent(),
      withIntermediateDirectories: true)
    let lock = try OutputLock(for: folder)
    defer { withExtendedLifetime(lock) {} }
    let tracesPath = traces ?? TracesCache.defaultPath(forTeacher: teacher)
    let traced = try TracesCache.load(
      tracesPath, teacher: checkpoint, teacherPath: teacher, dataset: dataset, quiet: quiet)
    let distillationData = try DistillationData(
      dataset: dataset, teacher: checkpoint, teacherPath: teacher, traces: traced,
      tracesPath: tracesPath)
    let (student, memkd) = try StudentFlags.settings(options, method: method)
    let grid = DistillationGrid(
      method: method, loss: method.loss(memkd: memkd), betas: try betas(),
      seeds: (0..<seeds).map { seed &+ UInt64($0) }, student: student, jobs: jobs)
    let printer = RunPrinter(quiet: quiet)
    let (summary, runs) = try grid.run(data: distillationData) { printer.report($0) }
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    for run in runs {
      try StudentCheckpoints.checkpoint(run, data: distillationData, training: student.training)
        .write(to: "\(folder)/\(StudentCheckpoints.fileName(run))")
    }
    let summaryPath = "\(folder)/summary-\(method.rawValue).json"
    try JSONOutput.write(summary, to: summaryPath)
    if json {
      try printJSON(summary)
    } else {
      print(DistillTable.render([summary], dataset: dataset.name))
      print("\nStudents and summary saved under \(folder)/.")
    }
  }
}
