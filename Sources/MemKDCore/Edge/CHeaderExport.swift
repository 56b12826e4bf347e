import Foundation

/// A trained `LSTMClassifier<Float>` as one self-contained C99 header for microcontrollers and
/// other edge targets: the weights as `static const` arrays, a state struct, and `static inline`
/// functions `<name>_init`, `<name>_step`, `<name>_logits`, `<name>_probabilities` and
/// `<name>_predict`. No allocation, no globals that change, and nothing from libm beyond `expf`
/// (the softmax).
///
/// The C code computes exactly the model's function (PyTorch semantics, gate order i, f, g, o,
/// zero initial state) in Float, with the Swift engine's own gate nonlinearities: the rational
/// tanh approximation of `Activations.swift` (error below 4e-7) and `sigmoid(x) = (1 +
/// tanh(x / 2)) / 2`, written out in plain arithmetic. `tanhf` and `expf` per gate were measured
/// at ~500 ns per step for a 1 x 8 student; the rational form brings it under 200 ns. The two
/// agree to Float rounding (the engine fuses multiply-adds), not bit for bit; the tests compare
/// probabilities within 1e-5.
///
/// Symbols, all prefixed with `name`: `<name>_weight_ih_l{k}` `[4H, D_k]`,
/// `<name>_weight_hh_l{k}` `[4H, H]`, `<name>_bias_l{k}` `[4H]` (= `bias_ih + bias_hh`, summed
/// in Float as the engine does), `<name>_head_weight` `[C, H]`, `<name>_head_bias` `[C]`, each
/// row-major; with `int8`, every weight matrix is `int8_t` plus `<matrix>_scale` `[rows]`
/// (`Int8Matrix`). Macros `<NAME>_INPUT_SIZE`, `_HIDDEN`, `_LAYERS`, `_CLASSES`.
///
/// FLOPs per step (the `flopsPerStep` formula, also written into the header): per layer `k`,
/// `8H (D_k + H)` for the two gate matrices (2 per multiply-add) + `4H` bias adds + `5H`
/// activations (3 sigmoid + 2 tanh, one each) + `4H` for `c = f c + i g` and `h = o tanh(c)`;
/// with int8, `+ 8H` scale multiplies. Plus one readout of the head, `2CH + C` (`+ C` for int8);
/// the softmax is not counted.
public struct CHeaderExport: Sendable {
  public let config: LSTMConfig
  /// The C prefix.
  public let name: String
  public let int8: Bool
  /// The whole header text.
  public private(set) var header: String

