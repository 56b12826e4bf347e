extension ModelCheckpoint {
  /// Reads and validates a checkpoint: format name and version, every dataset's dtype and shape,
  /// and the attributes the schema requires. Errors name the file and the object.
  public static func read(from path: String) throws -> ModelCheckpoint {
    let (file, root, version) = try FileFormat.open(
      path, expecting: FileFormat.checkpoint, version: FileFormat.checkpointVersion)
    defer { try? file.close() }
    let model = try root.openGroup("model")
    let config = ModelConfig(
      cell: try FileFormat.cell(in: model, at: "/model", version: version),
      inputSize: try model.intAttribute("input_size"),
      hiddenSize: try model.intAttribute("hidden_size"),
      layers: try model.intAttribute("num_layers"),
      classes: try model.intAttribute("num_classes"))
    if let problem = config.validationError {
      throw FileFormatError.invalid(file: path, message: "/model: \(problem)")
    }
    let tensors = try ParameterStorage.read(config: config, from: try root.openGroup("state_dict"))
    let parameters = try ModelParameters(config: config, tensors: tensors)
    if let name = parameters.firstNonFiniteTensor {
      throw FileFormatError.invalid(
        file: path,
        message: "/state_dict/\(name) holds inf or NaN values (a diverged or damaged model)")
    }
    let data = try readData(try root.openGroup("data"), classes: config.classes)
    let training = try readTraining(try root.openGroup("training"))
    let results = root.contains("metrics") ? try readResults(try root.openGroup("metrics")) : nil
    let resume =
      root.contains("resume")
      ? try TrainingStateStorage.read(config: config, training: training.config, from: root)
      : nil
    var distillation: DistillationRecord?
    if root.contains("distillation") {
      let group = try root.openGroup("distillation")
      let sha256 = try group.stringAttribute("teacher_sha256")
      let splitSeed = try group.intAttribute("split_seed")
      distillation = DistillationRecord(
        method: try group.stringAttribute("method"), beta: try group.doubleAttribute("beta"),
        teacherSHA256: sha256.isEmpty ? nil : sha256,
        splitSeed: splitSeed == DistillationRecord.unknownSplitSeed
          ? nil : UInt64(storedBits: splitSeed),
        options: try group.recordedOptions())
    }
    return ModelCheckpoint(
      kind: try root.stringAttribute("kind"), parameters: parameters, data: data,
      training: training, results: results, resume: resume, distillation: distillation,
      interrupted: try root.hasAttribute("interrupted") && root.intAttribute("interrupted") != 0)
  }

  private static func readData(_ group: HDF5Group, classes: Int) throws -> DataRecord {
    let labels = try group.stringArrayAttribute("class_labels")
    guard labels.count == classes else {
      throw FileFormatError.invalid(
        file: group.file,
        message: "/data class_labels has \(labels.count) labels, the model \(classes) classes")
    }
    let preprocessing = Preprocessing(
      length: try group.intAttribute("length"),
      zNormalize: try group.intAttribute("z_normalize") != 0)
    do {
      try preprocessing.validate()
    } catch let error as OptionError {
      throw FileFormatError.invalid(file: group.file, message: "/data: \(error)")
    }
    return DataRecord(
      dataset: try group.stringAttribute("dataset"), classLabels: labels,
      preprocessing: preprocessing,
      validationFraction: try group.doubleAttribute("validation_fraction"))
  }

  private static func readTraining(_ group: HDF5Group) throws -> TrainingRecord {
    let config = try group.optionAttributes(over: TrainingConfig.teacher)
    return TrainingRecord(
      config: config, initialisations: try group.intAttribute("initialisations"))
  }

  private static func readResults(_ group: HDF5Group) throws -> Results {
    func metrics(_ prefix: String) throws -> ClassificationMetrics {
      ClassificationMetrics(
        accuracy: try group.doubleAttribute("\(prefix)_accuracy"),
        aucROC: try group.doubleAttribute("\(prefix)_auc_roc"),
        aucPRC: try group.doubleAttribute("\(prefix)_auc_prc"),
        skippedClasses: try group.intArrayAttribute("\(prefix)_skipped_classes"))
    }
    return Results(
      seed: UInt64(storedBits: try group.intAttribute("seed")), test: try metrics("test"),
      validation: try metrics("validation"),
      validationLoss: try group.doubleAttribute("validation_loss"),
      runs: try JSONAttribute.read([TeacherTraining.Run].self, "runs_json", from: group))
  }
}
