import Foundation
import Testing

@testable import MemKDCore

/// The UEA / aeon `.ts` reader: what it reads, and an error naming the file and line for each
/// header and body problem.
@Suite("ts files")
struct TSFileTests {
  static let header = """
    # a comment
    @problemName Toy
    @timeStamps false
    @missing true
    @univariate false
    @dimensions 2
    @equalLength false
    @classLabel true walk run
    @data

    """

  @Test("channels, variable lengths, missing values and string labels")
  func reads() throws {
    let text = "\u{FEFF}" + Self.header + "1,2,3:4,?,6:walk\r\n0.5,1e1:2,NaN:run\n\n"
    let file = try TSFile.parse(text, path: "toy.ts")
    #expect(file.channels == 2)
    #expect(file.labelTokens == ["walk", "run"])
    #expect(file.declaredLabels == ["walk", "run"])
    #expect(file.series[0][0] == [1, 2, 3])
    #expect(file.series[0][1][0] == 4 && file.series[0][1][1].isNaN && file.series[0][1][2] == 6)
    #expect(file.series[1][0] == [0.5, 10] && file.series[1][1][0] == 2)
    #expect(file.series[1][1][1].isNaN, "aeon writes missing values as NaN")
    #expect(Preprocess.fillMissing([.nan, 1, .nan, .nan, 4, .nan]) == [1, 1, 2, 3, 4, 4])
  }

  static let cases: [(String, DataError.Kind, Int?, String)] = [
    ("@problemName Toy\n1,2:a\n", .invalidHeader, 2, "expected a header tag"),
    ("@problemName Toy\n@colour red\n", .invalidHeader, 2, "unknown header tag '@colour'"),
    ("@missing false\n@missing true\n", .invalidHeader, 2, "appears twice"),
    ("@missing maybe\n", .invalidHeader, 1, "@missing takes true or false, got 'maybe'"),
    ("@dimensions 0\n", .invalidHeader, 1, "takes a positive integer, got '0'"),
    ("@seriesLength ten\n", .invalidHeader, 1, "takes a positive integer, got 'ten'"),
    ("@univariate true\n@dimensions 3\n", .invalidHeader, 2, "@dimensions 3 but @univariate true"),
    ("@timeStamps true\n", .invalidHeader, 1, "time stamps are not supported"),
    ("@classLabel false\n", .invalidHeader, 1, "no class labels"),
    ("@classLabel true\n", .invalidHeader, 1, "lists no labels"),
    ("@targetLabel true\n", .invalidHeader, 1, "regression"),
    ("@problemName\n", .invalidHeader, 1, "@problemName has no name"),
    ("@data\n1,2:a\n", .invalidHeader, 1, "@data before @classLabel"),
    ("@classLabel true a b\n@data extra\n", .invalidHeader, 2, "@data takes no value"),
    ("@classLabel true a b\n", .invalidHeader, nil, "no @data line"),
    ("@classLabel true a b\n@data\n\n", .emptyFile, nil, "no series after @data"),
    ("@classLabel true a b\n@data\n1,2:a\n@missing true\n", .invalidHeader, 4, "after @data"),
    ("@classLabel true a b\n@data\n1,2\n", .noValues, 3, "channels and a class label"),
    ("@classLabel true a b\n@data\n1,2:\n", .noValues, 3, "channels and a class label"),
    ("@classLabel true a b\n@data\n1,2:c\n", .unknownLabel, 3, "'c' is not one of"),
    (
      "@dimensions 2\n@classLabel true a b\n@data\n1,2:a\n", .raggedRow, 4,
      "1 channel(s), expected 2 (@dimensions)"
    ),
    ("@classLabel true a b\n@data\n1:2:a\n1:b\n", .raggedRow, 4, "expected 2 (the first series)"),
    ("@classLabel true a b\n@data\n1,2:3:a\n", .raggedRow, 3, "differ in length (2, 1)"),
    ("@classLabel true a b\n@data\n1,x:a\n", .nonNumericToken, 3, "'x' in channel 1, value 2"),
    (
      "@classLabel true a b\n@data\n1,,2:a\n", .nonNumericToken, 3,
      "empty value in channel 1, value 2"
    ),
    ("@classLabel true a b\n@data\n1,inf:a\n", .nonNumericToken, 3, "'inf' in channel 1"),
    ("@missing false\n@classLabel true a b\n@data\n1,?:a\n", .nonNumericToken, 4, "@missing false"),
    (
      "@missing false\n@classLabel true a b\n@data\n1,NaN:a\n", .nonNumericToken, 4,
      "@missing false"
    ),
    ("@classLabel true a b\n@data\n?,?:a\n", .noValues, 3, "channel 1 has no values"),
    (
      "@equalLength true\n@classLabel true a b\n@data\n1,2:a\n1,2,3:b\n", .raggedRow, 5,
      "@equalLength true"
    ),
    (
      "@equalLength true\n@seriesLength 3\n@classLabel true a b\n@data\n1,2:a\n", .raggedRow, 5,
      "length 3"
    ),
  ]

  @Test("every header and body error names the file and line", arguments: cases.indices)
  func errors(_ index: Int) {
    let (text, kind, line, fragment) = Self.cases[index]
    #expect {
      _ = try TSFile.parse(text, path: "/data/Bad/Bad_TRAIN.ts")
    } throws: { error in
      guard let error = error as? DataError else { return false }
      return error.kind == kind && error.line == line && error.file == "/data/Bad/Bad_TRAIN.ts"
        && error.message.contains(fragment)
    }
  }

  @Test("a dataset folder of .ts files loads with its channels; the splits must agree")
  func dataset() throws {
    let folder = try FileManager.default.url(
      for: .itemReplacementDirectory, in: .userDomainMask,
      appropriateFor: URL(fileURLWithPath: NSTemporaryDirectory()), create: true
    ).appendingPathComponent("Toy")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let body = "1,2,3,4:4,5,6,9:walk\n3,2:1,0:run\n2,2,2:1,2,3:walk\n0,1:1,0:run\n"
    try (Self.header + body).write(
      to: folder.appendingPathComponent("Toy_TRAIN.ts"), atomically: true, encoding: .utf8)
    try (Self.header + body).write(
      to: folder.appendingPathComponent("Toy_TEST.ts"), atomically: true, encoding: .utf8)
    let dataset = try UCRDataset.load(
      name: "Toy", directory: folder.path, preprocessing: Preprocessing(length: 5))
    #expect(dataset.train.channels == 2 && dataset.train.length == 5 && dataset.train.count == 4)
    #expect(dataset.classLabels == ["run", "walk"])
    // Row 0, channel 0 resampled from 4 to 5 points and z-normalised; channel 1 on its own.
    let row0 = (0..<5).map { dataset.train.values[$0 * 2] }
    let expected = Preprocess.zNormalize(Preprocess.resample([1, 2, 3, 4], to: 5)).map(Float.init)
    #expect(row0 == expected)
    try
      (Self.header.replacingOccurrences(of: "@dimensions 2", with: "@dimensions 1")
      + "1,2:walk\n3,4:run\n").write(
        to: folder.appendingPathComponent("Toy_TEST.ts"), atomically: true, encoding: .utf8)
    #expect {
      _ = try UCRDataset.load(name: "Toy", directory: folder.path, preprocessing: Preprocessing())
    } throws: { error in
      "\(error)".contains("Toy_TEST.ts: 1 channel(s) per series, but the training split")
    }
  }
}
