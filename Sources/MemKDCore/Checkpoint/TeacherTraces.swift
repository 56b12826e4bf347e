/// A frozen teacher's outputs on a dataset split, computed once: distillation reads teacher
/// quantities only from here and never runs the teacher. Schema: docs/checkpoint-format.md
/// (format "memkd-traces", `FileFormat.tracesVersion`).
public struct TeacherTraces: Sendable, Equatable {
  public var dataset: String
  /// Which archive split the samples come from: "train" or "test".
  public var split: String
  public var preprocessing: Preprocessing
  public var classLabels: [String]
  /// SHA-256 (hex) of the teacher checkpoint file the traces were computed from, and its path
  /// at the time.
  public var teacherSHA256: String
  public var teacherPath: String
  /// The teacher's architecture.
  public var config: ModelConfig
  /// Number of samples N and series length T.
  public var count: Int
  public var length: Int
  /// Preprocessed inputs `[N, T, D]`.
  public var inputs: [Float]
  /// Every layer's hidden sequence, each `[N, T, H]`.
  public var hidden: [[Float]]
  /// Logits `[N, C]`.
  public var logits: [Float]
  /// Class indices `[N]`.
  public var labels: [Int]
  /// Row of each sample in the archive split file (0-based) `[N]`.
  public var sampleIndex: [Int]

  /// Values one hidden-sequence dataset `[N, T, H]` may hold (4 GiB of float32): the budget
  /// checked before traces are computed and by every dataset read (`HDF5Group.readBudget`).
  public static let layerValueBudget = HDF5Group.readBudget

  /// Why traces of `config` on `count` series of `length` steps exceed the budget, or nil.
  public static func sizeProblem(count: Int, length: Int, config: ModelConfig) -> String? {
    let (steps, overflowSteps) = count.multipliedReportingOverflow(by: length)
    let (values, overflow) = steps.multipliedReportingOverflow(by: config.hiddenSize)
    guard overflowSteps || overflow || values > layerValueBudget else { return nil }
    return "traces of \(count) series x \(length) steps x \(config.hiddenSize) units per layer "
      + "are more than the \(layerValueBudget) values (4 GiB of float32) a layer's traces may hold"
  }

  /// Runs `teacher` over `set` (see `RecurrentClassifier.traced`) and records everything.
  /// - Throws: `FileFormatError.invalid` naming `teacherPath` when the traces would exceed the
  ///   budget (checked before anything is allocated).
  public static func compute(
    teacher: RecurrentClassifier<Float>, on set: SeriesSet, dataset: UCRDataset, split: String,
    teacherPath: String, teacherSHA256: String, batchSize: Int = 128
  ) throws -> TeacherTraces {
    try TeacherTraces(
      teacher: teacher, on: set, dataset: dataset.name, split: split,
      preprocessing: dataset.preprocessing, classLabels: dataset.classLabels,
      teacherPath: teacherPath, teacherSHA256: teacherSHA256, batchSize: batchSize)
  }

  /// Writes the traces safely (temporary file, then rename). Datasets are stored uncompressed:
  /// hidden states are incompressible floats and gzip would cost seconds per write.
  public func write(to path: String) throws {
    try HDF5File.write(to: path) { root in
      try FileFormat.stamp(root, format: FileFormat.traces, version: FileFormat.tracesVersion)
      try root.setAttribute("dataset", dataset)
      try root.setAttribute("split", split)
      try root.setAttribute("length", preprocessing.length)
      try root.setAttribute("z_normalize", preprocessing.zNormalize ? 1 : 0)
      try root.setAttribute("class_labels", classLabels)
      try root.setAttribute("teacher_sha256", teacherSHA256)
      try root.setAttribute("teacher_path", teacherPath)
      try root.setAttribute("cell", config.cell.rawValue)
      try root.setAttribute("input_size", config.inputSize)
      try root.setAttribute("hidden_size", config.hiddenSize)
      try root.setAttribute("num_layers", config.layers)
      try root.setAttribute("num_classes", config.classes)
      let (N, T, H) = (count, length, config.hiddenSize)
      try root.writeDataset("inputs", inputs, shape: [N, T, config.inputSize], compress: false)
      let group = try root.createGroup("hidden")
      for (layer, sequence) in hidden.enumerated() {
        try group.writeDataset("layer\(layer)", sequence, shape: [N, T, H], compress: false)
      }
      try root.writeDataset("logits", logits, shape: [N, config.classes], compress: false)
      try root.writeDataset("labels", labels.map { Int64($0) }, shape: [N], compress: false)
      try root.writeDataset(
        "sample_index", sampleIndex.map { Int64($0) }, shape: [N], compress: false)
    }
  }

