import Foundation

/// Runs the C toolchain and emulator programs of the edge tools (`cc`, `make`,
/// `arm-none-eabi-size`, `qemu-system-arm`) and captures their output.
///
/// Why a time limit: firmware under QEMU that faults or loops never exits by itself, and a test
/// or `profile` must end with an error instead of hanging.
public enum ExternalTool {
  /// The full path of `name` on `PATH`, or nil when it is not installed.
  public static func which(_ name: String) -> String? {
    (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
      .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs `executable` (a path, or a name looked up on `PATH`) with `arguments` (in `directory` when given) and returns its standard
  /// output, trimmed. Throws `ExternalToolError` naming the command when it cannot start,
  /// exits with a non-zero status (with its error output) or runs longer than `timeout` seconds
  /// (it is then terminated).
  public static func run(
    _ executable: String, _ arguments: [String], in directory: String? = nil,
    timeout: Double = 600
  ) throws -> String {
    let result = try execute(executable, arguments, in: directory, timeout: timeout)
    guard result.status == 0, !result.signaled else {
      throw ExternalToolError(
        "\(result.command) failed (\(result.signaled ? "signal" : "exit status") \(result.status)): "
          + (result.errors.isEmpty
            ? String(result.output.suffix(2000)) : String(result.errors.suffix(4000))))
    }
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// What a finished program left: its command line, exit status and both outputs.
  public struct Execution: Sendable {
    public var command: String
    /// The exit status, or the signal's number when `signaled`.
    public var status: Int32
    /// Whether a signal ended the program (then it did not exit by itself).
    public var signaled: Bool
    public var output: String
    public var errors: String
  }

  /// Runs a program like `run` but returns whatever exit status it ended with; throws only
  /// when it cannot start or times out.
  public static func execute(
    _ executable: String, _ arguments: [String], in directory: String? = nil,
    timeout: Double = 600
  ) throws -> Execution {
    let command = ([executable] + arguments).joined(separator: " ")
    let process = Process()
    // A bare name ("make") is looked up on PATH here, so callers need not each call `which`.
    let path = executable.contains("/") ? executable : (which(executable) ?? executable)
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    // Never the terminal: QEMU -nographic would put it in raw mode and take Ctrl-C.
    process.standardInput = FileHandle.nullDevice
    let exited = DispatchSemaphore(value: 0)
    process.terminationHandler = { _ in exited.signal() }
    do {
      try process.run()
    } catch {
      throw ExternalToolError("cannot start \(command): \(error.localizedDescription)")
    }
    // Both pipes are drained while the program runs, so a chatty program never blocks on a
    // full pipe.
    let readers = DispatchGroup()
    let collected = CapturedOutput()
    for (pipe, isError) in [(output, false), (errors, true)] {
      DispatchQueue.global().async(group: readers) {
        // Chunk by chunk, so a program stopped at its time limit leaves what it printed.
        while case let data = pipe.fileHandleForReading.availableData, !data.isEmpty {
          collected.append(data, isError: isError)
        }
      }
    }
    if exited.wait(timeout: .now() + timeout) == .timedOut {
      process.terminate()
      if exited.wait(timeout: .now() + 2) == .timedOut {
        kill(process.processIdentifier, SIGKILL)
        // Foundation reports the end only when every inheritor of its notification socket has
        // closed it, which a grandchild (a shell's sleep) may not do for a while: do not wait.
        _ = exited.wait(timeout: .now() + 2)
      }
      // A child of the program (make's compiler, a shell's sleep) may still hold the pipes:
      // take what has arrived instead of waiting for it to end.
      _ = readers.wait(timeout: .now() + 2)
      throw ExternalToolError(
        "\(command) did not finish within \(Int(timeout)) s and was stopped; its output:\n"
          + collected.text.output.suffix(2000))
    }
    readers.wait()
    let (text, errorText) = collected.text
    return Execution(
      command: command, status: process.terminationStatus,
      signaled: process.terminationReason == .uncaughtSignal, output: text, errors: errorText)
  }
}

/// The standard output and error of a program, written by two reader threads.
private final class CapturedOutput: @unchecked Sendable {
  private let lock = NSLock()
  private var output = Data()
  private var errors = Data()

  func append(_ data: Data, isError: Bool) {
    lock.withLock {
      if isError { errors.append(data) } else { output.append(data) }
    }
  }

  var text: (output: String, errors: String) {
    lock.withLock {
      (String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }
  }
}

/// A program of the edge tools that could not run, failed or timed out, with its output.
public struct ExternalToolError: Error, CustomStringConvertible {
  public var description: String
  init(_ description: String) { self.description = description }
}
