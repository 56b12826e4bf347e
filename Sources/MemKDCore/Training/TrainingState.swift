/// Everything a training run depends on between two epochs: weights, optimiser moments, the
/// shuffle generator, the plateau and early-stopping bookkeeping, and the history.
///
/// Why one value: saving it after an epoch and resuming from it reproduces the rest of the run
/// bit for bit (the resume checkpoint stores exactly these fields).
public struct TrainingState: Sendable, Equatable {
  /// Current weights (after the last epoch's updates).
  public var parameters: ModelParameters<Float>
  public var optimizer: Adam<Float>
  /// Draws each epoch's batch order.
  public var shuffles: SeededGenerator
  /// nil when the plateau schedule is off.
  public var schedule: PlateauSchedule?
  /// Weights of the lowest validation loss so far (restored at the end).
  public var best: ModelParameters<Float>
  public var bestLoss: Double = .infinity
  /// 1-based; 0 before the first epoch.
  public var bestEpoch: Int = 0
  /// Every finished epoch, in order.
  public var epochs: [EpochReport] = []
  /// True once early stopping or the epoch budget ended the run.
  public var finished: Bool = false
  /// Training wall time so far, seconds (informational: never affects the weights).
  public var seconds: Double = 0
  /// The objective's own trainable tensors, their optimiser and its randomness.
  public var objective: ObjectiveState

  public init(
    parameters: ModelParameters<Float>, optimizer: Adam<Float>, shuffles: SeededGenerator,
    schedule: PlateauSchedule?, best: ModelParameters<Float>, bestLoss: Double = .infinity,
    bestEpoch: Int = 0, epochs: [EpochReport] = [], finished: Bool = false, seconds: Double = 0,
    objective: ObjectiveState = ObjectiveState()
  ) {
    self.parameters = parameters
    self.optimizer = optimizer
    self.shuffles = shuffles
    self.schedule = schedule
    self.best = best
    self.bestLoss = bestLoss
    self.bestEpoch = bestEpoch
    self.epochs = epochs
    self.finished = finished
    self.seconds = seconds
    self.objective = objective
  }

  /// The summary of the run so far.
  public var history: TrainingHistory {
    TrainingHistory(
      epochs: epochs, bestEpoch: bestEpoch, bestValidationLoss: bestLoss,
      stoppedEarly: finished && (epochs.last.map { $0.epoch < $0.maxEpochs } ?? false),
      seconds: seconds)
  }
}

/// What an objective carries from batch to batch besides the model: its trainable tensors (a
/// distillation loss's regressors: VID, FitNet, DT2W), their optimiser, and its per-step
/// randomness (MemKD's long pairs).
///
/// Why apart from the model: these tensors are never part of a saved model and their count
/// depends on the loss, so the model's tensor list, its optimiser state and the checkpoint stay
/// the same for every method. Their optimiser has the model's hyperparameters and takes the
/// same steps, so Adam (elementwise) moves each tensor exactly as one optimiser over both lists
/// would.
public struct ObjectiveState: Sendable, Equatable {
  /// `TrainingObjective.extraParameters`, updated every batch; empty for cross-entropy.
  public var parameters: [[Float]]
  public var optimizer: Adam<Float>
  public var generator: SeededGenerator

  public init(
    parameters: [[Float]] = [], optimizer: Adam<Float> = Adam(learningRate: 0),
    generator: SeededGenerator = SeededGenerator(seed: 0)
  ) {
    self.parameters = parameters
    self.optimizer = optimizer
    self.generator = generator
  }
}

/// The outcome of one training run.
public struct TrainingHistory: Sendable, Codable, Equatable {
  /// Every epoch that ran, in order.
  public var epochs: [EpochReport]
  /// 1-based epoch whose weights were kept (lowest validation loss).
  public var bestEpoch: Int
  public var bestValidationLoss: Double
  /// True when early stopping ended the run before `maxEpochs`.
  public var stoppedEarly: Bool
  /// Total training wall time, seconds.
  public var seconds: Double
}
