import ArgumentParser
import Foundation
import MemKDCore

/// `memkd-bench`: times a teacher and a student training epoch and, when a Python with torch is
/// given, the same epochs in PyTorch in the same run, and prints both with their ratio.
@main
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "memkd-bench",
    abstract: "Time one training epoch of the 3x100 teacher and the 1x8 student (MemKD vs PyTorch)."
  )

  @Option(help: "Training samples per epoch.") var samples = 448
  @Option(help: "Series length T.") var length = 100
  @Option(help: "Mini-batch size.") var batchSize = 32
  @Option(help: "Classes of the synthetic task.") var classes = 14
  @Option(help: "Timed epochs per workload (after one warm-up); the best is reported.")
  var repeats = 5
  @Option(
    help:
      "Timed epochs of the student workloads (millisecond epochs on a shared 2-core machine need many samples for one clean one)."
  )
  var studentRepeats = 60
  @Option(help: "Python interpreter with torch for the reference run (omit to skip PyTorch).")
  var pytorch: String?
  @Option(help: "The PyTorch reference script.")
  var referenceScript = "bench/pytorch_reference.py"
  @Option(help: "Threads for MemKD's batch shards (the table also shows one thread).")
  var threads = 2
  @Option(
    help: "Comma-separated workloads to run (teacher, student, student-memkd, stream, inference).")
  var workloads = "teacher,student,student-memkd,stream,inference"
  @Option(help: "Series of the inference workload (ItalyPowerDemand's test set has 1,029).")
  var inferenceSeries = 1029
  @Flag(help: "Print one JSON object (times in seconds) instead of the table.") var json = false

  func validate() throws {
    for (name, value) in [
      ("--samples", samples), ("--length", length), ("--batch-size", batchSize),
      ("--repeats", repeats), ("--student-repeats", studentRepeats), ("--threads", threads),
      ("--inference-series", inferenceSeries),
    ] where value < 1 {
      throw ValidationError("\(name) must be at least 1 (got \(value))")
    }
    if classes < 2 { throw ValidationError("--classes must be at least 2 (got \(classes))") }
    let unknown = Set(workloads.split(separator: ",").map(String.init)).subtracting([
      "teacher", "student", "student-memkd", "stream", "inference",
    ])
    if !unknown.isEmpty {
      throw ValidationError(
        "--workloads: unknown \(unknown.sorted()); choose from teacher, student, student-memkd, stream, inference"
      )
    }
  }

  /// Rounds the student repeats are split into (see `run`).
  static let studentRounds = 4

  func run() throws {
    BLASRuntime.configure()
    let data = syntheticData(samples: samples, length: length, classes: classes)
    let selected = Set(workloads.split(separator: ",").map(String.init))
    let teacher = syntheticTeacher(samples: samples, length: length, classes: classes)
    let memkd = try DistillationObjective(
      loss: MemKDLoss(), beta: 10, teacherLogits: teacher.logits, teacherHidden: teacher.hidden,
      teacherHiddenSize: 100, length: length, studentHiddenSize: 8)
    let chosen = [
      Workload(name: "teacher", config: .teacher(classes: classes), learningRate: 0.01),
      Workload(name: "student", config: .student(classes: classes), learningRate: 0.1),
      Workload(
        name: "student-memkd", config: .student(classes: classes), learningRate: 0.1,
        objective: memkd),
    ].filter { selected.contains($0.name) }
    var report = BenchReport(
      samples: samples, length: length, batchSize: batchSize, classes: classes, threads: threads,
      blas: BLASRuntime.configuration)
    for workload in chosen {
      let repeats = workload.name == "teacher" ? repeats : studentRepeats
      let flop = workload.flopPerEpoch(samples: samples, length: length)
      // Student epochs take milliseconds, and on a shared VM the second core is sometimes taken
      // for a few hundred of them: the repeats run in rounds that alternate the thread counts,
      // so one such stretch cannot cover every repeat of one setting.
      let rounds = workload.name == "teacher" ? 1 : Self.studentRounds
      var (times, single): ([Double], [Double]) = ([], [])
      for round in 0..<rounds {
        let count = repeats / rounds + (round < repeats % rounds ? 1 : 0)
        guard count > 0 else { continue }
        times += try workload.epochSeconds(
          data: data, batchSize: batchSize, repeats: count, threads: threads)
        if threads != 1 {
          single += try workload.epochSeconds(
            data: data, batchSize: batchSize, repeats: count, threads: 1)
        }
      }
      report.memkd[workload.name] = EpochTiming(times: times, flop: flop)
      if threads != 1 {
        report.memkdSingleThread[workload.name] = EpochTiming(times: single, flop: flop)
      }
    }
    if selected.contains("stream") {
      let student = RecurrentClassifier<Float>(config: .student(classes: classes), seed: 0)
      report.stream = try StreamLatency.measure(model: student)
    }
    if selected.contains("inference") {
      report.inference = InferenceThroughput.measure(
        series: inferenceSeries, length: length, classes: classes, threads: threads)
    }
    if let python = pytorch {
      report.pytorch = try runReference(python: python)
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      print(report.table)
    }
  }

  /// Runs the reference script with the same shapes and decodes its JSON.
  func runReference(python: String) throws -> PyTorchReport {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = [
      referenceScript, "--samples", "\(samples)", "--length", "\(length)",
      "--batch-size", "\(batchSize)", "--classes", "\(classes)", "--threads", "1",
      "--repeats", "\(repeats)", "--student-repeats", "\(studentRepeats)",
      "--inference-series", "\(inferenceSeries)", "--json",
    ]
    let output = Pipe()
    process.standardOutput = output
    do {
      try process.run()
    } catch {
      throw ValidationError("--pytorch \(python): cannot run (\(error.localizedDescription))")
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
      throw ValidationError(
        "\(referenceScript) failed with exit status \(process.terminationStatus) (see its message above)"
      )
    }
    do {
      return try JSONDecoder().decode(PyTorchReport.self, from: data)
    } catch {
      throw ValidationError("\(referenceScript) printed no valid JSON: \(error)")
    }
  }
}
