/// A seeded, platform-independent random number generator (SplitMix64).
///
/// Why our own: a run must be a pure function of (data, config, seed), across machines and Swift
/// versions. `SystemRandomNumberGenerator` is not seedable, and the standard library's
/// `shuffle(using:)` / `random(in:using:)` algorithms are not promised to stay the same, so every
/// draw MemKD makes goes through the explicit helpers below.
///
/// SplitMix64 (Steele, Lea & Flood 2014) passes BigCrush and its state is one `UInt64`, which
/// makes saving and restoring it (resumable runs) trivial.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Codable {
  /// The full generator state; restoring it reproduces every later draw.
  public var state: UInt64

  public init(seed: UInt64) {
    state = seed
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A generator for an independent stream derived from this seed and a label (e.g. "init",
  /// "shuffle", "split"), so that adding draws to one stage never shifts another stage's draws.
  public static func stream(seed: UInt64, _ label: String) -> SeededGenerator {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a over the label's UTF-8 bytes
    for byte in label.utf8 {
      hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
    var mixer = SeededGenerator(seed: seed ^ hash)
    return SeededGenerator(seed: mixer.next())
  }

  /// A uniform double in [0, 1) with 53 random bits.
  public mutating func nextUnitDouble() -> Double {
    Double(next() >> 11) * 0x1.0p-53
  }

  /// A uniform value in [lower, upper) (floating point), computed in Double then rounded.
  public mutating func uniform<T: BinaryFloatingPoint>(_ lower: T, _ upper: T) -> T {
    let u = nextUnitDouble()
    return T(Double(lower) + (Double(upper) - Double(lower)) * u)
  }

  /// A uniform integer in 0..<bound (Lemire's unbiased method without division in the common
  /// case; exact and platform independent).
  public mutating func index(below bound: Int) -> Int {
    precondition(bound > 0, "index(below:) needs a positive bound")
    let range = UInt64(bound)
    var product = next().multipliedFullWidth(by: range)
    if product.low < range {
      let threshold = (0 &- range) % range
      while product.low < threshold {
        product = next().multipliedFullWidth(by: range)
      }
    }
    return Int(product.high)
  }

  /// Fisher-Yates shuffle with this generator's draws (fixed algorithm, see type docs).
  public mutating func shuffle<T>(_ values: inout [T]) {
    guard values.count > 1 else { return }
    for i in stride(from: values.count - 1, to: 0, by: -1) {
      let j = index(below: i + 1)
      if i != j { values.swapAt(i, j) }
    }
  }

  /// A random permutation of 0..<count.
  public mutating func permutation(_ count: Int) -> [Int] {
    var order = Array(0..<count)
    shuffle(&order)
    return order
  }
}
