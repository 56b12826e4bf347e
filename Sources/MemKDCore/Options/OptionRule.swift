/// What one option accepts: the test and the words of its one error message.
///
/// Every front end reports a bad value with `OptionError.invalid`, built here, so the message
/// for `clip: -1` is the same from the CLI, a pipeline file and Python:
/// `clip must be 0 (off) or a positive number (got -1)`.
public enum OptionRule: Sendable, Equatable {
  /// An integer in `minimum ... maximum`.
  case integer(minimum: Int, maximum: Int)
  /// An integer `>= minimum`, or 0 (or null) meaning off (stored as nil).
  case integerOrOff(minimum: Int, maximum: Int)
  /// An integer `>= minimum`, or null meaning `absent` (stored as nil; `absent` says what that is).
  case optionalInteger(minimum: Int, maximum: Int, absent: String)
  /// A finite number meeting `bound`.
  case number(NumberBound)
  /// A finite positive number, or 0 (or null) meaning off (stored as nil).
  case numberOrOff
  /// One of `choices`.
  case choice([String])
  /// `true` or `false`.
  case flag

  /// The bound of a `.number` option.
  public enum NumberBound: Sendable, Equatable {
    case positive, nonNegative
    /// Strictly between 0 and 1.
    case fraction
  }

  /// Completes "must be ...": the allowed values in words.
  public var requirement: String {
    switch self {
    case .integer(let minimum, let maximum):
      return maximum == Int.max
        ? "an integer >= \(minimum)" : "an integer in \(minimum) ... \(maximum)"
    case .integerOrOff(let minimum, let maximum):
      let range = maximum == Int.max ? ">= \(minimum)" : "in \(minimum) ... \(maximum)"
      return "0 (off) or an integer \(range)"
    case .optionalInteger(let minimum, let maximum, let absent):
      let range = maximum == Int.max ? ">= \(minimum)" : "in \(minimum) ... \(maximum)"
      return "an integer \(range) (or null: \(absent))"
    case .number(.positive): return "a positive number"
    case .number(.nonNegative): return "a number >= 0"
    case .number(.fraction): return "a number strictly between 0 and 1"
    case .numberOrOff: return "0 (off) or a positive number"
    case .choice(let choices): return "one of " + choices.joined(separator: ", ")
    case .flag: return "true or false"
    }
  }

  /// `value` in the option's canonical form (`.int` for integers, `.number` for numbers,
  /// `.text` for choices, `.null` for off / absent), or the option's error.
  ///
  /// - Throws: `OptionError.invalid` naming `key`, with `requirement` and the value as given.
  public func accept(_ value: OptionValue, key: String) throws -> OptionValue {
    let invalid =
      isOfKind(value)
      ? OptionError.invalid(key: key, requirement: requirement, got: value)
      : OptionError.wrongKind(key: key, requirement: requirement, got: value)
    switch self {
    case .integer(let minimum, let maximum):
      guard case .int(let integer) = value, (minimum...maximum).contains(integer) else {
        throw invalid
      }
      return value
    case .integerOrOff(let minimum, let maximum):
      if value == .null { return .null }
      guard case .int(let integer) = value, integer == 0 || (minimum...maximum).contains(integer)
      else { throw invalid }
      return integer == 0 ? .null : value
    case .optionalInteger(let minimum, let maximum, _):
      if value == .null { return .null }
      guard case .int(let integer) = value, (minimum...maximum).contains(integer) else {
        throw invalid
      }
      return value
    case .number(let bound):
      guard let number = value.number, number.isFinite else { throw invalid }
      switch bound {
      case .positive: guard number > 0 else { throw invalid }
      case .nonNegative: guard number >= 0 else { throw invalid }
      case .fraction: guard number > 0 && number < 1 else { throw invalid }
      }
      return .number(number)
    case .numberOrOff:
      if value == .null { return .null }
      guard let number = value.number, number.isFinite, number >= 0 else { throw invalid }
      return number == 0 ? .null : .number(number)
    case .choice(let choices):
      guard case .text(let text) = value, choices.contains(text) else { throw invalid }
      return value
    case .flag:
      guard case .bool = value else { throw invalid }
      return value
    }
  }
}

extension OptionRule {
  /// Whether `value` is of the kind the rule takes (an integer for an integer option, ...):
  /// front ends with types (Python) report the other case as a type error.
  func isOfKind(_ value: OptionValue) -> Bool {
    switch (self, value) {
    case (_, .null): return true
    case (.integer, .int), (.integerOrOff, .int), (.optionalInteger, .int): return true
    case (.number, .int), (.number, .number), (.numberOrOff, .int), (.numberOrOff, .number):
      return true
    case (.choice, .text), (.flag, .bool): return true
    default: return false
    }
  }
}

extension OptionValue {
  /// The value as a number when it is an integer or a number.
  var number: Double? {
    switch self {
    case .int(let value): return Double(value)
    case .number(let value): return value
    default: return nil
    }
  }
}

/// A rejected option: the one message every front end shows (each adds only where the value
/// came from: a file and line, a function name).
public enum OptionError: Error, Equatable, CustomStringConvertible {
  /// `key must be <requirement> (got <value>)`.
  case invalid(key: String, requirement: String, got: OptionValue)
  /// The same message for a value of the wrong kind (text for a number, a number for an
  /// integer); Python raises TypeError for it.
  case wrongKind(key: String, requirement: String, got: OptionValue)
  /// A key that is not an option of `scope`.
  case unknown(key: String, scope: String, allowed: [String])
  /// A combination of valid values that cannot work together.
  case conflict(key: String, message: String)

  public var key: String {
    switch self {
    case .invalid(let key, _, _), .wrongKind(let key, _, _), .unknown(let key, _, _),
      .conflict(let key, _):
      return key
    }
  }

  public var description: String {
    switch self {
    case .invalid(let key, let requirement, let got), .wrongKind(let key, let requirement, let got):
      return "\(key) must be \(requirement) (got \(got))"
    case .unknown(let key, let scope, let allowed):
      return "unknown \(scope) option '\(key)' (options: \(allowed.joined(separator: ", ")))"
    case .conflict(_, let message):
      return message
    }
  }
}
