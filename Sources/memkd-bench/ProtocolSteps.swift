import Foundation
import MemKDCore
import MemKDPipeline

/// One teacher step (5 initialisations) and one student step per method on a real dataset,
/// end to end as `memkd-script run` executes them (`StepWork`: read the data, the teacher and
/// its traces from their files, train to early stopping, test metrics, write the checkpoint).
///
/// Why a pipeline in a temporary run folder rather than a training loop: the protocol's steps
/// are what users wait for, and their cost includes the files between the steps.
struct ProtocolSteps: Codable {
  var dataset: String
  var threads: Int
  /// The teacher's shape as it trained: series in its training part of the split, T after
  /// preprocessing, classes (what PyTorch's reference epoch is run at).
  var trainSeries = 0
  var length = 0
  var classes = 0
  /// The teacher step: wall seconds, epochs per initialisation and the matrix-product FLOP of
  /// its training and validation passes (the convention of `Workload.flopPerEpoch`).
  var teacherSeconds: Double
  var teacherEpochs: [Int]
  var teacherFLOP: Double
  /// Measured in the same run on the same threads (`MatrixProductRate`), before and after the
  /// steps; the higher of the two.
  var sgemmGFLOPS: Double
  var traceSeconds: Double
  var students: [StudentStep]

  struct StudentStep: Codable {
    var method: String
    var beta: Double
    var epochs: Int
    /// End to end, and the part `timings.csv` records (training and validation epochs).
    var seconds: Double
    var trainingSeconds: Double
  }

  var teacherGFLOPS: Double { teacherFLOP / teacherSeconds / 1e9 }

  /// The bounds: every student step within 3x Base's; the teacher at 80 % of sgemm.
  static let studentStepBound = 3.0
  static let teacherFractionOfSGEMM = 0.8

  /// The pipeline file of the measurement: the dataset, the paper's teacher, and one student
  /// per method at its anchor beta (the middle of its grid), seed 0.
  static func pipelineYAML(
    dataset: String, dataRoot: String?, inits: Int, methods: [DistillationMethod]
  ) -> String {
    var lines = ["name: bench-steps", "data:"]
    if let dataRoot { lines.append("  root: \(dataRoot)") }
    lines += ["  datasets: [\(dataset)]", "teacher:", "  inits: \(inits)", "students:"]
    for method in methods {
      lines.append("  - method: \(method.rawValue)")
      if method != .base { lines.append("    beta: \(method.anchorWeight)") }
    }
    lines.append("seeds: 1")
    return lines.joined(separator: "\n") + "\n"
  }

