extension LSTMCell {
  /// One LSTM layer over a batch, for inference only: the hidden states and nothing the
  /// backward pass needs. Large H runs the training pass's GEMMs (`run`) keeping only `h`;
  /// small H (`H <= smallHiddenLimit`, every student) runs the series-lane kernel
  /// (`SeriesLanes`, `LaneState`).
  ///
  /// Why not `forward`: it keeps every step's gates, cell and `tanh(c)` for backward and runs one
  /// series at a time through the elementwise update, with the `H` units of that series in the
  /// vector lanes. Here eight *series* share a vector: each gate of each unit is one vector for
  /// eight series, so the recurrent product is one fused multiply-add per (gate, unit) pair with
  /// no horizontal work, and a group's `h` and `c` stay in a few cache lines for the whole
  /// sequence. For the 1 x 8 student this took `predict_proba` of 1,029 x 100 series from
  /// ~100 ns to ~26 ns per series and step on one core (README, Benchmark).
  ///
  /// Bit-identical to `forward`'s hidden states (tested, Float and Double): the pre-activation
  /// starts as the summed biases (what `run` fills its GEMM output with), see `SeriesLanes`; the
  /// update is `LSTMCell.update`'s arithmetic.
  /// - Parameters:
  ///   - input: time-major `[T, B, D]`.
  ///   - keepSequence: return `[T, B, H]` (a layer feeding another); false returns the last
  ///     step's `[B, H]` only.
  static func inferenceForward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>, keepSequence: Bool
  ) -> [S] {
    guard shape.hidden <= smallHiddenLimit else {
      // Large H: the training pass's GEMMs, keeping only the hidden states.
      return run(
        input: input, shape: shape, weights: weights,
        keep: keepSequence ? .hiddenSequence : .lastHidden
      ).hidden
    }
    return SeriesLanes.inferenceForward(
      LaneState<S>.self, input: input, shape: shape, weights: weights,
      inputBias: weights.biasSum, keepSequence: keepSequence)
  }
}

/// The recurrent state of a small-H LSTM layer in series lanes: for each group of eight series,
/// `h` and `c` as `[H]` vectors (lane `l` is series `8 group + l`), zero at the start.
struct LaneState<S: EngineScalar>: SeriesLaneState {
  private var hidden: [Lanes<S>]
  private var cell: [Lanes<S>]
  /// One group-step's pre-activations `[padded(4H)]` (`4H` used).
  private var gates: [Lanes<S>]
  private let groups: Int
  private let units: Int

  init(groups: Int, hidden units: Int, weights _: LayerWeights<S>) {
    self.groups = groups
    self.units = units
    hidden = Array(repeating: .zero, count: groups * units)
    cell = Array(repeating: .zero, count: groups * units)
    gates = Array(repeating: .zero, count: SeriesLanes.padded(4 * units))
  }

  /// Runs `pass`'s steps for every group, writing the hidden states `output` asks for.
  /// - Parameter recurrentWeight: W_hh^T `[H, padded(4H)]`, broadcast.
  mutating func run(
    _ pass: LanePass, source: LaneSource<S>, recurrentWeight: UnsafePointer<Lanes<S>>,
    output: UnsafeMutablePointer<S>
  ) {
    let (B, H, G) = (pass.batch, units, 4 * units)
    let width = SeriesLanes.padded(G)
    precondition(pass.hidden == H && (B + 7) / 8 == groups, "LaneState: pass of another shape")
    hidden.withUnsafeMutableBufferPointer { hp in
      cell.withUnsafeMutableBufferPointer { cp in
        gates.withUnsafeMutableBufferPointer { gp in
          let pre = gp.baseAddress!
          for group in 0..<groups {
            let (h, c) = (hp.baseAddress! + group * H, cp.baseAddress! + group * H)
            let (series, count) = (group * 8, min(8, B - group * 8))
            for t in pass.first..<(pass.first + pass.steps) {
              source.load(into: pre, width: G, pass: pass, step: t, series: series, count: count)
              if t > 0 {
                SeriesLanes.addRecurrent(
                  pre, hidden: h, weight: recurrentWeight, units: H, width: width)
              }
              Self.update(pre, hidden: h, cell: c, units: H, first: t == 0)
              SeriesLanes.store(
                h, pass: pass, step: t, series: series, count: count, output: output)
            }
          }
        }
      }
    }
  }

  /// `LSTMCell.update`'s arithmetic on series lanes: `c = i g (+ f c)`, `h = o tanh(c)`.
  ///
  /// Why in passes over all gates, then over all units: one unit's `tanh(c)` waits on its gates'
  /// divisions, and a loop whose every iteration is such a chain ran one unit after another (the
  /// divider idle most of the time); loops of independent short iterations keep it busy.
  @inline(__always)
  private static func update(
    _ pre: UnsafeMutablePointer<Lanes<S>>, hidden h: UnsafeMutablePointer<Lanes<S>>,
    cell c: UnsafeMutablePointer<Lanes<S>>, units H: Int, first: Bool
  ) {
    for j in 0..<(2 * H) { pre[j] = S._sigmoid(pre[j]) }
    for j in (2 * H)..<(3 * H) { pre[j] = S._tanh(pre[j]) }
    for j in (3 * H)..<(4 * H) { pre[j] = S._sigmoid(pre[j]) }
    for unit in 0..<H {
      var cellValue = pre[unit] * pre[2 * H + unit]
      if !first { cellValue += pre[H + unit] * c[unit] }
      c[unit] = cellValue
    }
    for unit in 0..<H { h[unit] = pre[3 * H + unit] * S._tanh(c[unit]) }
  }
}
