extension GRUCell {
  /// Backpropagation through time for one GRU layer.
  ///
  /// Per step (`gradientStep`), with `dh` the injected gradient plus the recurrent one:
  ///
  ///     dn = dh (1 - z),  dz = dh (h_prev - n),  dA_n = dn (1 - n^2),
  ///     dA_r = dA_n (W_hn h_prev + b_hn) r (1 - r),  dA_z = dz z (1 - z),
  ///     dh_prev = dh z + dGh W_hh
  ///
  /// where the input half's gradient is `dGi = [dA_r, dA_z, dA_n]` and the recurrent half's is
  /// `dGh = [dA_r, dA_z, r dA_n]` (the reset gate scales `W_hn h + b_hn`). The weight
  /// gradients are one GEMM each after the sweep (`LayerGradients(inputGates:...)`).
  /// - Parameter hiddenGradient: `dL/dh_t` from outside the recurrence, time-major `[T, B, H]`:
  ///   the layer above, the head, and any distillation loss, already summed.
  static func backward<S: EngineScalar>(
    trace: LayerTrace<S>, shape: LayerShape, weights: LayerWeights<S>, hiddenGradient: [S],
    needInputGradient: Bool
  ) -> LayerGradients<S> {
    let (B, T, H, G) = (shape.batch, shape.length, shape.hidden, shape.gateWidth)
    precondition(hiddenGradient.count == shape.rows * H, "GRU backward: gradient size mismatch")
    precondition(trace.gates.count == shape.rows * G && trace.states.count == shape.rows * H)
    // Every entry of both is written below.
    var inputGradient: [S] = Kernels.uninitialized(shape.rows * G)
    var recurrentGradient: [S] = Kernels.uninitialized(shape.rows * G)
    var hiddenCarry = [S](repeating: 0, count: B * H)  // dL/dh_t through step t + 1
    let useBLAS = H > smallHiddenLimit
    weights.weightHH.withUnsafeBufferPointer { w in
      inputGradient.withUnsafeMutableBufferPointer { dip in
        recurrentGradient.withUnsafeMutableBufferPointer { drp in
          hiddenCarry.withUnsafeMutableBufferPointer { dcp in
            let (dGi, dGh, carry) = (dip.baseAddress!, drp.baseAddress!, dcp.baseAddress!)
            let wp = w.baseAddress!
            for t in stride(from: T - 1, through: 0, by: -1) {
              gradientStep(
                t, trace: trace, shape: shape, hiddenGradient: hiddenGradient,
                inputGates: dGi, recurrentGates: dGh, carry: carry)
              guard t > 0 else { break }
              // carry = dh_t z_t now; add dGh_t [B, 3H] x W_hh [3H, H].
              let dGht = UnsafePointer(dGh + t * B * G)
              if useBLAS {
                S._gemm(
                  transA: false, transB: false, m: B, n: H, k: G,
                  alpha: 1, a: dGht, lda: G, b: wp, ldb: H, beta: 1, c: carry, ldc: H)
              } else {
                Kernels.smallMatMulAdd(rows: B, inner: G, cols: H, a: dGht, b: wp, out: carry)
              }
            }
          }
        }
      }
    }
    return LayerGradients(
      inputGates: inputGradient, recurrentGates: recurrentGradient, trace: trace, shape: shape,
      weights: weights, needInputGradient: needInputGradient)
  }

  /// The elementwise part of step `t` for every series: writes the step's rows of both gate
  /// gradients, and replaces `carry` (`dL/dh_t` through step `t + 1`, `[B, H]`) by the direct
  /// part of `dL/dh_{t-1}`, `dh z`.
  @inline(__always)
  private static func gradientStep<S: EngineScalar>(
    _ t: Int, trace: LayerTrace<S>, shape: LayerShape, hiddenGradient: [S],
    inputGates dGi: UnsafeMutablePointer<S>, recurrentGates dGh: UnsafeMutablePointer<S>,
    carry: UnsafeMutablePointer<S>
  ) {
    let (B, H, G) = (shape.batch, shape.hidden, shape.gateWidth)
    trace.gates.withUnsafeBufferPointer { gp in
      trace.states.withUnsafeBufferPointer { np in
        trace.hidden.withUnsafeBufferPointer { hp in
          hiddenGradient.withUnsafeBufferPointer { dhp in
            let (gates, newGate, hidden) = (gp.baseAddress!, np.baseAddress!, hp.baseAddress!)
            let dHidden = dhp.baseAddress!
            for b in 0..<B {
              let (gateRow, offset) = ((t * B + b) * G, (t * B + b) * H)
              let dCarry = carry + b * H
              forEachLaneChunk(H) { j, n in
                let r = (gates + gateRow + j).lanes(n)
                let z = (gates + gateRow + H + j).lanes(n)
                let candidate = (gates + gateRow + 2 * H + j).lanes(n)
                let hiddenN = (newGate + offset + j).lanes(n)
                let previous = t > 0 ? (hidden + offset - B * H + j).lanes(n) : Lanes<S>()
                let dh = (dHidden + offset + j).lanes(n) + (dCarry + j).lanes(n)
                let dn = dh * (1 - z) * (1 - candidate * candidate)
                let dr = dn * hiddenN * r * (1 - r)
                let dz = dh * (previous - candidate) * z * (1 - z)
                (dGi + gateRow + j).store(dr, n)
                (dGi + gateRow + H + j).store(dz, n)
                (dGi + gateRow + 2 * H + j).store(dn, n)
                (dGh + gateRow + j).store(dr, n)
                (dGh + gateRow + H + j).store(dz, n)
                (dGh + gateRow + 2 * H + j).store(dn * r, n)
                (dCarry + j).store(dh * z, n)
              }
            }
          }
        }
      }
    }
  }
}
