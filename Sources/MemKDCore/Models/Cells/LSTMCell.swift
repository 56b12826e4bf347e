/// The LSTM cell, PyTorch semantics (`nn.LSTM`): gate blocks i, f, g, o along the first axis of
/// every weight and bias,
///
///     i = sigmoid(.), f = sigmoid(.), g = tanh(.), o = sigmoid(.)   (. = W_ih x + b_ih + W_hh h + b_hh)
///     c' = f c + i g,   h' = o tanh(c')
///
/// with zero initial `h` and `c`. This file holds the description the other LSTM files share:
/// the gate activations (which the C emission reads) and the elementwise update (which the
/// batch forward pass and the streaming step both call). The batch kernels are in
/// `LSTMCell+Forward.swift` / `+Backward.swift`, the streaming step in `+Streaming.swift`, the
/// C99 text in `+C.swift`.
enum LSTMCell: RecurrentCellKernel {
  static let gateCount = 4
  static let torchModule = "lstm"
  static let displayName = "LSTM"
  static let gateOrder = "i,f,g,o"
  /// `h` and `c`.
  static let stateVectors = 2

  /// The activation of each gate block, in gate order.
  static let gateActivations: [GateActivation] = [.sigmoid, .sigmoid, .tanh, .sigmoid]

  /// The update after the pre-activations of one series at one step are in `gates` (`[4H]`):
  /// activates them, then `c = f c_prev + i g` (`c_prev` nil at the first step: zero state) and
  /// `h = o tanh(c)`, eight units at a time in registers.
  /// - Parameters:
  ///   - keepGates: store the activated gates back into `gates` (backward reads them).
  ///   - cellTanh: where to keep `tanh(c)` `[H]`, or nil.
  ///   - previousCell: may equal `cell` (the streaming step updates in place).
  @inline(__always)
  static func update<S: EngineScalar>(
    gates row: UnsafeMutablePointer<S>, hidden H: Int, keepGates: Bool,
    previousCell: UnsafePointer<S>?, cell: UnsafeMutablePointer<S>,
    cellTanh: UnsafeMutablePointer<S>?, output: UnsafeMutablePointer<S>
  ) {
    // `forEachLaneChunk`'s shape (full chunks with the constant count 8, then the tail), with
    // the body forced inline: as a closure it stayed a call per series and step (22 % of a
    // student's `predict_proba`). Same arithmetic.
    @inline(__always) func chunk(_ j: Int, _ n: Int) {
      let i = S._sigmoid((row + j).lanes(n))
      let f = S._sigmoid((row + H + j).lanes(n))
      let candidate = S._tanh((row + 2 * H + j).lanes(n))
      let o = S._sigmoid((row + 3 * H + j).lanes(n))
      if keepGates {
        (row + j).store(i, n)
        (row + H + j).store(f, n)
        (row + 2 * H + j).store(candidate, n)
        (row + 3 * H + j).store(o, n)
      }
      var cellValue = i * candidate
      if let previousCell { cellValue += f * (previousCell + j).lanes(n) }
      let activated = S._tanh(cellValue)
      (cell + j).store(cellValue, n)
      cellTanh.map { ($0 + j).store(activated, n) }
      (output + j).store(o * activated, n)
    }
    var j = 0
    while H - j >= 8 {
      chunk(j, 8)
      j += 8
    }
    if j < H { chunk(j, H - j) }
  }
}
