/// The LSTM's part of an exported C99 header (`CHeaderExport`): its constant arrays, its state,
/// and one step of one layer. The gate activations come from `LSTMCell.gateActivations` and the
/// tanh from `TanhApproximation`, the tables the Swift kernels use.
extension LSTMCell: CellCEmission {
  static let cStateFields = ["h", "c"]

  static func cLayerArrays(layer: Int, parameters: ModelParameters<Float>, prefix: String)
    -> [CArray]
  {
    let layout = parameters.layout
    let weights = parameters.layer(layer)
    let H = parameters.config.hiddenSize
    return [
      .comment("Layer \(layer): rows are gates i, f, g, o of \(H) units each.")
    ]
      + cWeightMatrices(layer: layer, layout: layout, prefix: prefix) + [
        .comment("bias_ih_l\(layer) + bias_hh_l\(layer)"),
        .floats(
          symbol: "\(prefix)_bias_l\(layer)",
          values: zip(weights.biasIH, weights.biasHH).map { $0 + $1 }),
      ]
  }

  /// Per layer: `8H (D + H)` for the two gate matrices (2 per multiply-add), `4H` bias adds,
  /// `5H` activations (3 sigmoid + 2 tanh, one each), `4H` for `c = f c + i g` and
  /// `h = o tanh(c)`; `+ 8H` row scales with int8.
  static func cStepFLOPs(hidden H: Int, input D: Int, int8: Bool) -> Int {
    8 * H * (D + H) + 13 * H + (int8 ? 8 * H : 0)
  }

  static func cFLOPsLines(int8: Bool) -> [String] {
    [
      "per layer k: 8H(D_k + H) gate matrices (2 per multiply-add) + 4H bias + 5H",
      "activations (3 sigmoid, 2 tanh; 1 each) + 4H cell/hidden update"
        + (int8 ? " + 8H int8 row scales;" : ";"),
    ]
  }

  static let cBiasStorage = "each layer's two bias vectors are stored summed"

  static let cModelLines = [
    "PyTorch nn.LSTM (gate order i, f, g, o; zero initial state) + nn.Linear",
    "on the last layer's hidden state.",
  ]

  static func cStackFloats(hidden H: Int) -> Int { 4 * H }

  static func cLayerCall(_ c: CEmissionContext, layer: Int, input: String, inputs: String)
    -> String
  {
    let p = c.prefix
    return """
        \(p)_layer_(
            \(c.matrixArgument("\(p)_weight_ih_l\(layer)"))
            \(c.matrixArgument("\(p)_weight_hh_l\(layer)"))
            \(p)_bias_l\(layer), \(inputs), \(input), s->h[\(layer)], s->c[\(layer)]);

      """
  }

  static func cLayerFunction(_ c: CEmissionContext) -> String {
    let (p, M, w) = (c.prefix, c.macro, c.weightType)
    return """
      /* One LSTM layer, one step: x [inputs] -> h, c [HIDDEN] updated in place. */
      static inline void \(p)_layer_(
          const \(w) *w_ih,\(c.scaleParameter("w_ih")) const \(w) *w_hh,\(c.scaleParameter("w_hh"))
          const float *bias, size_t inputs, const float *x, float *h, float *c) {
        float gates[4 * \(M)_HIDDEN];
        size_t r, j;
        for (r = 0; r < 4 * \(M)_HIDDEN; ++r) {
          const float input = \(p)_dot_(w_ih + r * inputs, x, inputs);
          const float recurrent = \(p)_dot_(w_hh + r * \(M)_HIDDEN, h, \(M)_HIDDEN);
          gates[r] = bias[r] + \(c.scaled("w_ih", "input")) + \(c.scaled("w_hh", "recurrent"));
        }
      \(c.activationLoop(gateActivations, buffer: "gates"))
        for (j = 0; j < \(M)_HIDDEN; ++j) {
          c[j] = gates[\(M)_HIDDEN + j] * c[j] + gates[j] * gates[2 * \(M)_HIDDEN + j];
        }
        for (j = 0; j < \(M)_HIDDEN; ++j) h[j] = gates[3 * \(M)_HIDDEN + j] * \(p)_tanh_(c[j]);
      }

      """
  }
}
