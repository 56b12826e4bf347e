import Foundation
import MemKDTestSupport
import Testing

/// Shards that recover from each other: a failed step is retried (once by default) by
/// whichever shard reaches it, a step whose holder died is taken over, and `status` names every
/// failed step with its error and attempts. On the tiny pipeline of `PipelineCommandTests`.
@Suite("memkd-script pipelines: failures and abandoned steps", .serialized)
struct PipelineRecoveryTests {
  typealias Commands = PipelineCommandTests

  /// Step id of the first step of `kind` in the run's plan.
  static func stepID(_ file: String, _ output: String, kind: String) throws -> String {
    let status = try Commands.run(["status", file, "--out", output, "--json"])
    let steps = try #require(
      try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
    return try #require(steps.first { $0["kind"] as? String == kind }?["id"] as? String)
  }

  static func stepsPath(_ output: String) -> String {
    (output as NSString).appendingPathComponent("steps")
  }

  static func path(_ output: String, _ name: String) -> String {
    (stepsPath(output) as NSString).appendingPathComponent(name)
  }

  @Test("a failed step is retried once, then its dependents' error names it in status")
  func retriedOnce() throws {
    let (file, output) = try Commands.pipeline()
    #expect(try Commands.run(["run", file, "--shard", "0/2"]).status == 0)
    // Shard 1's students read the traces shard 0 wrote: make them unreadable.
    let trace = try Self.stepID(file, output, kind: "trace")
    try Data("not HDF5".utf8).write(
      to: URL(fileURLWithPath: Self.path(output, trace + "/traces.h5")))
    let failed = try Commands.run(["run", file, "--shard", "1/2", "--json"])
    #expect(failed.status == 1)
    #expect(failed.stderr.contains("(attempt 1; it will be retried)"), "\(failed.stderr)")
    let summary = try Commands.summary(failed)
    let failures = try #require(summary["failed"] as? [String])
    #expect(!failures.isEmpty && failures.allSatisfy { $0.contains("traces.h5") })
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.stepsPath(output))
      .filter { $0.hasSuffix(".failed") }
    #expect(files.count == failures.count)
    for name in files {
      let record = try #require(
        try JSONSerialization.jsonObject(
          with: Data(contentsOf: URL(fileURLWithPath: Self.path(output, name))))
          as? [String: Any])
      #expect(record["attempts"] as? Int == 2, "\(name): tried, retried, then given up")
    }
    let status = try Commands.run(["status", file])
    #expect(status.stdout.contains("failed 2 time(s):"), "\(status.stdout)")
    #expect(status.stdout.contains("traces.h5"))

    // --retries 0: one attempt per run of the shard.
    let once = try Commands.run(["run", file, "--shard", "1/2", "--retries", "0"])
    #expect(once.status == 1)
    #expect(!once.stderr.contains("will be retried"))
  }

  @Test("a shard takes over another's failed step and a lock whose lease ran out; results equal")
  func takesOver() throws {
    let (file, output) = try Commands.pipeline()
    let reference = (output as NSString).deletingLastPathComponent + "/reference"
    #expect(try Commands.run(["run", file, "--out", reference]).status == 0)
    #expect(try Commands.run(["run", file, "--shard", "0/2"]).status == 0)
    let trace = try Self.stepID(file, output, kind: "trace")
    let manager = FileManager.default

    // Shard 0's trace failed once: shard 1, which needs it, runs it again itself.
    try manager.removeItem(atPath: Self.path(output, trace))
    try #"{"attempts": 1, "error": "node lost"}"#.write(
      toFile: Self.path(output, trace + ".failed"), atomically: true, encoding: .utf8)
    let adopted = try Commands.run(["run", file, "--shard", "1/2", "--json"])
    #expect(adopted.status == 0, "\(adopted.stderr)")
    #expect(manager.fileExists(atPath: Self.path(output, trace + "/result.json")))
    #expect(!manager.fileExists(atPath: Self.path(output, trace + ".failed")))
    #expect(
      try Commands.contents(output, "results.csv") == Commands.contents(reference, "results.csv"))

    // A holder on another node that stopped renewing its lock: within the lease the step is
    // its (a worker exits busy), past it the waiting shard takes it over.
    try manager.removeItem(atPath: Self.path(output, trace))
    for student in try Commands.stepFolders(output, kind: "student") {
      try manager.removeItem(atPath: Self.path(output, student))
    }
    let lock = Self.path(output, trace + ".lock")
    try "host=node-gone pid=1 lease=100\n".write(toFile: lock, atomically: true, encoding: .utf8)
    let busy = try Commands.run(["_step", "--run-dir", output, "--step", trace])
    #expect(busy.status == 75)
    let expired = Date().timeIntervalSince1970 - 150
    var times = [timeval](repeating: timeval(tv_sec: Int(expired), tv_usec: 0), count: 2)
    #expect(utimes(lock, &times) == 0)
    let status = try Commands.run(["status", file])
    #expect(!status.stdout.contains("[running]"), "\(status.stdout)")
    #expect(try Commands.run(["run", file, "--shard", "1/2"]).status == 0)
    #expect(try Commands.run(["run", file, "--shard", "0/2"]).status == 0)
    #expect(!manager.fileExists(atPath: lock))
    #expect(
      try Commands.contents(output, "results.csv") == Commands.contents(reference, "results.csv"))
  }

  @Test("a shard alone takes over the inputs nobody holds, and a previous submission's failures")
  func idleShardAndOldFailures() throws {
    let (file, output) = try Commands.pipeline()
    // Shard 0 (teacher, trace) never runs: shard 1 ends up running them itself.
    let alone = try Commands.run(["run", file, "--shard", "1/2", "--json"])
    #expect(alone.status == 0, "\(alone.stderr)")
    #expect(try Commands.summary(alone)["adopted"] as? Int == 2, "teacher and trace")
    #expect(alone.stderr.contains("take over teacher Tiny"), "\(alone.stderr)")
    let trace = try Self.stepID(file, output, kind: "trace")
    #expect(FileManager.default.fileExists(atPath: Self.path(output, trace + "/result.json")))

    // A failure past its retries, recorded before this run started (a previous submission):
    // tried once more rather than blocking the dependents at once.
    try FileManager.default.removeItem(atPath: Self.path(output, trace))
    for student in try Commands.stepFolders(output, kind: "student") {
      try FileManager.default.removeItem(atPath: Self.path(output, student))
    }
    let failed = Self.path(output, trace + ".failed")
    try #"{"attempts": 5, "error": "node lost"}"#.write(
      toFile: failed, atomically: true, encoding: .utf8)
    let old = Date().timeIntervalSince1970 - 3600
    var times = [timeval](repeating: timeval(tv_sec: Int(old), tv_usec: 0), count: 2)
    #expect(utimes(failed, &times) == 0)
    let again = try Commands.run(["run", file, "--shard", "1/2"])
    #expect(again.status == 0, "\(again.stderr)")
    #expect(!FileManager.default.fileExists(atPath: failed))
  }

  @Test("--retries and --lock-lease are checked")
  func invalidOptions() throws {
    let (file, _) = try Commands.pipeline()
    let retries = try Commands.run(["run", file, "--retries=-1"])
    #expect(retries.status != 0 && retries.stderr.contains("--retries must be 0 or more"))
    for bad in ["10", "90.5", "inf", "1e300"] {
      let lease = try Commands.run(["run", file, "--lock-lease", bad])
      #expect(
        lease.status != 0
          && lease.stderr.contains("--lock-lease must be a whole number of seconds"),
        "\(bad): \(lease.stderr)")
    }
    let tasks = try Commands.run(["submit", file, "--tasks", "500", "--dry-run"])
    #expect(tasks.status != 0 && tasks.stderr.contains("has only"), "\(tasks.stderr)")
    let script = try Commands.run(["submit", file, "--tasks", "2", "--dry-run"])
    #expect(script.status == 0)
    #expect(script.stdout.contains("#SBATCH --array=0-1"))
    #expect(script.stdout.contains("--shard \"$SLURM_ARRAY_TASK_ID/2\""))
  }
}
