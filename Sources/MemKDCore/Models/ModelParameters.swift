/// The trainable tensors of a recurrent classifier, in PyTorch's `state_dict` order and layout
/// (`ParameterLayout` has the table).
///
/// The names are API: checkpoints use them as dataset names so that
/// `torch.nn.LSTM(...).load_state_dict` (or the cell's module) accepts arrays read with h5py.
///
/// Gradients use the same type, so optimisers and clipping walk one list of flat tensors.
public struct ModelParameters<Scalar: EngineScalar>: Sendable, Equatable {
  public let config: ModelConfig
  /// Flat row-major tensors in `ParameterLayout` order.
  public var tensors: [[Scalar]]

  /// All-zero tensors of the right shapes (the starting point of a gradient).
  public init(zerosFor config: ModelConfig) {
    self.config = config
    self.tensors = ModelParameters.shapes(for: config).map {
      [Scalar](repeating: 0, count: $0.reduce(1, *))
    }
  }

  /// Tensors given explicitly (loading a checkpoint or a fixture); shapes are checked.
  public init(config: ModelConfig, tensors: [[Scalar]]) throws {
    let shapes = ModelParameters.shapes(for: config)
    let names = ModelParameters.names(for: config)
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

  /// PyTorch's default initialisation: every tensor (recurrent and head) uniform in
  /// `[-1/sqrt(H), 1/sqrt(H))`, drawn in table order from a generator seeded with `seed`.
  public static func initialized(for config: ModelConfig, seed: UInt64) -> ModelParameters {
    var parameters = ModelParameters(zerosFor: config)
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
  public static func names(for config: ModelConfig) -> [String] { ParameterLayout(config).names }

  /// PyTorch shapes in table order.
  public static func shapes(for config: ModelConfig) -> [[Int]] { ParameterLayout(config).shapes }

  public var layout: ParameterLayout { ParameterLayout(config) }
  public var names: [String] { layout.names }
  public var shapes: [[Int]] { layout.shapes }

  // MARK: Named access (the engine's view of the table)

  /// Layer `layer`'s four tensors.
  func layer(_ layer: Int) -> LayerWeights<Scalar> {
    let layout = self.layout
    return LayerWeights(
      weightIH: tensors[layout.index(.weightIH, layer: layer)],
      weightHH: tensors[layout.index(.weightHH, layer: layer)],
      biasIH: tensors[layout.index(.biasIH, layer: layer)],
      biasHH: tensors[layout.index(.biasHH, layer: layer)])
  }

  /// Stores layer `layer`'s parameter gradients (the inverse of `layer(_:)`).
  mutating func setLayer(_ layer: Int, _ gradients: LayerGradients<Scalar>) {
    let layout = self.layout
    tensors[layout.index(.weightIH, layer: layer)] = gradients.weightIH
    tensors[layout.index(.weightHH, layer: layer)] = gradients.weightHH
    tensors[layout.index(.biasIH, layer: layer)] = gradients.biasIH
    tensors[layout.index(.biasHH, layer: layer)] = gradients.biasHH
  }

  var headWeight: [Scalar] { tensors[layout.headWeight] }
  var headBias: [Scalar] { tensors[layout.headBias] }

  /// The same values in another precision (Float engine vs Double gradient checks).
  public func converted<Other: EngineScalar>(to _: Other.Type) -> ModelParameters<Other> {
    var other = ModelParameters<Other>(zerosFor: config)
    other.tensors = tensors.map { $0.map { Other($0) } }
    return other
  }

  /// True when every element is finite.
  public var isFinite: Bool { firstNonFiniteTensor == nil }

  /// The PyTorch name of the first tensor holding an inf or NaN, or nil when all are finite
  /// (what a loaded checkpoint and the C export report).
  public var firstNonFiniteTensor: String? {
    tensors.firstIndex { !$0.allSatisfy(\.isFinite) }.map { names[$0] }
  }
}
