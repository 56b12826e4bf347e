import Foundation
import MemKDTestSupport
import Testing

/// Runs the built `memkd-script` binary (next to the test bundle) and checks output and exit code.
@Suite("memkd-script end to end")
struct EndToEndTests {
  typealias Run = ProcessOutput

  static var binary: URL {
    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
      .appendingPathComponent("memkd-script")
  }

  func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Run {
    var merged = ProcessInfo.processInfo.environment
    merged["MEMKD_DATA_ROOT"] = nil
    merged.merge(environment) { $1 }
    return try ProcessOutput.run(Self.binary, arguments, environment: merged)
  }

  static let shippedData = TestFiles.repositoryRoot.appendingPathComponent("data").path

  /// A checkpoint path in a fresh temporary directory (never the working directory).
  func temporaryCheckpoint() throws -> String {
    try TestFiles.temporaryDirectory().appendingPathComponent("teacher.h5").path
  }

  @Test("train-teacher --json on a shipped dataset")
  func trainTeacherJSON() throws {
    let result = try run([
      "train-teacher", "--dataset", "ItalyPowerDemand", "--data-root", Self.shippedData,
      "--inits", "2", "--epochs", "2", "--hidden", "4", "--layers", "1", "--json", "--quiet",
      "--out", try temporaryCheckpoint(),
    ])
    #expect(result.status == 0, "\(result.stderr)")
    let object = try #require(
      try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    #expect(object["dataset"] as? String == "ItalyPowerDemand")
    #expect(object["params"] as? Int == 4 * 4 * (1 + 4 + 2) + 2 * (4 + 1))
    let test = try #require(object["test"] as? [String: Any])
    for key in ["acc", "auc_roc", "auc_prc"] {
      let value = try #require(test[key] as? Double, "test.\(key)")
      #expect(value >= 0 && value <= 1)
    }
    #expect((object["runs"] as? [Any])?.count == 2)
    #expect(result.stderr.isEmpty)
  }

  @Test("the table names the dataset and the metrics; progress goes to stderr")
  func trainTeacherTable() throws {
    let result = try run([
      "train-teacher", "--dataset", "Trace", "--data-root", Self.shippedData,
      "--inits", "1", "--epochs", "1", "--hidden", "2", "--layers", "1",
      "--out", try temporaryCheckpoint(),
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout.contains("Trace") && result.stdout.contains("AUC-PRC"))
    #expect(result.stderr.contains("epoch 1/1"))
  }

  @Test("$MEMKD_DATA_ROOT is used when --data-root is absent")
  func environmentRoot() throws {
    let result = try run(
      [
        "train-teacher", "--dataset", "ItalyPowerDemand", "--inits", "1", "--epochs", "1",
        "--hidden", "2", "--layers", "1", "--json", "--quiet", "--out", try temporaryCheckpoint(),
      ], environment: ["MEMKD_DATA_ROOT": Self.shippedData])
    #expect(result.status == 0, "\(result.stderr)")
  }

  @Test("an unknown dataset fails naming it and the root")
  func unknownDataset() throws {
    let result = try run([
      "train-teacher", "--dataset", "NoSuchSet", "--data-root", Self.shippedData, "--quiet",
    ])
    #expect(result.status != 0)
    #expect(result.stderr.contains("NoSuchSet"))
    #expect(result.stderr.contains(Self.shippedData))
  }

  @Test("an impossible option fails naming the flag")
  func badOption() throws {
    let result = try run(["train-teacher", "--dataset", "Trace", "--inits", "0"])
    #expect(result.status != 0)
    #expect(result.stderr.contains("--inits: inits must be an integer in 1 ... "))
  }
}
