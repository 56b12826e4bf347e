/// The GRU cell, PyTorch semantics (`nn.GRU`): gate blocks r, z, n along the first axis of every
/// weight and bias,
///
///     r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
///     z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
///     n = tanh(W_in x + b_in + r (W_hn h + b_hn))
///     h' = (1 - z) n + z h   (computed as n + z (h - n), as PyTorch does)
///
/// with zero initial `h`. `b_hn` sits inside the reset product (PyTorch's formula, not the
/// original paper's), so the input half `W_ih x + b_ih` and the recurrent half
/// `W_hh h + b_hh` of the pre-activations are kept apart: unlike the LSTM, the biases cannot be
/// pre-summed for the `n` block. This file holds the description and the elementwise update the
/// batch pass and the streaming step share; the kernels are in `GRUCell+Forward.swift` /
/// `+Backward.swift` / `+Streaming.swift`, the C99 text in `+C.swift`.
///
/// What a training pass keeps (`LayerTrace`): `gates` the activated r, z, n `[T, B, 3H]`,
/// `states` the recurrent half of `n`, `W_hn h_{t-1} + b_hn` `[T, B, H]` (backward needs it for
/// `dL/dr`), `hidden` `[T, B, H]`; `stateActivations` stays empty.
enum GRUCell: RecurrentCellKernel {
  static let gateCount = 3
  static let torchModule = "gru"
  static let displayName = "GRU"
  static let gateOrder = "r,z,n"
  /// `h` only.
  static let stateVectors = 1

  /// The activation of each gate block, in gate order (the `n` block's tanh takes the reset
  /// product inside, see `update`).
  static let gateActivations: [GateActivation] = [.sigmoid, .sigmoid, .tanh]

  /// The update of one series at one step, eight units at a time in registers.
  /// - Parameters:
  ///   - row: the input half `W_ih x + b_ih` `[3H]`; the activated r, z, n are stored back
  ///     when `keepGates` (backward reads them).
  ///   - recurrent: the recurrent half `W_hh h + b_hh` `[3H]` (`b_hh` alone at the first step).
  ///   - previous: `h_{t-1}` `[H]`, nil for the zero state; may equal `output` (the streaming
  ///     step updates in place: each chunk reads its units before writing them).
  ///   - newGateRecurrent: where to keep `W_hn h + b_hn` `[H]`, or nil.
  @inline(__always)
  static func update<S: EngineScalar>(
    input row: UnsafeMutablePointer<S>, recurrent: UnsafePointer<S>, hidden H: Int,
    keepGates: Bool, previous: UnsafePointer<S>?,
    newGateRecurrent: UnsafeMutablePointer<S>?, output: UnsafeMutablePointer<S>
  ) {
    @inline(__always) func chunk(_ j: Int, _ n: Int) {
      let r = S._sigmoid((row + j).lanes(n) + (recurrent + j).lanes(n))
      let z = S._sigmoid((row + H + j).lanes(n) + (recurrent + H + j).lanes(n))
      let hiddenN = (recurrent + 2 * H + j).lanes(n)
      let candidate = S._tanh((row + 2 * H + j).lanes(n) + r * hiddenN)
      if keepGates {
        (row + j).store(r, n)
        (row + H + j).store(z, n)
        (row + 2 * H + j).store(candidate, n)
      }
      newGateRecurrent.map { ($0 + j).store(hiddenN, n) }
      let h = previous.map { ($0 + j).lanes(n) } ?? Lanes<S>()
      (output + j).store(candidate + z * (h - candidate), n)
    }
    var j = 0
    while H - j >= 8 {
      chunk(j, 8)
      j += 8
    }
    if j < H { chunk(j, H - j) }
  }
}