  static func measure(
    dataset: String, dataRoot: String?, inits: Int, methods: [DistillationMethod], threads: Int,
    progress: (String) -> Void
  ) throws -> ProtocolSteps {
    let spec = try PipelineSpec.parse(
      yaml: pipelineYAML(dataset: dataset, dataRoot: dataRoot, inits: inits, methods: methods),
      file: "bench-steps.yaml")
    let plan = try PipelinePlan(spec: spec)
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("memkd-bench-steps-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let folder = RunFolder(path: path)
    try folder.writeManifest(plan)
    let work = StepWork(folder: folder, dataRoot: spec.dataRoot, threads: threads)
    // Measured before and after the steps, the higher kept: a rate taken while the VM's second
    // core is busy elsewhere halves, and the teacher's fraction of it would then look met.
    let sgemmBefore = MatrixProductRate.sgemmGFLOPS(threads: threads)
    let clock = ContinuousClock()
    var result = ProtocolSteps(
      dataset: dataset, threads: threads, teacherSeconds: 0, teacherEpochs: [], teacherFLOP: 0,
      sgemmGFLOPS: sgemmBefore, traceSeconds: 0, students: [])
    for step in plan.steps {
      progress("\(step.kind) \(step.label)")
      let start = clock.now
      try work.run(step) { _ in }
      let seconds = (clock.now - start).seconds
      try folder.commit(step.id)
      switch step.kind {
      case .teacher:
        let checkpoint = try ModelCheckpoint.read(
          from: (folder.finalPath(step.id) as NSString).appendingPathComponent("teacher.h5"))
        result.teacherSeconds = seconds
        result.teacherEpochs = checkpoint.results?.runs.map { $0.history.epochs.count } ?? []
        let data = try UCRDataset.load(
          name: dataset, dataRoot: spec.dataRoot, preprocessing: step.teacher.preprocessing)
        let split = TeacherTraining(
          training: step.teacher.training, validationFraction: step.teacher.validationFraction
        ).split(data)
        (result.trainSeries, result.length) = (split.train.count, data.train.length)
        result.classes = data.classCount
        result.teacherFLOP = teacherFLOP(
          checkpoint.model.config, epochs: result.teacherEpochs, length: data.train.length,
          trainSeries: split.train.count, validationSeries: split.validation.count)
      case .trace:
        result.traceSeconds = seconds
      case .student:
        let record = try folder.readResult(StudentRecord.self, of: step.id)
        result.students.append(
          StudentStep(
            method: record.method, beta: record.beta, epochs: record.epochs, seconds: seconds,
            trainingSeconds: record.seconds))
      }
    }
    result.sgemmGFLOPS = max(sgemmBefore, MatrixProductRate.sgemmGFLOPS(threads: threads))
    return result
  }

  /// Training (forward and backward) plus validation (forward) FLOP of every epoch run, on the
  /// teacher protocol's own train/validation split.
  static func teacherFLOP(
    _ config: ModelConfig, epochs: [Int], length: Int, trainSeries: Int, validationSeries: Int
  ) -> Double {
    let workload = Workload(name: "teacher", config: config, learningRate: 0)
    let trainFLOP = workload.flopPerEpoch(samples: trainSeries, length: length)
    let validationFLOP = workload.flopPerEpoch(samples: validationSeries, length: length) / 3
    return Double(epochs.reduce(0, +)) * (trainFLOP + validationFLOP)
  }
}

extension ProtocolSteps {
  /// The teacher line and the per-method table; `pytorchEpoch` is PyTorch's best teacher epoch
  /// (training set of this shape, 1 thread), which prices the same epochs on its side.
  func table(pytorchEpoch: Double?) -> String {
    let fraction = teacherGFLOPS / sgemmGFLOPS
    var lines = [
      "Protocol steps on \(dataset), end to end as `memkd-script run` runs them (files, training to early stopping, test metrics), \(threads) thread(s)",
      "",
      String(
        format:
          "teacher step (3x100, %d initialisations, epochs %@): %.1f s, %.1f GFLOP/s = %.1f %% of the %.1f GFLOP/s sgemm measured in this run (target >= %.0f %%: %@)",
        teacherEpochs.count, teacherEpochs.map(String.init).joined(separator: "+"), teacherSeconds,
        teacherGFLOPS, 100 * fraction, sgemmGFLOPS, 100 * Self.teacherFractionOfSGEMM,
        fraction >= Self.teacherFractionOfSGEMM ? "yes" : "NO"),
    ]
    if let pytorchEpoch {
      let epochs = teacherEpochs.reduce(0, +)
      lines.append(
        String(
          format:
            "PyTorch (1 thread), the same %d training epochs of %d x %d series at its best epoch time %.3f s: %.1f s (training only), MemKD's whole step %.3fx of that",
          epochs, trainSeries, length, pytorchEpoch, Double(epochs) * pytorchEpoch,
          teacherSeconds / (Double(epochs) * pytorchEpoch)))
    }
    lines.append(String(format: "trace step: %.2f s", traceSeconds))
    lines.append("")
    let base = students.first { $0.method == DistillationMethod.base.rawValue }?.seconds
    let rows = students.map { step -> [String] in
      let ratio = base.map { step.seconds / $0 }
      let isBase = step.method == DistillationMethod.base.rawValue
      return [
        step.method, isBase ? "-" : String(format: "%g", step.beta), "\(step.epochs)",
        String(format: "%.2f", step.seconds), String(format: "%.2f", step.trainingSeconds),
        String(format: "%.1f", 1000 * step.trainingSeconds / Double(max(step.epochs, 1))),
        ratio.map { String(format: "%.2fx", $0) } ?? "-",
        isBase ? "-" : String(format: "<= %.0fx", Self.studentStepBound),
        isBase ? "-" : (ratio.map { $0 <= Self.studentStepBound ? "yes" : "NO" } ?? "-"),
      ]
    }
    lines.append(
      TextTable.render(
        header: [
          "student step", "beta", "epochs", "seconds", "training s", "ms/epoch", "vs Base",
          "target", "met",
        ], rows: rows))
    return lines.joined(separator: "\n")
  }
}
