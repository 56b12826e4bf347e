import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Checks the object chain of every global heap collection in a file before libhdf5 reads it.
///
/// Why: variable-length strings (every string attribute, as h5py reads them as `str`) live in
/// global heap collections ("GCOL"), which carry no checksum, and libhdf5 1.10 trusts the object
/// sizes it finds there: one flipped byte in a size made `H5HG_read` copy past the collection
/// and die with SIGSEGV (found by the fuzz harness, Tests/fuzz). The chain is walked here
/// exactly as libhdf5's loader walks it (`H5HG__cache_heap_deserialize`): 4-byte signature,
/// version 1, 3 reserved bytes, the collection size; then objects of index (2 bytes), reference
/// count (2), reserved (4) and size, whose data is padded to 8 bytes; index 0 is the free space,
/// whose size covers its own header. A consistent chain ends exactly at the collection's end.
enum HDF5GlobalHeapCheck {
  /// The reason the file's global heap is damaged, or nil (also when the file has none).
  static func damage(in bytes: UnsafeRawBufferPointer) -> String? {
    guard let lengthSize = lengthSize(in: bytes) else { return nil }  // libhdf5 will refuse it
    var start = 0
    while start + 16 <= bytes.count {
      // memchr finds each "G" at C speed (the scan covers files of hundreds of MB).
      guard let found = memchr(bytes.baseAddress! + start, 0x47, bytes.count - start) else {
        return nil
      }
      let offset = bytes.baseAddress!.distance(to: UnsafeRawPointer(found))
      start = offset + 1
      // "GCOL", version 1 and zero reserved bytes: what a collection header is (raw data that
      // happens to look like one is skipped).
      guard offset + 8 + lengthSize <= bytes.count, bytes[offset + 1] == 0x43,
        bytes[offset + 2] == 0x4f, bytes[offset + 3] == 0x4c, bytes[offset + 4] == 1,
        bytes[offset + 5] == 0, bytes[offset + 6] == 0, bytes[offset + 7] == 0
      else { continue }
      if let problem = chainDamage(bytes, collection: offset, lengthSize: lengthSize) {
        return "global heap collection at byte \(offset): \(problem)"
      }
    }
    return nil
  }

  /// The damage of the collection at `offset`, or nil.
  private static func chainDamage(
    _ bytes: UnsafeRawBufferPointer, collection offset: Int, lengthSize: Int
  ) -> String? {
    let size = integer(bytes, at: offset + 8, width: lengthSize)
    guard size >= 8 + UInt64(lengthSize), size <= UInt64(bytes.count - offset) else {
      return "its size \(size) does not fit in the file"
    }
    let end = offset + Int(size)
    let objectHeader = 8 + lengthSize
    var position = offset + 8 + lengthSize
    while position < end {
      if position + objectHeader > end {
        return nil  // a tail too small for an object header is free space
      }
      let index = integer(bytes, at: position, width: 2)
      let objectSize = integer(bytes, at: position + 8, width: lengthSize)
      let need: UInt64
      if index == 0 {
        need = objectSize
      } else {
        let (padded, overflow) = objectSize.addingReportingOverflow(7)
        guard !overflow else { return "object \(index) has size \(objectSize)" }
        need = UInt64(objectHeader) + (padded & ~7)
      }
      guard need > 0, need <= UInt64(end - position) else {
        return "object \(index) (size \(objectSize)) runs past the collection's end"
      }
      position += Int(need)
    }
    return nil
  }

  /// The superblock's "size of lengths" (first superblock at 0, 512, 1024, ... bytes).
  private static func lengthSize(in bytes: UnsafeRawBufferPointer) -> Int? {
    let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]
    var base = 0
    while base + 16 <= bytes.count {
      if signature.indices.allSatisfy({ bytes[base + $0] == signature[$0] }) {
        let version = bytes[base + 8]
        let size = Int(version < 2 ? bytes[base + 14] : bytes[base + 10])
        return [2, 4, 8, 16].contains(size) && size <= 8 ? size : nil
      }
      base = base == 0 ? 512 : base * 2
    }
    return nil
  }

  /// The little-endian unsigned integer of `width` bytes at `offset`.
  private static func integer(_ bytes: UnsafeRawBufferPointer, at offset: Int, width: Int) -> UInt64
  {
    (0..<width).reduce(UInt64(0)) { value, byte in
      value | UInt64(bytes[offset + byte]) << (8 * UInt64(byte))
    }
  }
}
