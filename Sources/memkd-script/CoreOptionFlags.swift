import ArgumentParser
import MemKDCore

/// The flags of MemKDCore's option structs (`TeacherTraining`, `Preprocessing`,
/// `StudentDistillation`, `MemKDLoss`), parsed from the arguments swift-argument-parser did not
/// recognise.
///
/// Why not one `@Option` per option: a declared flag is a copy of the option's name, default,
/// rule and help, and copies drift (four minimums of `long_pairs` once). Here every flag is
/// `OptionField.flag`, every value is judged by the field's rule (the message Python and the
/// pipeline files give too), and `--help` lists them from the fields (`help(_:)`).
///
/// Syntax: `--key VALUE` or `--key=VALUE`; a true/false option is also `--key` (true) and
/// `--no-key` (false).
struct CoreOptionFlags {
  /// One group of options the command takes, with the value its defaults come from.
  struct Group {
    var title: String
    var keys: [String]
    var rules: [String: OptionRule]
    var summaries: [String: String]
    var defaults: [String: OptionValue]
    var flags: [String: String]

    init<Schema: OptionSchema>(_ title: String, _ defaults: Schema, except: Set<String> = []) {
      self.title = title
      let fields = Schema.optionFields.filter { !except.contains($0.key) }
      keys = fields.map(\.key)
      rules = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.rule) })
      summaries = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.summary) })
      self.defaults = Dictionary(
        uniqueKeysWithValues: fields.map { ($0.key, $0.value(in: defaults)) })
      flags = Dictionary(uniqueKeysWithValues: fields.map { ($0.key, $0.flag) })
    }
  }

  var groups: [Group]
  /// Old flag -> new flag, for a helpful error instead of "unknown option".
  var renamed: [String: String] = [:]

  /// The options given, in order, as `(key, value)`; values are not judged yet (the schema's
  /// `applying` does that).
  /// - Throws: `ValidationError` for an unknown flag, a renamed one, or a flag without a value.
  func parse(_ arguments: [String]) throws -> [(key: String, value: OptionValue)] {
    var byFlag: [String: (key: String, rule: OptionRule)] = [:]
    for group in groups {
      for key in group.keys { byFlag[group.flags[key]!] = (key, group.rules[key]!) }
    }
    var result: [(key: String, value: OptionValue)] = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      var (flag, inline) = (argument, String?.none)
      if let equals = argument.firstIndex(of: "="), argument.hasPrefix("--") {
        flag = String(argument[..<equals])
        inline = String(argument[argument.index(after: equals)...])
      }
      if let new = renamed[flag] { throw ValidationError("\(flag) is now \(new)") }
      if flag.hasPrefix("--no-"), inline == nil, let option = byFlag["--" + flag.dropFirst(5)],
        option.rule == .flag
      {
        result.append((option.key, .bool(false)))
        continue
      }
      guard flag.hasPrefix("--"), let option = byFlag[flag] else {
        throw ValidationError(
          flag.hasPrefix("-") ? "unknown option '\(flag)'" : "unexpected argument '\(argument)'")
      }
      if let inline {
        result.append((option.key, OptionValue(parsing: inline)))
      } else if option.rule == .flag {
        let next = index < arguments.count ? OptionValue(parsing: arguments[index]) : .null
        if case .bool = next { index += 1 }
        result.append((option.key, next == .bool(false) ? .bool(false) : .bool(true)))
      } else {
        guard index < arguments.count else { throw ValidationError("missing value for '\(flag)'") }
        result.append((option.key, OptionValue(parsing: arguments[index])))
        index += 1
      }
    }
    return result
  }

  /// `--batch-size` for `batch_size`.
  func flag(of key: String) -> String {
    groups.lazy.compactMap { $0.flags[key] }.first ?? key
  }

  /// The given options that belong to `Schema`, applied to `base`.
  /// - Throws: `ValidationError` with the option's one message.
  static func apply<Schema: OptionSchema>(
    _ options: [(key: String, value: OptionValue)], to base: Schema
  ) throws -> Schema {
    let keys = Set(Schema.optionKeys)
    do {
      return try base.applying(options.filter { keys.contains($0.key) })
    } catch let error as OptionError {
      let flag = Schema.field(error.key)?.flag ?? error.key
      throw ValidationError("\(flag): \(error)")
    }
  }

  /// The flags, their rules and defaults, for `--help` (the command's discussion).
  func help() -> String {
    groups.map { group in
      "\(group.title):\n"
        + group.keys.map { key in
          let flag =
            group.flags[key]!
            + (group.rules[key] == .flag ? " / --no-" + group.flags[key]!.dropFirst(2) : " <value>")
          return
            "  \(flag)\n      \(group.summaries[key]!); \(group.rules[key]!.requirement); default \(group.defaults[key]!.written)"
        }.joined(separator: "\n")
    }.joined(separator: "\n\n")
  }
}
