/// The trainable tensors of a stacked-LSTM classifier, in PyTorch's `state_dict` order and layout.
///
/// The names are API: checkpoints use them as dataset names so that
/// `torch.nn.LSTM(...).load_state_dict` accepts arrays read with h5py. Gate order is PyTorch's
/// (i, f, g, o) along the first axis of every weight and bias.
///
/// | index          | name                 | shape        |
/// |----------------|----------------------|--------------|
/// | 4k             | `lstm.weight_ih_l{k}`| `[4H, D_k]`  |
/// | 4k + 1         | `lstm.weight_hh_l{k}`| `[4H, H]`    |
/// | 4k + 2         | `lstm.bias_ih_l{k}`  | `[4H]`       |
/// | 4k + 3         | `lstm.bias_hh_l{k}`  | `[4H]`       |
/// | 4L             | `head.weight`        | `[C, H]`     |
/// | 4L + 1         | `head.bias`          | `[C]`        |
///
/// Gradients use the same type, so optimisers and clipping walk one list of flat tensors.
public struct LSTMParameters<Scalar: EngineScalar>: Sendable, Equatable {
  public let config: LSTMConfig
  /// Flat row-major tensors in the order of the table above.
  public var tensors: [[Scalar]]

  /// All-zero tensors of the right shapes (the starting point of a gradient).
  public init(zerosFor config: LSTMConfig) {
    self.config = config
    self.tensors = LSTMParameters.shapes(for: config).map {
      [Scalar](repeating: 0, count: $0.reduce(1, *))
    }
  }

  /// Tensors given explicitly (loading a checkpoint or a fixture); shapes are checked.
  public init(config: LSTMConfig, tensors: [[Scalar]]) throws {
    let shapes = LSTMParameters.shapes(for: config)
    let names = LSTMParameters.names(for: config)
    guard tensors.count == shapes.count else {
      throw ModelError.parameterCount(expected: shapes.count, got: tensors.count)
    }
    for (index, tensor) in tensors.enumerated() where tensor.count != shapes[index].reduce(1, *) {
      throw ModelError.parameterShape(
        name: names[index], expected: shapes[index], gotCount: tensor.count)
    }
    self.config = config
    self.tensors = tensors
  }

  /// PyTorch's default initialisation: every tensor (LSTM and head) uniform in
  /// `[-1/sqrt(H), 1/sqrt(H))`, drawn in table order from a generator seeded with `seed`.
  public static func initialized(for config: LSTMConfig, seed: UInt64) -> LSTMParameters {
    var parameters = LSTMParameters(zerosFor: config)
    var generator = SeededGenerator.stream(seed: seed, "init")
    let bound = 1 / Double(config.hiddenSize).squareRoot()
    for index in parameters.tensors.indices {
      for element in parameters.tensors[index].indices {
        parameters.tensors[index][element] = Scalar(generator.uniform(-bound, bound))
      }
    }
    return parameters
  }

  /// PyTorch `state_dict` names in table order.
  public static func names(for config: LSTMConfig) -> [String] {
    var names: [String] = []
    for layer in 0..<config.layers {
      names += [
        "lstm.weight_ih_l\(layer)", "lstm.weight_hh_l\(layer)",
        "lstm.bias_ih_l\(layer)", "lstm.bias_hh_l\(layer)",
      ]
    }
    return names + ["head.weight", "head.bias"]
  }

  /// PyTorch shapes in table order.
  public static func shapes(for config: LSTMConfig) -> [[Int]] {
    let gates = 4 * config.hiddenSize
    var shapes: [[Int]] = []
    for layer in 0..<config.layers {
      shapes += [
        [gates, config.layerInputSize(layer)], [gates, config.hiddenSize], [gates], [gates],
      ]
    }
    return shapes + [[config.classes, config.hiddenSize], [config.classes]]
  }

  public var names: [String] { LSTMParameters.names(for: config) }
  public var shapes: [[Int]] { LSTMParameters.shapes(for: config) }

  // MARK: Named access (the engine's view of the table)

  func weightIH(_ layer: Int) -> [Scalar] { tensors[4 * layer] }
  func weightHH(_ layer: Int) -> [Scalar] { tensors[4 * layer + 1] }
  func biasIH(_ layer: Int) -> [Scalar] { tensors[4 * layer + 2] }
  func biasHH(_ layer: Int) -> [Scalar] { tensors[4 * layer + 3] }
  var headWeight: [Scalar] { tensors[4 * config.layers] }
  var headBias: [Scalar] { tensors[4 * config.layers + 1] }

  /// The same values in another precision (Float engine vs Double gradient checks).
  public func converted<Other: EngineScalar>(to _: Other.Type) -> LSTMParameters<Other> {
    var other = LSTMParameters<Other>(zerosFor: config)
    other.tensors = tensors.map { $0.map { Other($0) } }
    return other
  }

  /// True when every element is finite.
  public var isFinite: Bool {
    tensors.allSatisfy { $0.allSatisfy { $0.isFinite } }
  }
}

/// Errors from building or running a model with inconsistent inputs.
public enum ModelError: Error, CustomStringConvertible, Equatable {
  case parameterCount(expected: Int, got: Int)
  case parameterShape(name: String, expected: [Int], gotCount: Int)
  case invalidConfig(String)
  case inputShape(String)

  public var description: String {
    switch self {
    case .parameterCount(let expected, let got):
      return "expected \(expected) parameter tensors, got \(got)"
    case .parameterShape(let name, let expected, let gotCount):
      return "parameter \(name): expected shape \(expected) (\(expected.reduce(1, *)) values), "
        + "got \(gotCount) values"
    case .invalidConfig(let message):
      return "invalid model config: \(message)"
    case .inputShape(let message):
      return "input shape: \(message)"
    }
  }
}
