extension DT2WLoss {
  /// Soft-DTW recursions for a group of samples side by side, eight samples per SIMD vector.
  ///
  /// Layout `[i][j][lane]` (`lanes`, a multiple of 8, samples per cell): the cost `D`, then, after
  /// `backward`, the expected alignment `E = dR[n-1][n-1] / dD` in the same array; the soft-min
  /// weights of each cell's diagonal, upper and left predecessor; and two rows of `R`. The
  /// virtual border (`R[-1][-1] = 0`, `+inf` elsewhere) is handled by treating row 0 and column
  /// 0 apart. Lanes past the group's samples hold finite leftovers and are ignored.
  ///
  /// Why vectors: every cell needs two exponentials and a logarithm and waits for its left
  /// neighbour, so one libm call at a time ran at ~24 ns per cell (7.5 ms of a 32 x 100 x 100
  /// batch). Here the exponentials and the logarithm are evaluated on eight lanes at once
  /// (`exp` and `logOneToThree` below, accurate to a few ulp in Float and in Double, so the
  /// Double gradient checks test the same code), and four vectors per cell (32 samples) keep the
  /// dependency chains overlapped.
  struct SoftDTWTables<S: EngineScalar> {
    /// Samples per group: four vectors in flight cover the latency of one cell's chain.
    static var maximumLanes: Int { 32 }

    let length: Int
    let lanes: Int
    let gamma: S
    /// `D` on input to `forward`, `E` after `backward`.
    var table: [S]
    var weightDiagonal: [S]
    var weightUp: [S]
    var weightLeft: [S]
    var previousRow: [S]
    var currentRow: [S]
    let kernels = SoftMinLanes<S>()

    init(length: Int, lanes: Int, gamma: S) {
      precondition(lanes > 0 && lanes % 8 == 0, "soft-DTW: lanes must be a multiple of 8")
      self.length = length
      self.lanes = lanes
      self.gamma = gamma
      table = [S](repeating: 0, count: length * length * lanes)
      weightDiagonal = table
      weightUp = table
      weightLeft = table
      previousRow = [S](repeating: 0, count: length * lanes)
      currentRow = previousRow
    }

