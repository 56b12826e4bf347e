/// A value type whose user-facing options are described by `OptionField`s: the options structs
/// of MemKDCore (`TrainingConfig`, `Preprocessing`, `TeacherTraining`, `StudentDistillation`,
/// each loss's options).
///
/// Validation, decoding from front-end values and the list of current values all come from
/// `optionFields`, so adding a field is the whole of adding an option.
public protocol OptionSchema {
  /// The options in documentation order.
  static var optionFields: [OptionField<Self>] { get }
  /// Names the options in messages ("unknown training option 'foo'").
  static var optionScope: String { get }
}

extension OptionSchema {
  /// The fields' keys, in order.
  public static var optionKeys: [String] { optionFields.map(\.key) }

  /// The field named `key`, if any.
  public static func field(_ key: String) -> OptionField<Self>? {
    optionFields.first { $0.key == key }
  }

  /// The first value that breaks its option's rule, as the option's one error.
  /// - Throws: `OptionError.invalid`.
  public func validate() throws {
    for field in Self.optionFields {
      _ = try field.rule.accept(field.value(in: self), key: field.key)
    }
  }

  /// Sets `key` to `value` after checking it.
  /// - Throws: `OptionError.unknown` for a key that is not an option, `.invalid` for a value its
  ///   rule rejects.
  public mutating func set(_ key: String, _ value: OptionValue) throws {
    guard let field = Self.field(key) else {
      throw OptionError.unknown(key: key, scope: Self.optionScope, allowed: Self.optionKeys)
    }
    try field.set(value, in: &self)
  }

  /// `self` with every `(key, value)` applied in order (later keys win).
  /// - Throws: the first `OptionError`.
  public func applying(_ options: [(key: String, value: OptionValue)]) throws -> Self {
    var result = self
    for (key, value) in options { try result.set(key, value) }
    return result
  }

  /// Every option's current value, in field order (what a checkpoint records and `inspect`
  /// prints).
  public var optionValues: [(key: String, value: OptionValue)] {
    Self.optionFields.map { ($0.key, $0.value(in: self)) }
  }
}
