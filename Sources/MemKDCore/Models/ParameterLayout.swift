/// Where each tensor of a model sits in `ModelParameters.tensors`: the one place that does the
/// index arithmetic. The order is PyTorch's `state_dict` order for `nn.<Cell>` followed by
/// `nn.Linear`, so checkpoints and `load_state_dict` agree by construction.
///
/// | index   | name                          | shape          |
/// |---------|-------------------------------|----------------|
/// | 4k      | `<cell>.weight_ih_l{k}`       | `[G H, D_k]`   |
/// | 4k + 1  | `<cell>.weight_hh_l{k}`       | `[G H, H]`     |
/// | 4k + 2  | `<cell>.bias_ih_l{k}`         | `[G H]`        |
/// | 4k + 3  | `<cell>.bias_hh_l{k}`         | `[G H]`        |
/// | 4L      | `head.weight`                 | `[C, H]`       |
/// | 4L + 1  | `head.bias`                   | `[C]`          |
///
/// `<cell>` is the cell's module prefix (`lstm`) and `G` its gate count (4 for the LSTM).
public struct ParameterLayout: Sendable, Equatable {
  /// The four tensors of each recurrent layer, in `state_dict` order.
  public enum LayerTensor: Int, CaseIterable, Sendable {
    case weightIH, weightHH, biasIH, biasHH

    /// The `state_dict` name without prefix and layer suffix (`weight_ih`).
    public var torchName: String {
      switch self {
      case .weightIH: return "weight_ih"
      case .weightHH: return "weight_hh"
      case .biasIH: return "bias_ih"
      case .biasHH: return "bias_hh"
      }
    }

    /// True for the two weight matrices (the tensors int8 export quantises).
    public var isMatrix: Bool { self == .weightIH || self == .weightHH }
  }

  public let config: ModelConfig

  public init(_ config: ModelConfig) { self.config = config }

  private static let tensorsPerLayer = LayerTensor.allCases.count

  /// Index of layer `layer`'s `tensor`.
  public func index(_ tensor: LayerTensor, layer: Int) -> Int {
    precondition((0..<config.layers).contains(layer), "layer \(layer) of \(config.layers)")
    return Self.tensorsPerLayer * layer + tensor.rawValue
  }

  /// Index of the head's weight `[C, H]`.
  public var headWeight: Int { Self.tensorsPerLayer * config.layers }
  /// Index of the head's bias `[C]`.
  public var headBias: Int { headWeight + 1 }
  /// Number of tensors.
  public var count: Int { headBias + 1 }

  /// The weight matrices in table order: both of every layer, then the head's.
  public var matrixIndices: [Int] {
    (0..<config.layers).flatMap { layer in
      LayerTensor.allCases.filter(\.isMatrix).map { index($0, layer: layer) }
    } + [headWeight]
  }

  /// PyTorch `state_dict` names in table order.
  public var names: [String] {
    let prefix = config.cell.torchModule
    var names: [String] = []
    for layer in 0..<config.layers {
      names += LayerTensor.allCases.map { "\(prefix).\($0.torchName)_l\(layer)" }
    }
    return names + ["head.weight", "head.bias"]
  }

  /// PyTorch shapes in table order.
  public var shapes: [[Int]] {
    let rows = config.cell.gateCount * config.hiddenSize
    var shapes: [[Int]] = []
    for layer in 0..<config.layers {
      shapes += LayerTensor.allCases.map { tensor -> [Int] in
        switch tensor {
        case .weightIH: return [rows, config.layerInputSize(layer)]
        case .weightHH: return [rows, config.hiddenSize]
        case .biasIH, .biasHH: return [rows]
        }
      }
    }
    return shapes + [[config.classes, config.hiddenSize], [config.classes]]
  }
}
