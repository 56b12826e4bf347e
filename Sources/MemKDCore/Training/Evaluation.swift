/// A model's loss and metrics on a labelled set.
public struct EvaluationResult: Sendable, Codable, Equatable {
  /// Mean cross-entropy over the set (nats).
  public var loss: Double
  public var metrics: ClassificationMetrics
  /// Softmax probabilities `[N, C]`.
  public var probabilities: [Double]
}

extension RecurrentClassifier {
  /// Logits `[N, C]` for every series of `set`, computed in chunks of `batchSize` (inference only;
  /// chunking bounds memory and does not change the values).
  public func logits(for set: SeriesSet, batchSize: Int = 256) -> [Scalar] {
    precondition(
      set.channels == config.inputSize,
      "series have \(set.channels) channels, model \(config.inputSize)")
    var result: [Scalar] = []
    result.reserveCapacity(set.count * config.classes)
    var start = 0
    while start < set.count {
      let end = Swift.min(start + batchSize, set.count)
      let (inputs, _) = set.gather(start..<end)
      result += forward(inputs: inputs.map { Scalar($0) }, batch: end - start).logits
      start = end
    }
    return result
  }

  /// Every layer's hidden sequence `[N, T, H]` and the logits `[N, C]` on `set`, run in chunks of
  /// `batchSize` series: what teacher traces record (the CLI and the Python package both call
  /// this, so their traces agree).
  public func traced(_ set: SeriesSet, batchSize: Int = 128) -> (
    hidden: [[Scalar]], logits: [Scalar]
  ) {
    precondition(
      set.channels == config.inputSize,
      "series have \(set.channels) channels, model \(config.inputSize)")
    var hidden = [[Scalar]](repeating: [], count: config.layers)
    var logits: [Scalar] = []
    var start = 0
    while start < set.count {
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
  public func evaluate(on set: SeriesSet, batchSize: Int = 256) -> EvaluationResult {
    let logits = logits(for: set, batchSize: batchSize)
    let losses = CrossEntropy.sampleLosses(
      logits: logits, labels: set.labels, classes: config.classes)
    let probabilities = Softmax.probabilities(logits: logits, classes: config.classes)
    let metrics = Metrics.evaluate(
      probabilities: probabilities, labels: set.labels, classCount: config.classes)
    let loss = losses.isEmpty ? .nan : losses.reduce(0, +) / Double(losses.count)
    return EvaluationResult(loss: loss, metrics: metrics, probabilities: probabilities)
  }
}
