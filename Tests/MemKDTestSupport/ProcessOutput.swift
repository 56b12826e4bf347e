import Foundation

/// What a finished child process printed and how it exited; the tests that run the built
/// `memkd-script`, a C compiler or a compiled C program all read it the same way.
public struct ProcessOutput: Sendable {
  public var status: Int32
  public var stdout: String
  public var stderr: String

  /// Starts `executable arguments` with piped output (environment: this process's, or the one
  /// given). `collect` waits for it.
  public static func start(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil
  ) throws -> (process: Process, stdout: Pipe, stderr: Pipe) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    let (out, err) = (Pipe(), Pipe())
    process.standardOutput = out
    process.standardError = err
    try process.run()
    return (process, out, err)
  }

  /// Reads both pipes to the end, then waits for the exit.
  public static func collect(_ started: (process: Process, stdout: Pipe, stderr: Pipe))
    -> ProcessOutput
  {
    let stdout = started.stdout.fileHandleForReading.readDataToEndOfFile()
    let stderr = started.stderr.fileHandleForReading.readDataToEndOfFile()
    started.process.waitUntilExit()
    return ProcessOutput(
      status: started.process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
      stderr: String(decoding: stderr, as: UTF8.self))
  }

  /// Runs to completion.
  public static func run(
    _ executable: URL, _ arguments: [String], environment: [String: String]? = nil
  ) throws -> ProcessOutput {
    collect(try start(executable, arguments, environment: environment))
  }
}
