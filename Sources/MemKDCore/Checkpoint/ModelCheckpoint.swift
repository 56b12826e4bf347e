/// A trained (or training) model as a file: weights under PyTorch names, the model and data
/// configuration, the label mapping, the training configuration, metrics, and optionally the
/// state needed to resume training. Schema: docs/checkpoint-format.md (format
/// "memkd-checkpoint", `FileFormat.checkpointVersion`).
public struct ModelCheckpoint: Sendable, Equatable {
  /// "teacher" or "student".
  public var kind: String
  /// The model's weights (for a finished teacher: the kept initialisation's best weights).
  public var parameters: ModelParameters<Float>
  /// Where the weights came from and how the data was prepared.
  public var data: DataRecord
  public var training: TrainingRecord
  /// Test and validation results; nil while training is unfinished.
  public var results: Results?
  /// Everything needed to continue an interrupted run; nil for a plain model file.
  public var resume: TeacherTraining.State?
  /// How a student was distilled; nil for teachers.
  public var distillation: DistillationRecord?
  /// True when training was stopped before it finished (Ctrl-C or a callback in Python): the
  /// weights are the best so far. Written as the root attribute `interrupted` = 1 (absent
  /// otherwise); such a file has no results (`complete` = 0).
  public var interrupted: Bool

  public struct DistillationRecord: Sendable, Equatable {
    public var method: String
    public var beta: Double
    /// SHA-256 of the teacher checkpoint the traces came from; nil when unknown (a student
    /// distilled in Python from a teacher that was never saved or loaded), written as "".
    public var teacherSHA256: String?
    /// The base seed of the train/validation split (the teacher's); nil when unknown (Python
    /// without `split_seed=`), written as -1 (`unknownSplitSeed`).
    public var splitSeed: UInt64?

    /// `split_seed` of an unknown split: -1, the bits of 2^64 - 1, a seed no option accepts
    /// (seeds are at most `Int.max`).
    public static let unknownSplitSeed = -1
    /// Every option of the method's loss (`DistillationLoss.recordedOptions`), in order.
    public var options: [RecordedOption]

    public init(
      method: String, beta: Double, teacherSHA256: String?, splitSeed: UInt64?,
      options: [RecordedOption] = []
    ) {
      self.method = method
      self.beta = beta
      self.teacherSHA256 = teacherSHA256
      self.splitSeed = splitSeed
      self.options = options
    }
  }

  public struct DataRecord: Sendable, Equatable {
    public var dataset: String
    /// Original label of class k (the model's output k).
    public var classLabels: [String]
    public var preprocessing: Preprocessing
    public var validationFraction: Double

    public init(
      dataset: String, classLabels: [String], preprocessing: Preprocessing,
      validationFraction: Double
    ) {
      self.dataset = dataset
      self.classLabels = classLabels
      self.preprocessing = preprocessing
      self.validationFraction = validationFraction
    }
  }

  public struct TrainingRecord: Sendable, Equatable {
    /// The optimisation settings; `config.seed` is the base seed (split and first
    /// initialisation).
    public var config: TrainingConfig
    public var initialisations: Int

    public init(config: TrainingConfig, initialisations: Int) {
      self.config = config
      self.initialisations = initialisations
    }
  }

  public struct Results: Sendable, Equatable {
    /// Seed of the kept initialisation.
    public var seed: UInt64
    public var test: ClassificationMetrics
    public var validation: ClassificationMetrics
    public var validationLoss: Double
    /// Every initialisation's record.
    public var runs: [TeacherTraining.Run]

    public init(
      seed: UInt64, test: ClassificationMetrics, validation: ClassificationMetrics,
      validationLoss: Double, runs: [TeacherTraining.Run]
    ) {
      self.seed = seed
      self.test = test
      self.validation = validation
      self.validationLoss = validationLoss
      self.runs = runs
    }
  }

