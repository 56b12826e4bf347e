import RealModule

/// What one LSTM layer's forward pass keeps for its backward pass. All tensors are time-major
/// (`[T, B, ...]`) so that each time step is one contiguous block.
struct LSTMLayerTrace<S: EngineScalar>: Sendable {
  /// Layer input `[T, B, D]`.
  var input: [S]
  /// Activated gates `[T, B, 4H]`: sigmoid(i), sigmoid(f), tanh(g), sigmoid(o), in that order.
  var gates: [S]
  /// Cell states `[T, B, H]`.
  var cells: [S]
  /// `tanh(c)` `[T, B, H]` (reused by backward instead of recomputed).
  var cellTanh: [S]
  /// Hidden states (the layer's output sequence) `[T, B, H]`.
  var hidden: [S]
}

/// Hidden sizes up to this use the hand-written recurrent product instead of BLAS: below it a
/// BLAS call's fixed cost exceeds the arithmetic (student H = 8; measured in interop-probe.md).
let smallHiddenLimit = 32

/// Geometry of one layer's pass over a batch.
struct LayerShape {
  let batch: Int
  let length: Int
  let inputSize: Int
  let hidden: Int
  var gateWidth: Int { 4 * hidden }
  var rows: Int { batch * length }
}

enum LSTMLayerKernels {
  /// One LSTM layer over a whole batch, PyTorch semantics, zero initial state.
  ///
  /// The input projections of all time steps are one GEMM (`[T*B, D] x [D, 4H]`); only the
  /// recurrent product `h_{t-1} W_hh^T` stays per step (BLAS for large H, a small kernel for
  /// small H).
  /// - Parameter input: time-major `[T, B, D]`.
  static func forward<S: EngineScalar>(
    input: [S], shape: LayerShape,
    weightIH: [S], weightHH: [S], biasIH: [S], biasHH: [S]
  ) -> LSTMLayerTrace<S> {
    let (B, T, H, G) = (shape.batch, shape.length, shape.hidden, shape.gateWidth)
    precondition(input.count == shape.rows * shape.inputSize, "LSTM layer: input size mismatch")
    // Pre-activations start as the summed biases, then get every step's input projection.
    var gates: [S] = Kernels.uninitialized(shape.rows * G)
    gates.withUnsafeMutableBufferPointer { g in
      for row in 0..<shape.rows {
        for j in 0..<G { g[row * G + j] = biasIH[j] + biasHH[j] }
      }
    }
    Kernels.gemm(
      transB: true, m: shape.rows, n: G, k: shape.inputSize,
      a: input, lda: shape.inputSize, b: weightIH, ldb: shape.inputSize,
      beta: 1, c: &gates, ldc: G)

    // Three separate buffers (`var b = a` would share one, and the first write would copy it).
    var cells: [S] = Kernels.uninitialized(shape.rows * H)
    var cellTanh: [S] = Kernels.uninitialized(shape.rows * H)
    var hidden: [S] = Kernels.uninitialized(shape.rows * H)
    let useBLAS = H > smallHiddenLimit
    // The small kernel wants W_hh^T `[H, 4H]` so its inner loop runs over contiguous gates.
    let recurrentWeight = useBLAS ? weightHH : Kernels.transpose(weightHH, rows: G, cols: H)

    recurrentWeight.withUnsafeBufferPointer { w in
      gates.withUnsafeMutableBufferPointer { gp in
        cells.withUnsafeMutableBufferPointer { cp in
          cellTanh.withUnsafeMutableBufferPointer { tp in
            hidden.withUnsafeMutableBufferPointer { hp in
              let g = gp.baseAddress!, c = cp.baseAddress!, tc = tp.baseAddress!
              let h = hp.baseAddress!, wp = w.baseAddress!
              for t in 0..<T {
                let gt = g + t * B * G
                if t > 0 {
                  let previous = UnsafePointer(h + (t - 1) * B * H)
                  if useBLAS {
                    S._gemm(
                      transA: false, transB: true, m: B, n: G, k: H,
                      alpha: 1, a: previous, lda: H, b: wp, ldb: H, beta: 1, c: gt, ldc: G)
                  } else {
                    Kernels.smallMatMulAdd(
                      rows: B, inner: H, cols: G, a: previous, b: wp, out: gt)
                  }
                }
                for b in 0..<B {
                  let row = gt + b * G
                  let offset = (t * B + b) * H
                  let cell = c + offset, cellT = tc + offset, hiddenRow = h + offset
                  // Activate the gates, then c = f * c_prev + i * g (c_prev = 0 at t = 0) and
                  // h = o * tanh(c), all in registers, eight units at a time.
                  forEachLaneChunk(H) { j, n in
                    let i = S._sigmoid((row + j).lanes(n))
                    let f = S._sigmoid((row + H + j).lanes(n))
                    let cand = S._tanh((row + 2 * H + j).lanes(n))
                    let o = S._sigmoid((row + 3 * H + j).lanes(n))
                    (row + j).store(i, n)
                    (row + H + j).store(f, n)
                    (row + 2 * H + j).store(cand, n)
                    (row + 3 * H + j).store(o, n)
                    var cellValue = i * cand
                    if t > 0 { cellValue += f * (cell - B * H + j).lanes(n) }
                    let cellTanh = S._tanh(cellValue)
                    (cell + j).store(cellValue, n)
                    (cellT + j).store(cellTanh, n)
                    (hiddenRow + j).store(o * cellTanh, n)
                  }
                }
              }
            }
          }
        }
      }
    }
    return LSTMLayerTrace(
      input: input, gates: gates, cells: cells, cellTanh: cellTanh, hidden: hidden)
  }
}
