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

  public init(
    config: TrainingConfig, threads: Int = 2,
    objective: any TrainingObjective = CrossEntropyObjective()
  ) throws {
    if let problem = config.validationError { throw TrainingError.invalidConfig(problem) }
    guard threads >= 1 else { throw TrainingError.invalidConfig("threads must be at least 1 (got \(threads))") }
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
      extraParameters: objective.extraParameters(seed: config.seed),
      objectiveGenerator: SeededGenerator.stream(seed: config.seed, "objective"))
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
    var model = RecurrentClassifier(parameters: state.parameters)
    while !state.finished {
      let epochStart = clock.now
      let epoch = state.epochs.count + 1
      let trainLoss = try runEpoch(&model, state: &state, train: train, epoch: epoch)
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

  /// One pass over the shuffled training set (the objective's loss and gradients, clipping and
  /// an Adam step per batch); returns the mean training loss. `resume` calls it once per epoch;
  /// the benchmark times it alone. Updates the weights, the loss's extra parameters, the
  /// optimiser and the generators in `state`.
  public func runEpoch(
    _ model: inout RecurrentClassifier<Float>, state: inout TrainingState, train: SeriesSet, epoch: Int
  ) throws -> Double {
    let batches = shuffledBatches(
      count: train.count, batchSize: config.batchSize, generator: &state.shuffles)
    let modelTensors = model.parameters.tensors.count
    var lossSum = 0.0
    for (index, batch) in batches.enumerated() {
      let step = objective.batchGradient(
        model, rows: batch, train: train, extra: state.extraParameters, epoch: epoch,
        generator: &state.objectiveGenerator, trainer: self)
      guard step.loss.isFinite else {
        throw TrainingError.nonFiniteLoss(epoch: epoch, batch: index + 1, loss: Double(step.loss))
      }
      var gradients = step.model + step.extra
      if let maxNorm = config.clipNorm {
        GradientClipping.clip(&gradients, maxNorm: maxNorm)
      }
      if state.extraParameters.isEmpty {
        state.optimizer.update(
          &model.parameters.tensors, gradients: gradients, weightDecay: config.weightDecay ?? 0)
      } else {
        var tensors = model.parameters.tensors + state.extraParameters
        state.optimizer.update(
          &tensors, gradients: gradients, weightDecay: config.weightDecay ?? 0)
        model.parameters.tensors = Array(tensors[..<modelTensors])
        state.extraParameters = Array(tensors[modelTensors...])
      }
      lossSum += Double(step.loss) * Double(batch.count)
    }
    return lossSum / Double(train.count)
  }
}

extension Trainer {
  /// Mean cross-entropy of one batch and its gradient. Each shard runs forward, its rows'
  /// cross-entropy (divided by the whole batch's size) and backward in one go, so the two
  /// cores meet once per batch; the shards' losses and gradients are summed in slice order.
  /// - Parameters:
  ///   - inputs: `[B, T, D]`.
  ///   - labels: `[B]`.
  public func batchGradient(
    _ model: RecurrentClassifier<Float>, inputs: [Float], labels: [Int]
  ) -> (loss: Float, gradients: [[Float]]) {
    let batch = labels.count
    let classes = model.config.classes
    let result = shardedGradient(model, inputs: inputs, batch: batch) { rows, pass in
      let (loss, logitGradient) = CrossEntropy.lossAndGradient(
        logits: pass.logits, labels: Array(labels[rows]), classes: classes, meanOver: batch)
      return ShardContribution(loss: loss, logitGradient: logitGradient, note: true)
    }
    return (result.loss, result.gradients)
  }

  /// Contiguous row ranges of the `config.batchShards` shards (empty ones dropped).
  func shardSlices(batch: Int) -> [Range<Int>] {
    (0..<config.batchShards).map { shard in
      (batch * shard / config.batchShards)..<(batch * (shard + 1) / config.batchShards)
    }.filter { !$0.isEmpty }
  }

  /// Elementwise sum of gradient lists, in order (so the result does not depend on threads).
  static func sum(_ parts: [[[Float]]]) -> [[Float]] {
    var total = parts[0]
    for part in parts.dropFirst() {
      for tensor in total.indices {
        for element in total[tensor].indices { total[tensor][element] += part[tensor][element] }
      }
    }
    return total
  }

  /// The forward passes of a batch split into `config.batchShards` contiguous slices, run
  /// concurrently on up to `threads` threads.
  public func shardedForward(_ model: RecurrentClassifier<Float>, inputs: [Float], batch: Int)
    -> ShardedPass
  {
    let stride = inputs.count / batch
    let slices = shardSlices(batch: batch)
    let passes = parallelMap(slices.count, threads: threads) { index in
      let rows = slices[index]
      return model.forward(
        inputs: Array(inputs[(rows.lowerBound * stride)..<(rows.upperBound * stride)]),
        batch: rows.count)
    }
    return ShardedPass(slices: slices, passes: passes)
  }

  /// Backward of every slice (concurrently) with its rows of the given gradients; the
  /// parameter gradients are summed in slice order, so the result does not depend on threads.
  /// - Parameters:
  ///   - logitGradient: `[B, C]`.
  ///   - lastHiddenGradient: optional `[B, T, H]` for the last recurrent layer.
  public func shardedBackward(
    _ model: RecurrentClassifier<Float>, _ sharded: ShardedPass, logitGradient: [Float],
    lastHiddenGradient: [Float]? = nil
  ) -> [[Float]] {
    let classes = model.config.classes
    let last = model.config.layers - 1
    let parts = parallelMap(sharded.slices.count, threads: threads) { index in
      let rows = sharded.slices[index]
      let pass = sharded.passes[index]
      var injected: [Int: [Float]] = [:]
      if let lastHiddenGradient {
        let stride = pass.length * model.config.hiddenSize
        injected[last] = Array(
          lastHiddenGradient[(rows.lowerBound * stride)..<(rows.upperBound * stride)])
      }
      return model.backward(
        pass,
        logitGradient: Array(logitGradient[(rows.lowerBound * classes)..<(rows.upperBound * classes)]),
        hiddenGradients: injected
      ).parameters.tensors
    }
    return Self.sum(parts)
  }
}

/// A batch's forward passes, one per contiguous slice of rows.
public struct ShardedPass: Sendable {
  public let slices: [Range<Int>]
  public let passes: [ForwardPass<Float>]

  /// All rows' logits `[B, C]`.
  public var logits: [Float] { passes.flatMap(\.logits) }

  /// All rows' hidden sequence of `layer`, `[B, T, H]`.
  public func hiddenSequence(layer: Int) -> [Float] {
    passes.flatMap { $0.hiddenSequence(layer: layer) }
  }
}

extension Duration {
  /// The duration in seconds as a Double.
  public var seconds: Double {
    let (whole, attoseconds) = components
    return Double(whole) + Double(attoseconds) * 1e-18
  }
}
