import Foundation
import MemKDTestSupport
import Testing

@testable import MemKDPipeline

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// Hand-built records with known answers: 3 datasets, a teacher, Base (beta 0) and four variants
/// with betas {1, 10}, 3 seeds each. Seed offsets -0.01, 0, +0.01 on every metric make each mean
/// the nominal value and each population std 0.01 * sqrt(2/3) (0.82 %).
enum ReportFixture {
  static let datasets = ["Adiac", "Strawberry", "Trace"]
  static let teacherPrc = ["Adiac": 0.80, "Strawberry": 0.90, "Trace": 0.70]
  static let seedOffsets: [UInt64: Double] = [1: -0.01, 2: 0, 3: 0.01]

  struct Variant {
    var label: String
    var method: String
    var axes: [String: String]
    var betas: [Double]
    /// The beta selection must pick.
    var chosen: Double
    /// True: every beta has the same validation scores (selection tie -> the smaller beta).
    var tie = false
    /// Test AUC-PRC at the chosen beta per dataset (Adiac, Strawberry, Trace), fractions.
    var prc: [Double]
  }

  static let variants = [
    Variant(
      label: "base", method: "base", axes: [:], betas: [0], chosen: 0, prc: [0.50, 0.60, 0.65]),
    Variant(
      label: "base-kd", method: "base-kd", axes: [:], betas: [1, 10], chosen: 1,
      prc: [0.55, 0.70, 0.72]),
    Variant(
      label: "memkd", method: "memkd", axes: [:], betas: [1, 10], chosen: 10,
      prc: [0.60, 0.75, 0.72]),
    Variant(
      label: "memkd terms=short", method: "memkd", axes: ["terms": "short"], betas: [1, 10],
      chosen: 1, tie: true, prc: [0.58, 0.72, 0.75]),
    Variant(
      label: "memkd terms=long", method: "memkd", axes: ["terms": "long"], betas: [1, 10],
      chosen: 10, prc: [0.52, 0.76, 0.60]),
  ]

  static func teachers(label: String = "teacher", seconds: Double = 12.5) -> [TeacherRecord] {
    datasets.map { dataset in
      let prc = teacherPrc[dataset] ?? 0
      return TeacherRecord(
        dataset: dataset, teacher: label,
        validation: MetricsRecord(acc: 0.5, aucRoc: 0.5, aucPrc: 0.5),
        test: MetricsRecord(acc: prc - 0.1, aucRoc: prc + 0.1, aucPrc: prc), params: 1234,
        seconds: seconds)
    }
  }

  /// Student records in plan order (dataset, variant, beta, seed); `seconds(i)` for the i-th.
  static func students(
    teacher: String = "teacher", variants: [Variant] = variants,
    seconds: (Int) -> Double = { Double($0) * 1.5 }
  ) -> [StudentRecord] {
    var records: [StudentRecord] = []
    for (datasetIndex, dataset) in datasets.enumerated() {
      for variant in variants {
        for beta in variant.betas {
          for seed in seedOffsets.keys.sorted() {
            let offset = seedOffsets[seed] ?? 0
            let isChosen = beta == variant.chosen
            // Non-chosen betas validate worse (unless tied) and test clearly worse.
            let val = (isChosen || variant.tie ? 0.70 : 0.60) + offset
            let prc = variant.prc[datasetIndex] + (isChosen ? 0 : -0.2) + offset
            records.append(
              StudentRecord(
                dataset: dataset, teacher: teacher, method: variant.method, variant: variant.label,
                axes: variant.axes, beta: beta, seed: seed,
                validation: MetricsRecord(acc: val, aucRoc: val, aucPrc: val),
                validationLoss: 0.25 + offset,
                test: MetricsRecord(acc: prc - 0.1, aucRoc: prc + 0.1, aucPrc: prc),
                epochs: 100, bestEpoch: 50, params: 321, seconds: seconds(records.count)))
          }
        }
      }
    }
    return records
  }

  static func report(students: [StudentRecord] = students()) -> PipelineReport {
    PipelineReport(title: "Synthetic", teachers: teachers(), students: students)
  }
}

