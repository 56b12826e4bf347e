/// The recurrent cell of every layer of a model.
///
/// Everything that depends on the cell's arithmetic goes through this type: the parameter
/// shapes (`gateCount`), the batch forward and backward kernels, the streaming step and the C99
/// emission. Each case's implementation is one `RecurrentCellKernel` type in `Models/Cells/`;
/// the `switch`es below are the only places that name them, so that the generic kernels are
/// called statically (and specialised) rather than through an existential.
///
/// Adding a cell: a case here, its `RecurrentCellKernel` type, and one line in each `switch`.
public enum RecurrentCell: String, Codable, Sendable, CaseIterable, Hashable {
  /// PyTorch `nn.LSTM`: gates i, f, g, o; `c' = f c + i g`, `h' = o tanh(c')`.
  case lstm
  /// PyTorch `nn.GRU`: gates r, z, n; `n = tanh(W_in x + b_in + r (W_hn h + b_hn))`,
  /// `h' = (1 - z) n + z h`.
  case gru
  /// PyTorch `nn.RNN(nonlinearity="tanh")`: `h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`.
  case rnn

  /// Gate blocks per layer: the first axis of `weight_ih`, `weight_hh` and the biases is
  /// `gateCount * H`.
  public var gateCount: Int { kernel.gateCount }

  /// The PyTorch module and the `state_dict` prefix of the recurrent tensors (`lstm.weight_ih_l0`).
  public var torchModule: String { kernel.torchModule }

  /// The name people write (`LSTM`), for messages and generated comments.
  public var displayName: String { kernel.displayName }

  /// The name with its indefinite article (`an LSTM`, `a GRU`, `an RNN`), for generated
  /// sentences.
  public var displayNameWithArticle: String { (self == .gru ? "a " : "an ") + displayName }

  /// The `cell` option's one-line documentation (teachers' and students').
  public static let optionSummary =
    "recurrent cell of every layer: PyTorch's nn.LSTM, nn.GRU or nn.RNN (tanh)"

  /// The gate blocks along the first axis of the recurrent tensors, comma-separated
  /// (`i,f,g,o`; the RNN's one block is `h`): a checkpoint's `/model gate_order`.
  public var gateOrder: String { kernel.gateOrder }

  /// Vectors of `H` floats a streaming step keeps per layer (the hidden state first).
  public var stateVectors: Int { kernel.stateVectors }

  /// The cell's C99 emission (`CellCEmission`, in the cell's `+C.swift` file).
  var cEmission: any CellCEmission.Type {
    switch self {
    case .lstm: return LSTMCell.self
    case .gru: return GRUCell.self
    case .rnn: return RNNCell.self
    }
  }

  /// The implementation, for the cell's constants (not for calling generic kernels: those go
  /// through the `switch`es, which keep them specialised).
  var kernel: any RecurrentCellKernel.Type {
    switch self {
    case .lstm: return LSTMCell.self
    case .gru: return GRUCell.self
    case .rnn: return RNNCell.self
    }
  }

