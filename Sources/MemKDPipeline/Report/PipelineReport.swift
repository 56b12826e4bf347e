import Foundation
import MemKDCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The paper-style report of a pipeline run (PROTOCOL.md "Metrics" and Table II): per-dataset
/// test AUC-PRC per method, averages, wins/ties/losses, average ranks, ablations, plus the raw
/// results and timings as CSV and SVG bar charts.
///
/// Every output except `timingsCSV()` is a pure function of the records' metrics, so a run that
/// was interrupted and resumed gives the same bytes as one that was not; wall times live only in
/// timings.csv. Output never depends on the order of the input records except for the column
/// order of variants (first appearance in `students`, i.e. the plan's order).
public struct PipelineReport: Sendable {
  /// The report's `# ` heading and the charts' title.
  public let title: String
  /// One record per (dataset, teacher label), sorted; a later input record for the same pair
  /// replaces an earlier one (a re-run).
  let teachers: [TeacherRecord]
  /// One record per (dataset, teacher, variant, beta, seed), sorted in that order; a later input
  /// record for the same key replaces an earlier one.
  let students: [StudentRecord]
  /// Student variant labels in first-appearance order of the input.
  let variantOrder: [String]
  /// One section per teacher label, sorted by label.
  let sections: [TeacherSection]
  /// Each section's significance tests, computed once for report.md, the diagrams and
  /// significance.json.
  let significances: [SectionSignificance]

  public init(title: String, teachers: [TeacherRecord], students: [StudentRecord]) {
    self.title = title
    self.teachers = Self.lastPerKey(teachers, key: ReportTeacherKey.init(_:)).sorted {
      ReportTeacherKey($0) < ReportTeacherKey($1)
    }
    self.students = Self.lastPerKey(students, key: ReportStudentKey.init(_:)).sorted {
      ReportStudentKey($0) < ReportStudentKey($1)
    }
    var seen = Set<String>()
    variantOrder = students.map(\.variant).filter { seen.insert($0).inserted }
    let labels = Set(self.teachers.map(\.teacher)).union(self.students.map(\.teacher)).sorted()
    let teachersByLabel = Dictionary(grouping: self.teachers, by: \.teacher)
    let studentsByLabel = Dictionary(grouping: self.students, by: \.teacher)
    sections = labels.map { [variantOrder] label in
      TeacherSection(
        label: label, teachers: teachersByLabel[label] ?? [],
        students: studentsByLabel[label] ?? [],
        variantOrder: variantOrder)
    }
    significances = sections.map(SectionSignificance.init)
  }

  /// The records with a duplicate key removed, keeping the last occurrence of each key.
  private static func lastPerKey<Record, Key: Hashable>(
    _ records: [Record], key: (Record) -> Key
  ) -> [Record] {
    var last: [Key: Int] = [:]
    for (index, record) in records.enumerated() { last[key(record)] = index }
    return records.enumerated().filter { last[key($0.element)] == $0.offset }.map(\.element)
  }

  /// File name -> SVG document: "auc-prc.svg" (test AUC-PRC of the teacher and every variant per
  /// dataset) always, "ablation.svg" (the ablation variants only) when any student record has
  /// axes.
  public func plots() -> [String: String] {
    var files = ["auc-prc.svg": aucPrcChart().svg()]
    if students.contains(where: { !$0.axes.isEmpty }) {
      files["ablation.svg"] = ablationChart().svg()
    }
    for (index, section) in sections.enumerated() {
      let names = criticalDifferenceFiles(section: index)
      let charts = section.criticalDifferenceCharts(significances[index])
      if let students = charts.students { files[names.students] = students }
      if let teacher = charts.teacher { files[names.teacher] = teacher }
    }
    return files
  }

  /// File names of a section's critical-difference diagrams ("cd-students.svg",
  /// "cd-with-teacher.svg"; numbered from 1 when the report has several teacher labels).
  func criticalDifferenceFiles(section index: Int) -> (students: String, teacher: String) {
    let suffix = sections.count > 1 ? "-\(index + 1)" : ""
    return ("cd-students\(suffix).svg", "cd-with-teacher\(suffix).svg")
  }

  /// significance.json: each teacher section's significance tests and the table they were
  /// computed from (`SectionSignificance`).
  public func significanceJSON() throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    let data = try encoder.encode(significances)
    return String(decoding: data, as: UTF8.self) + "\n"
  }

  /// Writes results.csv, timings.csv, report.md and the plots into `directory` (created with its
  /// parents if needed). Each file is written to a temporary file in the same directory and
  /// renamed over the target (atomic on POSIX), so a reader never sees a half-written file.
  /// Files from earlier calls that this report no longer produces (an old ablation.svg) are left.
  public func write(to directory: String, paper: PaperTable? = nil) throws {
    try FileManager.default.createDirectory(
      atPath: directory, withIntermediateDirectories: true)
    var files = [
      "results.csv": resultsCSV(), "timings.csv": timingsCSV(),
      "report.md": markdown(paper: paper), "significance.json": try significanceJSON(),
    ]
    files.merge(plots()) { first, _ in first }
    for name in files.keys.sorted() {
      try TextFile.write(
        files[name] ?? "", to: (directory as NSString).appendingPathComponent(name))
    }
  }
}

/// (dataset, teacher, variant, selection, beta, seed): identifies a student run; ordered in
/// that order (the selection as `selectionText`, empty without one).
struct ReportStudentKey: Hashable, Comparable, Sendable {
  var dataset: String
  var teacher: String
  var variant: String
  var selection: String
  var beta: Double
  var seed: UInt64

  init(_ run: StudentRecord) {
    dataset = run.dataset
    teacher = run.teacher
    variant = run.variant
    selection = selectionText(run.selection)
    beta = run.beta
    seed = run.seed
  }

  static func < (a: ReportStudentKey, b: ReportStudentKey) -> Bool {
    (a.dataset, a.teacher, a.variant, a.selection, a.beta, a.seed) < (
      b.dataset, b.teacher, b.variant, b.selection, b.beta, b.seed
    )
  }
}

/// `learning_rate=0.01` (keys sorted, space-separated); empty for no selection.
func selectionText(_ selection: [String: String]?) -> String {
  guard let selection else { return "" }
  return selection.keys.sorted().map { "\($0)=\(selection[$0]!)" }.joined(separator: " ")
}

/// (dataset, teacher label), ordered by dataset then teacher.
struct ReportTeacherKey: Hashable, Comparable, Sendable {
  var dataset: String
  var teacher: String

  init(dataset: String, teacher: String) {
    self.dataset = dataset
    self.teacher = teacher
  }

  init(_ record: TeacherRecord) {
    self.init(dataset: record.dataset, teacher: record.teacher)
  }

  static func < (a: ReportTeacherKey, b: ReportTeacherKey) -> Bool {
    (a.dataset, a.teacher) < (b.dataset, b.teacher)
  }
}
