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
      """)

  @Option(help: "A MemKD checkpoint (.h5).")
  var checkpoint: String

  @Option(help: "The header to write (replaced safely if it exists).")
  var out: String

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
    var out: String
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

    enum CodingKeys: String, CodingKey {
      case checkpoint, out, name, int8, cell, hidden, layers, classes, params
      case inputSize = "input_size"
      case weightBytes = "weight_bytes"
      case floatWeightBytes = "float_weight_bytes"
      case stateBytes = "state_bytes"
      case flopsPerStep = "flops_per_step"
      case testAccuracy = "test_accuracy"
      case accuracyUnavailable = "accuracy_unavailable"
    }
  }

  func run() throws {
    let lock = try OutputLock(for: out)
    defer { withExtendedLifetime(lock) {} }
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
    let export = try CHeaderExport(
      model: model, name: name, int8: int8,
      source:
        "\((checkpoint as NSString).lastPathComponent) (\(file.kind), dataset \(file.data.dataset))",
      notes: notes)
    try HeaderFile.write(export.header, to: out)

    let result = Result(
      checkpoint: checkpoint, out: out, name: name, int8: int8, cell: export.config.cell.rawValue,
      inputSize: export.config.inputSize, hidden: export.config.hiddenSize,
      layers: export.config.layers, classes: export.config.classes,
      params: export.parameterCount, weightBytes: export.weightBytes,
      floatWeightBytes: CHeaderExport.weightBytes(for: export.config, int8: false),
      stateBytes: export.stateBytes, flopsPerStep: export.flopsPerStep,
      testAccuracy: accuracy, accuracyUnavailable: unavailable)
    if json {
      try printJSON(result)
    } else {
      print(text(result, config: export.config))
    }
  }

  /// Float and int8 test accuracy on the checkpoint's dataset.
  private func measure(_ model: RecurrentClassifier<Float>, file: ModelCheckpoint) throws
    -> Accuracy
  {
    let dataset = try loadDataset(for: file, path: checkpoint, options: data)
    let exact = model.evaluate(on: dataset.test)
    let quantized = CHeaderExport.quantized(model).evaluate(on: dataset.test)
    let classes = model.config.classes
    let changed = (0..<dataset.test.count).filter {
      argmax(exact.probabilities, row: $0, classes: classes)
        != argmax(quantized.probabilities, row: $0, classes: classes)
    }.count
    return Accuracy(
      dataset: dataset.name, count: dataset.test.count, float: exact.metrics.accuracy,
      int8: quantized.metrics.accuracy,
      difference: quantized.metrics.accuracy - exact.metrics.accuracy,
      changedPredictions: changed)
  }

  private func argmax(_ values: [Double], row: Int, classes: Int) -> Int {
    var best = 0
    for k in 1..<classes where values[row * classes + k] > values[row * classes + best] {
      best = k
    }
    return best
  }

  private func text(_ result: Result, config: ModelConfig) -> String {
    let model = config.summary
    var lines = [
      "wrote \(result.out): \(model), \(int8 ? "int8" : "float32") weights, prefix \(name)",
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
    return lines.joined(separator: "\n")
  }
}

/// Writes a text file safely: a temporary file in the same directory, then renamed over `path`.
enum HeaderFile {
  struct WriteError: Error, CustomStringConvertible {
    var path: String
    var reason: String
    var description: String { "cannot write \(path): \(reason)" }
  }

  static func write(_ text: String, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    let temporary = (directory as NSString).appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
    do {
      try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
    } catch {
      throw WriteError(path: path, reason: reason(error))
    }
    guard rename(temporary, path) == 0 else {
      let message = String(cString: strerror(errno))
      try? FileManager.default.removeItem(atPath: temporary)
      throw WriteError(path: path, reason: message)
    }
  }

  private static func reason(_ error: Error) -> String {
    if let cocoa = error as? CocoaError, let underlying = cocoa.underlying as? POSIXError {
      return String(cString: strerror(underlying.code.rawValue))
    }
    if let cocoa = error as? CocoaError, cocoa.code == .fileNoSuchFile {
      return "no such directory"
    }
    return (error as NSError).localizedDescription
  }
}