    /// `R[n-1][n-1]` of every lane, from the costs in `table`; fills the weights.
    mutating func forward() -> [S] {
      let (n, stride) = (length, lanes)
      let gamma = SIMD8<S>(repeating: self.gamma)
      let inverseGamma = 1 / gamma
      let kernels = self.kernels
      table.withUnsafeBufferPointer { dBuffer in
        weightDiagonal.withUnsafeMutableBufferPointer { wdBuffer in
          weightUp.withUnsafeMutableBufferPointer { wuBuffer in
            weightLeft.withUnsafeMutableBufferPointer { wlBuffer in
              let (d, wd) = (dBuffer.baseAddress!, wdBuffer.baseAddress!)
              let (wu, wl) = (wuBuffer.baseAddress!, wlBuffer.baseAddress!)
              let (zero, one) = (SIMD8<S>(repeating: 0), SIMD8<S>(repeating: 1))
              for i in 0..<n {
                previousRow.withUnsafeMutableBufferPointer { previousBuffer in
                  currentRow.withUnsafeMutableBufferPointer { currentBuffer in
                    let (above, r) = (previousBuffer.baseAddress!, currentBuffer.baseAddress!)
                    let rowBase = i * n * stride
                    for v in Swift.stride(from: 0, to: stride, by: 8) {
                      // Column 0: the only finite predecessor is R[-1][-1] = 0 or the cell above.
                      let c = rowBase + v
                      let base = i == 0 ? zero : (above + v).lanes(8)
                      (r + v).store((d + c).lanes(8) + base, 8)
                      (wd + c).store(i == 0 ? one : zero, 8)
                      (wu + c).store(i == 0 ? zero : one, 8)
                      (wl + c).store(zero, 8)
                    }
                    for j in 1..<max(n, 1) {
                      for v in Swift.stride(from: 0, to: stride, by: 8) {
                        let c = rowBase + j * stride + v
                        let left = (r + (j - 1) * stride + v).lanes(8)
                        if i == 0 {  // row 0: only the left predecessor
                          (r + j * stride + v).store((d + c).lanes(8) + left, 8)
                          (wd + c).store(zero, 8)
                          (wu + c).store(zero, 8)
                          (wl + c).store(one, 8)
                          continue
                        }
                        let diagonal = (above + (j - 1) * stride + v).lanes(8)
                        let up = (above + j * stride + v).lanes(8)
                        // Sorted without branches (min and max are exact); the smallest term's
                        // exponential is 1, so two exponentials and one logarithm per cell.
                        let low = pointwiseMin(pointwiseMin(diagonal, up), left)
                        let high = pointwiseMax(pointwiseMax(diagonal, up), left)
                        let middle = pointwiseMax(
                          pointwiseMin(diagonal, up), pointwiseMin(pointwiseMax(diagonal, up), left))
                        let eMiddle = kernels.exp((low - middle) * inverseGamma)
                        let eHigh = kernels.exp((low - high) * inverseGamma)
                        let sum = 1 + eMiddle + eHigh  // in [1, 3]
                        let value = (d + c).lanes(8) + low - gamma * kernels.logOneToThree(sum)
                        (r + j * stride + v).store(value, 8)
                        let inverseSum = 1 / sum
                        let (wMiddle, wHigh) = (eMiddle * inverseSum, eHigh * inverseSum)
                        // Back to the predecessors; tied values get equal weights either way.
                        func weight(_ x: SIMD8<S>) -> SIMD8<S> {
                          wMiddle.replacing(with: wHigh, where: x .== high)
                            .replacing(with: inverseSum, where: x .== low)
                        }
                        (wd + c).store(weight(diagonal), 8)
                        (wu + c).store(weight(up), 8)
                        (wl + c).store(weight(left), 8)
                      }
                    }
                  }
                }
                swap(&previousRow, &currentRow)
              }
            }
          }
        }
      }
      return Array(previousRow[((n - 1) * lanes)...])
    }

