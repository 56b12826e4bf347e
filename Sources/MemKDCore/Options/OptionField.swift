/// One user-facing option of a value type `Root`: its name, its one-line documentation, its rule
/// and how it reads and writes the stored property.
///
/// The CLI flag (`--batch-size`), the YAML key and the Python keyword (`batch_size`) are all
/// derived from `key`; the default is read off a default value of `Root`; the allowed range is
/// `rule`. So a default, a rule or a name exists once, here, and every front end, the
/// checkpoint's attributes and docs/options.md come from it.
public struct OptionField<Root>: @unchecked Sendable {
  /// snake_case; the YAML key and the Python keyword argument.
  public let key: String
  /// Meaning and unit in one line (docs/options.md, `--help`, Python docstrings).
  public let summary: String
  public let rule: OptionRule
  /// The attribute name in a checkpoint's `/training` group, when the option is stored there
  /// under an older name (`learning_rate` for `lr`); nil: not stored, or stored as `key`.
  public let fileName: String?
  /// Whether a checkpoint written before the option existed may lack its attribute (its
  /// default then applies).
  public let optionalInFiles: Bool
  let read: (Root) -> OptionValue
  /// Stores an accepted value (already in `rule`'s canonical form).
  let write: (inout Root, OptionValue) -> Void

  public init(
    key: String, summary: String, rule: OptionRule, fileName: String? = nil,
    optionalInFiles: Bool = false, read: @escaping (Root) -> OptionValue,
    write: @escaping (inout Root, OptionValue) -> Void
  ) {
    self.key = key
    self.summary = summary
    self.rule = rule
    self.fileName = fileName
    self.optionalInFiles = optionalInFiles
    self.read = read
    self.write = write
  }

  /// `--batch-size`.
  public var flag: String { "--" + key.split(separator: "_").joined(separator: "-") }

  /// The value of the option in `root`, in canonical form (off and absent are `.null`).
  public func value(in root: Root) -> OptionValue { read(root) }

  /// Checks `value` against the rule and stores it.
  /// - Throws: `OptionError.invalid` with the option's one message.
  public func set(_ value: OptionValue, in root: inout Root) throws {
    write(&root, try rule.accept(value, key: key))
  }

  /// The same option on a value that holds a `Root` at `path` (a pipeline variant holding a
  /// `TrainingConfig`).
  public func lifted<Outer>(_ path: WritableKeyPath<Outer, Root>) -> OptionField<Outer> {
    let (read, write) = (self.read, self.write)
    return OptionField<Outer>(
      key: key, summary: summary, rule: rule, fileName: fileName,
      optionalInFiles: optionalInFiles, read: { read($0[keyPath: path]) },
      write: { write(&$0[keyPath: path], $1) })
  }
}

// MARK: - Constructors, one per kind of stored property

extension OptionField {
  public static func integer(
    _ key: String, _ path: WritableKeyPath<Root, Int>, minimum: Int, maximum: Int = .max,
    fileName: String? = nil, _ summary: String
  ) -> Self {
    Self(
      key: key, summary: summary, rule: .integer(minimum: minimum, maximum: maximum),
      fileName: fileName, read: { .int($0[keyPath: path]) },
      write: { if case .int(let value) = $1 { $0[keyPath: path] = value } })
  }

  /// A seed: an integer >= 0 stored as `UInt64`.
  public static func seed(_ key: String, _ path: WritableKeyPath<Root, UInt64>, _ summary: String)
    -> Self
  {
    Self(
      key: key, summary: summary, rule: .integer(minimum: 0, maximum: .max),
      read: { .int(Int(truncatingIfNeeded: $0[keyPath: path])) },
      write: { if case .int(let value) = $1 { $0[keyPath: path] = UInt64(value) } })
  }

  /// An integer where 0 means off (nil).
  public static func integerOrOff(
    _ key: String, _ path: WritableKeyPath<Root, Int?>, minimum: Int = 1, maximum: Int = .max,
    fileName: String? = nil, _ summary: String
  ) -> Self {
    Self(
      key: key, summary: summary, rule: .integerOrOff(minimum: minimum, maximum: maximum),
      fileName: fileName, read: { $0[keyPath: path].map(OptionValue.int) ?? .null },
      write: {
        if case .int(let value) = $1 { $0[keyPath: path] = value } else { $0[keyPath: path] = nil }
      })
  }

  /// An integer where null means a default decided later (`absent` says which).
  public static func optionalInteger(
    _ key: String, _ path: WritableKeyPath<Root, Int?>, minimum: Int, maximum: Int = .max,
    absent: String, _ summary: String
  ) -> Self {
    Self(
      key: key, summary: summary,
      rule: .optionalInteger(minimum: minimum, maximum: maximum, absent: absent),
      read: { $0[keyPath: path].map(OptionValue.int) ?? .null },
      write: {
        if case .int(let value) = $1 { $0[keyPath: path] = value } else { $0[keyPath: path] = nil }
      })
  }

  public static func number(
    _ key: String, _ path: WritableKeyPath<Root, Double>, _ bound: OptionRule.NumberBound,
    fileName: String? = nil, optionalInFiles: Bool = false, _ summary: String
  ) -> Self {
    Self(
      key: key, summary: summary, rule: .number(bound), fileName: fileName,
      optionalInFiles: optionalInFiles, read: { .number($0[keyPath: path]) },
      write: { if case .number(let value) = $1 { $0[keyPath: path] = value } })
  }

  /// A positive number where 0 means off (nil).
  public static func numberOrOff(
    _ key: String, _ path: WritableKeyPath<Root, Double?>, fileName: String? = nil,
    optionalInFiles: Bool = false, _ summary: String
  ) -> Self {
    Self(
      key: key, summary: summary, rule: .numberOrOff, fileName: fileName,
      optionalInFiles: optionalInFiles,
      read: { $0[keyPath: path].map(OptionValue.number) ?? .null },
      write: {
        if case .number(let value) = $1 {
          $0[keyPath: path] = value
        } else {
          $0[keyPath: path] = nil
        }
      })
  }

  public static func choice<Value: RawRepresentable & CaseIterable>(
    _ key: String, _ path: WritableKeyPath<Root, Value>, _ summary: String
  ) -> Self where Value.RawValue == String {
    Self(
      key: key, summary: summary, rule: .choice(Value.allCases.map(\.rawValue)),
      read: { .text($0[keyPath: path].rawValue) },
      write: {
        if case .text(let text) = $1, let value = Value(rawValue: text) {
          $0[keyPath: path] = value
        }
      })
  }

  public static func flag(_ key: String, _ path: WritableKeyPath<Root, Bool>, _ summary: String)
    -> Self
  {
    Self(
      key: key, summary: summary, rule: .flag, read: { .bool($0[keyPath: path]) },
      write: { if case .bool(let value) = $1 { $0[keyPath: path] = value } })
  }
}
