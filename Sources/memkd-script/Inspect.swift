import ArgumentParser
import MemKDCore

/// `memkd-script inspect`: a readable summary of any MemKD file (checkpoint or traces).
struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Summarise a MemKD checkpoint or traces file: format, model, data, metrics, arrays.")

  @Argument(help: "The file to inspect.")
  var file: String

  @Flag(help: "Print one JSON object instead of text.")
  var json = false

  func run() throws {
    let summary = try FileSummary.read(file)
    if json {
      try printJSON(summary)
    } else {
      print(summary.text)
    }
  }
}
