import ArgumentParser
import Foundation
import MemKDPipeline

/// `memkd-script report RUN_DIR`: the tables and plots of a pipeline run folder.
struct Report: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write results.csv, timings.csv, report.md and SVG plots of a pipeline run folder.",
    discussion: """
      Reads the run folder's pipeline.json and every finished step's result. results.csv has \
      one row per student run and no wall times (it is a pure function of the pipeline and the \
      data); timings.csv has the wall times.
      """)

  @Argument(help: "The run folder (the pipeline's `output`).") var runDir: String
  @Option(
    help:
      "A published table (CSV: dataset,<entry>,...; AUC-PRC %) to compare with, e.g. examples/paper-table2.csv."
  )
  var paper: String?
  @Option(
    help:
      "Also write the reproduction document (Table I and II beside the paper's, verdict, compute time) to this file; needs --paper."
  )
  var reproduction: String?
  @Option(
    help:
      "A Markdown file appended to the reproduction document as its notes; needs --reproduction.")
  var notes: String?
  @Option(
    help:
      "Another run folder (an ablation over the same teachers) whose ablation tables go into the reproduction document, in the order given; repeatable; needs --reproduction."
  )
  var ablation: [String] = []
  @Flag(help: "Print a JSON summary of what was written.") var json = false

  func validate() throws {
    if reproduction != nil && paper == nil {
      throw ValidationError("--reproduction needs --paper (the table to reproduce)")
    }
    if reproduction == nil && (notes != nil || !ablation.isEmpty) {
      throw ValidationError(
        "--notes and --ablation go into the reproduction document: add --reproduction FILE")
    }
  }

  func run() throws {
    let folder = RunFolder(path: runDir)
    let manifest = try folder.readManifest()
    let paperTable = try paper.map(PaperTable.load(path:))
    let report = try folder.writeReport(manifest, paper: paperTable)
    var files = ["results.csv", "timings.csv", "report.md"] + report.plots().keys.sorted()
    let done = manifest.steps.filter { folder.isDone($0.id) }.count
    if let reproduction, let paperTable {
      try writeReproduction(
        to: reproduction, report: report, paper: paperTable, done: done,
        total: manifest.steps.count)
      files.append(reproduction)
    }
    if json {
      try printJSON(
        ReportSummary(
          runDir: runDir, files: files, stepsDone: done, steps: manifest.steps.count))
    } else {
      print(
        "\(runDir): \(done) of \(manifest.steps.count) steps done; wrote \(files.joined(separator: ", "))"
      )
    }
  }

  /// The reproduction document, with the command that regenerates it in its header.
  private func writeReproduction(
    to path: String, report: PipelineReport, paper: PaperTable, done: Int, total: Int
  ) throws {
    var command = "memkd-script report \(runDir) --paper \(self.paper ?? "")"
    command += " --reproduction \(path)"
    var notesText: String?
    if let notes {
      guard let data = FileManager.default.contents(atPath: notes) else {
        throw ValidationError("--notes \(notes): no such file")
      }
      notesText = String(decoding: data, as: UTF8.self)
      command += " --notes \(notes)"
    }
    var ablationReports: [PipelineReport] = []
    for ablation in ablation {
      let ablationFolder = RunFolder(path: ablation)
      let ablationManifest = try ablationFolder.readManifest()
      let (teachers, students) = try ablationFolder.records(ablationManifest)
      ablationReports.append(
        PipelineReport(title: ablationManifest.name, teachers: teachers, students: students))
      command += " --ablation \(ablation)"
    }
    try PaperReproduction(
      report: report, paper: paper, command: command, progress: (done, total),
      ablations: ablationReports, notes: notesText,
      figuresFolder: Self.relativePath(
        of: runDir, from: (path as NSString).deletingLastPathComponent)
    ).write(toFile: path)
  }

  /// `target` relative to the folder `base` (both taken from the working folder), e.g.
  /// `paper-protocol` for results/paper-protocol seen from results.
  static func relativePath(of target: String, from base: String) -> String {
    func components(_ path: String) -> [String] {
      let absolute =
        path.hasPrefix("/")
        ? path
        : (FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(
          path.isEmpty ? "." : path)
      return (absolute as NSString).standardizingPath.split(separator: "/").map(String.init)
    }
    let to = components(target)
    let from = components(base)
    let shared = zip(to, from).prefix { $0 == $1 }.count
    let parts = Array(repeating: "..", count: from.count - shared) + to.dropFirst(shared)
    return parts.isEmpty ? "." : parts.joined(separator: "/")
  }

  struct ReportSummary: Encodable {
    var runDir: String
    var files: [String]
    var stepsDone: Int
    var steps: Int

    enum CodingKeys: String, CodingKey {
      case runDir = "run_dir", files, stepsDone = "steps_done", steps
    }
  }
}
