import Testing

@testable import MemKDPipeline

@Suite("The paper reproduction document")
struct PaperReproductionTests {
  typealias Fixture = PaperComparisonTests

  /// FaceAll and Trace complete (teacher, base, fitnet, memkd); Yoga has no teacher yet.
  static func report(memkdOnTrace: Double) -> PipelineReport {
    let teacher = { (dataset: String, prc: Double) in
      TeacherRecord(
        dataset: dataset, teacher: "teacher", validation: Fixture.metrics(0.9),
        test: Fixture.metrics(prc), params: 1, seconds: 1800)
    }
    return PipelineReport(
      title: "t", teachers: [teacher("FaceAll", 0.8792), teacher("Trace", 0.55)],
      students: [
        Fixture.student("FaceAll", "base", 0.50, seed: 0),
        Fixture.student("FaceAll", "base", 0.52, seed: 1),
        Fixture.student("FaceAll", "fitnet", 0.60, seed: 0),
        Fixture.student("FaceAll", "memkd", 0.7211, seed: 0),
        Fixture.student("Trace", "base", 0.64, seed: 0),
        Fixture.student("Trace", "fitnet", 0.70, seed: 0),
        Fixture.student("Trace", "memkd", memkdOnTrace, seed: 0),
        Fixture.student("Yoga", "memkd", 0.99, seed: 0),
      ])
  }

  static let csv = """
    dataset,teacher,base,fitnet,memkd,rkd|vid|nst (column 7)
    FaceAll,82.77,46.22,56.08,62.26,52.68
    Trace,54.39,64.76,74.11,78.76,72.71
    Yoga,73.04,57.97,60.10,74.01,68.36
    """

  static func document(memkdOnTrace: Double, notes: String? = nil) throws -> String {
    PaperReproduction(
      report: report(memkdOnTrace: memkdOnTrace), paper: try PaperTable(csv: csv, file: "t.csv"),
      command: "memkd-script report R --paper t.csv --reproduction out.md", progress: (9, 12),
      notes: notes
    ).markdown()
  }

  @Test("complete datasets only; averages, ranks, Table I and differences over those")
  func tables() throws {
    let text = try Self.document(memkdOnTrace: 0.8011, notes: "Teacher quality explains it.\n\n")
    #expect(text.contains("`memkd-script report R --paper t.csv --reproduction out.md`"))
    #expect(
      text.contains(
        "Run: 9 of 12 steps done. Complete datasets (teacher and every method): 2 (FaceAll, Trace)."
      ))
    #expect(text.contains("Incomplete, left out of every average, rank and count below: Yoga."))
    // MemKD: (72.11 + 80.11) / 2; the paper: (62.26 + 78.76) / 2.
    #expect(text.contains("complete datasets: **76.11** (paper, same datasets: 70.51)."))
    #expect(text.contains("MemKD **ranks first** among the students"))
    #expect(
      text.contains(
        "| FaceAll | 87.92 / 82.77 | 51.00 +- 1.00 / 46.22 | 60.00 +- 0.00 / 56.08 | 72.11 +- 0.00 / 62.26 |"
      ))
    #expect(text.contains("| memkd | 76.11 | 70.51 | 50.00 | 50.00 |"))
    // Ranks with the teacher: FaceAll teacher 1, memkd 2; Trace memkd 1. The paper's the same
    // over its five columns (its unnamed column 7 ranked too).
    #expect(text.contains("| memkd | 1.50 | 1.50 | 1.00 | 1.00 |"))
    #expect(text.contains("| base | 3.50 | 4.50 | 3.00 | 4.00 |"))
    #expect(text.contains("| memkd | 1/0/1 | 2/0/0 | 2/0/0 | - |"))
    #expect(
      text.contains(
        "| (a) memkd vs base | 2/0/0 | 2/0/0 | 50.00 / 50.00 | 50.00 / 50.00 | 76.11 / 57.50 |"))
    #expect(text.contains("| (b) memkd vs fitnet | 2/0/0 | 2/0/0 |"))
    #expect(!text.contains("Yoga, memkd"))
    #expect(text.contains("- Trace, fitnet: 70.00 against 74.11 (-4.11)"))
    #expect(text.contains("| total | 1.00 | 0.00 | 1.00 |"))
    #expect(text.hasSuffix("## Notes\n\nTeacher quality explains it.\n"))
  }

  @Test("says plainly when MemKD is not first, naming who is")
  func notFirst() throws {
    let text = try Self.document(memkdOnTrace: 0.55)
    #expect(
      text.contains(
        "MemKD **does not rank first** among the students: it is second by average AUC-PRC (first: fitnet, 65.00)"
      ))
    #expect(!text.contains("## Notes"))
  }

  @Test("an empty run says so")
  func empty() throws {
    let text = PaperReproduction(
      report: PipelineReport(title: "t", teachers: [], students: []),
      paper: try PaperTable(csv: Self.csv, file: "t.csv"), command: "c", progress: (0, 3)
    ).markdown()
    #expect(text.hasSuffix("No records.\n"))
  }
}
