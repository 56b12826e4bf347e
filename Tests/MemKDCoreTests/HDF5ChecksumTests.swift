import Foundation
import MemKDCore
import Testing

/// Every dataset carries the SHA-256 of its values and every read checks it (issue 15: a flipped
/// byte in a weight or a traced logit used to load silently).
@Suite("HDF5 dataset checksums")
struct HDF5ChecksumTests {
  /// Flips the lowest bit of the first byte of the only occurrence of `values`' bytes in the file
  /// at `path` (contiguous, uncompressed storage), as a bad disk or copy would.
  func flipStoredByte<T: HDF5Scalar>(of values: [T], at path: String, element: Int) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let pattern = values.withUnsafeBytes { [UInt8]($0) }
    let starts = (0...(bytes.count - pattern.count)).filter { start in
      bytes[start..<(start + pattern.count)].elementsEqual(pattern)
    }
    try #require(starts.count == 1, "the values' bytes occur \(starts.count) times")
    bytes[starts[0] + element * MemoryLayout<T>.size] ^= 1
    try Data(bytes).write(to: URL(fileURLWithPath: path))
  }

  @Test("a flipped byte in a dataset's values is an error naming the dataset")
  func flippedByte() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("values.h5")
      let values = (0..<40).map { Float($0) * 0.37 - 3.1 }
      try HDF5File.write(to: path) { root in
        try root.createGroup("weights").writeDataset("w", values, shape: [8, 5], compress: false)
      }
      #expect(
        try HDF5File.open(path).root.openGroup("weights").readDataset("w", as: Float.self)
          .values == values)

      try flipStoredByte(of: values, at: path, element: 17)
      let error = #expect(throws: HDF5Error.self) {
        _ = try HDF5File.open(path).root.openGroup("weights").readDataset("w", as: Float.self)
      }
      let message = String(describing: error)
      #expect(message.contains(path), "\(message)")
      #expect(
        message.contains("dataset /weights/w: its values do not match their SHA-256"), "\(message)")
    }
  }

  @Test("a student checkpoint with a flipped weight byte does not load")
  func flippedCheckpointWeight() throws {
    try withHDF5Scratch { scratch throws in
      let path = scratch.file("student.h5")
      let config = ModelConfig(inputSize: 1, hiddenSize: 4, layers: 1, classes: 3)
      let checkpoint = ModelCheckpoint(
        kind: "student", parameters: .initialized(for: config, seed: 7),
        data: .init(
          dataset: "X", classLabels: ["a", "b", "c"], preprocessing: Preprocessing(),
          validationFraction: 0.2),
        training: .init(config: TrainingConfig(learningRate: 0.1), initialisations: 1))
      try checkpoint.write(to: path)
      #expect(try ModelCheckpoint.read(from: path) == checkpoint)

      try flipStoredByte(of: checkpoint.parameters.tensors[1], at: path, element: 9)
      let error = #expect(throws: HDF5Error.self) { _ = try ModelCheckpoint.read(from: path) }
      #expect(
        String(describing: error).contains(
          "/state_dict/lstm.weight_hh_l0: its values do not match their SHA-256"),
        "\(String(describing: error))")
    }
  }
}
