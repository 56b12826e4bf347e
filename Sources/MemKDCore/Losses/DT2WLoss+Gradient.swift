extension DT2WLoss {
  /// What the backward pass keeps of a batch's expected alignments `E` (one `[T, T]` matrix per
  /// sample), gathered sample by sample, so that no product of `E` with a teacher-wide
  /// `[T, Ht]` matrix is ever formed: every per-sample product here is `Hs` wide.
  ///
  /// Why: `dL/dxp_i = s (sum_j E[i][j] xp_i - sum_j E[i][j] y_j)` (`s = 2 / B`) would need
  /// `E y`, a `[T, T] x [T, Ht]` GEMM per sample (at T = 131, Ht = 100 about half of the
  /// loss's time). Chained through `xp = x W^T + bias` it needs only `E z` (`z = y W`,
  /// `[T, Hs]`) and `E^T x`:
  ///
  ///     dx     = s (U W - E z)                          U_i = (sum_j E[i][j]) xp_i
  ///     dW     = s (U^T x - y^T (E^T x))
  ///     dbias  = s (sum_i U_i - sum_j (sum_i E[i][j]) y_j)
  ///
  /// Equal to the direct form in exact arithmetic; in floating point the sums run in another
  /// order (differences at rounding level, checked against finite differences in Double).
  struct Alignment<S: EngineScalar> {
    /// `sum_j E[i][j]` per row `[B*T]`.
    var rowSums: [S]
    /// `sum_i E[i][j]` per row `[B*T]`.
    var columnSums: [S]
    /// `(E z)_i` per row `[B*T, Hs]`.
    private(set) var alignedZ: [S]
    /// `(E^T x)_j` per row `[B*T, Hs]`.
    private(set) var alignedX: [S]
    let studentWidth: Int

    init(rows: Int, studentWidth: Int) {
      rowSums = [S](repeating: 0, count: rows)
      columnSums = [S](repeating: 0, count: rows)
      alignedZ = [S](repeating: 0, count: rows * studentWidth)
      alignedX = [S](repeating: 0, count: rows * studentWidth)
      self.studentWidth = studentWidth
    }

    /// Adds sample `sample`'s `E z` and `E^T x`, its `E` being the `[T, T]` matrix at
    /// `matrixOffset` in `matrices`; `x` and `z` are `[B*T, Hs]`.
    mutating func accumulateProducts(
      _ matrices: [S], matrixOffset: Int, sample: Int, length: Int, x: [S], z: [S]
    ) {
      let (hs, offset) = (studentWidth, sample * length * studentWidth)
      Kernels.gemm(
        m: length, n: hs, k: length, a: matrices, aOffset: matrixOffset, lda: length, b: z,
        bOffset: offset, ldb: hs, c: &alignedZ, cOffset: offset, ldc: hs)
      Kernels.gemm(
        transA: true, m: length, n: hs, k: length, a: matrices, aOffset: matrixOffset,
        lda: length, b: x, bOffset: offset, ldb: hs, c: &alignedX, cOffset: offset, ldc: hs)
    }

    /// The gradients with respect to the student's hidden sequence `x [B*T, Hs]`, the
    /// projection's `weight [Ht, Hs]` and `bias [Ht]`, given the teacher `y [B*T, Ht]` and the
    /// projected student `projected [B*T, Ht]`; `scale` is `2 / B`.
    func gradients(
      x: [S], y: [S], projected: [S], weight: [S], teacherWidth ht: Int, scale: S
    ) -> (x: [S], weight: [S], bias: [S]) {
      let (rows, hs) = (rowSums.count, studentWidth)
      var u = projected
      u.withUnsafeMutableBufferPointer { buffer in
        let values = buffer.baseAddress!
        for row in 0..<rows {
          let (factor, base) = (rowSums[row], row * ht)
          for d in 0..<ht { values[base + d] *= factor }
        }
      }
      var gradientX = alignedZ
      for index in gradientX.indices { gradientX[index] *= -scale }
      Kernels.gemm(
        m: rows, n: hs, k: ht, alpha: scale, a: u, lda: ht, b: weight, ldb: hs, beta: 1,
        c: &gradientX, ldc: hs)
      var gradientWeight = [S](repeating: 0, count: ht * hs)
      Kernels.gemm(
        transA: true, m: ht, n: hs, k: rows, alpha: scale, a: u, lda: ht, b: x, ldb: hs,
        c: &gradientWeight, ldc: hs)
      Kernels.gemm(
        transA: true, m: ht, n: hs, k: rows, alpha: -scale, a: y, lda: ht, b: alignedX, ldb: hs,
        beta: 1, c: &gradientWeight, ldc: hs)
      var gradientBias = [S](repeating: 0, count: ht)
      u.withUnsafeBufferPointer { uValues in
        y.withUnsafeBufferPointer { yValues in
          gradientBias.withUnsafeMutableBufferPointer { sums in
            let (uRows, yRows, sum) = (
              uValues.baseAddress!, yValues.baseAddress!, sums.baseAddress!
            )
            for row in 0..<rows {
              let (weightOfRow, base) = (columnSums[row], row * ht)
              for d in 0..<ht { sum[d] += uRows[base + d] - weightOfRow * yRows[base + d] }
            }
          }
        }
      }
      for d in 0..<ht { gradientBias[d] *= scale }
      return (gradientX, gradientWeight, gradientBias)
    }
  }
}
