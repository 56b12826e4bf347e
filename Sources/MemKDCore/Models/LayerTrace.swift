/// What one layer's forward pass keeps for its backward pass. All tensors are time-major
/// (`[T, B, ...]`) so that each time step is one contiguous block.
struct LayerTrace<S: EngineScalar>: Sendable {
  /// Layer input `[T, B, D]`.
  var input: [S]
  /// Activated gates `[T, B, G H]`, in the cell's gate order.
  var gates: [S]
  /// The cell's internal state per step `[T, B, H]`, when it has one (LSTM: `c`).
  var states: [S]
  /// A saved activation of `states` `[T, B, H]` (LSTM: `tanh(c)`, reused by backward).
  var stateActivations: [S]
  /// Hidden states (the layer's output sequence) `[T, B, H]`.
  var hidden: [S]
}

/// Gradients of one layer's parameters and input.
struct LayerGradients<S: EngineScalar> {
  /// `[G H, D]`
  var weightIH: [S]
  /// `[G H, H]`
  var weightHH: [S]
  /// `[G H]`
  var biasIH: [S]
  /// `[G H]`
  var biasHH: [S]
  /// Gradient of the layer input, time-major `[T, B, D]`; empty when not requested.
  var input: [S]
}

/// One layer's four PyTorch tensors (named access to `ModelParameters`, see `ParameterLayout`).
struct LayerWeights<S: EngineScalar> {
  /// `[G H, D_k]`
  var weightIH: [S]
  /// `[G H, H]`
  var weightHH: [S]
  /// `[G H]`
  var biasIH: [S]
  /// `[G H]`
  var biasHH: [S]

  /// `bias_ih + bias_hh` `[G H]`: every pre-activation starts from it (PyTorch's two bias
  /// vectors enter the cell only as a sum).
  var biasSum: [S] { (0..<biasIH.count).map { biasIH[$0] + biasHH[$0] } }
}

/// Hidden sizes up to this use the hand-written recurrent product instead of BLAS: below it a
/// BLAS call's fixed cost exceeds the arithmetic (student H = 8; measured in interop-probe.md).
let smallHiddenLimit = 32

/// Geometry of one layer's pass over a batch.
struct LayerShape {
  let batch: Int
  let length: Int
  let inputSize: Int
  let hidden: Int
  /// Gate blocks of the cell (`RecurrentCell.gateCount`).
  let gates: Int
  var gateWidth: Int { gates * hidden }
  var rows: Int { batch * length }
}