  /// One layer over a whole batch; see `RecurrentCellKernel.forward`.
  @inline(__always)
  func forward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>
  ) -> LayerTrace<S> {
    switch self {
    case .lstm: return LSTMCell.forward(input: input, shape: shape, weights: weights)
    case .gru: return GRUCell.forward(input: input, shape: shape, weights: weights)
    case .rnn: return RNNCell.forward(input: input, shape: shape, weights: weights)
    }
  }

  /// A layer's hidden states for inference only (`RecurrentCellKernel.inferenceForward`).
  @inline(__always)
  func inferenceForward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>, keepSequence: Bool
  ) -> [S] {
    switch self {
    case .lstm:
      return LSTMCell.inferenceForward(
        input: input, shape: shape, weights: weights, keepSequence: keepSequence)
    case .gru:
      return GRUCell.inferenceForward(
        input: input, shape: shape, weights: weights, keepSequence: keepSequence)
    case .rnn:
      return RNNCell.inferenceForward(
        input: input, shape: shape, weights: weights, keepSequence: keepSequence)
    }
  }

  /// Backpropagation through time for one layer; see `RecurrentCellKernel.backward`.
  @inline(__always)
  func backward<S: EngineScalar>(
    trace: LayerTrace<S>, shape: LayerShape, weights: LayerWeights<S>, hiddenGradient: [S],
    needInputGradient: Bool
  ) -> LayerGradients<S> {
    switch self {
    case .lstm:
      return LSTMCell.backward(
        trace: trace, shape: shape, weights: weights, hiddenGradient: hiddenGradient,
        needInputGradient: needInputGradient)
    case .gru:
      return GRUCell.backward(
        trace: trace, shape: shape, weights: weights, hiddenGradient: hiddenGradient,
        needInputGradient: needInputGradient)
    case .rnn:
      return RNNCell.backward(
        trace: trace, shape: shape, weights: weights, hiddenGradient: hiddenGradient,
        needInputGradient: needInputGradient)
    }
  }

  /// One streaming step of one layer; see `RecurrentCellKernel.streamStep`.
  @inline(__always)
  func streamStep(
    input: UnsafePointer<Float>, width: Int, state: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, hidden: Int, arena: UnsafePointer<Float>,
    offsets: UnsafePointer<Int>
  ) {
    switch self {
    case .lstm:
      LSTMCell.streamStep(
        input: input, width: width, state: state, scratch: scratch, hidden: hidden,
        arena: arena, offsets: offsets)
    case .gru:
      GRUCell.streamStep(
        input: input, width: width, state: state, scratch: scratch, hidden: hidden,
        arena: arena, offsets: offsets)
    case .rnn:
      RNNCell.streamStep(
        input: input, width: width, state: state, scratch: scratch, hidden: hidden,
        arena: arena, offsets: offsets)
    }
  }
}

/// The nonlinearity of one gate block.
enum GateActivation: Sendable {
  case sigmoid, tanh
}

/// One recurrent cell's arithmetic. Implementations are caseless enums in `Models/Cells/`.
///
/// Layout contract (PyTorch's for all its recurrent modules): per layer `weight_ih [G H, D_k]`,
/// `weight_hh [G H, H]`, `bias_ih [G H]`, `bias_hh [G H]` with `G = gateCount`, gate blocks in
/// the module's order along the first axis; zero initial state.
protocol RecurrentCellKernel {
  static var gateCount: Int { get }
  static var torchModule: String { get }
  static var displayName: String { get }
  /// The gate blocks in order, comma-separated (`RecurrentCell.gateOrder`).
  static var gateOrder: String { get }
  static var stateVectors: Int { get }

  /// One layer over a batch, keeping what `backward` needs.
  /// - Parameter input: time-major `[T, B, D]`.
  static func forward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>
  ) -> LayerTrace<S>

  /// Backpropagation through time for one layer.
  /// - Parameter hiddenGradient: `dL/dh_t` from outside the recurrence, time-major `[T, B, H]`
  ///   (the layer above, the head, and any distillation loss, already summed).
  static func backward<S: EngineScalar>(
    trace: LayerTrace<S>, shape: LayerShape, weights: LayerWeights<S>, hiddenGradient: [S],
    needInputGradient: Bool
  ) -> LayerGradients<S>

  /// A layer without what backward needs, bit-identical to `forward`'s hidden states:
  /// `[T, B, H]` when `keepSequence`, else the last step `[B, H]`.
  static func inferenceForward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>, keepSequence: Bool
  ) -> [S]

  /// The streaming step's constant blocks for one layer, in the order `streamStep` reads them.
  static func streamingBlocks(_ weights: LayerWeights<Float>, inputSize: Int) -> [[Float]]

  /// Floats of scratch one streaming step needs (shared by all layers).
  static func streamingScratch(hidden: Int) -> Int

  /// One step of one layer in place on `state` (`[stateVectors, H]`, the hidden state first);
  /// the layer's blocks are at `arena + offsets[i]`.
  static func streamStep(
    input: UnsafePointer<Float>, width: Int, state: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>, hidden: Int, arena: UnsafePointer<Float>,
    offsets: UnsafePointer<Int>)
}
