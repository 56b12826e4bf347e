extension DT2WLoss {
  /// Soft-DTW recursions for a group of samples side by side, eight samples per SIMD vector.
  ///
  /// `storage` holds, each laid out `[i][j][lane]` (`lanes`, a multiple of 8, samples per cell):
  /// the cost `D` (region 0, filled by the caller; `backward` overwrites it with the expected
  /// alignment `E = dR[n-1][n-1] / dD`), then the soft-min weights of every cell's diagonal,
  /// upper and left predecessor, then `SoftMinLanes.skewedRows + 1` rows of `R`. The virtual
  /// border (`R[-1][-1] = 0`, `+inf` elsewhere) is handled by treating row 0 and column 0 apart.
  /// Lanes past the group's samples hold zero costs and are ignored.
  ///
  /// Why vectors: each cell needs three exponentials and a logarithm and waits for its left
  /// neighbour; with one libm call at a time that was ~24 ns per cell (7.5 ms of a
  /// 32 x 100 x 100 batch). `SoftMinLanes` evaluates them on eight lanes at once, accurate to a
  /// few ulp in Float and in Double, and the same generic code runs for both types (so the
  /// Double gradient checks test it); four vectors per cell (32 samples) keep independent
  /// dependency chains in flight.
  struct SoftDTWTables<S: EngineScalar> {
    /// Samples per group.
    static var maximumLanes: Int { 32 }

    let length: Int
    let lanes: Int
    let gamma: S
    var storage: [S]

    init(length: Int, lanes: Int, gamma: S) {
      precondition(lanes > 0 && lanes % 8 == 0, "soft-DTW: lanes must be a multiple of 8")
      self.length = length
      self.lanes = lanes
      self.gamma = gamma
      // Uninitialised: `setCosts` writes every lane of region 0 and `forward` every weight and
      // row of `R` before reading it.
      storage = Kernels.uninitialized((4 * length + SoftMinLanes.skewedRows + 1) * length * lanes)
    }

    /// Sets the costs of lanes `0..<count`: `D[i][j] = crossTerms[lane][i][j] + rowNorms[i] +
    /// columnNorms[j]` (`crossTerms = -2 x y^T` per sample, `[count, n, n]`; the norms `[count, n]`
    /// start at `normOffset`), summed in that order. Eight lanes at a time: the norms are first
    /// laid out lanes-innermost like the tables, so only the cross terms are gathered (written
    /// per scalar with overflow-checked indices, this and `alignments` were a fifth of a DT2W
    /// epoch). Padding lanes get zero costs (finite, ignored).
    mutating func setCosts(
      count: Int, crossTerms: [S], rowNorms: [S], columnNorms: [S], normOffset: Int
    ) {
      let (n, lanes) = (length, self.lanes)
      precondition(count <= lanes && crossTerms.count >= count * n * n, "soft-DTW: bad costs")
      precondition(normOffset + count * n <= min(rowNorms.count, columnNorms.count))
      let rowTerms = Self.laneMajor(rowNorms, offset: normOffset, count: count, n: n, lanes: lanes)
      let columnTerms = Self.laneMajor(
        columnNorms, offset: normOffset, count: count, n: n, lanes: lanes)
      storage.withUnsafeMutableBufferPointer { d in
        crossTerms.withUnsafeBufferPointer { g in
          rowTerms.withUnsafeBufferPointer { xNorms in
            columnTerms.withUnsafeBufferPointer { yNorms in
              let (table, cross) = (d.baseAddress!, g.baseAddress!)
              let (xs, ys, matrix) = (xNorms.baseAddress!, yNorms.baseAddress!, n * n)
              for i in 0..<n {
                for j in 0..<n {
                  for v in stride(from: 0, to: lanes, by: 8) {
                    var terms = SIMD8<S>()
                    let source = cross + v * matrix + i * n + j
                    for q in 0..<max(0, min(8, count - v)) { terms[q] = source[q * matrix] }
                    let cost = terms + (xs + i * lanes + v).lanes(8) + (ys + j * lanes + v).lanes(8)
                    (table + (i * n + j) * lanes + v).store(cost, 8)
                  }
                }
              }
            }
          }
        }
      }
    }

    /// `values[offset + lane * n + i]` as `[n][lanes]` (lanes `count..<lanes` zero).
    private static func laneMajor(_ values: [S], offset: Int, count: Int, n: Int, lanes: Int)
      -> [S]
    {
      var result = [S](repeating: 0, count: n * lanes)
      for lane in 0..<count {
        for i in 0..<n { result[i * lanes + lane] = values[offset + lane * n + i] }
      }
      return result
    }

    /// Copies `E` (after `backward`) of lanes `0..<count` into `matrices` `[count, n, n]` and
    /// adds each lane's row sums `sum_j E[i][j]` and column sums `sum_i E[i][j]` into
    /// `rowSums` / `columnSums` (`[count, n]` from `sumOffset`, zero before: each sample's rows
    /// belong to one group). Each sum runs in index order on eight lanes at a time, then lands
    /// in its slot (`0 + sum`, exactly the sum).
    func alignments(
      count: Int, into matrices: inout [S], rowSums: inout [S], columnSums: inout [S],
      sumOffset: Int
    ) {
      let (n, lanes) = (length, self.lanes)
      precondition(count <= lanes && matrices.count >= count * n * n, "soft-DTW: bad output")
      precondition(sumOffset + count * n <= min(rowSums.count, columnSums.count))
      var rowTotals = [S](repeating: 0, count: n * lanes)  // [i][lanes]
      var columnTotals = [S](repeating: 0, count: n * lanes)  // [j][lanes]
      storage.withUnsafeBufferPointer { e in
        matrices.withUnsafeMutableBufferPointer { out in
          rowTotals.withUnsafeMutableBufferPointer { rows in
            columnTotals.withUnsafeMutableBufferPointer { columns in
              let (table, matrix) = (e.baseAddress!, out.baseAddress!)
              let (rowSum, columnSum, cells) = (rows.baseAddress!, columns.baseAddress!, n * n)
              for i in 0..<n {
                for v in stride(from: 0, to: lanes, by: 8) {
                  let filled = max(0, min(8, count - v))
                  var total = SIMD8<S>()
                  for j in 0..<n {
                    let value = (table + (i * n + j) * lanes + v).lanes(8)
                    total += value
                    let column = columnSum + j * lanes + v
                    column.store(column.lanes(8) + value, 8)
                    let target = matrix + v * cells + i * n + j
                    for q in 0..<filled { target[q * cells] = value[q] }
                  }
                  (rowSum + i * lanes + v).store(total, 8)
                }
              }
            }
          }
        }
      }
      for lane in 0..<count {
        for i in 0..<n {
          rowSums[sumOffset + lane * n + i] += rowTotals[i * lanes + lane]
          columnSums[sumOffset + lane * n + i] += columnTotals[i * lanes + lane]
        }
      }
    }

    /// `R[n-1][n-1]` of every lane, from the costs in region 0; fills the weights.
    mutating func forward() -> [S] {
      guard let laneType = S.self as? any SoftDTWLaneScalar.Type else {
        preconditionFailure("soft-DTW: \(S.self) has no SoftDTWLaneScalar conformance")
      }
      let (n, lanes, gamma) = (length, self.lanes, Double(self.gamma))
      var result = [S](repeating: 0, count: lanes)
      storage.withUnsafeMutableBytes { buffer in
        result.withUnsafeMutableBytes { output in
          SoftMinLanes.forward(
            laneType, storage: buffer.baseAddress!, output: output.baseAddress!, length: n,
            lanes: lanes, gamma: gamma)
        }
      }
      return result
    }

    /// Overwrites region 0 with `E`: `E[n-1][n-1] = 1` and, backwards, `E[i][j]` = the sum over
    /// the successors `s` of `(i, j)` of `E[s]` times the weight of `(i, j)` in `s`'s soft-min
    /// (the paper's Algorithm 2; its exponentials are these stored weights).
    mutating func backward() {
      let (n, stride, cells) = (length, lanes, length * length * lanes)
      let rowStride = n * stride
      storage.withUnsafeMutableBufferPointer { buffer in
        let e = buffer.baseAddress!
        let (wd, wu, wl) = (e + cells, e + 2 * cells, e + 3 * cells)
        for i in Swift.stride(from: n - 1, through: 0, by: -1) {
          for j in Swift.stride(from: n - 1, through: 0, by: -1) {
            let c = i * rowStride + j * stride
            let (below, right, diagonal) = (c + rowStride, c + stride, c + rowStride + stride)
            for v in Swift.stride(from: 0, to: stride, by: 8) {
              var sum = SIMD8<S>(repeating: i == n - 1 && j == n - 1 ? 1 : 0)
              if i < n - 1 { sum += (e + below + v).lanes(8) * (wu + below + v).lanes(8) }
              if j < n - 1 { sum += (e + right + v).lanes(8) * (wl + right + v).lanes(8) }
              if i < n - 1 && j < n - 1 {
                sum += (e + diagonal + v).lanes(8) * (wd + diagonal + v).lanes(8)
              }
              (e + c + v).store(sum, 8)
            }
          }
        }
      }
    }
  }

  /// The soft-DTW forward pass, generic over the two engine types. `exp(x)` for `x <= 0` and
  /// `log(s)` for `s` in `[1, 3]` are computed here with arithmetic only, accurate to a few ulp
  /// in Float and in Double (measured against libm: exp 2.2e-16 relative and log 4.4e-16
  /// absolute in Double, 8.6e-8 and 2.1e-7 in Float; `log` enters `R` as an absolute term; the
  /// polynomial degrees follow the type's precision), plus the exact per-type steps of
  /// `SoftDTWLaneScalar` (min, max, 2^k): the stdlib's generic SIMD comparisons, selects and
  /// float-to-integer conversions run lane by lane through memory, slower than libm.
  enum SoftMinLanes {
    /// Type-erased entry (the storage is `[S]`, here rebound to the opened type `T == S`).
    static func forward<T: SoftDTWLaneScalar>(
      _ type: T.Type, storage: UnsafeMutableRawPointer, output: UnsafeMutableRawPointer,
      length: Int, lanes: Int, gamma: Double
    ) {
      forward(
        storage.assumingMemoryBound(to: T.self), output: output.assumingMemoryBound(to: T.self),
        length: length, lanes: lanes, gamma: T(gamma))
    }

    /// Rows of `R` computed together, each one column behind the row above it.
    static let skewedRows = 4

    /// Rows of `R` are computed `skewedRows` at a time, each one column behind the one above:
    /// cells `(i, j)`, `(i + 1, j - 1)`, ... lie on one anti-diagonal, so none waits for another.
    /// Why: a cell waits for its left neighbour's exponentials and logarithm (~100 cycles), and
    /// a shard of 16 samples has only two vectors per cell, so one row at a time left the FPU
    /// idle most of the time; every cell's arithmetic is unchanged.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    static func forward<T: SoftDTWLaneScalar>(
      _ d: UnsafeMutablePointer<T>, output: UnsafeMutablePointer<T>, length n: Int, lanes: Int,
      gamma: T
    ) {
      let cells = n * n * lanes
      let (wd, wu, wl) = (d + cells, d + 2 * cells, d + 3 * cells)
      // Rows of R: `rows[0]` is the row above the group, `rows[1...]` the group's rows.
      var rows = (0...skewedRows).map { d + 4 * cells + $0 * n * lanes }
      let inverseGamma = 1 / gamma
      let (zero, one) = (SIMD8<T>(repeating: 0), SIMD8<T>(repeating: 1))

      /// Column 0 of row `i >= 1`: the only finite predecessor is the cell above.
      @inline(__always) func firstColumn(
        _ i: Int, above: UnsafePointer<T>, row: UnsafeMutablePointer<T>
      ) {
        for v in stride(from: 0, to: lanes, by: 8) {
          let c = i * n * lanes + v
          (row + v).store((d + c).lanes(8) + (above + v).lanes(8), 8)
          (wd + c).store(zero, 8)
          (wu + c).store(one, 8)
          (wl + c).store(zero, 8)
        }
      }
      /// Cell `(i, j)`, `i, j >= 1`, from the row above and the cell to its left in `row`.
      @inline(__always) func inner(
        _ i: Int, _ j: Int, above: UnsafePointer<T>, row: UnsafeMutablePointer<T>
      ) {
        for v in stride(from: 0, to: lanes, by: 8) {
          let c = (i * n + j) * lanes + v
          let left = (row + (j - 1) * lanes + v).lanes(8)
          let diagonal = (above + (j - 1) * lanes + v).lanes(8)
          let up = (above + j * lanes + v).lanes(8)
          // softmin = low - gamma log(sum_k exp((low - x_k) / gamma)), the sum in [1, 3].
          let low = T._softDTWMin(T._softDTWMin(diagonal, up), left)
          let eDiagonal = exp((low - diagonal) * inverseGamma)
          let eUp = exp((low - up) * inverseGamma)
          let eLeft = exp((low - left) * inverseGamma)
          let sum = eDiagonal + eUp + eLeft
          (row + j * lanes + v).store((d + c).lanes(8) + low - gamma * logOneToThree(sum), 8)
          let inverseSum = 1 / sum
          (wd + c).store(eDiagonal * inverseSum, 8)
          (wu + c).store(eUp * inverseSum, 8)
          (wl + c).store(eLeft * inverseSum, 8)
        }
      }

      // Row 0: R[-1][-1] = 0 before column 0, then only the left predecessor.
      let first = rows[0]
      for j in 0..<n {
        for v in stride(from: 0, to: lanes, by: 8) {
          let c = j * lanes + v
          (first + j * lanes + v).store(
            (d + c).lanes(8) + (j == 0 ? zero : (first + (j - 1) * lanes + v).lanes(8)), 8)
          (wd + c).store(j == 0 ? one : zero, 8)
          (wu + c).store(zero, 8)
          (wl + c).store(j == 0 ? zero : one, 8)
        }
      }
      var i = 1
      while i < n {
        let group = min(skewedRows, n - i)
        for q in 0..<group { firstColumn(i + q, above: rows[q], row: rows[q + 1]) }
        // Step `j` computes column `j - q` of the group's row `q`.
        for j in 1..<(n + group - 1) {
          for q in 0..<group where j - q >= 1 && j - q < n {
            inner(i + q, j - q, above: rows[q], row: rows[q + 1])
          }
        }
        // The group's last row is the next group's row above.
        rows.swapAt(0, group)
        i += group
      }
      let last = rows[0]
      for lane in 0..<lanes { output[lane] = last[(n - 1) * lanes + lane] }
    }

    /// `exp(x)`, `x <= 0`: `x = k ln 2 + r` (Cody-Waite split of ln 2, so `r` is exact),
    /// `|r| <= ln(2) / 2`, Taylor polynomial of degree 13 (Double) or 7 (Float), times `2^k`.
    /// Arguments below -700 (Double) or -86 (Float) are raised to it: the result stays a normal
    /// number (~1e-304, ~1e-38), far below anything a sum or weight here can notice.
    @inline(__always)
    static func exp<T: SoftDTWLaneScalar>(_ x: SIMD8<T>) -> SIMD8<T> {
      let wide = T.significandBitCount > 24
      let clamped = T._softDTWMax(x, SIMD8(repeating: wide ? -700 : -86))
      let magic = T._softDTWRoundingMagic
      let shifted = clamped * T(1.44269504088896340736) + magic  // magic + round(x / ln 2)
      let k = shifted - magic
      let ln2High: T = wide ? T(6.93147180369123816490e-01) : T(0.693145751953125)
      let ln2Low: T = wide ? T(1.90821492927058770002e-10) : T(1.428606765330187045e-06)
      let r = (clamped - k * ln2High) - k * ln2Low
      var p = SIMD8<T>(repeating: wide ? 1 / 6_227_020_800 : 1 / 5_040)
      if wide {
        for factorial: Double in [479_001_600, 39_916_800, 3_628_800, 362_880, 40_320, 5_040] {
          p = p * r + T(1 / factorial)
        }
      }
      for factorial: T in [720, 120, 24, 6, 2, 1, 1] { p = p * r + 1 / factorial }
      return p * T._softDTWPowerOfTwo(shifted)
    }

    /// `log(s) = log(sqrt 3) + 2 atanh(z)` with `z = (m - 1) / (m + 1)`, `m = s / sqrt 3`, so
    /// `|z| <= 0.27` on `[1, 3]`, and `2 atanh(z) = 2 z sum_k z^(2k) / (2k + 1)` to `k = 13`
    /// (Double) or `k = 5` (Float).
    @inline(__always)
    static func logOneToThree<T: SoftDTWLaneScalar>(_ s: SIMD8<T>) -> SIMD8<T> {
      let m = s * T(0.57735026918962576451)
      let z = (m - 1) / (m + 1)
      let z2 = z * z
      let wide = T.significandBitCount > 24
      var p = SIMD8<T>(repeating: wide ? 1 / 27 : 1 / 11)
      if wide {
        for odd: T in [25, 23, 21, 19, 17, 15, 13, 11] { p = p * z2 + 1 / odd }
      }
      for odd: T in [9, 7, 5, 3, 1] { p = p * z2 + 1 / odd }
      return 2 * z * p + T(0.54930614433405484570)
    }
  }
}

