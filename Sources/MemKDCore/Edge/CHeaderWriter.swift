import Foundation

/// One constant array of an exported header, as a cell (or the head) declares it.
enum CArray {
  /// A `/* ... */` line before the next array.
  case comment(String)
  /// Tensor `tensor` of `ModelParameters.tensors` (a weight matrix, shape from the layout):
  /// float32, or `int8_t` plus `<symbol>_scale [rows]` in an int8 export.
  case matrix(tensor: Int, symbol: String)
  /// Float values stored as they are (biases, pre-summed or not).
  case floats(symbol: String, values: [Float])
}

/// What a cell contributes to an exported C99 header (`CHeaderExport`). The writer supplies the
/// frame (macros, the head, `_tanh_`, `_dot_`, the state struct from `cStateFields`, logits,
/// softmax, predict); the cell supplies its arrays, its layer function and how `_step` calls it.
/// Implemented in each cell's `+C.swift` file.
protocol CellCEmission {
  /// The state vectors of one layer, each `[HIDDEN]` floats, the hidden state `h` first (the
  /// head reads `h` of the last layer).
  static var cStateFields: [String] { get }
  /// Layer `layer`'s constant arrays, symbols prefixed with `prefix`.
  static func cLayerArrays(layer: Int, parameters: ModelParameters<Float>, prefix: String)
    -> [CArray]
  /// FLOPs of one step of one layer with `input` inputs.
  static func cStepFLOPs(hidden: Int, input: Int, int8: Bool) -> Int
  /// The FLOPs formula, for the header comment.
  static func cFLOPsLines(int8: Bool) -> [String]
  /// What the model computes, in PyTorch terms, for the header comment.
  static var cModelLines: [String] { get }
  /// How the header stores the layer's biases, for the comment's parameter line ("each
  /// layer's two bias vectors are stored summed").
  static var cBiasStorage: String { get }
  /// Floats of stack one layer step uses.
  static func cStackFloats(hidden: Int) -> Int
  /// The statement(s) in `<name>_step` that run layer `layer` on `input` (`inputs` values).
  static func cLayerCall(_ context: CEmissionContext, layer: Int, input: String, inputs: String)
    -> String
  /// The cell's `static inline` layer function(s).
  static func cLayerFunction(_ context: CEmissionContext) -> String
}

extension CellCEmission {
  /// A layer's `weight_ih` and `weight_hh` arrays under the names every cell's layer call
  /// passes (`<prefix>_weight_ih_l<k>`, `<prefix>_weight_hh_l<k>`).
  static func cWeightMatrices(layer: Int, layout: ParameterLayout, prefix: String) -> [CArray] {
    [
      .matrix(
        tensor: layout.index(.weightIH, layer: layer), symbol: "\(prefix)_weight_ih_l\(layer)"),
      .matrix(
        tensor: layout.index(.weightHH, layer: layer), symbol: "\(prefix)_weight_hh_l\(layer)"),
    ]
  }
}

/// The spellings a cell's C code shares with the writer: prefix, macro, weight type and the
/// int8 variants of matrix arguments and dot products.
struct CEmissionContext {
  /// Prefix of every symbol.
  let prefix: String
  /// Prefix of every macro (the prefix upper-cased).
  let macro: String
  let int8: Bool

  /// Element type of weight matrices.
  var weightType: String { int8 ? "int8_t" : "float" }

  /// The extra parameter an int8 matrix argument `label` needs (its row scales), or "".
  func scaleParameter(_ label: String) -> String {
    int8 ? " const float *\(label)_scale," : ""
  }

  /// `dot` scaled by row `r` of matrix `label` in int8 (one multiply per row), else `dot`.
  func scaled(_ label: String, _ dot: String) -> String {
    int8 ? "\(label)_scale[r] * \(dot)" : dot
  }

  /// A matrix passed to a layer function: `symbol,` (and `symbol_scale,` in int8).
  func matrixArgument(_ symbol: String) -> String {
    int8 ? "\(symbol), \(symbol)_scale," : "\(symbol),"
  }

  /// A loop applying each gate block's activation in place on `buffer` (`[G * HIDDEN]`),
  /// branch-free so compilers vectorise it: a sigmoid block through `(1 + tanh(x / 2)) / 2`, a
  /// tanh block through `tanh(x)`, as the Swift kernels compute them.
  func activationLoop(_ activations: [GateActivation], buffer: String) -> String {
    let (p, M, G) = (prefix, macro, activations.count)
    let bound = { (block: Int) in block == 0 ? "0" : "\(block) * \(M)_HIDDEN" }
    var runs: [(Int, Int)] = []
    for (block, activation) in activations.enumerated() where activation == .tanh {
      if let last = runs.last, last.1 == block {
        runs[runs.count - 1].1 = block + 1
      } else {
        runs.append((block, block + 1))
      }
    }
    let header = """
        /* All \(G)H activations in one branch-free loop (compilers vectorise it): sigmoid gates
           go through tanh(x / 2), tanh gates through tanh(x). */
        for (r = 0; r < \(G) * \(M)_HIDDEN; ++r) {

      """
    let allTanh = runs.count == 1 && runs[0] == (0, G)
    if runs.isEmpty || allTanh {
      let body =
        runs.isEmpty
        ? "    \(buffer)[r] = 0.5f + 0.5f * \(p)_tanh_(0.5f * \(buffer)[r]);\n"
        : "    \(buffer)[r] = \(p)_tanh_(\(buffer)[r]);\n"
      return header + body + "  }"
    }
    let terms = runs.map { start, end -> String in
      if start == 0 { return "r < \(bound(end))" }
      if end == G { return "r >= \(bound(start))" }
      return "r >= \(bound(start)) && r < \(bound(end))"
    }
    let condition = terms.count == 1 ? terms[0] : terms.map { "(\($0))" }.joined(separator: " || ")
    return header + """
          const int candidate = \(condition);
          const float t = \(p)_tanh_(candidate ? \(buffer)[r] : 0.5f * \(buffer)[r]);
          \(buffer)[r] = candidate ? t : 0.5f + 0.5f * t;
        }
      """
  }
}

