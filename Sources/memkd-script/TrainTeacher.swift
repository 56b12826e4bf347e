import ArgumentParser
import Foundation
import MemKDCore

/// `memkd-script train-teacher`: the paper's teacher protocol on one dataset.
struct TrainTeacher: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Train a stacked-LSTM teacher (several initialisations, best by validation AUC-PRC).",
    discussion: """
      Prints test accuracy, AUC-ROC and AUC-PRC (percent) and the parameter count of the kept \
      teacher. Progress goes to standard error; results to standard output.
      """)

  @OptionGroup var data: DataOptions

  @Option(help: "Number of initialisations (seeds seed, seed+1, ...); the best by validation AUC-PRC is kept.")
  var seeds: Int = 5

  @Option(help: "Base seed: data split, initialisation and shuffles.")
  var seed: UInt64 = 0

  @Option(help: "Maximum epochs per initialisation.")
  var epochs: Int = 500

  @Option(help: "Stop after this many epochs without a lower validation loss.")
  var patience: Int = 50

  @Option(name: .customLong("lr"), help: "Adam's initial learning rate.")
  var learningRate: Double = TrainTeacher.defaultLearningRate

  @Option(help: "Mini-batch size.")
  var batchSize: Int = 32

  @Option(help: "Gradient-norm clipping bound (0 turns clipping off).")
  var clip: Double = 1.0

  @Option(help: "Halve the learning rate after this many epochs without improvement (0 turns it off).")
  var plateauPatience: Int = 20

  @Option(help: "LSTM hidden units per layer.")
  var hidden: Int = 100

  @Option(help: "Number of stacked LSTM layers.")
  var layers: Int = 3

  @Option(help: "Fraction of the training split held out for validation.")
  var validationFraction: Double = 0.2

  @Option(help: "Threads per run (speed only: results are identical for any value).")
  var threads: Int = 2

  @Flag(help: "Print the result as one JSON object instead of a table.")
  var json = false

  @Flag(help: "No progress output on standard error.")
  var quiet = false

  /// The teacher learning rate default: 0.001, not the paper's 0.01. On FaceAll (seed 0, clipping
  /// and plateau on) 0.01 reached test AUC-PRC 0.67 against 0.89 for 0.001; PROTOCOL.md saw
  /// 0.01 stick at chance for some initialisations in PyTorch too. See README, "Teacher
  /// learning rate".
  static let defaultLearningRate = 0.001

  func validate() throws {
    if seeds < 1 { throw ValidationError("--seeds must be at least 1 (got \(seeds))") }
    if clip < 0 { throw ValidationError("--clip must be 0 (off) or positive (got \(clip))") }
    if plateauPatience < 0 {
      throw ValidationError("--plateau-patience must be 0 (off) or positive (got \(plateauPatience))")
    }
    if !(validationFraction > 0 && validationFraction < 1) {
      throw ValidationError("--validation-fraction must be in (0, 1) (got \(validationFraction))")
    }
    if hidden < 1 { throw ValidationError("--hidden must be at least 1 (got \(hidden))") }
    if layers < 1 { throw ValidationError("--layers must be at least 1 (got \(layers))") }
    if threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
    if let problem = trainingConfig.validationError { throw ValidationError(problem) }
  }

  var trainingConfig: TrainingConfig {
    TrainingConfig(
      learningRate: learningRate, maxEpochs: epochs, batchSize: batchSize,
      earlyStoppingPatience: patience, clipNorm: clip > 0 ? clip : nil,
      plateauPatience: plateauPatience > 0 ? plateauPatience : nil, seed: seed)
  }

  func run() throws {
    // Data errors name the file and line; they are not usage errors, so no usage text follows.
    let dataset = try data.load()
    let protocolConfig = TeacherTraining(
      training: trainingConfig, initialisations: seeds, hiddenSize: hidden, layers: layers,
      validationFraction: validationFraction, threads: threads)
    var progress = ProgressLine(quiet: quiet)
    var updates = 0
    let clock = ContinuousClock()
    let start = clock.now
    let finished = try protocolConfig.run(on: dataset, progress: { update in
      updates += 1
      let epoch = update.epoch
      let elapsed = (clock.now - start).seconds
      // Upper bound: remaining epochs of this run plus full budgets of the runs still to come.
      let epochsDone = update.run * epoch.maxEpochs + epoch.epoch
      let epochsLeft = (update.runs - update.run) * epoch.maxEpochs - epoch.epoch
      let eta = elapsed / Double(epochsDone) * Double(epochsLeft)
      let text = String(
        format: "%@ init %d/%d  epoch %d/%d  train %.4f  val %.4f  val AUC-PRC %.2f  lr %.2g  (%@, ETA <= %@)",
        dataset.name, update.run + 1, update.runs, epoch.epoch, epoch.maxEpochs, epoch.trainLoss,
        epoch.validationLoss, epoch.validationAUCPRC * 100, epoch.learningRate,
        formatDuration(elapsed), formatDuration(eta))
      progress.update(text, force: epoch.epoch == 1, count: updates)
    })
    progress.finish()
    guard let outcome = finished else { throw ExitCode.failure }
    let wallTime = (clock.now - start).seconds
    let result = TeacherResultJSON(
      dataset: dataset, outcome: outcome, protocolConfig: protocolConfig, wallTime: wallTime)
    if json {
      try printJSON(result)
    } else {
      print(result.table)
    }
  }
}
