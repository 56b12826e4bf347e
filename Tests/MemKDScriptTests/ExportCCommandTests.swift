import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// `memkd-script export-c` end to end, on a 1 x 8 model trained briefly on the shipped
/// ItalyPowerDemand (series of 24 points).
@Suite("memkd-script export-c")
struct ExportCCommandTests {
  struct Fixture: Sendable {
    var checkpoint: String
    var dataset: UCRDataset
  }

  /// Trained once for the suite (a few seconds).
  static let fixture: Result<Fixture, any Error> = Result {
    let dataset = try UCRDataset.load(
      name: "ItalyPowerDemand", dataRoot: EndToEndTests.shippedData,
      preprocessing: Preprocessing(length: 24))
    let path = try TestFiles.temporaryDirectory("cexport-cli").appendingPathComponent("student.h5")
      .path
    var run = TeacherRun(
      dataset: dataset,
      protocolConfig: TeacherTraining(
        training: TrainingConfig(learningRate: 0.02, maxEpochs: 25, batchSize: 16, seed: 4),
        initialisations: 1, hiddenSize: 8, layers: 1, threads: 1),
      out: path)
    _ = try run.train()
    return Fixture(checkpoint: path, dataset: dataset)
  }

  let cli = EndToEndTests()

  func json(_ text: String) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
  }

  @Test("--int8 --json: the header is written and the accuracy change is Swift's")
  func int8JSON() throws {
    let fixture = try Self.fixture.get()
    let out = try TestFiles.temporaryDirectory("cexport-cli").appendingPathComponent("student.h")
      .path
    let result = try cli.run([
      "export-c", "--checkpoint", fixture.checkpoint, "--out", out, "--int8", "--json",
      "--data-root", EndToEndTests.shippedData,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try json(result.stdout)
    #expect(object["params"] as? Int == 370)
    #expect(object["weight_bytes"] as? Int == 704)
    #expect(object["float_weight_bytes"] as? Int == 1352)
    #expect(object["state_bytes"] as? Int == 64)
    #expect(object["flops_per_step"] as? Int == 780)
    let accuracy = try #require(object["test_accuracy"] as? [String: Any])
    let model = try ModelCheckpoint.read(from: fixture.checkpoint).model
    let exact = model.evaluate(on: fixture.dataset.test).metrics.accuracy
    let quantized = CHeaderExport.quantized(model).evaluate(on: fixture.dataset.test).metrics
      .accuracy
    // (JSONSerialization may misread the last bit of a Double.)
    func value(_ key: String) throws -> Double { try #require(accuracy[key] as? Double, "\(key)") }
    #expect(abs(try value("float") - exact) < 1e-12)
    #expect(abs(try value("int8") - quantized) < 1e-12)
    #expect(abs(try value("difference") - (quantized - exact)) < 1e-12)
    #expect(accuracy["count"] as? Int == fixture.dataset.test.count)
    let header = try String(contentsOfFile: out, encoding: .utf8)
    #expect(header.contains("static const int8_t memkd_student_weight_hh_l0"))
    #expect(header.contains("Test accuracy on ItalyPowerDemand"))
    #expect(header.contains("resampled to 24 steps"))
    // No temporary file is left next to the header.
    let siblings = try FileManager.default.contentsOfDirectory(
      atPath: URL(fileURLWithPath: out).deletingLastPathComponent().path)
    #expect(siblings == ["student.h"])
  }

  @Test(
    "the exported headers predict the test split as Swift does (float and int8)",
    .enabled(if: CProgram.available, "cc is not on PATH"), arguments: [false, true])
  func compiledOnTestSplit(int8: Bool) throws {
    let fixture = try Self.fixture.get()
    let directory = try TestFiles.temporaryDirectory("cexport-cli")
    let out = directory.appendingPathComponent("edge.h").path
    let result = try cli.run(
      ["export-c", "--checkpoint", fixture.checkpoint, "--out", out, "--name", "edge"]
        + (int8 ? ["--int8", "--data-root", EndToEndTests.shippedData] : []))
    #expect(result.status == 0, "\(result.stderr)")
    let header = try String(contentsOfFile: out, encoding: .utf8)
    let executable = try CProgram.build(
      header: header, program: CProgram.predictions(prefix: "edge"), in: directory)
    let test = fixture.dataset.test
    let model = try ModelCheckpoint.read(from: fixture.checkpoint).model
    let reference = int8 ? CHeaderExport.quantized(model) : model
    let c = try CProgram.predict(
      executable, inputs: test.values, count: test.count, length: test.length,
      classes: model.config.classes, in: directory)
    let swift = reference.evaluate(on: test)
    let difference = maxAbsoluteDifference(c.probabilities, swift.probabilities)
    #expect(difference < 1e-5, "max |p_C - p_Swift| = \(difference)")
    let confident = confidentArgmax(swift.probabilities, classes: model.config.classes)
    for (row, expected) in confident.enumerated() {
      if let expected { #expect(c.predicted[row] == expected, "series \(row)") }
    }
    // The C program's accuracy is the accuracy the command reports.
    let correct = zip(c.predicted, test.labels).filter { $0 == $1 }.count
    #expect(
      abs(Double(correct) / Double(test.count) - swift.metrics.accuracy) <= 1 / Double(test.count))
    if int8 {
      #expect(result.stdout.contains("test accuracy"))
      #expect(result.stdout.contains("points"))
    }
  }

  @Test("text summary names the numbers")
  func textSummary() throws {
    let fixture = try Self.fixture.get()
    let out = try TestFiles.temporaryDirectory("cexport-cli").appendingPathComponent("student.h")
      .path
    let result = try cli.run(["export-c", "--checkpoint", fixture.checkpoint, "--out", out])
    #expect(result.status == 0, "\(result.stderr)")
    for text in [
      "wrote \(out)", "parameters     370", "weight bytes   1352", "state bytes    64",
      "FLOPs/step     714",
    ] {
      #expect(result.stdout.contains(text), "\(text) in \(result.stdout)")
    }
    #expect(!result.stdout.contains("test accuracy"))
  }

  @Test("a dataset that cannot be found is reported, and the header is still written")
  func missingDataset() throws {
    let fixture = try Self.fixture.get()
    let directory = try TestFiles.temporaryDirectory("cexport-cli")
    let out = directory.appendingPathComponent("student.h").path
    let result = try cli.run([
      "export-c", "--checkpoint", fixture.checkpoint, "--out", out, "--int8",
      "--data-root", directory.path,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("not measured"))
    #expect(result.stdout.contains("ItalyPowerDemand"))
    #expect(FileManager.default.fileExists(atPath: out))
    let object = try json(
      try cli.run([
        "export-c", "--checkpoint", fixture.checkpoint, "--out", out, "--int8", "--json",
        "--data-root", directory.path,
      ]).stdout)
    #expect(object["test_accuracy"] == nil)
    #expect((object["accuracy_unavailable"] as? String)?.contains("ItalyPowerDemand") == true)
  }

  @Test("errors name the file: missing checkpoint, unwritable output, bad name")
  func errors() throws {
    let directory = try TestFiles.temporaryDirectory("cexport-cli")
    let missing = directory.appendingPathComponent("absent.h5").path
    let out = directory.appendingPathComponent("student.h").path
    let noCheckpoint = try cli.run(["export-c", "--checkpoint", missing, "--out", out])
    #expect(noCheckpoint.status != 0)
    #expect(noCheckpoint.stderr.contains(missing), "\(noCheckpoint.stderr)")
    #expect(!FileManager.default.fileExists(atPath: out))

    let fixture = try Self.fixture.get()
    let unwritable = "/nonexistent-directory-\(UUID().uuidString)/student.h"
    let noDirectory = try cli.run([
      "export-c", "--checkpoint", fixture.checkpoint, "--out", unwritable,
    ])
    #expect(noDirectory.status != 0)
    #expect(noDirectory.stderr.contains(unwritable), "\(noDirectory.stderr)")

    // A directory in the way: the rename fails and the temporary file is removed.
    let blocked = directory.appendingPathComponent("taken")
    try FileManager.default.createDirectory(
      at: blocked.appendingPathComponent("inner"), withIntermediateDirectories: true)
    let overDirectory = try cli.run([
      "export-c", "--checkpoint", fixture.checkpoint, "--out", blocked.path,
    ])
    #expect(overDirectory.status != 0)
    #expect(overDirectory.stderr.contains(blocked.path), "\(overDirectory.stderr)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["taken"])

    let badName = try cli.run([
      "export-c", "--checkpoint", fixture.checkpoint, "--out", out, "--name", "9-lives",
    ])
    #expect(badName.status != 0)
    #expect(badName.stderr.contains("--name"), "\(badName.stderr)")
  }
}
