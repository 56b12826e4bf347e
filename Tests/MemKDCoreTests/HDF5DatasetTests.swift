import Foundation
import MemKDCore
import Testing

/// Dataset round trips: every element type, ranks 0-3, compressed and not, bit for bit.
@Suite("HDF5 datasets")
struct HDF5DatasetTests {
  static let shapes: [[Int]] = [[], [7], [3, 5], [2, 3, 4]]

  static let floatSpecials: [Float] = [
    0, -0.0, 1, -1.5, .nan, -.nan, .infinity, -.infinity, .leastNonzeroMagnitude,
    .greatestFiniteMagnitude, -.leastNormalMagnitude, 3.140_625, Float(bitPattern: 0x7fc0_1234),
  ]
  static let doubleSpecials: [Double] = [
    0, -0.0, 1, -1.5, .nan, -.nan, .infinity, -.infinity, .leastNonzeroMagnitude,
    .greatestFiniteMagnitude, -.leastNormalMagnitude, 1e-300,
    Double(bitPattern: 0x7ff8_0000_dead_beef),
  ]
  static let int32Specials: [Int32] = [0, 1, -1, .min, .max, 42, -123_456]
  static let int64Specials: [Int64] = [0, 1, -1, .min, .max, 1 << 53 + 1, -9_876_543_210]

  /// Writes `samples` (cycled to fill each shape) at every rank, reopens the file and checks type,
  /// shape and the exact bits.
  func roundTrip<T: HDF5Scalar>(
    _ samples: [T], compress: Bool?, bits: (T) -> UInt64,
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("round-trip.h5")
      var written: [[T]] = []
      try HDF5File.write(to: path) { root in
        for (index, shape) in Self.shapes.enumerated() {
          let count = shape.reduce(1, *)
          let values = (0..<count).map { samples[($0 + index) % samples.count] }
          written.append(values)
          try root.writeDataset("rank\(shape.count)", values, shape: shape, compress: compress)
        }
      }
      let file = try HDF5File.open(path)
      let root = try file.root
      for (index, shape) in Self.shapes.enumerated() {
        let name = "rank\(shape.count)"
        let info = try root.datasetInfo(name)
        #expect(info.type == T.hdf5ElementType, sourceLocation: sourceLocation)
        #expect(info.shape == shape, sourceLocation: sourceLocation)
        let read = try root.readDataset(name, as: T.self, expectedShape: shape)
        #expect(read.shape == shape, sourceLocation: sourceLocation)
        #expect(read.values.map(bits) == written[index].map(bits), sourceLocation: sourceLocation)
      }
      try file.close()
    }
  }

  @Test(
    "float32 round trip is bit-identical (NaN payloads, infinities, -0)", arguments: [false, true])
  func float32(compress: Bool) throws {
    try roundTrip(Self.floatSpecials, compress: compress) { UInt64($0.bitPattern) }
  }

  @Test("float64 round trip is bit-identical", arguments: [false, true])
  func float64(compress: Bool) throws {
    try roundTrip(Self.doubleSpecials, compress: compress) { $0.bitPattern }
  }

  @Test("int32 round trip keeps min and max", arguments: [false, true])
  func int32(compress: Bool) throws {
    try roundTrip(Self.int32Specials, compress: compress) { UInt64(UInt32(bitPattern: $0)) }
  }

  @Test("int64 round trip keeps min and max", arguments: [false, true])
  func int64(compress: Bool) throws {
    try roundTrip(Self.int64Specials, compress: compress) { UInt64(bitPattern: $0) }
  }

  @Test("default compression: arrays of 4096+ values are compressed, smaller ones are not")
  func defaultCompression() throws {
    try withHDF5Scratch { scratch throws in
      let zeros = [Float](repeating: 0, count: 100_000)
      let plain = scratch.file("plain.h5")
      let automatic = scratch.file("automatic.h5")
      try HDF5File.write(to: plain) {
        try $0.writeDataset("z", zeros, shape: [100, 1000], compress: false)
      }
      try HDF5File.write(to: automatic) { try $0.writeDataset("z", zeros, shape: [100, 1000]) }
      let plainSize = try scratch.bytes(plain).count
      let automaticSize = try scratch.bytes(automatic).count
      #expect(plainSize > 400_000)
      #expect(automaticSize < plainSize / 10)
      let read = try HDF5File.open(automatic).root.readDataset("z", as: Float.self)
      #expect(read.values == zeros)
    }
  }

  @Test("a compressed dataset larger than one chunk reads back exactly")
  func multiChunk() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("big.h5")
      let values = (0..<(600 * 501)).map { Float($0 % 9973) * 0.25 - 17 }
      try HDF5File.write(to: path) {
        try $0.writeDataset("big", values, shape: [600, 501], compress: true)
      }
      let read = try HDF5File.open(path).root.readDataset("big", as: Float.self)
      #expect(read.shape == [600, 501])
      #expect(read.values == values)
    }
  }

  @Test("datasets with a zero-length dimension round trip", arguments: [[0], [3, 0], [0, 2, 2]])
  func empty(shape: [Int]) throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("empty.h5")
      try HDF5File.write(to: path) {
        try $0.writeDataset("e", [Double](), shape: shape, compress: true)
      }
      let read = try HDF5File.open(path).root.readDataset("e", as: Double.self)
      #expect(read.shape == shape)
      #expect(read.values.isEmpty)
    }
  }

  @Test("datasets in nested groups, created through a path")
  func nestedPath() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("nested.h5")
      try HDF5File.write(to: path) { root in
        try root.writeDataset(
          "lstm/layer0/weight_ih", [Float](repeating: 0.5, count: 8), shape: [2, 4])
      }
      let root = try HDF5File.open(path).root
      let layer = try root.openGroup("lstm/layer0")
      #expect(try layer.childNames() == ["weight_ih"])
      #expect(try layer.readDataset("weight_ih", as: Float.self).shape == [2, 4])
      #expect(try root.readDataset("/lstm/layer0/weight_ih", as: Float.self).values.count == 8)
    }
  }

  @Test("write refuses a shape that does not match the values, and an existing name")
  func writeChecks() throws {
    try withHDF5Scratch { scratch throws in
      let file = try HDF5File.create(scratch.file("checks.h5"))
      let root = try file.root
      let mismatch = expectHDF5Error {
        try root.writeDataset("x", [Float](repeating: 0, count: 5), shape: [2, 3])
      }
      #expect(mismatch?.messages.first == "dataset /x: shape [2, 3] does not hold 5 values")
      #expect(mismatch?.object == "/x")
      let negative = expectHDF5Error { try root.writeDataset("x", [Float](), shape: [-1, 0]) }
      #expect(negative != nil)
      let scalar = expectHDF5Error { try root.writeDataset("x", [Float](), shape: []) }
      #expect(scalar?.messages.first == "dataset /x: shape [] does not hold 0 values")
      try root.writeDataset("x", [Int32(1)], shape: [1])
      let duplicate = expectHDF5Error { try root.writeDataset("x", [Int32(2)], shape: [1]) }
      #expect(duplicate?.messages.first == "/x already exists")
      #expect(try root.readDataset("x", as: Int32.self).values == [1])
      try file.close()
    }
  }
}
