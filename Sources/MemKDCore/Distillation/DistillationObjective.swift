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
  /// The teacher layers the loss reads (only these are gathered per batch).
  let layersRead: Set<Int>

  public init(loss: any DistillationLoss, beta: Double, data: DistillationData, studentHiddenSize: Int) {
    self.init(
      loss: loss, beta: beta, teacherLogits: data.teacherLogits, teacherHidden: data.teacherHidden,
      teacherHiddenSize: data.teacherConfig.hiddenSize, studentHiddenSize: studentHiddenSize)
  }

  /// From teacher arrays directly (the benchmark's synthetic traces).
  /// - Parameters:
  ///   - teacherLogits: `[N, C]`, row `i` for training-set row `i`.
  ///   - teacherHidden: per layer `[N, T, teacherHiddenSize]`.
  public init(
    loss: any DistillationLoss, beta: Double, teacherLogits: [Float], teacherHidden: [[Float]],
    teacherHiddenSize: Int, studentHiddenSize: Int
  ) {
    self.loss = loss
    self.beta = beta
    self.teacherLogits = teacherLogits
    self.teacherHidden = teacherHidden
    self.teacherHiddenSize = teacherHiddenSize
    self.studentHiddenSize = studentHiddenSize
    self.layersRead = Set(loss.teacherLayersRead(layerCount: teacherHidden.count))
  }

  public func extraParameters(seed: UInt64) -> [[Float]] {
    loss.initialParameters(
      studentHiddenSize: studentHiddenSize, teacherHiddenSize: teacherHiddenSize,
      seed: SeededGenerator.stream(seed: seed, "distillation-parameters").state)
  }

  public func batchGradient(
    _ model: LSTMClassifier<Float>, rows: [Int], train: SeriesSet, extra: [[Float]], epoch: Int,
    generator: inout SeededGenerator, trainer: Trainer
  ) -> BatchGradient {
    let (inputs, labels) = train.gather(rows)
    let batch = rows.count
    let classes = model.config.classes
    let passes = trainer.shardedForward(model, inputs: inputs, batch: batch)
    let studentLogits = passes.logits
    let studentHidden = passes.hiddenSequence(layer: model.config.layers - 1)
    let (ce, ceGradient) = CrossEntropy.lossAndGradient(
      logits: studentLogits, labels: labels, classes: classes)
    let input = DistillationInput(
      batch: batch, length: train.length, classes: classes, labels: labels,
      studentLogits: studentLogits, studentHidden: studentHidden,
      studentHiddenSize: model.config.hiddenSize,
      teacherLogits: Self.gather(teacherLogits, rows: rows, width: classes),
      teacherHidden: teacherHidden.indices.map { layer in
        layersRead.contains(layer)
          ? Self.gather(teacherHidden[layer], rows: rows, width: train.length * teacherHiddenSize)
          : []
      },
      teacherHiddenSize: teacherHiddenSize, epoch: epoch)
    let kd = loss.evaluate(input, parameters: extra, generator: &generator)
    let weight = Float(beta)
    var logitGradient = ceGradient
    if let extraLogits = kd.studentLogits {
      for index in logitGradient.indices { logitGradient[index] += weight * extraLogits[index] }
    }
    let hiddenGradient = kd.studentHidden.map { $0.map { weight * $0 } }
    let gradients = trainer.shardedBackward(
      model, passes, logitGradient: logitGradient, lastHiddenGradient: hiddenGradient)
    return BatchGradient(
      loss: ce + weight * kd.value, model: gradients,
      extra: kd.parameters.map { $0.map { weight * $0 } })
  }

  /// Rows `rows` of a row-major `[N, width]` array.
  static func gather(_ values: [Float], rows: [Int], width: Int) -> [Float] {
    var result: [Float] = []
    result.reserveCapacity(rows.count * width)
    for row in rows { result += values[(row * width)..<((row + 1) * width)] }
    return result
  }
}
