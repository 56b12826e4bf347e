internal import CHDF5

/// A group (the root included). Attributes live on groups.
///
/// Why a class holding its file: the group identifier must be closed exactly once (in deinit), and
/// the file must stay open while any group from it is alive, so each group keeps a strong
/// reference to its `HDF5File`. Datasets are not objects here: they are written and read whole
/// through the group (`writeDataset`, `readDataset`), which keeps every dataset handle a
/// short-lived temporary.
public final class HDF5Group {
  /// The file path, for error messages.
  public let file: String
  /// The object path inside the file, "/" for root.
  public let path: String
  /// Keeps the file open while this group is alive.
  let owner: HDF5File
  /// The HDF5 group identifier.
  let id: hid_t

  init(owner: HDF5File, id: hid_t, path: String) {
    self.owner = owner
    self.file = owner.path
    self.id = id
    self.path = path
  }

  deinit {
    HDF5ErrorStack.silenceAutomaticPrinting()
    if H5Gclose(id) < 0 { HDF5ErrorStack.discard() }  // already closed by the file's close
  }

  /// Creates a group; `name` may contain "/" (intermediate groups are created). An existing link
  /// of that name is an error.
  ///
  /// The result is discardable because creating a group only to fill it later by path is common.
  ///
  /// The corresponding C function is `H5Gcreate2`.
  @discardableResult
  public func createGroup(_ name: String) throws -> HDF5Group {
    let full = objectPath(name)
    let site = HDF5Site(file: file, object: full)
    try checkName(name, site: site, operation: "createGroup")
    guard !contains(name) else { throw site.failure("createGroup", "\(full) already exists") }
    let linkList = try makeLinkCreationList(site: site)
    defer { H5Pclose(linkList) }
    let creation = try Self.makeCompactCreationList(chdf5_p_group_create(), site: site)
    defer { H5Pclose(creation) }
    let group = try site.checkID(
      H5Gcreate2(id, name, linkList, creation, chdf5_p_default()), "H5Gcreate2",
      "cannot create group \(full)")
    return HDF5Group(owner: owner, id: group, path: full)
  }

  /// Opens an existing group; a missing one is an `HDF5Error` naming its full object path.
  ///
  /// The corresponding C function is `H5Oopen`.
  public func openGroup(_ name: String) throws -> HDF5Group {
    let full = objectPath(name)
    let group = try openObject(name, kind: H5I_GROUP, operation: "openGroup")
    return HDF5Group(owner: owner, id: group, path: full)
  }

  /// Whether a link of that name (a path is allowed) exists below this group. Each step of a path
  /// is checked in turn, because HDF5 1.10 fails rather than answering "no" when an intermediate
  /// group is missing.
  ///
  /// The corresponding C function is `H5Lexists`.
  public func contains(_ name: String) -> Bool {
    HDF5ErrorStack.silenceAutomaticPrinting()
    guard !name.isEmpty, !name.utf8.contains(0) else { return false }
    let parts = name.split(separator: "/")
    if parts.isEmpty { return name.hasPrefix("/") }  // "/" is the root, which always exists
    var prefix = name.hasPrefix("/") ? "/" : ""
    for part in parts {
      prefix += (prefix.isEmpty || prefix == "/") ? String(part) : "/" + part
      let exists = H5Lexists(id, prefix, chdf5_p_default())
      if exists < 0 { HDF5ErrorStack.discard() }
      guard exists > 0 else { return false }
    }
    return true
  }

  /// The names of this group's direct members (groups, datasets, other links), sorted.
  ///
  /// The corresponding C functions are `H5Gget_info` and `H5Lget_name_by_idx`.
  public func childNames() throws -> [String] {
    let site = HDF5Site(file: file, object: path)
    var info = H5G_info_t()
    try site.checkStatus(H5Gget_info(id, &info), "H5Gget_info", "cannot list group \(path)")
    guard let count = Int(exactly: info.nlinks) else {
      throw site.failure("H5Gget_info", "group \(path) claims \(info.nlinks) members")
    }
    var names: [String] = []
    names.reserveCapacity(count)
    for index in 0..<count {
      let position = hsize_t(UInt64(index))
      let summary = "cannot read the name of member \(index) of group \(path)"
      let length = try site.checkCount(
        H5Lget_name_by_idx(
          id, ".", H5_INDEX_NAME, H5_ITER_INC, position, nil, 0, chdf5_p_default()),
        failureAtOrBelow: -1, "H5Lget_name_by_idx", summary)
      var buffer = [CChar](repeating: 0, count: length + 1)
      _ = try site.checkCount(
        H5Lget_name_by_idx(
          id, ".", H5_INDEX_NAME, H5_ITER_INC, position, &buffer, buffer.count,
          chdf5_p_default()),
        failureAtOrBelow: -1, "H5Lget_name_by_idx", summary)
      names.append(HDF5Group.string(fromNullTerminated: buffer))
    }
    return names.sorted()
  }

