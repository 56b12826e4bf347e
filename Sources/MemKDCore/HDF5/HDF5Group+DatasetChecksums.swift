internal import CHDF5

// The SHA-256 of every dataset's values, kept as the dataset's string attribute `sha256`.
//
// Why per dataset and checked on every read: HDF5 checks its own metadata but not raw data, so
// one flipped byte in a weight or a traced logit loads without complaint and changes results
// silently. A digest beside each dataset names the damaged tensor, and h5py users verify or
// refresh it with `hashlib.sha256(ds[()].tobytes()).hexdigest()` (values as little-endian bytes
// in C order, which `tobytes()` gives for the little-endian arrays MemKD stores).
extension HDF5Group {
  /// The attribute name, as docs/checkpoint-format.md documents it.
  static let checksumAttribute = "sha256"

  /// Records the digest of `values` on the open dataset at `full`.
  func writeChecksum<T: HDF5Scalar>(
    of values: [T], on dataset: hid_t, path full: String
  ) throws(HDF5Error) {
    try writeStringAttribute(
      Self.checksumAttribute, [SHA256.hexDigest(ofElements: values)], isScalar: true,
      on: AttributeHolder(id: dataset, label: "dataset \(full)"))
  }

  /// Checks `values`, just read from the open dataset at `full`, against its recorded digest.
  /// A missing digest is an error only where the file's format promises one.
  func verifyChecksum<T: HDF5Scalar>(
    of values: [T], on dataset: hid_t, path full: String
  ) throws(HDF5Error) {
    let site = HDF5Site(file: file, object: full)
    let holder = AttributeHolder(id: dataset, label: "dataset \(full)")
    guard holder.has(Self.checksumAttribute) else {
      guard owner.requiresDatasetChecksums else { return }
      throw site.failure(
        "readDataset",
        "dataset \(full): no '\(Self.checksumAttribute)' attribute (this format version records "
          + "the SHA-256 of every dataset; the file was damaged or edited)")
    }
    let recorded = try readStrings(
      Self.checksumAttribute, isScalar: true, operation: "readDataset", on: holder)[0]
    let computed = SHA256.hexDigest(ofElements: values)
    guard recorded == computed else {
      throw site.failure(
        "readDataset",
        "dataset \(full): its values do not match their SHA-256 (recorded \(recorded.prefix(12))..., "
          + "computed \(computed.prefix(12))...): the file was damaged or edited")
    }
  }
}
