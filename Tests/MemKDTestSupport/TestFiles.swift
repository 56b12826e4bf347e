import Foundation

/// Files tests read or write.
public enum TestFiles {
  /// The repository root, found from this source file's path (tests run from any directory).
  public static var repositoryRoot: URL {
    URL(fileURLWithPath: #filePath)
      .deletingLastPathComponent()  // MemKDTestSupport
      .deletingLastPathComponent()  // Tests
      .deletingLastPathComponent()
  }

  /// `Tests/Fixtures/<name>`.
  public static func fixture(_ name: String) -> URL {
    repositoryRoot.appendingPathComponent("Tests/Fixtures/\(name)")
  }

  /// The shared UCR archive (`../shared/ucr/UCRArchive_2018` next to the repository, or
  /// `$MEMKD_DATA_ROOT`), or nil when neither exists; tests that need it are skipped then.
  public static var sharedUCRRoot: String? {
    if let root = ProcessInfo.processInfo.environment["MEMKD_DATA_ROOT"], !root.isEmpty,
      FileManager.default.fileExists(atPath: root)
    {
      return root
    }
    let sibling = repositoryRoot.deletingLastPathComponent()
      .appendingPathComponent("shared/ucr/UCRArchive_2018").path
    return FileManager.default.fileExists(atPath: sibling) ? sibling : nil
  }

  /// A new empty directory unique to the caller (tests run in parallel); removed by `cleanup`.
  public static func temporaryDirectory(_ label: String = "memkd-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("\(label)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}
