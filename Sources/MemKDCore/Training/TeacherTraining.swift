/// The paper's teacher protocol: several initialisations of the same architecture on the same
/// train/validation split; the one with the best validation AUC-PRC is kept and tested.
public struct TeacherTraining: Sendable {
  /// Architecture without the class count (taken from the data): 3 x 100 LSTM by default.
  public var hiddenSize: Int = 100
  public var layers: Int = 3
  public var cell: RecurrentCell = .lstm
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
    cell: RecurrentCell = .lstm, validationFraction: Double = 0.2, threads: Int = 2
  ) {
    self.training = training
    self.initialisations = initialisations
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.cell = cell
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
    public var model: RecurrentClassifier<Float>
    public var best: Run
    public var runs: [Run]
    /// Indices of the training split used for training / validation.
    public var trainIndices: [Int]
    public var validationIndices: [Int]
  }

  /// Where a multi-initialisation run stands: the finished initialisations, the best so far, and
  /// the one in progress. Saved after every epoch, it lets `run` resume exactly.
  public struct State: Sendable, Equatable {
    /// Finished initialisations, in order.
    public var runs: [Run] = []
    /// Index into `runs` of the best validation AUC-PRC so far, and its weights.
    public var bestIndex: Int?
    public var bestParameters: ModelParameters<Float>?
    /// The initialisation `runs.count`, when it has started.
    public var current: TrainingState?

    public init(
      runs: [Run] = [], bestIndex: Int? = nil, bestParameters: ModelParameters<Float>? = nil,
      current: TrainingState? = nil
    ) {
      self.runs = runs
      self.bestIndex = bestIndex
      self.bestParameters = bestParameters
      self.current = current
    }

    /// Training wall time recorded so far, seconds: every finished initialisation's plus the
    /// one in progress. A resumed run starts from this, so that the time of earlier sittings
    /// (earlier processes) is not lost from the compute-time accounts.
    public var trainingSeconds: Double {
      runs.reduce(0) { $0 + $1.history.seconds } + (current?.seconds ?? 0)
    }
  }

  /// The architecture trained on `dataset`.
  public func modelConfig(for dataset: UCRDataset) -> ModelConfig {
    ModelConfig(
      cell: cell, inputSize: dataset.train.channels, hiddenSize: hiddenSize, layers: layers,
      classes: dataset.classCount)
  }

  /// The seeded stratified train/validation split of the archive's training series.
  public func split(_ dataset: UCRDataset) -> (train: [Int], validation: [Int]) {
    StratifiedSplit.split(
      labels: dataset.train.labels, validationFraction: validationFraction, seed: training.seed)
  }

  /// Trains `initialisations` teachers on `dataset` and keeps the best by validation AUC-PRC
  /// (ties: the earlier run).
  /// - Parameters:
  ///   - state: where to resume from (a fresh run by default).
  ///   - afterEpoch: called with the whole state after every epoch; returning false stops the
  ///     run there (an interruption) and `run` returns nil.
  public func run(
    on dataset: UCRDataset, from state: State = State(),
    progress: (Progress) -> Void = { _ in },
    afterEpoch: (State) throws -> Bool = { _ in true }
  ) throws -> Outcome? {
    guard initialisations >= 1 else {
      throw TrainingError.invalidConfig("seeds must be at least 1 (got \(initialisations))")
    }
    let (trainRows, validationRows) = split(dataset)
    guard !trainRows.isEmpty, !validationRows.isEmpty else {
      throw TrainingError.emptySplit(
        "\(dataset.name): its \(dataset.train.count) training series leave "
          + (trainRows.isEmpty ? "no training" : "no validation")
          + " series at validation_fraction \(validationFraction)")
    }
    let config = modelConfig(for: dataset)
    if let problem = config.validationError { throw TrainingError.invalidConfig(problem) }
    let split = split(dataset)
    let train = dataset.train.subset(split.train)
    let validation = dataset.train.subset(split.validation)

    var state = state
    while state.runs.count < initialisations {
      let index = state.runs.count
      var runConfig = training
      runConfig.seed = training.seed &+ UInt64(index)
      let trainer = try Trainer(config: runConfig, threads: threads)
      var current =
        state.current ?? trainer.start(RecurrentClassifier(config: config, seed: runConfig.seed))
      var interrupted = false
      try trainer.resume(
        &current, train: train, validation: validation,
        progress: { progress(Progress(run: index, runs: initialisations, epoch: $0)) },
        afterEpoch: { epochState in
          var snapshot = state
          snapshot.current = epochState
          if epochState.finished { return true }  // recorded below, with the run's metrics
          interrupted = try !afterEpoch(snapshot)
          return !interrupted
        })
      if interrupted { return nil }
      let model = RecurrentClassifier(parameters: current.best)
      let validationResult = model.evaluate(on: validation, threads: threads)
      let run = Run(
        seed: runConfig.seed, validation: validationResult.metrics,
        validationLoss: validationResult.loss,
        test: model.evaluate(on: dataset.test, threads: threads).metrics,
        history: current.history)
      let improves =
        state.bestIndex.map {
          run.validation.aucPRC > state.runs[$0].validation.aucPRC
        } ?? true
      if improves {
        state.bestIndex = index
        state.bestParameters = current.best
      }
      state.runs.append(run)
      state.current = nil
      if try !afterEpoch(state) && state.runs.count < initialisations { return nil }
    }
    guard let bestIndex = state.bestIndex, let best = state.bestParameters else {
      throw TrainingError.invalidConfig("no initialisation finished")
    }
    return Outcome(
      model: RecurrentClassifier(parameters: best), best: state.runs[bestIndex], runs: state.runs,
      trainIndices: split.train, validationIndices: split.validation)
  }
}

extension TeacherTraining: OptionSchema {
  public static let optionScope = "teacher"

  /// The paper's teacher protocol: 5 initialisations of a 3 x 100 LSTM with
  /// `TrainingConfig.teacher`.
  public static let paper = TeacherTraining(training: .teacher)

  /// The teacher's own options, then the optimisation options it shares with students (its
  /// `seed` is the base seed: initialisation `i` uses `seed + i`).
  public static let optionFields: [OptionField<TeacherTraining>] =
    [
      .integer("hidden", \.hiddenSize, minimum: 1, maximum: 1 << 20, "hidden units per layer"),
      .integer("layers", \.layers, minimum: 1, maximum: 1 << 20, "stacked recurrent layers"),
      .choice("cell", \.cell, RecurrentCell.optionSummary),
      .integer(
        "inits", \.initialisations, minimum: 1, maximum: 1 << 20,
        "initialisations (seeds seed, seed+1, ...); the best by validation AUC-PRC is kept"),
      .number(
        "validation_fraction", \.validationFraction, .fraction,
        "fraction of the training split held out for validation (stratified)"),
    ] + TrainingConfig.optionFields.map { $0.lifted(\.training) }
}
