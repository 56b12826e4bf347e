/// Trains an `LSTMClassifier<Float>` with cross-entropy: seeded shuffles, Adam, optional
/// gradient-norm clipping, plateau halving of the learning rate, and early stopping on the
/// validation loss with the best weights restored.
public struct Trainer: Sendable {
  public let config: TrainingConfig
  /// Threads for a batch's shards (at most `config.batchShards` are used). Changes speed only.
  public let threads: Int

  public init(config: TrainingConfig, threads: Int = 2) throws {
    if let problem = config.validationError { throw TrainingError.invalidConfig(problem) }
    guard threads >= 1 else { throw TrainingError.invalidConfig("threads must be at least 1 (got \(threads))") }
    self.config = config
    self.threads = threads
  }

  /// Runs the whole schedule on `model` (which ends holding the best-validation-loss weights).
  /// - Parameter progress: called after every epoch.
  public func fit(
    _ model: inout LSTMClassifier<Float>, train: SeriesSet, validation: SeriesSet,
    progress: (EpochReport) -> Void = { _ in }
  ) throws -> TrainingHistory {
    var state = start(model)
    try resume(&state, train: train, validation: validation, progress: progress)
    model.parameters = state.best
    return state.history
  }

  /// The state before the first epoch of a run starting from `model`'s weights.
  public func start(_ model: LSTMClassifier<Float>) -> TrainingState {
    TrainingState(
      parameters: model.parameters, optimizer: Adam(learningRate: config.learningRate),
      shuffles: SeededGenerator.stream(seed: config.seed, "shuffle"),
      schedule: config.plateauPatience.map {
        PlateauSchedule(patience: $0, factor: config.plateauFactor)
      },
      best: model.parameters)
  }

  /// Runs epochs from `state` until early stopping or `maxEpochs`, updating `state` in place.
  ///
  /// `state` after any epoch holds everything the rest of the run depends on, so a run saved
  /// after epoch k and resumed here ends bit-identical to one that never stopped.
  /// - Parameters:
  ///   - progress: called after every epoch.
  ///   - afterEpoch: called with the state after every epoch (e.g. to save a resume checkpoint);
  ///     returning false stops the run there, unfinished (an interruption).
  public func resume(
    _ state: inout TrainingState, train: SeriesSet, validation: SeriesSet,
    progress: (EpochReport) -> Void = { _ in },
    afterEpoch: (TrainingState) throws -> Bool = { _ in true }
  ) throws {
    guard train.count > 0 else { throw TrainingError.emptySplit("the training split is empty") }
    guard validation.count > 0 else {
      throw TrainingError.emptySplit("the validation split is empty (too few training series)")
    }
    let clock = ContinuousClock()
    var model = LSTMClassifier(parameters: state.parameters)
    while !state.finished {
      let epochStart = clock.now
      let epoch = state.epochs.count + 1
      let trainLoss = try runEpoch(
        &model, optimizer: &state.optimizer, train: train, shuffles: &state.shuffles, epoch: epoch)
      let evaluation = model.evaluate(on: validation)
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

  /// One pass over the shuffled training set (forward, cross-entropy, backward, clipping, Adam
  /// step per batch); returns the mean training loss. `fit` calls it once per epoch; the
  /// benchmark times it alone.
  public func runEpoch(
    _ model: inout LSTMClassifier<Float>, optimizer: inout Adam<Float>, train: SeriesSet,
    shuffles: inout SeededGenerator, epoch: Int
  ) throws -> Double {
    let batches = shuffledBatches(
      count: train.count, batchSize: config.batchSize, generator: &shuffles)
    var lossSum = 0.0
    for (index, batch) in batches.enumerated() {
      let (inputs, labels) = train.gather(batch)
      var (loss, gradients) = batchGradient(model, inputs: inputs, labels: labels)
      guard loss.isFinite else {
        throw TrainingError.nonFiniteLoss(epoch: epoch, batch: index + 1, loss: Double(loss))
      }
      if let maxNorm = config.clipNorm {
        GradientClipping.clip(&gradients, maxNorm: maxNorm)
      }
      optimizer.update(&model.parameters.tensors, gradients: gradients)
      lossSum += Double(loss) * Double(batch.count)
    }
    return lossSum / Double(train.count)
  }
}

extension Trainer {
  /// Mean cross-entropy of one batch and its gradient, computed in `config.batchShards`
  /// contiguous slices (concurrently on up to `threads` threads) and summed in slice order.
  /// - Parameters:
  ///   - inputs: `[B, T, D]`.
  ///   - labels: `[B]`.
  public func batchGradient(
    _ model: LSTMClassifier<Float>, inputs: [Float], labels: [Int]
  ) -> (loss: Float, gradients: [[Float]]) {
    let batch = labels.count
    let stride = inputs.count / batch
    let classes = model.config.classes
    let slices = (0..<config.batchShards).map { shard in
      (batch * shard / config.batchShards)..<(batch * (shard + 1) / config.batchShards)
    }.filter { !$0.isEmpty }
    let parts = parallelMap(slices.count, threads: threads) { index in
      let rows = slices[index]
      let pass = model.forward(
        inputs: Array(inputs[(rows.lowerBound * stride)..<(rows.upperBound * stride)]),
        batch: rows.count)
      let (loss, logitGradient) = CrossEntropy.lossAndGradient(
        logits: pass.logits, labels: Array(labels[rows]), classes: classes, meanOver: batch)
      return (loss, model.backward(pass, logitGradient: logitGradient).parameters.tensors)
    }
    var (loss, gradients) = parts[0]
    for (partLoss, partGradients) in parts.dropFirst() {
      loss += partLoss
      for tensor in gradients.indices {
        for element in gradients[tensor].indices {
          gradients[tensor][element] += partGradients[tensor][element]
        }
      }
    }
    return (loss, gradients)
  }
}

extension Duration {
  /// The duration in seconds as a Double.
  public var seconds: Double {
    let (whole, attoseconds) = components
    return Double(whole) + Double(attoseconds) * 1e-18
  }
}
