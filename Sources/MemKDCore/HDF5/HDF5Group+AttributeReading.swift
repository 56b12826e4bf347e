internal import CHDF5

// Reading attributes back, from files written here or by h5py.
//
// Why typed getters that check: a checkpoint reader must fail with a message naming the group and
// attribute when a file holds, say, a float where an int is expected, instead of letting HDF5
// convert silently. Integers of any signed width (and unsigned up to 32 bits) read as `Int`;
// floats of any width read as `Double`; strings may be variable-length (MemKD, h5py `str`) or
// fixed-length (h5py `np.bytes_`). Shapes are strict too: scalar getters need a scalar attribute
// and array getters a 1-D one, so a caller probing "int or [int]?" gets a faithful answer.
extension HDF5Group {
  /// The names of this group's attributes, sorted.
  ///
  /// The corresponding C function is `H5Aiterate2`.
  public func attributeNames() throws -> [String] {
    let site = HDF5Site(file: file, object: path)
    var names: [String] = []
    let status = withUnsafeMutablePointer(to: &names) { pointer in
      H5Aiterate2(
        id, H5_INDEX_NAME, H5_ITER_INC, nil,
        { _, name, _, context in
          guard let name, let context else { return -1 }
          context.assumingMemoryBound(to: [String].self).pointee.append(String(cString: name))
          return 0
        }, pointer)
    }
    try site.checkStatus(status, "H5Aiterate2", "cannot list the attributes of group \(path)")
    return names.sorted()
  }

  /// Whether this group has an attribute of that name.
  ///
  /// The corresponding C function is `H5Aexists`.
  public func hasAttribute(_ name: String) -> Bool {
    attributeHolder.has(name)
  }

  /// A string attribute; wrong type / missing => HDF5Error naming group path + attribute.
  ///
  /// The corresponding C function is `H5Aread`.
  public func stringAttribute(_ name: String) throws -> String {
    try readStrings(name, isScalar: true, operation: "stringAttribute", on: attributeHolder)[0]
  }

  /// An integer attribute (any signed width, unsigned up to 32 bits).
  ///
  /// The corresponding C function is `H5Aread`.
  public func intAttribute(_ name: String) throws -> Int {
    Int(try readIntegers(name, isScalar: true, operation: "intAttribute")[0])
  }

  /// A floating-point attribute (any width, converted to `Double`).
  ///
  /// The corresponding C function is `H5Aread`.
  public func doubleAttribute(_ name: String) throws -> Double {
    try readFloats(name, isScalar: true, operation: "doubleAttribute")[0]
  }

  /// A 1-D integer attribute.
  ///
  /// The corresponding C function is `H5Aread`.
  public func intArrayAttribute(_ name: String) throws -> [Int] {
    try readIntegers(name, isScalar: false, operation: "intArrayAttribute").map { Int($0) }
  }

  /// A 1-D floating-point attribute.
  ///
  /// The corresponding C function is `H5Aread`.
  public func doubleArrayAttribute(_ name: String) throws -> [Double] {
    try readFloats(name, isScalar: false, operation: "doubleArrayAttribute")
  }

  /// A 1-D string attribute.
  ///
  /// The corresponding C function is `H5Aread`.
  public func stringArrayAttribute(_ name: String) throws -> [String] {
    try readStrings(
      name, isScalar: false, operation: "stringArrayAttribute", on: attributeHolder)
  }

  // MARK: Private helpers

  /// An open attribute with its stored type and element count, after the existence, type and
  /// shape checks. The caller closes `attribute` and `type`.
  private struct OpenAttribute {
    var attribute: hid_t
    var type: hid_t
    var count: Int
  }

  /// Opens `name`, checks its type with `accepts` (else "expected <wanted>, found <actual>") and its
  /// shape against `isScalar`.
  ///
  /// The corresponding C functions are `H5Aopen`, `H5Aget_type` and `H5Aget_space`.
  private func openAttribute(
    _ name: String, isScalar: Bool, wanted: String, operation: String, on holder: AttributeHolder,
    site: HDF5Site, accepts: (hid_t) -> Bool
  ) throws(HDF5Error) -> OpenAttribute {
    let subject = holder.subject(name)
    try holder.checkName(name, site: site, operation: operation)
    guard holder.has(name) else { throw site.failure(operation, subject + " not found") }
    let attribute = try site.checkID(
      H5Aopen(holder.id, name, chdf5_p_default()), "H5Aopen", subject + ": cannot open")
    var keep = false
    defer { if !keep { H5Aclose(attribute) } }
    let type = try site.checkID(H5Aget_type(attribute), "H5Aget_type", subject + ": no type")
    defer { if !keep { H5Tclose(type) } }
    guard accepts(type) else {
      throw site.failure(
        operation, "\(subject): expected \(wanted), found \(HDF5ElementType.describe(type))")
    }
    let space = try site.checkID(H5Aget_space(attribute), "H5Aget_space", subject + ": no shape")
    defer { H5Sclose(space) }
    let shape = try HDF5Dataspace.shape(of: space, subject: subject, site: site)
    guard shape.count == (isScalar ? 0 : 1) else {
      let wantedShape = isScalar ? "a single value" : "a 1-D array"
      throw site.failure(
        operation, "\(subject): expected \(wantedShape), found shape \(HDF5Dataspace.text(shape))")
    }
    keep = true
    return OpenAttribute(
      attribute: attribute, type: type, count: HDF5Dataspace.elementCount(shape) ?? 0)
  }

