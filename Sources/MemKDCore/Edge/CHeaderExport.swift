import Foundation

/// A trained `RecurrentClassifier<Float>` as one self-contained C99 header for microcontrollers and
/// other edge targets: the weights as `static const` arrays, a state struct, and `static inline`
/// functions `<name>_init`, `<name>_step`, `<name>_logits`, `<name>_probabilities` and
/// `<name>_predict`. No allocation, no globals that change, and nothing from libm beyond `expf`
/// (the softmax).
///
/// The C code computes exactly the model's function (PyTorch semantics, zero initial state) in
/// Float, with the Swift engine's own gate nonlinearities: the rational tanh approximation of
/// `TanhApproximation` (error below 4e-7) and `sigmoid(x) = (1 + tanh(x / 2)) / 2`, written out
/// in plain arithmetic. `tanhf` and `expf` per gate were measured at ~500 ns per step for a
/// 1 x 8 student; the rational form brings it under 200 ns. The two agree to Float rounding (the
/// engine fuses multiply-adds), not bit for bit; the tests compare probabilities within 1e-5.
/// The cell's arrays, state and step come from its `CellCEmission` (LSTM: `LSTMCell+C.swift`).
///
/// Symbols, all prefixed with `name`: the cell's per-layer arrays (LSTM: `<name>_weight_ih_l{k}`
/// `[4H, D_k]`, `<name>_weight_hh_l{k}` `[4H, H]`, `<name>_bias_l{k}` `[4H]` = `bias_ih +
/// bias_hh`, summed in Float as the engine does; GRU: `[3H]` rows and `<name>_bias_hn_l{k}`
/// `[H]` apart, see `GRUCell+C.swift`), `<name>_head_weight` `[C, H]`,
/// `<name>_head_bias` `[C]`, each row-major; with `int8`, every weight matrix is `int8_t` plus
/// `<matrix>_scale` `[rows]` (`Int8Matrix`). Macros `<NAME>_INPUT_SIZE`, `_HIDDEN`, `_LAYERS`,
/// `_CLASSES`.
///
/// FLOPs per step (the `flopsPerStep` formula, also written into the header): the cell's
/// `cStepFLOPs` per layer, plus one readout of the head, `2CH + C` (`+ C` for int8); the softmax
/// is not counted.
public struct CHeaderExport: Sendable {
  public let config: ModelConfig
  /// The C prefix.
  public let name: String
  public let int8: Bool
  /// The whole header text.
  public private(set) var header: String

  /// Trainable scalars of the model (`ModelConfig.parameterCount`; both biases counted).
  public var parameterCount: Int { config.parameterCount }
  /// Bytes of the constant arrays in the header (pre-summed biases count once).
  public var weightBytes: Int { Self.weightBytes(for: config, int8: int8) }
  /// Bytes of `<name>_state` (the cell's state vectors of every layer).
  public var stateBytes: Int {
    config.cell.cEmission.cStateFields.count * config.layers * config.hiddenSize * 4
  }
  /// FLOPs of one `<name>_step` (all layers).
  public var stepFLOPs: Int { Self.stepFLOPs(config, int8: int8) }
  /// FLOPs of one readout (`<name>_logits`).
  public var headFLOPs: Int {
    2 * config.classes * config.hiddenSize + (int8 ? 2 : 1) * config.classes
  }
  /// One step plus one readout: the cost of classifying after every new sample.
  public var flopsPerStep: Int { stepFLOPs + headFLOPs }

  /// Builds the header.
  /// - Parameters:
  ///   - model: the model to export (its weights must be finite).
  ///   - name: prefix of every C symbol; a C identifier. Macros use it upper-cased.
  ///   - int8: store weight matrices as int8 with per-row Float scales (biases stay Float).
  ///   - source: where the model came from (checkpoint path, dataset), for the comment.
  ///   - notes: more comment lines (preprocessing, class labels, measured accuracy, ...).
  /// - Throws: `CExportError` for a name that is not a C identifier or a non-finite weight.
  public init(
    model: RecurrentClassifier<Float>, name: String = "memkd_student", int8: Bool = false,
    source: String, notes: [String] = []
  ) throws {
    guard Self.isValidName(name) else { throw CExportError.invalidName(name) }
    let parameters = model.parameters
    if let name = parameters.firstNonFiniteTensor { throw CExportError.nonFiniteWeight(name) }
    self.config = model.config
    self.name = name
    self.int8 = int8
    var writer = CHeaderWriter(
      parameters: parameters, name: name, int8: int8,
      matrices: int8 ? Int8Quantization.matrices(of: parameters) : [:])
    self.header = ""
    writer.comment = commentLines(source: source, notes: notes)
    header = writer.render()
  }