  public init(
    kind: String, parameters: ModelParameters<Float>, data: DataRecord, training: TrainingRecord,
    results: Results? = nil, resume: TeacherTraining.State? = nil,
    distillation: DistillationRecord? = nil, interrupted: Bool = false
  ) {
    self.kind = kind
    self.parameters = parameters
    self.data = data
    self.training = training
    self.results = results
    self.resume = resume
    self.distillation = distillation
    self.interrupted = interrupted
  }

  public var config: ModelConfig { parameters.config }
  /// True when training finished (a model to use), false for an interrupted run.
  public var isComplete: Bool { results != nil }
  public var model: RecurrentClassifier<Float> { RecurrentClassifier(parameters: parameters) }
}

extension ModelCheckpoint {
  /// Writes the checkpoint safely: to a temporary file in the same directory, then renamed over
  /// `path`; an existing file is replaced only by a complete new one.
  public func write(to path: String) throws {
    try HDF5File.write(to: path) { root in
      try FileFormat.stamp(
        root, format: FileFormat.checkpoint, version: FileFormat.checkpointVersion)
      try root.setAttribute("kind", kind)
      try root.setAttribute("complete", isComplete ? 1 : 0)
      if interrupted { try root.setAttribute("interrupted", 1) }
      let model = try root.createGroup("model")
      try model.setAttribute("cell", config.cell.rawValue)
      try model.setAttribute("input_size", config.inputSize)
      try model.setAttribute("hidden_size", config.hiddenSize)
      try model.setAttribute("num_layers", config.layers)
      try model.setAttribute("num_classes", config.classes)
      try model.setAttribute("gate_order", config.cell.gateOrder)
      try ParameterStorage.write(
        parameters.tensors, config: config, to: try root.createGroup("state_dict"))
      try writeData(to: try root.createGroup("data"))
      try writeTraining(to: try root.createGroup("training"))
      if let results { try writeResults(results, to: try root.createGroup("metrics")) }
      if let resume { try TrainingStateStorage.write(resume, config: config, to: root) }
      if let distillation {
        let group = try root.createGroup("distillation")
        try group.setAttribute("method", distillation.method)
        try group.setAttribute("beta", distillation.beta)
        // Unknown parts as "" and -1 rather than left out: every version 2 reader requires
        // both attributes.
        try group.setAttribute("teacher_sha256", distillation.teacherSHA256 ?? "")
        try group.setAttribute(
          "split_seed", distillation.splitSeed?.storedBits ?? DistillationRecord.unknownSplitSeed)
        try group.setRecordedOptions(distillation.options)
      }
    }
  }

  private func writeData(to group: HDF5Group) throws {
    try group.setAttribute("dataset", data.dataset)
    try group.setAttribute("class_labels", data.classLabels)
    try group.setAttribute("length", data.preprocessing.length)
    try group.setAttribute("z_normalize", data.preprocessing.zNormalize ? 1 : 0)
    try group.setAttribute("validation_fraction", data.validationFraction)
  }

  private func writeTraining(to group: HDF5Group) throws {
    try group.setOptionAttributes(training.config)
    try group.setAttribute("initialisations", training.initialisations)
    try group.setAttribute("optimizer", "adam(beta1=0.9, beta2=0.999, eps=1e-8)")
  }

  private func writeResults(_ results: Results, to group: HDF5Group) throws {
    try group.setAttribute("seed", results.seed.storedBits)
    for (prefix, metrics) in [("test", results.test), ("validation", results.validation)] {
      try group.setAttribute("\(prefix)_accuracy", metrics.accuracy)
      try group.setAttribute("\(prefix)_auc_roc", metrics.aucROC)
      try group.setAttribute("\(prefix)_auc_prc", metrics.aucPRC)
      try group.setAttribute("\(prefix)_skipped_classes", metrics.skippedClasses)
    }
    try group.setAttribute("validation_loss", results.validationLoss)
    try JSONAttribute.write(results.runs, "runs_json", on: group)
  }
}