@Suite("PipelineReport selection and tables")
struct PipelineReportTableTests {
  @Test("beta: highest mean validation AUC-PRC; a tie goes to the smaller beta; NaN never wins")
  func betaSelection() throws {
    let section = try #require(ReportFixture.report().sections.first)
    for (index, variant) in ReportFixture.variants.enumerated() {
      for dataset in ReportFixture.datasets {
        #expect(section.result(variant: index, dataset: dataset)?.beta == variant.chosen)
      }
    }
    var runs = ReportFixture.students().filter { $0.variant == "memkd" && $0.dataset == "Adiac" }
    for index in runs.indices where runs[index].beta == 1 { runs[index].validation.aucPrc = .nan }
    #expect(SelectedResult.select(runs)?.beta == 10)
    #expect(SelectedResult.select([]) == nil)
  }

  @Test("mean and population std of the chosen beta's seeds")
  func meanStd() throws {
    let section = try #require(ReportFixture.report().sections.first)
    let memkd = try #require(section.result(variant: 2, dataset: "Strawberry"))
    #expect(abs(memkd.mean.aucPrc - 0.75) < 1e-12)
    #expect(abs(memkd.std.aucPrc - 0.01 * (2.0 / 3).squareRoot()) < 1e-12)
    #expect(abs(memkd.mean.acc - 0.65) < 1e-12)
    #expect(memkd.seeds == 3)
    let markdown = ReportFixture.report().markdown()
    #expect(
      markdown.contains(
        "| Strawberry | 90.00 | 60.00 +- 0.82 * | 70.00 +- 0.82 * | 75.00 +- 0.82 "
          + "| 72.00 +- 0.82 * | 76.00 +- 0.82 |"
      ))
    #expect(
      markdown.contains(
        "| dataset | teacher | base | base-kd | memkd | memkd terms=short | memkd terms=long |"))
    #expect(markdown.contains("| Adiac | 0 | 1 | 10 | 1 | 10 |"))  // chosen beta table
    #expect(markdown.hasPrefix("# Synthetic\n"))
    #expect(!markdown.contains("## Teacher:"))
  }

  @Test("averages over datasets of the per-dataset means")
  func averages() {
    let markdown = ReportFixture.report().markdown()
    #expect(markdown.contains("| teacher | 80.00 | 90.00 | 70.00 | 3 |"))
    #expect(markdown.contains("| memkd | 69.00 | 79.00 | 59.00 | 3 |"))
    #expect(markdown.contains("| base | 58.33 | 68.33 | 48.33 | 3 |"))
  }

  @Test("wins/ties/losses of memkd and average ranks match hand-computed values")
  func winsAndRanks() throws {
    let section = try #require(ReportFixture.report().sections.first)
    let reference = try #require(section.referenceIndex)
    #expect(section.variants[reference].label == "memkd")
    let expected = [(0, 3, 0, 0), (1, 2, 1, 0), (3, 2, 0, 1), (4, 2, 0, 1)]
    for (other, wins, ties, losses) in expected {
      let wtl = section.winTieLoss(reference, against: other)
      #expect(wtl.wins == wins && wtl.ties == ties && wtl.losses == losses && wtl.datasets == 3)
    }
    let without = section.averageRanks(withTeacher: false)
    let expectedWithout = [14.0 / 3, 9.5 / 3, 5.5 / 3, 2, 10.0 / 3]
    #expect(without.datasets == 3)
    #expect(zip(without.ranks, expectedWithout).allSatisfy { abs($0 - $1) < 1e-12 })
    let with = section.averageRanks(withTeacher: true)
    let expectedWith = [2, 17.0 / 3, 11.5 / 3, 2.5, 8.0 / 3, 13.0 / 3]
    #expect(zip(with.ranks, expectedWith).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(with.ranks.count == 6 && without.ranks.count == 5)

    let markdown = ReportFixture.report().markdown()
    #expect(markdown.contains("Reference: `memkd`"))
    #expect(markdown.contains("| base-kd | 2 | 1 | 0 | 3 |"))
    #expect(markdown.contains("| teacher | 2.00 | - |"))
    #expect(markdown.contains("| memkd | 2.50 | 1.83 |"))
    #expect(markdown.contains("| base | 5.67 | 4.67 |"))
  }

  @Test("without a variant labelled memkd: a MemKD variant (both terms first), else the first")
  func referenceFallback() throws {
    let ablation = ReportFixture.variants.filter { $0.label != "memkd" }
    let report = ReportFixture.report(students: ReportFixture.students(variants: ablation))
    let section = try #require(report.sections.first)
    #expect(section.variants[try #require(section.referenceIndex)].label == "memkd terms=short")
    #expect(report.markdown().contains("Reference: `memkd terms=short`"))

    var both = ReportFixture.students(variants: ablation)
    for index in both.indices where both[index].variant == "memkd terms=long" {
      both[index].variant = "memkd terms=both"
      both[index].axes = ["terms": "both"]
    }
    #expect(
      ReportFixture.report(students: both).markdown().contains("Reference: `memkd terms=both`"))

    let noMemKD = ReportFixture.variants.filter { !$0.label.hasPrefix("memkd") }
    let plain = ReportFixture.report(students: ReportFixture.students(variants: noMemKD))
    #expect(try #require(plain.sections.first).referenceIndex == 0)
    #expect(plain.markdown().contains("Reference: `base`"))
  }

  @Test("missing cells show - and are left out of ranks and W/T/L")
  func missingCells() throws {
    let students = ReportFixture.students().filter {
      !($0.variant == "memkd terms=long" && $0.dataset == "Trace")
    }
    let report = ReportFixture.report(students: students)
    let markdown = report.markdown()
    #expect(
      markdown.contains(
        "| Trace | 70.00 | 65.00 +- 0.82 * | 72.00 +- 0.82 | 72.00 +- 0.82 | 75.00 +- 0.82 * | - |"
      ))
    let section = try #require(report.sections.first)
    let wtl = section.winTieLoss(2, against: 4)
    #expect(wtl.wins == 1 && wtl.ties == 0 && wtl.losses == 1 && wtl.datasets == 2)
    let without = section.averageRanks(withTeacher: false)
    #expect(without.datasets == 2)
    #expect(zip(without.ranks, [5, 3.5, 1.5, 2.5, 2.5]).allSatisfy { abs($0 - $1) < 1e-12 })
    #expect(markdown.contains("| memkd terms=long | 12 | 2 |"))  // Runs table
    #expect(markdown.contains("| memkd terms=short | 18 | 3 |"))
  }

  @Test("the significance section: Friedman, pairs, cliques and seed tests, also as JSON")
  func significance() throws {
    let report = ReportFixture.report()
    let markdown = report.markdown()
    #expect(markdown.contains("## Significance"))
    #expect(markdown.contains("| students | 5 | 3 |"))
    #expect(markdown.contains("| students and teacher | 6 | 3 |"))
    #expect(markdown.contains("Critical-difference cliques (students):"))
    #expect(markdown.contains("![Critical difference, students](cd-students.svg)"))
    #expect(markdown.contains("`memkd` against each other variant over seeds"))
    let json = try #require(
      try JSONSerialization.jsonObject(with: Data(report.significanceJSON().utf8))
        as? [[String: Any]])
    let section = try #require(json.first)
    #expect(section["reference"] as? String == "memkd")
    let students = try #require(section["students"] as? [String: Any])
    #expect((students["pairs"] as? [Any])?.count == 10)
    #expect((students["scores"] as? [[Double]])?.count == 3)
    let seedTests = try #require(section["seed_tests"] as? [[String: Any]])
    let strawberry = seedTests.filter { $0["dataset"] as? String == "Strawberry" }
    #expect(strawberry.count == 4)
    try expectWellFormed(try #require(report.plots()["cd-students.svg"]))
  }

  @Test("the ablation table appears only when some variant has axes")
  func ablation() {
    let markdown = ReportFixture.report().markdown()
    #expect(markdown.contains("## Ablation"))
    #expect(markdown.contains("### memkd\n\n| dataset | (default) | terms=short | terms=long |"))
    #expect(markdown.contains("| Adiac | 60.00 +- 0.82 | 58.00 +- 0.82 | 52.00 +- 0.82 * |"))
    #expect(markdown.contains("| average | 69.00 | 68.33 | 62.67 |"))
    let plain = ReportFixture.variants.filter { $0.axes.isEmpty }
    let report = ReportFixture.report(students: ReportFixture.students(variants: plain))
    #expect(!report.markdown().contains("Ablation"))
    let diagrams = ["cd-students.svg", "cd-with-teacher.svg"]
    #expect(report.plots().keys.sorted() == ["auc-prc.svg"] + diagrams)
    #expect(
      ReportFixture.report().plots().keys.sorted() == ["ablation.svg", "auc-prc.svg"] + diagrams)
  }

  @Test("several teacher labels: the tables repeat under ## Teacher: <label>")
  func teacherSections() {
    let report = PipelineReport(
      title: "Two teachers",
      teachers: ReportFixture.teachers() + ReportFixture.teachers(label: "teacher hidden=50"),
      students: ReportFixture.students() + ReportFixture.students(teacher: "teacher hidden=50"))
    let markdown = report.markdown()
    #expect(markdown.contains("## Teacher: teacher\n"))
    #expect(markdown.contains("## Teacher: teacher hidden=50\n"))
    #expect(markdown.components(separatedBy: "### Test AUC-PRC (%)").count == 3)
    #expect(markdown.contains("#### Chosen beta"))
  }

  @Test("number formatting is fixed and locale-free")
  func formatting() {
    #expect(ReportFormat.percent(0.72115) == "72.12" || ReportFormat.percent(0.72115) == "72.11")
    #expect(ReportFormat.percent(0.5) == "50.00")
    #expect(ReportFormat.percent(0.0005) == "0.05")
    #expect(ReportFormat.percent(-0.01) == "-1.00")
    #expect(ReportFormat.fixed(1.005, decimals: 1) == "1.0")
    #expect(ReportFormat.fixed(12, decimals: 0) == "12")
    #expect(ReportFormat.short(10) == "10")
    #expect(ReportFormat.short(0.1) == "0.1")
    #expect(ReportFormat.short(0) == "0")
    #expect(ReportFormat.percent(.nan) == "nan")
  }
}

