import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Multichannel, variable-length data end to end: a `.ts` dataset of D = 3 or 6 channels (series
/// of 24-31 steps, a missing value) through a pipeline with a teacher, its traces and a student
/// of every distillation method, then the report and the MemKD student's checkpoint and C
/// header. Tiny sizes and two epochs: this checks that every part takes D inputs, not accuracy.
@Suite("multichannel pipelines", .serialized)
struct MultichannelPipelineTests {
  static let binary = EndToEndTests.binary
  static let methods = [
    "base", "base-kd", "dkd", "at", "rkd", "vid", "nst", "fitnet", "dt2w", "memkd",
  ]

  /// `<root>/Wear<D>/Wear<D>_{TRAIN,TEST}.ts`: 16 series per split, two classes (a slow and a
  /// fast sine on every channel, phase-shifted per channel), lengths 24 + row % 8.
  static func archive(channels: Int) throws -> (root: String, name: String) {
    let root = try TestFiles.temporaryDirectory("memkd-ts")
    let name = "Wear\(channels)"
    let folder = root.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    for split in ["TRAIN", "TEST"] {
      var lines = [
        "@problemName \(name)", "@timeStamps false", "@missing true", "@univariate false",
        "@dimensions \(channels)", "@equalLength false", "@classLabel true slow fast", "@data",
      ]
      for row in 0..<16 {
        let fast = row % 2 == 1
        let length = 24 + row % 8
        let dimensions = (0..<channels).map { channel -> String in
          (0..<length).map { t -> String in
            if row == 3 && channel == 1 && t == 5 { return "?" }
            let x = Double(t) * (fast ? 0.9 : 0.3) + Double(channel) + Double(row) * 0.1
            return String(format: "%.4f", sin(x) + (split == "TEST" ? 0.05 : 0))
          }.joined(separator: ",")
        }
        lines.append(dimensions.joined(separator: ":") + ":" + (fast ? "fast" : "slow"))
      }
      try (lines.joined(separator: "\n") + "\n").write(
        to: folder.appendingPathComponent("\(name)_\(split).ts"), atomically: true,
        encoding: .utf8)
    }
    return (root.path, name)
  }

  @Test(
    "every method trains on D channels; the C export and profile take D inputs", arguments: [3, 6])
  func everyMethod(channels: Int) throws {
    let (root, name) = try Self.archive(channels: channels)
    let directory = try TestFiles.temporaryDirectory("memkd-multichannel")
    let output = directory.appendingPathComponent("run").path
    let students = Self.methods.map { method in
      "  - method: \(method)\n    epochs: 2\n" + (method == "base" ? "" : "    beta: 1\n")
    }.joined()
    let yaml = """
      name: wear
      output: \(output)
      data:
        root: \(root)
        datasets: [\(name)]
      preprocessing:
        length: 20
      teacher:
        layers: 1
        hidden: 6
        inits: 1
        epochs: 2
      students:
      \(students)seeds: 1
      """
    let file = directory.appendingPathComponent("wear.yaml").path
    try yaml.write(toFile: file, atomically: true, encoding: .utf8)
    let run = try ProcessOutput.run(
      Self.binary, ["run", file, "--jobs", "2"])
    #expect(run.status == 0, "\(run.stderr)")
    let report = try String(contentsOfFile: output + "/report.md", encoding: .utf8)
    for method in Self.methods { #expect(report.contains("| \(method) |"), "\(method)") }

    // The MemKD student's checkpoint: D inputs, a stream of D values per step, a C header.
    let status = try ProcessOutput.run(
      Self.binary, ["status", file, "--all", "--json"])
    let steps = try #require(
      try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
    let memkd = try #require(
      steps.first { ($0["label"] as? String)?.contains(" memkd ") == true }?["id"] as? String)
    let checkpoint = output + "/steps/\(memkd)/student.h5"
    let inspect = try ProcessOutput.run(Self.binary, ["inspect", checkpoint])
    #expect(inspect.stdout.contains("input_size = \(channels)"), "\(inspect.stdout)")
    let header = directory.appendingPathComponent("wear.h").path
    let export = try ProcessOutput.run(
      Self.binary, ["export-c", "--checkpoint", checkpoint, "--out", header])
    #expect(export.status == 0, "\(export.stderr)")
    let text = try String(contentsOfFile: header, encoding: .utf8)
    #expect(text.contains("_INPUT_SIZE \(channels)"))
    // The timing itself (D values per step) is `MultichannelTimingTests`: a debug build's
    // timing loop would take a minute here.
    let profile = try ProcessOutput.run(
      Self.binary, ["profile", "--checkpoint", checkpoint, "--json", "--no-timing"])
    #expect(profile.status == 0, "\(profile.stderr)")
    #expect(profile.stdout.contains("\(channels) inputs"), "\(profile.stdout)")
  }
}

/// `profile`'s step timing feeds every channel: it once fed one value to a D-input stream and
/// trapped (the Swift stream) or read past the input (the C program).
@Suite("multichannel step timing")
struct MultichannelTimingTests {
  @Test("the Swift and C step timings run a 6-input student")
  func sixInputs() throws {
    let model = RecurrentClassifier<Float>(
      config: ModelConfig(inputSize: 6, hiddenSize: 8, layers: 1, classes: 4), seed: 3)
    #expect(StepTiming.swift(model: model, steps: 1_000, rounds: 1).isFinite)
    if let compiler = ExternalTool.which("cc") {
      #expect(try StepTiming.c(model: model, compiler: compiler, steps: 1_000) > 0)
    }
  }
}
