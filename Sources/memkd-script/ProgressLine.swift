import Foundation

/// Progress on standard error: one self-overwriting line on a terminal, plain lines (every
/// `plainEvery` updates and the last) otherwise, so logs stay readable. Standard output is
/// reserved for results (tables, JSON).
struct ProgressLine {
  let isTerminal = isatty(STDERR_FILENO) == 1
  var plainEvery = 10
  var quiet = false
  private var lastWidth = 0

  init(quiet: Bool) {
    self.quiet = quiet
  }

  mutating func update(_ text: String, force: Bool = false, count: Int) {
    guard !quiet else { return }
    if isTerminal {
      let padding = String(repeating: " ", count: max(0, lastWidth - text.count))
      FileHandle.standardError.write(Data(("\r" + text + padding).utf8))
      lastWidth = text.count
    } else if force || count % plainEvery == 0 {
      FileHandle.standardError.write(Data((text + "\n").utf8))
    }
  }

  /// Ends the current terminal line.
  mutating func finish() {
    guard !quiet, isTerminal, lastWidth > 0 else { return }
    FileHandle.standardError.write(Data("\n".utf8))
    lastWidth = 0
  }
}

/// `1h02m`, `3m05s`, `12s`.
func formatDuration(_ seconds: Double) -> String {
  guard seconds.isFinite, seconds >= 0 else { return "?" }
  let total = Int(seconds.rounded())
  if total >= 3600 { return String(format: "%dh%02dm", total / 3600, (total % 3600) / 60) }
  if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
  return "\(total)s"
}
