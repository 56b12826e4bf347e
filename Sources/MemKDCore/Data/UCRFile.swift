import Foundation

/// Raw file contents: series as read (trailing NaN padding trimmed; lengths may differ), raw label
/// tokens.
///
/// Format (PROTOCOL.md "Data"; UCR 2018 `.tsv`): one series per line, tab-separated, label first,
/// then the values; no header. Tolerated: a trailing '\r' on each line (CRLF files), empty lines
/// at the end of the file, and a UTF-8 byte-order mark at its start. Everything else that is not
/// clean data is a `DataError` naming the file, the 1-based line and, for field problems, the
/// 1-based column (the label is column 1):
/// - `emptyFile`: no content; `missingFile`: the path does not exist or cannot be read;
/// - `emptyField`: two consecutive tabs, a leading or trailing tab, or a blank line inside the
///   file;
/// - `nonNumericToken`: a value that is not a number, or is infinite; a label with a NUL;
/// - `noValues`: a label with no values, or only NaN values;
/// - `raggedRow`: a field count different from the first row's (NaN padding counts as fields);
/// - `nanInsideSeries`: a NaN followed by a non-NaN value (only trailing NaN is padding).
///
/// Why bytes: the parser walks the raw UTF-8 buffer and only builds a `String` for labels and
/// error messages, so the 31 MB NonInvasiveFetalECG files load in a fraction of a second.
public struct UCRFile: Sendable {
  /// The path as given to `read`.
  public let path: String
  /// One array per line, trailing NaN removed: [rows][length_i], every length_i >= 1.
  public let series: [[Double]]
  /// The first field of each line, verbatim: [rows].
  public let labelTokens: [String]

  /// Reads and validates one UCR `.tsv` file.
  public static func read(path: String) throws -> UCRFile {
    try parse([UInt8](try dataFileContents(path)), path: path)
  }

  /// Parses file contents already in memory; `path` is only used in errors and `self.path`.
  static func parse(_ bytes: [UInt8], path: String) throws -> UCRFile {
    try bytes.withUnsafeBufferPointer { buffer in
      var parser = Parser(bytes: buffer, path: path)
      try parser.run()
      return UCRFile(path: path, series: parser.series, labelTokens: parser.labels)
    }
  }
}

/// The line-by-line state machine behind `UCRFile.parse`.
private struct Parser {
  let bytes: UnsafeBufferPointer<UInt8>
  let path: String
  var series: [[Double]] = []
  var labels: [String] = []
  /// Field count of the first row (label included); every row must match it.
  var expectedFields: Int?
  /// Reused per line to avoid an allocation per row.
  var row: [Double] = []

  private static let tab = UInt8(ascii: "\t")
  private static let newline = UInt8(ascii: "\n")
  private static let carriageReturn = UInt8(ascii: "\r")

  init(bytes: UnsafeBufferPointer<UInt8>, path: String) {
    self.bytes = bytes
    self.path = path
  }

  mutating func run() throws {
    // Content ends at the last byte that is not a line terminator: trailing empty lines are fine.
    var contentEnd = bytes.count
    while contentEnd > 0,
      bytes[contentEnd - 1] == Self.newline || bytes[contentEnd - 1] == Self.carriageReturn
    {
      contentEnd -= 1
    }
    // A UTF-8 byte-order mark would otherwise become part of the first label.
    let bom = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    if contentEnd <= bom || bytes[bom..<contentEnd].allSatisfy({ $0 == 0x20 || $0 == Self.tab }) {
      throw DataError(.emptyFile, file: path, "file is empty")
    }
    var lineStart = bom
    var lineNumber = 0
    while lineStart < contentEnd {
      lineNumber += 1
      var lineEnd = lineStart
      while lineEnd < contentEnd && bytes[lineEnd] != Self.newline { lineEnd += 1 }
      let next = lineEnd + 1
      if lineEnd > lineStart && bytes[lineEnd - 1] == Self.carriageReturn { lineEnd -= 1 }
      try parseLine(start: lineStart, end: lineEnd, line: lineNumber)
      lineStart = next
    }
  }

  private func error(_ kind: DataError.Kind, _ line: Int, _ message: String) -> DataError {
    DataError(kind, file: path, line: line, message)
  }

  private func text(_ start: Int, _ end: Int) -> String {
    String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
  }

  /// Parses bytes [start, end) of one line (terminators excluded) into `series` and `labels`.
  private mutating func parseLine(start: Int, end: Int, line: Int) throws {
    if start == end {
      throw error(.emptyField, line, "blank line (only the end of the file may have empty lines)")
    }
    var fieldEnd = start
    while fieldEnd < end && bytes[fieldEnd] != Self.tab { fieldEnd += 1 }
    if fieldEnd == start {
      throw error(.emptyField, line, "empty field in column 1 (the label)")
    }
    if bytes[start..<fieldEnd].contains(0) {
      // Labels are stored as HDF5 strings, which C would cut at the NUL: refused before training.
      throw error(.nonNumericToken, line, "the label in column 1 contains a NUL character")
    }
    let label = text(start, fieldEnd)
    row.removeAll(keepingCapacity: true)
    var column = 1
    while fieldEnd < end {  // bytes[fieldEnd] is a tab: another field follows
      let fieldStart = fieldEnd + 1
      column += 1
      fieldEnd = fieldStart
      while fieldEnd < end && bytes[fieldEnd] != Self.tab { fieldEnd += 1 }
      if fieldEnd == fieldStart {
        throw error(.emptyField, line, "empty field in column \(column)")
      }
      let field = UnsafeBufferPointer(rebasing: bytes[fieldStart..<fieldEnd])
      guard let value = DecimalParsing.parse(field) else {
        throw error(
          .nonNumericToken, line,
          "non-numeric token '\(text(fieldStart, fieldEnd))' in column \(column)")
      }
      if value.isInfinite {
        throw error(
          .nonNumericToken, line,
          "infinite value '\(text(fieldStart, fieldEnd))' in column \(column)")
      }
      row.append(value)
    }
    try checkAndAppend(label: label, fields: column, line: line)
  }

  /// Applies the row rules that need the whole line, then stores it with trailing NaN trimmed.
  private mutating func checkAndAppend(label: String, fields: Int, line: Int) throws {
    if fields == 1 {
      throw error(.noValues, line, "label '\(label)' has no values")
    }
    if let expectedFields {
      if fields != expectedFields {
        throw error(
          .raggedRow, line,
          "ragged row: \(fields - 1) values, expected \(expectedFields - 1) (first row)")
      }
    } else {
      expectedFields = fields
    }
    guard let last = row.lastIndex(where: { !$0.isNaN }) else {
      throw error(.noValues, line, "label '\(label)' has only NaN values")
    }
    if let firstNaN = row[..<last].firstIndex(where: { $0.isNaN }) {
      // Columns are 1-based with the label in column 1, so value k (0-based) is column k + 2.
      throw error(
        .nanInsideSeries, line,
        "NaN in column \(firstNaN + 2) before the value in column \(last + 2)"
          + " (only trailing NaN padding is allowed)")
    }
    series.append(Array(row[...last]))
    labels.append(label)
  }
}

/// The bytes of a data file; a missing path, a folder or an unreadable file is a `missingFile`
/// error naming it (shared by the `.tsv` and `.ts` readers).
func dataFileContents(_ path: String) throws -> Data {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
    throw DataError(.missingFile, file: path, "file not found")
  }
  guard !isDirectory.boolValue, let data = FileManager.default.contents(atPath: path) else {
    throw DataError(
      .missingFile, file: path, isDirectory.boolValue ? "is a directory" : "cannot be read")
  }
  return data
}
