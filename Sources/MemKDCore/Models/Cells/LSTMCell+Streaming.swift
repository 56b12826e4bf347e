extension LSTMCell {
  /// `W_ih^T [D_k, 4H]`, `W_hh^T [H, 4H]` (gates contiguous for the inner loops) and
  /// `b_ih + b_hh [4H]` (summed in Float, as the batch engine does).
  static func streamingBlocks(_ weights: LayerWeights<Float>, inputSize: Int) -> [[Float]] {
    let G = weights.biasIH.count
    let H = G / gateCount
    return [
      Kernels.transpose(weights.weightIH, rows: G, cols: inputSize),
      Kernels.transpose(weights.weightHH, rows: G, cols: H),
      zip(weights.biasIH, weights.biasHH).map { $0 + $1 },
    ]
  }

  /// The pre-activations `[4H]`.
  static func streamingScratch(hidden: Int) -> Int { gateCount * hidden }

  /// One LSTM step in place: `gates = b + x W_ih^T + h W_hh^T`, then `update` (the batch
  /// engine's activations, `c = f c + i g`, `h = o tanh(c)`). `state` is `[h | c]`.
  @inline(__always)
  static func streamStep(
    input x: UnsafePointer<Float>, width: Int, state: UnsafeMutablePointer<Float>,
    scratch g: UnsafeMutablePointer<Float>, hidden H: Int, arena: UnsafePointer<Float>,
    offsets: UnsafePointer<Int>
  ) {
    let G = gateCount * H
    let (wi, wh, b) = (arena + offsets[0], arena + offsets[1], arena + offsets[2])
    let (h, c) = (state, state + H)
    forEachLaneChunk(G) { j, n in
      // Row pointers stepped by `G` rather than `k * G + j` recomputed: no overflow check per
      // term, which kept release builds with checks 1.4x slower here.
      var sum = (b + j).lanes(n)
      var row = wi + j
      for d in 0..<width {
        sum += row.lanes(n) * x[d]
        row += G
      }
      row = wh + j
      for k in 0..<H {
        sum += row.lanes(n) * h[k]
        row += G
      }
      (g + j).store(sum, n)
    }
    update(
      gates: g, hidden: H, keepGates: false, previousCell: UnsafePointer(c), cell: c,
      cellTanh: nil, output: h)
  }
}
