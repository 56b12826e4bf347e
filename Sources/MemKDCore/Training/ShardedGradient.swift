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

extension Trainer {
  /// A batch's loss and gradients in one parallel phase: each of the `config.batchShards` slices
  /// runs forward, its `contribution` and backward without waiting for the others, so the two
  /// cores meet once per batch. Usable whenever the objective is a sum of per-row terms (cross-
  /// entropy, per-sample distillation losses); losses that couple rows (RKD, batch-wide
  /// normalisers) need the whole batch's forward first (`shardedForward`).
  ///
  /// Losses, parameter gradients and extra gradients are summed in slice order, so the result
  /// depends on the shard count and never on the thread count.
  /// - Parameters:
  ///   - inputs: `[B, T, D]`.
  ///   - contribution: given a slice of batch rows and its forward pass.
  /// - Returns: the summed loss, the model's gradients (`ModelParameters` order), the summed extra
  ///   gradients and each shard's note.
  public func shardedGradient<Note: Sendable>(
    _ model: RecurrentClassifier<Float>, inputs: [Float], batch: Int,
    contribution: @Sendable (_ rows: Range<Int>, _ pass: ForwardPass<Float>) ->
      ShardContribution<Note>
  ) -> (loss: Float, gradients: [[Float]], extra: [[Float]], notes: [Note]) {
    let stride = inputs.count / batch
    let last = model.config.layers - 1
    let slices = shardSlices(batch: batch)
    let parts = parallelMap(slices.count, threads: threads) { index in
      let rows = slices[index]
      let pass = model.forward(
        inputs: Array(inputs[(rows.lowerBound * stride)..<(rows.upperBound * stride)]),
        batch: rows.count)
      let shard = contribution(rows, pass)
      let gradients = model.backward(
        pass, logitGradient: shard.logitGradient,
        hiddenGradients: shard.lastHiddenGradient.map { [last: $0] } ?? [:]
      ).parameters.tensors
      return (shard, gradients)
    }
    let extras = parts.map(\.0.extra)
    return (
      parts.map(\.0.loss).reduce(0, +), Self.sum(parts.map(\.1)),
      extras[0].isEmpty ? [] : Self.sum(extras), parts.map(\.0.note)
    )
  }
}
