internal import CHDF5

/// Dataspaces (array shapes) in both directions: making one from a Swift shape before a write, and
/// reading one back into a checked Swift shape before a read.
///
/// Why the checks live here: a damaged or hostile file can claim any rank and extent, and a read
/// sizes its Swift buffer from them. Every dimension and the element count are converted with
/// checked arithmetic, so a bad file yields an `HDF5Error` instead of a trap or a huge allocation
/// that overflows.
enum HDF5Dataspace {
  /// The largest rank HDF5 supports (`H5S_MAX_RANK`).
  static let maximumRank = 32

  /// Number of elements in `shape` (1 for the scalar shape `[]`), or nil if a dimension is
  /// negative or the product overflows `Int`.
  static func elementCount(_ shape: [Int]) -> Int? {
    var count = 1
    for dimension in shape {
      guard dimension >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
      if overflow { return nil }
      count = product
    }
    return count
  }

  /// `[4, 8]` written the way MemKD's error messages show shapes.
  static func text(_ shape: [Int]) -> String {
    "[" + shape.map(String.init).joined(separator: ", ") + "]"
  }

  /// Creates a dataspace for `shape`: scalar for `[]`, simple (fixed size) otherwise. The caller
  /// closes it. `shape` must already be validated (non-negative, rank at most 32).
  ///
  /// The corresponding C functions are `H5Screate` and `H5Screate_simple`.
  static func create(_ shape: [Int], site: HDF5Site) throws(HDF5Error) -> hid_t {
    if shape.isEmpty {
      return try site.checkID(
        H5Screate(H5S_SCALAR), "H5Screate", "cannot create a scalar dataspace")
    }
    let dimensions = shape.map { hsize_t(UInt64($0)) }
    let rank = Int32(shape.count)
    return try site.checkID(
      H5Screate_simple(rank, dimensions, nil), "H5Screate_simple",
      "cannot create a dataspace of shape \(text(shape))")
  }

  /// The shape of an open dataspace: `[]` for a scalar, the current dimensions for a simple one.
  /// A null dataspace (an attribute or dataset with no data at all), a rank beyond 32, or a
  /// dimension or element count that does not fit in `Int` is an error mentioning `subject`
  /// (e.g. "dataset /x").
  ///
  /// The corresponding C functions are `H5Sget_simple_extent_type`,
  /// `H5Sget_simple_extent_ndims` and `H5Sget_simple_extent_dims`.
  static func shape(of space: hid_t, subject: String, site: HDF5Site) throws(HDF5Error) -> [Int] {
    let operation = "H5Sget_simple_extent_type"
    switch H5Sget_simple_extent_type(space) {
    case H5S_SCALAR:
      return []
    case H5S_SIMPLE:
      break
    case H5S_NULL:
      throw site.failure(operation, "\(subject) holds no data (null dataspace)")
    default:
      throw site.callFailure(operation, "cannot read the shape of \(subject)")
    }
    let rank = H5Sget_simple_extent_ndims(space)
    guard rank >= 0 else {
      throw site.callFailure("H5Sget_simple_extent_ndims", "cannot read the rank of \(subject)")
    }
    guard rank <= maximumRank else {
      throw site.failure("H5Sget_simple_extent_ndims", "\(subject) has invalid rank \(rank)")
    }
    var dimensions = [hsize_t](repeating: 0, count: Int(rank))
    guard H5Sget_simple_extent_dims(space, &dimensions, nil) == rank else {
      throw site.callFailure("H5Sget_simple_extent_dims", "cannot read the shape of \(subject)")
    }
    var shape: [Int] = []
    for dimension in dimensions {
      guard let value = Int(exactly: dimension) else {
        throw site.failure(
          "H5Sget_simple_extent_dims", "\(subject) has a dimension too large (\(dimension))")
      }
      shape.append(value)
    }
    guard elementCount(shape) != nil else {
      throw site.failure(
        "H5Sget_simple_extent_dims", "\(subject) has too many elements (shape \(text(shape)))")
    }
    return shape
  }
}
