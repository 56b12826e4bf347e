import CPython
import MemKDCore

// Checkpoint and trace files: the same HDF5 schema the CLI writes and reads.

/// File problems as Python exceptions: I/O and HDF5 failures are OSError, a file of the wrong
/// kind or content ValueError.
func fileError(_ error: Error) -> PythonError {
  switch error {
  case let error as FileFormatError: return .value("\(error)")
  case let error as ModelError: return .value("\(error)")
  default: return .os("\(error)")
  }
}

extension Arguments {
  /// `(dataset, class_labels, length, z_normalize, validation_fraction)` at `index ...`.
  func dataRecord(_ index: Int, classes: Int) throws -> ModelCheckpoint.DataRecord {
    let dataset = try string(index, "dataset")
    let labels = try strings(index + 1, "class_labels")
    guard labels.count == classes else {
      throw PythonError.value(
        "\(function)(): class_labels must name the \(classes) classes, got \(labels.count)")
    }
    let length = try int(index + 2, "length")
    guard length >= 1 else { throw PythonError.value("\(function)(): length must be >= 1") }
    let fraction = try double(index + 4, "validation_fraction")
    guard fraction >= 0, fraction < 1 else {
      throw PythonError.value("\(function)(): validation_fraction must be in [0, 1)")
    }
    return ModelCheckpoint.DataRecord(
      dataset: dataset, classLabels: labels,
      preprocessing: Preprocessing(length: length, zNormalize: try bool(index + 3, "z_normalize")),
      validationFraction: fraction)
  }
}

/// `save_checkpoint(path, kind, config, params, dataset, class_labels, length, z_normalize,
/// validation_fraction, training)`.
func saveCheckpoint(_ args: Arguments) throws -> PythonObject {
  let path = try args.string(0, "path")
  let kind = try args.string(1, "kind")
  guard ["teacher", "student"].contains(kind) else {
    throw PythonError.value("save_checkpoint(): kind must be 'teacher' or 'student', got '\(kind)'")
  }
  let config = try args.config(2)
  let parameters = try args.parameters(3, config: config)
  let data = try args.dataRecord(4, classes: config.classes)
  let training = try args.apply(try args.options(9, "training"), to: TrainingConfig.teacher)
  let checkpoint = ModelCheckpoint(
    kind: kind, parameters: parameters, data: data,
    training: .init(config: training, initialisations: 1))
  do {
    try withoutGIL {
      let lock = try OutputLock(for: path)
      try withExtendedLifetime(lock) { try checkpoint.write(to: path) }
    }
  } catch {
    throw fileError(error)
  }
  return Build.none()
}

/// `load_checkpoint(path) -> dict`.
func loadCheckpoint(_ args: Arguments) throws -> PythonObject {
  let path = try args.string(0, "path")
  let checkpoint: ModelCheckpoint
  do {
    checkpoint = try withoutGIL { try ModelCheckpoint.read(from: path) }
  } catch {
    throw fileError(error)
  }
  let config = checkpoint.config
  return try Build.dict([
    ("kind", try Build.string(checkpoint.kind)),
    (
      "config",
      try Build.tuple([
        try Build.int(config.inputSize), try Build.int(config.hiddenSize),
        try Build.int(config.layers), try Build.int(config.classes),
      ])
    ),
    ("params", try tensorList(checkpoint.parameters)),
    ("dataset", try Build.string(checkpoint.data.dataset)),
    ("class_labels", try Build.list(checkpoint.data.classLabels.map { try Build.string($0) })),
    ("length", try Build.int(checkpoint.data.preprocessing.length)),
    ("z_normalize", try Build.bool(checkpoint.data.preprocessing.zNormalize)),
    ("validation_fraction", try Build.double(checkpoint.data.validationFraction)),
    ("training", try Build.options(checkpoint.training.config.optionValues)),
    ("version", try Build.string(MemKDVersion.string)),
  ])
}

/// `write_traces(path, config, params, X, y, dataset, class_labels, length, z_normalize,
/// teacher_path)`.
func writeTraces(_ args: Arguments) throws -> PythonObject {
  let path = try args.string(0, "path")
  let config = try args.config(1)
  let teacher = RecurrentClassifier(parameters: try args.parameters(2, config: config))
  let set = try args.series(
    3, "X", labels: 4, "y", inputSize: config.inputSize, classes: config.classes)
  let dataset = try args.string(5, "dataset")
  let labels = try args.strings(6, "class_labels")
  guard labels.count == config.classes else {
    throw PythonError.value("write_traces(): class_labels must name the \(config.classes) classes")
  }
  let length = try args.int(7, "length")
  guard length == set.length else {
    throw PythonError.value("write_traces(): length \(length) is not X's \(set.length) steps")
  }
  let preprocessing = Preprocessing(length: length, zNormalize: try args.bool(8, "z_normalize"))
  let teacherPath = try args.string(9, "teacher_path")
  let interruption = PythonInterruption(callback: nil)
  do {
    try withoutGIL {
      let lock = try OutputLock(for: path)
      defer { withExtendedLifetime(lock) {} }
      let traces = try TeacherTraces(
        teacher: teacher, on: set, dataset: dataset, split: "train", preprocessing: preprocessing,
        classLabels: labels, teacherPath: teacherPath,
        teacherSHA256: try SHA256.hexDigest(ofFile: teacherPath),
        beforeEachBatch: interruption.check)
      try traces.write(to: path)
    }
  } catch {
    if interruption.restore() { throw PythonError.alreadySet }
    throw fileError(error)
  }
  return Build.none()
}
