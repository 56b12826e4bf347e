import Foundation

/// Raw contents of a UEA / aeon `.ts` file: multichannel series as read (lengths may differ
/// between series; missing values `?` kept as NaN), raw class labels.
///
/// Format (aeon's `load_from_ts_file`, the UEA archive's files): `#` comment lines, then header
/// tags, one per line, case-insensitive: `@problemName`, `@timeStamps false`, `@missing`,
/// `@univariate`, `@dimension(s) D`, `@equalLength`, `@seriesLength L`, `@classLabel true
/// <labels...>`, then `@data` and one series per line: the D channels separated by `:`, each a
/// comma-separated list of values (`?`, or `NaN` as aeon writes it, = missing), and the class
/// label last. Blank lines are
/// skipped; a UTF-8 byte-order mark and CRLF line ends are tolerated.
///
/// Every problem is a `DataError` naming the file and the 1-based line: an unknown or repeated
/// tag, a tag value that is not what the tag takes, time stamps or a regression target
/// (`@timeStamps true`, `@targetLabel`: not classification data this reader takes), no
/// `@classLabel` or no `@data`; in the body, a channel count other than the header's or the
/// first series', channels of one series of different lengths, a value that is not a number,
/// an empty channel or one of only `?`, `?` in a
/// file declared `@missing false`, a label not in `@classLabel`, and a length that breaks
/// `@equalLength true` / `@seriesLength`.
public struct TSFile: Sendable {
  public let path: String
  /// [rows][channels][length_i]; NaN where the file has `?`.
  public let series: [[[Double]]]
  /// The label of each row, verbatim: [rows].
  public let labelTokens: [String]
  /// Channels per series (the same for every row).
  public let channels: Int
  /// `@classLabel`'s labels, in the header's order.
  public let declaredLabels: [String]

  public static func read(path: String) throws -> TSFile {
    try parse(String(decoding: try dataFileContents(path), as: UTF8.self), path: path)
  }

  static func parse(_ text: String, path: String) throws -> TSFile {
    var reader = TSReader(path: path)
    // "\r\n" is one Character in Swift: split on both forms of a line end.
    var lines = text.split(
      omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
    if let first = lines.first, first.hasPrefix("\u{FEFF}") { lines[0] = first.dropFirst() }
    for (index, raw) in lines.enumerated() {
      var line = Substring(raw)
      if line.hasSuffix("\r") { line = line.dropLast() }
      try reader.take(line.trimmingCharacters(in: .whitespaces), line: index + 1)
    }
    return try reader.finish()
  }
}

/// The header and body rules behind `TSFile.parse`.
private struct TSReader {
  let path: String
  var seen = Set<String>()
  var inData = false
  var missingAllowed = true
  var declaredChannels: Int?
  var equalLength: Bool?
  var seriesLength: Int?
  var declaredLabels: [String]?
  var series: [[[Double]]] = []
  var labels: [String] = []
  var channels: Int?

  init(path: String) { self.path = path }

  func error(_ kind: DataError.Kind, _ line: Int, _ message: String) -> DataError {
    DataError(kind, file: path, line: line, message)
  }

  mutating func take(_ line: String, line number: Int) throws {
    if line.isEmpty { return }
    if !inData {
      if line.hasPrefix("#") { return }
      try header(line, line: number)
    } else {
      try body(line, line: number)
    }
  }

  mutating func header(_ line: String, line number: Int) throws {
    guard line.hasPrefix("@") else {
      throw error(
        .invalidHeader, number, "'\(line.prefix(40))' before @data: expected a header tag (@...)")
    }
    let parts = line.split(whereSeparator: \.isWhitespace).map(String.init)
    let tag = parts[0].lowercased()
    let values = Array(parts.dropFirst())
    let known = [
      "@problemname", "@timestamps", "@missing", "@univariate", "@dimension", "@dimensions",
      "@equallength", "@serieslength", "@classlabel", "@targetlabel", "@data",
    ]
    guard known.contains(tag) else {
      throw error(.invalidHeader, number, "unknown header tag '\(parts[0])'")
    }
    let canonical = tag == "@dimensions" ? "@dimension" : tag
    guard seen.insert(canonical).inserted else {
      throw error(.invalidHeader, number, "header tag '\(parts[0])' appears twice")
    }
    switch tag {
    case "@problemname":
      guard values.count >= 1 else {
        throw error(.invalidHeader, number, "@problemName has no name")
      }
    case "@timestamps":
      if try bool(values, parts[0], number) {
        throw error(
          .invalidHeader, number, "@timeStamps true: series with time stamps are not supported")
      }
    case "@missing": missingAllowed = try bool(values, parts[0], number)
    case "@univariate":
      if try bool(values, parts[0], number) {
        if let declaredChannels, declaredChannels != 1 {
          throw error(
            .invalidHeader, number, "@univariate true but @dimensions \(declaredChannels)")
        }
        declaredChannels = 1
      }
    case "@dimension", "@dimensions":
      let count = try positive(values, parts[0], number)
      if let declaredChannels, declaredChannels != count {
        throw error(.invalidHeader, number, "\(parts[0]) \(count) but @univariate true")
      }
      declaredChannels = count
    case "@equallength": equalLength = try bool(values, parts[0], number)
    case "@serieslength": seriesLength = try positive(values, parts[0], number)
    case "@classlabel":
      guard try bool(Array(values.prefix(1)), parts[0], number) else {
        throw error(
          .invalidHeader, number, "@classLabel false: the file has no class labels to learn")
      }
      let names = Array(values.dropFirst())
      guard !names.isEmpty else {
        throw error(.invalidHeader, number, "@classLabel true lists no labels")
      }
      declaredLabels = names
    case "@targetlabel":
      throw error(
        .invalidHeader, number, "@targetLabel: a regression file; only classification is supported")
    default:  // @data
      guard values.isEmpty else { throw error(.invalidHeader, number, "@data takes no value") }
      guard declaredLabels != nil else {
        throw error(.invalidHeader, number, "@data before @classLabel: the labels are not declared")
      }
      inData = true
    }
  }

