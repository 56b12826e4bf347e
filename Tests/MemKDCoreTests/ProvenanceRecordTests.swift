import Foundation
import MemKDTestSupport
import Testing

@testable import MemKDCore

/// What a checkpoint says about where a model came from: interrupted training, a distillation
/// record with unknown parts, an option named like the record's own attributes, and the archive
/// rows of traces (issue 17, item 5).
@Suite("Provenance records")
struct ProvenanceRecordTests {
  static let config = ModelConfig(inputSize: 1, hiddenSize: 2, layers: 1, classes: 2)

  static func student(
    distillation: ModelCheckpoint.DistillationRecord?, interrupted: Bool = false
  ) -> ModelCheckpoint {
    ModelCheckpoint(
      kind: "student", parameters: .initialized(for: config, seed: 1),
      data: .init(
        dataset: "X", classLabels: ["a", "b"], preprocessing: Preprocessing(),
        validationFraction: 0.2),
      training: .init(config: .student, initialisations: 1), distillation: distillation,
      interrupted: interrupted)
  }

  static func path(_ name: String) throws -> String {
    try TestFiles.temporaryDirectory().appendingPathComponent(name).path
  }

  @Test("an interrupted model says so (complete 0, interrupted 1); other files have no attribute")
  func interrupted() throws {
    let stopped = try Self.path("stopped.h5")
    try Self.student(distillation: nil, interrupted: true).write(to: stopped)
    let read = try ModelCheckpoint.read(from: stopped)
    #expect(read.interrupted && !read.isComplete)
    #expect(read == Self.student(distillation: nil, interrupted: true))
    let shown = try FileSummary.read(stopped).attributes["/"]
    #expect(shown?["interrupted"] == "1" && shown?["complete"] == "0")

    let plain = try Self.path("plain.h5")
    try Self.student(distillation: nil).write(to: plain)
    #expect(try !ModelCheckpoint.read(from: plain).interrupted)
    #expect(try FileSummary.read(plain).attributes["/"]?["interrupted"] == nil)
  }

  @Test("an unknown teacher hash or split seed is written as \"\" / -1 and reads back unknown")
  func unknownParts() throws {
    let record = ModelCheckpoint.DistillationRecord(
      method: "base", beta: 0, teacherSHA256: nil, splitSeed: nil)
    let path = try Self.path("unknown.h5")
    try Self.student(distillation: record).write(to: path)
    #expect(try ModelCheckpoint.read(from: path).distillation == record)
    // Both attributes stay (every version 2 reader requires them), with values no run records.
    let shown = try #require(try FileSummary.read(path).attributes["/distillation"])
    #expect(shown["teacher_sha256"] == "" && shown["split_seed"] == "-1")
    #expect(shown["method"] == "base")
  }

  @Test("DKD's option beta is option_beta; the record's beta stays the distillation weight")
  func optionNamedLikeTheRecord() throws {
    let loss = DKDLoss()
    #expect(loss.recordedOptions.map(\.key).contains("beta"))
    let record = ModelCheckpoint.DistillationRecord(
      method: "dkd", beta: 2, teacherSHA256: String(repeating: "0", count: 64), splitSeed: 3,
      options: loss.recordedOptions)
    let path = try Self.path("dkd.h5")
    try Self.student(distillation: record).write(to: path)
    let read = try #require(try ModelCheckpoint.read(from: path).distillation)
    #expect(read == record && read.beta == 2)
    let shown = try #require(try FileSummary.read(path).attributes["/distillation"])
    #expect(shown["beta"] == "2.0" && shown["option_beta"] == "8.0")
  }

  @Test("a file written before option_<key> has the option under its key")
  func olderOptionNames() throws {
    let path = try Self.path("older.h5")
    try HDF5File.write(to: path) { root in
      try root.setAttribute("option_keys", ["alpha", "beta"])
      try root.setAttribute("alpha", 1.0)
      try root.setAttribute("beta", 8.0)
    }
    let file = try HDF5File.open(path)
    defer { try? file.close() }
    #expect(
      try file.root.recordedOptions() == [
        RecordedOption(key: "alpha", value: .number(1)),
        RecordedOption(key: "beta", value: .number(8)),
      ])
  }

  @Test("traces record the archive rows they are given (default: the whole split in order)")
  func traceRows() throws {
    let teacher = RecurrentClassifier<Float>(config: Self.config, seed: 0)
    let set = SeriesSet(
      values: (0..<12).map { Float($0) / 12 }, labels: [0, 1, 0], length: 4, channels: 1)
    func traces(_ rows: [Int]?) throws -> TeacherTraces {
      try TeacherTraces(
        teacher: teacher, on: set, dataset: "X", split: "test", preprocessing: Preprocessing(),
        classLabels: ["a", "b"], teacherPath: "t.h5",
        teacherSHA256: String(repeating: "0", count: 64), sampleIndex: rows)
    }
    #expect(try traces(nil).sampleIndex == [0, 1, 2])
    let path = try Self.path("traces.h5")
    try traces([40, 7, 12]).write(to: path)
    let read = try TeacherTraces.read(from: path)
    #expect(read.sampleIndex == [40, 7, 12] && read.split == "test")
    #expect(read == (try traces([40, 7, 12])))
  }
}
