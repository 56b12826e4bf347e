/// How `run` talks to its worker processes (`memkd-script _step`): the command, its flags and
/// its exit statuses, in one place for both sides.
public enum WorkerProtocol {
  /// The hidden subcommand a worker runs.
  public static let command = "_step"
  /// Long flag names (without `--`) of the run folder, the step id and the thread count.
  public static let runDirFlag = "run-dir"
  public static let stepFlag = "step"
  public static let threadsFlag = "threads"
  /// The lease, in seconds, the worker writes into the step's lock (`LockOwner.lease`).
  public static let leaseFlag = "lock-lease"
  /// Exit status of a worker that found the step locked by another live process, or whose
  /// lock another process took over (it judged this worker abandoned).
  public static let busy: Int32 = 75
  /// Exit status of a worker that stopped because its parent `run` died.
  public static let orphaned: Int32 = 130

  /// The worker's arguments for `step` of the run folder at `runDir`.
  public static func arguments(runDir: String, step: String, threads: Int, lease: Double)
    -> [String]
  {
    [
      command, "--" + runDirFlag, runDir, "--" + stepFlag, step, "--" + threadsFlag,
      "\(threads)", "--" + leaseFlag, "\(lease)",
    ]
  }
}
