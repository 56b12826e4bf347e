/// The outcome of one training run.
public struct TrainingHistory: Sendable, Codable, Equatable {
  /// Every epoch that ran, in order.
  public var epochs: [EpochReport]
  /// 1-based epoch whose weights were kept (lowest validation loss).
  public var bestEpoch: Int
  public var bestValidationLoss: Double
  /// True when early stopping ended the run before `maxEpochs`.
  public var stoppedEarly: Bool
  /// Total wall time, seconds.
  public var seconds: Double
}

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
    guard train.count > 0 else { throw TrainingError.emptySplit("the training split is empty") }
    guard validation.count > 0 else {
      throw TrainingError.emptySplit("the validation split is empty (too few training series)")
    }
    let clock = ContinuousClock()
    let runStart = clock.now
    var optimizer = Adam<Float>(learningRate: config.learningRate)
    var schedule = config.plateauPatience.map {
      PlateauSchedule(patience: $0, factor: config.plateauFactor)
    }
    var shuffles = SeededGenerator.stream(seed: config.seed, "shuffle")
    var best = model.parameters
    var bestLoss = Double.infinity
    var bestEpoch = 0
    var history: [EpochReport] = []

    for epoch in 1...config.maxEpochs {
      let epochStart = clock.now
      let trainLoss = try runEpoch(
        &model, optimizer: &optimizer, train: train, shuffles: &shuffles, epoch: epoch)
      let evaluation = model.evaluate(on: validation)
      if evaluation.loss < bestLoss {
        bestLoss = evaluation.loss
        bestEpoch = epoch
        best = model.parameters
      }
      let usedRate = optimizer.learningRate
      if var plateau = schedule {
        optimizer.learningRate = plateau.step(
          validationLoss: evaluation.loss, learningRate: optimizer.learningRate)
        schedule = plateau
      }
      let report = EpochReport(
        epoch: epoch, maxEpochs: config.maxEpochs, trainLoss: trainLoss,
        validationLoss: evaluation.loss, validationAUCPRC: evaluation.metrics.aucPRC,
        learningRate: usedRate, epochsSinceBest: epoch - bestEpoch,
        seconds: (clock.now - epochStart).seconds)
      history.append(report)
      progress(report)
      if epoch - bestEpoch >= config.earlyStoppingPatience { break }
    }
    model.parameters = best
    return TrainingHistory(
      epochs: history, bestEpoch: bestEpoch, bestValidationLoss: bestLoss,
      stoppedEarly: history.count < config.maxEpochs, seconds: (clock.now - runStart).seconds)
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
