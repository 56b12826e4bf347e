extension LSTMCell {
  /// Time steps whose input projections `inferenceForward` computes in one GEMM.
  static let inferenceTimeBlock = 16

  /// One small-H LSTM layer (`H <= smallHiddenLimit`) over a batch, for inference only: the
  /// hidden states and nothing the backward pass needs.
  ///
  /// Why not `forward`: it keeps every step's gates, cell and `tanh(c)` for backward,
  /// `[T, B, 6H]` written and re-read several times; for the 1 x 8 student on 114 series x 100
  /// steps that is 1.5 MB of gates per chunk, past the L2 cache, and memory traffic bounded
  /// `predict_proba`. Here the gates of a block of 16 steps live in a `[16, B, 4H]` buffer that
  /// stays in cache, and the cell state is updated in place.
  ///
  /// Bit-identical to `forward`'s hidden states (tested): the same bias sums, the same
  /// input-projection GEMM per element (one call per block of steps instead of one for all; each
  /// element sums over the `D` inputs in the same order), the same recurrent kernel and the same
  /// update.
  /// - Parameters:
  ///   - input: time-major `[T, B, D]`.
  ///   - keepSequence: return `[T, B, H]` (a layer feeding another); false returns the last
  ///     step's `[B, H]` only.
  static func inferenceForward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>, keepSequence: Bool
  ) -> [S] {
    let (B, T, H, G, D) = (
      shape.batch, shape.length, shape.hidden, shape.gateWidth, shape.inputSize
    )
    precondition(H <= smallHiddenLimit, "LSTM inference kernel: H = \(H) is not small")
    precondition(input.count == shape.rows * D && T > 0, "LSTM layer: input size mismatch")
    let block = min(inferenceTimeBlock, T)
    let biasSum = (0..<G).map { weights.biasIH[$0] + weights.biasHH[$0] }
    let recurrentWeight = Kernels.transpose(weights.weightHH, rows: G, cols: H)
    var gates: [S] = Kernels.uninitialized(block * B * G)
    var cell: [S] = Kernels.uninitialized(B * H)
    // The whole sequence, or two alternating steps.
    var hidden: [S] = Kernels.uninitialized((keepSequence ? T : 2) * B * H)
    let slot = { (t: Int) in (keepSequence ? t : t % 2) * B * H }
    for first in stride(from: 0, to: T, by: block) {
      let steps = min(block, T - first)
      gates.withUnsafeMutableBufferPointer { g in
        for row in 0..<(steps * B) {
          for j in 0..<G { g[row * G + j] = biasSum[j] }
        }
      }
      Kernels.gemm(
        transB: true, m: steps * B, n: G, k: D, a: input, aOffset: first * B * D, lda: D,
        b: weights.weightIH, ldb: D, beta: 1, c: &gates, ldc: G)
      recurrentWeight.withUnsafeBufferPointer { w in
        gates.withUnsafeMutableBufferPointer { gp in
          cell.withUnsafeMutableBufferPointer { cp in
            hidden.withUnsafeMutableBufferPointer { hp in
              let (g, c, h, wp) = (
                gp.baseAddress!, cp.baseAddress!, hp.baseAddress!, w.baseAddress!
              )
              for t in first..<(first + steps) {
                let gt = g + (t - first) * B * G
                if t > 0 {
                  Kernels.smallMatMulAdd(
                    rows: B, inner: H, cols: G, a: h + slot(t - 1), b: wp, out: gt)
                }
                for b in 0..<B {
                  update(
                    gates: gt + b * G, hidden: H, keepGates: false,
                    previousCell: t > 0 ? UnsafePointer(c + b * H) : nil, cell: c + b * H,
                    cellTanh: nil, output: h + slot(t) + b * H)
                }
              }
            }
          }
        }
      }
    }
    return keepSequence ? hidden : Array(hidden[slot(T - 1)..<(slot(T - 1) + B * H)])
  }
}
