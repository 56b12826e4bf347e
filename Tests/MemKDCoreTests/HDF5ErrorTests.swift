import Foundation
import MemKDCore
import Testing

/// Bad files and bad requests give `HDF5Error`s whose first line says what is wrong and where.
@Suite("HDF5 errors")
struct HDF5ErrorTests {
  /// Writes a small real checkpoint-like file.
  func writeSample(_ path: String) throws {
    try HDF5File.write(to: path) { root in
      let group = try root.createGroup("weights")
      try group.writeDataset("x", [Double](repeating: 1.5, count: 36), shape: [4, 9])
      try group.setAttribute("note", String(repeating: "padding ", count: 200))
      try root.writeDataset("big", (0..<5000).map { Float($0) }, shape: [50, 100], compress: false)
    }
  }

  @Test("a missing file")
  func missingFile() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("absent.h5")
      let error = expectHDF5Error { _ = try HDF5File.open(path) }
      #expect(hdf5FirstLine(error) == "\(path): no such file")
      #expect(error?.file == path)
      #expect(error?.object == nil)
    }
  }

  @Test("a directory, a text file and an empty file are not HDF5 files")
  func notHDF5() throws {
    try withHDF5Scratch { scratch throws in
      let text = scratch.file("notes.h5")
      try Data("epoch,loss\n1,0.5\n".utf8).write(to: URL(fileURLWithPath: text))
      let error = expectHDF5Error { _ = try HDF5File.open(text) }
      #expect(hdf5FirstLine(error) == "\(text): not an HDF5 file (or truncated)")

      let empty = scratch.file("empty.h5")
      #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
      #expect(
        hdf5FirstLine(expectHDF5Error { _ = try HDF5File.open(empty) })
          == "\(empty): not an HDF5 file (or truncated)")

      let directory = expectHDF5Error { _ = try HDF5File.open(scratch.path) }
      #expect(hdf5FirstLine(directory) == "\(scratch.path): is a directory, not an HDF5 file")
    }
  }

  @Test("a truncated HDF5 file (cut to half its size)")
  func truncated() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("cut.h5")
      try writeSample(path)
      let bytes = try scratch.bytes(path)
      #expect(bytes.count > 20_000)
      try Data(bytes.prefix(bytes.count / 2)).write(to: URL(fileURLWithPath: path))
      let error = expectHDF5Error { _ = try HDF5File.open(path) }
      #expect(hdf5FirstLine(error) == "\(path): not an HDF5 file (or truncated)")
      #expect(error?.operation == "H5Fopen")
      #expect(
        error?.messages.contains { $0.contains("truncated file") } == true,
        "HDF5's stack explains why")
      // The library is still usable afterwards.
      try writeSample(scratch.file("fine.h5"))
      #expect(try HDF5File.open(scratch.file("fine.h5")).root.childNames() == ["big", "weights"])
    }
  }

  @Test("missing dataset, missing group, wrong element type, wrong shape")
  func datasetErrors() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("sample.h5")
      try writeSample(path)
      let root = try HDF5File.open(path).root
      let weights = try root.openGroup("weights")

      let missing = expectHDF5Error { _ = try weights.readDataset("y", as: Double.self) }
      #expect(hdf5FirstLine(missing) == "\(path): dataset /weights/y not found")
      #expect(missing?.object == "/weights/y")
      let missingInfo = expectHDF5Error { _ = try root.datasetInfo("nowhere/y") }
      #expect(missingInfo?.messages.first == "dataset /nowhere/y not found")

      let group = expectHDF5Error { _ = try root.openGroup("biases") }
      #expect(hdf5FirstLine(group) == "\(path): group /biases not found")

      let type = expectHDF5Error { _ = try weights.readDataset("x", as: Float.self) }
      #expect(type?.messages == ["dataset /weights/x: expected float32, found float64"])
      #expect(type?.operation == "readDataset")
      let intType = expectHDF5Error { _ = try root.readDataset("big", as: Int32.self) }
      #expect(intType?.messages.first == "dataset /big: expected int32, found float32")

      let shape = expectHDF5Error {
        _ = try weights.readDataset("x", as: Double.self, expectedShape: [4, 8])
      }
      #expect(shape?.messages.first == "dataset /weights/x: expected shape [4, 8], found [4, 9]")
      #expect(
        try weights.readDataset("x", as: Double.self, expectedShape: [4, 9]).values.count == 36)
    }
  }

  @Test("the description lists operation, object and HDF5's stack, innermost last")
  func descriptionLayout() throws {
    let error = HDF5Error(
      operation: "H5Dread", file: "/tmp/m.h5", object: "/w",
      messages: ["cannot read dataset /w", "H5Dread: can't read data", "H5D__read: inner cause"])
    #expect(
      error.description == """
        /tmp/m.h5: cannot read dataset /w
          operation: H5Dread
          object: /w
          HDF5 error stack (innermost last):
            H5Dread: can't read data
            H5D__read: inner cause
        """)
    let bare = HDF5Error(operation: "open", file: "f.h5", object: nil, messages: [])
    #expect(bare.description == "f.h5: open failed\n  operation: open")
  }

  @Test("creating a file in a missing directory names the directory")
  func missingDirectory() throws {
    try withHDF5Scratch { scratch throws in
      let directory = scratch.file("no/such/dir")
      let error = expectHDF5Error { _ = try HDF5File.create(directory + "/x.h5") }
      #expect(error?.operation == "create")
      #expect(error?.messages.first == "directory \(directory) does not exist")
    }
  }
}
