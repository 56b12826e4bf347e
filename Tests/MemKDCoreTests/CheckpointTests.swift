import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// A small teacher run on the shipped ItalyPowerDemand (length 24 keeps it fast).
struct SmallTeacher {
  static let dataset: UCRDataset = try! UCRDataset.load(
    name: "ItalyPowerDemand",
    dataRoot: TestFiles.repositoryRoot.appendingPathComponent("data").path,
    preprocessing: Preprocessing(length: 24))

  static func protocolConfig(epochs: Int = 6, initialisations: Int = 2) -> TeacherTraining {
    TeacherTraining(
      training: TrainingConfig(learningRate: 0.01, maxEpochs: epochs, batchSize: 16, seed: 3),
      initialisations: initialisations, hiddenSize: 6, layers: 2)
  }

  /// A 2-layer teacher of `cell` with seeded weights (untrained: what it computes does not
  /// matter to the tests that use it), written as a checkpoint, and its traces of the training
  /// split computed and written beside it, in a fresh folder.
  static func seededTeacherFiles(cell: RecurrentCell, hidden: Int, seed: UInt64) throws -> (
    teacherPath: String, teacher: ModelCheckpoint, traces: TeacherTraces, tracesPath: String
  ) {
    let directory = try TestFiles.temporaryDirectory()
    let teacherPath = directory.appendingPathComponent("teacher.h5").path
    let config = ModelConfig(
      cell: cell, inputSize: 1, hiddenSize: hidden, layers: 2, classes: 2)
    try ModelCheckpoint(
      kind: "teacher", parameters: .initialized(for: config, seed: seed),
      data: .init(
        dataset: dataset.name, classLabels: dataset.classLabels,
        preprocessing: dataset.preprocessing, validationFraction: 0.2),
      training: .init(config: protocolConfig().training, initialisations: 1)
    ).write(to: teacherPath)
    let teacher = try ModelCheckpoint.read(from: teacherPath)
    let traces = try TeacherTraces.compute(
      teacher: teacher.model, on: dataset.train, dataset: dataset, split: "train",
      teacherPath: teacherPath, teacherSHA256: try SHA256.hexDigest(ofFile: teacherPath))
    let tracesPath = directory.appendingPathComponent("traces.h5").path
    try traces.write(to: tracesPath)
    return (teacherPath, teacher, traces, tracesPath)
  }
}

@Suite("Checkpoints")
struct CheckpointTests {
  @Test("a finished run round-trips: bit-identical weights, identical predictions and records")
  func roundTrip() throws {
    let directory = try TestFiles.temporaryDirectory()
    let path = directory.appendingPathComponent("teacher.h5").path
    var run = TeacherRun(
      dataset: SmallTeacher.dataset, protocolConfig: SmallTeacher.protocolConfig(), out: path)
    let outcome = try #require(try run.train())
    let checkpoint = try ModelCheckpoint.read(from: path)
    #expect(checkpoint.parameters == outcome.model.parameters)
    #expect(checkpoint.isComplete && checkpoint.kind == "teacher")
    #expect(checkpoint.results?.test == outcome.best.test)
    #expect(checkpoint.results?.runs == outcome.runs)
    #expect(checkpoint.data.classLabels == ["1", "2"])
    #expect(checkpoint.data.preprocessing == Preprocessing(length: 24))
    #expect(checkpoint.training.config == SmallTeacher.protocolConfig().training)
    let test = SmallTeacher.dataset.test
    #expect(checkpoint.model.logits(for: test) == outcome.model.logits(for: test))
    // Writing what was read gives the same checkpoint again.
    let again = directory.appendingPathComponent("again.h5").path
    try checkpoint.write(to: again)
    #expect(try ModelCheckpoint.read(from: again) == checkpoint)
  }

