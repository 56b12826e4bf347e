import Foundation

extension HDF5File {
  /// Removes temporary files that an interrupted `write(to: path)` left behind (a process killed
  /// between creating its hidden `.<name>.<suffix>.tmp` and renaming it cannot clean up).
  ///
  /// Call it only when this process is the sole writer of `path` (resuming an interrupted run):
  /// a concurrent writer's temporary file would be removed too. Returns the removed paths.
  @discardableResult
  public static func removeStaleTemporaries(for path: String) -> [String] {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent().path
    let prefix = ".\(url.lastPathComponent)."
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
      return []
    }
    var removed: [String] = []
    for name in names where name.hasPrefix(prefix) && name.hasSuffix(".tmp") {
      let stale = (directory as NSString).appendingPathComponent(name)
      if (try? FileManager.default.removeItem(atPath: stale)) != nil { removed.append(stale) }
    }
    return removed
  }
}
