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
    help:
      "Comma-separated workloads to run (\(Self.workloadNames.joined(separator: ", "))).")
  var workloads = Self.workloadNames.joined(separator: ",")
  @Option(help: "Series of the inference workload (ItalyPowerDemand's test set has 1,029).")
  var inferenceSeries = 1029
  @Option(help: "Models of the inference workload (comma-separated: student, teacher).")
  var inferenceModels = "student,teacher"
  @Option(help: "Dataset of the steps workload (a teacher step and one student step per method).")
  var stepsDataset = "FaceAll"
  @Option(help: "Initialisations of the steps workload's teacher (the paper's protocol: 5).")
  var stepsInits = 5
  @Option(help: "Comma-separated methods of the steps workload's student steps (default: all).")
  var stepsMethods = DistillationMethod.allCases.map(\.rawValue).joined(separator: ",")
  @Option(help: "UCR archive root of the steps workload (default: $MEMKD_DATA_ROOT, then data/).")
  var dataRoot: String?
  @Flag(help: "Print one JSON object (times in seconds) instead of the table.") var json = false

  func validate() throws {
    for (name, value) in [
      ("--samples", samples), ("--length", length), ("--batch-size", batchSize),
      ("--repeats", repeats), ("--student-repeats", studentRepeats), ("--threads", threads),
      ("--inference-series", inferenceSeries), ("--steps-inits", stepsInits),
    ] where value < 1 {
      throw ValidationError("\(name) must be at least 1 (got \(value))")
    }
    if classes < 2 { throw ValidationError("--classes must be at least 2 (got \(classes))") }
    let models = Set(inferenceModels.split(separator: ",").map(String.init))
    if models.isEmpty || !models.isSubset(of: ["student", "teacher"]) {
      throw ValidationError(
        "--inference-models: choose from student, teacher (got '\(inferenceModels)')")
    }
    let unknown = Set(workloads.split(separator: ",").map(String.init)).subtracting(
      Self.workloadNames)
    if !unknown.isEmpty {
      throw ValidationError(
        "--workloads: unknown \(unknown.sorted()); choose from \(Self.workloadNames.joined(separator: ", "))"
      )
    }
  }

  static let workloadNames = [
    "teacher", "student", "student-memkd", "student-gru", "student-rnn", "stream", "inference",
    "steps",
  ]
  /// The workloads `bench/pytorch_reference.py` also runs.
  static let referenceWorkloads: Set<String> = [
    "teacher", "student", "student-memkd", "student-gru", "student-rnn", "stream", "inference",
  ]

  /// Rounds the student repeats are split into (see `run`).
  static let studentRounds = 4

  func run() throws {
    BLASRuntime.configure()
    let data = syntheticData(samples: samples, length: length, classes: classes)
    let selected = Set(workloads.split(separator: ",").map(String.init))
    var chosen = [
      Workload(name: "teacher", config: .teacher(classes: classes), learningRate: 0.01),
      Workload(name: "student", config: .student(classes: classes), learningRate: 0.1),
      Workload(
        name: "student-gru", config: .student(classes: classes).with(cell: .gru),
        learningRate: 0.1),
      Workload(
        name: "student-rnn", config: .student(classes: classes).with(cell: .rnn),
        learningRate: 0.1),
    ].filter { selected.contains($0.name) }
    if selected.contains("student-memkd") {
      // Synthetic traces only when needed: 13 M values take a few hundred milliseconds.
      let teacher = syntheticTeacher(samples: samples, length: length, classes: classes)
      let memkd = try DistillationObjective(
        loss: MemKDLoss(), beta: 10, teacherLogits: teacher.logits,
        teacherHidden: teacher.hidden, teacherHiddenSize: 100, length: length,
        studentHiddenSize: 8)
      chosen.append(
        Workload(
          name: "student-memkd", config: .student(classes: classes), learningRate: 0.1,
          objective: memkd))
    }
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
      for cell in [RecurrentCell.gru, .rnn] {
        let other = RecurrentClassifier<Float>(
          config: .student(classes: classes).with(cell: cell), seed: 0)
        report.streamCells[cell.rawValue] = try StreamLatency.measure(model: other)
      }
    }
    if selected.contains("inference") {
      report.inference = InferenceThroughput.measure(
        series: inferenceSeries, length: length, classes: classes, threads: threads,
        models: Set(inferenceModels.split(separator: ",").map(String.init)))
    }
    if selected.contains("steps"), stepsDatasetAvailable() {
      report.steps = try ProtocolSteps.measure(
        dataset: stepsDataset, dataRoot: dataRoot, inits: stepsInits,
        methods: try stepsMethods.split(separator: ",").map { name in
          guard let method = DistillationMethod(rawValue: String(name)) else {
            throw ValidationError("--steps-methods: unknown method '\(name)'")
          }
          return method
        }, threads: threads,
        progress: { message in
          if !json { FileHandle.standardError.write(Data("steps: \(message)\n".utf8)) }
        })
    }
    if let python = pytorch {
      if !selected.isDisjoint(with: Self.referenceWorkloads) {
        report.pytorch = try runReference(
          python: python,
          arguments: referenceArguments(
            samples: samples, length: length, classes: classes, workloads: selected))
      }
      if let steps = report.steps {
        report.pytorchSteps = try runReference(
          python: python,
          arguments: referenceArguments(
            samples: steps.trainSeries, length: steps.length, classes: steps.classes,
            workloads: ["teacher"], repeats: 1))
      }
    }
    if json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
      print(String(decoding: try encoder.encode(report), as: UTF8.self))
    } else {
      print(report.table)
    }
  }

  /// Whether the steps workload's dataset can be found (the archive beside the repository, or
  /// `--data-root`); without it the section is skipped with a message instead of failing the
  /// whole benchmark (the repository ships only the quick start's datasets).
  func stepsDatasetAvailable() -> Bool {
    do {
      _ = try DataLocator.datasetDirectory(name: stepsDataset, explicit: dataRoot)
      return true
    } catch {
      FileHandle.standardError.write(
        Data("steps: skipped, \(stepsDataset) not found (\(error))\n".utf8))
      return false
    }
  }

  /// The reference script's arguments for a shape and the workloads it also runs.
  func referenceArguments(
    samples: Int, length: Int, classes: Int, workloads: Set<String>, repeats: Int? = nil
  ) -> [String] {
    let theirs = workloads.intersection(Self.referenceWorkloads)
    return [
      referenceScript, "--samples", "\(samples)", "--length", "\(length)",
      "--batch-size", "\(batchSize)", "--classes", "\(classes)", "--threads", "1",
      "--repeats", "\(repeats ?? self.repeats)", "--student-repeats", "\(studentRepeats)",
      "--inference-series", "\(inferenceSeries)", "--workloads",
      theirs.sorted().joined(separator: ","), "--json",
    ]
  }

  /// Runs the reference script and decodes its JSON.
  func runReference(python: String, arguments: [String]) throws -> PyTorchReport {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: python)
    process.arguments = arguments
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
