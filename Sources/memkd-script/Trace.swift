import ArgumentParser
import Foundation
import MemKDCore

/// `memkd-script trace`: a teacher's hidden states and logits on a dataset split, as a file.
struct Trace: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Write a teacher's hidden sequences, logits and inputs on a dataset split to HDF5.",
    discussion: """
      Distillation reads teacher quantities only from trace files and never runs the teacher. \
      The file records the SHA-256 of the checkpoint it came from.
      """)

  @Option(help: "The teacher checkpoint (.h5).")
  var checkpoint: String

  @OptionGroup var data: DataOptions

  @Option(help: "Which archive split to trace: train or test.")
  var split: ArchiveSplit = .train

  @Option(help: "The traces file to write.")
  var out: String

  @Flag(help: "Print a JSON summary instead of text.")
  var json = false

  struct Summary: Encodable {
    var traces: String
    var dataset: String
    var split: String
    var count: Int
    var length: Int
    var layers: Int
    var hiddenSize: Int
    var bytes: Int
    var computeSeconds: Double
    var writeSeconds: Double
    var readSeconds: Double
    var teacherSha256: String

    enum CodingKeys: String, CodingKey {
      case traces, dataset, split, count, length, layers, bytes
      case hiddenSize = "hidden_size", computeSeconds = "compute_s", writeSeconds = "write_s"
      case readSeconds = "read_s"
      case teacherSha256 = "teacher_sha256"
    }
  }

  func run() throws {
    let lock = try OutputLock(for: out)
    defer { withExtendedLifetime(lock) {} }
    let teacher = try ModelCheckpoint.read(from: checkpoint)
    let dataset = try loadDataset(for: teacher, path: checkpoint, options: data)
    let clock = ContinuousClock()
    let start = clock.now
    let traces = try TeacherTraces.compute(
      teacher: teacher.model, on: split == .test ? dataset.test : dataset.train,
      dataset: dataset, split: split.rawValue, teacherPath: checkpoint,
      teacherSHA256: try SHA256.hexDigest(ofFile: checkpoint))
    let computed = clock.now
    try traces.write(to: out)
    let written = clock.now
    // Read the file back: proves it complete and measures what distillation will pay to load it.
    guard try TeacherTraces.read(from: out) == traces else {
      throw FileFormatError.invalid(
        file: out, message: "read back differently from what was written")
    }
    let verified = clock.now
    let bytes = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
    let summary = Summary(
      traces: out, dataset: dataset.name, split: split.rawValue, count: traces.count,
      length: traces.length, layers: traces.config.layers, hiddenSize: traces.config.hiddenSize,
      bytes: bytes, computeSeconds: (computed - start).seconds,
      writeSeconds: (written - computed).seconds, readSeconds: (verified - written).seconds,
      teacherSha256: traces.teacherSHA256)
    if json {
      try printJSON(summary)
    } else {
      print(
        "\(out): \(summary.count) series x \(summary.length) steps, \(summary.layers) layers x "
          + "\(summary.hiddenSize) units (\(dataset.name) \(split.rawValue)); "
          + String(
            format: "%.1f MB; computed in %.2f s, written in %.2f s, read back in %.2f s",
            Double(bytes) / 1e6, summary.computeSeconds, summary.writeSeconds,
            summary.readSeconds))
    }
  }
}
