import Foundation
import MemKDCore
import Testing

/// Groups: nesting, lookup by path, listing, and the errors for missing or wrong objects.
@Suite("HDF5 groups")
struct HDF5GroupTests {
  @Test("nested groups, paths, contains and sorted childNames")
  func nesting() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("groups.h5")
      try HDF5File.write(to: path) { root in
        #expect(root.path == "/")
        #expect(root.file.hasSuffix(".tmp"))
        let deep = try root.createGroup("model/lstm/layer1")
        #expect(deep.path == "/model/lstm/layer1")
        let layer0 = try root.openGroup("model/lstm").createGroup("layer0")
        #expect(layer0.path == "/model/lstm/layer0")
        try root.createGroup("zeta")
        try root.createGroup("Alpha")
        try root.createGroup("beta")
        try root.writeDataset("model/scale", [1.0], shape: [])
      }
      let file = try HDF5File.open(path)
      let root = try file.root
      #expect(try root.childNames() == ["Alpha", "beta", "model", "zeta"])
      let model = try root.openGroup("model")
      #expect(model.file == path)
      #expect(try model.childNames() == ["lstm", "scale"])
      #expect(try root.openGroup("/model/lstm").childNames() == ["layer0", "layer1"])
      #expect(try root.openGroup("model/lstm/layer1").childNames() == [])
      #expect(try model.openGroup("/zeta").path == "/zeta")
      #expect(try model.openGroup("lstm//layer0/").path == "/model/lstm/layer0")

      #expect(root.contains("model/lstm/layer0"))
      #expect(root.contains("/model/scale"))
      #expect(model.contains("lstm"))
      #expect(root.contains("/"))
      #expect(!root.contains("model/lstm/layer2"))
      #expect(!root.contains("missing/deeper/still"))
      #expect(!root.contains("model/scale/inside"))
      #expect(!root.contains(""))
      #expect(!root.contains("a\u{0}b"))
      try file.close()
    }
  }

  @Test("non-ASCII group names")
  func unicodeNames() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("unicode.h5")
      try HDF5File.write(to: path) { root in
        try root.createGroup("données/über")
      }
      let root = try HDF5File.open(path).root
      #expect(try root.childNames() == ["données"])
      #expect(try root.openGroup("données").childNames() == ["über"])
    }
  }

  @Test("missing groups, existing names and objects of the wrong kind are errors naming the path")
  func errors() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("errors.h5")
      try HDF5File.write(to: path) { root in
        let weights = try root.createGroup("weights")
        try weights.writeDataset("W", [Float](repeating: 1, count: 6), shape: [2, 3])
        let again = expectHDF5Error { try root.createGroup("weights") }
        #expect(again?.messages.first == "/weights already exists")
        let empty = expectHDF5Error { try root.createGroup("/") }
        #expect(empty?.operation == "createGroup")
      }
      let root = try HDF5File.open(path).root
      let missing = expectHDF5Error { _ = try root.openGroup("weights/layer9") }
      #expect(missing?.object == "/weights/layer9")
      #expect(missing?.operation == "openGroup")
      #expect(hdf5FirstLine(missing) == "\(path): group /weights/layer9 not found")

      let notGroup = expectHDF5Error { _ = try root.openGroup("weights/W") }
      #expect(notGroup?.messages.first == "/weights/W is a dataset, not a group")
      let notDataset = expectHDF5Error { _ = try root.readDataset("weights", as: Float.self) }
      #expect(notDataset?.messages.first == "/weights is a group, not a dataset")
      let readOnly = expectHDF5Error { try root.createGroup("new") }
      #expect(readOnly?.operation == "H5Gcreate2")
      #expect((readOnly?.messages.count ?? 0) > 1, "HDF5's stack is attached")
    }
  }

  @Test("a group used after its file was closed throws instead of crashing")
  func useAfterClose() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("closed.h5")
      try HDF5File.write(to: path) { try $0.createGroup("g").setAttribute("n", 1) }
      let file = try HDF5File.open(path)
      let group = try file.root.openGroup("g")
      try file.close()
      try file.close()  // a second close does nothing
      #expect(throws: HDF5Error.self) { try group.intAttribute("n") }
      #expect(throws: HDF5Error.self) { try group.childNames() }
      #expect(throws: HDF5Error.self) { try file.root }
      #expect(!group.contains("anything"))
    }
  }

  @Test("two opens of one file are independent: closing one leaves the other's groups working")
  func twoOpens() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("two.h5")
      try HDF5File.write(to: path) { try $0.createGroup("g").setAttribute("n", 1) }
      let first = try HDF5File.open(path)
      let second = try HDF5File.open(path)
      let firstGroup = try first.root.openGroup("g")
      let secondGroup = try second.root.openGroup("g")
      try first.close()
      #expect(throws: HDF5Error.self) { try firstGroup.intAttribute("n") }
      #expect(try secondGroup.intAttribute("n") == 1)
      #expect(try second.root.childNames() == ["g"])
      try second.close()
    }
  }
}
