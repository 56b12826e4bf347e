/// What a finished pipeline step records: the inputs of reports (`PipelineReport`).

/// Three metrics as fractions (not percent).
public struct MetricsRecord: Codable, Sendable, Equatable {
  public var acc: Double
  public var aucRoc: Double
  public var aucPrc: Double

  public init(acc: Double, aucRoc: Double, aucPrc: Double) {
    self.acc = acc
    self.aucRoc = aucRoc
    self.aucPrc = aucPrc
  }

  enum CodingKeys: String, CodingKey {
    case acc, aucRoc = "auc_roc", aucPrc = "auc_prc"
  }
}

/// One trained teacher (the kept initialisation).
public struct TeacherRecord: Codable, Sendable, Equatable {
  public var dataset: String
  /// `TeacherVariant.label`.
  public var teacher: String
  public var validation: MetricsRecord
  public var test: MetricsRecord
  public var params: Int
  /// Wall-clock seconds of the whole teacher protocol (never in byte-compared outputs).
  public var seconds: Double

  public init(
    dataset: String, teacher: String, validation: MetricsRecord, test: MetricsRecord, params: Int,
    seconds: Double
  ) {
    self.dataset = dataset
    self.teacher = teacher
    self.validation = validation
    self.test = test
    self.params = params
    self.seconds = seconds
  }
}

/// One student run: a variant, a beta and a seed.
public struct StudentRecord: Codable, Sendable, Equatable {
  public var dataset: String
  /// `TeacherVariant.label` of the teacher it was distilled from.
  public var teacher: String
  /// `DistillationMethod.rawValue`.
  public var method: String
  /// `StudentVariant.label`.
  public var variant: String
  /// `StudentVariant.axes`.
  public var axes: [String: String]
  /// `StudentVariant.selection`: the `select:` grid point, nil without one.
  public var selection: [String: String]?
  public var beta: Double
  public var seed: UInt64
  public var validation: MetricsRecord
  public var validationLoss: Double
  public var test: MetricsRecord
  public var epochs: Int
  public var bestEpoch: Int
  public var params: Int
  /// Wall-clock seconds (never in byte-compared outputs).
  public var seconds: Double

  public init(
    dataset: String, teacher: String, method: String, variant: String, axes: [String: String],
    beta: Double, seed: UInt64, validation: MetricsRecord, validationLoss: Double,
    test: MetricsRecord, epochs: Int, bestEpoch: Int, params: Int, seconds: Double
  ) {
    self.dataset = dataset
    self.teacher = teacher
    self.method = method
    self.variant = variant
    self.axes = axes
    self.beta = beta
    self.seed = seed
    self.validation = validation
    self.validationLoss = validationLoss
    self.test = test
    self.epochs = epochs
    self.bestEpoch = bestEpoch
    self.params = params
    self.seconds = seconds
  }

  enum CodingKeys: String, CodingKey {
    case dataset, teacher, method, variant, axes, selection, beta, seed, validation, test, epochs
    case params, seconds
    case validationLoss = "validation_loss", bestEpoch = "best_epoch"
  }
}
