/// The few dense kernels the engine needs, over Swift arrays with explicit offsets.
///
/// Pointers exist only inside these functions; shapes are checked against the array sizes before
/// any pointer arithmetic (a wrong shape traps with a message instead of corrupting memory).
enum Kernels {
  /// Row-major GEMM on arrays: `C[m, n] (at cOffset) = alpha * op(A) op(B) + beta * C`.
  /// See `EngineScalar._gemm` for the layout of `op(A)` / `op(B)`.
  static func gemm<S: EngineScalar>(
    transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
    alpha: S = 1, a: [S], aOffset: Int = 0, lda: Int,
    b: [S], bOffset: Int = 0, ldb: Int,
    beta: S = 0, c: inout [S], cOffset: Int = 0, ldc: Int
  ) {
    guard m > 0, n > 0 else { return }
    let aRows = transA ? k : m
    let aCols = transA ? m : k
    let bRows = transB ? n : k
    let bCols = transB ? k : n
    precondition(aCols <= lda && bCols <= ldb && n <= ldc, "gemm: leading dimension too small")
    precondition(aRows == 0 || aOffset + (aRows - 1) * lda + aCols <= a.count, "gemm: A too small")
    precondition(bRows == 0 || bOffset + (bRows - 1) * ldb + bCols <= b.count, "gemm: B too small")
    precondition(cOffset + (m - 1) * ldc + n <= c.count, "gemm: C too small")
    if k == 0 {
      // No products: C = beta C, and beta == 0 overwrites (C may be uninitialised, as BLAS allows).
      for row in 0..<m {
        for col in 0..<n {
          let index = cOffset + row * ldc + col
          c[index] = beta == 0 ? 0 : c[index] * beta
        }
      }
      return
    }
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        c.withUnsafeMutableBufferPointer { cp in
          S._gemm(
            transA: transA, transB: transB, m: m, n: n, k: k,
            alpha: alpha, a: ap.baseAddress! + aOffset, lda: lda,
            b: bp.baseAddress! + bOffset, ldb: ldb,
            beta: beta, c: cp.baseAddress! + cOffset, ldc: ldc)
        }
      }
    }
  }

  /// `out[r, 0..<cols] += sum_k a[r, k] * b[k, 0..<cols]` for `a [rows, inner]`,
  /// `b [inner, cols]`, `out [rows, cols]`, all row-major and dense.
  ///
  /// Why not BLAS: the student's recurrent product is `[32, 8] x [8, 32]` per time step, where a
  /// BLAS call's fixed overhead (~1 us) is several times the arithmetic. Each 8-column chunk of
  /// an output row is accumulated in a register across `inner` (fused multiply-add with
  /// `-target-cpu haswell`) and stored once, so there is no store-to-load chain through memory.
  /// (Each output element still sums over `k` in order, so the result does not depend on the
  /// row blocking.)
  @inline(__always)
  static func smallMatMulAdd<S: EngineScalar>(
    rows: Int, inner: Int, cols: Int,
    a: UnsafePointer<S>, b: UnsafePointer<S>, out: UnsafeMutablePointer<S>
  ) {
    // Four rows at a time: four independent accumulator chains share each load of `b`, which
    // hides the FMA latency that a single chain per chunk would expose.
    var r = 0
    while r + 4 <= rows {
      let a0 = a + r * inner, a1 = a0 + inner, a2 = a1 + inner, a3 = a2 + inner
      let o0 = out + r * cols, o1 = o0 + cols, o2 = o1 + cols, o3 = o2 + cols
      forEachLaneChunk(cols) { chunk, count in
        var s0 = (o0 + chunk).lanes(count), s1 = (o1 + chunk).lanes(count)
        var s2 = (o2 + chunk).lanes(count), s3 = (o3 + chunk).lanes(count)
        var row = b + chunk  // stepped by `cols`: no overflow check per term
        for k in 0..<inner {
          let column = row.lanes(count)
          s0.addProduct(a0[k], column)
          s1.addProduct(a1[k], column)
          s2.addProduct(a2[k], column)
          s3.addProduct(a3[k], column)
          row += cols
        }
        (o0 + chunk).store(s0, count)
        (o1 + chunk).store(s1, count)
        (o2 + chunk).store(s2, count)
        (o3 + chunk).store(s3, count)
      }
      r += 4
    }
    while r < rows {
      let aRow = a + r * inner, outRow = out + r * cols
      forEachLaneChunk(cols) { chunk, count in
        var sum = (outRow + chunk).lanes(count)
        var row = b + chunk
        for k in 0..<inner {
          sum.addProduct(aRow[k], row.lanes(count))
          row += cols
        }
        (outRow + chunk).store(sum, count)
      }
      r += 1
    }
  }

  /// `rows` copies of `row` in `buffer` `[rows, row.count]`: the summed biases every
  /// pre-activation row starts from before its GEMM adds the input projection.
  ///
  /// Why a kernel: written as `g[r * G + j] = biasIH[j] + biasHH[j]` over Swift arrays, the
  /// bounds-checked fill of a teacher's `[T * B, 400]` gates took a tenth of its forward pass.
  static func fillRows<S: EngineScalar>(_ buffer: inout [S], rows: Int, with row: [S]) {
    let width = row.count
    precondition(rows >= 0 && rows * width <= buffer.count, "fillRows: buffer too small")
    buffer.withUnsafeMutableBufferPointer { destination in
      row.withUnsafeBufferPointer { source in
        guard let to = destination.baseAddress, let from = source.baseAddress else { return }
        for r in 0..<rows {
          let target = to + r * width
          for j in 0..<width { target[j] = from[j] }
        }
      }
    }
  }

  /// An array of `count` elements whose contents are unspecified: for buffers that the caller
  /// overwrites completely before reading (GEMM outputs with beta 0, per-step activations), so
  /// they are not zero-filled first. Only for trivial scalar types.
  static func uninitialized<S: EngineScalar>(_ count: Int) -> [S] {
    [S](unsafeUninitializedCapacity: count) { _, initialized in initialized = count }
  }

  /// Row-major transpose: `[rows, cols]` -> `[cols, rows]`.
  static func transpose<S>(_ matrix: [S], rows: Int, cols: Int) -> [S] {
    precondition(matrix.count == rows * cols, "transpose: \(matrix.count) != \(rows) x \(cols)")
    guard let first = matrix.first else { return [] }
    var result = [S](repeating: first, count: matrix.count)
    for r in 0..<rows {
      for c in 0..<cols { result[c * rows + r] = matrix[r * cols + c] }
    }
    return result
  }

  /// `[outer, middle, inner]` -> `[middle, outer, inner]` (batch-major <-> time-major).
  ///
  /// The result is never zero-filled first: a student's hidden sequence (`inner` = 8) is
  /// transposed on every batch and shard, and the form that filled it, then copied through
  /// bounds-checked subscripts, was ~5 % of a student MemKD epoch in a profile.
  static func swapLeadingAxes<S>(_ tensor: [S], outer: Int, middle: Int, inner: Int)
    -> [S]
  {
    precondition(tensor.count == outer * middle * inner, "swapLeadingAxes: size mismatch")
    return [S](unsafeUninitializedCapacity: tensor.count) { destination, initialized in
      tensor.withUnsafeBufferPointer { source in
        guard let from = source.baseAddress, let to = destination.baseAddress else { return }
        for o in 0..<outer {
          for m in 0..<middle {
            // An element loop: `initialize(from:count:)` calls `memmove` per 32-byte row.
            let (a, b) = (from + (o * middle + m) * inner, to + (m * outer + o) * inner)
            for i in 0..<inner { (b + i).initialize(to: a[i]) }
          }
        }
      }
      initialized = tensor.count
    }
  }

  /// `target += swapLeadingAxes(tensor, outer:, middle:, inner:)` without the intermediate
  /// array: `tensor [outer, middle, inner]` is added into `target [middle, outer, inner]`
  /// (a distillation loss's batch-major gradient into the time-major backward pass).
  static func addSwappingLeadingAxes<S: EngineScalar>(
    _ tensor: [S], into target: inout [S], outer: Int, middle: Int, inner: Int
  ) {
    precondition(
      tensor.count == outer * middle * inner && target.count == tensor.count,
      "addSwappingLeadingAxes: size mismatch")
    target.withUnsafeMutableBufferPointer { destination in
      tensor.withUnsafeBufferPointer { source in
        guard let from = source.baseAddress, let to = destination.baseAddress else { return }
        for o in 0..<outer {
          for m in 0..<middle {
            let (a, b) = (from + (o * middle + m) * inner, to + (m * outer + o) * inner)
            for i in 0..<inner { b[i] += a[i] }
          }
        }
      }
    }
  }
}
