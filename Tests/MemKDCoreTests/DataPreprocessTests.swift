import Foundation
import Testing

@testable import MemKDCore

@Suite("Resampling and z-normalisation")
struct DataPreprocessTests {
  @Test("resampling to the same length is the identity")
  func identity() {
    let series: [Double] = [0.3, -1.25, 7, 2.5, 1e-3]
    #expect(Preprocess.resample(series, to: 5) == series)
  }

  @Test("endpoints are kept exactly, up- and down-sampling")
  func endpoints() {
    var generator = SeededGenerator(seed: 7)
    for (n, length) in [(24, 100), (750, 100), (2, 100), (100, 2), (3, 1000)] {
      let series = (0..<n).map { _ in generator.uniform(-3.0, 3.0) }
      let out = Preprocess.resample(series, to: length)
      #expect(out.count == length)
      #expect(out.first == series.first)
      #expect(out.last == series.last)
    }
  }

  @Test("known values for small cases")
  func knownValues() {
    #expect(Preprocess.resample([0, 10, 20], to: 5) == [0, 5, 10, 15, 20])
    #expect(Preprocess.resample([1, 3], to: 3) == [1, 2, 3])
    #expect(Preprocess.resample([0, 1, 0, 1], to: 7) == [0, 0.5, 1, 0.5, 0, 0.5, 1])
    #expect(Preprocess.resample([0, 1, 2, 3, 4], to: 3) == [0, 2, 4])
    // positions 0, 4/3, 8/3, 4 on [0, 3, 6, 9, 12] (a line) -> 0, 4, 8, 12
    let line = Preprocess.resample([0, 3, 6, 9, 12], to: 4)
    for (value, expected) in zip(line, [0.0, 4, 8, 12]) {
      #expect(abs(value - expected) < 1e-12)
    }
  }

  @Test("a single value gives a constant series; length 1 keeps the first value")
  func degenerateLengths() {
    #expect(Preprocess.resample([7], to: 4) == [7, 7, 7, 7])
    #expect(Preprocess.resample([7], to: 1) == [7])
    #expect(Preprocess.resample([2, 9, 4], to: 1) == [2])
    #expect(Preprocess.resample([2, 9, 4], to: 0) == [])
  }

  @Test("z-normalised series have mean 0 and population std 1")
  func zNormalizeMoments() {
    var generator = SeededGenerator(seed: 11)
    let series = (0..<100).map { _ in generator.uniform(-5.0, 20.0) }
    let out = Preprocess.zNormalize(series)
    let mean = out.reduce(0, +) / Double(out.count)
    let variance = out.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(out.count)
    #expect(abs(mean) < 1e-12)
    #expect(abs(variance - 1) < 1e-12)
  }

  @Test("known z-normalised values (ddof 0)")
  func zNormalizeKnown() {
    let out = Preprocess.zNormalize([1, 2, 3, 4])
    let std = 1.25.squareRoot()
    for (value, expected) in zip(out, [-1.5 / std, -0.5 / std, 0.5 / std, 1.5 / std]) {
      #expect(abs(value - expected) < 1e-15)
    }
  }

  @Test("constant and near-constant series become zeros, not NaN")
  func zNormalizeConstant() {
    #expect(Preprocess.zNormalize([3, 3, 3]) == [0, 0, 0])
    #expect(Preprocess.zNormalize([1, 1 + 1e-12, 1]) == [0, 0, 0])
    #expect(Preprocess.zNormalize([5]) == [0])
    #expect(Preprocess.zNormalize([]) == [])
  }
}
