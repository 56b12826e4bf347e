/// MemKD's inner loops: per-pair distances of one model's hidden sequence and the scatter of
/// their gradient. Eight-lane vectors (`Lanes`) with full chunks and a scalar tail; plain `*` and
/// `+` rather than `addProduct`, which becomes a per-lane libm `fma` call on targets without FMA.
extension MemKDLoss {
  /// One model's per-pair quantities, `[B, P]` each: `delta = ||H[b, t2] - H[b, t1]||` and, for
  /// step-norm only, `||H[b, t1]||` (else empty).
  struct Measured<S: EngineScalar> {
    var delta: [S]
    var earlyNorm: [S]
  }

  /// Measures `hidden [B, T, size]` at every pair, sample by sample (`B P size` work: the
  /// loss's only sizeable work when the teacher's distances are not precomputed).
  static func measure<S: EngineScalar>(
    _ hidden: [S], batch: Int, length: Int, size: Int, pairs: [StepPair], earlyNorms: Bool
  ) -> Measured<S> {
    let count = batch * pairs.count
    var earlyNorm = [S](repeating: 0, count: earlyNorms ? count : 0)
    let delta = [S](unsafeUninitializedCapacity: count) { deltaBuffer, initialized in
      earlyNorm.withUnsafeMutableBufferPointer { normBuffer in
        hidden.withUnsafeBufferPointer { buffer in
          guard let h = buffer.baseAddress, let out = deltaBuffer.baseAddress else { return }
          var index = 0
          for b in 0..<batch {
            let sample = h + b * length * size
            for pair in pairs {
              let early = sample + pair.first * size
              out[index] = squaredNorm(size, sample + pair.second * size, minus: early)
              if earlyNorms {
                normBuffer[index] = squaredNorm(size, early, minus: nil).squareRoot()
              }
              index += 1
            }
          }
          // The square roots in a separate, vectorised pass (`_squareRootInPlace`: a
          // per-pair `squareRoot()` is a scalar `sqrtss` plus a libm fallback branch, ~40 % of
          // this function). Correctly rounded either way, so bit-identical.
          S._squareRootInPlace(out, count: count)
        }
      }
      initialized = count
    }
    return Measured(delta: delta, earlyNorm: earlyNorm)
  }

  /// `measure` for a model whose distances were precomputed: rows `rows` of `table`. Each
  /// pair's offset is found once for the batch; the loads of a row are then independent, so the
  /// cache misses of a shuffled batch overlap instead of queueing.
  static func lookUp<S: EngineScalar>(
    _ table: TeacherPairDistances<S>, rows: [Int], pairs: [StepPair], earlyNorms: Bool
  ) -> Measured<S> {
    let length = table.length
    precondition(
      pairs.allSatisfy { 0 <= $0.first && $0.first < $0.second && $0.second < length }
        && rows.allSatisfy { (0..<table.samples).contains($0) },
      "MemKD: pairs or rows outside the teacher table [\(table.samples), \(length)]")
    let offsets = pairs.map { table.offset($0.first, $0.second) }
    let perSample = TeacherPairDistances<S>.pairsPerSample(length: length)
    let count = rows.count * pairs.count
    let delta = [S](unsafeUninitializedCapacity: count) { out, initialized in
      table.distances.withUnsafeBufferPointer { distances in
        offsets.withUnsafeBufferPointer { offsets in
          var index = 0
          for row in rows {
            let base = row * perSample
            for offset in offsets {
              out[index] = distances[base + offset]
              index += 1
            }
          }
        }
      }
      initialized = count
    }
    var earlyNorm: [S] = []
    if earlyNorms {
      earlyNorm.reserveCapacity(count)
      for row in rows {
        for pair in pairs { earlyNorm.append(table.norm(sample: row, step: pair.first)) }
      }
    }
    return Measured(delta: delta, earlyNorm: earlyNorm)
  }

