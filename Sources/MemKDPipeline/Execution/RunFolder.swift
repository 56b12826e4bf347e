import Foundation
import MemKDCore

/// A pipeline's run folder: the manifest, each step's result, work in progress and locks.
///
///     <run>/pipeline.json          the plan of the last `run` (what `report` and `status` read)
///     <run>/steps/<id>/            a finished step: result.json and its files
///     <run>/steps/<id>.partial/    a step being run (a teacher's resumable checkpoint lives here)
///     <run>/steps/<id>.lock        who runs the step (host, pid, lease, Slurm job: `LockOwner`)
///     <run>/steps/<id>.failed      the failed attempts and the last error (`StepFailure`)
///
/// A step is done exactly when `<id>/result.json` exists: the folder is renamed into place only
/// after everything in it is written, so an interruption at any moment leaves either a finished
/// step or none.
public struct RunFolder: Sendable {
  public let path: String

  public init(path: String) {
    self.path = path
  }

  var stepsPath: String { (path as NSString).appendingPathComponent("steps") }
  public var manifestPath: String { (path as NSString).appendingPathComponent("pipeline.json") }

  public func finalPath(_ id: String) -> String {
    (stepsPath as NSString).appendingPathComponent(id)
  }
  public func partialPath(_ id: String) -> String { finalPath(id) + ".partial" }
  public func lockPath(_ id: String) -> String { finalPath(id) + ".lock" }
  func failurePath(_ id: String) -> String { finalPath(id) + ".failed" }
  public func resultPath(_ id: String) -> String {
    (finalPath(id) as NSString).appendingPathComponent("result.json")
  }

  public func isDone(_ id: String) -> Bool {
    FileManager.default.fileExists(atPath: resultPath(id))
  }

  func createSteps() throws {
    try FileManager.default.createDirectory(atPath: stepsPath, withIntermediateDirectories: true)
  }

  // MARK: - Manifest

  public struct Manifest: Codable, Sendable {
    public var name: String
    public var file: String
    public var version: String
    /// The data root of the spec (nil: `$MEMKD_DATA_ROOT`, then `data/`).
    public var dataRoot: String?
    public var steps: [PipelineStep]
  }

  public func writeManifest(_ plan: PipelinePlan) throws {
    try createSteps()
    let manifest = Manifest(
      name: plan.spec.name, file: plan.spec.file, version: MemKDVersion.string,
      dataRoot: plan.spec.dataRoot, steps: plan.steps)
    try writeJSON(manifest, to: manifestPath)
  }

  public func readManifest() throws -> Manifest {
    guard let data = FileManager.default.contents(atPath: manifestPath) else {
      throw PipelineRunError(
        "\(manifestPath): no such file; is \(path) a pipeline run folder (made by `memkd-script run`)?"
      )
    }
    do {
      return try Self.decoder.decode(Manifest.self, from: data)
    } catch {
      throw PipelineRunError("\(manifestPath): not a pipeline manifest (\(error))")
    }
  }

  // MARK: - Results

  public func writeResult<T: Encodable>(_ value: T, partialOf id: String) throws {
    try writeJSON(value, to: (partialPath(id) as NSString).appendingPathComponent("result.json"))
  }

  public func readResult<T: Decodable>(_ type: T.Type, of id: String) throws -> T {
    let path = resultPath(id)
    guard let data = FileManager.default.contents(atPath: path) else {
      throw PipelineRunError("\(path): missing (step \(id) is not done)")
    }
    do {
      return try Self.decoder.decode(T.self, from: data)
    } catch {
      throw PipelineRunError(
        "\(path): unreadable result (\(error)); delete the folder to re-run the step")
    }
  }

  /// Moves a step's finished `.partial` folder into place and clears its failure record.
  public func commit(_ id: String) throws {
    let manager = FileManager.default
    if manager.fileExists(atPath: finalPath(id)) {
      // Finished meanwhile by another process: the results are identical by construction.
      try manager.removeItem(atPath: partialPath(id))
    } else {
      try manager.moveItem(atPath: partialPath(id), toPath: finalPath(id))
    }
    try? manager.removeItem(atPath: failurePath(id))
  }

  /// This host's name, as recorded in locks and failures.
  public static let host: String = ProcessInfo.processInfo.hostName

  // MARK: - JSON

  static var decoder: JSONDecoder {
    let decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    return decoder
  }

  func writeJSON<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    try FileManager.default.createDirectory(
      atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}

/// A pipeline run problem (a missing manifest, an unreadable result, a failed step).
public struct PipelineRunError: Error, CustomStringConvertible {
  public var description: String
  public init(_ description: String) { self.description = description }
}
