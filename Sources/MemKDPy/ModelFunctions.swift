import CPython
import MemKDCore

// Models: layout, initialisation, training, inference.

/// `parameter_layout(D, H, L, C, cell) -> [(name, shape)]`.
func parameterLayout(_ args: Arguments) throws -> PythonObject {
  let config = try args.unpackedConfig()
  let shapes = ModelParameters<Float>.shapes(for: config)
  return try Build.list(
    zip(ModelParameters<Float>.names(for: config), shapes).map { name, shape in
      try Build.tuple([try Build.string(name), try Build.tuple(shape.map { try Build.int($0) })])
    })
}

/// `init_parameters(config, seed) -> [bytes]`.
func initParameters(_ args: Arguments) throws -> PythonObject {
  let config = try args.config(0)
  let seed = try args.int(1, "seed")
  guard seed >= 0 else { throw PythonError.value("init_parameters(): seed must be >= 0") }
  return try tensorList(ModelParameters<Float>.initialized(for: config, seed: UInt64(seed)))
}

func tensorList(_ parameters: ModelParameters<Float>) throws -> PythonObject {
  try Build.list(parameters.tensors.map { try Build.bytes($0) })
}

/// `[(epoch, train_loss, val_loss, val_auc_prc, lr)]`.
func historyList(_ history: TrainingHistory) throws -> PythonObject {
  try Build.list(
    history.epochs.map { epoch in
      try Build.tuple([
        try Build.int(epoch.epoch), try Build.double(epoch.trainLoss),
        try Build.double(epoch.validationLoss), try Build.double(epoch.validationAUCPRC),
        try Build.double(epoch.learningRate),
      ])
    })
}

/// Trains `model` with `trainer` (GIL released) until the schedule ends or `interruption`
/// stops it (Ctrl-C, or the callback raised). Returns the best weights so far, the history and
/// whether it was stopped; a stopped run leaves its exception in `interruption` for the result
/// (`takeException`), so Python keeps the best weights before it re-raises.
func train(
  _ model: RecurrentClassifier<Float>, trainer: Trainer, train: SeriesSet, validation: SeriesSet,
  interruption: PythonInterruption
) throws -> (RecurrentClassifier<Float>, TrainingHistory) {
  let outcome = withoutGIL { () -> Result<TrainingState, Error> in
    Result {
      var state = trainer.start(model)
      try trainer.resume(
        &state, train: train, validation: validation, progress: interruption.report,
        afterEpoch: { _ in !interruption.stopped }, shouldStop: interruption.shouldStop)
      return state
    }
  }
  switch outcome {
  case .success(let state):
    return (RecurrentClassifier(parameters: state.best), state.history)
  case .failure(let error as TrainingError):
    _ = interruption.restore()
    throw PythonError.value("\(error)")
  case .failure(let error):
    _ = interruption.restore()
    throw PythonError.runtime("\(error)")
  }
}

/// `fit(config, params, X, y, X_val, y_val, recipe, options, threads, callback) -> (params,
/// history, best_epoch, training, interruption)`: `recipe` ("teacher" or "student") picks the
/// defaults the options (`TrainingConfig`'s fields as `(key, value)` pairs) change; `training`
/// is the effective options as a dict; `interruption` is None, or the exception (Ctrl-C's
/// KeyboardInterrupt, the callback's) that stopped training, for the caller to re-raise after
/// keeping the best weights so far.
func fit(_ args: Arguments) throws -> PythonObject {
  let config = try args.config(0)
  let start = RecurrentClassifier(parameters: try args.parameters(1, config: config))
  let trainSet = try args.series(
    2, "X", labels: 3, "y", inputSize: config.inputSize, classes: config.classes)
  let validation = try args.series(
    4, "X_val", labels: 5, "y_val", inputSize: config.inputSize, classes: config.classes)
  guard validation.length == trainSet.length else {
    throw PythonError.value(
      "fit(): X_val has \(validation.length) steps, X has \(trainSet.length)")
  }
  let recipe = try args.string(6, "recipe")
  guard let defaults = ["teacher": TrainingConfig.teacher, "student": .student][recipe] else {
    throw PythonError.value("fit(): recipe must be 'teacher' or 'student', got '\(recipe)'")
  }
  let training = try args.apply(try args.options(7), to: defaults)
  let trainer = try Trainer(config: training, threads: try args.threads(8))
  let interruption = PythonInterruption(callback: try args.callable(9, "callback"))
  let (model, history) = try train(
    start, trainer: trainer, train: trainSet, validation: validation, interruption: interruption)
  return try Build.tuple([
    try tensorList(model.parameters), try historyList(history), try Build.int(history.bestEpoch),
    try Build.options(training.optionValues), interruption.takeException(),
  ])
}

/// `predict_proba(config, params, X) -> bytes f8 [N, C]`: float64, exactly what `evaluate`
/// ranks, so metrics computed from it in Python equal the CLI's.
func predictProbabilities(_ args: Arguments) throws -> PythonObject {
  let config = try args.config(0)
  let model = RecurrentClassifier(parameters: try args.parameters(1, config: config))
  let set = try args.series(
    2, "X", labels: nil, inputSize: config.inputSize, classes: config.classes)
  let probabilities = withoutGIL {
    model.probabilities(for: set)
  }
  return try Build.bytes(probabilities)
}

/// `hidden_states(config, params, X) -> [bytes f4 [N, T, H]]`.
func hiddenStates(_ args: Arguments) throws -> PythonObject {
  let config = try args.config(0)
  let model = RecurrentClassifier(parameters: try args.parameters(1, config: config))
  let set = try args.series(
    2, "X", labels: nil, inputSize: config.inputSize, classes: config.classes)
  if let problem = TeacherTraces.sizeProblem(count: set.count, length: set.length, config: config) {
    throw PythonError.value("hidden_states(): \(problem)")
  }
  let interruption = PythonInterruption(callback: nil)
  let traced = withoutGIL { try? model.traced(set, beforeEachBatch: interruption.check) }
  guard let hidden = traced?.hidden else {
    _ = interruption.restore()
    throw PythonError.alreadySet
  }
  return try Build.list(hidden.map { try Build.bytes($0) })
}

/// `evaluate(config, params, X, y) -> (loss, accuracy, auc_roc, auc_prc, skipped_classes)`:
/// `RecurrentClassifier.evaluate`, the computation behind the CLI's recorded validation and
/// test results (mean cross-entropy and the metrics of the float64 probabilities).
func evaluate(_ args: Arguments) throws -> PythonObject {
  let config = try args.config(0)
  let model = RecurrentClassifier(parameters: try args.parameters(1, config: config))
  let set = try args.series(
    2, "X", labels: 3, "y", inputSize: config.inputSize, classes: config.classes)
  let result = withoutGIL { model.evaluate(on: set) }
  return try Build.tuple([
    try Build.double(result.loss), try Build.double(result.metrics.accuracy),
    try Build.double(result.metrics.aucROC), try Build.double(result.metrics.aucPRC),
    try Build.list(result.metrics.skippedClasses.map { try Build.int($0) }),
  ])
}
