extension LSTMCell {
  /// One LSTM layer over a whole batch, PyTorch semantics, zero initial state.
  ///
  /// The input projections of all time steps are one GEMM (`[T*B, D] x [D, 4H]`); only the
  /// recurrent product `h_{t-1} W_hh^T` stays per step (BLAS for large H, a small kernel for
  /// small H).
  /// - Parameter input: time-major `[T, B, D]`.
  static func forward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>
  ) -> LayerTrace<S> {
    let (weightIH, weightHH, biasIH, biasHH) =
      (weights.weightIH, weights.weightHH, weights.biasIH, weights.biasHH)
    let (B, T, H, G) = (shape.batch, shape.length, shape.hidden, shape.gateWidth)
    precondition(input.count == shape.rows * shape.inputSize, "LSTM layer: input size mismatch")
    // Pre-activations start as the summed biases, then get every step's input projection.
    var gates: [S] = Kernels.uninitialized(shape.rows * G)
    Kernels.fillRows(&gates, rows: shape.rows, with: (0..<G).map { biasIH[$0] + biasHH[$0] })
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
                  let offset = (t * B + b) * H
                  update(
                    gates: gt + b * G, hidden: H, keepGates: true,
                    previousCell: t > 0 ? UnsafePointer(c + offset - B * H) : nil,
                    cell: c + offset, cellTanh: tc + offset, output: h + offset)
                }
              }
            }
          }
        }
      }
    }
    return LayerTrace(
      input: input, gates: gates, states: cells, stateActivations: cellTanh, hidden: hidden)
  }
}
