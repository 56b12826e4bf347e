import Foundation
import MemKDTestSupport
import Testing

@testable import MemKDCore

/// The byte-level number parser must agree bit for bit with `Double(String)`, its reference.
@Suite("Decimal parsing")
struct DataDecimalParsingTests {
  private func parse(_ text: String) -> Double? {
    Array(text.utf8).withUnsafeBufferPointer { DecimalParsing.parse($0) }
  }

  private func agrees(_ text: String) -> Bool {
    switch (parse(text), Double(text)) {
    case (nil, nil): return true
    case (let a?, let b?): return a.isNaN ? b.isNaN : a.bitPattern == b.bitPattern
    default: return false
    }
  }

  @Test(
    "hand-picked tokens",
    arguments: [
      "0", "-0", "+0", "1", "-1", "0.5", ".5", "5.", "-.5", "1e3", "1E3", "1e+3", "1e-3",
      "9007199254740992",
      "9007199254740993", "1e22", "1e23", "1e-22", "1e-23", "123.456e-7", "0.000000000000000000001",
      "NaN", "nan", "-nan", "inf", "-inf", "Infinity", "0x1p3", "", "-", "+", ".", "e5", "1e",
      "1e+", "1.2.3", "1-2", "--1", "1 ", " 1", "abc", "1,5", "12345678901234567890",
      "1.0000000000000000000000001", "1e99999", "1e-99999",
    ])
  func handPicked(_ text: String) {
    #expect(
      agrees(text),
      "\(text): \(String(describing: parse(text))) vs \(String(describing: Double(text)))")
  }

  @Test("seeded random decimal strings")
  func randomStrings() {
    var generator = SeededGenerator(seed: 2024)
    for _ in 0..<20_000 {
      var text = generator.index(below: 2) == 0 ? "-" : ""
      let integerDigits = generator.index(below: 6)
      let fractionDigits = generator.index(below: 20)
      for _ in 0..<integerDigits { text += String(generator.index(below: 10)) }
      if fractionDigits > 0 || integerDigits == 0 {
        text += "."
        for _ in 0..<max(fractionDigits, 1) { text += String(generator.index(below: 10)) }
      }
      if generator.index(below: 3) == 0 {
        text += "e" + String(generator.index(below: 60) - 30)
      }
      #expect(agrees(text), "\(text)")
    }
  }

  @Test("every value of a real file parses like Double(String)")
  func realFile() throws {
    let path = TestFiles.repositoryRoot.appendingPathComponent("data/Trace/Trace_TRAIN.tsv").path
    let text = try String(contentsOfFile: path, encoding: .utf8)
    let file = try UCRFile.read(path: path)
    let lines = text.split(separator: "\n")
    #expect(lines.count == file.series.count)
    for (line, series) in zip(lines, file.series) {
      let expected = line.split(separator: "\t").dropFirst().map { Double($0)! }
      #expect(series.map(\.bitPattern) == expected.map(\.bitPattern))
    }
  }
}