@Suite("PipelineReport files")
struct PipelineReportFileTests {
  @Test("results.csv: header, one row per run, sorted, RFC 4180 quoting")
  func resultsCSV() throws {
    let csv = ReportFixture.report().resultsCSV()
    let lines = csv.split(separator: "\n", omittingEmptySubsequences: false)
    let header =
      "dataset,teacher,method,variant,terms,beta,seed,val_acc,val_auc_roc,val_auc_prc,"
      + "val_loss,test_acc,test_auc_roc,test_auc_prc,epochs,best_epoch,params"
    #expect(lines.first.map(String.init) == header)
    #expect(lines.count == 1 + 3 * 27 + 1)  // header, runs, the empty string after the last "\n"
    #expect(lines.last == "")
    #expect(lines[1].hasPrefix("Adiac,teacher,base,base,,0.0,1,"))
    #expect(!csv.contains("seconds"))
    // Input order does not matter.
    let reversed = ReportFixture.report(students: ReportFixture.students().reversed()).resultsCSV()
    #expect(reversed == csv)

    var odd = try #require(ReportFixture.students().first)
    odd.dataset = "Foo, \"bar\""
    odd.variant = "line\nbreak"
    let quoted = PipelineReport(title: "q", teachers: [], students: [odd]).resultsCSV()
    #expect(quoted.contains("\"Foo, \"\"bar\"\"\",teacher,base,\"line\nbreak\","))
    #expect(CSVWriter.field("plain") == "plain")
    #expect(CSVWriter.field("a,b") == "\"a,b\"")
  }

