/// docs/options.md: every option once, with its CLI flag, YAML key and Python name, its allowed
/// values, default and meaning, generated from the option structs' fields
/// (`memkd-script options --markdown > docs/options.md`; a test fails when the file and the
/// fields disagree, so a new field cannot miss the table).
public enum OptionTable {
  /// One option struct as users meet it: the command and section that take it.
  public struct Section: Sendable {
    public var title: String
    /// Where the options go on each surface (`train-teacher`, `teacher:`, `Teacher.fit(...)`).
    public var command: String
    public var yamlSection: String
    public var python: String
    /// Python spellings that differ from the key (`hidden` -> `Teacher(hidden_size=...)`);
    /// an empty string: not a Python option.
    public var pythonNames: [String: String]
    public var rows:
      [(key: String, flag: String, requirement: String, summary: String, defaultValue: OptionValue)]

    public init<Schema: OptionSchema>(
      _ title: String, _ defaults: Schema, command: String, yamlSection: String,
      python: String, pythonNames: [String: String] = [:]
    ) {
      self.title = title
      self.command = command
      self.yamlSection = yamlSection
      self.python = python
      self.pythonNames = pythonNames
      rows = Schema.optionFields.map {
        ($0.key, $0.flag, $0.rule.requirement, $0.summary, $0.value(in: defaults))
      }
    }
  }

  /// The sections of docs/options.md, in order.
  public static let sections: [Section] = [
    Section(
      "Preprocessing", Preprocessing(), command: "train-teacher", yamlSection: "preprocessing:",
      python: "`load_ucr(...)`, `preprocess(...)`"),
    Section(
      "Teacher protocol", TeacherTraining.paper, command: "train-teacher",
      yamlSection: "teacher:", python: "`Teacher(...)`, `Teacher.fit(...)`",
      pythonNames: [
        "hidden": "`Teacher(hidden_size=)`", "layers": "`Teacher(layers=)`",
        "cell": "`Teacher(cell=)`",
        "inits": "", "validation_fraction": "`split(y, validation_fraction)`",
        "seed": "`Teacher(seed=)`",
      ]),
    Section(
      "Student recipe", StudentDistillation.paper, command: "distill",
      yamlSection: "students: - ", python: "`distill(...)`"),
    Section(
      "MemKD (method memkd)", MemKDLoss(), command: "distill", yamlSection: "students: - ",
      python: "`distill(...)`, `losses.memkd(...)`"),
  ]

  /// The whole of docs/options.md.
  public static func markdown() -> String {
    var text = """
      # Options

      Every option of MemKD, once. Generated from MemKDCore's option structs by \
      `memkd-script options --markdown > docs/options.md`; a test fails when this file and the \
      structs disagree. The CLI flag is `--` and the key with `-` for `_`; the YAML key and the \
      Python keyword are the key itself. Every front end judges a value with the same rule and \
      reports a bad one with the same message (`clip must be 0 (off) or a positive number \
      (got -1)`). `null` / `None` means off where an option says so, and "decided later" where \
      it says what it then is.

      """
    for section in sections {
      text += """

        ## \(section.title)

        CLI: `memkd-script \(section.command)`; YAML: `\(section.yamlSection)`; Python: \
        \(section.python).

        | key | CLI | Python | allowed | default | meaning |
        |---|---|---|---|---|---|

        """
      for row in section.rows {
        let python = section.pythonNames[row.key].map { $0.isEmpty ? "-" : $0 } ?? "`\(row.key)=`"
        let cells = [
          "`\(row.key)`", "`\(row.flag)`", python, row.requirement,
          "`\(row.defaultValue.written)`", row.summary,
        ]
        text += "| " + cells.map { $0.replacingPipes }.joined(separator: " | ") + " |\n"
      }
    }
    return text
  }
}

extension String {
  fileprivate var replacingPipes: String {
    split(separator: "|", omittingEmptySubsequences: false).joined(separator: "\\|")
  }
}