  @Test("5 epochs, an interruption, a resume from the file and 5 more equal 10 straight")
  func resumeFromFile() throws {
    let directory = try TestFiles.temporaryDirectory()
    let straightPath = directory.appendingPathComponent("straight.h5").path
    let resumedPath = directory.appendingPathComponent("resumed.h5").path
    let config = SmallTeacher.protocolConfig(epochs: 5, initialisations: 2)  // 10 epochs in all

    var straight = TeacherRun(
      dataset: SmallTeacher.dataset, protocolConfig: config, out: straightPath)
    _ = try #require(try straight.train())

    var first = TeacherRun(dataset: SmallTeacher.dataset, protocolConfig: config, out: resumedPath)
    #expect(try first.train(continueAfter: { $0 < 7 }) == nil)
    let saved = try ModelCheckpoint.read(from: resumedPath)
    #expect(!saved.isComplete)
    #expect(saved.resume?.runs.count == 1 && saved.resume?.current?.epochs.count == 2)
    var second = try TeacherRun.resuming(
      saved, path: resumedPath, dataset: SmallTeacher.dataset, threads: 1, out: resumedPath)
    _ = try #require(try second.train())

    let a = try ModelCheckpoint.read(from: straightPath)
    let b = try ModelCheckpoint.read(from: resumedPath)
    #expect(a.parameters == b.parameters)
    #expect(a.results?.test == b.results?.test)
    #expect(
      a.results?.runs.map(\.history.epochs.count) == b.results?.runs.map(\.history.epochs.count))
    #expect(
      a.results?.runs.map { $0.history.epochs.map(\.validationLoss) }
        == b.results?.runs.map { $0.history.epochs.map(\.validationLoss) })
  }

  @Test("a finished checkpoint cannot be resumed")
  func finishedCannotResume() throws {
    let directory = try TestFiles.temporaryDirectory()
    let path = directory.appendingPathComponent("done.h5").path
    var run = TeacherRun(
      dataset: SmallTeacher.dataset,
      protocolConfig: SmallTeacher.protocolConfig(epochs: 1, initialisations: 1),
      out: path)
    _ = try run.train()
    let checkpoint = try ModelCheckpoint.read(from: path)
    #expect(throws: FileFormatError.self) {
      _ = try TeacherRun.resuming(
        checkpoint, path: path, dataset: SmallTeacher.dataset, threads: 1, out: path)
    }
  }
}

@Suite("Checkpoint and trace errors")
struct CheckpointErrorTests {
  func message(_ body: () throws -> Void) -> String {
    do {
      try body()
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  @Test("missing file, not HDF5, truncated: clear messages naming the file")
  func unreadable() throws {
    let directory = try TestFiles.temporaryDirectory()
    let missing = directory.appendingPathComponent("missing.h5").path
    #expect(message { _ = try ModelCheckpoint.read(from: missing) }.contains(missing))

    let text = directory.appendingPathComponent("text.h5").path
    try "not hdf5\n".write(toFile: text, atomically: true, encoding: .utf8)
    let notHDF5 = message { _ = try ModelCheckpoint.read(from: text) }
    #expect(notHDF5.contains(text) && notHDF5.lowercased().contains("hdf5"), "\(notHDF5)")

    let good = directory.appendingPathComponent("good.h5").path
    var run = TeacherRun(
      dataset: SmallTeacher.dataset,
      protocolConfig: SmallTeacher.protocolConfig(epochs: 1, initialisations: 1),
      out: good)
    _ = try run.train()
    let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
    let truncated = directory.appendingPathComponent("truncated.h5").path
    try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: truncated))
    let cut = message { _ = try ModelCheckpoint.read(from: truncated) }
    #expect(cut.contains(truncated), "\(cut)")
  }

  @Test("wrong format name, newer version, missing group")
  func wrongContents() throws {
    let directory = try TestFiles.temporaryDirectory()
    let traces = directory.appendingPathComponent("traces.h5").path
    try HDF5File.write(to: traces) { root in
      try root.setAttribute("format", "memkd-traces")
      try root.setAttribute("format_version", 1)
    }
    #expect(
      message { _ = try ModelCheckpoint.read(from: traces) }.contains("is a 'memkd-traces' file"))

