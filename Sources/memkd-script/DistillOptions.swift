import ArgumentParser
import Foundation
import MemKDCore

extension DistillationMethod: ExpressibleByArgument {}
extension MemKDLoss.Terms: ExpressibleByArgument {}
extension MemKDLoss.Normalization: ExpressibleByArgument {}

/// MemKD's options (METHODS.md; the "interpretation" items are configurable).
struct MemKDOptions: ParsableArguments {
  @Option(help: "MemKD terms: short, long or both.")
  var terms: MemKDLoss.Terms = .both

  @Option(help: "MemKD normalisation: per-sample-mean, batch-mean, step-norm or none.")
  var normalization: MemKDLoss.Normalization = .perSampleMean

  @Option(help: "MemKD long pairs per step (default: T - 1).")
  var longPairs: Int?

  @Option(help: "MemKD weight of the short term.")
  var shortWeight: Double = 1

  @Option(help: "MemKD weight of the long term.")
  var longWeight: Double = 1

  @Option(help: "Teacher layer MemKD reads (0-based; default: the last).")
  var teacherLayer: Int?

  func loss() throws -> MemKDLoss {
    if let longPairs, longPairs < 1 { throw ValidationError("--long-pairs must be at least 1 (got \(longPairs))") }
    if let teacherLayer, teacherLayer < 0 { throw ValidationError("--teacher-layer must be at least 0 (got \(teacherLayer))") }
    return MemKDLoss(
      terms: terms, normalization: normalization, longPairs: longPairs, shortWeight: shortWeight,
      longWeight: longWeight, teacherLayer: teacherLayer)
  }
}

/// The student's architecture and optimisation (PROTOCOL.md defaults: lr 0.1, clipping 1,
/// plateau 20, patience 50, at most 500 epochs, batch 32).
struct StudentTrainingOptions: ParsableArguments {
  @Option(help: "Maximum epochs per student.") var epochs = 500
  @Option(help: "Early-stopping patience (epochs without a lower validation loss).") var patience = 50
  @Option(name: .customLong("lr"), help: "Adam's initial learning rate.") var learningRate = 0.1
  @Option(help: "Mini-batch size.") var batchSize = 32
  @Option(help: "Gradient-norm clipping bound (0: off).") var clip = 1.0
  @Option(help: "Halve the learning rate after this many epochs without improvement (0: off).")
  var plateauPatience = 20
  @Option(help: "Student hidden units.") var hidden = 8
  @Option(help: "Student LSTM layers.") var layers = 1

  func config() throws -> TrainingConfig {
    if hidden < 1 || layers < 1 { throw ValidationError("--hidden and --layers must be at least 1") }
    let config = TrainingConfig(
      learningRate: learningRate, maxEpochs: epochs, batchSize: batchSize,
      earlyStoppingPatience: patience, clipNorm: clip > 0 ? clip : nil,
      plateauPatience: plateauPatience > 0 ? plateauPatience : nil)
    if let problem = config.validationError { throw ValidationError(problem) }
    return config
  }
}

/// Per-run lines on standard error, one at a time (runs finish on several threads).
final class RunPrinter: Sendable {
  let quiet: Bool
  private let lock = NSLock()

  init(quiet: Bool) { self.quiet = quiet }

  func report(_ run: StudentRun) {
    guard !quiet else { return }
    let line = String(
      format: "%@ beta=%g seed=%llu: val AUC-PRC %.2f  test acc %.2f  AUC-ROC %.2f  AUC-PRC %.2f  (%d epochs, %@)\n",
      run.method.rawValue, run.beta, run.seed, run.validation.aucPRC * 100,
      run.test.accuracy * 100, run.test.aucROC * 100, run.test.aucPRC * 100,
      run.history.epochs.count, formatDuration(run.history.seconds))
    lock.lock()
    FileHandle.standardError.write(Data(line.utf8))
    lock.unlock()
  }
}

/// The summary table of one or more methods.
enum DistillTable {
  static func render(_ summaries: [DistillationSummary], dataset: String) -> String {
    let rows = summaries.map { s in
      [
        s.method, String(format: "%g", s.beta), pm(s.test.acc, s.testStd.acc),
        pm(s.test.aucRoc, s.testStd.aucRoc), pm(s.test.aucPrc, s.testStd.aucPrc), "\(s.params)",
        String(format: "%.0fx", s.compression),
      ]
    }
    return "\(dataset): test metrics of the chosen beta, mean +- std over seeds (percent)\n\n"
      + TextTable.render(
        header: ["method", "beta", "acc", "AUC-ROC", "AUC-PRC", "params", "compression"],
        rows: rows)
  }

  static func pm(_ mean: Double, _ std: Double) -> String {
    String(format: "%.2f +- %.2f", mean * 100, std * 100)
  }
}
