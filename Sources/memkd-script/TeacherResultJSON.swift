import Foundation
import MemKDCore

/// The `train-teacher --json` object (snake_case keys; metric values are fractions).
struct TeacherResultJSON: Encodable {
  struct RunJSON: Encodable {
    var seed: UInt64
    var validation: MetricsJSON
    var validationLoss: Double
    var test: MetricsJSON
    var epochs: Int
    var bestEpoch: Int
    var seconds: Double

    enum CodingKeys: String, CodingKey {
      case seed, validation, validationLoss = "validation_loss", test, epochs
      case bestEpoch = "best_epoch", seconds
    }
  }

  var dataset: String
  var classes: Int
  var params: Int
  var model: ModelConfig
  var seed: UInt64
  var test: MetricsJSON
  var validation: MetricsJSON
  var runs: [RunJSON]
  var training: TrainingConfig
  var preprocessing: Preprocessing
  var split: [String: Int]
  var checkpoint: String
  var wallTime: Double
  var version: String

  enum CodingKeys: String, CodingKey {
    case dataset, classes, params, model, seed, test, validation, runs, training, preprocessing
    case split, checkpoint, wallTime = "wall_time_s", version
  }

  init(
    dataset: UCRDataset, outcome: TeacherTraining.Outcome, protocolConfig: TeacherTraining,
    checkpoint: String, wallTime: Double
  ) {
    self.dataset = dataset.name
    classes = dataset.classCount
    params = outcome.model.config.parameterCount
    model = outcome.model.config
    seed = outcome.best.seed
    test = MetricsJSON(outcome.best.test)
    validation = MetricsJSON(outcome.best.validation)
    runs = outcome.runs.map {
      RunJSON(
        seed: $0.seed, validation: MetricsJSON($0.validation), validationLoss: $0.validationLoss,
        test: MetricsJSON($0.test), epochs: $0.history.epochs.count,
        bestEpoch: $0.history.bestEpoch, seconds: $0.history.seconds)
    }
    training = protocolConfig.training
    preprocessing = dataset.preprocessing
    split = [
      "train": outcome.trainIndices.count, "validation": outcome.validationIndices.count,
      "test": dataset.test.count,
    ]
    self.checkpoint = checkpoint
    self.wallTime = wallTime
    version = MemKDVersion.string
  }

  var table: String {
    let header = [
      "dataset", "params", "seed", "epochs", "val AUC-PRC", "test acc", "AUC-ROC", "AUC-PRC",
    ]
    let best = runs.first { $0.seed == seed }
    let row = [
      dataset, "\(params)", "\(seed)", "\(best?.epochs ?? 0)", percent(validation.aucPrc),
      percent(test.acc), percent(test.aucRoc), percent(test.aucPrc),
    ]
    var text = TextTable.render(header: header, rows: [row])
    if runs.count > 1 {
      let runRows = runs.map {
        [
          "\($0.seed)", "\($0.epochs)", "\($0.bestEpoch)", percent($0.validation.aucPrc),
          percent($0.test.aucPrc), formatDuration($0.seconds),
        ]
      }
      text += "\n\nInitialisations (the kept one has the best validation AUC-PRC):\n"
      text += TextTable.render(
        header: ["seed", "epochs", "best epoch", "val AUC-PRC", "test AUC-PRC", "time"],
        rows: runRows)
    }
    if !test.skippedClasses.isEmpty {
      text += "\n\nClasses absent from the test split (skipped): \(test.skippedClasses)"
    }
    return text
      + "\n\nMetrics in percent; total time \(formatDuration(wallTime)). Teacher saved to \(checkpoint)."
  }
}