  @Test("timings.csv holds the seconds; nothing else depends on them")
  func secondsOnlyInTimings() {
    let a = PipelineReport(
      title: "T", teachers: ReportFixture.teachers(seconds: 1),
      students: ReportFixture.students(seconds: { Double($0) }))
    let b = PipelineReport(
      title: "T", teachers: ReportFixture.teachers(seconds: 99),
      students: ReportFixture.students(seconds: { 1000 + Double($0) * 7 }))
    #expect(a.resultsCSV() == b.resultsCSV())
    #expect(a.markdown() == b.markdown())
    #expect(a.plots() == b.plots())
    #expect(a.timingsCSV() != b.timingsCSV())
    let lines = a.timingsCSV().split(separator: "\n")
    #expect(lines.first == "dataset,teacher,variant,beta,seed,seconds")
    #expect(lines.count == 1 + 3 + 3 * 27)
    #expect(lines[1] == "Adiac,teacher,teacher,,,1.0")
    #expect(lines[2] == "Adiac,teacher,base,0.0,1,0.0")
  }

  @Test("SVG charts are well-formed with one bar per (dataset, entry)")
  func charts() throws {
    let plots = ReportFixture.report().plots()
    let main = try #require(plots["auc-prc.svg"])
    let ablation = try #require(plots["ablation.svg"])
    for svg in [main, ablation] {
      #expect(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""))
      #expect(svg.contains("viewBox=\"0 0 "))
      try expectWellFormed(svg)
    }
    #expect(main.components(separatedBy: "class=\"bar\"").count - 1 == 3 * 6)
    #expect(main.components(separatedBy: "class=\"swatch\"").count - 1 == 6)
    #expect(main.components(separatedBy: "class=\"error\"").count - 1 == 3 * 5 * 3)
    #expect(ablation.components(separatedBy: "class=\"bar\"").count - 1 == 3 * 3)
    #expect(ablation.contains(">memkd terms=short</text>"))

    // Escaping: a title with markup characters stays well-formed.
    let odd = PipelineReport(
      title: "A & B <\"x\">", teachers: ReportFixture.teachers(), students: [])
    let svg = try #require(odd.plots()["auc-prc.svg"])
    #expect(svg.contains("A &amp; B &lt;&quot;x&quot;&gt;"))
    try expectWellFormed(svg)
  }

