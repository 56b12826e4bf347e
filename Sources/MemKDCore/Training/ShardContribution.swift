/// What one shard of a batch contributes to the batch's objective.
public struct ShardContribution<Note: Sendable>: Sendable {
  /// The shard's share of the batch loss (a mean over the batch counts its rows over the
  /// *whole* batch's size, so the shares add up to the batch loss).
  public var loss: Float
  /// `[b, C]` for the shard's `b` rows.
  public var logitGradient: [Float]
  /// Optional `[b, T, H]` injected into the last recurrent layer.
  public var lastHiddenGradient: [Float]?
  /// Gradients of the objective's extra tensors (summed over shards; empty when none).
  public var extra: [[Float]]
  /// Anything else the caller needs back from each shard (in slice order).
  public var note: Note

  public init(
    loss: Float, logitGradient: [Float], lastHiddenGradient: [Float]? = nil, extra: [[Float]] = [],
    note: Note
  ) {
    self.loss = loss
    self.logitGradient = logitGradient
    self.lastHiddenGradient = lastHiddenGradient
    self.extra = extra
    self.note = note
  }
}
