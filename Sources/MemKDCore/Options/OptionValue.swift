/// One option value as a front end hands it over, before any rule has looked at it: the text of
/// a CLI flag (`OptionValue(parsing:)`), a YAML scalar, a Python object, an HDF5 attribute.
///
/// Why one neutral value type: every front end converts its own syntax into this, and the one
/// rule of each option (`OptionRule`) then accepts or rejects it with the one message, so the
/// CLI, the pipelines and Python cannot disagree about what is valid.
public enum OptionValue: Sendable, Equatable, Hashable, CustomStringConvertible {
  /// No value: "use the default" or "off", as the option's rule says (YAML `null`, Python None).
  case null
  case bool(Bool)
  case int(Int)
  case number(Double)
  case text(String)

  /// The value a CLI argument spells: `true`/`false`, decimal integers, decimal numbers
  /// (`1e-3`, `.5`, `inf`, `nan` included so that the rule, not the parser, rejects them),
  /// `null`/`none`; anything else is text (a choice such as `per-sample-mean`).
  public init(parsing text: String) {
    switch text {
    case "true", "True", "TRUE": self = .bool(true)
    case "false", "False", "FALSE": self = .bool(false)
    case "null", "none", "None", "NULL": self = .null
    default:
      if let integer = Int(text) {
        self = .int(integer)
      } else if Self.looksNumeric(text), let number = Double(text) {
        self = .number(number)
      } else {
        self = .text(text)
      }
    }
  }

  /// Digits with an optional sign, point and exponent, or a spelling of infinity / NaN (not
  /// `Double(_:)`'s hexadecimal floats).
  private static func looksNumeric(_ text: String) -> Bool {
    let unsigned = String(text.lowercased().drop(while: { $0 == "+" || $0 == "-" }))
    if ["inf", "infinity", "nan"].contains(unsigned) { return true }
    let allowed = Set("0123456789+-.eE")
    return text.contains(where: \.isNumber) && text.allSatisfy { allowed.contains($0) }
  }

  /// How the value is quoted in messages: `-1`, `0.5`, `'short'`, `true`, `null`.
  public var description: String {
    switch self {
    case .null: return "null"
    case .bool(let value): return "\(value)"
    case .int(let value): return "\(value)"
    case .number(let value): return "\(value)"
    case .text(let value): return "'\(value)'"
    }
  }

  /// The value as a user writes it: `description` without quotes around text.
  public var written: String {
    if case .text(let text) = self { return text }
    return description
  }
}
