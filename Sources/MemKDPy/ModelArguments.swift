import CPython
import MemKDCore

// Reading the model-related arguments every function shares, with every check a Swift
// precondition in MemKDCore would otherwise trap on.

extension Arguments {
  /// `(input_size, hidden_size, layers, classes, cell)`, `cell` a `RecurrentCell` name.
  func config(_ index: Int, _ name: String = "config") throws -> ModelConfig {
    let parts = try items(index, name)
    guard parts.count == 5 else {
      throw PythonError.value(
        "\(function)(): \(name) must be (input_size, hidden_size, layers, classes, cell)")
    }
    let values = try parts.prefix(4).enumerated().map { position, part -> Int in
      guard cpy_is_int(part) != 0 else { throw fail("\(name)[\(position)]", "must be an int") }
      let value = PyLong_AsLongLong(part)
      if value == -1 && PyErr_Occurred() != nil {
        PyErr_Clear()
        throw PythonError.value("\(function)(): \(name)[\(position)] is out of range")
      }
      return Int(value)
    }
    let cell = try Self.cell(
      try Self.string(parts[4], name: "\(name)[4] (cell)", function: function), function: function)
    return try checkedConfig(
      inputSize: values[0], hiddenSize: values[1], layers: values[2], classes: values[3],
      cell: cell, name)
  }

  /// The model of the first five arguments, `(input_size, hidden_size, layers, classes, cell)`
  /// (`parameter_count`, `parameter_layout`).
  func unpackedConfig() throws -> ModelConfig {
    try checkedConfig(
      inputSize: try int(0, "input_size"), hiddenSize: try int(1, "hidden_size"),
      layers: try int(2, "layers"), classes: try int(3, "classes"),
      cell: try Self.cell(try string(4, "cell"), function: function))
  }

  /// The cell named `name`, judged by the `cell` option's rule (its message is the CLI's).
  /// - Throws: ValueError listing the cells.
  static func cell(_ name: String, function: String) throws -> RecurrentCell {
    do {
      _ = try OptionRule.choice(RecurrentCell.allCases.map(\.rawValue)).accept(
        .text(name), key: "cell")
    } catch {
      throw PythonError.value("\(function)(): \(error)")
    }
    return RecurrentCell(rawValue: name) ?? .lstm  // accepted names are the cases
  }

  /// A valid `ModelConfig` within MemKDCore's limits (`ModelConfig.validationError`: sizes and
  /// a parameter budget, so no size arithmetic can overflow or ask for an impossible
  /// allocation, which would trap and kill the interpreter).
  func checkedConfig(
    inputSize: Int, hiddenSize: Int, layers: Int, classes: Int, cell: RecurrentCell,
    _ name: String = "config"
  ) throws -> ModelConfig {
    let config = ModelConfig(
      cell: cell, inputSize: inputSize, hiddenSize: hiddenSize, layers: layers, classes: classes)
    if let problem = config.validationError {
      throw PythonError.value("\(function)(): \(name): \(problem)")
    }
    return config
  }

  /// A preprocessing length by the CLI's rules: `Preprocessing`'s `length` option, and `count`
  /// series of it within `UCRDataset.valueBudget`.
  func length(_ index: Int, _ name: String = "length", series count: Int = 1) throws -> Int {
    let value = try int(index, name)
    do {
      try Preprocessing(length: value).validate()
    } catch {
      throw PythonError.value("\(function)(): \(error)")
    }
    if let problem = UCRDataset.budgetProblem(length: value, series: count) {
      throw PythonError.value("\(function)(): \(problem)")
    }
    return value
  }

  /// The model's tensors in `ModelParameters` order, each checked against its PyTorch shape.
  func parameters(_ index: Int, config: ModelConfig, _ name: String = "params") throws
    -> ModelParameters<Float>
  {
    let parts = try items(index, name)
    let names = ModelParameters<Float>.names(for: config)
    let shapes = ModelParameters<Float>.shapes(for: config)
    guard parts.count == names.count else {
      throw PythonError.value(
        "\(function)(): \(name) must hold \(names.count) arrays for this config, got \(parts.count)"
      )
    }
    var tensors: [[Float]] = []
    for (position, part) in parts.enumerated() {
      let label = "\(name)[\(position)] (\(names[position]))"
      // Exactly `bytes` (what this module returns) is raw little-endian float32.
      let (values, shape) =
        cpy_is_bytes(part) != 0
        ? try Arguments.rawFloats(part, name: label, function: function)
        : try Arguments.floats(part, name: label, function: function)
      guard values.count == shapes[position].reduce(1, *) else {
        throw PythonError.value(
          "\(function)(): \(label) must have shape \(shapes[position]), got \(shape)")
      }
      guard values.allSatisfy(\.isFinite) else {
        throw PythonError.value("\(function)(): \(label) contains NaN or infinity")
      }
      tensors.append(values)
    }
    return try ModelParameters(config: config, tensors: tensors)
  }

  /// Series `[N, T]` or `[N, T, D]` (float32, finite, N and T >= 1) with labels `[N]` in
  /// `0 ..< classes` (all zeros when `labelsIndex` is nil).
  func series(
    _ index: Int, _ name: String, labels labelsIndex: Int?, _ labelsName: String = "y",
    inputSize: Int, classes: Int
  ) throws -> SeriesSet {
    let (values, shape) = try floats(index, name)
    guard shape.count == 2 || shape.count == 3 else {
      throw PythonError.value(
        "\(function)(): \(name) must be [N, T] or [N, T, D], got shape \(shape)")
    }
    let channels = shape.count == 3 ? shape[2] : 1
    guard shape[0] >= 1, shape[1] >= 1 else {
      throw PythonError.value("\(function)(): \(name) is empty (shape \(shape))")
    }
    guard channels == inputSize else {
      throw PythonError.value(
        "\(function)(): \(name) has \(channels) channel(s), the model's input size is \(inputSize)")
    }
    guard values.allSatisfy(\.isFinite) else {
      throw PythonError.value("\(function)(): \(name) contains NaN or infinity")
    }
    var labels = [Int](repeating: 0, count: shape[0])
    if let labelsIndex {
      let (given, labelShape) = try int64s(labelsIndex, labelsName)
      guard labelShape == [shape[0]] else {
        throw PythonError.value(
          "\(function)(): \(labelsName) must be [N] = [\(shape[0])] (one label per series of \(name)), got shape \(labelShape)"
        )
      }
      if let bad = given.first(where: { !(0..<classes).contains($0) }) {
        throw PythonError.value(
          "\(function)(): \(labelsName) holds class \(bad); classes are 0 ..< \(classes)")
      }
      labels = given
    }
    return SeriesSet(values: values, labels: labels, length: shape[1], channels: channels)
  }

  func threads(_ index: Int) throws -> Int {
    let threads = try int(index, "threads")
    guard (1...64).contains(threads) else {
      throw PythonError.value("\(function)(): threads must be in 1 ... 64, got \(threads)")
    }
    return threads
  }
}
