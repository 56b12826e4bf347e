import Foundation

/// One running step: a child process of `memkd-script` that runs it (`_step`), with its
/// progress lines (JSON `StepWork.Progress` on its standard output) and its error text.
final class WorkerProcess: @unchecked Sendable {
  let step: PipelineStep
  let process = Process()
  let started = ContinuousClock.now
  private let lock = NSLock()
  private var outputBuffer = Data()
  private var errorBuffer = Data()
  private var latest: StepWork.Progress?

  /// Starts `executable arguments`.
  init(step: PipelineStep, executable: String, arguments: [String]) throws {
    self.step = step
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    output.fileHandleForReading.readabilityHandler = { [weak self] handle in
      self?.receive(handle.availableData)
    }
    errors.fileHandleForReading.readabilityHandler = { [weak self] handle in
      guard let self else { return }
      let data = handle.availableData
      self.lock.withLock { self.errorBuffer.append(data) }
    }
    try process.run()
  }

  private func receive(_ data: Data) {
    lock.withLock {
      outputBuffer.append(data)
      while let newline = outputBuffer.firstIndex(of: UInt8(ascii: "\n")) {
        let line = outputBuffer[outputBuffer.startIndex..<newline]
        outputBuffer.removeSubrange(outputBuffer.startIndex...newline)
        if let progress = try? JSONDecoder().decode(StepWork.Progress.self, from: Data(line)) {
          latest = progress
        }
      }
    }
  }

  var progress: StepWork.Progress? { lock.withLock { latest } }

  /// The worker's standard error (its error message when it failed).
  var errorText: String {
    lock.withLock { String(decoding: errorBuffer, as: UTF8.self) }
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  var isRunning: Bool { process.isRunning }

  /// Exit status once finished: 0 done, `WorkerProtocol.busy` when another process held the
  /// step's lock, anything else a failure.
  var status: Int32 { process.terminationStatus }

  func interrupt() {
    if process.isRunning { process.interrupt() }
  }
}
