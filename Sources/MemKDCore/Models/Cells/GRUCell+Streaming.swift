extension GRUCell {
  /// `W_ih^T [D_k, 3H]`, `W_hh^T [H, 3H]` (gates contiguous for the inner loops), `b_ih [3H]`
  /// and `b_hh [3H]` (kept apart: `b_hn` is inside the reset product).
  static func streamingBlocks(_ weights: LayerWeights<Float>, inputSize: Int) -> [[Float]] {
    let G = weights.biasIH.count
    let H = G / gateCount
    return [
      Kernels.transpose(weights.weightIH, rows: G, cols: inputSize),
      Kernels.transpose(weights.weightHH, rows: G, cols: H),
      weights.biasIH,
      weights.biasHH,
    ]
  }

  /// The input and the recurrent halves `[3H]` each.
  static func streamingScratch(hidden: Int) -> Int { 2 * gateCount * hidden }

  /// One GRU step in place: the input half `b_ih + x W_ih^T` and the recurrent half
  /// `b_hh + h W_hh^T`, then `update` (the batch engine's activations and
  /// `h = n + z (h - n)`). `state` is `[h]`.
  @inline(__always)
  static func streamStep(
    input x: UnsafePointer<Float>, width: Int, state h: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, hidden H: Int, arena: UnsafePointer<Float>,
    offsets: UnsafePointer<Int>
  ) {
    let G = gateCount * H
    let (wi, wh) = (arena + offsets[0], arena + offsets[1])
    let (bi, bh) = (arena + offsets[2], arena + offsets[3])
    let (inputHalf, recurrentHalf) = (scratch, scratch + G)
    forEachLaneChunk(G) { j, n in
      // Row pointers stepped by `G`: no overflow check per term.
      var sum = (bi + j).lanes(n)
      var row = wi + j
      for d in 0..<width {
        sum += row.lanes(n) * x[d]
        row += G
      }
      (inputHalf + j).store(sum, n)
      sum = (bh + j).lanes(n)
      row = wh + j
      for k in 0..<H {
        sum += row.lanes(n) * h[k]
        row += G
      }
      (recurrentHalf + j).store(sum, n)
    }
    update(
      input: inputHalf, recurrent: recurrentHalf, hidden: H, keepGates: false,
      previous: UnsafePointer(h), newGateRecurrent: nil, output: h)
  }
}
