/// Student runs as checkpoint files (kind "student"): the weights, the data and training
/// records, the run's metrics, and how it was distilled (method, beta, teacher hash).
public enum StudentCheckpoints {
  public static func checkpoint(
    _ run: StudentRun, data: DistillationData, training: TrainingConfig
  ) -> ModelCheckpoint {
    var config = training
    config.seed = run.seed
    let record = TeacherTraining.Run(
      seed: run.seed, validation: run.validation, validationLoss: run.validationLoss,
      test: run.test, history: run.history)
    return ModelCheckpoint(
      kind: "student", parameters: run.model.parameters,
      data: .init(
        dataset: data.dataset.name, classLabels: data.dataset.classLabels,
        preprocessing: data.dataset.preprocessing, validationFraction: data.validationFraction),
      training: .init(config: config, initialisations: 1),
      results: .init(
        seed: run.seed, test: run.test, validation: run.validation,
        validationLoss: run.validationLoss, runs: [record]),
      distillation: .init(
        method: run.method.rawValue, beta: run.beta, teacherSHA256: data.teacherSHA256,
        splitSeed: data.splitSeed, options: run.options))
  }

  /// `<method>-beta<beta>-seed<seed>.h5`.
  public static func fileName(_ run: StudentRun) -> String {
    "\(run.method.rawValue)-beta\(run.beta)-seed\(run.seed).h5"
  }
}
