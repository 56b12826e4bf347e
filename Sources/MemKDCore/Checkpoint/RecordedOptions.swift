/// One option of a distillation method as a student checkpoint records it.
public struct RecordedOption: Sendable, Equatable, Hashable {
  public var key: String
  public var value: OptionValue

  public init(key: String, value: OptionValue) {
    self.key = key
    self.value = value
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
      switch option.value {
      case .null: try setAttribute(option.key, "null")
      case .bool(let value): try setAttribute(option.key, value ? 1 : 0)
      case .int(let value): try setAttribute(option.key, value)
      case .number(let value): try setAttribute(option.key, value)
      case .text(let value): try setAttribute(option.key, value)
      }
    }
  }

  /// The recorded options; none in a file written before they were recorded. Flags read back
  /// as integers (the attribute does not say which integers were flags).
  func recordedOptions() throws -> [RecordedOption] {
    guard hasAttribute("option_keys") else { return [] }
    return try stringArrayAttribute("option_keys").map { key in
      if let integer = try? intAttribute(key) {
        return RecordedOption(key: key, value: .int(integer))
      }
      if let number = try? doubleAttribute(key) {
        return RecordedOption(key: key, value: .number(number))
      }
      let text = try stringAttribute(key)
      return RecordedOption(key: key, value: text == "null" ? .null : .text(text))
    }
  }
}
