extension RNNCell {
  /// One RNN layer over a whole batch, PyTorch semantics, zero initial state.
  /// - Parameter input: time-major `[T, B, D]`.
  /// - Returns: a trace whose only kept activation is the hidden sequence `[T, B, H]` (backward
  ///   needs `h_t` and nothing else: `dtanh = 1 - h^2`).
  static func forward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>
  ) -> LayerTrace<S> {
    LayerTrace(
      input: input, gates: [], states: [], stateActivations: [],
      hidden: run(input: input, shape: shape, weights: weights))
  }

  /// The pass behind `forward` and large-H `inferenceForward` (`RNNCell+Inference.swift`): the
  /// pre-activations of every step start as the summed biases plus the input projections (one
  /// GEMM, `[T B, D] x [D, H]`); step `t` adds `h_{t-1} W_hh^T` (BLAS for large H,
  /// `Kernels.smallMatMulAdd` for small H) and takes the tanh in place, so the buffer ends as the
  /// hidden sequence `[T, B, H]`.
  static func run<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>
  ) -> [S] {
    let (B, T, H) = (shape.batch, shape.length, shape.hidden)
    precondition(input.count == shape.rows * shape.inputSize, "RNN layer: input size mismatch")
    precondition(weights.weightHH.count == H * H && weights.biasIH.count == H)
    var hidden: [S] = Kernels.uninitialized(shape.rows * H)
    Kernels.fillRows(&hidden, rows: shape.rows, with: weights.biasSum)
    Kernels.gemm(
      transB: true, m: shape.rows, n: H, k: shape.inputSize,
      a: input, lda: shape.inputSize, b: weights.weightIH, ldb: shape.inputSize,
      beta: 1, c: &hidden, ldc: H)
    let useBLAS = H > smallHiddenLimit
    // The small kernel wants W_hh^T `[H, H]` so its inner loop runs over contiguous outputs.
    let recurrentWeight =
      useBLAS ? weights.weightHH : Kernels.transpose(weights.weightHH, rows: H, cols: H)
    recurrentWeight.withUnsafeBufferPointer { w in
      hidden.withUnsafeMutableBufferPointer { hp in
        let (h, wp) = (hp.baseAddress!, w.baseAddress!)
        for t in 0..<T {
          let step = h + t * B * H
          if t > 0 {
            let previous = UnsafePointer(step - B * H)
            if useBLAS {
              S._gemm(
                transA: false, transB: true, m: B, n: H, k: H,
                alpha: 1, a: previous, lda: H, b: wp, ldb: H, beta: 1, c: step, ldc: H)
            } else {
              Kernels.smallMatMulAdd(rows: B, inner: H, cols: H, a: previous, b: wp, out: step)
            }
          }
          update(step, count: B * H)
        }
      }
    }
    return hidden
  }
}
