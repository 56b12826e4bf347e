/// How a batch is split over the cores: `shards` contiguous slices of rows, run on up to
/// `threads` threads.
///
/// Why a value of its own: objectives compute their gradients through it, so they depend on how
/// a batch is split and never on the trainer that drives the epochs. The shard count is part of
/// every recorded config (`TrainingConfig.batchShards`), because rounding depends on it;
/// the thread count changes speed only: every sum below runs in slice order.
public struct BatchSharding: Sendable, Equatable {
  /// Slices per batch (at least 1).
  public let shards: Int
  /// Threads the slices run on (at least 1; more than `shards` are never used).
  public let threads: Int

  public init(shards: Int, threads: Int) {
    precondition(shards >= 1 && threads >= 1, "BatchSharding: \(shards) shards, \(threads) threads")
    self.shards = shards
    self.threads = threads
  }

  /// Mean cross-entropy of one batch and its gradient. Each shard runs forward, its rows'
  /// cross-entropy (divided by the whole batch's size) and backward in one go, so the two
  /// cores meet once per batch; the shards' losses and gradients are summed in slice order.
  /// - Parameters:
  ///   - inputs: `[B, T, D]`.
  ///   - labels: `[B]`.
  public func crossEntropyGradient(
    _ model: RecurrentClassifier<Float>, inputs: [Float], labels: [Int]
  ) -> (loss: Float, gradients: [[Float]]) {
    let batch = labels.count
    let classes = model.config.classes
    let result = gradient(model, inputs: inputs, batch: batch) { rows, pass in
      let (loss, logitGradient) = CrossEntropy.lossAndGradient(
        logits: pass.logits, labels: Array(labels[rows]), classes: classes, meanOver: batch)
      return ShardContribution(loss: loss, logitGradient: logitGradient, note: true)
    }
    return (result.loss, result.gradients)
  }

  /// Contiguous row ranges of the `shards` shards (empty ones dropped).
  func slices(batch: Int) -> [Range<Int>] {
    (0..<shards).map { shard in
      (batch * shard / shards)..<(batch * (shard + 1) / shards)
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

  /// The forward passes of a batch split into `shards` contiguous slices, run
  /// concurrently on up to `threads` threads.
  public func forward(_ model: RecurrentClassifier<Float>, inputs: [Float], batch: Int)
    -> ShardedPass
  {
    let stride = inputs.count / batch
    let slices = slices(batch: batch)
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
  public func backward(
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
        logitGradient: Array(
          logitGradient[(rows.lowerBound * classes)..<(rows.upperBound * classes)]),
        hiddenGradients: injected
      ).parameters.tensors
    }
    return Self.sum(parts)
  }

  /// A batch's loss and gradients in one parallel phase: each of the `shards` slices
  /// runs forward, its `contribution` and backward without waiting for the others, so the two
  /// cores meet once per batch. Usable whenever the objective is a sum of per-row terms (cross-
  /// entropy, per-sample distillation losses); losses that couple rows (RKD, batch-wide
  /// normalisers) need the whole batch's forward first (`forward`).
  ///
  /// Losses, parameter gradients and extra gradients are summed in slice order, so the result
  /// depends on the shard count and never on the thread count.
  /// - Parameters:
  ///   - inputs: `[B, T, D]`.
  ///   - contribution: given a slice of batch rows and its forward pass.
  /// - Returns: the summed loss, the model's gradients (`ModelParameters` order), the summed extra
  ///   gradients and each shard's note.
  public func gradient<Note: Sendable>(
    _ model: RecurrentClassifier<Float>, inputs: [Float], batch: Int,
    contribution:
      @Sendable (_ rows: Range<Int>, _ pass: ForwardPass<Float>) ->
      ShardContribution<Note>
  ) -> (loss: Float, gradients: [[Float]], extra: [[Float]], notes: [Note]) {
    let stride = inputs.count / batch
    let last = model.config.layers - 1
    let slices = slices(batch: batch)
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
