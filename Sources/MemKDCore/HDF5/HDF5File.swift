internal import CHDF5
import Foundation

/// An open file. Closes itself in deinit; `close()` for callers who want the error.
///
/// Why a class: the HDF5 file identifier must be closed exactly once, and groups opened from the
/// file hold a reference to it, so the file cannot close under them. Files are opened with HDF5's
/// "strong" close degree: `close()` closes every object still open in the file, so after it
/// returns the data is on disk even if some `HDF5Group` is still referenced (using that group
/// afterwards throws an `HDF5Error`; it never crashes).
public final class HDF5File {
  /// The path as the caller gave it; every error from this file names it.
  public let path: String
  /// The HDF5 file identifier; meaningless once `isOpen` is false.
  let id: hid_t
  /// False once `close()` has run, so deinit does not close twice.
  private(set) var isOpen = true
  /// Whether every dataset read from this file must carry its `sha256` attribute (set by the
  /// reader of a format whose version promises one); a present one is always checked.
  var requiresDatasetChecksums = false

  private init(path: String, id: hid_t) {
    self.path = path
    self.id = id
  }

  deinit {
    if isOpen {
      HDF5ErrorStack.silenceAutomaticPrinting()
      if H5Fclose(id) < 0 { HDF5ErrorStack.discard() }
    }
  }

  /// Opens an existing file read-only. Missing file / not an HDF5 file / truncated file =>
  /// HDF5Error with a clear first line (e.g. "<path>: no such file", "<path>: not an HDF5 file (or
  /// truncated)").
  ///
  /// Why the checks before `H5Fopen`: HDF5's own message for all of these is "unable to open
  /// file" followed by a deep stack; checking existence and the signature first gives the user the
  /// actual reason in the first line. A truncated file still has a valid signature, so it is
  /// recognised when `H5Fopen` then fails.
  ///
  /// The corresponding C functions are `H5Fis_hdf5` and `H5Fopen`.
  public static func open(_ path: String) throws -> HDF5File {
    let site = HDF5Site(file: path, object: nil)
    try checkPath(path, site: site)
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw site.failure("open", "no such file")
    }
    guard !isDirectory.boolValue else {
      throw site.failure("open", "is a directory, not an HDF5 file")
    }
    guard access(path, R_OK) == 0 else {
      throw site.failure("open", "not readable (permission denied)")
    }
    let notHDF5 = "not an HDF5 file (or truncated)"
    guard try site.checkTruth(H5Fis_hdf5(path), "H5Fis_hdf5", notHDF5) else {
      throw site.failure("H5Fis_hdf5", notHDF5)
    }
    try checkGlobalHeap(path, site: site)
    let accessList = try makeFileAccessList(site: site)
    defer { H5Pclose(accessList) }
    let id = try site.checkID(H5Fopen(path, chdf5_acc_rdonly(), accessList), "H5Fopen", notHDF5)
    return HDF5File(path: path, id: id)
  }

  /// Refuses a file whose global heap libhdf5 would read past its end (HDF5GlobalHeapCheck).
  private static func checkGlobalHeap(_ path: String, site: HDF5Site) throws(HDF5Error) {
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
    } catch {
      throw site.failure("open", "cannot be read (\(error.localizedDescription))")
    }
    let damage = data.withUnsafeBytes { HDF5GlobalHeapCheck.damage(in: $0) }
    if let damage { throw site.failure("open", "damaged: \(damage)") }
  }

  /// Creates (truncating) a file. Prefer `HDF5File.write(to:)` below for anything users keep.
  ///
  /// Why the directory check: HDF5 reports a missing or read-only directory as "unable to
  /// truncate a file" deep in its stack; naming the directory is clearer.
  ///
  /// Why the HDF5 1.8 file format (not the default "earliest"): the earliest format keeps every
  /// attribute in the object header, which caps an attribute at 64 KiB, and MemKD stores run
  /// histories as JSON string attributes that outgrow that. The 1.8 format moves large attributes
  /// to dense storage, and every HDF5 since 1.8 (h5py included) reads it.
  ///
  /// The corresponding C functions are `H5Pset_libver_bounds` and `H5Fcreate`.
  public static func create(_ path: String) throws -> HDF5File {
    let site = HDF5Site(file: path, object: nil)
    try checkWritableDirectory(for: path, site: site)
    let accessList = try makeFileAccessList(site: site)
    defer { H5Pclose(accessList) }
    try site.checkStatus(
      H5Pset_libver_bounds(accessList, H5F_LIBVER_V18, H5F_LIBVER_V18), "H5Pset_libver_bounds",
      "cannot select the HDF5 1.8 file format")
    let creation = try HDF5Group.makeCompactCreationList(chdf5_p_file_create(), site: site)
    defer { H5Pclose(creation) }
    let id = try site.checkID(
      H5Fcreate(path, chdf5_acc_trunc(), creation, accessList), "H5Fcreate",
      "cannot create the file")
    return HDF5File(path: path, id: id)
  }

  /// The root group ("/"), opened anew on each access.
  ///
  /// The corresponding C function is `H5Gopen2`.
  public var root: HDF5Group {
    get throws {
      let site = HDF5Site(file: path, object: "/")
      guard isOpen else { throw site.failure("root", "the file is already closed") }
      let group = try site.checkID(
        H5Gopen2(id, "/", chdf5_p_default()), "H5Gopen2", "cannot open the root group")
      return HDF5Group(owner: self, id: group, path: "/")
    }
  }

  /// Closes the file, and with it every object still open in it. Calling it again does nothing.
  ///
  /// The corresponding C function is `H5Fclose`.
  public func close() throws {
    guard isOpen else { return }
    isOpen = false
    let site = HDF5Site(file: path, object: nil)
    try site.checkStatus(H5Fclose(id), "H5Fclose", "cannot close the file")
  }

  /// A file-access property list with the strong close degree (see the type's documentation).
  /// The caller closes it.
  ///
  /// The corresponding C functions are `H5Pcreate` and `H5Pset_fclose_degree`.
  private static func makeFileAccessList(site: HDF5Site) throws(HDF5Error) -> hid_t {
    let list = try site.checkID(
      H5Pcreate(chdf5_p_file_access()), "H5Pcreate", "cannot create a file access property list")
    do {
      try site.checkStatus(
        H5Pset_fclose_degree(list, H5F_CLOSE_STRONG), "H5Pset_fclose_degree",
        "cannot set the file close degree")
    } catch {
      H5Pclose(list)
      throw error
    }
    return list
  }

  /// A path C can take as it is: passed to `open(2)`, a NUL would end it early and the file
  /// would be written under a shorter name (`a\0b.h5` became `a`).
  static func checkPath(_ path: String, site: HDF5Site) throws(HDF5Error) {
    guard !path.isEmpty else { throw site.failure("open", "the path is empty") }
    guard !path.utf8.contains(0) else {
      throw site.failure("open", "the path contains a NUL character")
    }
  }

  /// Throws an `HDF5Error` (operation "create") naming the directory that would hold `path` if it
  /// is missing, not a directory, or not writable by this process.
  static func checkWritableDirectory(for path: String, site: HDF5Site) throws(HDF5Error) {
    try checkPath(path, site: site)
    let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else {
      throw site.failure("create", "directory \(directory) does not exist")
    }
    guard isDirectory.boolValue else {
      throw site.failure("create", "\(directory) is not a directory")
    }
    guard access(directory, W_OK | X_OK) == 0 else {
      throw site.failure("create", "directory \(directory) is not writable")
    }
  }
}
