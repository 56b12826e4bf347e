/// One student run and its record.
public struct StudentRun: Sendable {
  public var method: DistillationMethod
  public var beta: Double
  public var seed: UInt64
  public var validation: ClassificationMetrics
  public var validationLoss: Double
  public var test: ClassificationMetrics
  public var history: TrainingHistory
  /// The student with its best-validation-loss weights (the loss's extra parts dropped).
  public var model: RecurrentClassifier<Float>
  /// The loss's options (`DistillationLoss.recordedOptions`; empty for Base).
  public var options: [RecordedOption] = []
}

/// How students are trained: the architecture (1 x 8 LSTM by default) and the optimisation
/// (PROTOCOL.md: learning rate 0.1, clipping and the plateau schedule on).
public struct StudentDistillation: Sendable {
  public var training: TrainingConfig
  public var hiddenSize: Int
  public var layers: Int
  /// The student's cell, independent of the teacher's: the losses read hidden sequences
  /// `[N, T, H]` (and logits), which every cell has.
  public var cell: RecurrentCell
  /// Threads per run (speed only).
  public var threads: Int

  public init(
    training: TrainingConfig = .student, hiddenSize: Int = 8,
    layers: Int = 1, cell: RecurrentCell = .lstm, threads: Int = 1
  ) {
    self.training = training
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.cell = cell
    self.threads = threads
  }

  public func modelConfig(for data: DistillationData) -> ModelConfig {
    ModelConfig(
      cell: cell, inputSize: data.train.channels, hiddenSize: hiddenSize, layers: layers,
      classes: data.dataset.classCount)
  }

  /// Trains one student: `CE + beta * loss` (cross-entropy alone when `loss` is nil) from the
  /// initialisation of `seed`, on the teacher's split.
  public func run(
    method: DistillationMethod, loss: (any DistillationLoss)?, beta: Double, seed: UInt64,
    data: DistillationData, progress: (EpochReport) -> Void = { _ in }
  ) throws -> StudentRun {
    var config = training
    config.seed = seed
    let objective: any TrainingObjective =
      try loss.map {
        try DistillationObjective(loss: $0, beta: beta, data: data, studentHiddenSize: hiddenSize)
      } ?? CrossEntropyObjective()
    let trainer = try Trainer(config: config, threads: threads, objective: objective)
    var model = RecurrentClassifier<Float>(config: modelConfig(for: data), seed: seed)
    let history = try trainer.fit(
      &model, train: data.train, validation: data.validation, progress: progress)
    let validation = model.evaluate(on: data.validation, threads: threads)
    return StudentRun(
      method: method, beta: beta, seed: seed, validation: validation.metrics,
      validationLoss: validation.loss,
      test: model.evaluate(on: data.dataset.test, threads: threads).metrics,
      history: history, model: model, options: loss?.recordedOptions ?? [])
  }
}

extension StudentDistillation: OptionSchema {
  public static let optionScope = "student"

  /// The paper's student: 1 x 8 with `TrainingConfig.student`.
  public static let paper = StudentDistillation()

  /// The student's architecture, then the optimisation options it shares with teachers (its
  /// seeds belong to the run, not to the recipe).
  public static let optionFields: [OptionField<StudentDistillation>] =
    [
      .integer(
        "hidden", \.hiddenSize, minimum: 1, maximum: 1 << 20, "student hidden units per layer"),
      .integer(
        "layers", \.layers, minimum: 1, maximum: 1 << 20, "student stacked recurrent layers"),
      .choice("cell", \.cell, "student " + RecurrentCell.optionSummary),
    ] + TrainingConfig.optionFields.filter { $0.key != "seed" }.map { $0.lifted(\.training) }
}
