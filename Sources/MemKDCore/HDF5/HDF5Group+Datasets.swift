internal import CHDF5

extension HDF5Group {
  /// The most values one `readDataset` reads (4 GiB of float32): a damaged or crafted file can
  /// declare any shape (a sparse chunked dataset costs no disk), and the buffer is allocated from
  /// that shape, so larger shapes are refused before allocating.
  public static let readBudget = 1 << 30

  /// Writes a dataset of any rank (shape.reduce(1,*) == values.count, checked; shape [] means
  /// scalar dataset with 1 value). Stored little-endian IEEE / two's complement, with the SHA-256
  /// of the values as the dataset's `sha256` attribute (HDF5Group+DatasetChecksums.swift). `compress`:
  /// chunked + gzip level 4 (+ shuffle) when true; default: compress when values.count >= 4096.
  ///
  /// Why compression is off for small arrays: chunk indexes cost more than they save below a few
  /// thousand values, and contiguous storage keeps tiny checkpoints easy to inspect. Scalars and
  /// datasets with a zero-length dimension are never chunked (HDF5 cannot chunk them), whatever
  /// `compress` says. `name` may contain "/" (intermediate groups are created); an existing link
  /// of that name is an error.
  ///
  /// The corresponding C functions are `H5Dcreate2` and `H5Dwrite`.
  public func writeDataset<T: HDF5Scalar>(
    _ name: String, _ values: [T], shape: [Int], compress: Bool? = nil
  ) throws {
    let full = objectPath(name)
    let site = HDF5Site(file: file, object: full)
    let element = try checkedElementType(T.self, site: site, operation: "writeDataset")
    try checkName(name, site: site, operation: "writeDataset")
    guard shape.count <= HDF5Dataspace.maximumRank else {
      throw site.failure("writeDataset", "dataset \(full): rank \(shape.count) exceeds 32")
    }
    guard let count = HDF5Dataspace.elementCount(shape), count == values.count else {
      throw site.failure(
        "writeDataset",
        "dataset \(full): shape \(HDF5Dataspace.text(shape)) does not hold \(values.count) values")
    }
    guard !contains(name) else { throw site.failure("writeDataset", "\(full) already exists") }

    let space = try HDF5Dataspace.create(shape, site: site)
    defer { H5Sclose(space) }
    let creation = try site.checkID(
      H5Pcreate(chdf5_p_dataset_create()), "H5Pcreate", "cannot create a dataset property list")
    defer { H5Pclose(creation) }
    let chunked = (compress ?? (count >= 4096)) && !shape.isEmpty && count > 0
    if chunked {
      try configureCompression(creation, shape: shape, element: element, site: site)
    }
    let linkList = try makeLinkCreationList(site: site)
    defer { H5Pclose(linkList) }
    let dataset = try site.checkID(
      H5Dcreate2(id, name, element.fileType, space, linkList, creation, chdf5_p_default()),
      "H5Dcreate2", "cannot create dataset \(full)")
    defer { H5Dclose(dataset) }
    try writeChecksum(of: values, on: dataset, path: full)
    guard count > 0 else { return }
    // The status is checked outside the closure: a typed-throws closure passed to
    // `withUnsafeBytes` crashes the Swift 6.3.1 compiler (IRGen, signal 11).
    let status = values.withUnsafeBytes { bytes in
      H5Dwrite(
        dataset, element.memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(),
        bytes.baseAddress)
    }
    try site.checkStatus(status, "H5Dwrite", "cannot write dataset \(full)")
  }

  /// Element type and shape of an existing dataset (missing => error naming the path; a type
  /// other than the four => error naming the actual HDF5 class/size).
  ///
  /// The corresponding C functions are `H5Dget_type` and `H5Dget_space`.
  public func datasetInfo(_ name: String) throws -> (type: HDF5ElementType, shape: [Int]) {
    let dataset = try openObject(name, kind: H5I_DATASET, operation: "datasetInfo")
    defer { H5Dclose(dataset) }
    return try describeDataset(dataset, path: objectPath(name), operation: "datasetInfo")
  }

