import Foundation
import MemKDCore

/// Best and median of a workload's timed epochs.
struct EpochTiming: Codable {
  var epochSecondsBest: Double
  var epochSecondsMedian: Double
  var flop: Double
  var gflops: Double

  init(times: [Double], flop: Double) {
    let sorted = times.sorted()
    epochSecondsBest = sorted.first ?? .nan
    epochSecondsMedian = sorted.isEmpty ? .nan : sorted[sorted.count / 2]
    self.flop = flop
    gflops = flop / epochSecondsBest / 1e9
  }

  enum CodingKeys: String, CodingKey {
    case epochSecondsBest = "epoch_s_best", epochSecondsMedian = "epoch_s_median", flop, gflops
  }
}

/// What `bench/pytorch_reference.py --json` prints.
struct PyTorchReport: Codable {
  var torchVersion: String
  var threads: Int
  var teacher: EpochTiming?
  var student: EpochTiming?
  var studentMemkd: EpochTiming?
  var studentGRU: EpochTiming?
  var studentRNN: EpochTiming?
  var stream: StreamStep?
  /// Best seconds of `predict_proba` per model ("student", "teacher").
  var inference: [String: Double]?

  struct StreamStep: Codable {
    var stepNanosecondsBest: Double
    /// ns per step of each cell's step module (`lstm`, `gru`, `rnn`).
    var cells: [String: Double]?
    enum CodingKeys: String, CodingKey { case stepNanosecondsBest = "step_ns_best", cells }
  }

  enum CodingKeys: String, CodingKey {
    case torchVersion = "torch_version", threads, teacher, student, stream, inference
    case studentMemkd = "student_memkd", studentGRU = "student_gru", studentRNN = "student_rnn"
  }
}

/// The benchmark's result: MemKD timings, optional PyTorch timings, and their ratios.
struct BenchReport: Encodable {
  var samples: Int
  var length: Int
  var batchSize: Int
  var classes: Int
  /// Threads MemKD used for `memkd` (batch shards run concurrently).
  var threads: Int
  var blas: String
  var memkd: [String: EpochTiming] = [:]
  /// The same workloads on one thread (only when `threads` is not 1).
  var memkdSingleThread: [String: EpochTiming] = [:]
  var pytorch: PyTorchReport?
  /// Streaming inference of the 1 x 8 student (the "stream" workload).
  var stream: StreamLatency?
  /// The same for a GRU and an RNN 1 x 8 student, by cell name.
  var streamCells: [String: StreamLatency] = [:]
  /// Batch inference of both models (the "inference" workload).
  var inference: InferenceThroughput?
  /// The protocol's steps on a real dataset (the "steps" workload), with PyTorch's teacher
  /// epoch at the shape its teacher trained on.
  var steps: ProtocolSteps?
  var pytorchSteps: PyTorchReport?

  /// The issue's targets: MemKD epoch time as a fraction of PyTorch's single-thread time.
  static let targets: [String: Double] = [
    "teacher": 0.6, "student": 0.1, "student-memkd": 0.05, "student-gru": 0.1,
    "student-rnn": 0.1,
  ]

  func pytorchTiming(_ name: String) -> EpochTiming? {
    switch name {
    case "teacher": return pytorch?.teacher
    case "student": return pytorch?.student
    case "student-memkd": return pytorch?.studentMemkd
    case "student-gru": return pytorch?.studentGRU
    case "student-rnn": return pytorch?.studentRNN
    default: return nil
    }
  }

  /// MemKD best epoch / PyTorch best epoch.
  var ratios: [String: Double] {
    var result: [String: Double] = [:]
    for (name, timing) in memkd {
      if let reference = pytorchTiming(name) {
        result[name] = timing.epochSecondsBest / reference.epochSecondsBest
      }
    }
    return result
  }

  enum CodingKeys: String, CodingKey {
    case samples, length, batchSize = "batch_size", classes, threads, blas, memkd
    case memkdSingleThread = "memkd_single_thread", pytorch, ratios, targets, stream, inference
    case steps, pytorchSteps = "pytorch_steps", streamCells = "stream_cells"
  }

