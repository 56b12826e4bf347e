import Foundation
import MemKDCore
import Testing

/// `HDF5File.write(to:)`: all or nothing, no temporary files left behind.
@Suite("HDF5 safe write")
struct HDF5SafeWriteTests {
  struct Interrupted: Error {}

  /// Names in the folder that look like leftover temporaries.
  func temporaries(_ scratch: HDF5Scratch) throws -> [String] {
    try scratch.entries().filter { $0.hasSuffix(".tmp") }
  }

  @Test("a body that throws midway leaves the previous file byte-identical and no temporary")
  func bodyThrows() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("model.h5")
      try HDF5File.write(to: path) { root in
        try root.writeDataset("w", [Float](repeating: 1, count: 10), shape: [10])
        try root.setAttribute("version", 1)
      }
      let before = try scratch.bytes(path)
      var reachedMiddle = false
      #expect(throws: Interrupted.self) {
        try HDF5File.write(to: path) { root in
          try root.writeDataset("w", [Float](repeating: 2, count: 10), shape: [10])
          reachedMiddle = true
          throw Interrupted()
        }
      }
      #expect(reachedMiddle)
      #expect(try scratch.bytes(path) == before)
      #expect(try temporaries(scratch).isEmpty)
      #expect(try scratch.entries() == ["model.h5"])
      #expect(
        try HDF5File.open(path).root.readDataset("w", as: Float.self).values.allSatisfy { $0 == 1 })
    }
  }

  @Test("an HDF5 error inside the body names the real path, and the old file survives")
  func hdf5ErrorInBody() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("model.h5")
      try HDF5File.write(to: path) { try $0.setAttribute("version", 1) }
      let before = try scratch.bytes(path)
      let error = expectHDF5Error {
        try HDF5File.write(to: path) { root in
          try root.writeDataset("w", [Int64(1)], shape: [1])
          try root.writeDataset("w", [Int64(2)], shape: [1])
        }
      }
      #expect(error?.file == path)
      #expect(hdf5FirstLine(error) == "\(path): /w already exists")
      #expect(try scratch.bytes(path) == before)
      #expect(try temporaries(scratch).isEmpty)
    }
  }

  @Test("a successful write replaces the file")
  func replaces() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("model.h5")
      try HDF5File.write(to: path) { root in
        try root.writeDataset("old", [Double](repeating: 1, count: 4), shape: [2, 2])
      }
      try HDF5File.write(to: path) { root in
        try root.writeDataset("new", [Int32](repeating: 7, count: 3), shape: [3])
        try root.setAttribute("version", 2)
      }
      let root = try HDF5File.open(path).root
      #expect(try root.childNames() == ["new"])
      #expect(try root.readDataset("new", as: Int32.self).values == [7, 7, 7])
      #expect(try root.intAttribute("version") == 2)
      #expect(try scratch.entries() == ["model.h5"])
    }
  }

  @Test("groups kept past the body are closed with the file; the file is complete")
  func escapedGroup() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("escaped.h5")
      var kept: HDF5Group?
      try HDF5File.write(to: path) { root in
        let group = try root.createGroup("g")
        try group.writeDataset("d", (0..<5000).map { Double($0) }, shape: [5000])
        kept = group
      }
      #expect(throws: HDF5Error.self) { try kept?.setAttribute("late", 1) }
      kept = nil
      let read = try HDF5File.open(path).root.openGroup("g").readDataset("d", as: Double.self)
      #expect(read.values.last == 4999)
      #expect(try temporaries(scratch).isEmpty)
    }
  }

  @Test("a missing directory is an error naming it, and nothing is created")
  func missingDirectory() throws {
    try withHDF5Scratch { scratch throws in
      let directory = scratch.file("missing")
      let error = expectHDF5Error { try HDF5File.write(to: directory + "/model.h5") { _ in } }
      #expect(error?.operation == "create")
      #expect(
        hdf5FirstLine(error) == "\(directory)/model.h5: directory \(directory) does not exist")
      #expect(try scratch.entries().isEmpty)
    }
  }

  @Test("an unwritable directory (mode 0o500) is an error naming it", .enabled(if: getuid() != 0))
  func unwritableDirectory() throws {
    try withHDF5Scratch { scratch throws in
      let directory = scratch.file("locked")
      try FileManager.default.createDirectory(
        atPath: directory, withIntermediateDirectories: false,
        attributes: [.posixPermissions: 0o500])
      defer {
        try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
      }
      let error = expectHDF5Error { try HDF5File.write(to: directory + "/model.h5") { _ in } }
      #expect(error?.operation == "create")
      #expect(error?.messages.first == "directory \(directory) is not writable")
    }
  }
}
