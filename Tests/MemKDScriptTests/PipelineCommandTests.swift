import Foundation
import MemKDTestSupport
import Testing

/// `memkd-script run / status / report` on a tiny pipeline (ItalyPowerDemand from data/, a
/// 1 x 4 teacher, a few epochs): caching, re-running one step, changed options, shards and
/// interruptions all end in byte-identical results.
@Suite("memkd-script pipelines", .serialized)
struct PipelineCommandTests {
  static let binary = EndToEndTests.binary

  /// A small two-class UCR dataset ("Tiny": 24 training and 24 test series of 30 steps, noisy
  /// sines of two frequencies) in a fresh archive folder; debug builds train on it in moments.
  static func tinyArchive() throws -> String {
    let root = try TestFiles.temporaryDirectory("memkd-archive")
    let folder = root.appendingPathComponent("Tiny")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for (split, offset) in [("TRAIN", 0), ("TEST", 1000)] {
      var lines: [String] = []
      for row in 0..<24 {
        let label = row % 2 + 1
        let values = (0..<30).map { t -> String in
          let noise = Double((row * 31 + t * 17 + offset) % 13) / 13.0 - 0.5
          let x = Double(t) / 30.0 * 6.283 * Double(label) + Double(row % 5)
          return String(
            format: "%.4f", (x.truncatingRemainder(dividingBy: 6.283) - 3.14) / 3.14 + 0.3 * noise)
        }
        lines.append(([String(label)] + values).joined(separator: "\t"))
      }
      try (lines.joined(separator: "\n") + "\n").write(
        to: folder.appendingPathComponent("Tiny_\(split).tsv"), atomically: true, encoding: .utf8)
    }
    return root.path
  }

  /// A pipeline file in a fresh folder; `output` is a folder next to it (or `output`).
  static func pipeline(
    terms: String = "[short, both]", teacherEpochs: Int = 3, output: String? = nil
  ) throws -> (file: String, output: String) {
    let directory = try TestFiles.temporaryDirectory("memkd-pipeline")
    let output = output ?? directory.appendingPathComponent("run").path
    let yaml = """
      name: tiny
      output: \(output)
      data:
        root: \(try tinyArchive())
        datasets: [Tiny]
      preprocessing:
        length: 20
      teacher:
        layers: 1
        hidden: 4
        inits: 1
        epochs: \(teacherEpochs)
        patience: \(teacherEpochs)
      students:
        - method: base
          epochs: 3
        - method: memkd
          beta: 10
          terms: \(terms)
          epochs: 3
      seeds: 2
      """
    let file = directory.appendingPathComponent("tiny.yaml").path
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    return (file, output)
  }

  typealias Result = ProcessOutput

  static func start(_ arguments: [String]) throws -> (process: Process, stdout: Pipe, stderr: Pipe)
  {
    try ProcessOutput.start(binary, arguments)
  }

  static func finish(_ started: (process: Process, stdout: Pipe, stderr: Pipe)) -> Result {
    ProcessOutput.collect(started)
  }

  static func run(_ arguments: [String]) throws -> Result { finish(try start(arguments)) }

