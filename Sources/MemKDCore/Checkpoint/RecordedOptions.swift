/// One option of a distillation method as a student checkpoint records it.
public struct RecordedOption: Sendable, Equatable, Hashable {
  public var key: String
  public var value: OptionValue

  public init(key: String, value: OptionValue) {
    self.key = key
    self.value = value
  }
}

extension RecordedOption {
  /// The `/distillation` group's own attributes. An option with one of these keys (DKD's
  /// `beta`, the weight of its NCKD term) is stored as `option_<key>`: under its key it
  /// replaced the record's `beta`, the distillation weight.
  public static let recordAttributes: Set<String> = [
    "method", "beta", "teacher_sha256", "split_seed", "option_keys",
  ]

  /// The attribute holding the option with `key`: the key, or `option_<key>` for one of
  /// `recordAttributes`.
  public static func attributeName(forKey key: String) -> String {
    recordAttributes.contains(key) ? "option_\(key)" : key
  }
}

/// The method's options in a student's `/distillation` group: one attribute per option (int64,
/// float64 or string; an absent value as the string "null", a flag as 0 / 1) and
/// `option_keys` [str] giving their order, so h5py and `inspect` show them and they read back
/// exactly.
extension HDF5Group {
  func setRecordedOptions(_ options: [RecordedOption]) throws {
    try setAttribute("option_keys", options.map(\.key))
    for option in options {
      let name = RecordedOption.attributeName(forKey: option.key)
      switch option.value {
      case .null: try setAttribute(name, "null")
      case .bool(let value): try setAttribute(name, value ? 1 : 0)
      case .int(let value): try setAttribute(name, value)
      case .number(let value): try setAttribute(name, value)
      case .text(let value): try setAttribute(name, value)
      }
    }
  }

  /// The recorded options; none in a file written before they were recorded. Flags read back
  /// as integers (the attribute does not say which integers were flags). A file written before
  /// `option_<key>` has the option under its key (where it replaced the record's attribute).
  func recordedOptions() throws -> [RecordedOption] {
    guard hasAttribute("option_keys") else { return [] }
    return try stringArrayAttribute("option_keys").map { key in
      let renamed = RecordedOption.attributeName(forKey: key)
      let name = hasAttribute(renamed) ? renamed : key
      if let integer = try? intAttribute(name) {
        return RecordedOption(key: key, value: .int(integer))
      }
      if let number = try? doubleAttribute(name) {
        return RecordedOption(key: key, value: .number(number))
      }
      let text = try stringAttribute(name)
      return RecordedOption(key: key, value: text == "null" ? .null : .text(text))
    }
  }
}
