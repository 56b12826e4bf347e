import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

@testable import MemKDPipeline

/// `cell:` on the teacher and on each student: an option like any other, so a list is an
/// ablation axis whose variants are named and hashed apart; an LSTM keeps the step hashes it had
/// before cells existed.
@Suite("Cells in pipeline files")
struct CellPipelineTests {
  static let checksums = ["A": ["train-sha", "test-sha"]]

  static func spec(teacher: String = "", students: String) throws -> PipelineSpec {
    try PipelineSpec.parse(
      yaml: """
        name: cells
        data: {datasets: [A]}
        teacher: {layers: 1\(teacher)}
        students:
        \(students)
        seeds: 1
        """, file: "cells.yaml")
  }

  @Test("a cell list on the teacher and on a student expands into named, separately hashed steps")
  func cellAxes() throws {
    let spec = try Self.spec(
      teacher: ", cell: [lstm, gru]",
      students: """
          - method: memkd
            beta: 10
            cell: [lstm, gru, rnn]
          - method: base
        """)
    #expect(spec.teachers.map(\.recipe.cell) == [.lstm, .gru])
    #expect(spec.teachers.map(\.label) == ["teacher cell=lstm", "teacher cell=gru"])
    #expect(spec.students.map(\.recipe.cell) == [.lstm, .gru, .rnn, .lstm])
    #expect(
      spec.students.map(\.label) == ["memkd cell=lstm", "memkd cell=gru", "memkd cell=rnn", "base"])
    let plan = PipelinePlan(spec: spec, dataChecksums: Self.checksums)
    #expect(plan.steps.count == 2 * (2 + 4))
    #expect(Set(plan.steps.map(\.id)).count == plan.steps.count)
    let labels = plan.steps.filter { $0.kind == .student }.map(\.label)
    #expect(labels.contains("student A [teacher cell=gru] memkd cell=rnn beta=10 seed=0"))
    #expect(labels.contains("student A [teacher cell=lstm] memkd cell=gru beta=10 seed=0"))
    let gruTeacher = try #require(
      plan.steps.first { $0.kind == .teacher && $0.teacher.cell == .gru })
    #expect(gruTeacher.teacher.recipe.cell == .gru)
  }

  @Test("an LSTM, written or not, hashes as before cells existed")
  func lstmHashesUnchanged() throws {
    let plain = try Self.spec(students: "  - method: memkd\n    beta: 10")
    let written = try Self.spec(
      teacher: ", cell: lstm", students: "  - method: memkd\n    beta: 10\n    cell: lstm")
    let ids = { (spec: PipelineSpec) in
      PipelinePlan(spec: spec, dataChecksums: Self.checksums).steps.map(\.id)
    }
    #expect(ids(plain) == ids(written))
    let json = String(decoding: try JSONEncoder().encode(plain.teachers[0]), as: UTF8.self)
    #expect(!json.contains("cell"), "\(json)")
    let gru = try Self.spec(teacher: ", cell: gru", students: "  - method: memkd\n    beta: 10")
    #expect(Set(ids(gru)).isDisjoint(with: ids(plain)))
  }

  @Test("the quickstart's steps keep the ids the README shows")
  func quickstartIDs() throws {
    let spec = try PipelineSpec.load(
      path: TestFiles.repositoryRoot.appendingPathComponent("examples/quickstart.yaml").path)
    let folder = TestFiles.repositoryRoot.appendingPathComponent("data/ItalyPowerDemand")
    let checksums = try ["TRAIN", "TEST"].map {
      try SHA256.hexDigest(
        ofFile: folder.appendingPathComponent("ItalyPowerDemand_\($0).tsv").path)
    }
    let plan = PipelinePlan(spec: spec, dataChecksums: ["ItalyPowerDemand": checksums])
    let ids = plan.steps.map(\.id)
    #expect(ids.contains("teacher-22cc836f8a3469f6") && ids.contains("trace-cafa3a8b61275fcf"))
  }

  @Test("a cell that does not exist is an error at its line")
  func unknownCell() throws {
    do {
      _ = try Self.spec(students: "  - method: base\n    cell: [lstm, transformer]")
      Issue.record("accepted cell transformer")
    } catch let error as PipelineSpecError {
      #expect(error.key == "students[0].cell[1]", "\(error)")
      #expect(error.line == 6)
      #expect(error.message == "cell must be one of lstm, gru, rnn (got 'transformer')")
    }
  }
}