    /// Overwrites `table` with `E`: `E[n-1][n-1] = 1` and, backwards, `E[i][j]` = the sum over
    /// the successors `s` of `(i, j)` of `E[s]` times the weight of `(i, j)` in `s`'s soft-min
    /// (the paper's Algorithm 2, whose exponentials are these stored weights).
    mutating func backward() {
      let (n, stride) = (length, lanes)
      let rowStride = n * stride
      weightDiagonal.withUnsafeBufferPointer { wdBuffer in
        weightUp.withUnsafeBufferPointer { wuBuffer in
          weightLeft.withUnsafeBufferPointer { wlBuffer in
            table.withUnsafeMutableBufferPointer { eBuffer in
              let (wd, wu, wl) = (wdBuffer.baseAddress!, wuBuffer.baseAddress!, wlBuffer.baseAddress!)
              let e = eBuffer.baseAddress!
              for i in Swift.stride(from: n - 1, through: 0, by: -1) {
                for j in Swift.stride(from: n - 1, through: 0, by: -1) {
                  let c = i * rowStride + j * stride
                  let (below, right) = (c + rowStride, c + stride)
                  for v in Swift.stride(from: 0, to: stride, by: 8) {
                    var sum = SIMD8<S>(repeating: i == n - 1 && j == n - 1 ? 1 : 0)
                    if i < n - 1 { sum += (e + below + v).lanes(8) * (wu + below + v).lanes(8) }
                    if j < n - 1 { sum += (e + right + v).lanes(8) * (wl + right + v).lanes(8) }
                    if i < n - 1 && j < n - 1 {
                      sum += (e + below + stride + v).lanes(8) * (wd + below + stride + v).lanes(8)
                    }
                    (e + c + v).store(sum, 8)
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// `exp(x)` for `x <= 0` and `log(s)` for `s` in `[1, 3]` on eight lanes, for any
  /// `EngineScalar`: polynomial degrees follow the type's precision (Float: 7 and 5 terms,
  /// Double: 13 and 12), giving a few ulp against libm in both.
  struct SoftMinLanes<S: EngineScalar> {
    let wide = S.significandBitCount > 24
    /// Lowest argument of `exp`: below it the result is held at `exp(lowest)` (~1e-38 in Float,
    /// ~1e-304 in Double), still a normal number, which no sum or weight here can notice.
    var lowest: S { wide ? -700 : -86 }
    /// `1/k!` from the highest degree down.
    let expCoefficients: [S]
    /// `1/(2k+1)` from the highest `k` down.
    let logCoefficients: [S]
    /// `2^b` and `2^-(2^b)` for the bits `b` of `-n` in `exp`'s scaling, highest first.
    let powers: [S]
    let factors: [S]

    init() {
      let degree = S.significandBitCount > 24 ? 13 : 7
      var factorial = 1.0
      var coefficients = [1.0]
      for k in 1...degree {
        factorial *= Double(k)
        coefficients.append(1 / factorial)
      }
      expCoefficients = coefficients.reversed().map { S($0) }
      let terms = S.significandBitCount > 24 ? 12 : 5
      logCoefficients = (0..<terms).reversed().map { S(1 / Double(2 * $0 + 1)) }
      let bits = S.significandBitCount > 24 ? 10 : 7
      powers = (0..<bits).reversed().map { S(1 << $0) }
      factors = (0..<bits).reversed().map { S(sign: .plus, exponent: -S.Exponent(1 << $0), significand: 1) }
    }

    @inline(__always)
    func exp(_ input: SIMD8<S>) -> SIMD8<S> {
      let x = input.replacing(with: lowest, where: input .< lowest)
      // x = n ln 2 + r, |r| <= ln(2) / 2; ln 2 split so that n * ln2High is exact (Cody-Waite).
      let n = (x * S(1.4426950408889634)).rounded(.toNearestOrEven)
      let ln2High = wide ? S(6.93147180369123816490e-01) : S(0.693145751953125)
      let ln2Low = wide ? S(1.90821492927058770002e-10) : S(1.428606765330187045e-06)
      let r = (x - n * ln2High) - n * ln2Low
      var p = SIMD8<S>(repeating: expCoefficients[0])
      for k in 1..<expCoefficients.count { p = p * r + expCoefficients[k] }
      // Times 2^n = product of 2^-(2^b) over the set bits b of -n (n <= 0).
      var remaining = -n
      var scale = SIMD8<S>(repeating: 1)
      for b in powers.indices {
        let set = remaining .>= powers[b]
        remaining.replace(with: remaining - powers[b], where: set)
        scale.replace(with: scale * factors[b], where: set)
      }
      return p * scale
    }

    /// `log(s) = log(m) + k log 2` with `m = s / 2^k` in `[1/sqrt 2, sqrt 2]`, `k` in {0, 1},
    /// and `log(m) = 2 atanh(z) = 2 z sum_k z^(2k) / (2k+1)`, `z = (m - 1) / (m + 1)`, `|z| < 0.18`.
    @inline(__always)
    func logOneToThree(_ s: SIMD8<S>) -> SIMD8<S> {
      let halve = s .> S(1.4142135623730951)
      let m = s.replacing(with: s / 2, where: halve)
      let z = (m - 1) / (m + 1)
      let z2 = z * z
      var p = SIMD8<S>(repeating: logCoefficients[0])
      for k in 1..<logCoefficients.count { p = p * z2 + logCoefficients[k] }
      let result = 2 * z * p
      return result.replacing(with: result + S(0.69314718055994530942), where: halve)
    }
  }
}
