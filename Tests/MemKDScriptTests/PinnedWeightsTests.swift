import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Weights pinned from commit 624f886, before the options, cell and trainer refactors: the same
/// commands must keep giving the same float32 bits (the refactors were meant to change no
/// result). Regenerate only when a change is meant to alter training, and say so in its commit.
///
/// Pinned by running, with 624f886's binary (whose `--seeds` is today's `--inits`):
/// `train-teacher --dataset ItalyPowerDemand --data-root data --length 24 --hidden 6 --layers 2
/// --seeds 1 --epochs 3 --seed 3 --out teacher.h5`, then `distill --teacher teacher.h5 ...
/// --method M --beta 1 --seeds 1 --epochs 3 --out-dir M` for vid, memkd and fitnet (VID and FitNet
/// train regressors beside the student), and reading `head.bias` and the first three values of
/// `lstm.weight_hh_l0` with h5py.
@Suite("Pinned weights", .serialized)
struct PinnedWeightsTests {
  /// `head.bias` (2 values) then `lstm.weight_hh_l0[0, 0..<3]`, as float32 bit patterns.
  static let pinned: [String: [UInt32]] = [
    "teacher": [0x3e00_05ed, 0x3e2a_7fb8, 0x3e08_c2f4, 0x3e4e_a8aa, 0xbea8_9b2e],
    "vid": [0x3e52_0c8a, 0x3db5_ef9d, 0x3e5a_48d8, 0x3e30_4956, 0x3f4f_9c50],
    "memkd": [0x3e25_0845, 0x3e07_fc10, 0x3eb9_9db7, 0xbecf_ccfe, 0x3e5d_d179],
    "fitnet": [0x3e6a_3441, 0x3d85_a02c, 0x3c92_bf7a, 0xbbaa_1518, 0x3f4e_d930],
  ]

  static func bits(of file: String) throws -> [UInt32] {
    let parameters = try ModelCheckpoint.read(from: file).parameters
    let names = parameters.names
    let headBias = try #require(names.firstIndex(of: "head.bias"))
    let recurrent = try #require(names.firstIndex(of: "lstm.weight_hh_l0"))
    return (parameters.tensors[headBias] + parameters.tensors[recurrent].prefix(3)).map(
      \.bitPattern)
  }

  @Test("a teacher and VID, MemKD and FitNet students keep 624f886's weights bit for bit")
  func sameBitsAsBefore() throws {
    let directory = try TestFiles.temporaryDirectory()
    let data = EndToEndTests.shippedData
    let teacher = directory.appendingPathComponent("teacher.h5").path
    let trained = try ProcessOutput.run(
      EndToEndTests.binary,
      [
        "train-teacher", "--dataset", "ItalyPowerDemand", "--data-root", data, "--length", "24",
        "--hidden", "6", "--layers", "2", "--inits", "1", "--epochs", "3", "--seed", "3",
        "--out", teacher, "--quiet",
      ])
    #expect(trained.status == 0, "\(trained.stderr)")
    #expect(try Self.bits(of: teacher) == Self.pinned["teacher"])
    for method in ["vid", "memkd", "fitnet"] {
      let out = directory.appendingPathComponent(method).path
      let distilled = try ProcessOutput.run(
        EndToEndTests.binary,
        [
          "distill", "--teacher", teacher, "--dataset", "ItalyPowerDemand", "--data-root", data,
          "--method", method, "--beta", "1", "--seeds", "1", "--epochs", "3", "--out-dir", out,
          "--quiet",
        ])
      #expect(distilled.status == 0, "\(method): \(distilled.stderr)")
      let student = "\(out)/\(method)-beta1.0-seed0.h5"
      #expect(try Self.bits(of: student) == Self.pinned[method], "\(method)")
    }
  }
}
