internal import CHDF5
import Foundation

// Attributes on this group. Strings are variable-length UTF-8 (h5py reads them as str). Setting an
// existing attribute replaces it.
//
// Why these six kinds: hyperparameters, format versions, class names and shapes are all ints,
// doubles, strings or short lists of them, and these are the forms h5py hands back as plain
// Python/numpy values (`int64`, `float64`, `str`, 1-D arrays). Files made by `HDF5File.create`
// use the HDF5 1.8 format, so an attribute may exceed 64 KiB (it moves to dense storage); bulk
// numeric data still belongs in a dataset, which can be chunked and compressed.
extension HDF5Group {
  /// Sets a variable-length UTF-8 string attribute (h5py reads it as `str`).
  ///
  /// The corresponding C functions are `H5Acreate2` and `H5Awrite`.
  public func setAttribute(_ name: String, _ value: String) throws {
    try writeStringAttribute(name, [value], isScalar: true, on: attributeHolder)
  }

  /// Sets a scalar int64 attribute.
  ///
  /// The corresponding C functions are `H5Acreate2` and `H5Awrite`.
  public func setAttribute(_ name: String, _ value: Int) throws {
    try writeNumericAttribute(name, [Int64(value)], isScalar: true, on: attributeHolder)
  }

  /// Sets a scalar float64 attribute.
  ///
  /// The corresponding C functions are `H5Acreate2` and `H5Awrite`.
  public func setAttribute(_ name: String, _ value: Double) throws {
    try writeNumericAttribute(name, [value], isScalar: true, on: attributeHolder)
  }

  /// Sets a 1-D int64 attribute (an empty array is allowed).
  ///
  /// The corresponding C functions are `H5Acreate2` and `H5Awrite`.
  public func setAttribute(_ name: String, _ values: [Int]) throws {
    try writeNumericAttribute(
      name, values.map { Int64($0) }, isScalar: false, on: attributeHolder)
  }

  /// Sets a 1-D float64 attribute (an empty array is allowed).
  ///
  /// The corresponding C functions are `H5Acreate2` and `H5Awrite`.
  public func setAttribute(_ name: String, _ values: [Double]) throws {
    try writeNumericAttribute(name, values, isScalar: false, on: attributeHolder)
  }

  /// Sets a 1-D attribute of variable-length UTF-8 strings (h5py reads each as `str`).
  ///
  /// The corresponding C functions are `H5Acreate2` and `H5Awrite`.
  public func setAttribute(_ name: String, _ values: [String]) throws {
    try writeStringAttribute(name, values, isScalar: false, on: attributeHolder)
  }

  // MARK: Private helpers

  /// Writes numbers as a scalar (one value) or 1-D attribute of `T`'s little-endian type.
  ///
  /// The corresponding C function is `H5Awrite`.
  private func writeNumericAttribute<T: HDF5Scalar>(
    _ name: String, _ values: [T], isScalar: Bool, on holder: AttributeHolder
  ) throws(HDF5Error) {
    let site = HDF5Site(file: file, object: path)
    let element = T.hdf5ElementType
    try writeAttribute(
      name, type: element.fileType, shape: isScalar ? [] : [values.count], on: holder, site: site
    ) { attribute in
      values.withUnsafeBytes { bytes in H5Awrite(attribute, element.memoryType, bytes.baseAddress) }
    }
  }

  /// Writes strings as a scalar (one value) or 1-D variable-length UTF-8 attribute. A string with
  /// a NUL character is refused: C would silently cut it short.
  ///
  /// The corresponding C functions are `H5Tcopy`, `H5Tset_size`, `H5Tset_cset` and `H5Awrite`.
  func writeStringAttribute(
    _ name: String, _ values: [String], isScalar: Bool, on holder: AttributeHolder
  ) throws(HDF5Error) {
    let site = HDF5Site(file: file, object: path)
    if values.contains(where: { $0.utf8.contains(0) }) {
      throw site.failure(
        "setAttribute", holder.subject(name) + ": strings may not contain a NUL character")
    }
    let type = try site.checkID(H5Tcopy(chdf5_c_s1()), "H5Tcopy", "cannot make a string type")
    defer { H5Tclose(type) }
    try site.checkStatus(
      H5Tset_size(type, chdf5_variable()), "H5Tset_size", "cannot make a variable-length string")
    try site.checkStatus(
      H5Tset_cset(type, H5T_CSET_UTF8), "H5Tset_cset", "cannot mark strings as UTF-8")
    let copies = values.map { strdup($0) }
    defer { for copy in copies { free(copy) } }
    guard !copies.contains(where: { $0 == nil }) else {
      throw site.failure("setAttribute", holder.subject(name) + ": out of memory")
    }
    try writeAttribute(
      name, type: type, shape: isScalar ? [] : [values.count], on: holder, site: site
    ) { attribute in
      copies.withUnsafeBufferPointer { pointers in
        H5Awrite(attribute, type, UnsafeRawPointer(pointers.baseAddress))
      }
    }
  }