  // MARK: Helpers shared by the dataset and attribute extensions

  /// The full object path of `name` relative to this group ("/" separated, no empty parts).
  func objectPath(_ name: String) -> String {
    let joined = name.hasPrefix("/") ? name : path + "/" + name
    return "/" + joined.split(separator: "/").joined(separator: "/")
  }

  /// Refuses names HDF5 would misread: empty (or only "/") names, and names with a NUL character,
  /// which would silently cut the C string short.
  func checkName(_ name: String, site: HDF5Site, operation: String) throws(HDF5Error) {
    if name.split(separator: "/").isEmpty {
      throw site.failure(operation, "invalid name \"\(name)\" (empty)")
    }
    if name.utf8.contains(0) {
      throw site.failure(operation, "invalid name (contains a NUL character)")
    }
  }

  /// Opens the object at `name` and checks it is a group or dataset as `kind` says. The caller
  /// closes the returned identifier. Missing objects and objects of the other kind are errors
  /// naming the full path.
  ///
  /// The corresponding C functions are `H5Oopen` and `H5Iget_type`.
  func openObject(_ name: String, kind: H5I_type_t, operation: String) throws(HDF5Error) -> hid_t {
    let full = objectPath(name)
    let site = HDF5Site(file: file, object: full)
    let word = kind == H5I_GROUP ? "group" : "dataset"
    try checkName(name, site: site, operation: operation)
    guard contains(name) else { throw site.failure(operation, "\(word) \(full) not found") }
    let object = try site.checkID(
      H5Oopen(id, name, chdf5_p_default()), "H5Oopen", "cannot open \(word) \(full)")
    let actual = H5Iget_type(object)
    guard actual == kind else {
      H5Oclose(object)
      let found = actual == H5I_GROUP ? "group" : actual == H5I_DATASET ? "dataset" : "named type"
      throw site.failure(operation, "\(full) is a \(found), not a \(word)")
    }
    return object
  }

  /// A group (or file) creation property list of `listClass` that keeps links and attributes
  /// in the object header as long as HDF5 allows (65,535 links; attributes until one is larger
  /// than an object header message, 64 KiB). The caller closes it.
  ///
  /// Why: the HDF5 1.8 format checksums object headers but not the fractal heaps of "dense"
  /// storage, which it otherwise uses from the 9th link or attribute on; libhdf5 1.10 freed a
  /// garbage pointer (SIGSEGV) on a flipped byte there (found by the fuzz harness).
  ///
  /// The corresponding C functions are `H5Pset_link_phase_change` and
  /// `H5Pset_attr_phase_change`.
  static func makeCompactCreationList(_ listClass: hid_t, site: HDF5Site) throws(HDF5Error)
    -> hid_t
  {
    let list = try site.checkID(
      H5Pcreate(listClass), "H5Pcreate", "cannot create a group creation property list")
    do {
      try site.checkStatus(
        H5Pset_link_phase_change(list, 65535, 65535), "H5Pset_link_phase_change",
        "cannot keep links compact")
      try site.checkStatus(
        H5Pset_attr_phase_change(list, 65535, 65535), "H5Pset_attr_phase_change",
        "cannot keep attributes compact")
    } catch {
      H5Pclose(list)
      throw error
    }
    return list
  }

  /// A link-creation property list that creates missing intermediate groups and marks link names
  /// as UTF-8. The caller closes it.
  ///
  /// The corresponding C functions are `H5Pset_create_intermediate_group` and
  /// `H5Pset_char_encoding`.
  func makeLinkCreationList(site: HDF5Site) throws(HDF5Error) -> hid_t {
    let list = try site.checkID(
      H5Pcreate(chdf5_p_link_create()), "H5Pcreate", "cannot create a link property list")
    do {
      try site.checkStatus(
        H5Pset_create_intermediate_group(list, 1), "H5Pset_create_intermediate_group",
        "cannot request intermediate groups")
      try site.checkStatus(
        H5Pset_char_encoding(list, H5T_CSET_UTF8), "H5Pset_char_encoding",
        "cannot set the link name encoding")
    } catch {
      H5Pclose(list)
      throw error
    }
    return list
  }

  /// Decodes a NUL-terminated C buffer as UTF-8 (invalid bytes become U+FFFD, never a trap).
  static func string(fromNullTerminated buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
