/// `CE + beta * L_KD` for a student, with the teacher's quantities read from cached traces.
///
/// Per batch: the student's forward passes run in shards (concurrently), the distillation loss
/// sees the whole batch (RKD and batch-mean normalisation need it), and its gradients are
/// injected into the student's backward pass at the logits and at every step of the last
/// layer's hidden sequence.
public struct DistillationObjective: TrainingObjective {
  public let loss: any DistillationLoss
  public let beta: Double
  /// The teacher's quantities, row `i` belonging to training-set row `i`: logits `[N, C]` and
  /// every layer's hidden sequence `[N, T, Ht]`.
  let teacherLogits: [Float]
  let teacherHidden: [[Float]]
  let teacherHiddenSize: Int
  let studentHiddenSize: Int
  /// The teacher layers gathered per batch: those the loss reads, less one whose distances are
  /// precomputed in `teacherPairs`.
  let layersGathered: Set<Int>
  /// The loss's per-run teacher table (`DistillationLoss.prepare`; MemKD's pair distances), nil
  /// for other losses or when too large.
  let teacherPairs: TeacherPairDistances<Float>?
  /// The loss's per-row teacher values (`TeacherPreparation.rowValues`) `[N, width]`, nil when
  /// none.
  let teacherRowValues: (values: [Float], width: Int)?

  public init(
    loss: any DistillationLoss, beta: Double, data: DistillationData, studentHiddenSize: Int
  ) throws {
    try self.init(
      loss: loss, beta: beta, teacherLogits: data.teacherLogits, teacherHidden: data.teacherHidden,
      teacherHiddenSize: data.teacherConfig.hiddenSize, length: data.train.length,
      studentHiddenSize: studentHiddenSize)
  }

  /// From teacher arrays directly (the benchmark's synthetic traces).
  /// - Parameters:
  ///   - teacherLogits: `[N, C]`, row `i` for training-set row `i`.
  ///   - teacherHidden: per layer `[N, T, teacherHiddenSize]`.
  ///   - length: T.
  public init(
    loss: any DistillationLoss, beta: Double, teacherLogits: [Float], teacherHidden: [[Float]],
    teacherHiddenSize: Int, length: Int, studentHiddenSize: Int
  ) throws {
    try loss.checkTeacherLayers(layerCount: teacherHidden.count)
    self.loss = loss
    self.beta = beta
    self.teacherLogits = teacherLogits
    self.teacherHidden = teacherHidden
    self.teacherHiddenSize = teacherHiddenSize
    self.studentHiddenSize = studentHiddenSize
    var layers = Set(loss.teacherLayersRead(layerCount: teacherHidden.count))
    let preparation = loss.prepare(
      teacherHidden: teacherHidden, length: length, hiddenSize: teacherHiddenSize)
    if let layer = preparation?.replacedLayer { layers.remove(layer) }
    teacherPairs = preparation?.pairs
    teacherRowValues = preparation.flatMap { prepared in
      prepared.rowValues.map { ($0, prepared.valuesPerRow) }
    }
    self.layersGathered = layers
  }

  public func extraParameters(seed: UInt64) -> [[Float]] {
    loss.initialParameters(
      studentHiddenSize: studentHiddenSize, teacherHiddenSize: teacherHiddenSize,
      seed: SeededGenerator.stream(seed: seed, "distillation-parameters").state)
  }

  public func batchGradient(
    _ model: RecurrentClassifier<Float>, rows: [Int], train: SeriesSet, extra: [[Float]],
    epoch: Int,
    generator: inout SeededGenerator, sharding: BatchSharding
  ) -> BatchGradient {
    let (inputs, labels) = train.gather(rows)
    return loss.isPerSample
      ? perShardGradient(
        model, rows: rows, inputs: inputs, labels: labels, length: train.length, extra: extra,
        epoch: epoch, generator: &generator, sharding: sharding)
      : wholeBatchGradient(
        model, rows: rows, inputs: inputs, labels: labels, length: train.length, extra: extra,
        epoch: epoch, generator: &generator, sharding: sharding)
  }

