/// Everything a student run reads: the dataset, the teacher's train/validation split, and the
/// teacher's traced quantities for the training rows.
public struct DistillationData: Sendable {
  public let dataset: UCRDataset
  /// The teacher's split of the archive's training series (same fraction and seed).
  public let train: SeriesSet
  public let validation: SeriesSet
  /// Teacher logits `[N_train, C]` and per-layer hidden sequences `[N_train, T, Ht]`, row `i`
  /// belonging to `train` row `i`.
  public let teacherLogits: [Float]
  public let teacherHidden: [[Float]]
  public let teacherConfig: ModelConfig
  /// SHA-256 of the teacher checkpoint (recorded in every student checkpoint).
  public let teacherSHA256: String
  /// The base seed of the teacher's split.
  public let splitSeed: UInt64
  public let validationFraction: Double

  /// Pairs a teacher with traces of the archive's training split, checking that they belong
  /// together and to `dataset`.
  public init(
    dataset: UCRDataset, teacher: ModelCheckpoint, teacherPath: String, traces: TeacherTraces,
    tracesPath: String
  ) throws {
    func mismatch(_ message: String) -> FileFormatError {
      .mismatch(file: tracesPath, message: message)
    }
    guard traces.split == "train" else {
      throw mismatch("traces of the '\(traces.split)' split; distillation needs the train split")
    }
    guard traces.config == teacher.config else {
      throw mismatch("traces of a \(traces.config) teacher, \(teacherPath) is \(teacher.config)")
    }
    guard traces.dataset == dataset.name, traces.classLabels == dataset.classLabels,
      traces.preprocessing == dataset.preprocessing
    else {
      throw mismatch(
        "traces of \(traces.dataset) \(traces.preprocessing), not \(dataset.name) \(dataset.preprocessing)"
      )
    }
    guard traces.count == dataset.train.count, traces.inputs == dataset.train.values,
      traces.labels == dataset.train.labels
    else {
      throw mismatch("the traced series are not \(dataset.name)'s training series")
    }
    let splitSeed = teacher.training.config.seed
    let split = StratifiedSplit.split(
      labels: dataset.train.labels, validationFraction: teacher.data.validationFraction,
      seed: splitSeed)
    let classes = teacher.config.classes
    let width = traces.length * teacher.config.hiddenSize
    self.dataset = dataset
    self.train = dataset.train.subset(split.train)
    self.validation = dataset.train.subset(split.validation)
    self.teacherLogits = DistillationObjective.gather(
      traces.logits, rows: split.train, width: classes)
    self.teacherHidden = traces.hidden.map {
      DistillationObjective.gather($0, rows: split.train, width: width)
    }
    self.teacherConfig = teacher.config
    self.teacherSHA256 = traces.teacherSHA256
    self.splitSeed = splitSeed
    self.validationFraction = teacher.data.validationFraction
  }
}
