/// Trains an `RecurrentClassifier<Float>` with cross-entropy: seeded shuffles, Adam, optional
/// gradient-norm clipping, plateau halving of the learning rate, and early stopping on the
/// validation loss with the best weights restored.
public struct Trainer: Sendable {
  public let config: TrainingConfig
  /// Threads for a batch's shards (at most `config.batchShards` are used). Changes speed only.
  public let threads: Int
  /// What each batch minimises: cross-entropy (teachers, Base students) or cross-entropy plus
  /// a distillation term.
  public let objective: any TrainingObjective

  /// How each batch is split over the cores (`config.batchShards` slices on `threads` threads):
  /// the value objectives compute their gradients with.
  public var sharding: BatchSharding {
    BatchSharding(shards: config.batchShards, threads: threads)
  }

  public init(
    config: TrainingConfig, threads: Int = 2,
    objective: any TrainingObjective = CrossEntropyObjective()
  ) throws {
    if let problem = config.validationError { throw TrainingError.invalidConfig(problem) }
    guard threads >= 1 else {
      throw TrainingError.invalidConfig("threads must be at least 1 (got \(threads))")
    }
    self.config = config
    self.threads = threads
    self.objective = objective
  }

  /// Runs the whole schedule on `model` (which ends holding the best-validation-loss weights).
  /// - Parameter progress: called after every epoch.
  public func fit(
    _ model: inout RecurrentClassifier<Float>, train: SeriesSet, validation: SeriesSet,
    progress: (EpochReport) -> Void = { _ in }
  ) throws -> TrainingHistory {
    var state = start(model)
    try resume(&state, train: train, validation: validation, progress: progress)
    model.parameters = state.best
    return state.history
  }

  /// The state before the first epoch of a run starting from `model`'s weights.
  public func start(_ model: RecurrentClassifier<Float>) -> TrainingState {
    TrainingState(
      parameters: model.parameters, optimizer: Adam(learningRate: config.learningRate),
      shuffles: SeededGenerator.stream(seed: config.seed, "shuffle"),
      schedule: config.plateauPatience.map {
        PlateauSchedule(patience: $0, factor: config.plateauFactor)
      },
      best: model.parameters,
      objective: ObjectiveState(
        parameters: objective.extraParameters(seed: config.seed),
        optimizer: Adam(learningRate: config.learningRate),
        generator: SeededGenerator.stream(seed: config.seed, "objective")))
  }

  /// Runs epochs from `state` until early stopping or `maxEpochs`, updating `state` in place.
  ///
  /// `state` after any epoch holds everything the rest of the run depends on, so a run saved
  /// after epoch k and resumed here ends bit-identical to one that never stopped.
  /// - Parameters:
  ///   - progress: called after every epoch.
  ///   - afterEpoch: called with the state after every epoch (e.g. to save a resume checkpoint);
  ///     returning false stops the run there, unfinished (an interruption).
  ///   - shouldStop: asked before every batch; true abandons the epoch under way and returns
  ///     with `state` as it was after the last finished epoch, unfinished (Ctrl-C from Python:
  ///     an epoch of a large teacher takes seconds, a batch milliseconds).
  public func resume(
    _ state: inout TrainingState, train: SeriesSet, validation: SeriesSet,
    progress: (EpochReport) -> Void = { _ in },
    afterEpoch: (TrainingState) throws -> Bool = { _ in true },
    shouldStop: () -> Bool = { false }
  ) throws {
    guard train.count > 0 else { throw TrainingError.emptySplit("the training split is empty") }
    guard validation.count > 0 else {
      throw TrainingError.emptySplit("the validation split is empty (too few training series)")
    }
    let clock = ContinuousClock()
    var model = RecurrentClassifier(parameters: state.parameters)
    while !state.finished {
      let epochStart = clock.now
      let epoch = state.epochs.count + 1
      // The state after the last finished epoch (copied on write: the optimiser's moments).
      let finishedEpochs = state
      let trainLoss: Double
      do {
        trainLoss = try runEpoch(
          &model, state: &state, train: train, epoch: epoch, shouldStop: shouldStop)
      } catch is EpochAbandoned {
        state = finishedEpochs
        return
      }
      // The last step can overflow the weights with a finite loss (lr 1e10, clip off); caught
      // here, no NaN reaches the metrics, the best weights or a checkpoint.
      guard model.parameters.isFinite else { throw TrainingError.nonFiniteParameters(epoch: epoch) }
      let evaluation = model.evaluate(on: validation, threads: threads)
      guard evaluation.loss.isFinite else {
        throw TrainingError.nonFiniteValidationLoss(epoch: epoch, loss: evaluation.loss)
      }
      if evaluation.loss < state.bestLoss {
        state.bestLoss = evaluation.loss
        state.bestEpoch = epoch
        state.best = model.parameters
      }
      let usedRate = state.optimizer.learningRate
      if var plateau = state.schedule {
        state.optimizer.learningRate = plateau.step(
          validationLoss: evaluation.loss, learningRate: state.optimizer.learningRate)
        state.schedule = plateau
      }
      let seconds = (clock.now - epochStart).seconds
      let report = EpochReport(
        epoch: epoch, maxEpochs: config.maxEpochs, trainLoss: trainLoss,
        validationLoss: evaluation.loss, validationAUCPRC: evaluation.metrics.aucPRC,
        learningRate: usedRate, epochsSinceBest: epoch - state.bestEpoch, seconds: seconds)
      state.parameters = model.parameters
      state.epochs.append(report)
      state.seconds += seconds
      state.finished =
        epoch >= config.maxEpochs || epoch - state.bestEpoch >= config.earlyStoppingPatience
      progress(report)
      guard try afterEpoch(state) else { return }
    }
  }

