import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Cells end to end with the built `memkd-script` on the shipped ItalyPowerDemand: a pipeline
/// whose teacher and students take `cell:` lists (GRU and RNN students of an LSTM teacher, an
/// LSTM student of a GRU teacher, and the rest of the cross product), and the single commands
/// with `--cell`.
@Suite("Cells end to end", .serialized)
struct CellCommandTests {
  static let binary = EndToEndTests.binary
  static let data = EndToEndTests.shippedData

  static func run(_ arguments: [String]) throws -> ProcessOutput {
    var environment = ProcessInfo.processInfo.environment
    environment["MEMKD_DATA_ROOT"] = nil
    return try ProcessOutput.run(binary, arguments, environment: environment)
  }

  static func csvRows(_ text: String) -> [[String: String]] {
    let lines = text.split(separator: "\n").map {
      $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
    }
    guard let header = lines.first else { return [] }
    return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
  }

  @Test("a pipeline distils LSTM, GRU and RNN students from LSTM and GRU teachers")
  func pipelineAcrossCells() throws {
    let directory = try TestFiles.temporaryDirectory("memkd-cells")
    let output = directory.appendingPathComponent("run").path
    let yaml = """
      name: cells
      output: \(output)
      data:
        root: \(Self.data)
        datasets: [ItalyPowerDemand]
      preprocessing:
        length: 24
      teacher:
        cell: [lstm, gru]
        layers: 2
        hidden: 4
        inits: 1
        epochs: 2
      students:
        - method: memkd
          beta: 10
          cell: [lstm, gru, rnn]
          hidden: 3
          epochs: 2
      seeds: 1
      """
    let file = directory.appendingPathComponent("cells.yaml").path
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    let result = try Self.run(["run", file, "--jobs", "2", "--json", "--plain"])
    #expect(result.status == 0, "\(result.stderr)")

    let rows = Self.csvRows(
      try String(
        contentsOfFile: (output as NSString).appendingPathComponent("results.csv"),
        encoding: .utf8))
    let pairs = Set(rows.map { "\($0["teacher"] ?? "?") -> \($0["cell"] ?? "?")" })
    #expect(
      pairs == [
        "teacher cell=lstm -> lstm", "teacher cell=lstm -> gru", "teacher cell=lstm -> rnn",
        "teacher cell=gru -> lstm", "teacher cell=gru -> gru", "teacher cell=gru -> rnn",
      ])
    let gates: [String: Int] = ["lstm": 4, "gru": 3, "rnn": 1]
    for row in rows {
      let cell = row["cell"] ?? "?"
      let expected = (gates[cell] ?? 0) * 3 * (1 + 3 + 2) + 2 * (3 + 1)
      #expect(row["params"] == String(expected), "\(row)")
    }

    let steps = (output as NSString).appendingPathComponent("steps")
    var studentCells: [RecurrentCell] = []
    var teacherCells: [RecurrentCell] = []
    for folder in try FileManager.default.contentsOfDirectory(atPath: steps).sorted() {
      let path = (steps as NSString).appendingPathComponent(folder)
      if folder.hasPrefix("student-") {
        studentCells.append(
          try ModelCheckpoint.read(from: path + "/student.h5").config.cell)
      } else if folder.hasPrefix("teacher-") {
        teacherCells.append(try ModelCheckpoint.read(from: path + "/teacher.h5").config.cell)
      } else if folder.hasPrefix("trace-") {
        #expect(try TeacherTraces.read(from: path + "/traces.h5").config.layers == 2)
      }
    }
    #expect(teacherCells.sorted { $0.rawValue < $1.rawValue } == [.gru, .lstm])
    #expect(studentCells.count == 6)
    #expect(Set(studentCells) == Set(RecurrentCell.allCases))
  }

  @Test("train-teacher --cell, distill --cell, profile and export-c for a GRU and an RNN")
  func singleCommands() throws {
    let directory = try TestFiles.temporaryDirectory("memkd-cells")
    let teacher = directory.appendingPathComponent("teacher.h5").path
    let trained = try Self.run([
      "train-teacher", "--dataset", "ItalyPowerDemand", "--data-root", Self.data, "--cell", "gru",
      "--hidden", "4", "--layers", "1", "--inits", "1", "--epochs", "2", "--length", "24",
      "--json", "--quiet", "--out", teacher,
    ])
    #expect(trained.status == 0, "\(trained.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(trained.stdout.utf8)) as? [String: Any])
    #expect((object["model"] as? [String: Any])?["cell"] as? String == "gru")
    #expect(object["params"] as? Int == 3 * 4 * (1 + 4 + 2) + 2 * (4 + 1))

    let students = directory.appendingPathComponent("students").path
    let distilled = try Self.run([
      "distill", "--teacher", teacher, "--data-root", Self.data, "--method", "nst", "--beta",
      "50", "--seeds", "1", "--cell", "rnn", "--epochs", "2", "--quiet", "--out-dir", students,
    ])
    #expect(distilled.status == 0, "\(distilled.stderr)")
    let student = students + "/nst-beta50.0-seed0.h5"
    #expect(try ModelCheckpoint.read(from: student).config.cell == .rnn)

    for (path, cell, parameters) in [(teacher, "gru", 94), (student, "rnn", 106)] {
      let profiled = try Self.run(["profile", "--checkpoint", path, "--no-timing", "--json"])
      #expect(profiled.status == 0, "\(profiled.stderr)")
      let profile = try #require(
        try JSONSerialization.jsonObject(with: Data(profiled.stdout.utf8)) as? [String: Any])
      #expect(profile["cell"] as? String == cell)
      #expect(profile["parameters"] as? Int == parameters)
      for key in ["bytes_float32", "bytes_int8", "state_bytes", "flops_per_step"] {
        #expect((profile[key] as? Int ?? 0) > 0, "\(key)")
      }
      #expect((profile["model"] as? String)?.contains(cell.uppercased()) == true)
    }

    let bad = try Self.run([
      "train-teacher", "--dataset", "ItalyPowerDemand", "--data-root", Self.data, "--cell",
      "lstm2", "--out", directory.appendingPathComponent("bad.h5").path,
    ])
    #expect(bad.status != 0)
    #expect(bad.stderr.contains("--cell: cell must be one of lstm, gru, rnn (got 'lstm2')"))
    let resumeConflict = try Self.run(["train-teacher", "--resume", teacher, "--cell", "rnn"])
    #expect(resumeConflict.status != 0)
    #expect(resumeConflict.stderr.contains("remove --cell"))
  }

  @Test(
    "profile's step timings run for every cell (Swift stream and the compiled header)",
    .enabled(if: CProgram.available, "cc is not on PATH"), arguments: RecurrentCell.allCases)
  func stepTimings(cell: RecurrentCell) throws {
    let config = ModelConfig(cell: cell, hiddenSize: 8, layers: 1, classes: 3)
    let model = RecurrentClassifier<Float>(config: config, seed: 1)
    let swift = StepTiming.swift(model: model, steps: 2_000, rounds: 1)
    #expect(swift.isFinite && swift > 0)
    let compiler = try #require(ExternalTool.which("cc"))
    for int8 in [false, true] {
      let c = try StepTiming.c(model: model, int8: int8, compiler: compiler, steps: 10_000)
      #expect(c.isFinite && c > 0, "\(cell) int8 \(int8)")
    }
  }
}
