extension RNNCell {
  /// `W_ih^T [D_k, H]`, `W_hh^T [H, H]` (outputs contiguous for the inner loops) and
  /// `b_ih + b_hh [H]` (summed in Float, as the batch engine does).
  static func streamingBlocks(_ weights: LayerWeights<Float>, inputSize: Int) -> [[Float]] {
    let H = weights.biasIH.count
    return [
      Kernels.transpose(weights.weightIH, rows: H, cols: inputSize),
      Kernels.transpose(weights.weightHH, rows: H, cols: H),
      weights.biasSum,
    ]
  }

  /// The pre-activations `[H]` (`h` is read by every sum, so it cannot be overwritten before
  /// all of them are done).
  static func streamingScratch(hidden: Int) -> Int { hidden }

  /// One RNN step in place: `a = b + x W_ih^T + h W_hh^T`, then `h = tanh(a)` with the batch
  /// engine's tanh. `state` is `[h]`.
  @inline(__always)
  static func streamStep(
    input x: UnsafePointer<Float>, width: Int, state h: UnsafeMutablePointer<Float>,
    scratch a: UnsafeMutablePointer<Float>, hidden H: Int, arena: UnsafePointer<Float>,
    offsets: UnsafePointer<Int>
  ) {
    let (wi, wh, b) = (arena + offsets[0], arena + offsets[1], arena + offsets[2])
    forEachLaneChunk(H) { j, n in
      var sum = (b + j).lanes(n)
      var row = wi + j  // stepped by `H`: no overflow check per term
      for d in 0..<width {
        sum += row.lanes(n) * x[d]
        row += H
      }
      row = wh + j
      for k in 0..<H {
        sum += row.lanes(n) * h[k]
        row += H
      }
      (a + j).store(sum, n)
    }
    update(a, count: H)
    h.update(from: a, count: H)
  }
}