  func bool(_ values: [String], _ tag: String, _ line: Int) throws -> Bool {
    guard values.count == 1, ["true", "false"].contains(values[0].lowercased()) else {
      throw error(
        .invalidHeader, line,
        "\(tag) takes true or false, got '\(values.joined(separator: " "))'")
    }
    return values[0].lowercased() == "true"
  }

  func positive(_ values: [String], _ tag: String, _ line: Int) throws -> Int {
    guard values.count == 1, let value = Int(values[0]), value >= 1 else {
      throw error(
        .invalidHeader, line,
        "\(tag) takes a positive integer, got '\(values.joined(separator: " "))'")
    }
    return value
  }

  mutating func body(_ line: String, line number: Int) throws {
    if line.hasPrefix("@") {
      throw error(.invalidHeader, number, "header tag '\(line.prefix(30))' after @data")
    }
    let fields = line.split(separator: ":", omittingEmptySubsequences: false)
    let label = fields.last.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
    let count = fields.count - 1
    guard count >= 1, !label.isEmpty else {
      throw error(.noValues, number, "a series needs its channels and a class label after ':'")
    }
    if let expected = declaredChannels ?? channels, expected != count {
      throw error(
        .raggedRow, number,
        "\(count) channel(s), expected \(expected) ("
          + (declaredChannels != nil ? "@dimensions" : "the first series") + ")")
    }
    channels = count
    guard let declared = declaredLabels, declared.contains(label) else {
      throw error(
        .unknownLabel, number,
        "class label '\(label)' is not one of @classLabel's (\((declaredLabels ?? []).joined(separator: " ")))"
      )
    }
    var row: [[Double]] = []
    for (channel, field) in fields.dropLast().enumerated() {
      row.append(try values(field, channel: channel + 1, line: number))
    }
    let lengths = Set(row.map(\.count))
    guard lengths.count == 1 else {
      throw error(
        .raggedRow, number,
        "channels of one series differ in length (\(row.map(\.count).map(String.init).joined(separator: ", ")))"
      )
    }
    if equalLength == true {
      let expected = seriesLength ?? series.first?.first?.count ?? row[0].count
      guard lengths == [expected] else {
        throw error(
          .raggedRow, number,
          "lengths \(row.map(\.count).map(String.init).joined(separator: ", ")) but the file "
            + "declares @equalLength true (length \(expected))")
      }
    }
    series.append(row)
    labels.append(label)
  }

  func values(_ field: Substring, channel: Int, line: Int) throws -> [Double] {
    let tokens = field.split(separator: ",", omittingEmptySubsequences: false)
    var result: [Double] = []
    result.reserveCapacity(tokens.count)
    for (position, raw) in tokens.enumerated() {
      let token = raw.trimmingCharacters(in: .whitespaces)
      // aeon writes missing values as NaN (`write_to_ts_file`); both mean missing.
      if token == "?" || token.lowercased() == "nan" {
        guard missingAllowed else {
          throw error(
            .nonNumericToken, line,
            "'?' in channel \(channel), value \(position + 1), but the file declares @missing false"
          )
        }
        result.append(.nan)
        continue
      }
      let bytes = Array(token.utf8)
      guard !bytes.isEmpty,
        let value = bytes.withUnsafeBufferPointer({ DecimalParsing.parse($0) }), value.isFinite
      else {
        throw error(
          .nonNumericToken, line,
          token.isEmpty
            ? "empty value in channel \(channel), value \(position + 1)"
            : "non-numeric token '\(token.prefix(30))' in channel \(channel), value \(position + 1)"
        )
      }
      result.append(value)
    }
    guard result.contains(where: { !$0.isNaN }) else {
      throw error(.noValues, line, "channel \(channel) has no values (only '?')")
    }
    return result
  }

  func finish() throws -> TSFile {
    guard inData else {
      throw DataError(.invalidHeader, file: path, "no @data line: not a .ts file, or cut short")
    }
    guard !series.isEmpty, let channels else {
      throw DataError(.emptyFile, file: path, "no series after @data")
    }
    return TSFile(
      path: path, series: series, labelTokens: labels, channels: channels,
      declaredLabels: declaredLabels ?? [])
  }
}