  /// The model as the int8 header computes it (weight matrices dequantised, `q * s`).
  public static func quantized(_ model: RecurrentClassifier<Float>) -> RecurrentClassifier<Float> {
    Int8Quantization.quantized(model)
  }

  /// Bytes of the constant arrays of a header for `config`: `4 r n` per Float matrix of `r`
  /// rows and `n` columns (`r n + 4 r` in int8), plus 4 per bias element.
  public static func weightBytes(for config: ModelConfig, int8: Bool) -> Int {
    let parameters = ModelParameters<Float>(zerosFor: config)
    let shapes = parameters.shapes
    return CHeaderWriter.arrays(of: parameters, prefix: "").reduce(0) { total, array in
      switch array {
      case .comment: return total
      case .floats(_, let values): return total + 4 * values.count
      case .matrix(let tensor, _):
        let (rows, columns) = (shapes[tensor][0], shapes[tensor][1])
        return total + (int8 ? rows * columns + 4 * rows : 4 * rows * columns)
      }
    }
  }

  static func stepFLOPs(_ config: ModelConfig, int8: Bool) -> Int {
    (0..<config.layers).reduce(0) { total, layer in
      total
        + config.cell.cEmission.cStepFLOPs(
          hidden: config.hiddenSize, input: config.layerInputSize(layer), int8: int8)
    }
  }

  /// True when `name` is a C identifier (ASCII letters, digits and `_`, not starting with a
  /// digit), as a symbol prefix must be.
  public static func isValidName(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first, first.isASCII,
      first.properties.isAlphabetic || first == "_"
    else { return false }
    return name.unicodeScalars.allSatisfy {
      $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_")
    }
  }

  private func commentLines(source: String, notes: [String]) -> [String] {
    let (D, H, L, C) = (config.inputSize, config.hiddenSize, config.layers, config.classes)
    let floatBytes = Self.weightBytes(for: config, int8: false)
    let storage =
      int8
      ? "int8 weight matrices with per-row float32 scales (max|w|/127), float32 biases"
      : "float32"
    let emission = config.cell.cEmission
    let cell = config.cell.displayName
    var lines = [
      "\(name).h: \(config.cell.displayNameWithArticle) classifier exported by MemKD "
        + "\(MemKDVersion.string) (memkd-script export-c).",
      "",
      "Model:       \(L) \(cell) layer\(L == 1 ? "" : "s") x \(H) units, \(D) input\(D == 1 ? "" : "s") per step, "
        + "\(C) classes:",
    ]
    lines += emission.cModelLines.map { "             \($0)" }
    lines += [
      "Source:      \(source)"
    ]
    lines += notes.map { "             \($0)" }
    lines += [
      "Weights:     \(storage).",
      "Parameters:  \(parameterCount) (trainable; \(emission.cBiasStorage)).",
      "Bytes:       weights \(weightBytes)" + (int8 ? " (float32 would be \(floatBytes))" : "")
        + ", state \(stateBytes) (\(name)_state);",
      "             \(name)_step also uses \(emission.cStackFloats(hidden: H)) floats of stack.",
      "FLOPs/step:  \(flopsPerStep) = step \(stepFLOPs) + one readout \(headFLOPs), counting",
    ]
    lines += emission.cFLOPsLines(int8: int8).map { "             \($0)" }
    lines += [
      "             readout: 2CH + C" + (int8 ? " + C row scales" : "") + "; softmax not counted.",
      "",
      "Usage (C99; link with -lm: only expf is used, in the softmax; no allocation):",
      "  \(name)_state s;",
      "  float p[\(name.uppercased())_CLASSES];",
      "  \(name)_init(&s);",
      "  for (t = 0; t < T; ++t) \(name)_step(&s, &x[t * \(name.uppercased())_INPUT_SIZE]);",
      "  \(name)_probabilities(&s, p);",
      "(\(name)_predict(&s) gives the most likely class, \(name)_logits(&s, z) the logits.)",
      "Inputs must be preprocessed as during training (see Source).",
    ]
    return lines
  }
}

/// Why an export was refused.
public enum CExportError: Error, CustomStringConvertible, Equatable {
  case invalidName(String)
  case nonFiniteWeight(String)

  public var description: String {
    switch self {
    case .invalidName(let name):
      return "'\(name)' is not a C identifier (letters, digits and _, not starting with a digit)"
    case .nonFiniteWeight(let parameter):
      return "parameter \(parameter) holds a non-finite value; cannot export"
    }
  }
}