/// Renders the header text (the C source generator behind `CHeaderExport`): the frame common to
/// every cell, with the cell's parts from its `CellCEmission`.
struct CHeaderWriter {
  let parameters: ModelParameters<Float>
  let name: String
  let int8: Bool
  /// Quantised matrices by tensor index (int8 only).
  let matrices: [Int: Int8Matrix]
  var comment: [String] = []

  init(parameters: ModelParameters<Float>, name: String, int8: Bool, matrices: [Int: Int8Matrix]) {
    self.parameters = parameters
    self.name = name
    self.int8 = int8
    self.matrices = matrices
  }

  private var macro: String { name.uppercased() }
  private var config: ModelConfig { parameters.config }
  private var emission: any CellCEmission.Type { config.cell.cEmission }
  private var context: CEmissionContext { CEmissionContext(prefix: name, macro: macro, int8: int8) }

  /// Every constant array of a header: each layer's (from the cell), then the head's.
  static func arrays(of parameters: ModelParameters<Float>, prefix: String) -> [CArray] {
    let config = parameters.config
    let layout = parameters.layout
    var arrays = (0..<config.layers).flatMap {
      config.cell.cEmission.cLayerArrays(layer: $0, parameters: parameters, prefix: prefix)
    }
    arrays += [
      .comment("Head: logits = head_weight h + head_bias."),
      .matrix(tensor: layout.headWeight, symbol: "\(prefix)_head_weight"),
      .floats(symbol: "\(prefix)_head_bias", values: parameters.tensors[layout.headBias]),
    ]
    return arrays
  }

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
    let shapes = parameters.shapes
    for array in Self.arrays(of: parameters, prefix: name) {
      switch array {
      case .comment(let text): out += "/* \(text) */\n"
      case .floats(let symbol, let values):
        out += floatArray(symbol, values, size: "\(values.count)")
      case .matrix(let tensor, let symbol):
        out += matrix(
          index: tensor, symbol: symbol, rows: shapes[tensor][0], columns: shapes[tensor][1])
      }
    }
    out += frame()
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

  /// The state struct: one `[LAYERS][HIDDEN]` array per state vector of the cell.
  private func stateStruct() -> String {
    let (p, M) = (name, macro)
    let fields = emission.cStateFields
    let members = fields.map { "  float \($0)[\(M)_LAYERS][\(M)_HIDDEN];\n" }.joined()
    let zeroes = fields.map { "      s->\($0)[l][j] = 0.0f;\n" }.joined()
    return """
      /* State: the \(fields.joined(separator: ", ")) vectors of every layer. */
      typedef struct {
      \(members)} \(p)_state;

      /* Zero state (the start of every series). */
      static inline void \(p)_init(\(p)_state *s) {
        size_t l, j;
        for (l = 0; l < \(M)_LAYERS; ++l) {
          for (j = 0; j < \(M)_HIDDEN; ++j) {
      \(zeroes)    }
        }
      }


      """
  }

  /// `_tanh_` from `TanhApproximation`, the coefficients the Swift kernels use.
  private func tanhFunction() -> String {
    let bound = Self.literal(TanhApproximation.bound)
    let horner = { (symbol: String, coefficients: [Float]) -> String in
      var lines = "  \(symbol) = \(Self.literal(coefficients[0]));\n"
      for coefficient in coefficients.dropFirst() {
        lines += "  \(symbol) = \(symbol) * x2 + \(Self.literal(coefficient));\n"
      }
      return lines
    }
    return """
      /* tanh as the Swift engine computes it (Eigen's rational minimax approximation, max
         error 3.4e-7): plain arithmetic, several times faster than tanhf on small cores. */
      static inline float \(name)_tanh_(float x) {
        float x2, p, q;
        x = x > \(bound) ? \(bound) : x;
        x = x < -\(bound) ? -\(bound) : x;
        x2 = x * x;
      \(horner("p", TanhApproximation.numerator))  p = p * x;
      \(horner("q", TanhApproximation.denominator))  return p / q;
      }


      """
  }

  private func frame() -> String {
    let (p, M) = (name, macro)
    var layerCalls = ""
    for layer in 0..<config.layers {
      let input = layer == 0 ? "x" : "s->h[\(layer - 1)]"
      let inputs = layer == 0 ? "\(M)_INPUT_SIZE" : "\(M)_HIDDEN"
      layerCalls += emission.cLayerCall(context, layer: layer, input: input, inputs: inputs)
    }
    let headScale = int8 ? "\(p)_head_weight_scale[k] * " : ""
    return stateStruct() + tanhFunction() + """
      static inline float \(p)_dot_(const \(context.weightType) *w, const float *x, size_t n) {
        float sum = 0.0f;
        size_t j;
        for (j = 0; j < n; ++j) sum += \(int8 ? "(float)w[j]" : "w[j]") * x[j];
        return sum;
      }


      """ + emission.cLayerFunction(context) + """

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
