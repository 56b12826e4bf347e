/// A batch's loss and its gradients.
public struct BatchGradient: Sendable {
  /// The objective's value on the batch (mean over the batch).
  public var loss: Float
  /// Gradients of the model's tensors, in `ModelParameters` order.
  public var model: [[Float]]
  /// Gradients of the objective's extra tensors (empty for plain cross-entropy).
  public var extra: [[Float]]

  public init(loss: Float, model: [[Float]], extra: [[Float]] = []) {
    self.loss = loss
    self.model = model
    self.extra = extra
  }
}

/// What the trainer minimises on each batch.
public protocol TrainingObjective: Sendable {
  /// Trainable tensors besides the model's (a distillation loss's regressors), for a run seeded
  /// with `seed`; empty when there are none.
  func extraParameters(seed: UInt64) -> [[Float]]

  /// The loss on the training-set rows `rows` and its gradients.
  /// - Parameters:
  ///   - extra: the current extra tensors.
  ///   - generator: per-step randomness (advances).
  ///   - sharding: how the batch is split over the cores.
  func batchGradient(
    _ model: RecurrentClassifier<Float>, rows: [Int], train: SeriesSet, extra: [[Float]],
    epoch: Int,
    generator: inout SeededGenerator, sharding: BatchSharding
  ) -> BatchGradient
}

/// Mean cross-entropy: teachers and Base students.
public struct CrossEntropyObjective: TrainingObjective {
  public init() {}

  public func extraParameters(seed: UInt64) -> [[Float]] { [] }

  public func batchGradient(
    _ model: RecurrentClassifier<Float>, rows: [Int], train: SeriesSet, extra: [[Float]],
    epoch: Int,
    generator: inout SeededGenerator, sharding: BatchSharding
  ) -> BatchGradient {
    let (inputs, labels) = train.gather(rows)
    let (loss, gradients) = sharding.crossEntropyGradient(model, inputs: inputs, labels: labels)
    return BatchGradient(loss: loss, model: gradients)
  }
}
