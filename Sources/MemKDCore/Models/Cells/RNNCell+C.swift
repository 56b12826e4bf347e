/// The RNN's part of an exported C99 header (`CHeaderExport`): its arrays (`weight_ih [H, D_k]`,
/// `weight_hh [H, H]`, `bias = b_ih + b_hh [H]`), the state `h`, and one step of one layer. The
/// tanh is the writer's `_tanh_`, the Swift kernels' approximation.
extension RNNCell: CellCEmission {
  static let cStateFields = ["h"]

  static func cLayerArrays(layer: Int, parameters: ModelParameters<Float>, prefix: String)
    -> [CArray]
  {
    let layout = parameters.layout
    let weights = parameters.layer(layer)
    let H = parameters.config.hiddenSize
    return [
      .comment("Layer \(layer): one block of \(H) rows (h' = tanh(W_ih x + W_hh h + bias)).")
    ]
      + cWeightMatrices(layer: layer, layout: layout, prefix: prefix) + [
        .comment("bias_ih_l\(layer) + bias_hh_l\(layer)"),
        .floats(symbol: "\(prefix)_bias_l\(layer)", values: weights.biasSum),
      ]
  }

  /// Per layer: `2H (D + H)` for the two matrices (2 per multiply-add), `H` bias adds, `H`
  /// tanh; `+ 2H` row scales with int8.
  static func cStepFLOPs(hidden H: Int, input D: Int, int8: Bool) -> Int {
    2 * H * (D + H) + 2 * H + (int8 ? 2 * H : 0)
  }

  static func cFLOPsLines(int8: Bool) -> [String] {
    [
      "per layer k: 2H(D_k + H) matrices (2 per multiply-add) + H bias + H tanh"
        + (int8 ? " + 2H int8 row scales;" : ";")
    ]
  }

  static let cBiasStorage = "each layer's two bias vectors are stored summed"

  static let cModelLines = [
    "PyTorch nn.RNN (tanh; zero initial state) + nn.Linear",
    "on the last layer's hidden state.",
  ]

  static func cStackFloats(hidden H: Int) -> Int { H }

  static func cLayerCall(_ c: CEmissionContext, layer: Int, input: String, inputs: String)
    -> String
  {
    let p = c.prefix
    return """
        \(p)_layer_(
            \(c.matrixArgument("\(p)_weight_ih_l\(layer)"))
            \(c.matrixArgument("\(p)_weight_hh_l\(layer)"))
            \(p)_bias_l\(layer), \(inputs), \(input), s->h[\(layer)]);

      """
  }

  static func cLayerFunction(_ c: CEmissionContext) -> String {
    let (p, M, w) = (c.prefix, c.macro, c.weightType)
    return """
      /* One RNN layer, one step: x [inputs] -> h [HIDDEN] updated in place (every product
         reads the old h first). */
      static inline void \(p)_layer_(
          const \(w) *w_ih,\(c.scaleParameter("w_ih")) const \(w) *w_hh,\(c.scaleParameter("w_hh"))
          const float *bias, size_t inputs, const float *x, float *h) {
        float pre[\(M)_HIDDEN];
        size_t r;
        for (r = 0; r < \(M)_HIDDEN; ++r) {
          const float input = \(p)_dot_(w_ih + r * inputs, x, inputs);
          const float recurrent = \(p)_dot_(w_hh + r * \(M)_HIDDEN, h, \(M)_HIDDEN);
          pre[r] = bias[r] + \(c.scaled("w_ih", "input")) + \(c.scaled("w_hh", "recurrent"));
        }
        for (r = 0; r < \(M)_HIDDEN; ++r) h[r] = \(p)_tanh_(pre[r]);
      }

      """
  }
}
