import Foundation

/// What a model costs on a microcontroller, measured by building its firmware and running it
/// under QEMU (`memkd-script profile --target`).
public struct MicrocontrollerProfile: Sendable, Encodable, Equatable {
  public var target: FirmwareTarget
  public var int8: Bool
  /// Code and weights of the model object (`size` of `model.o`: text + data), bytes. The C
  /// library's `expf` and, on the Cortex-M3, libgcc's software float routines come on top.
  public var flashBytes: Int
  /// The caller's state struct, bytes.
  public var stateBytes: Int
  /// The largest stack frame of the model's entry points (`-fstack-usage`), bytes.
  public var stackBytes: Int
  /// State plus stack.
  public var ramBytes: Int { stateBytes + stackBytes }
  /// Mean instructions of one time step (with the caller's loop), under QEMU's `-icount`.
  public var instructionsPerStep: Double?
  /// Mean instructions of one readout (logits and softmax).
  public var instructionsPerReadout: Double?
  /// Series and steps the means were taken over.
  public var series: Int
  public var steps: Int
  /// How many of the firmware's predictions equalled Swift's, and the largest probability
  /// difference.
  public var predictionsEqual: Int
  public var maxProbabilityDifference: Double

  enum CodingKeys: String, CodingKey {
    case target, int8, series, steps
    case flashBytes = "flash_bytes", stateBytes = "state_bytes", stackBytes = "stack_bytes"
    case ramBytes = "ram_bytes", instructionsPerStep = "instructions_per_step"
    case instructionsPerReadout = "instructions_per_readout"
    case predictionsEqual = "predictions_equal"
    case maxProbabilityDifference = "max_probability_difference"
  }

  public func encode(to encoder: Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(target, forKey: .target)
    try container.encode(int8, forKey: .int8)
    try container.encode(flashBytes, forKey: .flashBytes)
    try container.encode(stateBytes, forKey: .stateBytes)
    try container.encode(stackBytes, forKey: .stackBytes)
    try container.encode(ramBytes, forKey: .ramBytes)
    try container.encode(instructionsPerStep, forKey: .instructionsPerStep)
    try container.encode(instructionsPerReadout, forKey: .instructionsPerReadout)
    try container.encode(series, forKey: .series)
    try container.encode(steps, forKey: .steps)
    try container.encode(predictionsEqual, forKey: .predictionsEqual)
    try container.encode(maxProbabilityDifference, forKey: .maxProbabilityDifference)
  }

  /// Builds `model`'s firmware for `target` in `directory` on `series`, runs it and measures.
  public init(
    model: RecurrentClassifier<Float>, int8: Bool, target: FirmwareTarget, series: SeriesSet,
    directory: String
  ) throws {
    let export = try CHeaderExport(model: model, int8: int8, source: "memkd-script profile")
    let folder = try FirmwareFolder(
      export: export, of: model, target: target, series: series,
      source: "synthetic profile series")
    let build = try FirmwareBuild(folder, in: directory)
    let output = try build.run()
    self.target = target
    self.int8 = int8
    flashBytes = try build.modelFlashBytes()
    stateBytes = folder.export.stateBytes
    stackBytes = try build.modelStackBytes()
    instructionsPerStep = output.instructionsPerStep
    instructionsPerReadout = output.instructionsPerReadout
    self.series = series.count
    steps = series.count * series.length
    predictionsEqual = output.equalToSwift
    maxProbabilityDifference =
      zip(output.probabilities, folder.expected).map {
        abs(Double($0) - $1)
      }.max() ?? 0
  }
}