  /// Trainable scalars of the model (`LSTMConfig.parameterCount`; both LSTM biases counted).
  public var parameterCount: Int { config.parameterCount }
  /// Bytes of the constant arrays in the header (the pre-summed biases count once).
  public var weightBytes: Int { Self.weightBytes(for: config, int8: int8) }
  /// Bytes of `<name>_state` (h and c of every layer).
  public var stateBytes: Int { 2 * config.layers * config.hiddenSize * 4 }
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
    model: LSTMClassifier<Float>, name: String = "memkd_student", int8: Bool = false,
    source: String, notes: [String] = []
  ) throws {
    guard Self.isValidName(name) else { throw CExportError.invalidName(name) }
    let parameters = model.parameters
    for (index, tensor) in parameters.tensors.enumerated() where !tensor.allSatisfy(\.isFinite) {
      throw CExportError.nonFiniteWeight(parameters.names[index])
    }
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
  public static func quantized(_ model: LSTMClassifier<Float>) -> LSTMClassifier<Float> {
    Int8Quantization.quantized(model)
  }

  /// Bytes of the constant arrays of a header for `config`: `4 r n` per Float matrix of `r`
  /// rows and `n` columns (`r n + 4 r` in int8), plus 4 per bias element.
  public static func weightBytes(for config: LSTMConfig, int8: Bool) -> Int {
    let (H, C) = (config.hiddenSize, config.classes)
    // A matrix of r rows and n columns: 4rn bytes in Float, rn + 4r in int8.
    func matrix(_ rows: Int, _ columns: Int) -> Int {
      int8 ? rows * columns + 4 * rows : 4 * rows * columns
    }
    var total = matrix(C, H) + 4 * C
    for layer in 0..<config.layers {
      total += matrix(4 * H, config.layerInputSize(layer)) + matrix(4 * H, H) + 4 * 4 * H
    }
    return total
  }

  static func stepFLOPs(_ config: LSTMConfig, int8: Bool) -> Int {
    let H = config.hiddenSize
    return (0..<config.layers).reduce(0) { total, layer in
      total + 8 * H * (config.layerInputSize(layer) + H) + 13 * H + (int8 ? 8 * H : 0)
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
    var lines = [
      "\(name).h: an LSTM classifier exported by MemKD \(MemKDVersion.string) (memkd-script export-c).",
      "",
      "Model:       \(L) LSTM layer\(L == 1 ? "" : "s") x \(H) units, \(D) input\(D == 1 ? "" : "s") per step, "
        + "\(C) classes:",
      "             PyTorch nn.LSTM (gate order i, f, g, o; zero initial state) + nn.Linear",
      "             on the last layer's hidden state.",
      "Source:      \(source)",
    ]
    lines += notes.map { "             \($0)" }
    lines += [
      "Weights:     \(storage).",
      "Parameters:  \(parameterCount) (trainable; each layer's two bias vectors are stored summed).",
      "Bytes:       weights \(weightBytes)" + (int8 ? " (float32 would be \(floatBytes))" : "")
        + ", state \(stateBytes) (\(name)_state);",
      "             \(name)_step also uses \(4 * H) floats of stack.",
      "FLOPs/step:  \(flopsPerStep) = step \(stepFLOPs) + one readout \(headFLOPs), counting",
      "             per layer k: 8H(D_k + H) gate matrices (2 per multiply-add) + 4H bias + 5H",
      "             activations (3 sigmoid, 2 tanh; 1 each) + 4H cell/hidden update"
        + (int8 ? " + 8H int8 row scales;" : ";"),
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

/// Renders the header text (the C source generator behind `CHeaderExport`).
struct CHeaderWriter {
  let parameters: LSTMParameters<Float>
  let name: String
  let int8: Bool
  /// Quantised matrices by tensor index (int8 only).
  let matrices: [Int: Int8Matrix]
  var comment: [String] = []

  init(parameters: LSTMParameters<Float>, name: String, int8: Bool, matrices: [Int: Int8Matrix]) {
    self.parameters = parameters
    self.name = name
    self.int8 = int8
    self.matrices = matrices
  }

  private var macro: String { name.uppercased() }
  private var config: LSTMConfig { parameters.config }

  func render() -> String {
    var out = "/*\n"
    for line in comment {
      // Neither end nor start of a comment may appear inside it (-Wcomment).
      let safe = line.replacingOccurrences(of: "*/", with: "* /")
        .replacingOccurrences(of: "/*", with: "/ *")
      out += safe.isEmpty ? " *\n" : " * \(safe)\n"
    }
    out += " */\n"
    out += """
      #ifndef \(macro)_H
      #define \(macro)_H

      #include <math.h>
      #include <stddef.h>
      #include <stdint.h>

      #define \(macro)_INPUT_SIZE \(config.inputSize)
      #define \(macro)_HIDDEN \(config.hiddenSize)
      #define \(macro)_LAYERS \(config.layers)
      #define \(macro)_CLASSES \(config.classes)


      """
    let H = config.hiddenSize
    for layer in 0..<config.layers {
      let D = config.layerInputSize(layer)
      out += "/* Layer \(layer): rows are gates i, f, g, o of \(H) units each. */\n"
      out += matrix(
        index: 4 * layer, symbol: "\(name)_weight_ih_l\(layer)", rows: 4 * H, columns: D)
      out += matrix(
        index: 4 * layer + 1, symbol: "\(name)_weight_hh_l\(layer)", rows: 4 * H, columns: H)
      let biasIH = parameters.tensors[4 * layer + 2]
      let biasHH = parameters.tensors[4 * layer + 3]
      let bias = (0..<(4 * H)).map { biasIH[$0] + biasHH[$0] }
      out += "/* bias_ih_l\(layer) + bias_hh_l\(layer) */\n"
      out += floatArray("\(name)_bias_l\(layer)", bias, size: "\(4 * H)")
    }
    out += "/* Head: logits = head_weight h + head_bias. */\n"
    out += matrix(
      index: 4 * config.layers, symbol: "\(name)_head_weight", rows: config.classes, columns: H)
    out += floatArray(
      "\(name)_head_bias", parameters.tensors[4 * config.layers + 1], size: "\(config.classes)")
    out += functions()
    out += "\n#endif /* \(macro)_H */\n"
    return out
  }

  private func matrix(index: Int, symbol: String, rows: Int, columns: Int) -> String {
    let size = "\(rows) * \(columns)"
    guard int8, let quantized = matrices[index] else {
      return floatArray(symbol, parameters.tensors[index], size: size)
    }
    return array("int8_t", symbol, quantized.values.map { String($0) }, size: size, perLine: 16)
      + floatArray("\(symbol)_scale", quantized.scales, size: "\(rows)")
  }

  private func floatArray(_ symbol: String, _ values: [Float], size: String) -> String {
    array("float", symbol, values.map(Self.literal), size: size, perLine: 6)
  }

  private func array(
    _ type: String, _ symbol: String, _ literals: [String], size: String, perLine: Int
  ) -> String {
    var out = "static const \(type) \(symbol)[\(size)] = {\n"
    var start = 0
    while start < literals.count {
      let end = Swift.min(start + perLine, literals.count)
      out += "  " + literals[start..<end].joined(separator: ", ") + ",\n"
      start = end
    }
    return out + "};\n\n"
  }

  /// A C float literal that reads back as exactly `value`: Swift's shortest round-tripping
  /// decimal (`-0.0`, `1e-45`, `3.4028235e+38` included) with an `f` suffix, which a C compiler
  /// rounds correctly to the same float.
  static func literal(_ value: Float) -> String {
    precondition(value.isFinite, "C literal of a non-finite value")
    let text = value.description
    // "1e-05" and "16777216.0" are both valid C; a bare integer ("3") never occurs in Swift's
    // output, but guard anyway: "3f" is not a C literal.
    let isInteger = text.allSatisfy { $0 == "-" || $0.isNumber }
    return (isInteger ? text + ".0" : text) + "f"
  }

  private func functions() -> String {
    let p = name
    let M = macro
    // int8 rows: the dot product runs over the integers, then one multiply by the row's scale.
    let weightType = int8 ? "int8_t" : "float"
    let scaleParameter = { (label: String) in self.int8 ? " const float *\(label)_scale," : "" }
    let scaled = { (label: String, dot: String) in self.int8 ? "\(label)_scale[r] * \(dot)" : dot }
    var layerCalls = ""
    for layer in 0..<config.layers {
      let input = layer == 0 ? "x" : "s->h[\(layer - 1)]"
      let inputs = layer == 0 ? "\(M)_INPUT_SIZE" : "\(M)_HIDDEN"
      let scales = { (matrix: String) in self.int8 ? " \(p)_weight_\(matrix)_l\(layer)_scale," : ""
      }
      layerCalls += """
          \(p)_layer_(
              \(p)_weight_ih_l\(layer),\(scales("ih"))
              \(p)_weight_hh_l\(layer),\(scales("hh"))
              \(p)_bias_l\(layer), \(inputs), \(input), s->h[\(layer)], s->c[\(layer)]);

        """
    }
    let headScale = int8 ? "\(p)_head_weight_scale[k] * " : ""
    return """
      /* State: hidden and cell vectors of every layer. */
      typedef struct {
        float h[\(M)_LAYERS][\(M)_HIDDEN];
        float c[\(M)_LAYERS][\(M)_HIDDEN];
      } \(p)_state;

      /* Zero state (the start of every series). */
      static inline void \(p)_init(\(p)_state *s) {
        size_t l, j;
        for (l = 0; l < \(M)_LAYERS; ++l) {
          for (j = 0; j < \(M)_HIDDEN; ++j) {
            s->h[l][j] = 0.0f;
            s->c[l][j] = 0.0f;
          }
        }
      }

      /* tanh as the Swift engine computes it (Eigen's rational minimax approximation, max
         error 3.4e-7): plain arithmetic, several times faster than tanhf on small cores. */
      static inline float \(p)_tanh_(float x) {
        float x2, p, q;
        x = x > 7.90531110763549805f ? 7.90531110763549805f : x;
        x = x < -7.90531110763549805f ? -7.90531110763549805f : x;
        x2 = x * x;
        p = -2.76076847742355e-16f;
        p = p * x2 + 2.00018790482477e-13f;
        p = p * x2 + -8.60467152213735e-11f;
        p = p * x2 + 5.12229709037114e-08f;
        p = p * x2 + 1.48572235717979e-05f;
        p = p * x2 + 6.37261928875436e-04f;
        p = p * x2 + 4.89352455891786e-03f;
        p = p * x;
        q = 1.19825839466702e-06f;
        q = q * x2 + 1.18534705686654e-04f;
        q = q * x2 + 2.26843463243900e-03f;
        q = q * x2 + 4.89352518554385e-03f;
        return p / q;
      }

      static inline float \(p)_dot_(const \(weightType) *w, const float *x, size_t n) {
        float sum = 0.0f;
        size_t j;
        for (j = 0; j < n; ++j) sum += \(int8 ? "(float)w[j]" : "w[j]") * x[j];
        return sum;
      }

      /* One LSTM layer, one step: x [inputs] -> h, c [HIDDEN] updated in place. */
      static inline void \(p)_layer_(
          const \(weightType) *w_ih,\(scaleParameter("w_ih")) const \(weightType) *w_hh,\(scaleParameter("w_hh"))
          const float *bias, size_t inputs, const float *x, float *h, float *c) {
        float gates[4 * \(M)_HIDDEN];
        size_t r, j;
        for (r = 0; r < 4 * \(M)_HIDDEN; ++r) {
          const float input = \(p)_dot_(w_ih + r * inputs, x, inputs);
          const float recurrent = \(p)_dot_(w_hh + r * \(M)_HIDDEN, h, \(M)_HIDDEN);
          gates[r] = bias[r] + \(scaled("w_ih", "input")) + \(scaled("w_hh", "recurrent"));
        }
        /* All 4H activations in one branch-free loop (compilers vectorise it): sigmoid gates
           go through tanh(x / 2), the candidate gate g through tanh(x). */
        for (r = 0; r < 4 * \(M)_HIDDEN; ++r) {
          const int candidate = r >= 2 * \(M)_HIDDEN && r < 3 * \(M)_HIDDEN;
          const float t = \(p)_tanh_(candidate ? gates[r] : 0.5f * gates[r]);
          gates[r] = candidate ? t : 0.5f + 0.5f * t;
        }
        for (j = 0; j < \(M)_HIDDEN; ++j) {
          c[j] = gates[\(M)_HIDDEN + j] * c[j] + gates[j] * gates[2 * \(M)_HIDDEN + j];
        }
        for (j = 0; j < \(M)_HIDDEN; ++j) h[j] = gates[3 * \(M)_HIDDEN + j] * \(p)_tanh_(c[j]);
      }

      /* Feeds one time step x [INPUT_SIZE] through every layer. */
      static inline void \(p)_step(\(p)_state *s, const float *x) {
      \(layerCalls)}

      /* Logits [CLASSES] of the last layer's hidden state. */
      static inline void \(p)_logits(const \(p)_state *s, float *out) {
        const float *h = s->h[\(M)_LAYERS - 1];
        size_t k;
        for (k = 0; k < \(M)_CLASSES; ++k) {
          const float dot = \(p)_dot_(\(p)_head_weight + k * \(M)_HIDDEN, h, \(M)_HIDDEN);
          out[k] = \(p)_head_bias[k] + \(headScale)dot;
        }
      }

      /* Class probabilities [CLASSES]: softmax of the logits. */
      static inline void \(p)_probabilities(const \(p)_state *s, float *out) {
        float largest, sum = 0.0f;
        size_t k;
        \(p)_logits(s, out);
        largest = out[0];
        for (k = 1; k < \(M)_CLASSES; ++k) {
          if (out[k] > largest) largest = out[k];
        }
        for (k = 0; k < \(M)_CLASSES; ++k) {
          out[k] = expf(out[k] - largest);
          sum += out[k];
        }
        sum = 1.0f / sum;
        for (k = 0; k < \(M)_CLASSES; ++k) out[k] *= sum;
      }

      /* The most likely class (the first on ties). */
      static inline int \(p)_predict(const \(p)_state *s) {
        float logits[\(M)_CLASSES];
        int k, best = 0;
        \(p)_logits(s, logits);
        for (k = 1; k < \(M)_CLASSES; ++k) {
          if (logits[k] > logits[best]) best = k;
        }
        return best;
      }

      """
  }
}