  /// `sum_i (a[i] - b[i])^2` (or `sum_i a[i]^2` when `b` is nil): four independent eight-lane
  /// accumulators (the add latency, not the arithmetic, bounds a single chain), then eight-lane
  /// chunks, then a scalar tail.
  @inline(__always)
  static func squaredNorm<S: EngineScalar>(
    _ size: Int, _ a: UnsafePointer<S>, minus b: UnsafePointer<S>?
  ) -> S {
    @inline(__always) func difference(_ offset: Int) -> Lanes<S> {
      guard let b else { return (a + offset).lanes(8) }
      return (a + offset).lanes(8) - (b + offset).lanes(8)
    }
    var (s0, s1, s2, s3) = (Lanes<S>(), Lanes<S>(), Lanes<S>(), Lanes<S>())
    var i = 0
    while i + 32 <= size {
      let (d0, d1, d2, d3) = (
        difference(i), difference(i + 8), difference(i + 16), difference(i + 24)
      )
      s0 += d0 * d0
      s1 += d1 * d1
      s2 += d2 * d2
      s3 += d3 * d3
      i += 32
    }
    while i + 8 <= size {
      let d = difference(i)
      s0 += d * d
      i += 8
    }
    let total = (s0 + s1) + (s2 + s3)
    let half = total.lowHalf + total.highHalf
    let quarter = half.lowHalf + half.highHalf
    var sum = quarter[0] + quarter[1]
    while i < size {
      let d = b.map { a[i] - $0[i] } ?? a[i]
      sum += d * d
      i += 1
    }
    return sum
  }

  /// Adds one sample's `dL/dH` from `coefficients[p] = (dL/d delta_p) / delta_p` (0 where
  /// `delta_p = 0`): `d delta / d H[t2] = D / delta = -d delta / d H[t1]`, so each pair adds
  /// `c_p (H[t2] - H[t1])` at `t2` and subtracts it at `t1`. The short-pair chain takes
  /// `scatterChain`.
  /// - Parameters:
  ///   - coefficients: `[P]`.
  ///   - hidden, gradient: the sample's `[T, size]`.
  @inline(__always)
  static func scatter<S: EngineScalar>(
    _ coefficients: UnsafePointer<S>, pairs: [StepPair], isChain: Bool, size: Int, length: Int,
    hidden h: UnsafePointer<S>, gradient g: UnsafeMutablePointer<S>
  ) {
    if isChain {
      scatterChain(size, length: length, coefficients: coefficients, hidden: h, gradient: g)
      return
    }
    for (p, pair) in pairs.enumerated() where coefficients[p] != 0 {
      let (early, late) = (pair.first * size, pair.second * size)
      addScaled(
        size, coefficients[p], of: h + late, minus: h + early, to: g + late,
        andSubtractFrom: g + early)
    }
  }

  /// `addScaled` for the chain of short pairs `(t, t + 1)` of one series: with
  /// `d_t = c[t] (H[t + 1] - H[t])`, `g[t] += d_{t-1} - d_t`. Each `g[t]` is read and written
  /// once, with `d_{t-1}` carried in registers: pair by pair, every pair would reload the `g[t]`
  /// the previous pair had just stored, one long store-to-load dependency chain.
  /// - Parameters:
  ///   - coefficients: `c [T - 1]`.
  ///   - hidden, gradient: `[T, size]`.
  @inline(__always)
  static func scatterChain<S: EngineScalar>(
    _ size: Int, length: Int, coefficients c: UnsafePointer<S>, hidden h: UnsafePointer<S>,
    gradient g: UnsafeMutablePointer<S>
  ) {
    guard length >= 2 else { return }
    var i = 0
    while i + 8 <= size {
      var carry = Lanes<S>()
      for t in 0..<length {
        let row = t * size + i
        var update = carry
        if t + 1 < length {
          let d = ((h + row + size).lanes(8) - (h + row).lanes(8)) * c[t]
          update = update - d
          carry = d
        }
        (g + row).store((g + row).lanes(8) + update, 8)
      }
      i += 8
    }
    while i < size {
      var carry: S = 0
      for t in 0..<length {
        let row = t * size + i
        var update = carry
        if t + 1 < length {
          let d = c[t] * (h[row + size] - h[row])
          update -= d
          carry = d
        }
        g[row] += update
      }
      i += 1
    }
  }

  /// `d = scale * (a - b)`; `plus += d`, `minus -= d` (`size` elements; eight lanes at a time so
  /// that the read-modify-writes of neighbouring pairs do not serialise element by element).
  @inline(__always)
  static func addScaled<S: EngineScalar>(
    _ size: Int, _ scale: S, of a: UnsafePointer<S>, minus b: UnsafePointer<S>,
    to plus: UnsafeMutablePointer<S>, andSubtractFrom minus: UnsafeMutablePointer<S>
  ) {
    var i = 0
    while i + 8 <= size {
      let d = ((a + i).lanes(8) - (b + i).lanes(8)) * scale
      (plus + i).store((plus + i).lanes(8) + d, 8)
      (minus + i).store((minus + i).lanes(8) - d, 8)
      i += 8
    }
    while i < size {
      let d = scale * (a[i] - b[i])
      plus[i] += d
      minus[i] -= d
      i += 1
    }
  }
}
