/// The teacher protocol tied to a checkpoint file: the file is rewritten (safely) as training
/// goes, holding the resume state, and at the end holds the kept teacher and its metrics.
public struct TeacherRun: Sendable {
  public let dataset: UCRDataset
  public let protocolConfig: TeacherTraining
  /// Where the run stands (empty for a fresh run).
  public private(set) var state: TeacherTraining.State
  /// The checkpoint path.
  public var out: String

  public init(
    dataset: UCRDataset, protocolConfig: TeacherTraining, out: String,
    state: TeacherTraining.State = TeacherTraining.State()
  ) {
    self.dataset = dataset
    self.protocolConfig = protocolConfig
    self.out = out
    self.state = state
  }

  /// Continues the run saved in `checkpoint` (with the settings recorded there).
  /// - Throws: when the checkpoint is not a teacher with resume state, or already finished.
  public static func resuming(
    _ checkpoint: ModelCheckpoint, path: String, dataset: UCRDataset, threads: Int, out: String
  ) throws -> TeacherRun {
    guard checkpoint.kind == "teacher" else {
      throw FileFormatError.mismatch(
        file: path, message: "is a \(checkpoint.kind) checkpoint, not a teacher")
    }
    guard let state = checkpoint.resume, !checkpoint.isComplete else {
      throw FileFormatError.mismatch(
        file: path, message: "training already finished; nothing to resume")
    }
    let protocolConfig = TeacherTraining(
      training: checkpoint.training.config,
      initialisations: checkpoint.training.initialisations,
      hiddenSize: checkpoint.config.hiddenSize, layers: checkpoint.config.layers,
      cell: checkpoint.config.cell, validationFraction: checkpoint.data.validationFraction,
      threads: threads)
    guard protocolConfig.modelConfig(for: dataset) == checkpoint.config else {
      throw FileFormatError.mismatch(
        file: path, message: "model \(checkpoint.config) does not fit dataset \(dataset.name)")
    }
    return TeacherRun(dataset: dataset, protocolConfig: protocolConfig, out: out, state: state)
  }

  /// Epochs finished so far, over every initialisation.
  public var epochsDone: Int { Self.epochs(in: state) }

  static func epochs(in state: TeacherTraining.State) -> Int {
    state.runs.reduce(0) { $0 + $1.history.epochs.count } + (state.current?.epochs.count ?? 0)
  }

  /// Runs (or continues) the protocol, rewriting the checkpoint every `saveEvery` epochs and
  /// after each initialisation; at the end writes the final checkpoint.
  /// - Parameter continueAfter: called with the number of epochs run by this call after each
  ///   epoch; false stops (as an interruption would) after saving, and `train` returns nil.
  public mutating func train(
    progress: (TeacherTraining.Progress) -> Void = { _ in }, saveEvery: Int = 1,
    continueAfter: (Int) -> Bool = { _ in true }
  ) throws -> TeacherTraining.Outcome? {
    let before = epochsDone
    var latest = state
    let outcome = try protocolConfig.run(
      on: dataset, from: state, progress: progress,
      afterEpoch: { snapshot in
        latest = snapshot
        let epochs = Self.epochs(in: snapshot) - before
        let keepGoing = continueAfter(epochs)
        if !keepGoing || snapshot.current == nil || epochs % saveEvery == 0 {
          try checkpoint(snapshot, results: nil).write(to: out)
        }
        return keepGoing
      })
    state = latest
    guard let outcome else { return nil }
    let results = ModelCheckpoint.Results(
      seed: outcome.best.seed, test: outcome.best.test, validation: outcome.best.validation,
      validationLoss: outcome.best.validationLoss, runs: outcome.runs)
    try checkpoint(state, results: results).write(to: out)
    return outcome
  }

  /// The checkpoint for `state`: the best finished initialisation's weights (or, before any has
  /// finished, the running one's best so far), the configuration, and the resume state.
  func checkpoint(_ state: TeacherTraining.State, results: ModelCheckpoint.Results?)
    -> ModelCheckpoint
  {
    let config = protocolConfig.modelConfig(for: dataset)
    let parameters =
      state.bestParameters ?? state.current?.best
      ?? ModelParameters.initialized(for: config, seed: protocolConfig.training.seed)
    return ModelCheckpoint(
      kind: "teacher", parameters: parameters,
      data: .init(
        dataset: dataset.name, classLabels: dataset.classLabels,
        preprocessing: dataset.preprocessing,
        validationFraction: protocolConfig.validationFraction),
      training: .init(
        config: protocolConfig.training, initialisations: protocolConfig.initialisations),
      results: results, resume: state)
  }
}
