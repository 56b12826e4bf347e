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
  @Option(help: "A published table (CSV: dataset,<entry>,...; AUC-PRC %) to compare with, e.g. examples/paper-table2.csv.")
  var paper: String?
  @Flag(help: "Print a JSON summary of what was written.") var json = false

  func run() throws {
    let folder = RunFolder(path: runDir)
    let manifest = try folder.readManifest()
    let report = try folder.writeReport(manifest, paper: try paper.map(PaperTable.load(path:)))
    let files = ["results.csv", "timings.csv", "report.md"] + report.plots().keys.sorted()
    let done = manifest.steps.filter { folder.isDone($0.id) }.count
    if json {
      try printJSON(
        ReportSummary(
          runDir: runDir, files: files, stepsDone: done, steps: manifest.steps.count))
    } else {
      print("\(runDir): \(done) of \(manifest.steps.count) steps done; wrote \(files.joined(separator: ", "))")
    }
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
