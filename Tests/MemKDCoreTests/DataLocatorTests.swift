import Foundation
import Testing

@testable import MemKDCore

/// The environment and current directory are injected (never mutated), so these run in parallel.
@Suite("Data root lookup")
struct DataLocatorTests {
  private let noEnvironment: [String: String] = [:]

  @Test("explicit root beats the environment, the environment beats the defaults")
  func precedence() throws {
    try withDataScratchDirectory { directory in
      let cwd = directory.path
      try directory.write("data/Toy/Toy_TRAIN.tsv", "1\t1\n")
      let environment = [DataLocator.environmentKey: "/env/root"]
      #expect(
        DataLocator.root(
          explicit: "/explicit", environment: environment, currentDirectory: cwd, dataset: "Toy")
          == "/explicit")
      #expect(
        DataLocator.root(
          explicit: "", environment: environment, currentDirectory: cwd, dataset: "Toy")
          == "/env/root")
      #expect(
        DataLocator.root(
          explicit: nil, environment: [DataLocator.environmentKey: ""], currentDirectory: cwd,
          dataset: "Toy") == cwd + "/data")
      #expect(DataLocator.root(explicit: "/explicit") == "/explicit")
    }
  }

  @Test("./data is used only when it holds the dataset; otherwise the package's data/")
  func localDataFolder() throws {
    try withDataScratchDirectory { directory in
      let cwd = directory.path
      try directory.write("data/Toy/Toy_TRAIN.tsv", "1\t1\n")
      #expect(
        DataLocator.root(
          explicit: nil, environment: noEnvironment, currentDirectory: cwd, dataset: "Toy")
          == cwd + "/data")
      #expect(
        DataLocator.root(
          explicit: nil, environment: noEnvironment, currentDirectory: cwd, dataset: "Other")
          == DataLocator.packageDataDirectory)
      #expect(
        DataLocator.root(
          explicit: nil, environment: noEnvironment, currentDirectory: cwd, dataset: nil)
          == cwd + "/data")
      let empty = cwd + "/elsewhere"
      #expect(
        DataLocator.root(
          explicit: nil, environment: noEnvironment, currentDirectory: empty, dataset: nil)
          == DataLocator.packageDataDirectory)
    }
  }

  @Test("the package's data/ folder sits next to Package.swift")
  func packageDataDirectory() {
    let data = DataLocator.packageDataDirectory
    #expect(data.hasSuffix("/data"))
    let packageRoot = (data as NSString).deletingLastPathComponent
    #expect(FileManager.default.fileExists(atPath: packageRoot + "/Package.swift"))
  }

  @Test("datasetDirectory finds <root>/<Name> and <root>/UCRArchive_2018/<Name>")
  func datasetDirectory() throws {
    try withDataScratchDirectory { directory in
      let root = directory.path
      try directory.write("A/A_TRAIN.tsv", "1\t1\n")
      try directory.write("UCRArchive_2018/B/B_TEST.tsv", "1\t1\n")
      #expect(try DataLocator.datasetDirectory(name: "A", explicit: root) == root + "/A")
      #expect(
        try DataLocator.datasetDirectory(
          name: "B", explicit: nil, environment: [DataLocator.environmentKey: root],
          currentDirectory: "/nonexistent") == root + "/UCRArchive_2018/B")
    }
  }

  @Test("an unknown dataset lists the datasets found under the root")
  func unknownDataset() throws {
    try withDataScratchDirectory { directory in
      let root = directory.path
      try directory.write("Beta/Beta_TRAIN.tsv", "1\t1\n")
      try directory.write("Alpha/Alpha_TEST.tsv", "1\t1\n")
      try directory.write("NotADataset/readme.txt", "x")
      let error = try #require(
        captureDataError {
          _ = try DataLocator.datasetDirectory(name: "Gamma", explicit: root)
        })
      #expect(error.kind == .unknownDataset)
      #expect(error.file == root)
      #expect(error.line == nil)
      #expect(error.message.contains("'Gamma'"))
      #expect(error.message.contains("datasets found: Alpha, Beta"))
      #expect(error.message.contains("choose the root with --data-root or MEMKD_DATA_ROOT"))
      #expect(error.description.hasPrefix(root + ": "))
      let missingRoot = try #require(
        captureDataError {
          _ = try DataLocator.datasetDirectory(name: "Gamma", explicit: root + "/none")
        })
      #expect(missingRoot.kind == .unknownDataset)
      #expect(missingRoot.message.contains("does not exist"))
      let throughLoad = try #require(
        captureDataError {
          _ = try UCRDataset.load(name: "Gamma", dataRoot: root)
        })
      #expect(throughLoad.kind == .unknownDataset)
      // The Python binding names its own argument, not the CLI's flag.
      let fromPython = try #require(
        captureDataError {
          _ = try UCRDataset.load(name: "Gamma", dataRoot: root, rootOption: "the root= argument")
        })
      #expect(fromPython.message.contains("choose the root with the root= argument or"))
      #expect(!fromPython.message.contains("--data-root"))
    }
  }

  @Test("dataset names cannot leave the root")
  func invalidName() throws {
    for name in ["", "..", "../etc", "a/b"] {
      let error = try #require(
        captureDataError {
          _ = try DataLocator.datasetDirectory(name: name, explicit: "/tmp")
        })
      #expect(error.kind == .invalidArgument)
    }
  }
}
