import Foundation
import MemKDTestSupport
import Testing

/// Issue 15's hostile inputs against the CLI, each in a child process: a clear error with exit
/// status 1, never a signal.
@Suite("CLI: hostile input is an error, not a crash")
struct HostileInputTests {
  /// A 2-layer teacher of the shipped data (seconds).
  static func teacher(in directory: URL) throws -> String {
    let teacher = directory.appendingPathComponent("teacher.h5").path
    let trained = try ProcessOutput.run(
      EndToEndTests.binary,
      [
        "train-teacher", "--dataset", "ItalyPowerDemand", "--data-root", EndToEndTests.shippedData,
        "--length", "24", "--hidden", "6", "--layers", "2", "--inits", "1", "--epochs", "1",
        "--out", teacher, "--quiet",
      ])
    #expect(trained.status == 0, "\(trained.stderr)")
    return teacher
  }

  @Test("distill --teacher-layer past the teacher's last layer (was a segfault)")
  func teacherLayerOutOfRange() throws {
    let directory = try TestFiles.temporaryDirectory()
    let teacher = try Self.teacher(in: directory)
    let result = try ProcessOutput.run(
      EndToEndTests.binary,
      [
        "distill", "--teacher", teacher, "--dataset", "ItalyPowerDemand", "--data-root",
        EndToEndTests.shippedData, "--method", "memkd", "--teacher-layer", "2", "--beta", "1",
        "--seeds", "1", "--epochs", "1", "--out-dir", directory.appendingPathComponent("s").path,
        "--quiet",
      ])
    #expect(result.status == 1)
    #expect(
      result.stderr.contains(
        "teacher_layer must be a layer of the 2-layer teacher, 0 to 1 (got 2)"), "\(result.stderr)")
  }
}

extension HostileInputTests {
  @Test("train-teacher --length 16777216 on a dataset is refused before allocating (was an abort)")
  func hugeLength() throws {
    let directory = try TestFiles.temporaryDirectory()
    let result = try ProcessOutput.run(
      EndToEndTests.binary,
      [
        "train-teacher", "--dataset", "ItalyPowerDemand", "--data-root", EndToEndTests.shippedData,
        "--length", "16777216", "--out", directory.appendingPathComponent("t.h5").path, "--quiet",
      ])
    #expect(result.status == 1)
    #expect(
      result.stderr.contains("values (1 GiB of float32) a dataset may hold"), "\(result.stderr)")
  }
}

extension HostileInputTests {
  @Test("too few training series for a validation split: the error names the dataset")
  func emptyValidationSplit() throws {
    let directory = try TestFiles.temporaryDirectory()
    let folder = directory.appendingPathComponent("TINY")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let rows = "1\t0.1\t0.2\t0.3\n2\t0.3\t0.2\t0.1\n"
    for split in ["TRAIN", "TEST"] {
      try rows.write(
        to: folder.appendingPathComponent("TINY_\(split).tsv"), atomically: true, encoding: .utf8)
    }
    let result = try ProcessOutput.run(
      EndToEndTests.binary,
      [
        "train-teacher", "--dataset", "TINY", "--data-root", directory.path, "--length", "3",
        "--hidden", "2", "--layers", "1", "--inits", "1", "--epochs", "1",
        "--out", directory.appendingPathComponent("t.h5").path, "--quiet",
      ])
    #expect(result.status == 1)
    #expect(
      result.stderr.contains("TINY: its 2 training series leave no validation series"),
      "\(result.stderr)")
  }
}
