import Foundation
import MemKDCore
import Testing

@testable import MemKDPipeline

/// `select:`: student options chosen on validation with beta (issue 20's fair comparison).
@Suite("select: grids")
struct SelectionGridTests {
  static let yaml = """
    name: fair
    data: {datasets: Wafer}
    students:
      - method: base
      - method: memkd
        beta_grid: [1, 10]
    select:
      lr: [0.1, 0.01]
    seeds: 2
    """

  @Test("every variant is expanded over the grid, under its own label")
  func expands() throws {
    let spec = try PipelineSpec.parse(yaml: Self.yaml, file: "fair.yaml")
    #expect(spec.students.map(\.label) == ["base", "base", "memkd", "memkd"])
    #expect(
      spec.students.map { $0.selection ?? [:] } == [
        ["lr": "0.1"], ["lr": "0.01"], ["lr": "0.1"], ["lr": "0.01"],
      ])
    #expect(spec.students.map(\.training.learningRate) == [0.1, 0.01, 0.1, 0.01])
    let plan = PipelinePlan(spec: spec, dataChecksums: ["Wafer": ["a", "b"]])
    #expect(plan.steps.filter { $0.kind == .student }.count == (2 + 4) * 2)
    #expect(plan.steps.contains { $0.label == "student Wafer memkd lr=0.01 beta=10 seed=1" })
  }

  @Test("a grid point is the same step as the plain variant with its options")
  func sharesSteps() throws {
    let selected = PipelinePlan(
      spec: try PipelineSpec.parse(yaml: Self.yaml, file: "fair.yaml"),
      dataChecksums: ["Wafer": ["a", "b"]])
    let plain = PipelinePlan(
      spec: try PipelineSpec.parse(
        yaml: """
          name: plain
          data: {datasets: Wafer}
          students: [{method: base}, {method: memkd, beta_grid: [1, 10]}]
          seeds: 2
          """, file: "plain.yaml"),
      dataChecksums: ["Wafer": ["a", "b"]])
    #expect(Set(plain.steps.map(\.id)).isSubset(of: Set(selected.steps.map(\.id))))
  }

  @Test("select errors: a single value, a key a student also sets, an unknown key")
  func errors() {
    let cases: [(String, String)] = [
      ("select:\n  lr: 0.01\n", "select takes a list of values"),
      ("select:\n  terms: [short, long]\n", "terms"),
      ("select:\n  method: [base, memkd]\n", "method"),
    ]
    for (select, fragment) in cases {
      let yaml = "name: f\ndata: {datasets: Wafer}\nstudents: [{method: memkd}]\n" + select
      #expect(throws: PipelineSpecError.self) { try PipelineSpec.parse(yaml: yaml, file: "f.yaml") }
      do {
        _ = try PipelineSpec.parse(yaml: yaml, file: "f.yaml")
      } catch {
        #expect("\(error)".contains(fragment), "\(error)")
      }
    }
    let clash =
      "name: f\ndata: {datasets: Wafer}\nstudents: [{method: memkd, lr: 0.1}]\n"
      + "select:\n  lr: [0.1, 0.01]\n"
    #expect {
      try PipelineSpec.parse(yaml: clash, file: "f.yaml")
    } throws: { error in
      "\(error)".contains("lr is selected over by `select:`")
    }
  }

  static func run(_ lr: String, beta: Double, seed: UInt64, validation: Double, test: Double)
    -> StudentRecord
  {
    var record = StudentRecord(
      dataset: "Wafer", teacher: "teacher", method: "memkd", variant: "memkd", axes: [:],
      beta: beta, seed: seed, validation: MetricsRecord(acc: 0.5, aucRoc: 0.5, aucPrc: validation),
      validationLoss: 0.1, test: MetricsRecord(acc: 0.5, aucRoc: 0.5, aucPrc: test), epochs: 1,
      bestEpoch: 1, params: 1, seconds: 1)
    record.selection = ["lr": lr]
    return record
  }

  @Test("the report picks the best (point, beta) on validation and shows it")
  func reportChooses() throws {
    let runs = [
      Self.run("0.1", beta: 1, seed: 0, validation: 0.6, test: 0.61),
      Self.run("0.1", beta: 1, seed: 1, validation: 0.6, test: 0.63),
      Self.run("0.01", beta: 1, seed: 0, validation: 0.7, test: 0.52),
      Self.run("0.01", beta: 1, seed: 1, validation: 0.7, test: 0.54),
      Self.run("0.01", beta: 10, seed: 0, validation: 0.65, test: 0.9),
      Self.run("0.01", beta: 10, seed: 1, validation: 0.65, test: 0.9),
    ]
    let chosen = try #require(SelectedResult.select(runs))
    #expect(chosen.beta == 1 && chosen.selection == "lr=0.01")
    #expect(abs(chosen.mean.aucPrc - 0.53) < 1e-12)
    let report = PipelineReport(title: "t", teachers: [], students: runs)
    #expect(report.markdown().contains("| Wafer | 1, lr=0.01 |"))
    #expect(report.resultsCSV().hasPrefix("dataset,teacher,method,variant,select:lr,beta,seed"))
    #expect(report.resultsCSV().split(separator: "\n").count == 7, "no run merged away")
  }
}