    let newer = directory.appendingPathComponent("newer.h5").path
    try HDF5File.write(to: newer) { root in
      try root.setAttribute("format", "memkd-checkpoint")
      try root.setAttribute("format_version", FileFormat.checkpointVersion + 1)
    }
    #expect(
      message { _ = try ModelCheckpoint.read(from: newer) }.contains(
        "version \(FileFormat.checkpointVersion + 1) is newer"))

    let foreign = directory.appendingPathComponent("foreign.h5").path
    try HDF5File.write(to: foreign) { root in _ = try root.createGroup("weights") }
    #expect(message { _ = try ModelCheckpoint.read(from: foreign) }.contains("not a MemKD file"))

    let hollow = directory.appendingPathComponent("hollow.h5").path
    try HDF5File.write(to: hollow) { root in
      try root.setAttribute("format", "memkd-checkpoint")
      try root.setAttribute("format_version", 1)
    }
    let missingGroup = message { _ = try ModelCheckpoint.read(from: hollow) }
    #expect(missingGroup.contains(hollow) && missingGroup.contains("model"), "\(missingGroup)")
  }

  @Test("an unwritable destination fails cleanly")
  func unwritable() throws {
    let checkpoint = ModelCheckpoint(
      kind: "teacher",
      parameters: .initialized(
        for: ModelConfig(inputSize: 1, hiddenSize: 2, layers: 1, classes: 2), seed: 1),
      data: .init(
        dataset: "X", classLabels: ["a", "b"], preprocessing: Preprocessing(),
        validationFraction: 0.2),
      training: .init(config: TrainingConfig(learningRate: 0.1), initialisations: 1))
    let path = "/nonexistent-directory-\(UUID().uuidString)/teacher.h5"
    #expect(message { try checkpoint.write(to: path) }.contains("nonexistent-directory"))
    // /proc refuses new files even to root, so this is unwritable in any test environment.
    #expect(message { try checkpoint.write(to: "/proc/memkd-teacher.h5") }.contains("/proc"))
    #expect(!FileManager.default.fileExists(atPath: "/proc/memkd-teacher.h5"))
  }
}

@Suite("Stale temporary files")
struct StaleTemporaryTests {
  @Test("only the named file's leftover temporaries are removed")
  func removesOwnOnly() throws {
    let directory = try TestFiles.temporaryDirectory()
    let mine = directory.appendingPathComponent(".teacher.h5.1a2b.tmp").path
    let other = directory.appendingPathComponent(".student.h5.1a2b.tmp").path
    let kept = directory.appendingPathComponent("teacher.h5").path
    for path in [mine, other, kept] {
      FileManager.default.createFile(atPath: path, contents: Data("x".utf8))
    }
    let removed = HDF5File.removeStaleTemporaries(for: kept)
    #expect(removed == [mine])
    #expect(!FileManager.default.fileExists(atPath: mine))
    #expect(
      FileManager.default.fileExists(atPath: other) && FileManager.default.fileExists(atPath: kept))
  }
}

@Suite("Student checkpoints record the method's options")
struct RecordedOptionTests {
  /// A tiny student checkpoint distilled by `method` with `options`, written to a temporary file.
  static func writeStudent(method: String, options: [RecordedOption]) throws -> String {
    let config = ModelConfig(inputSize: 1, hiddenSize: 2, layers: 1, classes: 2)
    let checkpoint = ModelCheckpoint(
      kind: "student", parameters: .initialized(for: config, seed: 1),
      data: .init(
        dataset: "X", classLabels: ["a", "b"], preprocessing: Preprocessing(),
        validationFraction: 0.2),
      training: .init(config: .student, initialisations: 1),
      distillation: .init(
        method: method, beta: 1, teacherSHA256: "00", splitSeed: 0, options: options))
    let path = try TestFiles.temporaryDirectory().appendingPathComponent("student.h5").path
    try checkpoint.write(to: path)
    return path
  }

