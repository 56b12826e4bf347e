import CPython
import Foundation
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

extension Arguments {
  /// Argument `index` as the positional fields of a record: nil for None, else a tuple of
  /// exactly `count` items read like arguments (their names prefixed with `name`).
  func record(_ index: Int, _ name: String, count: Int) throws -> Arguments? {
    if isNone(index) { return nil }
    let object = item(index)
    guard cpy_is_tuple(object) != 0, PyTuple_Size(object) == count else {
      throw fail(name, "must be None or a tuple of \(count) items, not \(typeName(object))")
    }
    return Arguments(function: function, tuple: object)
  }

  /// `(accuracy, auc_roc, auc_prc, skipped_classes)` at `index`, skipped classes in
  /// `0 ..< classes`.
  func classificationMetrics(_ index: Int, _ name: String, classes: Int) throws
    -> ClassificationMetrics
  {
    guard let fields = try record(index, name, count: 4) else {
      throw fail(name, "must be a tuple (accuracy, auc_roc, auc_prc, skipped_classes)")
    }
    let skipped = try fields.items(3, "\(name) skipped_classes").enumerated().map {
      position, object -> Int in
      guard cpy_is_int(object) != 0 else {
        throw fields.fail("\(name) skipped_classes[\(position)]", "must be an int")
      }
      let value = PyLong_AsLongLong(object)
      guard value >= 0, value < classes else {
        PyErr_Clear()
        throw PythonError.value(
          "\(function)(): \(name) skipped_classes[\(position)] must be a class in 0 ..< \(classes)")
      }
      return Int(value)
    }
    return ClassificationMetrics(
      accuracy: try fields.double(0, "\(name) accuracy"),
      aucROC: try fields.double(1, "\(name) auc_roc"),
      aucPRC: try fields.double(2, "\(name) auc_prc"), skippedClasses: skipped)
  }

  /// A seed (an int >= 0) at `index`.
  func seed(_ index: Int, _ name: String) throws -> UInt64 {
    let value = try int(index, name)
    guard value >= 0 else { throw PythonError.value("\(function)(): \(name) must be >= 0") }
    return UInt64(value)
  }

  /// `(seed, test, validation, validation_loss, runs_json)` at `index` (None: no results).
  func results(_ index: Int, classes: Int) throws -> ModelCheckpoint.Results? {
    guard let fields = try record(index, "results", count: 5) else { return nil }
    let runsJSON = try fields.string(4, "results runs_json")
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let runs: [TeacherTraining.Run]
    do {
      runs = try decoder.decode([TeacherTraining.Run].self, from: Data(runsJSON.utf8))
    } catch {
      throw PythonError.value(
        "\(function)(): results runs_json is not a list of run records (\(error))")
    }
    return ModelCheckpoint.Results(
      seed: try fields.seed(0, "results seed"),
      test: try fields.classificationMetrics(1, "results test", classes: classes),
      validation: try fields.classificationMetrics(2, "results validation", classes: classes),
      validationLoss: try fields.double(3, "results validation_loss"), runs: runs)
  }

  /// `(method, beta, teacher_sha256 or None, split_seed or None, options)` at `index` (None:
  /// not a distilled student); `options` are the recorded `(key, value)` pairs, in order.
  func distillationRecord(_ index: Int) throws -> ModelCheckpoint.DistillationRecord? {
    guard let fields = try record(index, "distillation", count: 5) else { return nil }
    let method = try fields.string(0, "distillation method")
    guard DistillationMethod(rawValue: method) != nil else {
      throw PythonError.value(
        "\(function)(): distillation method must be one of \(DistillationMethod.allCases.map(\.rawValue).joined(separator: ", ")), got '\(method)'"
      )
    }
    let beta = try fields.double(1, "distillation beta")
    guard beta >= 0, beta.isFinite else {
      throw PythonError.value("\(function)(): distillation beta must be a number >= 0")
    }
    let sha256 = try fields.optionalString(2, "distillation teacher_sha256")
    if let sha256, sha256.count != 64 || !sha256.allSatisfy(\.isHexDigit) {
      throw PythonError.value(
        "\(function)(): distillation teacher_sha256 must be 64 hex digits, got '\(sha256)'")
    }
    let options = try fields.options(4, "distillation options")
    var names: Set<String> = []
    for key in options.map(\.key) {
      let name = RecordedOption.attributeName(forKey: key)
      guard !key.isEmpty, !RecordedOption.recordAttributes.contains(name),
        names.insert(name).inserted
      else {
        throw PythonError.value(
          "\(function)(): distillation options: key '\(key)' is empty, repeated or would overwrite another attribute"
        )
      }
    }
    return ModelCheckpoint.DistillationRecord(
      method: method, beta: beta, teacherSHA256: sha256,
      splitSeed: fields.isNone(3) ? nil : try fields.seed(3, "distillation split_seed"),
      options: options.map { RecordedOption(key: $0.key, value: $0.value) })
  }
}

/// `save_checkpoint(path, kind, config, params, dataset, class_labels, length, z_normalize,
/// validation_fraction, training, initialisations, results, distillation, interrupted) ->
/// sha256`: `results` (None or `(seed, test, validation, validation_loss, runs_json)`, each
/// metrics `(accuracy, auc_roc, auc_prc, skipped_classes)`) become `/metrics` and make the file
/// complete; `distillation` (None or `(method, beta, teacher_sha256, split_seed, options)`)
/// becomes `/distillation`; an interrupted model is written without results. Returns the
/// SHA-256 (hex) of the file written.
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
  let initialisations = try args.int(10, "initialisations")
  guard initialisations >= 1 else {
    throw PythonError.value("save_checkpoint(): initialisations must be >= 1")
  }
  let results = try args.results(11, classes: config.classes)
  let distillation = try args.distillationRecord(12)
  let interrupted = try args.bool(13, "interrupted")
  let checkpoint = ModelCheckpoint(
    kind: kind, parameters: parameters, data: data,
    training: .init(config: training, initialisations: initialisations),
    results: interrupted ? nil : results, distillation: distillation, interrupted: interrupted)
  let digest: String
  do {
    digest = try withoutGIL {
      let lock = try OutputLock(for: path)
      return try withExtendedLifetime(lock) {
        try checkpoint.write(to: path)
        return try SHA256.hexDigest(ofFile: path)
      }
    }
  } catch {
    throw fileError(error)
  }
  return try Build.string(digest)
}

