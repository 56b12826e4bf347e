/// Locale-independent, correctly rounded parsing of one decimal number from raw UTF-8 bytes.
///
/// Why not just `Double(String)`: the reader parses millions of fields (NonInvasiveFetalECG: 2.8 M
/// per dataset) and building a `String` per field dominates load time. Why not `strtod`: it
/// depends on the process locale (a host such as Python may change it) and skips leading
/// whitespace. The fast path below is Clinger's: when the decimal significand fits in 53 bits and
/// the power of ten is at most 22, both are exact Doubles and one multiplication or division
/// gives the correctly rounded result. Everything else (long significands, large exponents, NaN,
/// infinity, hex) falls back to the standard library's correctly rounded parser, so results are
/// always identical to `Double(String)`.
enum DecimalParsing {
  /// 10^0 ... 10^22, all exactly representable as Double.
  private static let powersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
  ]

  /// Parses `bytes` (one whole field, no separators) as a Double; nil when the field is not a
  /// number. Accepts what `Double(String)` accepts (including "NaN", "nan", "inf"), nothing else.
  @inline(__always)
  static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
    if let value = fastPath(bytes) { return value }
    return Double(String(decoding: bytes, as: UTF8.self))
  }

  /// `[+-]digits[.digits][(e|E)[+-]digits]` with at most 19 significant digits and an exactly
  /// representable result; nil means "not handled here" (not necessarily "not a number").
  @inline(__always)
  private static func fastPath(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
    let count = bytes.count
    var i = 0
    var negative = false
    if i < count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
      negative = bytes[i] == UInt8(ascii: "-")
      i += 1
    }
    var significand: UInt64 = 0
    var digits = 0  // significant digits accumulated (leading zeros excluded)
    var sawDigit = false
    var decimalExponent = 0
    /// Adds one decimal digit to the significand; false when more than 19 significant digits
    /// (beyond UInt64 and the exact fast path) are needed.
    func accumulate(_ digit: UInt64) -> Bool {
      if significand != 0 || digit != 0 {
        digits += 1
        if digits > 19 { return false }
        significand = significand &* 10 &+ digit
      }
      sawDigit = true
      return true
    }
    while i < count, bytes[i] &- UInt8(ascii: "0") < 10 {
      guard accumulate(UInt64(bytes[i] &- UInt8(ascii: "0"))) else { return nil }
      i += 1
    }
    if i < count, bytes[i] == UInt8(ascii: ".") {
      i += 1
      while i < count, bytes[i] &- UInt8(ascii: "0") < 10 {
        guard accumulate(UInt64(bytes[i] &- UInt8(ascii: "0"))) else { return nil }
        decimalExponent -= 1
        i += 1
      }
    }
    guard sawDigit else { return nil }
    if i < count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
      i += 1
      var exponentNegative = false
      if i < count, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
        exponentNegative = bytes[i] == UInt8(ascii: "-")
        i += 1
      }
      var exponent = 0
      var sawExponentDigit = false
      while i < count, bytes[i] &- UInt8(ascii: "0") < 10 {
        if exponent < 10_000 { exponent = exponent * 10 + Int(bytes[i] &- UInt8(ascii: "0")) }
        sawExponentDigit = true
        i += 1
      }
      guard sawExponentDigit else { return nil }
      decimalExponent += exponentNegative ? -exponent : exponent
    }
    guard i == count else { return nil }
    guard significand <= (1 << 53) else { return nil }
    var value = Double(significand)
    if significand != 0 {
      guard decimalExponent >= -22 && decimalExponent <= 22 else { return nil }
      if decimalExponent < 0 {
        value /= powersOfTen[-decimalExponent]
      } else {
        value *= powersOfTen[decimalExponent]
      }
    }
    return negative ? -value : value
  }
}
