import Foundation
import MemKDCore
import Testing

/// The project's virtual environment interpreter (it has h5py): `<repository>/.venv/bin/python`,
/// found from this file's path (`Tests/MemKDCoreTests/<file>`).
private let interopPython = URL(fileURLWithPath: #filePath)
  .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  .appendingPathComponent(".venv/bin/python").path

/// Files must open unaided in h5py (the Python side of MemKD), and h5py's files must open here.
/// Runs only where the project's virtual environment with h5py exists.
@Suite(
  "HDF5 interop with h5py",
  .enabled(if: FileManager.default.isExecutableFile(atPath: interopPython)))
struct HDF5InteropTests {

  /// Runs `python -c script arguments...`; returns stdout, recording stderr on failure.
  func runPython(
    _ script: String, _ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: interopPython)
    process.arguments = ["-c", script] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(
      process.terminationStatus == 0, "python failed: \(String(decoding: stderr, as: UTF8.self))",
      sourceLocation: sourceLocation)
    return String(decoding: stdout, as: UTF8.self)
  }

  @Test("h5py reads a float32 [2,3] dataset, an int64 attribute and vlen strings as str")
  func h5pyReadsOurFile() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("for-python.h5")
      try HDF5File.write(to: path) { root in
        let weights = try root.createGroup("weights")
        try weights.writeDataset(
          "W", [1, -2.5, 3.25, .infinity, -0.0, 1e-7] as [Float], shape: [2, 3])
        try weights.writeDataset("big", (0..<5000).map { Double($0) }, shape: [50, 100])
        try root.setAttribute("epochs", 12)
        try root.setAttribute("name", "Grüße ✓")
        try root.setAttribute("rate", 0.001)
        try root.setAttribute("classes", ["a", "β"])
        try root.setAttribute("dims", [4, 8])
      }
      let script = """
        import sys, h5py, numpy as np
        f = h5py.File(sys.argv[1], "r")
        w = f["weights/W"]
        assert w.dtype == np.dtype("<f4"), w.dtype
        assert w.shape == (2, 3), w.shape
        expected = np.array([[1, -2.5, 3.25], [np.inf, -0.0, 1e-7]], dtype=np.float32)
        assert w[()].tobytes() == expected.tobytes(), w[()]
        big = f["weights/big"]
        assert big.compression == "gzip" and big.shuffle and big.chunks is not None, big.chunks
        assert big[()].sum() == sum(range(5000))
        e = f.attrs["epochs"]
        assert type(e) is np.int64 and e == 12, repr(e)
        n = f.attrs["name"]
        assert type(n) is str and n == "Grüße ✓", repr(n)
        assert type(f.attrs["rate"]) is np.float64 and f.attrs["rate"] == 0.001
        assert list(f.attrs["classes"]) == ["a", "β"], repr(f.attrs["classes"])
        assert f.attrs["dims"].dtype == np.dtype("<i8") and list(f.attrs["dims"]) == [4, 8]
        print("ok")
        """
      #expect(try runPython(script, [path]) == "ok\n")
    }
  }

  @Test("a file written by h5py reads here, fixed-length byte strings included")
  func weReadH5pyFile() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("from-python.h5")
      let script = """
        import sys, h5py, numpy as np
        with h5py.File(sys.argv[1], "w") as f:
            g = f.create_group("model/lstm")
            g.create_dataset("w", data=np.arange(12, dtype=np.float64).reshape(3, 4), compression="gzip")
            g.create_dataset("be", data=np.arange(6, dtype=">i4"))
            g.create_dataset("u8", data=np.arange(3, dtype=np.uint8))
            f.attrs["title"] = "naïve"
            f.attrs["fixed"] = np.bytes_(b"abc")
            f.attrs["count"] = np.int32(7)
            f.attrs["ratio"] = np.float32(0.5)
            f.attrs["names"] = ["x", "yz"]
        """
      _ = try runPython(script, [path])
      let root = try HDF5File.open(path).root
      let lstm = try root.openGroup("model/lstm")
      #expect(try lstm.childNames() == ["be", "u8", "w"])
      let w = try lstm.readDataset("w", as: Double.self, expectedShape: [3, 4])
      #expect(w.values == (0..<12).map(Double.init))
      #expect(try lstm.readDataset("be", as: Int32.self).values == [0, 1, 2, 3, 4, 5])
      let unsigned = expectHDF5Error { _ = try lstm.datasetInfo("u8") }
      #expect(
        unsigned?.messages.first
          == "dataset /model/lstm/u8: unsupported element type uint8 (HDF5 class H5T_INTEGER, 1 byte); "
          + "expected float32, float64, int32 or int64")
      #expect(try root.stringAttribute("title") == "naïve")
      #expect(try root.stringAttribute("fixed") == "abc")
      #expect(try root.intAttribute("count") == 7)
      #expect(try root.doubleAttribute("ratio") == 0.5)
      #expect(try root.stringArrayAttribute("names") == ["x", "yz"])
    }
  }
}
