import Foundation
import MemKDTestSupport
import Testing

@testable import MemKDCore

/// The firmware folder's pieces: parsing what `main.c` prints, the folder's input checks, the
/// Makefile, running external programs with a time limit, and (when the Arm toolchain and QEMU
/// are installed) a Cortex-M4 profile end to end.
@Suite("Firmware for microcontrollers")
struct FirmwareTests {
  static let sample = """
    memkd firmware: memkd_student, 2 series of 10 steps
    series 0 class 1 swift 1 p 0.25 0.75 bits 3e800000 3f400000
    series 1 class 0 swift 0 p 0.5 0.5 bits 3f000000 3f000000
    predictions equal to Swift's: 2/2
    calibration 2000000 instructions 50000 ticks
    overhead 1000 ticks 250
    steps 20 ticks 2000
    readouts 32 ticks 1600
    about 3990.0 instructions per step, 1990.5 per readout
    """

  @Test("the printed lines parse: exact probabilities, the firmware's instruction counts")
  func parsesOutput() throws {
    let output = try FirmwareOutput(parsing: Self.sample)
    #expect(output.classes == [1, 0])
    #expect(output.probabilities == [0.25, 0.75, 0.5, 0.5])
    #expect(output.equalToSwift == 2 && output.compared == 2)
    #expect(output.instructionsPerTick == 40)
    #expect(output.instructionsPerStep == 3990)
    #expect(output.instructionsPerReadout == 1990.5)
    try output.check(series: 2, classes: 2)
    #expect(throws: FirmwareError.self) { try output.check(series: 3, classes: 2) }
    #expect(throws: FirmwareError.self) { try output.check(series: 2, classes: 3) }
    let host = try FirmwareOutput(
      parsing: Self.sample.split(separator: "\n").prefix(4).joined(separator: "\n"))
    #expect(host.instructionsPerStep == nil && host.instructionsPerTick == nil)
  }

