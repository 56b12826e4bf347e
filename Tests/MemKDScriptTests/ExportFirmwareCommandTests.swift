import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// `memkd-script export-c --firmware` and `profile --target`: the firmware folder for the host
/// (built with cc and run natively, so it runs wherever the tests do), and the errors. The
/// Cortex-M builds under QEMU are `make test-mcu`'s (Tests/mcu/test_mcu.py) and
/// `FirmwareTests`'.
@Suite("memkd-script export-c --firmware")
struct ExportFirmwareCommandTests {
  let cli = EndToEndTests()

  static var toolsAvailable: Bool {
    FirmwareTarget.host.requiredTools.allSatisfy { ExternalTool.which($0.program) != nil }
  }

  @Test(
    "host firmware: the folder builds with make and predicts the first test series as Swift",
    .enabled(if: toolsAvailable, "cc, make or size is not on PATH"))
  func hostFirmware() throws {
    let fixture = try ExportCCommandTests.fixture.get()
    let directory = try TestFiles.temporaryDirectory("firmware-cli").appendingPathComponent("fw")
    let result = try cli.run([
      "export-c", "--checkpoint", fixture.checkpoint, "--firmware", directory.path, "--target",
      "host", "--vectors", "30", "--json", "--data-root", EndToEndTests.shippedData,
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    let firmware = try #require(object["firmware"] as? [String: Any])
    #expect(firmware["series"] as? Int == 30)
    #expect(firmware["target"] as? String == "host")
    #expect(object["out"] == nil)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    #expect(
      files == [
        "Makefile", "expected.tsv", "main.c", "memkd_student.h", "model.c", "model.h", "vectors.h",
      ])

    let make = try #require(ExternalTool.which("make"))
    _ = try ExternalTool.run(make, ["-s"], in: directory.path)
    let output = try FirmwareOutput(
      parsing: try ExternalTool.run(make, ["-s", "run"], in: directory.path))
    let model = try ModelCheckpoint.read(from: fixture.checkpoint).model
    let swift = model.evaluate(on: fixture.dataset.test.subset(Array(0..<30)))
    #expect(
      maxAbsoluteDifference(output.probabilities.map(Double.init), swift.probabilities) < 1e-5)
    #expect(output.equalToSwift == 30)
    try output.check(series: 30, classes: 2)
    #expect(output.instructionsPerStep == nil, "no SysTick on the host")
  }

  @Test("errors: --target without --firmware, no output at all, --vectors 0, missing data")
  func errors() throws {
    let fixture = try ExportCCommandTests.fixture.get()
    let directory = try TestFiles.temporaryDirectory("firmware-cli")
    let header = directory.appendingPathComponent("student.h").path
    let cases: [([String], String)] = [
      (["--out", header, "--target", "cortex-m4"], "--target: needs --firmware DIR"),
      ([], "--out: give the header to write, or --firmware DIR, or both"),
      (["--firmware", directory.appendingPathComponent("fw").path, "--vectors", "0"], "--vectors"),
      (["--firmware", directory.appendingPathComponent("fw").path, "--target", "avr"], "avr"),
      (["--firmware", directory.appendingPathComponent("fw").path, "--name", "model"], "--name"),
    ]
    for (arguments, message) in cases {
      let result = try cli.run(["export-c", "--checkpoint", fixture.checkpoint] + arguments)
      #expect(result.status != 0, "\(arguments)")
      #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }
    // The dataset for the vectors is missing: nothing is written, the error names it.
    let folder = directory.appendingPathComponent("no-data")
    let missing = try cli.run([
      "export-c", "--checkpoint", fixture.checkpoint, "--out", header, "--firmware", folder.path,
      "--data-root", directory.path,
    ])
    #expect(missing.status != 0)
    #expect(missing.stderr.contains("ItalyPowerDemand"), "\(missing.stderr)")
    #expect(!FileManager.default.fileExists(atPath: folder.path))
    #expect(!FileManager.default.fileExists(atPath: header))
  }

  @Test("profile --target without the toolchain names the programs and packages to install")
  func missingToolchain() throws {
    let fixture = try ExportCCommandTests.fixture.get()
    let result = try cli.run(
      ["profile", "--checkpoint", fixture.checkpoint, "--target", "cortex-m3", "--no-timing"],
      environment: ["PATH": "/nonexistent"])
    #expect(result.status != 0)
    for text in ["arm-none-eabi-gcc", "gcc-arm-none-eabi", "qemu-system-arm", "apt-get install"] {
      #expect(result.stderr.contains(text), "\(text) in \(result.stderr)")
    }
  }
}
