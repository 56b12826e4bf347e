extension LayerGradients {
  /// A layer's parameter and input gradients from its pre-activation gradients, after the
  /// backward sweep: one GEMM per weight matrix, column sums for the biases.
  ///
  /// Why two gate gradients: a pre-activation that is a plain sum `W_ih x + b_ih + W_hh h + b_hh`
  /// has one gradient for both halves (the RNN, and the LSTM, which keeps its own copy of this
  /// tail), but the GRU's `n` block reads its recurrent half through the reset gate,
  /// `n = tanh(W_in x + b_in + r (W_hn h + b_hn))`, so the two halves' gradients differ there.
  /// - Parameters:
  ///   - inputGates: `dL/d(W_ih x_t + b_ih)`, time-major `[T, B, G H]`.
  ///   - recurrentGates: `dL/d(W_hh h_{t-1} + b_hh)` `[T, B, G H]`; nil when it equals
  ///     `inputGates`.
  ///   - trace: the forward pass (its input `[T, B, D]` and hidden sequence `[T, B, H]`).
  ///   - needInputGradient: also compute `dL/dx` `[T, B, D]` (else `input` is empty).
  init(
    inputGates: [S], recurrentGates: [S]?, trace: LayerTrace<S>, shape: LayerShape,
    weights: LayerWeights<S>, needInputGradient: Bool
  ) {
    let (B, T, H, G, D) = (
      shape.batch, shape.length, shape.hidden, shape.gateWidth, shape.inputSize
    )
    let recurrent = recurrentGates ?? inputGates
    precondition(inputGates.count == shape.rows * G && recurrent.count == shape.rows * G)
    var weightIH: [S] = Kernels.uninitialized(G * D)
    var weightHH: [S] = Kernels.uninitialized(G * H)
    // dW_ih [G H, D] = dGi^T [G H, T B] x X [T B, D]
    Kernels.gemm(
      transA: true, m: G, n: D, k: shape.rows, a: inputGates, lda: G,
      b: trace.input, ldb: D, c: &weightIH, ldc: D)
    // dW_hh [G H, H] = dGh[1:]^T x h[:-1] (h_{-1} = 0 contributes nothing)
    Kernels.gemm(
      transA: true, m: G, n: H, k: (T - 1) * B, a: recurrent, aOffset: B * G, lda: G,
      b: trace.hidden, ldb: H, c: &weightHH, ldc: H)
    let biasIH = Self.columnSums(inputGates, rows: shape.rows, columns: G)
    let biasHH =
      recurrentGates == nil ? biasIH : Self.columnSums(recurrent, rows: shape.rows, columns: G)
    var input: [S] = []
    if needInputGradient {
      // dX [T B, D] = dGi [T B, G H] x W_ih [G H, D]
      input = Kernels.uninitialized(shape.rows * D)
      Kernels.gemm(
        m: shape.rows, n: D, k: G, a: inputGates, lda: G, b: weights.weightIH, ldb: D,
        c: &input, ldc: D)
    }
    self.init(
      weightIH: weightIH, weightHH: weightHH, biasIH: biasIH, biasHH: biasHH, input: input)
  }

  /// Sums of the columns of `matrix` `[rows, columns]`: `[columns]`.
  private static func columnSums(_ matrix: [S], rows: Int, columns: Int) -> [S] {
    var sums = [S](repeating: 0, count: columns)
    matrix.withUnsafeBufferPointer { m in
      sums.withUnsafeMutableBufferPointer { s in
        for row in 0..<rows {
          for j in 0..<columns { s[j] += m[row * columns + j] }
        }
      }
    }
    return sums
  }
}