  @Test(
    "malformed output is an error naming what is wrong",
    arguments: [
      ("series 0 class x swift 1 p 0.5 bits 3f000000", "not 'series N class K swift K p"),
      ("series 1 class 0 swift 0 p 1 bits 3f800000", "expected series 0"),
      ("series 0 class 0 swift 0 p 1 bits zz", "not hexadecimal"),
      (
        "series 0 class 0 swift 0 p 1 bits 3f800000\nseries 1 class 0 swift 0 p 1 1 bits 0 0",
        "2 probabilities, earlier lines had 1"
      ),
      (
        "series 0 class 0 swift 0 p 1 bits 3f800000\npredictions equal to Swift's: 1",
        "not 'predictions equal to Swift's: M/N'"
      ),
      ("calibration x instructions 1 ticks", "not 'calibration I instructions T ticks'"),
      ("about -5.0 instructions per step, 3.0 per readout", "(S, R > 0)"),
      ("memkd firmware: x, 1 series of 1 steps", "printed no predictions and no summary"),
    ])
  func malformedOutput(text: String, message: String) {
    #expect {
      try FirmwareOutput(parsing: text)
    } throws: { error in
      "\(error)".contains(message)
    }
  }

  static func model(inputSize: Int = 1) -> RecurrentClassifier<Float> {
    RecurrentClassifier<Float>(
      config: ModelConfig(inputSize: inputSize, hiddenSize: 8, layers: 1, classes: 3),
      seed: 7)
  }

  @Test("the folder refuses series that do not fit the model")
  func refusals() throws {
    let model = Self.model(inputSize: 2)
    let export = try CHeaderExport(model: model, source: "test")
    let good = FirmwareFolder.syntheticSeries(count: 2, length: 5, channels: 2)
    var nonFinite = good
    nonFinite.values[3] = .nan
    let cases: [(SeriesSet, Int, String)] = [
      (FirmwareFolder.syntheticSeries(count: 2, length: 5, channels: 1), 6, "1 channels"),
      (nonFinite, 6, "not finite"),
      (good, 5, "5 expected probabilities for 2 series of 3 classes"),
      (FirmwareFolder.syntheticSeries(count: 0, length: 5, channels: 2), 0, "at least one"),
    ]
    for clash in ["model", "vectors", "model_x", "Vector_data"] {
      #expect(FirmwareFolder.nameClash(clash) != nil, "\(clash)")
      let named = try CHeaderExport(model: model, name: clash, source: "test")
      #expect(throws: FirmwareError.self) {
        try FirmwareFolder(
          export: named, target: .host, series: good, expected: [Double](repeating: 0.5, count: 6),
          source: "test")
      }
    }
    #expect(FirmwareFolder.nameClash("memkd_student") == nil)
    for (series, count, message) in cases {
      #expect {
        try FirmwareFolder(
          export: export, target: .host, series: series,
          expected: [Double](repeating: 0.5, count: count), source: "test")
      } throws: { error in
        "\(error)".contains(message)
      }
    }
    #expect(throws: FirmwareError.self) {
      try FirmwareFolder(
        export: export, of: Self.model(), target: .host, series: good, source: "test")
    }
  }

  @Test("files per target; the Makefile carries the target's flags and QEMU machine")
  func files() throws {
    let model = Self.model()
    let series = FirmwareFolder.syntheticSeries(count: 3, length: 4, channels: 1)
    for target in FirmwareTarget.allCases {
      let folder = try FirmwareFolder(
        export: try CHeaderExport(model: model, name: "edge", source: "test"), of: model,
        target: target, series: series, source: "test")
      let names = Set(folder.files.keys)
      #expect(names.isSuperset(of: ["edge.h", "model.c", "model.h", "main.c", "vectors.h"]))
      #expect(names.contains("startup.c") == target.isMicrocontroller)
      let makefile = try #require(folder.files["Makefile"])
      #expect(makefile.contains("CC = \(target.compiler)"))
      if let machine = target.qemuMachine {
        #expect(makefile.contains("-M \(machine)"))
        #expect(makefile.contains("-icount shift=0"))
      }
      #expect(folder.vectors.contains("#define VECTOR_COUNT 3"))
      #expect(folder.expectedTable.split(separator: "\n").count == 4)
    }
    #expect(FirmwareTarget.cortexM4.cpuFlags.contains("-mfloat-abi=hard"))
    #expect(FirmwareTarget.cortexM3.cpuFlags.contains("-mfloat-abi=soft"))
  }

  @Test("external programs: output, failure with its messages, time limit, missing program")
  func externalTool() throws {
    let shell = try #require(ExternalTool.which("sh"))
    #expect(try ExternalTool.run(shell, ["-c", "echo hello"]) == "hello")
    #expect {
      try ExternalTool.run(shell, ["-c", "echo broken >&2; exit 3"])
    } throws: { error in
      "\(error)".contains("exit status 3") && "\(error)".contains("broken")
    }
    let started = ContinuousClock.now
    #expect {
      try ExternalTool.run(shell, ["-c", "echo waiting; sleep 20"], timeout: 0.5)
    } throws: { error in
      "\(error)".contains("did not finish within") && "\(error)".contains("waiting")
    }
    #expect(ContinuousClock.now - started < .seconds(15))
    #expect {
      try ExternalTool.run("/nonexistent/tool", [])
    } throws: { error in
      "\(error)".contains("cannot start /nonexistent/tool")
    }
  }

  @Test(
    "a faulting Cortex-M3 firmware is an error naming the fault, not a hang or a parse error",
    .enabled(if: armToolsAvailable, "the Arm toolchain or QEMU is not installed"))
  func faultIsReported() throws {
    let model = Self.model()
    let directory = try TestFiles.temporaryDirectory("firmware-fault").path
    let folder = try FirmwareFolder(
      export: try CHeaderExport(model: model, source: "test"), of: model, target: .cortexM3,
      series: FirmwareFolder.syntheticSeries(count: 2, length: 3, channels: 1), source: "test")
    let build = try FirmwareBuild(folder, in: directory)
    // An undefined instruction after the first line: a usage fault.
    try TextFile.write(
      """
      #include <stdio.h>
      extern void initialise_monitor_handles(void);
      int main(void) {
        initialise_monitor_handles();
        printf("series 0 class 0 swift 0 p 1 bits 3f800000\\n");
        __asm volatile("udf #0");
        return 0;
      }

      """, to: directory + "/main.c")
    _ = try ExternalTool.run(try #require(ExternalTool.which("make")), ["-s"], in: directory)
    #expect {
      try build.run(timeout: 60)
    } throws: { error in
      "\(error)".contains("firmware stopped: usage fault")
    }
  }

  static var armToolsAvailable: Bool {
    FirmwareTarget.cortexM4.requiredTools.allSatisfy { ExternalTool.which($0.program) != nil }
  }

  @Test(
    "Cortex-M4 profile under QEMU: Swift's predictions, flash, RAM and instructions",
    .enabled(if: armToolsAvailable, "the Arm toolchain or QEMU is not installed"))
  func cortexM4Profile() throws {
    let model = Self.model()
    let directory = try TestFiles.temporaryDirectory("firmware-m4").path
    let series = FirmwareFolder.syntheticSeries(count: 5, length: 20, channels: 1)
    let profile = try MicrocontrollerProfile(
      model: model, int8: false, target: .cortexM4, series: series, directory: directory)
    #expect(profile.predictionsEqual == 5)
    #expect(profile.maxProbabilityDifference < 1e-5)
    let export = try CHeaderExport(model: model, source: "test")
    #expect(profile.flashBytes > export.weightBytes)
    #expect(profile.stateBytes == export.stateBytes)
    #expect(profile.stackBytes > 0)
    let instructions = try #require(profile.instructionsPerStep)
    #expect(Double(export.stepFLOPs) / 2 < instructions && instructions < 50_000)
  }
}