  /// Reads a dataset and checks its `sha256` attribute when it has one (required in files whose
  /// reader set `requiresDatasetChecksums`). The stored element type must be exactly T's (else HDF5Error "dataset /x:
  /// expected float32, found float64"); if expectedShape is given the stored shape must equal it
  /// (else error "dataset /x: expected shape [4, 8], found [4, 9]").
  ///
  /// Why exact types: silently narrowing float64 weights to float32 (or widening the other way)
  /// would hide a checkpoint written by the wrong code path. The buffer is sized from the checked
  /// stored shape before `H5Dread`, so a damaged file cannot make the read overrun it.
  ///
  /// The corresponding C function is `H5Dread`.
  public func readDataset<T: HDF5Scalar>(
    _ name: String, as type: T.Type, expectedShape: [Int]? = nil
  ) throws -> (values: [T], shape: [Int]) {
    let full = objectPath(name)
    let site = HDF5Site(file: file, object: full)
    let element = try checkedElementType(T.self, site: site, operation: "readDataset")
    let dataset = try openObject(name, kind: H5I_DATASET, operation: "readDataset")
    defer { H5Dclose(dataset) }
    let stored = try describeDataset(dataset, path: full, operation: "readDataset")
    guard stored.type == element else {
      throw site.failure(
        "readDataset",
        "dataset \(full): expected \(element.rawValue), found \(stored.type.rawValue)")
    }
    if let expectedShape, expectedShape != stored.shape {
      throw site.failure(
        "readDataset",
        "dataset \(full): expected shape \(HDF5Dataspace.text(expectedShape)), "
          + "found \(HDF5Dataspace.text(stored.shape))")
    }
    guard let count = HDF5Dataspace.elementCount(stored.shape), count <= Self.readBudget else {
      throw site.failure(
        "readDataset",
        "dataset \(full): shape \(HDF5Dataspace.text(stored.shape)) is more than the "
          + "\(Self.readBudget) values a dataset may hold")
    }
    guard count > 0 else {
      try verifyChecksum(of: [T](), on: dataset, path: full)
      return ([], stored.shape)
    }
    var failure: HDF5Error?
    let values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
      let status = H5Dread(
        dataset, element.memoryType, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(),
        UnsafeMutableRawPointer(buffer.baseAddress))
      if status < 0 {
        // Zero-fill so the (discarded) array never holds uninitialised memory.
        UnsafeMutableRawBufferPointer(buffer).initializeMemory(as: UInt8.self, repeating: 0)
        failure = site.callFailure("H5Dread", "cannot read dataset \(full)")
      }
      initialized = count
    }
    if let failure { throw failure }
    try verifyChecksum(of: values, on: dataset, path: full)
    return (values, stored.shape)
  }

  // MARK: Private helpers

  /// `T`'s element type, after checking `T` really has that element's size (a wrong conformance
  /// would otherwise make HDF5 write past the Swift buffer).
  private func checkedElementType<T: HDF5Scalar>(
    _ type: T.Type, site: HDF5Site, operation: String
  ) throws(HDF5Error) -> HDF5ElementType {
    let element = T.hdf5ElementType
    guard MemoryLayout<T>.size == element.byteCount, MemoryLayout<T>.stride == element.byteCount
    else {
      throw site.failure(
        operation, "\(T.self) is \(MemoryLayout<T>.size) bytes, not a valid \(element.rawValue)")
    }
    return element
  }

  /// The element type and checked shape of an open dataset.
  ///
  /// The corresponding C functions are `H5Dget_type` and `H5Dget_space`.
  private func describeDataset(
    _ dataset: hid_t, path full: String, operation: String
  ) throws(HDF5Error) -> (type: HDF5ElementType, shape: [Int]) {
    let site = HDF5Site(file: file, object: full)
    let stored = try site.checkID(
      H5Dget_type(dataset), "H5Dget_type", "cannot read the type of dataset \(full)")
    defer { H5Tclose(stored) }
    guard let element = HDF5ElementType.matching(stored) else {
      throw site.failure(
        operation,
        "dataset \(full): unsupported element type \(HDF5ElementType.describe(stored)) "
          + "(\(HDF5ElementType.classAndSize(stored))); expected float32, float64, int32 or int64")
    }
    let space = try site.checkID(
      H5Dget_space(dataset), "H5Dget_space", "cannot read the shape of dataset \(full)")
    defer { H5Sclose(space) }
    let shape = try HDF5Dataspace.shape(of: space, subject: "dataset \(full)", site: site)
    return (element, shape)
  }

  /// Sets chunking (about 1 MiB per chunk at most), byte shuffling and gzip level 4 on a dataset
  /// creation property list. `shape` has rank at least 1 and no zero dimension.
  ///
  /// Why shuffle: grouping the bytes of each float by significance lets gzip find the repetition in
  /// exponents, which roughly halves float32 weight files compared with gzip alone.
  ///
  /// The corresponding C functions are `H5Pset_chunk`, `H5Pset_shuffle` and `H5Pset_deflate`.
  private func configureCompression(
    _ creation: hid_t, shape: [Int], element: HDF5ElementType, site: HDF5Site
  ) throws(HDF5Error) {
    guard H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0 else {
      throw site.failure("writeDataset", "this HDF5 library has no gzip (deflate) filter")
    }
    let limit = (1 << 20) / element.byteCount
    var chunk = shape
    var axis = 0
    while (HDF5Dataspace.elementCount(chunk) ?? Int.max) > limit {
      chunk[axis] = (chunk[axis] + 1) / 2
      axis = (axis + 1) % chunk.count
    }
    let dimensions = chunk.map { hsize_t(UInt64($0)) }
    try site.checkStatus(
      H5Pset_chunk(creation, Int32(chunk.count), dimensions), "H5Pset_chunk",
      "cannot set chunk shape \(HDF5Dataspace.text(chunk))")
    try site.checkStatus(H5Pset_shuffle(creation), "H5Pset_shuffle", "cannot enable shuffling")
    try site.checkStatus(H5Pset_deflate(creation, 4), "H5Pset_deflate", "cannot enable gzip")
  }
}
