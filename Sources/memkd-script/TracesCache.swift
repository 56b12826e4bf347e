import Foundation
import MemKDCore

/// Teacher traces of the training split: read when the file exists and belongs to the teacher,
/// otherwise computed once and written, so later runs never run the teacher.
enum TracesCache {
  /// `<teacher without .h5>-traces.h5`.
  static func defaultPath(forTeacher teacher: String) -> String {
    (teacher.hasSuffix(".h5") ? String(teacher.dropLast(3)) : teacher) + "-traces.h5"
  }

  static func load(
    _ path: String, teacher: ModelCheckpoint, teacherPath: String, dataset: UCRDataset,
    quiet: Bool
  ) throws -> TeacherTraces {
    let digest = try SHA256.hexDigest(ofFile: teacherPath)
    // Two runs of one teacher share the file: the second waits while the first writes it,
    // then reads what the first wrote.
    let lock = try OutputLock(for: path, wait: true)
    defer { withExtendedLifetime(lock) {} }
    if FileManager.default.fileExists(atPath: path) {
      let traces = try TeacherTraces.read(from: path)
      guard traces.teacherSHA256 == digest else {
        throw FileFormatError.mismatch(
          file: path,
          message: "traces of another teacher (SHA-256 \(traces.teacherSHA256.prefix(12))..., "
            + "\(teacherPath) is \(digest.prefix(12))...); delete the file or pass another --traces"
        )
      }
      return traces
    }
    let traces = try TeacherTraces.compute(
      teacher: teacher.model, on: dataset.train, dataset: dataset, split: "train",
      teacherPath: teacherPath, teacherSHA256: digest)
    try traces.write(to: path)
    if !quiet { FileHandle.standardError.write(Data("wrote teacher traces to \(path)\n".utf8)) }
    return traces
  }
}

/// Writes JSON files safely (temporary file, then rename).
enum JSONOutput {
  static func write<T: Encodable>(_ value: T, to path: String) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    try encoder.encode(value).write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}