  /// One pass over the shuffled training set (the objective's loss and gradients, clipping and
  /// an Adam step per batch); returns the mean training loss. `resume` calls it once per epoch;
  /// the benchmark times it alone. Updates the weights, the loss's extra parameters, the
  /// optimiser and the generators in `state`.
  public func runEpoch(
    _ model: inout RecurrentClassifier<Float>, state: inout TrainingState, train: SeriesSet,
    epoch: Int
  ) throws -> Double {
    try runEpoch(&model, state: &state, train: train, epoch: epoch, shouldStop: { false })
  }

  /// `runEpoch`, asking `shouldStop` before every batch; throws `EpochAbandoned` when it says
  /// true (the weights and `state` are then mid-epoch: `resume` restores its copy).
  func runEpoch(
    _ model: inout RecurrentClassifier<Float>, state: inout TrainingState, train: SeriesSet,
    epoch: Int, shouldStop: () -> Bool
  ) throws -> Double {
    let batches = shuffledBatches(
      count: train.count, batchSize: config.batchSize, generator: &state.shuffles)
    var lossSum = 0.0
    for (index, batch) in batches.enumerated() {
      if shouldStop() { throw EpochAbandoned() }
      let step = objective.batchGradient(
        model, rows: batch, train: train, extra: state.objective.parameters, epoch: epoch,
        generator: &state.objective.generator, sharding: sharding)
      guard step.loss.isFinite else {
        throw TrainingError.nonFiniteLoss(epoch: epoch, batch: index + 1, loss: Double(step.loss))
      }
      var gradients = step.model
      var extraGradients = step.extra
      if let maxNorm = config.clipNorm {
        // One norm over the model's and the objective's gradients together.
        GradientClipping.clip(&gradients, &extraGradients, maxNorm: maxNorm)
      }
      let decay = config.weightDecay ?? 0
      state.optimizer.update(&model.parameters.tensors, gradients: gradients, weightDecay: decay)
      if !state.objective.parameters.isEmpty {
        // The objective's optimiser follows the model's learning rate (the plateau schedule).
        state.objective.optimizer.learningRate = state.optimizer.learningRate
        state.objective.optimizer.update(
          &state.objective.parameters, gradients: extraGradients, weightDecay: decay)
      }
      lossSum += Double(step.loss) * Double(batch.count)
    }
    return lossSum / Double(train.count)
  }
}

/// Thrown by `runEpoch` when its `shouldStop` asks for it; `resume` catches it.
struct EpochAbandoned: Error {}

extension Duration {
  /// The duration in seconds as a Double.
  public var seconds: Double {
    let (whole, attoseconds) = components
    return Double(whole) + Double(attoseconds) * 1e-18
  }
}
