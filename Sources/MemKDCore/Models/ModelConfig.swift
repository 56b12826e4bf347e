/// The shape of a stacked recurrent classifier: `layers` layers of `cell` with `hiddenSize`
/// units over `inputSize` channels, and a linear head on the last time step of the last layer.
public struct ModelConfig: Codable, Sendable, Equatable, Hashable {
  public var cell: RecurrentCell
  public var inputSize: Int
  public var hiddenSize: Int
  public var layers: Int
  public var classes: Int

  public init(
    cell: RecurrentCell = .lstm, inputSize: Int = 1, hiddenSize: Int, layers: Int, classes: Int
  ) {
    self.cell = cell
    self.inputSize = inputSize
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.classes = classes
  }

  /// The paper's teacher: 3 layers of 100 units (LSTM in the paper; `cell` for another).
  public static func teacher(classes: Int, inputSize: Int = 1, cell: RecurrentCell = .lstm)
    -> ModelConfig
  {
    ModelConfig(cell: cell, inputSize: inputSize, hiddenSize: 100, layers: 3, classes: classes)
  }

  /// The paper's student: 1 layer of 8 units (LSTM in the paper; `cell` for another).
  public static func student(classes: Int, inputSize: Int = 1, cell: RecurrentCell = .lstm)
    -> ModelConfig
  {
    ModelConfig(cell: cell, inputSize: inputSize, hiddenSize: 8, layers: 1, classes: classes)
  }

  /// Input size of recurrent layer `layer` (the previous layer's hidden size above layer 0).
  public func layerInputSize(_ layer: Int) -> Int {
    layer == 0 ? inputSize : hiddenSize
  }

  /// `3 x 100 LSTM, 1 input, 2 classes`: the model in one line, for messages and summaries.
  public var summary: String {
    "\(layers) x \(hiddenSize) \(cell.displayName), \(inputSize) input\(inputSize == 1 ? "" : "s"), "
      + "\(classes) classes"
  }

  /// A description of what is wrong, or nil when every size is usable.
  /// Checked before anything is allocated, so a model too big for memory (from a flag, a
  /// Python argument or a file's attributes) is an error and never an allocation failure.
  public var validationError: String? {
    if inputSize < 1 { return "input size must be at least 1 (got \(inputSize))" }
    if hiddenSize < 1 { return "hidden size must be at least 1 (got \(hiddenSize))" }
    if layers < 1 { return "layer count must be at least 1 (got \(layers))" }
    if classes < 2 { return "class count must be at least 2 (got \(classes))" }
    let sizes = [inputSize, hiddenSize, layers, classes]
    if sizes.contains(where: { $0 > Self.sizeLimit }) {
      return "sizes above \(Self.sizeLimit) are not supported (got \(summary))"
    }
    guard let count = checkedParameterCount, count <= Self.parameterBudget else {
      let count = checkedParameterCount.map(String.init) ?? "more than 2^63"
      return "\(summary) has \(count) parameters, more than the supported "
        + "\(Self.parameterBudget) (1 GiB of float32 weights; training needs about 4x that)"
    }
    return nil
  }

  /// The largest input size, hidden size, layer count or class count.
  public static let sizeLimit = 1 << 20
  /// The most trainable scalars a model may have (2^28: 1 GiB of weights; the paper's teacher
  /// has about 2 x 10^5).
  public static let parameterBudget = 1 << 28

  /// Number of trainable scalars: `G H (D + H + 2)` per layer (G = the cell's gate count, both
  /// biases counted) plus `C (H + 1)` for the head. LSTM teacher (3 x 100, D = 1): 202,800 +
  /// 101 C; LSTM student (1 x 8): 352 + 9 C.
  /// - Precondition: the count fits in `Int` (`checkedParameterCount` is not nil); sizes read
  ///   from a user or a file are checked with that first.
  public var parameterCount: Int {
    guard let count = checkedParameterCount else {
      preconditionFailure("parameter count of \(summary) overflows Int")
    }
    return count
  }

  /// `parameterCount`, or nil when it does not fit in `Int` (sizes near `2^62`).
  public var checkedParameterCount: Int? {
    // Closed form (layer 0 over D inputs, the L - 1 others over H), so huge layer counts cost
    // nothing; every operation checked.
    func product(_ a: Int?, _ b: Int?) -> Int? {
      guard let a, let b else { return nil }
      let (value, overflow) = a.multipliedReportingOverflow(by: b)
      return overflow ? nil : value
    }
    func sum(_ a: Int?, _ b: Int?) -> Int? {
      guard let a, let b else { return nil }
      let (value, overflow) = a.addingReportingOverflow(b)
      return overflow ? nil : value
    }
    guard layers >= 1 else { return product(classes, sum(hiddenSize, 1)) }
    let rows = product(cell.gateCount, hiddenSize)
    let first = product(rows, sum(sum(inputSize, hiddenSize), 2))
    let upper = product(product(rows, sum(product(2, hiddenSize), 2)), layers - 1)
    return sum(sum(first, upper), product(classes, sum(hiddenSize, 1)))
  }

  private enum CodingKeys: String, CodingKey {
    case cell, inputSize, hiddenSize, layers, classes
  }

  /// Decodes `cell` as optional: records written before cells existed are LSTMs.
  public init(from decoder: Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    cell = try container.decodeIfPresent(RecurrentCell.self, forKey: .cell) ?? .lstm
    inputSize = try container.decode(Int.self, forKey: .inputSize)
    hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
    layers = try container.decode(Int.self, forKey: .layers)
    classes = try container.decode(Int.self, forKey: .classes)
  }
}
