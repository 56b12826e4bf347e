import Testing

@testable import MemKDPipeline

@Suite("PipelineReport against a published table")
struct PaperComparisonTests {
  static let csv = """
    dataset,teacher,base,memkd,rkd|vid|nst (column 7)
    FaceAll,82.77,46.22,62.26,52.68
    Trace,54.39,64.76,78.76,72.71
    Yoga,73.04,57.97,74.01,68.36
    average,70.00,56.00,71.00,64.00
    """

  static func metrics(_ prc: Double) -> MetricsRecord {
    MetricsRecord(acc: 0.5, aucRoc: 0.5, aucPrc: prc)
  }

  static func student(_ dataset: String, _ method: String, _ prc: Double, seed: UInt64)
    -> StudentRecord
  {
    StudentRecord(
      dataset: dataset, teacher: "teacher", method: method, variant: method, axes: [:], beta: 1,
      seed: seed, validation: metrics(0.5), validationLoss: 0.1, test: metrics(prc), epochs: 10,
      bestEpoch: 5, params: 478, seconds: 1)
  }

  static let report = PipelineReport(
    title: "t",
    teachers: [
      TeacherRecord(
        dataset: "FaceAll", teacher: "teacher", validation: metrics(0.9), test: metrics(0.8792),
        params: 1, seconds: 1),
      TeacherRecord(
        dataset: "Trace", teacher: "teacher", validation: metrics(0.9), test: metrics(0.55),
        params: 1, seconds: 1),
    ],
    students: [
      student("FaceAll", "base", 0.50, seed: 0), student("FaceAll", "base", 0.52, seed: 1),
      student("FaceAll", "memkd", 0.7211, seed: 0),
      student("Trace", "base", 0.64, seed: 0), student("Trace", "memkd", 0.70, seed: 0),
    ])

  @Test("parses the table, skipping the average row")
  func parses() throws {
    let table = try PaperTable(csv: Self.csv, file: "t.csv")
    #expect(table.columns == ["teacher", "base", "memkd", "rkd|vid|nst (column 7)"])
    #expect(table.values["FaceAll"]?["memkd"] == 62.26)
    #expect(table.values["average"] == nil)
    #expect(table.values.count == 3)
  }

  @Test(
    "malformed tables name the file and line",
    arguments: [
      ("", "empty"), ("name,teacher\nA,1\n", "header"), ("dataset,teacher\nA,1,2\n", "t.csv:2"),
      ("dataset,teacher\nA,x\n", "not a number"),
    ])
  func malformed(_ text: String, _ fragment: String) {
    #expect {
      try PaperTable(csv: text, file: "t.csv")
    } throws: { error in
      "\(error)".contains(fragment) && "\(error)".contains("t.csv")
    }
  }

  @Test("ours / paper per dataset in both, averages over those, differences over 3 points")
  func comparison() throws {
    let table = try PaperTable(csv: Self.csv, file: "t.csv")
    let text = Self.report.markdown(paper: table)
    #expect(text.hasPrefix(Self.report.markdown()))
    #expect(text.contains("| dataset | teacher | base | memkd |"))
    #expect(text.contains("| FaceAll | 87.92 / 82.77 | 51.00 / 46.22 | 72.11 / 62.26 |"))
    #expect(text.contains("| Trace | 55.00 / 54.39 | 64.00 / 64.76 | 70.00 / 78.76 |"))
    #expect(text.contains("| average | 71.46 / 68.58 | 57.50 / 55.49 | 71.06 / 70.51 |"))
    #expect(text.contains("Datasets in both: 2."))
    #expect(text.contains("Differences over 3 points: 4."))
    #expect(text.contains("- Trace, memkd: 70.00 against the paper's 78.76 (-8.76 points)"))
    #expect(!text.contains("column 7 |"))
  }
}
