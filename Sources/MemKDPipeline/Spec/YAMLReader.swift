import MemKDCore
import Yams

/// A YAML scalar as the pipeline schema reads it.
///
/// Why not Yams' own tag resolution: it follows YAML 1.1 (`yes`, `on` and `0x1F` resolve to
/// booleans and integers) and accepts `8.0` where the schema wants an integer. The schema wants
/// fewer surprises: only plain (unquoted) scalars are ever numbers, booleans or null; booleans
/// are `true`/`false` (any capitalisation YAML 1.2 allows); integers are decimal digits.
enum YAMLScalar: Equatable {
  case null
  case bool(Bool)
  case int(Int)
  case number(Double)
  case string(String)

  init(_ scalar: Node.Scalar) {
    let text = scalar.string
    guard scalar.style == .plain || scalar.style == .any else {
      self = .string(text)
      return
    }
    switch text {
    case "", "~", "null", "Null", "NULL": self = .null
    case "true", "True", "TRUE": self = .bool(true)
    case "false", "False", "FALSE": self = .bool(false)
    case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": self = .number(.infinity)
    case "-.inf", "-.Inf", "-.INF": self = .number(-.infinity)
    case ".nan", ".NaN", ".NAN": self = .number(.nan)
    default:
      if Self.isInteger(text), let value = Int(text) {
        self = .int(value)
      } else if Self.isDecimal(text), let value = Double(text) {
        self = .number(value)
      } else {
        self = .string(text)
      }
    }
  }

  /// `[-+]?[0-9]+`.
  private static func isInteger(_ text: String) -> Bool {
    var digits = Substring(text)
    if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
    return !digits.isEmpty && digits.allSatisfy { $0.isASCII && $0.isNumber }
  }

  /// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`: YAML 1.2's float without the
  /// special values (handled by name). `Double(_:)` alone would also take `0x1p3` and `nan`.
  private static func isDecimal(_ text: String) -> Bool {
    let allowed = Set("0123456789+-.eE")
    return text.contains(where: { $0.isNumber }) && text.allSatisfy { allowed.contains($0) }
  }
}

/// What a number option accepts, as a test and as the words for error messages.
struct NumberRequirement: Sendable {
  /// Completes "expected ..." and "must be ...".
  var text: String
  var isValid: @Sendable (Double) -> Bool

  static let positive = Self(text: "a finite number > 0") { $0 > 0 }
  static let nonNegative = Self(text: "a finite number >= 0") { $0 >= 0 }
  static let fraction = Self(text: "a number strictly between 0 and 1") { $0 > 0 && $0 < 1 }
}

/// Reads schema values out of a composed YAML tree, turning every problem into a
/// `PipelineSpecError` at the offending node.
///
/// Key paths are built by the caller (`child(_:_:)`, `element(_:_:)`) and passed down, so every
/// error can name where it is without the reader knowing the schema.
struct YAMLReader {
  let file: String

  /// One key of a mapping, in file order.
  struct Entry {
    var key: String
    var keyNode: Node
    var value: Node
    /// The key path of the value (`teacher.lr`).
    var path: String
  }

  func error(_ node: Node?, _ path: String, _ message: String) -> PipelineSpecError {
    let mark = node?.mark
    return PipelineSpecError(
      file: file, line: mark?.line, column: mark?.column, key: path, message: message)
  }