  /// Reads an integer attribute as int64 (HDF5 widens narrower integers exactly).
  private func readIntegers(
    _ name: String, isScalar: Bool, operation: String
  ) throws(HDF5Error) -> [Int64] {
    try readNumbers(name, isScalar: isScalar, wanted: "int64", operation: operation) { type in
      guard H5Tget_class(type) == H5T_INTEGER else { return false }
      let size = H5Tget_size(type)
      return H5Tget_sign(type) == H5T_SGN_NONE ? size <= 4 : size <= 8
    }
  }

  /// Reads a floating-point attribute as float64.
  private func readFloats(
    _ name: String, isScalar: Bool, operation: String
  ) throws(HDF5Error) -> [Double] {
    try readNumbers(name, isScalar: isScalar, wanted: "float64", operation: operation) { type in
      H5Tget_class(type) == H5T_FLOAT
    }
  }

  /// Reads a numeric attribute into `[T]` with `T`'s native memory type.
  ///
  /// The corresponding C function is `H5Aread`.
  private func readNumbers<T: HDF5Scalar & Numeric>(
    _ name: String, isScalar: Bool, wanted: String, operation: String,
    accepts: (hid_t) -> Bool
  ) throws(HDF5Error) -> [T] {
    let site = HDF5Site(file: file, object: path)
    let open = try openAttribute(
      name, isScalar: isScalar, wanted: wanted, operation: operation, on: attributeHolder,
      site: site, accepts: accepts)
    defer {
      H5Tclose(open.type)
      H5Aclose(open.attribute)
    }
    guard open.count > 0 else { return [] }
    var values = [T](repeating: T.zero, count: open.count)
    let status = values.withUnsafeMutableBytes { bytes in
      H5Aread(open.attribute, T.hdf5ElementType.memoryType, bytes.baseAddress)
    }
    try site.checkStatus(status, "H5Aread", attributeHolder.subject(name) + ": cannot read")
    return values
  }

  /// Reads a string attribute, variable-length or fixed-length, keeping its character set.
  ///
  /// The corresponding C functions are `H5Tis_variable_str`, `H5Aread` and `H5free_memory`.
  func readStrings(
    _ name: String, isScalar: Bool, operation: String, on holder: AttributeHolder
  ) throws(HDF5Error) -> [String] {
    let site = HDF5Site(file: file, object: path)
    let subject = holder.subject(name)
    let open = try openAttribute(
      name, isScalar: isScalar, wanted: "string", operation: operation, on: holder, site: site
    ) { H5Tget_class($0) == H5T_STRING }
    defer {
      H5Tclose(open.type)
      H5Aclose(open.attribute)
    }
    guard open.count > 0 else { return [] }
    let isVariable = try site.checkTruth(
      H5Tis_variable_str(open.type), "H5Tis_variable_str", subject + ": unreadable string type")
    if isVariable {
      let memoryType = try site.checkID(H5Tcopy(chdf5_c_s1()), "H5Tcopy", "no string type")
      defer { H5Tclose(memoryType) }
      try site.checkStatus(
        H5Tset_size(memoryType, chdf5_variable()), "H5Tset_size", "no variable-length type")
      try site.checkStatus(
        H5Tset_cset(memoryType, H5Tget_cset(open.type)), "H5Tset_cset", "no character set")
      var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: open.count)
      let status = pointers.withUnsafeMutableBufferPointer { buffer in
        H5Aread(open.attribute, memoryType, UnsafeMutableRawPointer(buffer.baseAddress))
      }
      defer { for case let pointer? in pointers { H5free_memory(pointer) } }
      try site.checkStatus(status, "H5Aread", subject + ": cannot read")
      return pointers.map { pointer in pointer.map { String(cString: $0) } ?? "" }
    }
    // Fixed-length: read raw bytes with the stored type itself, then cut each element at its
    // padding (NUL for null-terminated/null-padded, trailing spaces for space-padded).
    let size = try site.checkCount(
      H5Tget_size(open.type), failureAtOrBelow: 0, "H5Tget_size", subject + ": no string size")
    let (total, overflow) = size.multipliedReportingOverflow(by: open.count)
    guard !overflow else { throw site.failure(operation, subject + ": too large") }
    var bytes = [UInt8](repeating: 0, count: total)
    let status = bytes.withUnsafeMutableBytes { buffer in
      H5Aread(open.attribute, open.type, buffer.baseAddress)
    }
    try site.checkStatus(status, "H5Aread", subject + ": cannot read")
    let spacePadded = H5Tget_strpad(open.type) == H5T_STR_SPACEPAD
    return (0..<open.count).map { index in
      var element = bytes[(index * size)..<((index + 1) * size)].prefix { $0 != 0 }
      if spacePadded {
        while element.last == 0x20 { element = element.dropLast() }
      }
      return String(decoding: element, as: UTF8.self)
    }
  }
}