  func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(samples, forKey: .samples)
    try container.encode(length, forKey: .length)
    try container.encode(batchSize, forKey: .batchSize)
    try container.encode(classes, forKey: .classes)
    try container.encode(threads, forKey: .threads)
    try container.encode(blas, forKey: .blas)
    try container.encode(memkd, forKey: .memkd)
    try container.encode(memkdSingleThread, forKey: .memkdSingleThread)
    try container.encodeIfPresent(pytorch, forKey: .pytorch)
    try container.encode(ratios, forKey: .ratios)
    try container.encode(BenchReport.targets, forKey: .targets)
    try container.encodeIfPresent(stream, forKey: .stream)
    try container.encode(streamCells, forKey: .streamCells)
    try container.encodeIfPresent(inference, forKey: .inference)
    try container.encodeIfPresent(steps, forKey: .steps)
    try container.encodeIfPresent(pytorchSteps, forKey: .pytorchSteps)
  }

  var table: String {
    var lines: [String] = []
    if !memkd.isEmpty { lines += epochLines }
    if let stream {
      lines += ["", streamTable(stream)]
    }
    if let inference {
      lines += [
        "", inference.table(pytorch: pytorch?.inference, threads: threads, length: length),
      ]
    }
    if let steps {
      lines += ["", steps.table(pytorchEpoch: pytorchSteps?.teacher?.epochSecondsBest)]
    }
    if let reference = pytorch ?? pytorchSteps {
      lines.append("")
      lines.append(
        "PyTorch \(reference.torchVersion), \(reference.threads) thread(s); MemKD BLAS: \(blas)")
    } else {
      lines.append("")
      lines.append("PyTorch reference skipped (no --pytorch interpreter given).")
    }
    return lines.drop { $0.isEmpty }.joined(separator: "\n")
  }

  /// The training-epoch table (teacher, student, student MemKD on synthetic data).
  private var epochLines: [String] {
    var lines = [
      "One training epoch: \(samples) samples, T = \(length), batch \(batchSize), \(classes) classes "
        + "(forward, loss, backward, clip, Adam); student MemKD: CE + 10 x MemKD (both terms) "
        + "against cached 3 x 100 teacher hidden states",
      "",
    ]
    let header = [
      "workload", "MemKD s (\(threads)t)", "GFLOP/s", "MemKD s (1t)", "PyTorch s (1t)", "GFLOP/s",
      "ratio", "target", "met", "ratio 1t",
    ]
    var rows: [[String]] = []
    let labels = [
      "teacher": "teacher 3x100", "student": "student 1x8", "student-memkd": "student 1x8 MemKD",
      "student-gru": "student 1x8 GRU", "student-rnn": "student 1x8 RNN",
    ]
    for name in ["teacher", "student", "student-memkd", "student-gru", "student-rnn"] {
      guard let timing = memkd[name] else { continue }
      let single = threads == 1 ? timing : memkdSingleThread[name]
      var row = [
        labels[name] ?? name,
        String(format: "%.4f", timing.epochSecondsBest), String(format: "%.1f", timing.gflops),
        single.map { String(format: "%.4f", $0.epochSecondsBest) } ?? "-",
      ]
      if let reference = pytorchTiming(name), let ratio = ratios[name],
        let target = BenchReport.targets[name]
      {
        row += [
          String(format: "%.4f", reference.epochSecondsBest),
          String(format: "%.1f", reference.gflops), String(format: "%.3fx", ratio),
          String(format: "<= %.2fx", target), ratio <= target ? "yes" : "NO",
          single.map { String(format: "%.3fx", $0.epochSecondsBest / reference.epochSecondsBest) }
            ?? "-",
        ]
      } else {
        row += ["-", "-", "-", "-", "-", "-"]
      }
      rows.append(row)
    }
    lines.append(TextTable.render(header: header, rows: rows))
    return lines
  }

  /// Streaming latency rows per cell: Swift, the C export and PyTorch's step module, ns per
  /// step + head. Bounds: the LSTM's (issue 14) and the GRU's and RNN's (issue 18).
  func streamTable(_ stream: StreamLatency) -> String {
    let cells: [(name: String, module: String, latency: StreamLatency, target: Double)] =
      [("lstm", "LSTMCell", stream, StreamLatency.targetNanoseconds)]
      + [("gru", "GRUCell"), ("rnn", "RNNCell")].compactMap { name, module in
        streamCells[name].map { (name, module, $0, StreamLatency.smallCellTargetNanoseconds) }
      }
    var rows: [[String]] = []
    for cell in cells {
      let torch =
        pytorch?.stream?.cells?[cell.name]
        ?? (cell.name == "lstm" ? pytorch?.stream?.stepNanosecondsBest : nil)
      func row(_ name: String, _ value: Double?, bounded: Bool) -> [String] {
        let bound = bounded ? String(format: "<= %.0f", cell.target) : "-"
        guard let value else { return [cell.name, name, "-", "-", bound, "-"] }
        return [
          cell.name, name, String(format: "%.0f", value),
          torch.map { String(format: "%.1fx", $0 / value) } ?? "-", bound,
          bounded ? (value <= cell.target ? "yes" : "NO") : "-",
        ]
      }
      rows += [
        row("Swift StreamingClassifier", cell.latency.swiftNanoseconds, bounded: true),
        row(
          "exported C header (\(cell.latency.cCompiler ?? "no cc"))", cell.latency.cNanoseconds,
          bounded: true),
        row("PyTorch \(cell.module) + head", torch, bounded: false),
      ]
    }
    return
      "Streaming inference, student 1x8 (\(classes) classes): ns per time step including the head's probabilities\n\n"
      + TextTable.render(
        header: ["cell", "implementation", "ns/step", "vs PyTorch", "target", "met"], rows: rows)
  }
}
