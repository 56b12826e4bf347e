import Foundation
import Testing

@testable import MemKDCore

/// A unique temporary folder for one test (tests run in parallel), removed when `body` returns.
func withDataScratchDirectory<T>(_ body: (DataScratchDirectory) throws -> T) throws -> T {
  let directory = try DataScratchDirectory()
  defer { try? FileManager.default.removeItem(atPath: directory.path) }
  return try body(directory)
}

/// Writes test files under one temporary folder.
struct DataScratchDirectory {
  let path: String

  init() throws {
    path = (NSTemporaryDirectory() as NSString).appendingPathComponent(
      "memkd-data-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  /// Writes `contents` to `<path>/<relative>` (creating folders) and returns the full path.
  @discardableResult
  func write(_ relative: String, _ contents: String) throws -> String {
    let file = (path as NSString).appendingPathComponent(relative)
    try FileManager.default.createDirectory(
      atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(contents.utf8).write(to: URL(fileURLWithPath: file))
    return file
  }

  /// Writes `<path>/<name>/<name>_{TRAIN,TEST}.tsv` (nil skips a split); returns the root (`path`).
  @discardableResult
  func dataset(_ name: String, train: String?, test: String?) throws -> String {
    if let train { try write("\(name)/\(name)_TRAIN.tsv", train) }
    if let test { try write("\(name)/\(name)_TEST.tsv", test) }
    return path
  }
}

/// The `DataError` thrown by `body`, or nil (a test then fails on `#require`).
func captureDataError(_ body: () throws -> Void) -> DataError? {
  do {
    try body()
    return nil
  } catch let error as DataError {
    return error
  } catch {
    return nil
  }
}

/// One malformed file and the error it must produce.
struct DataMalformedFileCase: Sendable, CustomTestStringConvertible {
  let name: String
  let contents: String
  let kind: DataError.Kind
  let line: Int?
  /// Fragments the message must contain.
  let fragments: [String]
  var testDescription: String { name }
}

@Suite("UCR file reader")
struct DataReaderTests {
  static let malformed: [DataMalformedFileCase] = [
    .init(name: "empty", contents: "", kind: .emptyFile, line: nil, fragments: ["empty"]),
    .init(name: "only newlines", contents: "\n\r\n\n", kind: .emptyFile, line: nil, fragments: []),
    .init(
      name: "ragged", contents: "1\t1.0\t2.0\n1\t1.0\t2.0\n2\t1.0\n", kind: .raggedRow, line: 3,
      fragments: ["ragged row: 1 values, expected 2 (first row)"]),
    .init(
      name: "ragged longer", contents: "1\t1\n2\t1\t2\n", kind: .raggedRow, line: 2,
      fragments: ["2 values, expected 1"]),
    .init(
      name: "double tab", contents: "1\t1.0\t\t2.0\n", kind: .emptyField, line: 1,
      fragments: ["column 3"]),
    .init(
      name: "trailing tab", contents: "1\t1\t2\n2\t1.0\t2.0\t\n", kind: .emptyField, line: 2,
      fragments: ["column 4"]),
    .init(
      name: "empty label", contents: "1\t1\n\t1.0\n", kind: .emptyField, line: 2,
      fragments: ["column 1"]),
    .init(
      name: "blank line inside", contents: "1\t1.0\n\n2\t3.0\n", kind: .emptyField, line: 2,
      fragments: ["blank line"]),
    .init(
      name: "NUL in a label (trained, then failed to save)", contents: "1\t1\n2\u{0}\t3.0\n",
      kind: .nonNumericToken, line: 2, fragments: ["label in column 1 contains a NUL"]),
    .init(
      name: "word", contents: "1\t1.0\tabc\n", kind: .nonNumericToken, line: 1,
      fragments: ["'abc'", "column 3"]),
    .init(
      name: "decimal comma", contents: "1\t1\t2\n2\t1,5\t2.0\n", kind: .nonNumericToken, line: 2,
      fragments: ["'1,5'", "column 2"]),
    .init(
      name: "leading space", contents: "1\t 1.0\n", kind: .nonNumericToken, line: 1,
      fragments: ["' 1.0'", "column 2"]),
    .init(
      name: "infinity", contents: "1\t1\n2\t-inf\n", kind: .nonNumericToken, line: 2,
      fragments: ["'-inf'", "column 2"]),
    .init(
      name: "NaN inside", contents: "1\t1.0\tNaN\t2.0\n", kind: .nanInsideSeries, line: 1,
      fragments: ["column 3", "column 4"]),
    .init(
      name: "nan inside after padding row", contents: "1\t1\t2\tNaN\n2\tnan\t1\t2\n",
      kind: .nanInsideSeries, line: 2, fragments: ["column 2"]),
    .init(
      name: "label only", contents: "1\t1\n2\n", kind: .noValues, line: 2, fragments: ["'2'"]),
    .init(
      name: "label only first row", contents: "7\r\n", kind: .noValues, line: 1, fragments: []),
    .init(
      name: "only NaN", contents: "1\t1\t2\n1\tNaN\tnan\n", kind: .noValues, line: 2,
      fragments: ["NaN"]),
  ]

  @Test("malformed files give a DataError naming file, line and problem", arguments: malformed)
  func malformedFile(_ testCase: DataMalformedFileCase) throws {
    try withDataScratchDirectory { directory in
      let path = try directory.write("Bad_TRAIN.tsv", testCase.contents)
      let error = try #require(captureDataError { _ = try UCRFile.read(path: path) })
      #expect(error.kind == testCase.kind)
      #expect(error.line == testCase.line)
      #expect(error.file == path)
      #expect(error.description.hasPrefix(path))
      if let line = testCase.line {
        #expect(error.description.hasPrefix("\(path) line \(line): "))
      }
      for fragment in testCase.fragments {
        #expect(error.message.contains(fragment), "\(error.message) lacks \(fragment)")
      }
    }
  }

  @Test("a missing file is missingFile with no line")
  func missingFile() throws {
    try withDataScratchDirectory { directory in
      let path = (directory.path as NSString).appendingPathComponent("Nope_TRAIN.tsv")
      let error = try #require(captureDataError { _ = try UCRFile.read(path: path) })
      #expect(error.kind == .missingFile)
      #expect(error.line == nil)
      #expect(error.description.hasPrefix(path + ": "))
    }
  }

  @Test("a directory is not a readable file")
  func directoryIsMissingFile() throws {
    try withDataScratchDirectory { directory in
      let error = try #require(captureDataError { _ = try UCRFile.read(path: directory.path) })
      #expect(error.kind == .missingFile)
    }
  }

  @Test("trailing NaN padding is trimmed, giving variable lengths")
  func trailingNaNTrimmed() throws {
    try withDataScratchDirectory { directory in
      let path = try directory.write(
        "Pad_TEST.tsv", "1\t1\t2\t3\n2\t4\t5\tNaN\n3\t6\tnan\tNaN\n")
      let file = try UCRFile.read(path: path)
      #expect(file.series == [[1, 2, 3], [4, 5], [6]])
      #expect(file.labelTokens == ["1", "2", "3"])
      #expect(file.path == path)
    }
  }

  @Test("CRLF endings, trailing empty lines, no final newline and a BOM are accepted")
  func lineEndings() throws {
    try withDataScratchDirectory { directory in
      let crlf = try directory.write("A.tsv", "1\t1.5\t-2.5e-1\r\n-1\t3\t4\r\n\r\n\n")
      let file = try UCRFile.read(path: crlf)
      #expect(file.series == [[1.5, -0.25], [3, 4]])
      #expect(file.labelTokens == ["1", "-1"])
      let unterminated = try directory.write("B.tsv", "2\t0.125\t7")
      #expect(try UCRFile.read(path: unterminated).series == [[0.125, 7]])
      let bom = try directory.write("C.tsv", "\u{FEFF}3\t1\t2\n")
      #expect(try UCRFile.read(path: bom).labelTokens == ["3"])
    }
  }

  @Test("values parse exactly like Double(String)")
  func valuesParseExactly() throws {
    try withDataScratchDirectory { directory in
      let tokens = [
        "-0.24759242", "3.3201995", "1e-5", "+2.5", ".5", "5.", "0", "-0", "123456789012345678",
        "0.1234567890123456789012", "1.7976931348623157e308", "4.9e-324", "2.2250738585072014e-308",
      ]
      let path = try directory.write("C.tsv", "1\t" + tokens.joined(separator: "\t") + "\n")
      let values = try #require(try UCRFile.read(path: path).series.first)
      for (token, value) in zip(tokens, values) {
        #expect(value.bitPattern == Double(token)!.bitPattern, "\(token)")
      }
    }
  }
}
