import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Checkpoints and traces record the recurrent cell (format version 3): a GRU or RNN model
/// written with `gru.*` / `rnn.*` tensors reads back as that cell, resumes as that cell, and
/// its traces say which cell made them.
@Suite("Checkpoints and traces record the cell")
struct CellCheckpointTests {
  static func protocolConfig(_ cell: RecurrentCell) -> TeacherTraining {
    var config = SmallTeacher.protocolConfig(epochs: 2, initialisations: 2)
    config.cell = cell
    return config
  }

  func message(_ body: () throws -> Void) -> String {
    do {
      try body()
      return "no error"
    } catch {
      return "\(error)"
    }
  }

  @Test(
    "a teacher of each cell is written, interrupted, resumed and read back as that cell",
    arguments: RecurrentCell.allCases)
  func teacherRoundTrip(cell: RecurrentCell) throws {
    let path = try TestFiles.temporaryDirectory().appendingPathComponent("teacher.h5").path
    var first = TeacherRun(
      dataset: SmallTeacher.dataset, protocolConfig: Self.protocolConfig(cell), out: path)
    #expect(try first.train(continueAfter: { $0 < 3 }) == nil)
    let saved = try ModelCheckpoint.read(from: path)
    #expect(saved.config.cell == cell && saved.resume != nil)
    var resumed = try TeacherRun.resuming(
      saved, path: path, dataset: SmallTeacher.dataset, threads: 1, out: path)
    #expect(resumed.protocolConfig.cell == cell)
    let outcome = try #require(try resumed.train())

    let read = try ModelCheckpoint.read(from: path)
    #expect(read.config.cell == cell && read.config.layers == 2 && read.config.hiddenSize == 6)
    #expect(read.parameters == outcome.model.parameters)
    #expect(read.parameters.names.first == "\(cell.rawValue).weight_ih_l0")
    let test = SmallTeacher.dataset.test
    #expect(read.model.logits(for: test) == outcome.model.logits(for: test))
    let summary = try FileSummary.read(path)
    #expect(summary.formatVersion == 3 && FileFormat.checkpointVersion == 3)
    #expect(summary.attributes["/model"]?["cell"] == cell.rawValue)
    #expect(summary.attributes["/model"]?["gate_order"] == cell.gateOrder)
  }

  @Test(
    "traces record the teacher's cell, and distillation data pairs them",
    arguments: [
      RecurrentCell.gru, .rnn,
    ])
  func tracesRecordTheCell(cell: RecurrentCell) throws {
    let (teacherPath, teacher, traces, tracesPath) = try SmallTeacher.seededTeacherFiles(
      cell: cell, hidden: 3, seed: 2)
    let dataset = SmallTeacher.dataset
    let read = try TeacherTraces.read(from: tracesPath)
    #expect(read == traces && read.config.cell == cell)
    let summary = try FileSummary.read(tracesPath)
    #expect(summary.formatVersion == FileFormat.tracesVersion)
    #expect(summary.attributes["/"]?["cell"] == cell.rawValue)
    let data = try DistillationData(
      dataset: dataset, teacher: teacher, teacherPath: teacherPath, traces: read,
      tracesPath: tracesPath)
    #expect(data.teacherConfig.cell == cell)
  }

  @Test("a version 3 file without a cell, or with an unknown one, is refused naming both")
  func missingOrUnknownCell() throws {
    let directory = try TestFiles.temporaryDirectory()
    func file(_ name: String, format: String, cell: String?, inGroup: Bool) throws -> String {
      let path = directory.appendingPathComponent(name).path
      try HDF5File.write(to: path) { root in
        try root.setAttribute("format", format)
        try root.setAttribute("format_version", 3)
        let holder = inGroup ? try root.createGroup("model") : root
        if let cell { try holder.setAttribute("cell", cell) }
      }
      return path
    }
    let missing = try file("missing.h5", format: "memkd-checkpoint", cell: nil, inGroup: true)
    #expect(
      message { _ = try ModelCheckpoint.read(from: missing) }
        == "\(missing): /model: no 'cell' attribute (required from version 3)")
    let unknown = try file("unknown.h5", format: "memkd-checkpoint", cell: "lstm2", inGroup: true)
    #expect(
      message { _ = try ModelCheckpoint.read(from: unknown) }
        == "\(unknown): /model: cell 'lstm2' is not one this MemKD (\(MemKDVersion.string)) "
        + "knows (lstm, gru, rnn)")
    let traces = try file("traces.h5", format: "memkd-traces", cell: nil, inGroup: false)
    #expect(
      message { _ = try TeacherTraces.read(from: traces) }
        == "\(traces): root attributes: no 'cell' attribute (required from version 3)")
    let oddTraces = try file("odd.h5", format: "memkd-traces", cell: "GRU", inGroup: false)
    #expect(message { _ = try TeacherTraces.read(from: oddTraces) }.contains("cell 'GRU' is not"))
  }

  @Test("a version 2 file has no cell attribute and reads on as an LSTM")
  func olderFilesAreLSTMs() throws {
    let path = try TestFiles.temporaryDirectory().appendingPathComponent("old.h5").path
    try HDF5File.write(to: path) { root in
      try root.setAttribute("format", "memkd-checkpoint")
      try root.setAttribute("format_version", 2)
      try root.createGroup("model").setAttribute("input_size", 1)
    }
    // Past the cell: the reader goes on to the next attribute a version 2 file must have.
    #expect(message { _ = try ModelCheckpoint.read(from: path) }.contains("hidden_size"))
  }
}

@Suite("Cells as options")
struct CellOptionTests {
  @Test("teachers and students take a cell option, LSTM by default, judged by one rule")
  func cellOption() throws {
    #expect(TeacherTraining.paper.cell == .lstm && StudentDistillation.paper.cell == .lstm)
    #expect(TeacherTraining.optionKeys.contains("cell"))
    #expect(StudentDistillation.optionKeys.contains("cell"))
    var teacher = TeacherTraining.paper
    try teacher.set("cell", .text("gru"))
    #expect(teacher.cell == .gru)
    #expect(teacher.modelConfig(for: SmallTeacher.dataset).cell == .gru)
    var student = StudentDistillation.paper
    try student.set("cell", .text("rnn"))
    #expect(student.cell == .rnn)
    #expect(student.optionValues.contains { $0.key == "cell" && $0.value == .text("rnn") })
    for value in [OptionValue.text("LSTM"), .int(1)] {
      do {
        try student.set("cell", value)
        Issue.record("accepted cell \(value)")
      } catch {
        #expect("\(error)".hasPrefix("cell must be one of lstm, gru, rnn (got "), "\(error)")
      }
    }
    #expect(ModelConfig.teacher(classes: 2, cell: .gru).cell == .gru)
    #expect(ModelConfig.student(classes: 2).cell == .lstm)
  }
}