  @Test("MemKD's options round-trip through /distillation, in order; older files have none")
  func roundTrip() throws {
    var loss = MemKDLoss()
    try loss.set("terms", .text("short"))
    try loss.set("long_pairs", .int(7))
    let path = try Self.writeStudent(method: "memkd", options: loss.recordedOptions)
    let read = try ModelCheckpoint.read(from: path)
    #expect(read.distillation?.options == loss.recordedOptions)
    #expect(read.distillation?.options.map(\.key) == MemKDLoss.optionKeys)
    #expect(read.distillation?.options.first { $0.key == "teacher_layer" }?.value == .null)
  }

  @Test(
    "every method's checkpoint records its loss's options, defaults included",
    arguments: DistillationMethod.allCases.filter { $0 != .base })
  func everyMethodRecordsItsOptions(method: DistillationMethod) throws {
    let loss = try #require(method.loss())
    let schema = type(of: loss)
    #expect(schema.optionScope == loss.name)
    #expect(!schema.optionKeys.isEmpty, "\(loss.name) declares no options")
    #expect(throws: Never.self) { try loss.validate() }
    let path = try Self.writeStudent(method: method.rawValue, options: loss.recordedOptions)
    let read = try #require(try ModelCheckpoint.read(from: path).distillation)
    #expect(read.options.map(\.key) == schema.optionKeys)
    let summary = try FileSummary.read(path)
    for key in schema.optionKeys {
      #expect(summary.attributes["/distillation"]?[key] != nil, "inspect lacks \(key)")
    }
  }

  @Test("a loss's option is judged by its rule and changes what is recorded")
  func lossOptionRules() throws {
    var loss = DKDLoss()
    try loss.set("temperature", .number(2))
    #expect(loss.temperature == 2)
    #expect(loss.recordedOptions.contains(RecordedOption(key: "temperature", value: .number(2))))
    #expect(throws: OptionError.self) { try loss.set("temperature", .number(0)) }
    var nst = NSTLoss()
    try nst.set("include_teacher_kernel", .bool(false))
    #expect(!nst.includeTeacherKernel)
    var dt2w = DT2WLoss()
    do {
      try dt2w.set("teacher_layer", .int(-1))
      Issue.record("accepted teacher_layer -1")
    } catch {
      #expect("\(error)".hasPrefix("teacher_layer must be"))
    }
  }
}

@Suite("A loss's teacher layers are checked against the teacher")
struct TeacherLayerCheckTests {
  @Test(
    "every loss with a teacher_layer refuses one past the teacher's last layer (was a segfault)",
    arguments: DistillationMethod.allCases)
  func outOfRange(method: DistillationMethod) throws {
    guard var loss = method.loss(), type(of: loss).optionKeys.contains("teacher_layer") else {
      return
    }
    loss = try Self.setting(loss, layer: 3)
    let hidden = [[Float]](repeating: [Float](repeating: 0, count: 2 * 4 * 3), count: 3)
    #expect(throws: Never.self) { try loss.checkTeacherLayers(layerCount: 4) }
    do {
      _ = try DistillationObjective(
        loss: loss, beta: 1, teacherLogits: [Float](repeating: 0, count: 4), teacherHidden: hidden,
        teacherHiddenSize: 3, length: 4, studentHiddenSize: 2)
      Issue.record("\(method): accepted teacher layer 3 of 3")
    } catch {
      #expect("\(error)" == "teacher_layer must be a layer of the 3-layer teacher, 0 to 2 (got 3)")
    }
  }

  static func setting<L: DistillationLoss>(_ loss: L, layer: Int) throws -> any DistillationLoss {
    var copy = loss
    try copy.set("teacher_layer", .int(layer))
    return copy
  }
}
