extension GRUCell {
  /// One GRU layer over a whole batch, PyTorch semantics, zero initial state.
  ///
  /// The input halves of all time steps are one GEMM (`[T B, D] x [D, 3H]`); only the
  /// recurrent half `h_{t-1} W_hh^T + b_hh` stays per step (BLAS for large H, a small kernel
  /// for small H).
  /// - Parameter input: time-major `[T, B, D]`.
  static func forward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>
  ) -> LayerTrace<S> {
    let pass = run(input: input, shape: shape, weights: weights, keep: .everything)
    return LayerTrace(
      input: input, gates: pass.gates, states: pass.newGateRecurrent, stateActivations: [],
      hidden: pass.hidden)
  }

  /// What `run` keeps of a layer's pass.
  enum ForwardKeeps {
    /// Every step's activated gates, `W_hn h + b_hn` and `h`: what backward needs.
    case everything
    /// Every step's `h` `[T, B, H]` only (a layer feeding another, for inference).
    case hiddenSequence
    /// The last step's `h` `[B, H]` only (the last layer, for inference).
    case lastHidden
  }

  /// The pass of `forward` and large-H `inferenceForward` (`GRUCell+Inference.swift`): the
  /// same GEMMs and the same update whatever it keeps, so the hidden states are the same to the
  /// bit.
  /// - Returns: `gates` `[T, B, 3H]` (activated when `.everything`, else the input halves),
  ///   `newGateRecurrent` `[T, B, H]` (empty unless `.everything`), `hidden` as `keep` says.
  static func run<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>, keep: ForwardKeeps
  ) -> (gates: [S], newGateRecurrent: [S], hidden: [S]) {
    let (B, T, H, G) = (shape.batch, shape.length, shape.hidden, shape.gateWidth)
    precondition(input.count == shape.rows * shape.inputSize, "GRU layer: input size mismatch")
    precondition(weights.weightHH.count == G * H && weights.biasHH.count == G)
    // The input halves of every step: b_ih plus the input projection.
    var gates: [S] = Kernels.uninitialized(shape.rows * G)
    Kernels.fillRows(&gates, rows: shape.rows, with: weights.biasIH)
    Kernels.gemm(
      transB: true, m: shape.rows, n: G, k: shape.inputSize,
      a: input, lda: shape.inputSize, b: weights.weightIH, ldb: shape.inputSize,
      beta: 1, c: &gates, ldc: G)
    let keepsAll = keep == .everything
    let hiddenSlots = keep == .lastHidden ? 2 : T  // step t's h is in slot t % hiddenSlots
    var recurrent: [S] = Kernels.uninitialized(B * G)  // one step's recurrent halves
    var newGate: [S] = Kernels.uninitialized(keepsAll ? shape.rows * H : 0)
    var hidden: [S] = Kernels.uninitialized(hiddenSlots * B * H)
    let useBLAS = H > smallHiddenLimit
    // The small kernel wants W_hh^T `[H, 3H]` so its inner loop runs over contiguous gates.
    let recurrentWeight =
      useBLAS ? weights.weightHH : Kernels.transpose(weights.weightHH, rows: G, cols: H)
    recurrentWeight.withUnsafeBufferPointer { w in
      weights.biasHH.withUnsafeBufferPointer { bias in
        gates.withUnsafeMutableBufferPointer { gp in
          recurrent.withUnsafeMutableBufferPointer { rp in
            newGate.withUnsafeMutableBufferPointer { np in
              hidden.withUnsafeMutableBufferPointer { hp in
                let (g, rec, h) = (gp.baseAddress!, rp.baseAddress!, hp.baseAddress!)
                let kept = keepsAll ? np.baseAddress : nil  // an empty array may have an address
                let (wp, bp) = (w.baseAddress!, bias.baseAddress!)
                for t in 0..<T {
                  let previous =
                    t > 0 ? UnsafePointer(h + ((t - 1) % hiddenSlots) * B * H) : nil
                  for b in 0..<B { (rec + b * G).update(from: bp, count: G) }
                  if let previous {
                    if useBLAS {
                      S._gemm(
                        transA: false, transB: true, m: B, n: G, k: H,
                        alpha: 1, a: previous, lda: H, b: wp, ldb: H, beta: 1, c: rec, ldc: G)
                    } else {
                      Kernels.smallMatMulAdd(
                        rows: B, inner: H, cols: G, a: previous, b: wp, out: rec)
                    }
                  }
                  let hiddenRow = (t % hiddenSlots) * B * H
                  for b in 0..<B {
                    update(
                      input: g + (t * B + b) * G, recurrent: rec + b * G, hidden: H,
                      keepGates: keepsAll, previous: previous.map { $0 + b * H },
                      newGateRecurrent: kept.map { $0 + (t * B + b) * H },
                      output: h + hiddenRow + b * H)
                  }
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
    return (gates, newGate, hidden)
  }
}
