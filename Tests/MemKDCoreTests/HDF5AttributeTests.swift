import Foundation
import MemKDCore
import Testing

/// Attributes: every kind round trips, replacement, listing, and typed-getter errors.
@Suite("HDF5 attributes")
struct HDF5AttributeTests {
  static let unicode = "Grüße, naïve café — 日本語 🎉"

  @Test("every attribute kind round trips through a file, on the root and on a nested group")
  func roundTrip() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("attributes.h5")
      try HDF5File.write(to: path) { root in
        for group in [root, try root.createGroup("a/b")] {
          try group.setAttribute("name", Self.unicode)
          try group.setAttribute("empty", "")
          try group.setAttribute("epochs", Int.max)
          try group.setAttribute("offset", Int.min)
          try group.setAttribute("rate", 1e-3)
          try group.setAttribute("negzero", -0.0)
          try group.setAttribute("shape", [4, 8, -1])
          try group.setAttribute("none", [Int]())
          try group.setAttribute("weights", [0.5, .infinity, -2.25])
          try group.setAttribute("classes", ["cat", "chien", "猫", ""])
          try group.setAttribute("noStrings", [String]())
        }
      }
      let root = try HDF5File.open(path).root
      for group in [root, try root.openGroup("a/b")] {
        #expect(
          try group.attributeNames() == [
            "classes", "empty", "epochs", "name", "negzero", "noStrings", "none", "offset", "rate",
            "shape", "weights",
          ])
        #expect(try group.stringAttribute("name") == Self.unicode)
        #expect(try group.stringAttribute("empty") == "")
        #expect(try group.intAttribute("epochs") == Int.max)
        #expect(try group.intAttribute("offset") == Int.min)
        #expect(try group.doubleAttribute("rate") == 1e-3)
        #expect(try group.doubleAttribute("negzero").bitPattern == (-0.0).bitPattern)
        #expect(try group.intArrayAttribute("shape") == [4, 8, -1])
        #expect(try group.intArrayAttribute("none") == [])
        #expect(try group.doubleArrayAttribute("weights") == [0.5, .infinity, -2.25])
        #expect(try group.stringArrayAttribute("classes") == ["cat", "chien", "猫", ""])
        #expect(try group.stringArrayAttribute("noStrings") == [])
        #expect(group.hasAttribute("rate"))
        #expect(!group.hasAttribute("missing"))
        #expect(!group.hasAttribute(""))
      }
      #expect(try root.openGroup("a").attributeNames() == [])
    }
  }

  @Test("setting an existing attribute replaces it, even with another type")
  func replacement() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("replace.h5")
      try HDF5File.write(to: path) { root in
        try root.setAttribute("value", 1)
        try root.setAttribute("value", 2)
        #expect(try root.intAttribute("value") == 2)
        try root.setAttribute("value", "now a string ✓")
        try root.setAttribute("list", [1.0, 2.0, 3.0])
        try root.setAttribute("list", [9.0])
      }
      let root = try HDF5File.open(path).root
      #expect(try root.attributeNames() == ["list", "value"])
      #expect(try root.stringAttribute("value") == "now a string ✓")
      #expect(try root.doubleArrayAttribute("list") == [9.0])
      let old = expectHDF5Error { _ = try root.intAttribute("value") }
      #expect(old?.messages.first == "group /: attribute 'value': expected int64, found string")
    }
  }

  @Test("attributes over 64 KiB (a long JSON history) round trip and can be replaced")
  func largeAttributes() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("large.h5")
      let history = "[" + (0..<20_000).map { "{\"epoch\": \($0)}" }.joined(separator: ",") + "]"
      let losses = (0..<20_000).map { 1 / Double($0 + 1) }
      try HDF5File.write(to: path) { root in
        try root.setAttribute("history", "short")
        try root.setAttribute("history", history)
        try root.setAttribute("losses", losses)
      }
      let root = try HDF5File.open(path).root
      #expect(try root.stringAttribute("history") == history)
      #expect(try root.doubleArrayAttribute("losses") == losses)
      #expect(try root.attributeNames() == ["history", "losses"])
    }
  }

  @Test("setting an attribute in a read-only file fails and keeps the old value")
  func readOnlyFile() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("read-only.h5")
      try HDF5File.write(to: path) { try $0.setAttribute("version", [1.0, 2.0]) }
      let root = try HDF5File.open(path).root
      let error = expectHDF5Error { try root.setAttribute("version", [3.0]) }
      #expect(error?.messages.first == "group /: attribute 'version': cannot create")
      #expect((error?.messages.count ?? 0) > 1)
      #expect(try root.doubleArrayAttribute("version") == [1.0, 2.0])
      #expect(try root.attributeNames() == ["version"])
    }
  }

  @Test("scalar getters need a scalar and array getters a 1-D attribute")
  func strictShapes() throws {
    try withHDF5Scratch { scratch throws in
      let file = try HDF5File.create(scratch.file("shapes.h5"))
      let root = try file.root
      try root.setAttribute("one", [7])
      try root.setAttribute("scalar", 3.5)
      let single = expectHDF5Error { _ = try root.intAttribute("one") }
      #expect(
        single?.messages.first
          == "group /: attribute 'one': expected a single value, found shape [1]")
      let array = expectHDF5Error { _ = try root.doubleArrayAttribute("scalar") }
      #expect(
        array?.messages.first == "group /: attribute 'scalar': expected a 1-D array, found shape []"
      )
      #expect(try root.intArrayAttribute("one") == [7])
      try file.close()
    }
  }

  @Test("missing attributes, wrong types and wrong shapes are errors naming group and attribute")
  func errors() throws {
    try withHDF5Scratch { scratch throws in
      let file = try HDF5File.create(scratch.file("attribute-errors.h5"))
      let group = try file.root.createGroup("train")
      try group.setAttribute("epochs", 10)
      try group.setAttribute("rate", 0.1)
      try group.setAttribute("name", "x")
      try group.setAttribute("dims", [1, 2])
      try group.setAttribute("labels", ["a", "b"])

      let missing = expectHDF5Error { _ = try group.stringAttribute("nope") }
      #expect(missing?.messages.first == "group /train: attribute 'nope' not found")
      #expect(missing?.object == "/train")
      #expect(missing?.operation == "stringAttribute")

      let cases: [(String, () throws -> Void)] = [
        (
          "group /train: attribute 'rate': expected int64, found float64",
          { _ = try group.intAttribute("rate") }
        ),
        (
          "group /train: attribute 'epochs': expected float64, found int64",
          { _ = try group.doubleAttribute("epochs") }
        ),
        (
          "group /train: attribute 'epochs': expected string, found int64",
          { _ = try group.stringAttribute("epochs") }
        ),
        (
          "group /train: attribute 'name': expected int64, found string",
          { _ = try group.intArrayAttribute("name") }
        ),
        (
          "group /train: attribute 'labels': expected float64, found string",
          { _ = try group.doubleArrayAttribute("labels") }
        ),
        (
          "group /train: attribute 'dims': expected string, found int64",
          { _ = try group.stringArrayAttribute("dims") }
        ),
        (
          "group /train: attribute 'dims': expected a single value, found shape [2]",
          { _ = try group.intAttribute("dims") }
        ),
        (
          "group /train: attribute 'labels': expected a single value, found shape [2]",
          { _ = try group.stringAttribute("labels") }
        ),
      ]
      for (message, body) in cases {
        let error = expectHDF5Error(body)
        #expect(error?.messages.first == message)
        #expect(error?.description.contains(scratch.file("attribute-errors.h5")) == true)
      }

      let nul = expectHDF5Error { try group.setAttribute("bad", "a\u{0}b") }
      #expect(
        nul?.messages.first
          == "group /train: attribute 'bad': strings may not contain a NUL character")
      #expect(!group.hasAttribute("bad"))
      let emptyName = expectHDF5Error { try group.setAttribute("", 1) }
      #expect(emptyName?.messages.first == "group /train: invalid attribute name (empty)")
      try file.close()
    }
  }
}
