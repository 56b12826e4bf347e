/// The paper's teacher protocol: several initialisations of the same architecture on the same
/// train/validation split; the one with the best validation AUC-PRC is kept and tested.
public struct TeacherTraining: Sendable {
  /// Architecture without the class count (taken from the data): 3 x 100 by default.
  public var hiddenSize: Int = 100
  public var layers: Int = 3
  /// Optimisation; `seed` is the base seed: initialisation `i` uses `seed + i`.
  public var training: TrainingConfig
  /// How many initialisations to try.
  public var initialisations: Int = 5
  /// Fraction of the training split held out for validation (stratified, seeded by `seed`).
  public var validationFraction: Double = 0.2
  /// Threads per run (speed only; see `Trainer.threads`).
  public var threads: Int = 2

  public init(
    training: TrainingConfig, initialisations: Int = 5, hiddenSize: Int = 100, layers: Int = 3,
    validationFraction: Double = 0.2, threads: Int = 2
  ) {
    self.training = training
    self.initialisations = initialisations
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.validationFraction = validationFraction
    self.threads = threads
  }

  /// Progress of a multi-initialisation run.
  public struct Progress: Sendable {
    /// 0-based initialisation index and the total.
    public var run: Int
    public var runs: Int
    public var epoch: EpochReport
  }

  /// One initialisation's outcome.
  public struct Run: Sendable, Codable, Equatable {
    public var seed: UInt64
    public var validation: ClassificationMetrics
    public var validationLoss: Double
    public var test: ClassificationMetrics
    public var history: TrainingHistory
  }

  /// The kept teacher and every run's record.
  public struct Outcome: Sendable {
    public var model: LSTMClassifier<Float>
    public var best: Run
    public var runs: [Run]
    /// Indices of the training split used for training / validation.
    public var trainIndices: [Int]
    public var validationIndices: [Int]
  }

  /// Trains `initialisations` teachers on `dataset` and keeps the best by validation AUC-PRC
  /// (ties: the earlier run).
  public func run(
    on dataset: UCRDataset, progress: (Progress) -> Void = { _ in }
  ) throws -> Outcome {
    guard initialisations >= 1 else {
      throw TrainingError.invalidConfig("seeds must be at least 1 (got \(initialisations))")
    }
    let config = LSTMConfig(
      inputSize: dataset.train.channels, hiddenSize: hiddenSize, layers: layers,
      classes: dataset.classCount)
    if let problem = config.validationError { throw TrainingError.invalidConfig(problem) }
    let split = StratifiedSplit.split(
      labels: dataset.train.labels, validationFraction: validationFraction, seed: training.seed)
    let train = dataset.train.subset(split.train)
    let validation = dataset.train.subset(split.validation)

    var runs: [Run] = []
    var bestModel: LSTMClassifier<Float>?
    var bestIndex = 0
    for index in 0..<initialisations {
      var runConfig = training
      runConfig.seed = training.seed &+ UInt64(index)
      let trainer = try Trainer(config: runConfig, threads: threads)
      var model = LSTMClassifier<Float>(config: config, seed: runConfig.seed)
      let history = try trainer.fit(&model, train: train, validation: validation) { epoch in
        progress(Progress(run: index, runs: initialisations, epoch: epoch))
      }
      let validationResult = model.evaluate(on: validation)
      let run = Run(
        seed: runConfig.seed, validation: validationResult.metrics,
        validationLoss: validationResult.loss, test: model.evaluate(on: dataset.test).metrics,
        history: history)
      if bestModel == nil || run.validation.aucPRC > runs[bestIndex].validation.aucPRC {
        bestModel = model
        bestIndex = index
      }
      runs.append(run)
    }
    return Outcome(
      model: bestModel!, best: runs[bestIndex], runs: runs, trainIndices: split.train,
      validationIndices: split.validation)
  }
}