  /// Losses that couple rows: every shard's forward pass first, the loss on the whole batch,
  /// then every shard's backward pass (the cores meet twice per batch).
  private func wholeBatchGradient(
    _ model: RecurrentClassifier<Float>, rows: [Int], inputs: [Float], labels: [Int], length: Int,
    extra: [[Float]], epoch: Int, generator: inout SeededGenerator, sharding: BatchSharding
  ) -> BatchGradient {
    let passes = sharding.forward(model, inputs: inputs, batch: rows.count)
    let studentLogits = passes.logits
    let (ce, ceGradient) = CrossEntropy.lossAndGradient(
      logits: studentLogits, labels: labels, classes: model.config.classes)
    let input = distillationInput(
      model, rows: rows, labels: labels, length: length, logits: studentLogits,
      hidden: passes.hiddenSequence(layer: model.config.layers - 1), epoch: epoch)
    let kd = loss.evaluate(input, parameters: extra, generator: &generator)
    let (logitGradient, hiddenGradient, extraGradient) = weighted(kd, plus: ceGradient, share: 1)
    let gradients = sharding.backward(
      model, passes, logitGradient: logitGradient, lastHiddenGradient: hiddenGradient)
    return BatchGradient(
      loss: ce + Float(beta) * kd.value, model: gradients, extra: extraGradient)
  }

  /// Per-sample losses: each shard runs forward, its rows' share of CE and of the loss (with a
  /// copy of the same generator, so every shard draws the same pairs) and backward on its own
  /// core; the cores meet once per batch.
  private func perShardGradient(
    _ model: RecurrentClassifier<Float>, rows: [Int], inputs: [Float], labels: [Int], length: Int,
    extra: [[Float]], epoch: Int, generator: inout SeededGenerator, sharding: BatchSharding
  ) -> BatchGradient {
    let batch = rows.count
    let start = generator
    let result = sharding.gradient(model, inputs: inputs, batch: batch) { slice, pass in
      let sliceLabels = Array(labels[slice])
      let (ce, ceGradient) = CrossEntropy.lossAndGradient(
        logits: pass.logits, labels: sliceLabels, classes: model.config.classes, meanOver: batch)
      let input = distillationInput(
        model, rows: Array(rows[slice]), labels: sliceLabels, length: length, logits: pass.logits,
        hidden: pass.hiddenSequence(layer: model.config.layers - 1), epoch: epoch)
      var shardGenerator = start
      let kd = loss.evaluate(input, parameters: extra, generator: &shardGenerator)
      let share = Float(slice.count) / Float(batch)
      let (logitGradient, hiddenGradient, extraGradient) = weighted(
        kd, plus: ceGradient, share: share)
      return ShardContribution(
        loss: ce + Float(beta) * share * kd.value, logitGradient: logitGradient,
        lastHiddenGradient: hiddenGradient, extra: extraGradient, note: shardGenerator)
    }
    generator = result.notes[0]
    return BatchGradient(loss: result.loss, model: result.gradients, extra: result.extra)
  }

  /// The loss's view of batch rows `rows` (training-set rows) given the student's outputs.
  /// - Parameters:
  ///   - logits: `[b, C]`.
  ///   - hidden: the student's last layer `[b, T, Hs]`.
  private func distillationInput(
    _ model: RecurrentClassifier<Float>, rows: [Int], labels: [Int], length: Int, logits: [Float],
    hidden: [Float], epoch: Int
  ) -> DistillationInput<Float> {
    let classes = model.config.classes
    return DistillationInput(
      batch: rows.count, length: length, classes: classes, labels: labels,
      studentLogits: logits, studentHidden: hidden, studentHiddenSize: model.config.hiddenSize,
      teacherLogits: Self.gather(teacherLogits, rows: rows, width: classes),
      teacherHidden: teacherHidden.indices.map { layer in
        layersGathered.contains(layer)
          ? Self.gather(teacherHidden[layer], rows: rows, width: length * teacherHiddenSize)
          : []
      },
      teacherHiddenSize: teacherHiddenSize, epoch: epoch, teacherPairs: teacherPairs,
      teacherRows: rows,
      teacherRowValues: teacherRowValues.map { Self.gather($0.values, rows: rows, width: $0.width) }
    )
  }

  /// `ceGradient + share * beta * dL/dlogits`, `share * beta * dL/dhidden` and
  /// `share * beta * dL/dextra`.
  private func weighted(_ kd: DistillationOutput<Float>, plus ceGradient: [Float], share: Float)
    -> (logits: [Float], hidden: [Float]?, extra: [[Float]])
  {
    let weight = share * Float(beta)
    func scaled(_ values: [Float]) -> [Float] {
      var values = values
      for index in values.indices { values[index] *= weight }
      return values
    }
    var logitGradient = ceGradient
    if let extraLogits = kd.studentLogits {
      for index in logitGradient.indices { logitGradient[index] += weight * extraLogits[index] }
    }
    return (logitGradient, kd.studentHidden.map(scaled), kd.parameters.map(scaled))
  }

  /// Rows `rows` of a row-major `[N, width]` array.
  static func gather(_ values: [Float], rows: [Int], width: Int) -> [Float] {
    var result: [Float] = []
    result.reserveCapacity(rows.count * width)
    for row in rows { result += values[(row * width)..<((row + 1) * width)] }
    return result
  }
}
