/// An option struct stored as HDF5 attributes, one per field (`OptionField.fileName ?? key`),
/// so a new option is recorded in, and read back from, every checkpoint without touching the
/// file code.
///
/// Encoding (docs/checkpoint-format.md): integers and seeds as int64, numbers as float64, off
/// (`clip`, `plateau`) as 0, an absent optional integer as -1, flags as 0 / 1, choices as
/// strings.
extension HDF5Group {
  func setOptionAttributes<Schema: OptionSchema>(_ options: Schema) throws {
    for field in Schema.optionFields {
      let name = field.fileName ?? field.key
      switch (field.rule, field.value(in: options)) {
      case (.integerOrOff, .null): try setAttribute(name, 0)
      case (.numberOrOff, .null): try setAttribute(name, 0.0)
      case (_, .null): try setAttribute(name, -1)
      case (_, .int(let value)): try setAttribute(name, value)
      case (_, .number(let value)): try setAttribute(name, value)
      case (_, .bool(let value)): try setAttribute(name, value ? 1 : 0)
      case (_, .text(let value)): try setAttribute(name, value)
      }
    }
  }

  /// The options stored in this group over `base` (whose values stand for attributes an older
  /// file lacks, where the field allows that).
  /// - Throws: `HDF5Error` for a missing attribute, `FileFormatError.invalid` naming the group
  ///   and the option's one message for a stored value its rule rejects.
  func optionAttributes<Schema: OptionSchema>(over base: Schema) throws -> Schema {
    var options = base
    for field in Schema.optionFields {
      let name = field.fileName ?? field.key
      if field.optionalInFiles && !hasAttribute(name) { continue }
      let stored: OptionValue
      switch field.rule {
      case .integer, .integerOrOff: stored = .int(try intAttribute(name))
      case .optionalInteger:
        let value = try intAttribute(name)
        stored = value == -1 ? .null : .int(value)
      case .number, .numberOrOff: stored = .number(try doubleAttribute(name))
      case .flag: stored = .bool(try intAttribute(name) != 0)
      case .choice: stored = .text(try stringAttribute(name))
      }
      do {
        try field.set(stored, in: &options)
      } catch let error as OptionError {
        throw FileFormatError.invalid(file: file, message: "\(path): \(error)")
      }
    }
    return options
  }
}