  /// Reads and validates a traces file (format, version, every dataset's dtype and shape).
  public static func read(from path: String) throws -> TeacherTraces {
    let (file, root, version) = try FileFormat.open(
      path, expecting: FileFormat.traces, version: FileFormat.tracesVersion)
    defer { try? file.close() }
    let config = ModelConfig(
      cell: try FileFormat.cell(in: root, at: "root attributes", version: version),
      inputSize: try root.intAttribute("input_size"),
      hiddenSize: try root.intAttribute("hidden_size"),
      layers: try root.intAttribute("num_layers"), classes: try root.intAttribute("num_classes"))
    if let problem = config.validationError {
      throw FileFormatError.invalid(file: path, message: "root attributes: \(problem)")
    }
    let (inputs, inputShape) = try root.readDataset("inputs", as: Float.self)
    guard inputShape.count == 3, inputShape[2] == config.inputSize else {
      throw FileFormatError.invalid(
        file: path,
        message: "dataset /inputs: expected shape [N, T, \(config.inputSize)], found \(inputShape)")
    }
    let (N, T) = (inputShape[0], inputShape[1])
    let hiddenGroup = try root.openGroup("hidden")
    let hidden = try (0..<config.layers).map { layer in
      try hiddenGroup.readDataset(
        "layer\(layer)", as: Float.self, expectedShape: [N, T, config.hiddenSize]
      ).values
    }
    let labels = try root.readDataset("labels", as: Int64.self, expectedShape: [N]).values
    guard labels.allSatisfy({ $0 >= 0 && $0 < config.classes }) else {
      throw FileFormatError.invalid(
        file: path, message: "dataset /labels: a label is outside 0..<\(config.classes)")
    }
    let classLabels = try root.stringArrayAttribute("class_labels")
    guard classLabels.count == config.classes else {
      throw FileFormatError.invalid(
        file: path,
        message: "class_labels has \(classLabels.count) labels for \(config.classes) classes")
    }
    return TeacherTraces(
      dataset: try root.stringAttribute("dataset"), split: try root.stringAttribute("split"),
      preprocessing: Preprocessing(
        length: try root.intAttribute("length"),
        zNormalize: try root.intAttribute("z_normalize") != 0),
      classLabels: classLabels, teacherSHA256: try root.stringAttribute("teacher_sha256"),
      teacherPath: try root.stringAttribute("teacher_path"), config: config, count: N, length: T,
      inputs: inputs, hidden: hidden,
      logits: try root.readDataset("logits", as: Float.self, expectedShape: [N, config.classes])
        .values,
      labels: labels.map { Int($0) },
      sampleIndex: try root.readDataset("sample_index", as: Int64.self, expectedShape: [N]).values
        .map { Int($0) })
  }
}

extension TeacherTraces {
  /// Traces of `teacher` on `set` with the dataset described by name, preprocessing and class
  /// labels (for callers without a `UCRDataset`, such as the Python package).
  /// `sampleIndex` is each series' row in the archive split file (nil: `0 ..< set.count`, the
  /// whole split in order); `beforeEachBatch` may throw to stop the run (Ctrl-C in Python).
  public init(
    teacher: RecurrentClassifier<Float>, on set: SeriesSet, dataset: String, split: String,
    preprocessing: Preprocessing, classLabels: [String], teacherPath: String,
    teacherSHA256: String, sampleIndex: [Int]? = nil, batchSize: Int = 128,
    beforeEachBatch: () throws -> Void = {}
  ) throws {
    precondition(
      sampleIndex.map { $0.count == set.count } ?? true, "sampleIndex must have a row per series")
    if let problem = Self.sizeProblem(count: set.count, length: set.length, config: teacher.config)
    {
      throw FileFormatError.invalid(file: teacherPath, message: problem)
    }
    let (hidden, logits) = try teacher.traced(
      set, batchSize: batchSize, beforeEachBatch: beforeEachBatch)
    self.init(
      dataset: dataset, split: split, preprocessing: preprocessing, classLabels: classLabels,
      teacherSHA256: teacherSHA256, teacherPath: teacherPath, config: teacher.config,
      count: set.count, length: set.length, inputs: set.values, hidden: hidden, logits: logits,
      labels: set.labels, sampleIndex: sampleIndex ?? Array(0..<set.count))
  }
}
