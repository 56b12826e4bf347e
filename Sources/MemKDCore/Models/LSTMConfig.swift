/// The shape of a stacked-LSTM classifier: `layers` LSTM layers of `hiddenSize` units over
/// `inputSize` channels, and a linear head on the last time step of the last layer.
public struct LSTMConfig: Codable, Sendable, Equatable, Hashable {
  public var inputSize: Int
  public var hiddenSize: Int
  public var layers: Int
  public var classes: Int

  public init(inputSize: Int = 1, hiddenSize: Int, layers: Int, classes: Int) {
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.classes = classes
  }

  /// The paper's teacher: 3 layers of 100 units.
  public static func teacher(classes: Int, inputSize: Int = 1) -> LSTMConfig {
    LSTMConfig(inputSize: inputSize, hiddenSize: 100, layers: 3, classes: classes)
  }

  /// The paper's student: 1 layer of 8 units.
  public static func student(classes: Int, inputSize: Int = 1) -> LSTMConfig {
    LSTMConfig(inputSize: inputSize, hiddenSize: 8, layers: 1, classes: classes)
  }

  /// Input size of LSTM layer `layer` (the previous layer's hidden size above layer 0).
  public func layerInputSize(_ layer: Int) -> Int {
    layer == 0 ? inputSize : hiddenSize
  }

  /// A description of what is wrong, or nil when every size is usable.
  public var validationError: String? {
    if inputSize < 1 { return "input size must be at least 1 (got \(inputSize))" }
    if hiddenSize < 1 { return "hidden size must be at least 1 (got \(hiddenSize))" }
    if layers < 1 { return "layer count must be at least 1 (got \(layers))" }
    if classes < 2 { return "class count must be at least 2 (got \(classes))" }
    return nil
  }

  /// Number of trainable scalars: `4H (D + H + 2)` per layer plus `C (H + 1)` for the head.
  /// Teacher (3 x 100, D = 1): 202,800 + 101 C; student (1 x 8): 352 + 9 C.
  public var parameterCount: Int {
    let gates = 4 * hiddenSize
    var total = 0
    for layer in 0..<layers {
      total += gates * (layerInputSize(layer) + hiddenSize + 2)
    }
    return total + classes * (hiddenSize + 1)
  }
}
