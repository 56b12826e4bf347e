extension GRUCell {
  /// One GRU layer over a batch, for inference only: the hidden states, bit-identical to
  /// `forward`'s. Large H runs the training pass (`run`) keeping only `h`; small H
  /// (`H <= smallHiddenLimit`, every student) runs the series-lane kernel (`SeriesLanes`,
  /// `GRULaneState`): eight series per vector, the input half starting as `b_ih` (what `run`
  /// fills its GEMM output with), the recurrent half as `b_hh` plus `Kernels.smallMatMulAdd`'s
  /// sum, then `GRUCell.update`'s arithmetic.
  /// - Returns: `[T, B, H]` when `keepSequence`, else the last step's `[B, H]`.
  static func inferenceForward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>, keepSequence: Bool
  ) -> [S] {
    guard shape.hidden <= smallHiddenLimit else {
      return run(
        input: input, shape: shape, weights: weights,
        keep: keepSequence ? .hiddenSequence : .lastHidden
      ).hidden
    }
    return SeriesLanes.inferenceForward(
      GRULaneState<S>.self, input: input, shape: shape, weights: weights,
      inputBias: weights.biasIH, keepSequence: keepSequence)
  }
}

/// The recurrent state of a small-H GRU layer in series lanes: for each group of eight series,
/// `h` as `[H]` vectors (lane `l` is series `8 group + l`), zero at the start.
struct GRULaneState<S: EngineScalar>: SeriesLaneState {
  private var hidden: [Lanes<S>]
  /// One group-step's input halves `W_ih x + b_ih` `[3H]`, activated in place.
  private var input: [Lanes<S>]
  /// One group-step's recurrent halves `W_hh h + b_hh` `[padded(3H)]` (`3H` used).
  private var recurrent: [Lanes<S>]
  /// `b_hh` broadcast `[padded(3H)]`, zero past `3H`.
  private let recurrentBias: [Lanes<S>]
  private let groups: Int
  private let units: Int

  init(groups: Int, hidden units: Int, weights: LayerWeights<S>) {
    self.groups = groups
    self.units = units
    let width = SeriesLanes.padded(3 * units)
    hidden = Array(repeating: .zero, count: groups * units)
    input = Array(repeating: .zero, count: 3 * units)
    recurrent = Array(repeating: .zero, count: width)
    recurrentBias = (0..<width).map { j in
      Lanes<S>(repeating: j < 3 * units ? weights.biasHH[j] : 0)
    }
  }

  mutating func run(
    _ pass: LanePass, source: LaneSource<S>, recurrentWeight: UnsafePointer<Lanes<S>>,
    output: UnsafeMutablePointer<S>
  ) {
    let (B, H) = (pass.batch, units)
    let width = SeriesLanes.padded(3 * H)
    precondition(
      pass.hidden == H && (B + 7) / 8 == groups, "GRULaneState: pass of another shape")
    hidden.withUnsafeMutableBufferPointer { hp in
      input.withUnsafeMutableBufferPointer { ip in
        recurrent.withUnsafeMutableBufferPointer { rp in
          recurrentBias.withUnsafeBufferPointer { bp in
            let (x, rec, bias) = (ip.baseAddress!, rp.baseAddress!, bp.baseAddress!)
            for group in 0..<groups {
              let h = hp.baseAddress! + group * H
              let (series, count) = (group * 8, min(8, B - group * 8))
              for t in pass.first..<(pass.first + pass.steps) {
                source.load(
                  into: x, width: 3 * H, pass: pass, step: t, series: series, count: count)
                rec.update(from: bias, count: width)
                if t > 0 {
                  SeriesLanes.addRecurrent(
                    rec, hidden: h, weight: recurrentWeight, units: H, width: width)
                }
                Self.update(x, recurrent: rec, hidden: h, units: H)
                SeriesLanes.store(
                  h, pass: pass, step: t, series: series, count: count, output: output)
              }
            }
          }
        }
      }
    }
  }

  /// `GRUCell.update`'s arithmetic on series lanes: `r`, `z` the sigmoids of the summed halves,
  /// `n = tanh(x_n + r rec_n)`, `h = n + z (h - n)` (`h` is zero at the first step, as the
  /// training pass's zero vector).
  ///
  /// In passes over all gates, then over all units, as the LSTM's lane update (independent
  /// short iterations keep the divider busy).
  @inline(__always)
  private static func update(
    _ x: UnsafeMutablePointer<Lanes<S>>, recurrent rec: UnsafePointer<Lanes<S>>,
    hidden h: UnsafeMutablePointer<Lanes<S>>, units H: Int
  ) {
    for j in 0..<(2 * H) { x[j] = S._sigmoid(x[j] + rec[j]) }
    for unit in 0..<H {
      x[2 * H + unit] = S._tanh(x[2 * H + unit] + x[unit] * rec[2 * H + unit])
    }
    for unit in 0..<H {
      let candidate = x[2 * H + unit]
      h[unit] = candidate + x[H + unit] * (h[unit] - candidate)
    }
  }
}
