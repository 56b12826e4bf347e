import Foundation

/// A firmware folder written to disk and built with its Makefile; runs it and measures the model
/// object. Used by `memkd-script profile --target` and by `make test-mcu`'s checks.
public struct FirmwareBuild: Sendable {
  public let folder: FirmwareFolder
  public let directory: String

  /// Writes `folder` into `directory` and runs `make` there.
  /// - Throws: `ExternalToolError` when a program of the target is missing or the build fails
  ///   (with the compiler's messages).
  public init(_ folder: FirmwareFolder, in directory: String) throws {
    try folder.target.checkTools()
    try folder.write(to: directory)
    self.folder = folder
    self.directory = directory
    try make()
  }

  /// Runs the firmware (QEMU for Cortex-M) and parses what it printed. A firmware whose
  /// predictions differ from Swift's exits with status 1 and still returns its output; a fault
  /// (startup.c's handlers print `firmware stopped: ...` through semihosting, to QEMU's error
  /// output), a signal, another status, output that does not cover every series, or no exit
  /// within `timeout` seconds throws.
  public func run(timeout: Double = 300) throws -> FirmwareOutput {
    let executable = (directory as NSString).appendingPathComponent(folder.executableName)
    var program = executable
    var arguments: [String] = []
    if let emulator = folder.target.emulatorCommand {
      program = emulator[0]
      arguments = Array(emulator.dropFirst()) + ["-kernel", executable]
    }
    let result = try ExternalTool.execute(program, arguments, in: directory, timeout: timeout)
    let fault = result.errors.split(separator: "\n").first { $0.hasPrefix("firmware stopped") }
    guard fault == nil, !result.signaled, result.status == 0 || result.status == 1 else {
      throw FirmwareError(
        "\(result.command) failed (\(result.signaled ? "signal" : "exit status") "
          + "\(result.status)): \(fault.map(String.init) ?? String(result.errors.suffix(2000)))"
          + "\n" + result.output.suffix(2000))
    }
    let output = try FirmwareOutput(parsing: result.output)
    try output.check(series: folder.series.count, classes: folder.export.config.classes)
    return output
  }

  /// Flash bytes of the model: text plus data of `model.o` (code and weights), as the target's
  /// `size` prints them.
  public func modelFlashBytes() throws -> Int {
    let tool = folder.target.sizeTool
    let output = try ExternalTool.run(tool, ["model.o"], in: directory)
    // Berkeley format: "text data bss dec hex filename", then one row.
    let rows = output.split(separator: "\n")
    guard rows.count == 2 else { throw FirmwareError("\(tool) printed '\(output)'") }
    let numbers = rows[1].split(whereSeparator: \.isWhitespace).prefix(2).compactMap { Int($0) }
    guard numbers.count == 2 else { throw FirmwareError("\(tool) printed '\(output)'") }
    return numbers[0] + numbers[1]
  }

  /// The largest stack frame of the model's entry points (`model.su` from `-fstack-usage`),
  /// in bytes. Frames of library calls (`expf`, software float) are not in it.
  public func modelStackBytes() throws -> Int {
    let path = (directory as NSString).appendingPathComponent("model.su")
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw FirmwareError("\(path): missing (the compiler wrote no stack usage)")
    }
    // Lines: "model.c:4:6:model_step<TAB>40<TAB>static".
    let frames = text.split(separator: "\n").compactMap { line -> Int? in
      let fields = line.split(separator: "\t")
      return fields.count >= 2 ? Int(fields[1]) : nil
    }
    guard let largest = frames.max() else { throw FirmwareError("\(path): no stack frames") }
    return largest
  }

  private func make() throws {
    _ = try ExternalTool.run("make", ["-s", "all"], in: directory)
  }
}
