import ArgumentParser
import MemKDCore

/// `memkd-script evaluate`: recomputes a checkpoint's test metrics from the file alone.
struct Evaluate: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Recompute test accuracy, AUC-ROC and AUC-PRC of a checkpoint on a dataset.",
    discussion: """
      The dataset is preprocessed as recorded in the checkpoint, and its labels must map to the \
      same classes. Defaults to the checkpoint's dataset.
      """)

  @Option(help: "A MemKD checkpoint (.h5).")
  var checkpoint: String

  @OptionGroup var data: DataOptions

  @Option(help: "Which archive split to evaluate: test or train.")
  var split: ArchiveSplit = .test

  @Flag(help: "Print one JSON object instead of a table.")
  var json = false

  struct Result: Encodable {
    var checkpoint: String
    var dataset: String
    var split: String
    var count: Int
    var params: Int
    var metrics: MetricsJSON
    var loss: Double
    var recorded: MetricsJSON?
  }

  func run() throws {
    let file = try ModelCheckpoint.read(from: checkpoint)
    let dataset = try loadDataset(for: file, path: checkpoint, options: data)
    let set = split == .test ? dataset.test : dataset.train
    let evaluation = file.model.evaluate(on: set)
    let recorded = split == .test && dataset.name == file.data.dataset ? file.results?.test : nil
    let result = Result(
      checkpoint: checkpoint, dataset: dataset.name, split: split.rawValue, count: set.count,
      params: file.config.parameterCount, metrics: MetricsJSON(evaluation.metrics),
      loss: evaluation.loss, recorded: recorded.map(MetricsJSON.init))
    if json {
      try printJSON(result)
      return
    }
    var rows = [
      [
        "computed", percent(evaluation.metrics.accuracy), percent(evaluation.metrics.aucROC),
        percent(evaluation.metrics.aucPRC),
      ]
    ]
    if let recorded {
      rows.append([
        "recorded", percent(recorded.accuracy), percent(recorded.aucROC), percent(recorded.aucPRC),
      ])
    }
    print(
      "\(checkpoint): \(file.kind) on \(dataset.name) \(split.rawValue) (\(set.count) series)\n")
    print(TextTable.render(header: ["", "acc", "AUC-ROC", "AUC-PRC"], rows: rows))
  }
}

/// The archive's two splits.
enum ArchiveSplit: String, ExpressibleByArgument, CaseIterable {
  case train, test
}
