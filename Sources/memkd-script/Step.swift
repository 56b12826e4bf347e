import ArgumentParser
import Foundation
import MemKDCore
import MemKDPipeline

/// `memkd-script _step`: runs one pipeline step (a worker process started by `run`). Prints
/// one JSON progress line per epoch on standard output and errors on standard error; exits 0
/// when the step is done, `WorkerProtocol.busy` when another live process holds the step, 1 on
/// failure (`WorkerProtocol` is the contract with `run`).
struct Step: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: WorkerProtocol.command, abstract: "Run one pipeline step (used by `run`).",
    shouldDisplay: false)

  @Option(name: .customLong(WorkerProtocol.runDirFlag), help: "The run folder.")
  var runDir: String
  @Option(name: .customLong(WorkerProtocol.stepFlag), help: "The step id.") var step: String
  @Option(name: .customLong(WorkerProtocol.threadsFlag), help: "Threads for the step's training.")
  var threads = 1
  @Option(name: .customLong(WorkerProtocol.leaseFlag), help: "The lock's lease, in seconds.")
  var lease = LockPolicy.defaultLease

  func run() throws {
    BLASRuntime.configure()
    // `run` ignores SIGINT and SIGTERM (it handles them itself), and ignored or blocked
    // signals are inherited: restore the defaults so that interrupting a worker stops it.
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
    var signals = sigset_t()
    sigemptyset(&signals)
    sigaddset(&signals, SIGINT)
    sigaddset(&signals, SIGTERM)
    pthread_sigmask(SIG_UNBLOCK, &signals, nil)
    Self.exitWithParent()
    let folder = RunFolder(path: runDir)
    let manifest = try folder.readManifest()
    guard let step = manifest.steps.first(where: { $0.id == self.step }) else {
      throw PipelineRunError("\(folder.manifestPath): no step \(self.step)")
    }
    if folder.isDone(step.id) { return }
    // Another process took the lock over (it found this one's lease missed): stop at once
    // rather than write the step's `.partial` folder side by side with it.
    guard
      let heartbeat = try folder.lock(
        step.id, lease: lease, lost: { Foundation.exit(WorkerProtocol.busy) })
    else { throw ExitCode(WorkerProtocol.busy) }
    defer { folder.unlock(step.id, heartbeat: heartbeat) }
    let work = StepWork(folder: folder, dataRoot: manifest.dataRoot, threads: threads)
    let encoder = JSONEncoder()
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
    try work.run(step) { progress in
      if let line = try? encoder.encode(progress) {
        FileHandle.standardOutput.write(line + Data("\n".utf8))
      }
    }
    guard folder.holdsLock(step.id) else { throw ExitCode(WorkerProtocol.busy) }
    try folder.commit(step.id)
  }

  /// A worker whose `run` died (SIGKILL) stops too instead of training on unseen: its step is
  /// left unfinished and the next `run` redoes (or, for a teacher, resumes) it.
  static func exitWithParent() {
    let parent = getppid()
    Thread.detachNewThread {
      while getppid() == parent { Thread.sleep(forTimeInterval: 0.5) }
      Foundation.exit(WorkerProtocol.orphaned)
    }
  }
}