  /// The `--json` summary of a `run`.
  static func summary(_ result: Result) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
  }

  static func contents(_ output: String, _ name: String) throws -> String {
    try String(contentsOfFile: (output as NSString).appendingPathComponent(name), encoding: .utf8)
  }

  /// Every report file of a run folder, name -> text.
  static func reportFiles(_ output: String) throws -> [String: String] {
    var files: [String: String] = [:]
    for name in ["results.csv", "report.md", "auc-prc.svg", "ablation.svg"] {
      files[name] = try contents(output, name)
    }
    return files
  }

  static func stepFolders(_ output: String, kind: String) throws -> [String] {
    let steps = (output as NSString).appendingPathComponent("steps")
    return try FileManager.default.contentsOfDirectory(atPath: steps)
      .filter { $0.hasPrefix(kind + "-") && !$0.contains(".") }.sorted()
  }

  @Test(
    "run, run again (all cached), delete one step (only it re-runs), two shards: byte-identical reports"
  )
  func cachedRerunAndShards() throws {
    let (file, output) = try Self.pipeline()
    let first = try Self.run(["run", file, "--jobs", "2", "--json", "--plain"])
    #expect(first.status == 0, "\(first.stderr)")
    let summary = try Self.summary(first)
    #expect(summary["steps"] as? Int == 8)  // teacher, trace, (base + 2 memkd) x 2 seeds
    #expect(summary["ran"] as? Int == 8)
    let report = try Self.reportFiles(output)
    #expect(report["report.md"]?.contains("terms=short") == true)
    #expect(report["results.csv"]?.split(separator: "\n").count == 7)  // header + 6 runs
    try checkReproduction(output)

    let again = try Self.run(["run", file, "--json", "--plain"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(try Self.summary(again)["ran"] as? Int == 0)
    #expect(again.stderr.contains("all 8 steps are cached"))

    let student = try #require(try Self.stepFolders(output, kind: "student").first)
    try FileManager.default.removeItem(
      atPath: (output as NSString).appendingPathComponent("steps/\(student)"))
    let third = try Self.run(["run", file, "--json", "--plain"])
    #expect(try Self.summary(third)["ran"] as? Int == 1)
    #expect(try Self.reportFiles(output) == report)

    let status = try Self.run(["status", file, "--json"])
    let entries = try #require(
      try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
    #expect(entries.count == 8 && entries.allSatisfy { $0["state"] as? String == "done" })

    // The same pipeline in two shard processes on one new folder.
    let (shardedFile, shardedOutput) = try Self.pipeline()
    let shard0 = try Self.start(["run", shardedFile, "--shard", "0/2", "--plain"])
    let shard1 = try Self.start(["run", shardedFile, "--shard", "1/2", "--plain"])
    for result in [Self.finish(shard0), Self.finish(shard1)] {
      #expect(result.status == 0, "\(result.stderr)")
    }
    #expect(try Self.reportFiles(shardedOutput) == report)
  }

  @Test("changing one option re-runs only the steps that read it")
  func changedOption() throws {
    let (file, output) = try Self.pipeline(terms: "[short, both]")
    #expect(try Self.run(["run", file, "--jobs", "2", "--plain"]).status == 0)
    // terms=both stays, terms=short goes, terms=long is new: 2 new student runs (2 seeds).
    let (changed, _) = try Self.pipeline(terms: "[both, long]", output: output)
    let rerun = try Self.run(["run", changed, "--json", "--plain"])
    #expect(rerun.status == 0, "\(rerun.stderr)")
    #expect(try Self.summary(rerun)["ran"] as? Int == 2)
  }

  @Test("SIGINT and SIGKILL mid-teacher: running again resumes and ends identical")
  func interrupted() throws {
    let (file, output) = try Self.pipeline(teacherEpochs: 300)
    #expect(try Self.run(["run", file, "--plain"]).status == 0)
    let uninterrupted = try Self.reportFiles(output)

    for signal in [SIGINT, SIGKILL] {
      let (again, againOutput) = try Self.pipeline(teacherEpochs: 300)
      let started = try Self.start(["run", again, "--plain"])
      // Wait for the teacher's resumable checkpoint, i.e. training under way.
      let steps = (againOutput as NSString).appendingPathComponent("steps")
      let deadline = Date().addingTimeInterval(120)
      while Date() < deadline {
        let partial = (try? FileManager.default.contentsOfDirectory(atPath: steps))?
          .first { $0.hasPrefix("teacher-") && $0.hasSuffix(".partial") }
        if let partial, FileManager.default.fileExists(atPath: "\(steps)/\(partial)/teacher.h5") {
          break
        }
        Thread.sleep(forTimeInterval: 0.02)
      }
      kill(started.0.processIdentifier, signal)
      let killed = Self.finish(started)
      #expect(killed.status != 0, "signal \(signal)")
      if signal == SIGINT {
        // `run` waits for its interrupted workers: the teacher is left unfinished, to resume.
        #expect(killed.stderr.contains("run the same command again to resume"))
        #expect(try Self.stepFolders(againOutput, kind: "teacher").isEmpty)
      }
      let resumed = try Self.run(["run", again, "--plain"])
      #expect(resumed.status == 0, "\(resumed.stderr)")
      #expect(try Self.reportFiles(againOutput) == uninterrupted, "signal \(signal)")
    }
  }

  @Test("a malformed pipeline file fails naming the file, the line and the key")
  func malformed() throws {
    // (The parser's own suite covers every kind of mistake; this checks the command's message.)
    let directory = try TestFiles.temporaryDirectory("memkd-pipeline")
    let file = directory.appendingPathComponent("bad.yaml").path
    try
      "name: bad\ndata:\n  datasets: [ItalyPowerDemand]\nstudents:\n  - method: memkd\n    trems: both\n"
      .write(toFile: file, atomically: true, encoding: .utf8)
    let result = try Self.run(["run", file])
    #expect(result.status != 0)
    #expect(result.stderr.contains("bad.yaml:6"), "\(result.stderr)")
    #expect(result.stderr.contains("trems"))
  }

  @Test(
    "run --datasets runs only the named datasets of the file, in its own --out folder; an unknown name is an error"
  )
  func datasetSubset() throws {
    let (file, fileOutput) = try Self.pipeline(teacherEpochs: 2)
    // A second dataset: Tiny's files under another name, listed in the same file.
    let text = try String(contentsOfFile: file, encoding: .utf8)
    let root = try #require(
      text.split(separator: "\n").first { $0.contains("root: ") }?
        .split(separator: " ").last.map(String.init))
    let copy = (root as NSString).appendingPathComponent("Twin")
    try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
    for split in ["TRAIN", "TEST"] {
      try FileManager.default.copyItem(
        atPath: (root as NSString).appendingPathComponent("Tiny/Tiny_\(split).tsv"),
        toPath: (copy as NSString).appendingPathComponent("Twin_\(split).tsv"))
    }
    try text.replacingOccurrences(of: "datasets: [Tiny]", with: "datasets: [Tiny, Twin]")
      .write(toFile: file, atomically: true, encoding: .utf8)
    let folder = try TestFiles.temporaryDirectory("memkd-subset")
    let output = folder.appendingPathComponent("run").path

    let noFolder = try Self.run(["run", file, "--datasets", "Twin"])
    #expect(noFolder.status != 0)
    #expect(noFolder.stderr.contains("--datasets needs --out"), "\(noFolder.stderr)")
    #expect(!FileManager.default.fileExists(atPath: fileOutput))

    let unknown = try Self.run(["run", file, "--datasets", "Twin,Nope", "--out", output])
    #expect(unknown.status != 0)
    #expect(unknown.stderr.contains("'Nope' is not a dataset of"), "\(unknown.stderr)")
    #expect(unknown.stderr.contains("Tiny, Twin"))
    #expect(!FileManager.default.fileExists(atPath: output))

    let subset = try Self.run(["run", file, "--datasets", "Twin", "--out", output, "--plain"])
    #expect(subset.status == 0, "\(subset.stderr)")
    let manifest =
      try JSONSerialization.jsonObject(
        with: Data(contentsOf: URL(fileURLWithPath: output + "/pipeline.json"))) as? [String: Any]
    let steps = try #require(manifest?["steps"] as? [[String: Any]])
    #expect(!steps.isEmpty)
    #expect(steps.allSatisfy { $0["dataset"] as? String == "Twin" })
  }

  /// `report --reproduction` on a finished run: the document with its notes and the ablation
  /// tables of each `--ablation` run, atomically written, and the argument errors.
  func checkReproduction(_ output: String) throws {
    let folder = try TestFiles.temporaryDirectory("memkd-reproduction")
    let paper = folder.appendingPathComponent("paper.csv").path
    let notes = folder.appendingPathComponent("notes.md").path
    let document = folder.appendingPathComponent("reproduction.md").path
    try "dataset,teacher,base,memkd\nItalyPowerDemand,98.21,94.22,98.66\n"
      .write(toFile: paper, atomically: true, encoding: .utf8)
    try "Why the numbers differ.\n".write(toFile: notes, atomically: true, encoding: .utf8)
    let written = try Self.run([
      "report", output, "--paper", paper, "--reproduction", document, "--notes", notes,
      "--ablation", output, "--ablation", output,
    ])
    #expect(written.status == 0, "\(written.stderr)")
    let text = try String(contentsOfFile: document, encoding: .utf8)
    #expect(text.contains("# Reproducing the paper's Table I and Table II"))
    #expect(
      text.contains(
        "--reproduction \(document) --notes \(notes) --ablation \(output) --ablation \(output)`"))
    // One section per --ablation, in the order given.
    #expect(text.components(separatedBy: "## Ablation run `").count - 1 == 2)
    #expect(text.contains("terms=short"))
    #expect(text.hasSuffix("## Notes\n\nWhy the numbers differ.\n"))
    for (arguments, fragment) in [
      (["--reproduction", document], "--reproduction needs --paper"),
      (["--paper", paper, "--notes", notes], "add --reproduction FILE"),
      (
        ["--paper", paper, "--reproduction", document, "--notes", notes + ".missing"],
        "no such file"
      ),
    ] {
      let failed = try Self.run(["report", output] + arguments)
      #expect(failed.status != 0)
      #expect(failed.stderr.contains(fragment), "\(failed.stderr)")
    }
    // The failed calls left the document as it was.
    #expect(try String(contentsOfFile: document, encoding: .utf8) == text)
  }

  @Test("report on a folder that is not a run names the missing manifest")
  func reportWithoutRun() throws {
    let directory = try TestFiles.temporaryDirectory("memkd-pipeline").path
    let result = try Self.run(["report", directory])
    #expect(result.status != 0)
    #expect(result.stderr.contains("pipeline.json"))
  }
}
