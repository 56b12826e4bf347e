import ArgumentParser
import Foundation
import MemKDCore

/// `memkd-script train-teacher`: the paper's teacher protocol on one dataset, saved as a
/// checkpoint that is rewritten after every epoch so an interrupted run can be resumed.
struct TrainTeacher: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Train a stacked LSTM, GRU or RNN teacher (several initialisations, best by validation AUC-PRC).",
    discussion: """
      Prints test accuracy, AUC-ROC and AUC-PRC (percent) and the parameter count of the kept \
      teacher, and saves it as an HDF5 checkpoint (--out). While training, the checkpoint holds \
      the resume state; `--resume FILE` continues an interrupted run and ends bit-identical to \
      an uninterrupted one. Progress goes to standard error; results to standard output.

      """ + TeacherFlags.flags.help())

  @OptionGroup var data: DataOptions

  /// The preprocessing and teacher options (listed in the discussion), as given.
  @Argument(
    parsing: .allUnrecognized,
    help: ArgumentHelp("Preprocessing and teacher options (below).", valueName: "options"))
  var options: [String] = []

  @Option(
    help:
      "Checkpoint file to write. Default: <dataset>-teacher.h5 (with --resume: the resumed file).")
  var out: String?

  @Option(help: "Continue the interrupted run saved in this checkpoint (its settings are used).")
  var resume: String?

  @Flag(help: "Replace an existing --out file (otherwise an existing file is an error).")
  var overwrite = false

  @Option(help: "Rewrite the checkpoint every N epochs while training.")
  var checkpointEvery: Int = 1

  @Option(
    help: ArgumentHelp(
      "Stop (as if interrupted) after this many epochs in total.", visibility: .hidden))
  var stopAfterEpochs: Int?

  @Option(help: "Threads per run (speed only: results are identical for any value).")
  var threads: Int = 2

  @Flag(help: "Print the result as one JSON object instead of a table.")
  var json = false

  @Flag(help: "No progress output on standard error.")
  var quiet = false

  func validate() throws {
    if threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    if checkpointEvery < 1 {
      throw ValidationError("--checkpoint-every must be at least 1 (got \(checkpointEvery))")
    }
    let given = try TeacherFlags.given(options)
    if resume != nil {
      let conflicts = given.map { TeacherFlags.flags.flag(of: $0.key) }
      if !conflicts.isEmpty {
        throw ValidationError(
          "--resume continues with the checkpoint's settings; remove \(conflicts.joined(separator: ", "))"
        )
      }
    } else {
      _ = try TeacherFlags.settings(options, threads: threads)
    }
  }

  func run() throws {
    let settings = try TeacherFlags.settings(options, threads: threads)
    var session =
      try resume.map { try TeacherSession.resuming($0, data: data, threads: threads) }
      ?? TeacherSession.starting(
        data: data, preprocessing: settings.preprocessing, protocolConfig: settings.recipe,
        out: out)
    if let out { session.out = out }
    // Claimed before the first write and held to the end: a second run on the same file stops
    // here instead of overwriting this one's result.
    let lock = try OutputLock(for: session.out)
    defer { withExtendedLifetime(lock) {} }
    if session.out != resume, !overwrite, FileManager.default.fileExists(atPath: session.out) {
      throw FileFormatError.invalid(
        file: session.out,
        message: "exists; pass --overwrite to replace it, or --resume \(session.out) to continue it"
      )
    }
    var progress = ProgressLine(quiet: quiet)
    var updates = 0
    let clock = ContinuousClock()
    let start = clock.now
    let epochsBefore = session.epochsDone
    let datasetName = session.dataset.name
    let outcome = try session.train(
      progress: { update in
        updates += 1
        progress.update(
          update.line(dataset: datasetName, elapsed: (clock.now - start).seconds),
          force: update.epoch.epoch == 1, count: updates)
      },
      saveEvery: checkpointEvery,
      continueAfter: { epochs in stopAfterEpochs.map { epochsBefore + epochs < $0 } ?? true })
    progress.finish()
    guard let outcome else {
      FileHandle.standardError.write(
        Data("stopped; resume with: memkd-script train-teacher --resume \(session.out)\n".utf8))
      throw ExitCode(3)
    }
    let result = TeacherResultJSON(
      dataset: session.dataset, outcome: outcome, protocolConfig: session.protocolConfig,
      checkpoint: session.out, wallTime: (clock.now - start).seconds)
    if json {
      try printJSON(result)
    } else {
      print(result.table)
    }
  }
}

extension TeacherTraining.Progress {
  /// The progress line: dataset, initialisation, epoch, losses, validation AUC-PRC, rate, ETA.
  func line(dataset: String, elapsed: Double) -> String {
    // Upper bound: remaining epochs of this run plus full budgets of the runs still to come.
    let epochsDone = run * epoch.maxEpochs + epoch.epoch
    let epochsLeft = (runs - run) * epoch.maxEpochs - epoch.epoch
    let eta = elapsed / Double(max(1, epochsDone)) * Double(epochsLeft)
    return String(
      format:
        "%@ init %d/%d  epoch %d/%d  train %.4f  val %.4f  val AUC-PRC %.2f  lr %.2g  (%@, ETA <= %@)",
      dataset, run + 1, runs, epoch.epoch, epoch.maxEpochs, epoch.trainLoss,
      epoch.validationLoss, epoch.validationAUCPRC * 100, epoch.learningRate,
      formatDuration(elapsed), formatDuration(eta))
  }
}
