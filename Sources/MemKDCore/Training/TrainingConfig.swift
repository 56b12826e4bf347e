/// Everything that decides how a model is optimised; recorded with every result so a run can be
/// repeated exactly (a run is a pure function of data, config and seed).
public struct TrainingConfig: Codable, Sendable, Equatable, Hashable {
  /// Upper bound on epochs (PROTOCOL.md: 500).
  public var maxEpochs: Int = 500
  public var batchSize: Int = 32
  /// Adam's initial learning rate.
  public var learningRate: Double
  /// Stop after this many epochs without a lower validation loss; the best weights are restored.
  public var earlyStoppingPatience: Int = 50
  /// Global gradient-norm bound; nil turns clipping off.
  public var clipNorm: Double? = 1.0
  /// Halve the learning rate after this many epochs without improvement; nil turns it off.
  public var plateauPatience: Int? = 20
  public var plateauFactor: Double = 0.5
  /// Seeds the initialisation and the per-epoch shuffles.
  public var seed: UInt64 = 0
  /// Each batch is split into this many contiguous slices whose gradients are computed
  /// independently (concurrently when threads allow) and summed in slice order. Part of the
  /// config because it fixes the floating-point summation order: results depend on it, never on
  /// the thread count.
  public var batchShards: Int = 2

  public init(
    learningRate: Double, maxEpochs: Int = 500, batchSize: Int = 32,
    earlyStoppingPatience: Int = 50, clipNorm: Double? = 1.0, plateauPatience: Int? = 20,
    plateauFactor: Double = 0.5, seed: UInt64 = 0, batchShards: Int = 2
  ) {
    self.learningRate = learningRate
    self.maxEpochs = maxEpochs
    self.batchSize = batchSize
    self.earlyStoppingPatience = earlyStoppingPatience
    self.clipNorm = clipNorm
    self.plateauPatience = plateauPatience
    self.plateauFactor = plateauFactor
    self.seed = seed
    self.batchShards = batchShards
  }

  /// A description of the first impossible value, naming the option, or nil.
  public var validationError: String? {
    if maxEpochs < 1 { return "epochs must be at least 1 (got \(maxEpochs))" }
    if batchSize < 1 { return "batch size must be at least 1 (got \(batchSize))" }
    if batchShards < 1 { return "batch shards must be at least 1 (got \(batchShards))" }
    if !(learningRate > 0) || !learningRate.isFinite {
      return "learning rate must be a positive number (got \(learningRate))"
    }
    if earlyStoppingPatience < 1 {
      return "patience must be at least 1 (got \(earlyStoppingPatience))"
    }
    if let clip = clipNorm, !(clip > 0) || !clip.isFinite {
      return "clip norm must be a positive number (got \(clip))"
    }
    if let plateau = plateauPatience, plateau < 0 {
      return "plateau patience must be at least 0 (got \(plateau))"
    }
    if !(plateauFactor > 0 && plateauFactor < 1) {
      return "plateau factor must be in (0, 1) (got \(plateauFactor))"
    }
    return nil
  }
}

/// One epoch as reported to a progress callback.
public struct EpochReport: Sendable, Codable, Equatable {
  public var epoch: Int
  public var maxEpochs: Int
  public var trainLoss: Double
  public var validationLoss: Double
  public var validationAUCPRC: Double
  public var learningRate: Double
  /// Epochs since the best validation loss (early stopping fires at the patience).
  public var epochsSinceBest: Int
  /// Wall time of this epoch including validation, seconds.
  public var seconds: Double
}

/// Why a run stopped early with an error.
public enum TrainingError: Error, CustomStringConvertible, Equatable {
  case nonFiniteLoss(epoch: Int, batch: Int, loss: Double)
  case invalidConfig(String)
  case emptySplit(String)

  public var description: String {
    switch self {
    case .nonFiniteLoss(let epoch, let batch, let loss):
      return "training diverged: loss is \(loss) at epoch \(epoch), batch \(batch) "
        + "(try a lower learning rate or keep gradient clipping on)"
    case .invalidConfig(let message):
      return "invalid training config: \(message)"
    case .emptySplit(let message):
      return message
    }
  }
}
