import ArgumentParser
import Foundation
import MemKDCore

/// `memkd-script export-c`: a checkpoint as one C99 header for edge targets (`CHeaderExport`).
struct ExportC: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export-c",
    abstract: "Write a checkpoint's model as one dependency-free C99 header.",
    discussion: """
      The header holds the weights as static const arrays, a state struct and static inline \
      init/step/logits/probabilities/predict functions (no malloc; only expf and tanhf from \
      libm). With --int8 the weight matrices are stored as int8 with per-row scales and the \
      test accuracy of the float and int8 models on the checkpoint's dataset is reported.

      With --firmware DIR, also writes a firmware folder for --target (cortex-m4: Cortex-M4F \
      with its FPU under QEMU mps2-an386; cortex-m3: software float, mps2-an385; host: this \
      machine's cc): the header, startup code and linker script, a main.c that classifies the \
      first --vectors test series of the checkpoint's dataset (embedded in vectors.h) and \
      prints each prediction beside Swift's, Swift's probabilities (expected.tsv) and a \
      Makefile: `make -C DIR run` builds and runs it.
      """)

  @Option(help: "A MemKD checkpoint (.h5).")
  var checkpoint: String

  @Option(help: "The header to write (replaced safely if it exists); optional with --firmware.")
  var out: String?

  @Option(
    help:
      "Also write a firmware folder for --target here (created if missing; its parent must exist).")
  var firmware: String?

  @Option(help: "The firmware's target: cortex-m4, cortex-m3 or host (with --firmware).")
  var target: FirmwareTarget?

  @Option(help: "Test series embedded in the firmware (the test split's first; at least 1).")
  var vectors = 100

  @Flag(help: "Store weight matrices as int8 with per-row float scales (biases stay float).")
  var int8 = false

  @Option(help: "Prefix of every C symbol (a C identifier); macros use it upper-cased.")
  var name = "memkd_student"

  @OptionGroup var data: DataOptions

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  func validate() throws {
    guard CHeaderExport.isValidName(name) else {
      throw ValidationError("--name: \(CExportError.invalidName(name))")
    }
    if firmware != nil, let clash = FirmwareFolder.nameClash(name) {
      throw ValidationError("--name: \(clash)")
    }
    guard out != nil || firmware != nil else {
      throw ValidationError("--out: give the header to write, or --firmware DIR, or both")
    }
    guard target == nil || firmware != nil else {
      throw ValidationError("--target: needs --firmware DIR (the folder to write)")
    }
    guard vectors >= 1 else { throw ValidationError("--vectors: \(vectors) is not at least 1") }
  }

  struct Accuracy: Encodable {
    var dataset: String
    var count: Int
    var float: Double
    var int8: Double
    /// int8 minus float, as a fraction.
    var difference: Double
    /// Test series whose predicted class changed.
    var changedPredictions: Int

    enum CodingKeys: String, CodingKey {
      case dataset, count, float, int8, difference
      case changedPredictions = "changed_predictions"
    }
  }

  struct Result: Encodable {
    var checkpoint: String
    var out: String?
    var name: String
    var int8: Bool
    /// The recurrent cell (`RecurrentCell` raw value).
    var cell: String
    var inputSize: Int
    var hidden: Int
    var layers: Int
    var classes: Int
    var params: Int
    var weightBytes: Int
    var floatWeightBytes: Int
    var stateBytes: Int
    var flopsPerStep: Int
    var testAccuracy: Accuracy?
    /// Why the accuracy was not measured (int8 only).
    var accuracyUnavailable: String?
    var firmware: Firmware?

    enum CodingKeys: String, CodingKey {
      case checkpoint, out, name, int8, cell, hidden, layers, classes, params, firmware
      case inputSize = "input_size"
      case weightBytes = "weight_bytes"
      case floatWeightBytes = "float_weight_bytes"
      case stateBytes = "state_bytes"
      case flopsPerStep = "flops_per_step"
      case testAccuracy = "test_accuracy"
      case accuracyUnavailable = "accuracy_unavailable"
    }
  }

  /// The firmware folder written (`--firmware`).
  struct Firmware: Encodable {
    var directory: String
    var target: FirmwareTarget
    var series: Int
    var length: Int
    var files: [String]
  }

  func run() throws {
    let locks = try [out, firmware].compactMap { $0 }.map { try OutputLock(for: $0) }
    defer { withExtendedLifetime(locks) {} }
    let file = try ModelCheckpoint.read(from: checkpoint)
    let model = file.model
    var accuracy: Accuracy?
    var unavailable: String?
    if int8 {
      do {
        accuracy = try measure(model, file: file)
      } catch {
        unavailable = "\(error)"
      }
    }
    let export = try CHeaderExport(
      model: model, name: name, int8: int8,
      source:
        "\((checkpoint as NSString).lastPathComponent) (\(file.kind), dataset \(file.data.dataset))",
      notes: notes(file, accuracy: accuracy))
    let written = try firmware.map { try writeFirmware(export, model: model, file: file, to: $0) }
    if let out { try TextFile.write(export.header, to: out) }

    let result = Result(
      checkpoint: checkpoint, out: out, name: name, int8: int8, cell: export.config.cell.rawValue,
      inputSize: export.config.inputSize, hidden: export.config.hiddenSize,
      layers: export.config.layers, classes: export.config.classes,
      params: export.parameterCount, weightBytes: export.weightBytes,
      floatWeightBytes: CHeaderExport.weightBytes(for: export.config, int8: false),
      stateBytes: export.stateBytes, flopsPerStep: export.flopsPerStep,
      testAccuracy: accuracy, accuracyUnavailable: unavailable, firmware: written)
    if json {
      try printJSON(result)
    } else {
      print(text(result, config: export.config))
    }
  }

  /// The header comment's lines on preprocessing, classes and measured accuracy.
  private func notes(_ file: ModelCheckpoint, accuracy: Accuracy?) -> [String] {
    let preprocessing = file.data.preprocessing
    var notes = [
      "Inputs: \(file.data.dataset) series resampled to \(preprocessing.length) steps"
        + (preprocessing.zNormalize ? ", each z-normalised on its own." : " (not normalised)."),
      "Classes: "
        + file.data.classLabels.enumerated().map { "\($0.offset) = \($0.element)" }
        .joined(separator: ", ") + " (original labels).",
    ]
    if let accuracy {
      notes.append(
        "Test accuracy on \(accuracy.dataset) (\(accuracy.count) series): float "
          + "\(percent(accuracy.float)) %, int8 \(percent(accuracy.int8)) %.")
    }
    return notes
  }

  /// The firmware folder on the first `--vectors` test series of the checkpoint's dataset.
  private func writeFirmware(
    _ export: CHeaderExport, model: RecurrentClassifier<Float>, file: ModelCheckpoint,
    to directory: String
  ) throws -> Firmware {
    let dataset = try loadDataset(for: file, path: checkpoint, options: data)
    let count = min(vectors, dataset.test.count)
    let folder = try FirmwareFolder(
      export: export, of: model, target: target ?? .cortexM4,
      series: dataset.test.subset(Array(0..<count)),
      source: "\(dataset.name) test split, series 0 to \(count - 1)")
    try folder.write(to: directory)
    return Firmware(
      directory: directory, target: folder.target, series: count,
      length: dataset.test.length, files: folder.files.keys.sorted())
  }

  /// Float and int8 test accuracy on the checkpoint's dataset.
  private func measure(_ model: RecurrentClassifier<Float>, file: ModelCheckpoint) throws
    -> Accuracy
  {
    let dataset = try loadDataset(for: file, path: checkpoint, options: data)
    let exact = model.evaluate(on: dataset.test)
    let quantized = CHeaderExport.quantized(model).evaluate(on: dataset.test)
    let classes = model.config.classes
    let changed = zip(
      Metrics.predictedClasses(probabilities: exact.probabilities, classCount: classes),
      Metrics.predictedClasses(probabilities: quantized.probabilities, classCount: classes)
    ).filter { $0 != $1 }.count
    return Accuracy(
      dataset: dataset.name, count: dataset.test.count, float: exact.metrics.accuracy,
      int8: quantized.metrics.accuracy,
      difference: quantized.metrics.accuracy - exact.metrics.accuracy,
      changedPredictions: changed)
  }

  private func text(_ result: Result, config: ModelConfig) -> String {
    let model = config.summary
    var lines = [
      (result.out.map { "wrote \($0): " } ?? "") + "\(model), \(int8 ? "int8" : "float32") "
        + "weights, prefix \(name)",
      "  parameters     \(result.params)",
      "  weight bytes   \(result.weightBytes)"
        + (int8 ? " (int8 + per-row scales; float32: \(result.floatWeightBytes))" : ""),
      "  state bytes    \(result.stateBytes)",
      "  FLOPs/step     \(result.flopsPerStep)",
    ]
    if let accuracy = result.testAccuracy {
      lines.append(
        "  test accuracy  \(accuracy.dataset) (\(accuracy.count) series): float "
          + "\(percent(accuracy.float)) %, int8 \(percent(accuracy.int8)) %, difference "
          + String(format: "%+.2f", accuracy.difference * 100) + " points; "
          + "\(accuracy.changedPredictions) prediction"
          + (accuracy.changedPredictions == 1 ? "" : "s") + " changed")
    } else if let unavailable = result.accuracyUnavailable {
      lines.append("  test accuracy  not measured: \(unavailable)")
    }
    if let firmware = result.firmware {
      lines.append(
        "  firmware       \(firmware.directory) for \(firmware.target.summary), "
          + "\(firmware.series) test series of \(firmware.length) steps; "
          + "build and run: make -C \(firmware.directory) run")
    }
    return lines.joined(separator: "\n")
  }
}

extension FirmwareTarget: ExpressibleByArgument {}
