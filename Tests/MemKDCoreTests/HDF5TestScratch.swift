import Foundation
import MemKDCore
import Testing

/// Runs `body` with a fresh temporary folder (tests run in parallel, so each gets its own files)
/// and removes the folder afterwards.
func withHDF5Scratch<Result>(_ body: (HDF5Scratch) throws -> Result) throws -> Result {
  let scratch = try HDF5Scratch()
  defer { try? FileManager.default.removeItem(atPath: scratch.path) }
  return try body(scratch)
}

/// A temporary folder for HDF5 tests.
struct HDF5Scratch {
  let path: String

  init() throws {
    path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
      "memkd-hdf5-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// `<folder>/<name>` (the file is not created).
  func file(_ name: String) -> String {
    (path as NSString).appendingPathComponent(name)
  }

  /// The folder's entries, hidden ones included, sorted.
  func entries() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: path).sorted()
  }

  /// The bytes of a file in the folder (or anywhere).
  func bytes(_ file: String) throws -> [UInt8] {
    [UInt8](try Data(contentsOf: URL(fileURLWithPath: file)))
  }
}

/// Runs `body`, expects an `HDF5Error`, and returns it (nil, with a recorded issue, otherwise).
@discardableResult
func expectHDF5Error(
  sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> HDF5Error? {
  do {
    try body()
    Issue.record("expected an HDF5Error, but nothing was thrown", sourceLocation: sourceLocation)
  } catch let error as HDF5Error {
    return error
  } catch {
    Issue.record("expected an HDF5Error, got \(error)", sourceLocation: sourceLocation)
  }
  return nil
}

/// The first line of an error's description (the part users see first).
func hdf5FirstLine(_ error: HDF5Error?) -> String? {
  error.map { String($0.description.split(separator: "\n", omittingEmptySubsequences: false)[0]) }
}
