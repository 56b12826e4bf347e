import ArgumentParser
import MemKDCore

/// `memkd-script options`: every option of the CLI, the pipeline files and Python, from
/// MemKDCore's option structs (`OptionTable`).
struct Options: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "List every option: key, CLI flag, allowed values, default and meaning.",
    discussion: "--markdown prints docs/options.md; --json one object per section.")

  @Flag(help: "Print docs/options.md (Markdown tables).")
  var markdown = false

  @Flag(help: "Print the sections as one JSON array.")
  var json = false

  struct Row: Encodable {
    var key: String
    var flag: String
    var allowed: String
    var `default`: String
    var meaning: String
  }

  struct Section: Encodable {
    var title: String
    var command: String
    var yaml: String
    var options: [Row]
  }

  func validate() throws {
    if markdown && json { throw ValidationError("give --markdown or --json, not both") }
  }

  func run() throws {
    if markdown {
      print(OptionTable.markdown(), terminator: "")
      return
    }
    let sections = OptionTable.sections.map { section in
      Section(
        title: section.title, command: section.command, yaml: section.yamlSection,
        options: section.rows.map {
          Row(
            key: $0.key, flag: $0.flag, allowed: $0.requirement,
            default: $0.defaultValue.written, meaning: $0.summary)
        })
    }
    if json {
      try printJSON(sections)
      return
    }
    for section in sections {
      print("\(section.title) (memkd-script \(section.command), YAML \(section.yaml))\n")
      print(
        TextTable.render(
          header: ["flag", "default", "allowed"],
          rows: section.options.map { [$0.flag, $0.default, $0.allowed] }))
      print("")
    }
  }
}
