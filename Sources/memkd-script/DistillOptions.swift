import ArgumentParser
import Foundation
import MemKDCore

extension DistillationMethod: ExpressibleByArgument {}
extension MemKDLoss.Terms: ExpressibleByArgument {}
extension MemKDLoss.Normalization: ExpressibleByArgument {}

/// The student's options on the command line: `StudentDistillation`'s and `MemKDLoss`'s fields
/// as flags (`CoreOptionFlags`), so names, defaults and rules are MemKDCore's.
enum StudentFlags {
  static let flags = CoreOptionFlags(
    groups: [
      .init("Student recipe", StudentDistillation.paper),
      .init("MemKD (method memkd only)", MemKDLoss()),
    ],
    renamed: ["--plateau-patience": "--plateau"])

  /// The student recipe and MemKD's options `arguments` ask for, over the paper's defaults.
  /// - Throws: `ValidationError` with the option's one message, or for a MemKD option given
  ///   with another method.
  static func settings(_ arguments: [String], method: DistillationMethod) throws
    -> (recipe: StudentDistillation, memkd: MemKDLoss)
  {
    let given = try flags.parse(arguments)
    do {
      try method.rejectMemKDOptions(in: given.map(\.key))
    } catch let error as OptionError {
      throw ValidationError(error.description)
    }
    return (
      try CoreOptionFlags.apply(given, to: StudentDistillation.paper),
      try CoreOptionFlags.apply(given, to: MemKDLoss())
    )
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
      format:
        "%@ beta=%g seed=%llu: val AUC-PRC %.2f  test acc %.2f  AUC-ROC %.2f  AUC-PRC %.2f  (%d epochs, %@)\n",
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
