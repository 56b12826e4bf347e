extension RNNCell {
  /// Backpropagation through time for one RNN layer.
  ///
  /// Per step, `dA_t = (dL/dh_t) (1 - h_t^2)` with `dL/dh_t` the injected gradient plus the
  /// recurrent one `dA_{t+1} W_hh`; the weight gradients are one GEMM each after the sweep
  /// (`LayerGradients(inputGates:...)`). Both biases get the same gradient (they enter as a sum).
  /// - Parameter hiddenGradient: `dL/dh_t` from outside the recurrence, time-major `[T, B, H]`:
  ///   the layer above, the head, and any distillation loss, already summed.
  static func backward<S: EngineScalar>(
    trace: LayerTrace<S>, shape: LayerShape, weights: LayerWeights<S>, hiddenGradient: [S],
    needInputGradient: Bool
  ) -> LayerGradients<S> {
    let (B, T, H) = (shape.batch, shape.length, shape.hidden)
    precondition(hiddenGradient.count == shape.rows * H, "RNN backward: gradient size mismatch")
    var preGradient: [S] = Kernels.uninitialized(shape.rows * H)  // every entry written below
    var recurrentGradient = [S](repeating: 0, count: B * H)  // dL/dh_t through step t + 1
    let useBLAS = H > smallHiddenLimit
    weights.weightHH.withUnsafeBufferPointer { w in
      preGradient.withUnsafeMutableBufferPointer { dap in
        recurrentGradient.withUnsafeMutableBufferPointer { drp in
          trace.hidden.withUnsafeBufferPointer { hp in
            hiddenGradient.withUnsafeBufferPointer { dhp in
              let (dA, dRec, h) = (dap.baseAddress!, drp.baseAddress!, hp.baseAddress!)
              let (dHidden, wp) = (dhp.baseAddress!, w.baseAddress!)
              for t in stride(from: T - 1, through: 0, by: -1) {
                let offset = t * B * H
                forEachLaneChunk(B * H) { j, n in
                  let value = (h + offset + j).lanes(n)
                  let dh = (dHidden + offset + j).lanes(n) + (dRec + j).lanes(n)
                  (dA + offset + j).store(dh * (1 - value * value), n)
                }
                guard t > 0 else { break }
                // dL/dh_{t-1} through the recurrence: dA_t [B, H] x W_hh [H, H].
                let dAt = UnsafePointer(dA + offset)
                if useBLAS {
                  S._gemm(
                    transA: false, transB: false, m: B, n: H, k: H,
                    alpha: 1, a: dAt, lda: H, b: wp, ldb: H, beta: 0, c: dRec, ldc: H)
                } else {
                  dRec.update(repeating: 0, count: B * H)
                  Kernels.smallMatMulAdd(rows: B, inner: H, cols: H, a: dAt, b: wp, out: dRec)
                }
              }
            }
          }
        }
      }
    }
    return LayerGradients(
      inputGates: preGradient, recurrentGates: nil, trace: trace, shape: shape,
      weights: weights, needInputGradient: needInputGradient)
  }
}