  @Test("write(to:) creates the directory and replaces files atomically")
  func write() throws {
    let root = try TestFiles.temporaryDirectory("memkd-report")
    defer { try? FileManager.default.removeItem(at: root) }
    let directory = root.appendingPathComponent("nested/report").path
    let report = ReportFixture.report()
    try report.write(to: directory)
    let expected = [
      "ablation.svg", "auc-prc.svg", "cd-students.svg", "cd-with-teacher.svg", "report.md",
      "results.csv", "significance.json", "timings.csv",
    ]
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == expected)
    let markdownPath = directory + "/report.md"
    #expect(try String(contentsOfFile: markdownPath, encoding: .utf8) == report.markdown())

    let smaller = ReportFixture.report(students: Array(ReportFixture.students().prefix(3)))
    try smaller.write(to: directory)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory).sorted() == expected)
    #expect(try String(contentsOfFile: markdownPath, encoding: .utf8) == smaller.markdown())
    #expect(
      try String(contentsOfFile: directory + "/results.csv", encoding: .utf8)
        == smaller.resultsCSV())
  }

  @Test("output is deterministic")
  func deterministic() {
    let a = ReportFixture.report()
    let b = ReportFixture.report()
    #expect(a.markdown() == a.markdown())
    #expect(a.markdown() == b.markdown())
    #expect(a.plots() == b.plots())
    #expect(a.resultsCSV() == b.resultsCSV())
    #expect(a.timingsCSV() == b.timingsCSV())
  }

  @Test("duplicate runs: the later record replaces the earlier one")
  func duplicates() {
    let students = ReportFixture.students()
    var again = Array(students.prefix(2))
    for index in again.indices { again[index].test.aucPrc = 0.123 }
    let csv = ReportFixture.report(students: students + again).resultsCSV()
    #expect(csv.split(separator: "\n").count == 1 + students.count)
    #expect(csv.components(separatedBy: ",0.123,").count - 1 == 2)
  }
}

/// Checks that `svg` parses as XML (XMLParser where FoundationXML exists, else a tag balance).
private func expectWellFormed(
  _ svg: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
  #if canImport(FoundationXML) || canImport(Darwin)
    let parser = XMLParser(data: Data(svg.utf8))
    let ok = parser.parse()
    #expect(
      ok, "XML error: \(String(describing: parser.parserError))", sourceLocation: sourceLocation)
  #else
    var depth = 0
    var index = svg.startIndex
    while let open = svg[index...].firstIndex(of: "<") {
      guard let close = svg[open...].firstIndex(of: ">") else { break }
      let tag = svg[open...close]
      if tag.hasPrefix("</") {
        depth -= 1
      } else if !tag.hasPrefix("<?") && !tag.hasSuffix("/>") {
        depth += 1
      }
      index = svg.index(after: close)
    }
    #expect(depth == 0, "unbalanced tags", sourceLocation: sourceLocation)
  #endif
}
