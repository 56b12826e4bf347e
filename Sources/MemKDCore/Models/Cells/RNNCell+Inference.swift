extension RNNCell {
  /// One RNN layer over a batch, for inference only: the hidden states, bit-identical to
  /// `forward`'s. Large H runs the training pass (`run`); small H (`H <= smallHiddenLimit`,
  /// every student) runs the series-lane kernel (`SeriesLanes`, `RNNLaneState`): eight series
  /// per vector, the pre-activation starting as the summed biases (what `run` fills its GEMM
  /// output with), the recurrent product `Kernels.smallMatMulAdd`'s sum, then `S._tanh`.
  /// - Returns: `[T, B, H]` when `keepSequence`, else the last step's `[B, H]`.
  static func inferenceForward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>, keepSequence: Bool
  ) -> [S] {
    guard shape.hidden <= smallHiddenLimit else {
      let hidden = run(input: input, shape: shape, weights: weights)
      guard !keepSequence else { return hidden }
      let last = (shape.length - 1) * shape.batch * shape.hidden
      return Array(hidden[last...])
    }
    return SeriesLanes.inferenceForward(
      RNNLaneState<S>.self, input: input, shape: shape, weights: weights,
      inputBias: weights.biasSum, keepSequence: keepSequence)
  }
}

/// The recurrent state of a small-H RNN layer in series lanes: for each group of eight series,
/// `h` as `[H]` vectors (lane `l` is series `8 group + l`), zero at the start.
struct RNNLaneState<S: EngineScalar>: SeriesLaneState {
  private var hidden: [Lanes<S>]
  /// One group-step's pre-activations `[padded(H)]` (`H` used; the padding stays zero).
  private var pre: [Lanes<S>]
  private let groups: Int
  private let units: Int

  init(groups: Int, hidden units: Int, weights _: LayerWeights<S>) {
    self.groups = groups
    self.units = units
    hidden = Array(repeating: .zero, count: groups * units)
    pre = Array(repeating: .zero, count: SeriesLanes.padded(units))
  }

  mutating func run(
    _ pass: LanePass, source: LaneSource<S>, recurrentWeight: UnsafePointer<Lanes<S>>,
    output: UnsafeMutablePointer<S>
  ) {
    let (B, H) = (pass.batch, units)
    let width = SeriesLanes.padded(H)
    precondition(
      pass.hidden == H && (B + 7) / 8 == groups, "RNNLaneState: pass of another shape")
    hidden.withUnsafeMutableBufferPointer { hp in
      pre.withUnsafeMutableBufferPointer { pp in
        let p = pp.baseAddress!
        for group in 0..<groups {
          let h = hp.baseAddress! + group * H
          let (series, count) = (group * 8, min(8, B - group * 8))
          for t in pass.first..<(pass.first + pass.steps) {
            source.load(into: p, width: H, pass: pass, step: t, series: series, count: count)
            if t > 0 {
              SeriesLanes.addRecurrent(
                p, hidden: h, weight: recurrentWeight, units: H, width: width)
            }
            for unit in 0..<H { h[unit] = S._tanh(p[unit]) }
            SeriesLanes.store(h, pass: pass, step: t, series: series, count: count, output: output)
          }
        }
      }
    }
  }
}