extension Build {
  static func metrics(_ metrics: ClassificationMetrics) throws -> PythonObject {
    try tuple([
      try double(metrics.accuracy), try double(metrics.aucROC), try double(metrics.aucPRC),
      try list(metrics.skippedClasses.map { try int($0) }),
    ])
  }

  static func seed(_ seed: UInt64) throws -> PythonObject {
    try check(PyLong_FromUnsignedLongLong(seed))
  }

  /// `ModelCheckpoint.Results` as `load_checkpoint` returns it: a dict with `runs_json` encoded
  /// as the file stores it.
  static func results(_ results: ModelCheckpoint.Results) throws -> PythonObject {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let runs = String(decoding: try encoder.encode(results.runs), as: UTF8.self)
    return try dict([
      ("seed", try seed(results.seed)), ("test", try metrics(results.test)),
      ("validation", try metrics(results.validation)),
      ("validation_loss", try double(results.validationLoss)), ("runs_json", try string(runs)),
    ])
  }

  static func distillation(_ record: ModelCheckpoint.DistillationRecord) throws -> PythonObject {
    try dict([
      ("method", try string(record.method)), ("beta", try double(record.beta)),
      ("teacher_sha256", try record.teacherSHA256.map { try string($0) } ?? none()),
      ("split_seed", try record.splitSeed.map { try seed($0) } ?? none()),
      (
        "options",
        try list(
          record.options.map { try tuple([try string($0.key), try option($0.value)]) })
      ),
    ])
  }
}

/// `load_checkpoint(path) -> dict`.
func loadCheckpoint(_ args: Arguments) throws -> PythonObject {
  let path = try args.string(0, "path")
  let checkpoint: ModelCheckpoint
  let digest: String
  do {
    (checkpoint, digest) = try withoutGIL {
      (try ModelCheckpoint.read(from: path), try SHA256.hexDigest(ofFile: path))
    }
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
        try Build.string(config.cell.rawValue),
      ])
    ),
    ("params", try tensorList(checkpoint.parameters)),
    ("dataset", try Build.string(checkpoint.data.dataset)),
    ("class_labels", try Build.list(checkpoint.data.classLabels.map { try Build.string($0) })),
    ("length", try Build.int(checkpoint.data.preprocessing.length)),
    ("z_normalize", try Build.bool(checkpoint.data.preprocessing.zNormalize)),
    ("validation_fraction", try Build.double(checkpoint.data.validationFraction)),
    ("training", try Build.options(checkpoint.training.config.optionValues)),
    ("initialisations", try Build.int(checkpoint.training.initialisations)),
    ("results", try checkpoint.results.map { try Build.results($0) } ?? Build.none()),
    (
      "distillation",
      try checkpoint.distillation.map { try Build.distillation($0) } ?? Build.none()
    ),
    ("interrupted", try Build.bool(checkpoint.interrupted)),
    ("complete", try Build.bool(checkpoint.isComplete)),
    ("sha256", try Build.string(digest)),
    ("version", try Build.string(MemKDVersion.string)),
  ])
}

/// `write_traces(path, config, params, X, y, dataset, class_labels, length, z_normalize,
/// teacher_path, split, rows)`: `split` is the archive split the series come from ("train" or
/// "test", as `memkd-script trace --split`), `rows` (int64 `[N]`, distinct, >= 0) each series'
/// row in that split's archive file.
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
  let split = try args.string(10, "split")
  guard ["train", "test"].contains(split) else {
    throw PythonError.value("write_traces(): split must be 'train' or 'test', got '\(split)'")
  }
  let (rows, rowShape) = try args.int64s(11, "rows")
  guard rowShape == [set.count] else {
    throw PythonError.value(
      "write_traces(): rows must be [N] = [\(set.count)] (one archive row per series of X), got shape \(rowShape)"
    )
  }
  if let position = rows.firstIndex(where: { $0 < 0 }) {
    throw PythonError.value(
      "write_traces(): rows[\(position)] is \(rows[position]); archive rows are >= 0")
  }
  var seen: [Int: Int] = [:]
  for (position, row) in rows.enumerated() {
    if let first = seen.updateValue(position, forKey: row) {
      throw PythonError.value(
        "write_traces(): rows[\(first)] and rows[\(position)] are both \(row); each series must have its own archive row"
      )
    }
  }
  let interruption = PythonInterruption(callback: nil)
  do {
    try withoutGIL {
      let lock = try OutputLock(for: path)
      defer { withExtendedLifetime(lock) {} }
      let traces = try TeacherTraces(
        teacher: teacher, on: set, dataset: dataset, split: split, preprocessing: preprocessing,
        classLabels: labels, teacherPath: teacherPath,
        teacherSHA256: try SHA256.hexDigest(ofFile: teacherPath), sampleIndex: rows,
        beforeEachBatch: interruption.check)
      try traces.write(to: path)
    }
  } catch {
    if interruption.restore() { throw PythonError.alreadySet }
    throw fileError(error)
  }
  return Build.none()
}
