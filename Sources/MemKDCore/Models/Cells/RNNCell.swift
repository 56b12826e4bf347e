/// The vanilla recurrent cell, PyTorch semantics (`nn.RNN(nonlinearity="tanh")`): one block of
/// `H` rows in every weight and bias,
///
///     h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
///
/// with zero initial `h`. The two biases enter only as a sum, so the pre-activations start from
/// `LayerWeights.biasSum` as the LSTM's do. The activated pre-activation is the hidden state
/// itself, so nothing but the hidden sequence is kept for backward. This file holds the
/// description and the elementwise update the batch pass and the streaming step share; the
/// kernels are in `RNNCell+Forward.swift` / `+Backward.swift` / `+Streaming.swift`, the C99 text
/// in `+C.swift`.
enum RNNCell: RecurrentCellKernel {
  static let gateCount = 1
  static let torchModule = "rnn"
  static let displayName = "RNN"
  static let gateOrder = "h"
  /// `h` only.
  static let stateVectors = 1

  /// The activation of the one block.
  static let gateActivations: [GateActivation] = [.tanh]

  /// `values[i] = tanh(values[i])` for `i < count`, eight at a time (the engine's tanh: the
  /// rational approximation in Float, libm in Double).
  /// - Parameter values: pre-activations `[count]`, any number of series and units in a row.
  @inline(__always)
  static func update<S: EngineScalar>(_ values: UnsafeMutablePointer<S>, count: Int) {
    forEachLaneChunk(count) { j, n in
      (values + j).store(S._tanh((values + j).lanes(n)), n)
    }
  }
}
