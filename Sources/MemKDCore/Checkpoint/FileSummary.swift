/// What `memkd-script inspect` shows: the root attributes, every group's attributes and every
/// dataset's dtype and shape, walked from the file (no array is loaded). Works for any MemKD
/// file; checks the format name and version like the readers do.
public struct FileSummary: Sendable, Encodable {
  public struct Dataset: Sendable, Encodable {
    public var path: String
    public var dtype: String
    public var shape: [Int]
  }

  public var file: String
  public var format: String
  public var formatVersion: Int
  /// Attributes per group path, values rendered as text.
  public var attributes: [String: [String: String]]
  public var datasets: [Dataset]

  enum CodingKeys: String, CodingKey {
    case file, format, formatVersion = "format_version", attributes, datasets
  }

  public static func read(_ path: String) throws -> FileSummary {
    let (file, root, format, version) = try FileFormat.open(
      path,
      accepting: [
        FileFormat.checkpoint: FileFormat.checkpointVersion,
        FileFormat.traces: FileFormat.tracesVersion,
      ])
    defer { try? file.close() }
    var summary = FileSummary(
      file: path, format: format, formatVersion: version,
      attributes: [:], datasets: [])
    try summary.walk(root)
    return summary
  }

  private mutating func walk(_ group: HDF5Group) throws {
    var values: [String: String] = [:]
    for name in try group.attributeNames() { values[name] = Self.render(group, name) }
    if !values.isEmpty { attributes[group.path] = values }
    for child in try group.childNames() {
      let path = group.path == "/" ? "/\(child)" : "\(group.path)/\(child)"
      if let info = try? group.datasetInfo(child) {
        datasets.append(Dataset(path: path, dtype: info.type.rawValue, shape: info.shape))
      } else {
        try walk(try group.openGroup(child))
      }
    }
  }

  /// An attribute as text, whatever its type (long JSON and arrays shortened).
  private static func render(_ group: HDF5Group, _ name: String) -> String {
    if let text = try? group.stringAttribute(name) {
      return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }
    if let value = try? group.intAttribute(name) { return "\(value)" }
    if let value = try? group.doubleAttribute(name) { return "\(value)" }
    if let values = try? group.stringArrayAttribute(name) { return shorten(values.description) }
    if let values = try? group.intArrayAttribute(name) { return shorten(values.description) }
    if let values = try? group.doubleArrayAttribute(name) { return shorten(values.description) }
    return "(unreadable)"
  }

  private static func shorten(_ text: String) -> String {
    text.count > 120 ? String(text.prefix(117)) + "..." : text
  }

  /// Indented text: attributes by group, then datasets with dtype and shape.
  public var text: String {
    var lines = ["\(file): \(format) version \(formatVersion)"]
    for group in attributes.keys.sorted() {
      lines.append("\(group)")
      for (name, value) in attributes[group, default: [:]].sorted(by: { $0.key < $1.key }) {
        lines.append("    \(name) = \(value)")
      }
    }
    if !datasets.isEmpty {
      lines.append("datasets:")
      let rows = datasets.map {
        ["  " + $0.path, $0.dtype, "[" + $0.shape.map(String.init).joined(separator: ", ") + "]"]
      }
      lines.append(TextTable.render(header: ["  path", "dtype", "shape"], rows: rows))
    }
    return lines.joined(separator: "\n")
  }
}