  /// Creates the attribute `name` with `type` on disk and `shape` (`[]` scalar or `[n]`), fills it
  /// with `write` (skipped when there are no elements) and closes it.
  ///
  /// Why the detour when `name` exists: the new value is written under a temporary name first and
  /// only then swapped in (delete old, rename new), so a value HDF5 refuses (for example in a
  /// file opened read-only, or on a full disk) leaves the old attribute in place.
  ///
  /// The corresponding C functions are `H5Aexists`, `H5Acreate2`, `H5Adelete` and `H5Arename`.
  private func writeAttribute(
    _ name: String, type: hid_t, shape: [Int], on holder: AttributeHolder, site: HDF5Site,
    write: (hid_t) -> herr_t
  ) throws(HDF5Error) {
    let subject = holder.subject(name)
    let id = holder.id
    try holder.checkName(name, site: site, operation: "setAttribute")
    let space = try HDF5Dataspace.create(shape, site: site)
    defer { H5Sclose(space) }
    let replacing = try site.checkTruth(
      H5Aexists(id, name), "H5Aexists", subject + ": cannot check")
    let target = replacing ? ".\(name).memkd-replacing" : name
    if replacing, H5Aexists(id, target) > 0 {
      _ = H5Adelete(id, target)  // left over from an interrupted replacement
    }
    let attribute = try site.checkID(
      H5Acreate2(id, target, type, space, chdf5_p_default(), chdf5_p_default()), "H5Acreate2",
      subject + ": cannot create")
    let written = (HDF5Dataspace.elementCount(shape) ?? 0) == 0 ? 0 : write(attribute)
    if written < 0 {
      let failure = site.callFailure("H5Awrite", subject + ": cannot write")
      H5Aclose(attribute)
      _ = H5Adelete(id, target)
      throw failure
    }
    try site.checkStatus(H5Aclose(attribute), "H5Aclose", subject + ": cannot close")
    guard replacing else { return }
    try site.checkStatus(H5Adelete(id, name), "H5Adelete", subject + ": cannot replace")
    try site.checkStatus(H5Arename(id, target, name), "H5Arename", subject + ": cannot replace")
  }

  /// This group as the holder of its attributes.
  var attributeHolder: AttributeHolder { AttributeHolder(id: id, label: "group \(path)") }
}

/// The object an attribute lives on: a group, or a dataset opened for the call (its checksum).
struct AttributeHolder {
  let id: hid_t
  /// "group /g" or "dataset /g/x", the start of every attribute error message.
  let label: String

  /// "group /g: attribute 'lr'".
  func subject(_ name: String) -> String {
    "\(label): attribute '\(name)'"
  }

  /// Refuses empty names and names with a NUL character (C would cut them short).
  func checkName(_ name: String, site: HDF5Site, operation: String) throws(HDF5Error) {
    if name.isEmpty {
      throw site.failure(operation, "\(label): invalid attribute name (empty)")
    }
    if name.utf8.contains(0) {
      throw site.failure(operation, "\(label): invalid attribute name (contains NUL)")
    }
  }

  /// Whether the attribute exists (false for an invalid name).
  ///
  /// The corresponding C function is `H5Aexists`.
  func has(_ name: String) -> Bool {
    HDF5ErrorStack.silenceAutomaticPrinting()
    guard !name.isEmpty, !name.utf8.contains(0) else { return false }
    let exists = H5Aexists(id, name)
    if exists < 0 { HDF5ErrorStack.discard() }
    return exists > 0
  }
}
