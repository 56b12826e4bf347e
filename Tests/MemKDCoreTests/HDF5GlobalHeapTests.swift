import Foundation
import MemKDCore
import Testing

/// A damaged global heap (where string attributes live) is an error on open: libhdf5 1.10 read
/// past it and died with SIGSEGV (found by the fuzz harness).
@Suite("HDF5 global heap damage")
struct HDF5GlobalHeapTests {
  @Test("an object size flipped in the global heap is refused, not a segfault")
  func flippedObjectSize() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("strings.h5")
      try HDF5File.write(to: path) { root in
        try root.setAttribute("labels", ["first label", "second label"])
      }
      #expect(try HDF5File.open(path).root.stringArrayAttribute("labels").count == 2)
      var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
      let heap = try #require(
        (0..<(bytes.count - 4)).first { bytes[$0..<($0 + 4)].elementsEqual("GCOL".utf8) })
      // The first object's size (after the 16-byte collection and 8-byte object headers).
      bytes[heap + 16 + 8 + 2] ^= 0x01
      try Data(bytes).write(to: URL(fileURLWithPath: path))
      let error = #expect(throws: HDF5Error.self) { _ = try HDF5File.open(path) }
      #expect(
        String(describing: error).contains("damaged: global heap collection at byte \(heap)"),
        "\(String(describing: error))")
    }
  }
}
