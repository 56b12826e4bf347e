import Foundation
import MemKDTestSupport
import Testing

@testable import MemKDCore

/// Rows "label\tv1\tv2\tv3" for the given labels (values vary so no series is constant).
private func rows(_ labels: [String]) -> String {
  labels.enumerated().map { i, label in "\(label)\t\(i)\t\(2 * i + 1)\t-\(i + 3)\n" }.joined()
}

@Suite("UCR dataset loading")
struct DataLoadTests {
  /// Loads dataset "Toy" with the given label columns; returns the dataset.
  private func loadToy(train: [String], test: [String], length: Int = 4) throws -> UCRDataset {
    try withDataScratchDirectory { directory in
      let root = try directory.dataset("Toy", train: rows(train), test: rows(test))
      return try UCRDataset.load(
        name: "Toy", dataRoot: root, preprocessing: Preprocessing(length: length))
    }
  }

  @Test("labels -1/1 map to 0/1")
  func minusOnePlusOne() throws {
    let dataset = try loadToy(train: ["1", "-1", "1"], test: ["-1", "1"])
    #expect(dataset.classLabels == ["-1", "1"])
    #expect(dataset.classCount == 2)
    #expect(dataset.train.labels == [1, 0, 1])
    #expect(dataset.test.labels == [0, 1])
  }

  @Test("0-based labels keep their values")
  func zeroBased() throws {
    let dataset = try loadToy(train: ["2", "0", "1", "0"], test: ["1"])
    #expect(dataset.classLabels == ["0", "1", "2"])
    #expect(dataset.train.labels == [2, 0, 1, 0])
  }

  @Test("non-contiguous numeric labels sort by value, not as text")
  func nonContiguous() throws {
    let dataset = try loadToy(train: ["10", "3", "7", "3"], test: ["10", "7"])
    #expect(dataset.classLabels == ["3", "7", "10"])
    #expect(dataset.train.labels == [2, 0, 1, 0])
    #expect(dataset.test.labels == [2, 1])
  }

  @Test("a test label not seen in train is refused by name (was an untrained extra class)")
  func testOnlyLabel() throws {
    do {
      _ = try loadToy(train: ["2", "3", "2"], test: ["1", "5", "3"])
      Issue.record("a test split with labels 1 and 5 that train lacks was accepted")
    } catch let error as DataError {
      #expect(error.kind == .classMissingFromTraining)
      #expect("\(error)".contains("test split has label(s) '1', '5' that the training split"))
    }
  }

  @Test("numerically equal spellings are one class; text labels sort lexicographically")
  func spellingsAndText() throws {
    let numeric = try loadToy(train: ["1", "1.0", "2"], test: ["2.0"])
    #expect(numeric.classLabels == ["1", "2"])
    #expect(numeric.train.labels == [0, 0, 1])
    let text = try loadToy(train: ["b", "a", "10"], test: ["a"])
    #expect(text.classLabels == ["10", "a", "b"])
    #expect(text.train.labels == [2, 1, 0])
  }

  @Test("series are resampled to the chosen length and z-normalised, shapes [N, L, 1]")
  func preprocessingApplied() throws {
    try withDataScratchDirectory { directory in
      let root = try directory.dataset(
        "Var", train: "1\t0\t1\t2\tNaN\n2\t5\t5\t5\t5\n", test: "1\t3\t1\t2\t4\n")
      let options = Preprocessing(length: 5)
      let dataset = try UCRDataset.load(name: "Var", dataRoot: root, preprocessing: options)
      #expect(dataset.preprocessing == options)
      #expect(dataset.name == "Var")
      #expect(dataset.directory == (root as NSString).appendingPathComponent("Var"))
      #expect(dataset.train.count == 2 && dataset.train.length == 5 && dataset.train.channels == 1)
      #expect(dataset.train.values.count == 10)
      let first = Preprocess.zNormalize(Preprocess.resample([0, 1, 2], to: 5)).map(Float.init)
      #expect(Array(dataset.train.values[0..<5]) == first)
      #expect(Array(dataset.train.values[5..<10]) == [0, 0, 0, 0, 0])  // constant -> zeros
      let raw = try UCRDataset.load(
        name: "Var", dataRoot: root, preprocessing: Preprocessing(length: 3, zNormalize: false))
      #expect(raw.train.values == [0, 1, 2, 5, 5, 5])
      #expect(raw.test.values == [3, 1.5, 4])
    }
  }

