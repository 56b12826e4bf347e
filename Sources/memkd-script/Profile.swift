import ArgumentParser
import Foundation
import MemKDCore

/// `memkd-script profile --checkpoint F`: what a model costs on a device.
struct Profile: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract:
      "Size and speed of a model on the edge: parameters, bytes, FLOPs and measured ns per step.",
    discussion: """
      Bytes are the weight arrays of the exported C header (float32, and int8 with per-row \
      scales) and its state. ns per step is one time step plus the class probabilities, measured \
      here for the Swift StreamingClassifier and for the exported header compiled with cc -O2 \
      (skipped when there is no C compiler). The compression ratio compares with --teacher, or, \
      without it, with the paper's 3 x 100 LSTM teacher of the same input and class count.

      With --target (cortex-m4, cortex-m3 or host; repeatable), the exported header is also \
      built into firmware for that target (float32 and int8), run under QEMU on --series \
      synthetic series, and reported: flash bytes of the model's code and weights \
      (arm-none-eabi-size of its object), RAM (the state plus the largest stack frame) and \
      instructions per step and per readout, counted by SysTick under -icount shift=0 and \
      calibrated by a loop of known length (instructions, not cycles).
      """)

  @Option(help: "The checkpoint (.h5) to profile.") var checkpoint: String
  @Option(help: "The teacher checkpoint it was distilled from (for the compression ratio).")
  var teacher: String?
  @Flag(help: "Skip the timings (sizes and FLOPs only).") var noTiming = false
  @Option(help: "Build, run and measure firmware for this target (repeatable).")
  var target: [FirmwareTarget] = []
  @Option(help: "Synthetic series the firmware classifies (with --target); at least 1.")
  var series = 10
  @Flag(help: "Print JSON.") var json = false

  struct Summary: Encodable {
    var checkpoint: String
    var model: String
    var cell: RecurrentCell
    var parameters: Int
    var bytesFloat32: Int
    var bytesInt8: Int
    var stateBytes: Int
    var flopsPerStep: Int
    var swiftNanosecondsPerStep: Double?
    var cNanosecondsPerStep: Double?
    var cInt8NanosecondsPerStep: Double?
    var teacherParameters: Int
    var teacherSource: String
    var compression: Double
    var microcontroller: [MicrocontrollerProfile]?

    enum CodingKeys: String, CodingKey {
      case checkpoint, model, cell, parameters, compression
      case bytesFloat32 = "bytes_float32", bytesInt8 = "bytes_int8", stateBytes = "state_bytes"
      case flopsPerStep = "flops_per_step", swiftNanosecondsPerStep = "swift_ns_per_step"
      case cNanosecondsPerStep = "c_ns_per_step", cInt8NanosecondsPerStep = "c_int8_ns_per_step"
      case teacherParameters = "teacher_parameters", teacherSource = "teacher", microcontroller
    }
  }

  func validate() throws {
    guard series >= 1 else { throw ValidationError("--series: \(series) is not at least 1") }
  }

  func run() throws {
    BLASRuntime.configure()
    let file = try ModelCheckpoint.read(from: checkpoint)
    let model = file.model
    let config = model.config
    let float32 = try CHeaderExport(model: model, source: checkpoint)
    let int8 = try CHeaderExport(model: model, int8: true, source: checkpoint)
    let teacherConfig: ModelConfig
    let teacherSource: String
    if let teacher {
      teacherConfig = try ModelCheckpoint.read(from: teacher).config
      teacherSource = teacher
    } else {
      teacherConfig = .teacher(classes: config.classes, inputSize: config.inputSize)
      teacherSource = "the paper's 3 x 100 LSTM teacher (no --teacher given)"
    }
    var summary = Summary(
      checkpoint: checkpoint,
      model: config.summary, cell: config.cell,
      parameters: config.parameterCount, bytesFloat32: float32.weightBytes,
      bytesInt8: int8.weightBytes, stateBytes: float32.stateBytes,
      flopsPerStep: float32.flopsPerStep, teacherParameters: teacherConfig.parameterCount,
      teacherSource: teacherSource,
      compression: Double(teacherConfig.parameterCount) / Double(config.parameterCount))
    if !noTiming {
      summary.swiftNanosecondsPerStep = StepTiming.swift(model: model)
      if let compiler = ExternalTool.which("cc") {
        summary.cNanosecondsPerStep = try StepTiming.c(model: model, compiler: compiler)
        summary.cInt8NanosecondsPerStep = try StepTiming.c(
          model: model, int8: true, compiler: compiler)
      }
    }
    if !target.isEmpty {
      summary.microcontroller = try microcontrollerProfiles(
        model, length: file.data.preprocessing.length)
    }
    if json {
      try printJSON(summary)
      return
    }
    func ns(_ value: Double?) -> String { value.map { String(format: "%.0f ns", $0) } ?? "-" }
    print(
      """
      \(checkpoint): \(summary.model)
        parameters        \(summary.parameters)
        weights           \(summary.bytesFloat32) bytes float32, \(summary.bytesInt8) bytes int8 (+ per-row scales)
        state             \(summary.stateBytes) bytes
        FLOPs per step    \(summary.flopsPerStep) (one time step + the head)
        time per step     Swift \(ns(summary.swiftNanosecondsPerStep)), C \(ns(summary.cNanosecondsPerStep)), C int8 \(ns(summary.cInt8NanosecondsPerStep))
        compression       \(String(format: "%.0fx", summary.compression)) against \(teacherSource) (\(summary.teacherParameters) parameters)
      """)
    for profile in summary.microcontroller ?? [] { print(Self.text(profile)) }
  }

  /// Float32 and int8 firmware for every `--target`, built in a temporary folder.
  private func microcontrollerProfiles(_ model: RecurrentClassifier<Float>, length: Int) throws
    -> [MicrocontrollerProfile]
  {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("memkd-profile-\(getpid())").path
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let inputs = FirmwareFolder.syntheticSeries(
      count: series, length: length, channels: model.config.inputSize)
    return try target.flatMap { target in
      try [false, true].map { int8 in
        try MicrocontrollerProfile(
          model: model, int8: int8, target: target, series: inputs,
          directory: "\(directory)/\(target.rawValue)-\(int8 ? "int8" : "float32")")
      }
    }
  }

  static func text(_ profile: MicrocontrollerProfile) -> String {
    func count(_ value: Double?) -> String { value.map { String(format: "%.0f", $0) } ?? "-" }
    return """
        \(profile.target.rawValue) \(profile.int8 ? "int8" : "float32"): flash \(profile.flashBytes) bytes (model code + weights), RAM \(profile.ramBytes) bytes (state \(profile.stateBytes) + stack \(profile.stackBytes)), \(count(profile.instructionsPerStep)) instructions per step, \(count(profile.instructionsPerReadout)) per readout; \(profile.predictionsEqual)/\(profile.series) predictions equal to Swift's
      """
  }
}
