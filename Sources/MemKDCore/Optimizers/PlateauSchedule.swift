/// Learning-rate reduction on a plateau of the validation loss, as PyTorch's
/// `ReduceLROnPlateau(mode="min", threshold=1e-4, threshold_mode="rel", cooldown=0)`: after more
/// than `patience` epochs without a relative improvement, multiply the rate by `factor`.
public struct PlateauSchedule: Codable, Sendable, Equatable {
  public var patience: Int
  public var factor: Double
  public var threshold: Double = 1e-4
  public var minimumLearningRate: Double = 0
  public private(set) var best: Double = .infinity
  public private(set) var badEpochs: Int = 0

  public init(patience: Int = 20, factor: Double = 0.5) {
    self.patience = patience
    self.factor = factor
  }

  /// Restores a saved state (resuming a run).
  public init(patience: Int, factor: Double, best: Double, badEpochs: Int) {
    self.init(patience: patience, factor: factor)
    self.best = best
    self.badEpochs = badEpochs
  }

  /// Records one epoch's validation loss and returns the learning rate to use next.
  public mutating func step(validationLoss: Double, learningRate: Double) -> Double {
    if validationLoss < best * (1 - threshold) {
      best = validationLoss
      badEpochs = 0
    } else {
      badEpochs += 1
    }
    guard badEpochs > patience else { return learningRate }
    badEpochs = 0
    return Swift.max(learningRate * factor, minimumLearningRate)
  }
}
