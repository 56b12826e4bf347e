import Foundation
import MemKDCore

/// Runs one pipeline step in this process (a worker started by `memkd-script run`), writing
/// into the step's `.partial` folder; the caller commits it.
///
/// Files: a teacher step writes `teacher.h5` (rewritten after every epoch, so an interrupted
/// teacher resumes from its last epoch), a trace step `traces.h5`, a student step `student.h5`;
/// each writes `result.json` last.
public struct StepWork: Sendable {
  public let folder: RunFolder
  public let dataRoot: String?
  /// Threads per training run (speed only: results never depend on it).
  public let threads: Int

  public init(folder: RunFolder, dataRoot: String?, threads: Int) {
    self.folder = folder
    self.dataRoot = dataRoot
    self.threads = threads
  }

  /// What a worker reports while it trains (one per epoch).
  public struct Progress: Codable, Sendable {
    public var epoch: Int
    public var maxEpochs: Int
    /// 1-based initialisation and their count (teachers; 1 of 1 for students).
    public var run: Int
    public var runs: Int
    public var validationAUCPRC: Double
  }

  public func run(_ step: PipelineStep, progress: @escaping (Progress) -> Void) throws {
    try FileManager.default.createDirectory(
      atPath: folder.partialPath(step.id), withIntermediateDirectories: true)
    switch step.kind {
    case .teacher: try runTeacher(step, progress: progress)
    case .trace: try runTrace(step)
    case .student: try runStudent(step, progress: progress)
    }
  }

  func file(_ name: String, inPartialOf id: String) -> String {
    (folder.partialPath(id) as NSString).appendingPathComponent(name)
  }

  func file(_ name: String, of id: String) -> String {
    (folder.finalPath(id) as NSString).appendingPathComponent(name)
  }

  func dataset(_ step: PipelineStep) throws -> UCRDataset {
    try UCRDataset.load(
      name: step.dataset, dataRoot: dataRoot, preprocessing: step.teacher.preprocessing)
  }

  private func runTeacher(_ step: PipelineStep, progress: @escaping (Progress) -> Void) throws {
    let variant = step.teacher
    let dataset = try dataset(step)
    let path = file("teacher.h5", inPartialOf: step.id)
    var protocolConfig = variant.recipe
    protocolConfig.threads = threads
    var run = TeacherRun(dataset: dataset, protocolConfig: protocolConfig, out: path)
    if FileManager.default.fileExists(atPath: path) {
      HDF5File.removeStaleTemporaries(for: path)
      if let checkpoint = try? ModelCheckpoint.read(from: path), checkpoint.resume != nil,
        !checkpoint.isComplete,
        let resumed = try? TeacherRun.resuming(
          checkpoint, path: path, dataset: dataset, threads: threads, out: path)
      {
        run = resumed
      }
    }
    // A resumed teacher's time includes its earlier sittings (the checkpoint records them).
    let earlierSeconds = run.state.trainingSeconds
    let clock = ContinuousClock()
    let start = clock.now
    guard
      let outcome = try run.train(progress: { update in
        progress(
          Progress(
            epoch: update.epoch.epoch, maxEpochs: update.epoch.maxEpochs, run: update.run + 1,
            runs: update.runs, validationAUCPRC: update.epoch.validationAUCPRC))
      })
    else { throw PipelineRunError("teacher training of \(step.label) stopped unfinished") }
    let record = TeacherRecord(
      dataset: step.dataset, teacher: variant.label,
      validation: MetricsRecord(outcome.best.validation), test: MetricsRecord(outcome.best.test),
      params: outcome.model.config.parameterCount,
      seconds: earlierSeconds + (clock.now - start).seconds)
    try folder.writeResult(record, partialOf: step.id)
  }

  private func runTrace(_ step: PipelineStep) throws {
    guard let teacherID = step.dependencies.first else {
      throw PipelineRunError("trace step \(step.id) has no teacher step")
    }
    let teacherPath = file("teacher.h5", of: teacherID)
    let teacher = try ModelCheckpoint.read(from: teacherPath)
    let dataset = try dataset(step)
    let traces = try TeacherTraces.compute(
      teacher: teacher.model, on: dataset.train, dataset: dataset, split: "train",
      teacherPath: teacherPath, teacherSHA256: try SHA256.hexDigest(ofFile: teacherPath))
    try traces.write(to: file("traces.h5", inPartialOf: step.id))
    try folder.writeResult(
      TraceRecord(count: traces.count, length: traces.length, teacherSHA256: traces.teacherSHA256),
      partialOf: step.id)
  }

  private func runStudent(_ step: PipelineStep, progress: @escaping (Progress) -> Void) throws {
    guard let student = step.student, let beta = step.beta, let seed = step.seed,
      step.dependencies.count == 2
    else {
      throw PipelineRunError("student step \(step.id) lacks its variant, beta, seed or inputs")
    }
    let (traceID, teacherID) = (step.dependencies[0], step.dependencies[1])
    let teacherPath = file("teacher.h5", of: teacherID)
    let tracesPath = file("traces.h5", of: traceID)
    let data = try DistillationData(
      dataset: try dataset(step), teacher: try ModelCheckpoint.read(from: teacherPath),
      teacherPath: teacherPath, traces: try TeacherTraces.read(from: tracesPath),
      tracesPath: tracesPath)
    var distillation = student.recipe
    distillation.threads = threads
    let run = try distillation.run(
      method: student.method, loss: student.loss, beta: beta, seed: seed, data: data,
      progress: { epoch in
        progress(
          Progress(
            epoch: epoch.epoch, maxEpochs: epoch.maxEpochs, run: 1, runs: 1,
            validationAUCPRC: epoch.validationAUCPRC))
      })
    try StudentCheckpoints.checkpoint(run, data: data, training: student.training)
      .write(to: file("student.h5", inPartialOf: step.id))
    let record = StudentRecord(
      dataset: step.dataset, teacher: step.teacher.label, method: student.method.rawValue,
      variant: student.label, axes: student.axes, beta: beta, seed: seed,
      validation: MetricsRecord(run.validation), validationLoss: run.validationLoss,
      test: MetricsRecord(run.test), epochs: run.history.epochs.count,
      bestEpoch: run.history.bestEpoch, params: run.model.config.parameterCount,
      seconds: run.history.seconds)
    try folder.writeResult(record, partialOf: step.id)
  }
}

/// What a trace step records besides its file.
public struct TraceRecord: Codable, Sendable, Equatable {
  public var count: Int
  public var length: Int
  public var teacherSHA256: String
}

extension MetricsRecord {
  init(_ metrics: ClassificationMetrics) {
    self.init(acc: metrics.accuracy, aucRoc: metrics.aucROC, aucPrc: metrics.aucPRC)
  }
}
