import ArgumentParser
import MemKDPipeline

/// How a run recovers from failed steps and from holders that died: the same flags on `run`
/// and `submit` (which passes them to every array task), defaults from MemKDPipeline.
struct RecoveryOptions: ParsableArguments {
  @Option(
    help:
      "Automatic re-runs of a failed step (by this or another shard) before its dependents are blocked."
  )
  var retries = PipelineExecution.defaultRetries
  @Option(
    name: .customLong("lock-lease"),
    help: ArgumentHelp(
      "Seconds after which a step lock whose holder stopped renewing it is taken over.",
      discussion:
        "Holders renew every \(Int(LockPolicy.heartbeatInterval)) s; a lock of this host whose process has exited, or of a Slurm job that has ended, is taken over at once."
    ))
  var lockLease = LockPolicy.defaultLease

  func validate() throws {
    if retries < 0 { throw ValidationError("--retries must be 0 or more (got \(retries))") }
    if let problem = LockPolicy.leaseProblem(lockLease) {
      throw ValidationError("--lock-lease \(problem) (got \(lockLease))")
    }
  }
}
