/// A model's loss and metrics on a labelled set.
public struct EvaluationResult: Sendable, Codable, Equatable {
  /// Mean cross-entropy over the set (nats).
  public var loss: Double
  public var metrics: ClassificationMetrics
  /// Softmax probabilities `[N, C]`.
  public var probabilities: [Double]
}

extension RecurrentClassifier {
  /// Threads inference uses by default: the machine's two cores. Series are independent and the
  /// chunks do not depend on the thread count, so it changes the wall time, never a value.
  public static var defaultInferenceThreads: Int { 2 }

  /// Logits `[N, C]` for every series of `set`, computed in chunks of at most `batchSize`
  /// series (inference only; chunking bounds memory), up to `threads` chunks at a time. With
  /// the small-H kernel the chunk size changes no value; with BLAS (H > 32) a logit can move by
  /// an ulp with it.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func logits(
    for set: SeriesSet, batchSize: Int = 128, threads: Int = defaultInferenceThreads
  ) -> [Scalar] {
    mapChunks(of: set, batchSize: batchSize, threads: threads) { inputs, count in
      inferenceLogits(inputs: inputs, batch: count)
    }
  }

  /// Softmax probabilities `[N, C]` (Double) for every series of `set`: `logits(for:)` with each
  /// chunk's softmax computed on the thread that made its logits (`predict_proba`: done after
  /// the join, the softmax was a serial tail of the parallel forward pass).
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func probabilities(
    for set: SeriesSet, batchSize: Int = 128, threads: Int = defaultInferenceThreads
  ) -> [Double] {
    mapChunks(of: set, batchSize: batchSize, threads: threads) { inputs, count in
      Softmax.probabilities(
        logits: inferenceLogits(inputs: inputs, batch: count), classes: config.classes)
    }
  }

  /// `body(inputs [count, T, D], count)` on every chunk of `set` (`chunks(count:batchSize:)`),
  /// one contiguous run of chunks per thread, results concatenated in row order.
  @inline(__always)
  func mapChunks<Value: Sendable>(
    of set: SeriesSet, batchSize: Int, threads: Int,
    _ body: @Sendable ([Scalar], Int) -> [Value]
  ) -> [Value] {
    precondition(
      set.channels == config.inputSize,
      "series have \(set.channels) channels, model \(config.inputSize)")
    precondition(batchSize >= 1 && threads >= 1, "logits: batch size and threads must be >= 1")
    let chunks = Self.chunks(
      count: set.count, batchSize: batchSize, balanced: config.hiddenSize <= smallHiddenLimit)
    // One contiguous run of chunks per thread, so `threads` bounds the cores used.
    let workers = min(threads, chunks.count)
    let parts = parallelMap(workers, threads: workers) { worker in
      chunks[(chunks.count * worker / workers)..<(chunks.count * (worker + 1) / workers)]
        .flatMap { rows in body(set.gather(rows).inputs.map { Scalar($0) }, rows.count) }
    }
    return parts.flatMap { $0 }
  }

  /// `count` rows cut into equal contiguous ranges of at most `batchSize` rows, and at least
  /// two when there are two rows. When `balanced`, an even number of them whenever the rows
  /// allow it (not one row per chunk already): the two cores then get equal shares (1,029
  /// series in nine chunks went four and five to the two threads, one core idle for the last
  /// fifth of `predict_proba`).
  /// Why not balanced for BLAS models (large H): a row's rounding can depend on how many rows
  /// its chunk has, and the committed results of their validation and test sets were made with
  /// the unbalanced cut. Why not more pieces for more threads: a value must never depend on the
  /// thread count.
  static func chunks(count: Int, batchSize: Int, balanced: Bool = true) -> [Range<Int>] {
    guard count > 0 else { return [] }
    var pieces = max((count + batchSize - 1) / batchSize, min(2, count))
    if balanced && pieces % 2 == 1 && pieces < count { pieces += 1 }
    return (0..<pieces).map { (count * $0 / pieces)..<(count * ($0 + 1) / pieces) }
  }

  /// Every layer's hidden sequence `[N, T, H]` and the logits `[N, C]` on `set`, run in chunks of
  /// `batchSize` series: what teacher traces record (the CLI and the Python package both call
  /// this, so their traces agree).
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func traced(_ set: SeriesSet, batchSize: Int = 128) -> (
    hidden: [[Scalar]], logits: [Scalar]
  ) {
    traced(set, batchSize: batchSize, beforeEachBatch: { () throws(Never) in })
  }

  /// `traced`, calling `beforeEachBatch` before each batch of `batchSize` series: the caller's
  /// chance to stop a long run by throwing (Ctrl-C in Python). Values are those of `traced`.
  public func traced<Failure: Error>(
    _ set: SeriesSet, batchSize: Int = 128, beforeEachBatch: () throws(Failure) -> Void
  ) throws(Failure) -> (hidden: [[Scalar]], logits: [Scalar]) {
    precondition(
      set.channels == config.inputSize,
      "series have \(set.channels) channels, model \(config.inputSize)")
    var hidden = [[Scalar]](repeating: [], count: config.layers)
    var logits: [Scalar] = []
    var start = 0
    while start < set.count {
      try beforeEachBatch()
      let end = Swift.min(start + batchSize, set.count)
      let pass = forward(
        inputs: set.gather(start..<end).inputs.map { Scalar($0) }, batch: end - start)
      for layer in 0..<config.layers { hidden[layer] += pass.hiddenSequence(layer: layer) }
      logits += pass.logits
      start = end
    }
    return (hidden, logits)
  }

  /// Cross-entropy, accuracy, AUC-ROC and AUC-PRC on `set`.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func evaluate(
    on set: SeriesSet, batchSize: Int = 128, threads: Int = defaultInferenceThreads
  ) -> EvaluationResult {
    let logits = logits(for: set, batchSize: batchSize, threads: threads)
    let losses = CrossEntropy.sampleLosses(
      logits: logits, labels: set.labels, classes: config.classes)
    let probabilities = Softmax.probabilities(logits: logits, classes: config.classes)
    let metrics = Metrics.evaluate(
      probabilities: probabilities, labels: set.labels, classCount: config.classes)
    let loss = losses.isEmpty ? .nan : losses.reduce(0, +) / Double(losses.count)
    return EvaluationResult(loss: loss, metrics: metrics, probabilities: probabilities)
  }
}
