/// Names and versions of the files MemKD writes, and the errors of reading them.
///
/// Why explicit: checkpoints and traces outlive the code that wrote them. Every file carries its
/// format name and version as root attributes; a reader accepts its own format at any version
/// up to the one it knows and says exactly what is wrong otherwise.
public enum FileFormat {
  public static let checkpoint = "memkd-checkpoint"
  public static let traces = "memkd-traces"
  /// The version this code writes and the newest it reads.
  public static let checkpointVersion = 3
  public static let tracesVersion = 3
  /// The first version (of both formats) whose every dataset carries its SHA-256; older files
  /// still read, with the digests they lack unchecked.
  public static let firstChecksummedVersion = 2
  /// The first version (of both formats) that records the model's recurrent cell (`cell`);
  /// older files hold LSTMs, which is how they read.
  public static let firstCellVersion = 3

  /// Opens `path` and checks that it is a `format` file of a version this code reads.
  static func open(_ path: String, expecting format: String, version supported: Int) throws
    -> (file: HDF5File, root: HDF5Group, version: Int)
  {
    let opened = try open(path, accepting: [format: supported])
    return (opened.file, opened.root, opened.version)
  }

  /// Opens `path` and checks that it is one of the `supported` formats (name: newest version
  /// read) at a version this code reads.
  static func open(_ path: String, accepting supported: [String: Int]) throws
    -> (file: HDF5File, root: HDF5Group, format: String, version: Int)
  {
    let expected = supported.keys.sorted().joined(separator: " or ")
    let file = try HDF5File.open(path)
    let root = try file.root
    guard root.hasAttribute("format") else {
      throw FileFormatError.notMemKD(file: path, expected: expected)
    }
    let found = try root.stringAttribute("format")
    guard let newest = supported[found] else {
      throw FileFormatError.wrongFormat(file: path, expected: expected, found: found)
    }
    let version = try root.intAttribute("format_version")
    guard version >= 1, version <= newest else {
      throw FileFormatError.unsupportedVersion(
        file: path, format: found, found: version, supported: newest)
    }
    file.requiresDatasetChecksums = version >= firstChecksummedVersion
    return (file, root, found, version)
  }

  /// The recurrent cell recorded in `group`'s attribute `cell` (`location` names the group in
  /// messages): required from `firstCellVersion` on; older files are LSTMs.
  /// - Throws: `FileFormatError.invalid` for a missing attribute or a cell this code lacks.
  static func cell(in group: HDF5Group, at location: String, version: Int) throws
    -> RecurrentCell
  {
    guard version >= firstCellVersion else { return .lstm }
    guard group.hasAttribute("cell") else {
      throw FileFormatError.invalid(
        file: group.file,
        message: "\(location): no 'cell' attribute (required from version \(firstCellVersion))")
    }
    let name = try group.stringAttribute("cell")
    guard let cell = RecurrentCell(rawValue: name) else {
      let known = RecurrentCell.allCases.map(\.rawValue).joined(separator: ", ")
      throw FileFormatError.invalid(
        file: group.file,
        message: "\(location): cell '\(name)' is not one this MemKD (\(MemKDVersion.string)) "
          + "knows (\(known))")
    }
    return cell
  }

  /// Writes the root attributes every MemKD file carries.
  static func stamp(_ root: HDF5Group, format: String, version: Int) throws {
    try root.setAttribute("format", format)
    try root.setAttribute("format_version", version)
    try root.setAttribute("memkd_version", MemKDVersion.string)
  }
}

/// A file that opens as HDF5 but is not what the caller asked for.
public enum FileFormatError: Error, CustomStringConvertible, Equatable {
  case notMemKD(file: String, expected: String)
  case wrongFormat(file: String, expected: String, found: String)
  case unsupportedVersion(file: String, format: String, found: Int, supported: Int)
  case invalid(file: String, message: String)
  case mismatch(file: String, message: String)

  public var description: String {
    switch self {
    case .notMemKD(let file, let expected):
      return "\(file): not a MemKD file (no 'format' attribute; expected '\(expected)')"
    case .wrongFormat(let file, let expected, let found):
      return "\(file): is a '\(found)' file, expected '\(expected)'"
    case .unsupportedVersion(let file, let format, let found, let supported):
      return found > supported
        ? "\(file): \(format) version \(found) is newer than this MemKD (\(MemKDVersion.string)) reads "
          + "(up to \(supported)); update MemKD"
        : "\(file): invalid \(format) version \(found)"
    case .invalid(let file, let message):
      return "\(file): \(message)"
    case .mismatch(let file, let message):
      return "\(file): \(message)"
    }
  }
}

extension UInt64 {
  /// Seeds and generator states are UInt64; HDF5 attributes and h5py use int64. The bit
  /// pattern is stored unchanged (documented in docs/checkpoint-format.md).
  var storedBits: Int { Int(bitPattern: UInt(self)) }
  init(storedBits: Int) { self = UInt64(UInt(bitPattern: storedBits)) }
}
