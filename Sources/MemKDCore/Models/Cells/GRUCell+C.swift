/// The GRU's part of an exported C99 header (`CHeaderExport`): its arrays, the state `h`, and
/// one step of one layer. The r and z activations come from `GRUCell.gateActivations` through
/// the writer's activation loop, the tanh from `TanhApproximation`, as in the Swift kernels.
///
/// Arrays per layer: `weight_ih [3H, D_k]`, `weight_hh [3H, H]` (rows r, z, n), `bias [3H]`
/// (`b_ih + b_hh` for r and z, `b_in` alone for n) and `bias_hn [H]` (`b_hn`, which PyTorch
/// adds inside the reset product, so it cannot join the sum).
extension GRUCell: CellCEmission {
  static let cStateFields = ["h"]

  static func cLayerArrays(layer: Int, parameters: ModelParameters<Float>, prefix: String)
    -> [CArray]
  {
    let layout = parameters.layout
    let weights = parameters.layer(layer)
    let H = parameters.config.hiddenSize
    let summed = weights.biasSum
    return [
      .comment("Layer \(layer): rows are gates r, z, n of \(H) units each.")
    ]
      + cWeightMatrices(layer: layer, layout: layout, prefix: prefix) + [
        .comment("r, z: bias_ih_l\(layer) + bias_hh_l\(layer); n: bias_ih_l\(layer) alone"),
        .floats(
          symbol: "\(prefix)_bias_l\(layer)",
          values: Array(summed[..<(2 * H)]) + weights.biasIH[(2 * H)...]),
        .comment("n: bias_hh_l\(layer), inside the reset product r * (W_hn h + b_hn)"),
        .floats(symbol: "\(prefix)_bias_hn_l\(layer)", values: Array(weights.biasHH[(2 * H)...])),
      ]
  }

  /// Per layer: `6H (D + H)` for the two gate matrices (2 per multiply-add), `4H` bias adds
  /// (`3H` rows and `b_hn`), `3H` activations (2 sigmoid, 1 tanh; one each), `2H` for the
  /// reset product and its add, `3H` for `h = n + z (h - n)`; `+ 6H` row scales with int8.
  static func cStepFLOPs(hidden H: Int, input D: Int, int8: Bool) -> Int {
    6 * H * (D + H) + 12 * H + (int8 ? 6 * H : 0)
  }

  static func cFLOPsLines(int8: Bool) -> [String] {
    let lines = [
      "per layer k: 6H(D_k + H) gate matrices (2 per multiply-add) + 4H bias + 3H",
      "activations (2 sigmoid, 1 tanh; 1 each) + 2H reset product + 3H hidden update",
    ]
    return int8 ? lines + ["+ 6H int8 row scales;"] : [lines[0], lines[1] + ";"]
  }

  static let cBiasStorage =
    "each layer's two bias vectors are stored summed for r and z; n keeps b_in and b_hn apart"

  static let cModelLines = [
    "PyTorch nn.GRU (gate order r, z, n; b_hn inside the reset product; zero",
    "initial state) + nn.Linear on the last layer's hidden state.",
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
            \(p)_bias_l\(layer), \(p)_bias_hn_l\(layer), \(inputs), \(input), s->h[\(layer)]);

      """
  }

  static func cLayerFunction(_ c: CEmissionContext) -> String {
    let (p, M, w) = (c.prefix, c.macro, c.weightType)
    let input = c.scaled("w_ih", "input")
    let recurrent = c.scaled("w_hh", "recurrent")
    return """
      /* One GRU layer, one step: x [inputs] -> h [HIDDEN] updated in place (every product
         reads the old h first). gates holds r and z whole and the input half of n; hidden_n
         the recurrent half of n, W_hn h + b_hn, which the reset gate scales. */
      static inline void \(p)_layer_(
          const \(w) *w_ih,\(c.scaleParameter("w_ih")) const \(w) *w_hh,\(c.scaleParameter("w_hh"))
          const float *bias, const float *bias_hn, size_t inputs, const float *x, float *h) {
        float gates[3 * \(M)_HIDDEN];
        float hidden_n[\(M)_HIDDEN];
        size_t r, j;
        for (r = 0; r < 2 * \(M)_HIDDEN; ++r) {
          const float input = \(p)_dot_(w_ih + r * inputs, x, inputs);
          const float recurrent = \(p)_dot_(w_hh + r * \(M)_HIDDEN, h, \(M)_HIDDEN);
          gates[r] = bias[r] + \(input) + \(recurrent);
        }
        for (r = 2 * \(M)_HIDDEN; r < 3 * \(M)_HIDDEN; ++r) {
          const float input = \(p)_dot_(w_ih + r * inputs, x, inputs);
          const float recurrent = \(p)_dot_(w_hh + r * \(M)_HIDDEN, h, \(M)_HIDDEN);
          gates[r] = bias[r] + \(input);
          hidden_n[r - 2 * \(M)_HIDDEN] = bias_hn[r - 2 * \(M)_HIDDEN] + \(recurrent);
        }
      \(c.activationLoop(Array(gateActivations[..<2]), buffer: "gates"))
        for (j = 0; j < \(M)_HIDDEN; ++j) {
          const float n = \(p)_tanh_(gates[2 * \(M)_HIDDEN + j] + gates[j] * hidden_n[j]);
          h[j] = n + gates[\(M)_HIDDEN + j] * (h[j] - n);
        }
      }

      """
  }
}
