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
    let pass = run(input: input, shape: shape, weights: weights, keep: .everything)
    return LayerTrace(
      input: input, gates: pass.gates, states: pass.cells, stateActivations: pass.cellTanh,
      hidden: pass.hidden)
  }

  /// What `run` keeps of a layer's pass.
  enum ForwardKeeps {
    /// Every step's activated gates, cell, `tanh(c)` and `h`: what backward needs.
    case everything
    /// Every step's `h` `[T, B, H]` only (a layer feeding another, for inference).
    case hiddenSequence
    /// The last step's `h` `[B, H]` only (the last layer, for inference).
    case lastHidden
  }

  /// The forward pass of `forward` and of large-H inference (`inferenceForward`): the same
  /// GEMMs with the same shapes and the same update, so the hidden states are the same to the
  /// bit whatever it keeps. Without `.everything` the cell lives in two alternating slots and
  /// no gates or `tanh(c)` are stored back: a teacher's `predict_proba` no longer writes and
  /// re-reads `[T, B, 6H]` it never uses.
  static func run<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>, keep: ForwardKeeps
  ) -> (gates: [S], cells: [S], cellTanh: [S], hidden: [S]) {
    let (weightIH, weightHH) = (weights.weightIH, weights.weightHH)
    let (B, T, H, G) = (shape.batch, shape.length, shape.hidden, shape.gateWidth)
    precondition(input.count == shape.rows * shape.inputSize, "LSTM layer: input size mismatch")
    // Pre-activations start as the summed biases, then get every step's input projection.
    var gates: [S] = Kernels.uninitialized(shape.rows * G)
    Kernels.fillRows(&gates, rows: shape.rows, with: weights.biasSum)
    Kernels.gemm(
      transB: true, m: shape.rows, n: G, k: shape.inputSize,
      a: input, lda: shape.inputSize, b: weightIH, ldb: shape.inputSize,
      beta: 1, c: &gates, ldc: G)

    // Step `t`'s slot in each buffer: every step, or two alternating ones.
    let keepsAll = keep == .everything
    let hiddenSlots = keep == .lastHidden ? 2 : T
    let cellSlots = keepsAll ? T : 2
    // Separate buffers (`var b = a` would share one, and the first write would copy it).
    var cells: [S] = Kernels.uninitialized(cellSlots * B * H)
    var cellTanh: [S] = Kernels.uninitialized(keepsAll ? shape.rows * H : 0)
    var hidden: [S] = Kernels.uninitialized(hiddenSlots * B * H)
    let useBLAS = H > smallHiddenLimit
    // The small kernel wants W_hh^T `[H, 4H]` so its inner loop runs over contiguous gates.
    let recurrentWeight = useBLAS ? weightHH : Kernels.transpose(weightHH, rows: G, cols: H)

    recurrentWeight.withUnsafeBufferPointer { w in
      gates.withUnsafeMutableBufferPointer { gp in
        cells.withUnsafeMutableBufferPointer { cp in
          cellTanh.withUnsafeMutableBufferPointer { tp in
            hidden.withUnsafeMutableBufferPointer { hp in
              let g = gp.baseAddress!, c = cp.baseAddress!
              let tc = keepsAll ? tp.baseAddress : nil  // an empty array may have an address
              let h = hp.baseAddress!, wp = w.baseAddress!
              for t in 0..<T {
                let gt = g + t * B * G
                let (cellRow, hiddenRow) = ((t % cellSlots) * B * H, (t % hiddenSlots) * B * H)
                if t > 0 {
                  let previous = UnsafePointer(h + ((t - 1) % hiddenSlots) * B * H)
                  if useBLAS {
                    S._gemm(
                      transA: false, transB: true, m: B, n: G, k: H,
                      alpha: 1, a: previous, lda: H, b: wp, ldb: H, beta: 1, c: gt, ldc: G)
                  } else {
                    Kernels.smallMatMulAdd(
                      rows: B, inner: H, cols: G, a: previous, b: wp, out: gt)
                  }
                }
                let previousCellRow = ((t + cellSlots - 1) % cellSlots) * B * H
                for b in 0..<B {
                  update(
                    gates: gt + b * G, hidden: H, keepGates: keepsAll,
                    previousCell: t > 0 ? UnsafePointer(c + previousCellRow + b * H) : nil,
                    cell: c + cellRow + b * H, cellTanh: tc.map { $0 + t * B * H + b * H },
                    output: h + hiddenRow + b * H)
                }
              }
            }
          }
        }
      }
    }
    if keep == .lastHidden {
      let last = ((T - 1) % hiddenSlots) * B * H
      hidden = Array(hidden[last..<(last + B * H)])
    }
    return (gates, cells, cellTanh, hidden)
  }
}