  @Test("missing TRAIN or TEST file is missingFile naming that file")
  func missingSplit() throws {
    try withDataScratchDirectory { directory in
      let root = try directory.dataset("OnlyTrain", train: rows(["1", "2"]), test: nil)
      let error = try #require(
        captureDataError { _ = try UCRDataset.load(name: "OnlyTrain", dataRoot: root) })
      #expect(error.kind == .missingFile)
      #expect(error.line == nil)
      #expect(error.file.hasSuffix("OnlyTrain/OnlyTrain_TEST.tsv"))
      #expect(error.description.contains(error.file))

      try directory.dataset("OnlyTest", train: nil, test: rows(["1", "2"]))
      let trainError = try #require(
        captureDataError { _ = try UCRDataset.load(name: "OnlyTest", dataRoot: root) })
      #expect(trainError.kind == .missingFile)
      #expect(trainError.file.hasSuffix("OnlyTest/OnlyTest_TRAIN.tsv"))
    }
  }

  @Test("a training split with one class is singleClass naming the TRAIN file")
  func singleClass() throws {
    try withDataScratchDirectory { directory in
      let root = try directory.dataset(
        "One", train: rows(["4", "4", "4"]), test: rows(["4", "5"]))
      let error = try #require(
        captureDataError { _ = try UCRDataset.load(name: "One", dataRoot: root) })
      #expect(error.kind == .singleClass)
      #expect(error.line == nil)
      #expect(error.file.hasSuffix("One/One_TRAIN.tsv"))
      #expect(error.message.contains("'4'"))
    }
  }

  @Test("errors in the TEST file name the TEST file and line")
  func errorInTestFile() throws {
    try withDataScratchDirectory { directory in
      let root = try directory.dataset(
        "T", train: rows(["1", "2"]), test: "1\t1\t2\t3\n2\t1\tx\t3\n")
      let error = try #require(
        captureDataError { _ = try UCRDataset.load(name: "T", dataRoot: root) })
      #expect(error.kind == .nonNumericToken)
      #expect(error.line == 2)
      #expect(error.file.hasSuffix("T/T_TEST.tsv"))
      #expect(error.description.contains("T_TEST.tsv line 2: "))
    }
  }

  @Test("an empty TRAIN file is emptyFile")
  func emptyTrain() throws {
    try withDataScratchDirectory { directory in
      let root = try directory.dataset("E", train: "", test: rows(["1", "2"]))
      let error = try #require(
        captureDataError { _ = try UCRDataset.load(name: "E", dataRoot: root) })
      #expect(error.kind == .emptyFile)
      #expect(error.file.hasSuffix("E/E_TRAIN.tsv"))
    }
  }

  @Test("a resampling length below 1 is invalidArgument")
  func invalidLength() throws {
    try withDataScratchDirectory { directory in
      let root = try directory.dataset("L", train: rows(["1", "2"]), test: rows(["1"]))
      let error = try #require(
        captureDataError {
          _ = try UCRDataset.load(
            name: "L", dataRoot: root, preprocessing: Preprocessing(length: 0))
        })
      #expect(error.kind == .invalidArgument)
      #expect(error.file.hasSuffix("L"))
    }
  }

  @Test("Preprocessing round-trips through JSON")
  func preprocessingCodable() throws {
    let options = Preprocessing(length: 64, zNormalize: false)
    let data = try JSONEncoder().encode(options)
    #expect(try JSONDecoder().decode(Preprocessing.self, from: data) == options)
    #expect(Preprocessing() == Preprocessing(length: 100, zNormalize: true))
  }

  /// The repository's shipped datasets (ItalyPowerDemand and Trace, byte-identical to the archive).
  static let ucrRoot = TestFiles.repositoryRoot.appendingPathComponent("data").path

  @Test("ItalyPowerDemand from the shipped data")
  func italyPowerDemand() throws {
    let dataset = try UCRDataset.load(name: "ItalyPowerDemand", dataRoot: Self.ucrRoot)
    #expect(dataset.train.count == 67)
    #expect(dataset.test.count == 1029)
    #expect(dataset.classCount == 2)
    #expect(dataset.classLabels == ["1", "2"])
    #expect(dataset.train.length == 100 && dataset.test.length == 100)
    #expect(dataset.train.values.count == 67 * 100)
    #expect(dataset.test.values.count == 1029 * 100)
    #expect(Set(dataset.train.labels) == [0, 1])
    for row in 0..<dataset.train.count {
      let series = dataset.train.values[(row * 100)..<(row * 100 + 100)].map(Double.init)
      let mean = series.reduce(0, +) / 100
      let variance = series.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 100
      #expect(abs(mean) < 1e-5)
      #expect(abs(variance - 1) < 1e-4)
    }
  }
}
