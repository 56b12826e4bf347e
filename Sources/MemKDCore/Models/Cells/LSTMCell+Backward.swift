extension LSTMCell {
  /// Backpropagation through time for one layer.
  ///
  /// - Parameter hiddenGradient: `dL/dh_t` from outside the recurrence, time-major `[T, B, H]`:
  ///   the layer above's input gradient, the head's gradient at the last step, and any
  ///   distillation loss's gradient at every step, already summed.
  /// The per-step work is elementwise plus the recurrent product `dG_t W_hh`; the weight
  /// gradients are one GEMM each after the sweep (`dG^T X` and `dG[1:]^T h[:-1]`).
  static func backward<S: EngineScalar>(
    trace: LayerTrace<S>, shape: LayerShape, weights: LayerWeights<S>, hiddenGradient: [S],
    needInputGradient: Bool
  ) -> LayerGradients<S> {
    let (weightIH, weightHH) = (weights.weightIH, weights.weightHH)
    let (B, T, H, G, D) = (
      shape.batch, shape.length, shape.hidden, shape.gateWidth, shape.inputSize
    )
    precondition(hiddenGradient.count == shape.rows * H, "LSTM backward: gradient size mismatch")
    var gateGradient: [S] = Kernels.uninitialized(shape.rows * G)  // every entry written below
    var recurrentGradient = [S](repeating: 0, count: B * H)  // dL/dh_{t} through h_{t} -> step t+1
    var cellGradient = [S](repeating: 0, count: B * H)  // dL/dc_{t} through c_{t} -> step t+1
    let useBLAS = H > smallHiddenLimit

    weightHH.withUnsafeBufferPointer { w in
      gateGradient.withUnsafeMutableBufferPointer { dgp in
        recurrentGradient.withUnsafeMutableBufferPointer { drp in
          cellGradient.withUnsafeMutableBufferPointer { dcp in
            trace.gates.withUnsafeBufferPointer { gp in
              trace.states.withUnsafeBufferPointer { cp in
                trace.stateActivations.withUnsafeBufferPointer { tp in
                  hiddenGradient.withUnsafeBufferPointer { dhp in
                    let dG = dgp.baseAddress!, dRec = drp.baseAddress!, dC = dcp.baseAddress!
                    let gates = gp.baseAddress!, cells = cp.baseAddress!, cellTanh = tp.baseAddress!
                    let dHidden = dhp.baseAddress!, wp = w.baseAddress!
                    for t in stride(from: T - 1, through: 0, by: -1) {
                      let dGt = dG + t * B * G
                      for b in 0..<B {
                        let gateRow = gates + (t * B + b) * G
                        let dGateRow = dGt + b * G
                        let offset = (t * B + b) * H
                        let dCell = dC + b * H, dRecurrent = dRec + b * H
                        forEachLaneChunk(H) { j, n in
                          let i = (gateRow + j).lanes(n), f = (gateRow + H + j).lanes(n)
                          let cand = (gateRow + 2 * H + j).lanes(n)
                          let o = (gateRow + 3 * H + j).lanes(n)
                          let cTanh = (cellTanh + offset + j).lanes(n)
                          let cPrevious =
                            t > 0 ? (cells + offset - B * H + j).lanes(n) : Lanes<S>()
                          let dh = (dHidden + offset + j).lanes(n) + (dRecurrent + j).lanes(n)
                          let dc = dh * o * (1 - cTanh * cTanh) + (dCell + j).lanes(n)
                          (dCell + j).store(dc * f, n)
                          (dGateRow + j).store(dc * cand * i * (1 - i), n)
                          (dGateRow + H + j).store(dc * cPrevious * f * (1 - f), n)
                          (dGateRow + 2 * H + j).store(dc * i * (1 - cand * cand), n)
                          (dGateRow + 3 * H + j).store(dh * cTanh * o * (1 - o), n)
                        }
                      }
                      guard t > 0 else { break }
                      // dL/dh_{t-1} through the recurrence: dG_t [B, 4H] x W_hh [4H, H].
                      if useBLAS {
                        S._gemm(
                          transA: false, transB: false, m: B, n: H, k: G,
                          alpha: 1, a: UnsafePointer(dGt), lda: G, b: wp, ldb: H,
                          beta: 0, c: dRec, ldc: H)
                      } else {
                        dRec.update(repeating: 0, count: B * H)
                        Kernels.smallMatMulAdd(
                          rows: B, inner: G, cols: H, a: UnsafePointer(dGt), b: wp, out: dRec)
                      }
                    }
                  }
                }
              }
            }
          }
        }
      }
    }

    var weightIHGradient: [S] = Kernels.uninitialized(G * D)
    var weightHHGradient: [S] = Kernels.uninitialized(G * H)
    var biasGradient = [S](repeating: 0, count: G)
    // dW_ih [4H, D] = dG^T [4H, T*B] x X [T*B, D]
    Kernels.gemm(
      transA: true, m: G, n: D, k: shape.rows, a: gateGradient, lda: G,
      b: trace.input, ldb: D, c: &weightIHGradient, ldc: D)
    // dW_hh [4H, H] = dG[1:]^T x h[:-1] (h_{-1} = 0 contributes nothing)
    Kernels.gemm(
      transA: true, m: G, n: H, k: (T - 1) * B, a: gateGradient, aOffset: B * G, lda: G,
      b: trace.hidden, ldb: H, c: &weightHHGradient, ldc: H)
    gateGradient.withUnsafeBufferPointer { dG in
      biasGradient.withUnsafeMutableBufferPointer { db in
        for row in 0..<shape.rows {
          for j in 0..<G { db[j] += dG[row * G + j] }
        }
      }
    }
    var inputGradient: [S] = []
    if needInputGradient {
      // dX [T*B, D] = dG [T*B, 4H] x W_ih [4H, D]
      inputGradient = Kernels.uninitialized(shape.rows * D)
      Kernels.gemm(
        m: shape.rows, n: D, k: G, a: gateGradient, lda: G, b: weightIH, ldb: D,
        c: &inputGradient, ldc: D)
    }
    // PyTorch's two bias vectors enter the pre-activation as a sum: the same gradient.
    return LayerGradients(
      weightIH: weightIHGradient, weightHH: weightHHGradient, biasIH: biasGradient,
      biasHH: biasGradient, input: inputGradient)
  }
}
