import ArgumentParser
import Foundation
import MemKDPipeline

/// `memkd-script status FILE`: which steps of a pipeline are done, running, failed or pending.
struct Status: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show a pipeline's done / running / failed / pending steps.")

  @Argument(help: "The pipeline file (YAML).") var file: String
  @Option(help: "Run folder (default: the file's `output`).") var out: String?
  @Flag(help: "List every step, not only counts and problems.") var all = false
  @Flag(help: "Print JSON.") var json = false

  enum State: String, Encodable {
    case done, running, failed, pending
  }

  struct Entry: Encodable {
    var id: String
    var kind: String
    var label: String
    var state: State
    var error: String?
  }

  func run() throws {
    var spec = try PipelineSpec.load(path: file)
    if let out { spec.output = out }
    let plan = try PipelinePlan(spec: spec)
    let folder = RunFolder(path: spec.output)
    let entries = plan.steps.map { step in
      let failure = folder.failure(step.id)
      let state: State =
        folder.isDone(step.id)
        ? .done : folder.isLocked(step.id) ? .running : failure != nil ? .failed : .pending
      return Entry(
        id: step.id, kind: step.kind.rawValue, label: step.label, state: state,
        error: state == .failed ? failure : nil)
    }
    if json {
      try printJSON(entries)
      return
    }
    print("\(spec.name) (\(spec.output)): \(plan.steps.count) steps")
    for kind in PipelineStep.Kind.allCases {
      let ofKind = entries.filter { $0.kind == kind.rawValue }
      let counts = [State.done, .running, .failed, .pending].map { state in
        "\(ofKind.filter { $0.state == state }.count) \(state.rawValue)"
      }
      print("  \(kind.rawValue): " + counts.joined(separator: ", "))
    }
    for entry in entries where all || entry.state == .running || entry.state == .failed {
      print(
        "  [\(entry.state.rawValue)] \(entry.label) (\(entry.id))"
          + (entry.error.map { ": \($0)" } ?? ""))
    }
  }
}
