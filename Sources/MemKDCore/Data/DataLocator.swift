import Foundation

/// Finds the folder that holds the UCR datasets (`<root>/<Name>/<Name>_{TRAIN,TEST}.tsv`).
///
/// Why a fixed precedence: a run must say where its data came from, and the same command must find
/// the same files from the CLI, the tests and the Python binding. Order:
/// 1. an explicit root (`--data-root`), if non-empty;
/// 2. `$MEMKD_DATA_ROOT`, if set and non-empty;
/// 3. `./data` relative to the current directory, if it holds the dataset (or, without a dataset
///    name, any dataset);
/// 4. the repo's shipped `data/` folder, `<package root>/data`, found from this file's `#filePath`.
///
/// A dataset is looked up as `<root>/<Name>` and, so the archive's own layout works as a root
/// too, `<root>/UCRArchive_2018/<Name>`.
public enum DataLocator {
  /// The environment variable naming the data root.
  static let environmentKey = "MEMKD_DATA_ROOT"

  /// `<package root>/data`: this file is `<package root>/Sources/MemKDCore/Data/DataLocator.swift`.
  static let packageDataDirectory: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<4 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("data").path
  }()

  /// explicit --data-root, else $MEMKD_DATA_ROOT (if set and non-empty), else the repo's shipped
  /// `data/` folder (find it from #filePath of a source file: <package root>/data), also try
  /// ./data relative to the cwd first if it contains the dataset.
  public static func root(explicit: String?) -> String {
    root(
      explicit: explicit, environment: ProcessInfo.processInfo.environment,
      currentDirectory: FileManager.default.currentDirectoryPath, dataset: nil)
  }

  /// Folder of dataset `name` under the chosen root; `unknownDataset` (listing the datasets found
  /// under the root) when there is none. `rootOption` is how the caller's user names the
  /// explicit root (`--data-root` on the command line, `root=` in Python), for that message.
  public static func datasetDirectory(
    name: String, explicit: String?, rootOption: String = "--data-root"
  ) throws -> String {
    try datasetDirectory(
      name: name, explicit: explicit, environment: ProcessInfo.processInfo.environment,
      currentDirectory: FileManager.default.currentDirectoryPath, rootOption: rootOption)
  }

  /// `root(explicit:)` with the environment and current directory injected (tests must not race
  /// on the process environment). `dataset` decides whether `./data` qualifies.
  static func root(
    explicit: String?, environment: [String: String], currentDirectory: String, dataset: String?
  ) -> String {
    if let explicit, !explicit.isEmpty { return explicit }
    if let fromEnvironment = environment[environmentKey], !fromEnvironment.isEmpty {
      return fromEnvironment
    }
    let local = (currentDirectory as NSString).appendingPathComponent("data")
    if let dataset {
      if candidateDirectories(root: local, name: dataset).contains(where: isDirectory) {
        return local
      }
    } else if !datasets(under: local).isEmpty {
      return local
    }
    return packageDataDirectory
  }

  /// `datasetDirectory(name:explicit:)` with the environment and current directory injected.
  static func datasetDirectory(
    name: String, explicit: String?, environment: [String: String], currentDirectory: String,
    rootOption: String = "--data-root"
  ) throws -> String {
    let root = root(
      explicit: explicit, environment: environment, currentDirectory: currentDirectory,
      dataset: name)
    guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else {
      throw DataError(.invalidArgument, file: root, "invalid dataset name '\(name)'")
    }
    if let found = candidateDirectories(root: root, name: name).first(where: isDirectory) {
      return found
    }
    let known = datasets(under: root)
    let detail: String
    if !isDirectory(root) {
      detail = "the data root does not exist"
    } else if known.isEmpty {
      detail = "no datasets found under the data root"
    } else {
      detail = "datasets found: " + known.joined(separator: ", ")
    }
    throw DataError(
      .unknownDataset, file: root,
      "unknown dataset '\(name)': \(detail) (choose the root with \(rootOption) or \(environmentKey))"
    )
  }

  /// Where dataset `name` may live under `root`, in lookup order.
  static func candidateDirectories(root: String, name: String) -> [String] {
    let root = root as NSString
    return [
      root.appendingPathComponent(name),
      (root.appendingPathComponent("UCRArchive_2018") as NSString).appendingPathComponent(name),
    ]
  }

  /// Names of the sub-folders `D` of `root` (or of `root/UCRArchive_2018`) that contain
  /// `D_TRAIN.tsv` or `D_TEST.tsv` (or `.ts`), sorted and without duplicates.
  static func datasets(under root: String) -> [String] {
    var names: Set<String> = []
    let manager = FileManager.default
    for base in [root, (root as NSString).appendingPathComponent("UCRArchive_2018")] {
      guard let entries = try? manager.contentsOfDirectory(atPath: base) else { continue }
      for entry in entries {
        let folder = (base as NSString).appendingPathComponent(entry) as NSString
        let hasSplit = ["TRAIN", "TEST"].contains { split in
          DatasetFormat.allCases.contains { format in
            manager.fileExists(
              atPath: folder.appendingPathComponent("\(entry)_\(split).\(format.rawValue)"))
          }
        }
        if hasSplit { names.insert(entry) }
      }
    }
    return names.sorted()
  }

  private static func isDirectory(_ path: String) -> Bool {
    var directory: ObjCBool = false
    return FileManager.default.fileExists(atPath: path, isDirectory: &directory)
      && directory.boolValue
  }
}
