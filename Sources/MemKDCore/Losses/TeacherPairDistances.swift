/// Every pairwise step distance of one teacher layer, computed once per training set.
///
/// MemKD's teacher side is `delta_n(t1, t2) = ||H[n, t2] - H[n, t1]||` for the short pairs and
/// for `K` long pairs re-drawn at every batch. The teacher is frozen, so these distances never
/// change: measuring them per batch (`B (T + K) Ht` work, plus gathering `[B, T, Ht]` of hidden
/// states) was most of a student MemKD epoch. With this table a batch only looks them up.
///
/// Storage: per series the upper triangle `t1 < t2` (`T (T - 1) / 2` values) ordered by the gap
/// `t2 - t1`, then `t1`, so the short pairs of a series are its first `T - 1` values and read
/// contiguously; and the step norms `||H[n, t]||` `[N, T]` (step-norm normalisation). The distances use the
/// loss's own kernel (`MemKDLoss.squaredNorm`), so a lookup is bit-identical to measuring.
/// Tables over `maxEntries` distances are not built (`init` returns nil) and the loss measures
/// per batch instead: long series (T = 750 gives 280 000 distances per series) would need
/// gigabytes.
public struct TeacherPairDistances<S: EngineScalar>: Sendable {
  /// Series N and steps T.
  public let samples: Int
  public let length: Int
  /// The teacher layer measured (index into the trace's layers).
  public let layer: Int
  /// `[N, T (T - 1) / 2]`.
  let distances: [S]
  /// `[N, T]`.
  let norms: [S]

  /// Default size limit: 2^26 distances (256 MiB in Float).
  public static var defaultMaxEntries: Int { 1 << 26 }

  /// Distances per series.
  static func pairsPerSample(length: Int) -> Int { length * (length - 1) / 2 }

  /// Measures `hidden [N, T, size]` (teacher layer `layer`); nil when the table would hold more
  /// than `maxEntries` distances.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public init?(
    hidden: [S], samples: Int, length: Int, size: Int, layer: Int,
    maxEntries: Int = defaultMaxEntries
  ) {
    precondition(
      samples >= 0 && length >= 1 && size >= 1 && hidden.count == samples * length * size,
      "TeacherPairDistances: hidden is not [N, T, H] = [\(samples), \(length), \(size)]")
    let perSample = Self.pairsPerSample(length: length)
    guard samples * perSample <= maxEntries else { return nil }
    self.samples = samples
    self.length = length
    self.layer = layer
    var norms = [S](repeating: 0, count: samples * length)
    var distances = [S](repeating: 0, count: samples * perSample)
    hidden.withUnsafeBufferPointer { buffer in
      guard let h = buffer.baseAddress else { return }
      for n in 0..<samples {
        let sample = h + n * length * size
        var index = n * perSample
        for step in 0..<length {
          norms[n * length + step] = MemKDLoss.squaredNorm(size, sample + step * size, minus: nil)
            .squareRoot()
        }
        for gap in 1..<max(length, 1) {
          for first in 0..<(length - gap) {
            distances[index] = MemKDLoss.squaredNorm(
              size, sample + (first + gap) * size, minus: sample + first * size
            ).squareRoot()
            index += 1
          }
        }
      }
    }
    self.distances = distances
    self.norms = norms
  }

  /// Offset of pair `(first, second)`, `first < second`, inside one series' values: the
  /// `T - g'` pairs of every gap `g' < g = second - first` come first.
  @inline(__always)
  func offset(_ first: Int, _ second: Int) -> Int {
    let gap = second - first
    return (gap - 1) * length - (gap - 1) * gap / 2 + first
  }

  /// `||H[n, second] - H[n, first]||`.
  public func distance(sample: Int, _ first: Int, _ second: Int) -> S {
    precondition(
      0 <= first && first < second && second < length && (0..<samples).contains(sample),
      "TeacherPairDistances: pair (\(first), \(second)) of series \(sample) outside [\(samples), \(length)]"
    )
    return distances[sample * Self.pairsPerSample(length: length) + offset(first, second)]
  }

  /// `||H[n, step]||`.
  public func norm(sample: Int, step: Int) -> S {
    norms[sample * length + step]
  }
}

extension MemKDLoss {
  /// The teacher's pair distances of the layer MemKD reads, over the whole training set.
  public func prepare(teacherHidden: [[Float]], length: Int, hiddenSize: Int)
    -> TeacherPreparation?
  {
    let layer = teacherLayersRead(layerCount: teacherHidden.count)[0]
    guard length > 0, hiddenSize > 0 else { return nil }
    let samples = teacherHidden[layer].count / (length * hiddenSize)
    return TeacherPairDistances(
      hidden: teacherHidden[layer], samples: samples, length: length, size: hiddenSize,
      layer: layer
    ).map { TeacherPreparation(pairs: $0, layer: layer) }
  }
}