  func child(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
  func element(_ path: String, _ index: Int) -> String { "\(path)[\(index)]" }

  /// How a value appears in messages: `'abc'` for a plain scalar, `"abc"` for a quoted one.
  func describe(_ node: Node) -> String {
    if node.mapping != nil { return "a mapping" }
    if node.sequence != nil { return "a list" }
    guard let scalar = node.scalar else { return "an unsupported node" }
    switch YAMLScalar(scalar) {
    case .null: return "nothing (null)"
    case .string where scalar.style != .plain && scalar.style != .any: return "\"\(scalar.string)\""
    default: return "'\(scalar.string)'"
    }
  }

  // MARK: Mappings

  /// The entries of a mapping in file order. Rejects non-scalar keys, duplicate keys (Yams 5.0
  /// keeps both pairs silently, so the check is ours) and keys outside `allowed`, listing the
  /// allowed keys.
  func entries(of node: Node, path: String, allowed: [String], what: String) throws -> [Entry] {
    guard let mapping = node.mapping else {
      throw error(node, path, "expected \(what), got \(describe(node))")
    }
    var seen: [String: Node] = [:]
    var result: [Entry] = []
    for (keyNode, value) in mapping {
      guard let key = keyNode.scalar?.string else {
        throw error(keyNode, path, "keys must be plain names, got \(describe(keyNode))")
      }
      let keyPath = child(path, key)
      if let first = seen[key] {
        let firstLine = first.mark.map { " (first at line \($0.line))" } ?? ""
        throw error(keyNode, keyPath, "duplicate key '\(key)'\(firstLine)")
      }
      guard allowed.contains(key) else {
        var message = "unknown key '\(key)'"
        if let guess = closest(to: key, in: allowed) { message += "; did you mean '\(guess)'?" }
        message += " (allowed keys: \(allowed.joined(separator: ", ")))"
        throw error(keyNode, keyPath, message)
      }
      seen[key] = keyNode
      result.append(Entry(key: key, keyNode: keyNode, value: value, path: keyPath))
    }
    return result
  }

  /// The entry for `key`, or an error at the mapping that lacks it.
  func required(_ key: String, in entries: [Entry], mapping: Node, path: String) throws -> Entry {
    guard let entry = entries.first(where: { $0.key == key }) else {
      throw error(mapping, child(path, key), "missing required key '\(key)'")
    }
    return entry
  }

  /// The allowed key within edit distance 2 of a typo, if exactly one is that close.
  private func closest(to key: String, in allowed: [String]) -> String? {
    let near = allowed.map { ($0, editDistance(key, $0)) }.filter { $0.1 <= 2 }
    guard let best = near.min(by: { $0.1 < $1.1 }) else { return nil }
    return near.filter { $0.1 == best.1 }.count == 1 ? best.0 : nil
  }

  /// Optimal string alignment distance (transpositions count 1: `trems` -> `terms`).
  private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a)
    let b = Array(b)
    var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
    for i in 0...a.count { d[i][0] = i }
    for j in 0...b.count { d[0][j] = j }
    for i in stride(from: 1, through: a.count, by: 1) {
      for j in stride(from: 1, through: b.count, by: 1) {
        let cost = a[i - 1] == b[j - 1] ? 0 : 1
        d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
        if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
          d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
        }
      }
    }
    return d[a.count][b.count]
  }

  // MARK: Lists

  /// The elements of a list with their key paths, or the value itself when `single` and it is
  /// not a list (`datasets: Wafer`). `isList` tells which was written. An empty list is an error.
  func items(_ node: Node, path: String, what: String, single: Bool = true) throws -> (
    isList: Bool, items: [(node: Node, path: String)]
  ) {
    guard let sequence = node.sequence else {
      guard single else { throw error(node, path, "expected \(what), got \(describe(node))") }
      return (false, [(node, path)])
    }
    if sequence.isEmpty { throw error(node, path, "expected \(what), got an empty list") }
    return (true, sequence.enumerated().map { ($0.element, element(path, $0.offset)) })
  }

  // MARK: Scalars

  private func scalar(_ node: Node) -> YAMLScalar? { node.scalar.map(YAMLScalar.init) }

  /// A scalar as the neutral `OptionValue` a MemKDCore option rule judges.
  /// - Throws: at a mapping or a list (an option value is one scalar).
  func optionValue(_ node: Node, path: String) throws -> OptionValue {
    switch scalar(node) {
    case nil: throw error(node, path, "expected a single value, got \(describe(node))")
    case .null: return .null
    case .bool(let value): return .bool(value)
    case .int(let value): return .int(value)
    case .number(let value): return .number(value)
    case .string(let value): return .text(value)
    }
  }

  /// An integer written as one (`8`, not `8.0`), at least `minimum`.
  func int(_ node: Node, path: String, minimum: Int) throws -> Int {
    guard case .int(let value) = scalar(node) else {
      throw error(node, path, "expected an integer >= \(minimum), got \(describe(node))")
    }
    guard value >= minimum else {
      throw error(node, path, "must be at least \(minimum) (got \(value))")
    }
    return value
  }

  /// A finite number (integer or decimal) that meets `requirement`.
  func number(_ node: Node, path: String, _ requirement: NumberRequirement) throws -> Double {
    let value: Double
    switch scalar(node) {
    case .int(let int): value = Double(int)
    case .number(let number): value = number
    default:
      throw error(node, path, "expected \(requirement.text), got \(describe(node))")
    }
    guard value.isFinite, requirement.isValid(value) else {
      throw error(node, path, "must be \(requirement.text) (got \(node.scalar?.string ?? "?"))")
    }
    return value
  }

  func bool(_ node: Node, path: String) throws -> Bool {
    guard case .bool(let value) = scalar(node) else {
      throw error(node, path, "expected true or false, got \(describe(node))")
    }
    return value
  }

  /// Any scalar but null, as written (`name: 123` is the string "123").
  func string(_ node: Node, path: String) throws -> String {
    guard let scalar = node.scalar, YAMLScalar(scalar) != .null, !scalar.string.isEmpty else {
      throw error(node, path, "expected a string, got \(describe(node))")
    }
    return scalar.string
  }

  /// One of an enum's raw values; the error lists them all.
  func choice<Value: RawRepresentable & CaseIterable>(
    _ node: Node, path: String, _: Value.Type
  ) throws -> Value where Value.RawValue == String {
    let allowed = Value.allCases.map(\.rawValue).joined(separator: ", ")
    guard let text = node.scalar?.string, let value = Value(rawValue: text) else {
      throw error(node, path, "expected one of \(allowed), got \(describe(node))")
    }
    return value
  }
}
