import Foundation
import MemKDCore

/// Streaming latency: nanoseconds for one time step of a student plus its head (the class
/// probabilities after the step), as an edge device would run it.
struct StreamLatency: Codable {
  /// Best of several runs, ns per step (`StepTiming.swift`).
  var swiftNanoseconds: Double
  /// The exported C header compiled with `cc` and `StepTiming.cFlags` (nil without a C compiler).
  var cNanoseconds: Double?
  var cCompiler: String?

  /// The bound for the LSTM student's Swift step and C export (issue 14).
  static let targetNanoseconds = 200.0
  /// The bound for the GRU and RNN students' (issue 18: fewer gates, fewer cycles).
  static let smallCellTargetNanoseconds = 150.0

  enum CodingKeys: String, CodingKey {
    case swiftNanoseconds = "swift_ns", cNanoseconds = "c_ns", cCompiler = "c_compiler"
  }

  /// Swift and (when `cc` exists) the exported C header.
  static func measure(model: RecurrentClassifier<Float>) throws -> StreamLatency {
    let swift = StepTiming.swift(model: model)
    guard let compiler = ExternalTool.which("cc") else {
      return StreamLatency(swiftNanoseconds: swift, cNanoseconds: nil, cCompiler: nil)
    }
    return StreamLatency(
      swiftNanoseconds: swift, cNanoseconds: try StepTiming.c(model: model, compiler: compiler),
      cCompiler: "cc " + StepTiming.cFlags.joined(separator: " "))
  }
}