/// The exact per-type SIMD steps of the soft-DTW kernel (`DT2WLoss.SoftMinLanes`). Concrete
/// code, because the generic SIMD comparison, select and bit-cast paths are not vectorised.
protocol SoftDTWLaneScalar: EngineScalar {
  static func _softDTWMin(_ a: SIMD8<Self>, _ b: SIMD8<Self>) -> SIMD8<Self>
  static func _softDTWMax(_ a: SIMD8<Self>, _ b: SIMD8<Self>) -> SIMD8<Self>
  /// `1.5 * 2^p` (`p` significand bits): `v + magic` rounds `v` to an integer `k` for
  /// `|v| < 2^(p-1)`, and its bit pattern is the magic's plus `k`.
  static var _softDTWRoundingMagic: Self { get }
  /// `2^k` from `magic + k`, for `k` in the normal exponent range.
  static func _softDTWPowerOfTwo(_ shifted: SIMD8<Self>) -> SIMD8<Self>
}

extension Float: SoftDTWLaneScalar {
  @inline(__always)
  static func _softDTWMin(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: b .< a)
  }

  @inline(__always)
  static func _softDTWMax(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> {
    a.replacing(with: b, where: b .> a)  // NaN in `a` stays
  }

  static var _softDTWRoundingMagic: Float { 12_582_912 }

  @inline(__always)
  static func _softDTWPowerOfTwo(_ shifted: SIMD8<Float>) -> SIMD8<Float> {
    let k = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
    return unsafeBitCast((k &+ 127) &<< 23, to: SIMD8<Float>.self)
  }
}

extension Double: SoftDTWLaneScalar {
  @inline(__always)
  static func _softDTWMin(_ a: SIMD8<Double>, _ b: SIMD8<Double>) -> SIMD8<Double> {
    a.replacing(with: b, where: b .< a)
  }

  @inline(__always)
  static func _softDTWMax(_ a: SIMD8<Double>, _ b: SIMD8<Double>) -> SIMD8<Double> {
    a.replacing(with: b, where: b .> a)
  }

  static var _softDTWRoundingMagic: Double { 6_755_399_441_055_744 }

  @inline(__always)
  static func _softDTWPowerOfTwo(_ shifted: SIMD8<Double>) -> SIMD8<Double> {
    let k = unsafeBitCast(shifted, to: SIMD8<Int64>.self) &- 0x4338_0000_0000_0000
    return unsafeBitCast((k &+ 1023) &<< 52, to: SIMD8<Double>.self)
  }
}
