extension LSTMCell {
  /// Time steps whose input projections `inferenceForward` computes in one GEMM (inputs wider
  /// than one channel; a univariate layer projects in the lanes, see below).
  static let inferenceTimeBlock = 16

  /// One LSTM layer over a batch, for inference only: the hidden states and nothing the
  /// backward pass needs. Large H runs the training pass's GEMMs (`run`) keeping only `h`;
  /// small H (`H <= smallHiddenLimit`, every student) runs the series-lane kernel below.
  ///
  /// Why not `forward`: it keeps every step's gates, cell and `tanh(c)` for backward and runs one
  /// series at a time through the elementwise update, with the `H` units of that series in the
  /// vector lanes. Here eight *series* share a vector (`Lanes`): each gate of each unit is one
  /// vector for eight series, so the recurrent product is one fused multiply-add per
  /// (gate, unit) pair with no horizontal work, and a group's `h` and `c` stay in a few cache
  /// lines for the whole sequence. For the 1 x 8 student this took `predict_proba` of 1,029 x 100
  /// series from ~100 ns to ~26 ns per series and step on one core (README, Benchmark).
  ///
  /// Bit-identical to `forward`'s hidden states (tested, Float and Double): every element sees the
  /// same operations in the same order. The pre-activation starts as the summed biases; a
  /// univariate input adds `round(x w)` (what the GEMM with `k = 1` adds: one product, rounded,
  /// then added), wider inputs take the GEMM's own values; the recurrent terms are fused
  /// multiply-adds over `k` in order (`Kernels.smallMatMulAdd`'s sum); the update is
  /// `LSTMCell.update`'s arithmetic.
  /// - Parameters:
  ///   - input: time-major `[T, B, D]`.
  ///   - keepSequence: return `[T, B, H]` (a layer feeding another); false returns the last
  ///     step's `[B, H]` only.
  static func inferenceForward<S: EngineScalar>(
    input: [S], shape: LayerShape, weights: LayerWeights<S>, keepSequence: Bool
  ) -> [S] {
    let (B, T, H, G, D) = (
      shape.batch, shape.length, shape.hidden, shape.gateWidth, shape.inputSize
    )
    guard H <= smallHiddenLimit else {
      // Large H: the training pass's GEMMs, keeping only the hidden states.
      return run(
        input: input, shape: shape, weights: weights,
        keep: keepSequence ? .hiddenSequence : .lastHidden
      ).hidden
    }
    precondition(input.count == shape.rows * D && T > 0, "LSTM layer: input size mismatch")
    precondition(weights.weightIH.count == G * D && weights.weightHH.count == G * H)
    precondition(weights.biasIH.count == G && weights.biasHH.count == G)
    let groups = (B + Lanes<S>.scalarCount - 1) / Lanes<S>.scalarCount
    let biasSum = weights.biasSum
    // Every constant the lanes multiply by, broadcast once (AVX2 has no broadcast operand):
    // W_hh^T `[H, paddedGates]` (the weights of one input unit `k` to every gate contiguous,
    // zero past G), and for a univariate layer the summed biases and `weight_ih` `[G]`.
    let transposed = Kernels.transpose(weights.weightHH, rows: G, cols: H)
    let padded = LaneState<S>.paddedGates(hidden: H)
    let recurrentWeight = (0..<(H * padded)).map { index in
      Lanes<S>(repeating: index % padded < G ? transposed[index / padded * G + index % padded] : 0)
    }
    let (biasLanes, inputWeightLanes) = (
      biasSum.map { Lanes<S>(repeating: $0) },
      D == 1 ? weights.weightIH.map { Lanes<S>(repeating: $0) } : []
    )
    var state = LaneState<S>(groups: groups, hidden: H)
    var output: [S] = Kernels.uninitialized((keepSequence ? T : 1) * B * H)
    let block = D == 1 ? T : min(inferenceTimeBlock, T)
    var projected: [S] = D == 1 ? [] : Kernels.uninitialized(block * B * G)
    for first in stride(from: 0, to: T, by: block) {
      let steps = min(block, T - first)
      if D > 1 {
        // The training pass's GEMM, per element: the summed biases plus the input products.
        Kernels.fillRows(&projected, rows: steps * B, with: biasSum)
        Kernels.gemm(
          transB: true, m: steps * B, n: G, k: D, a: input, aOffset: first * B * D, lda: D,
          b: weights.weightIH, ldb: D, beta: 1, c: &projected, ldc: G)
      }
      let pass = LanePass(
        batch: B, length: T, hidden: H, first: first, steps: steps,
        keepSequence: keepSequence)
      input.withUnsafeBufferPointer { x in
        projected.withUnsafeBufferPointer { p in
          biasLanes.withUnsafeBufferPointer { bias in
            inputWeightLanes.withUnsafeBufferPointer { wih in
              recurrentWeight.withUnsafeBufferPointer { whh in
                output.withUnsafeMutableBufferPointer { out in
                  let source: LaneSource<S> =
                    D == 1
                    ? .univariate(
                      input: x.baseAddress!, bias: bias.baseAddress!, weight: wih.baseAddress!)
                    : .projected(p.baseAddress!)
                  state.run(
                    pass, source: source, recurrentWeight: whh.baseAddress!,
                    output: out.baseAddress!)
                }
              }
            }
          }
        }
      }
    }
    return output
  }
}

/// Where a lane pass's pre-activations come from before the recurrent terms.
enum LaneSource<S: EngineScalar> {
  /// `bias[j] + round(x w[j])` from the time-major input `[T, B]`, the summed biases and
  /// `weight_ih` `[G]` (both broadcast).
  case univariate(
    input: UnsafePointer<S>, bias: UnsafePointer<Lanes<S>>, weight: UnsafePointer<Lanes<S>>)
  /// The block's projections `[steps, B, G]` (biases included), as the training GEMM makes them.
  case projected(UnsafePointer<S>)
}

/// The steps `first ..< first + steps` of a lane pass over `batch` series.
struct LanePass {
  let batch: Int
  let length: Int
  let hidden: Int
  let first: Int
  let steps: Int
  /// Write every step's `h` (`[T, B, H]`); false writes the last step's (`[B, H]`).
  let keepSequence: Bool
}

/// The recurrent state of a small-H LSTM layer in series lanes: for each group of eight series,
/// `h` and `c` as `[H]` vectors (lane `l` is series `8 group + l`), zero at the start.
struct LaneState<S: EngineScalar> {
  private var hidden: [Lanes<S>]
  private var cell: [Lanes<S>]
  /// One group-step's pre-activations `[paddedGates]` (`4H` used).
  private var gates: [Lanes<S>]
  private let groups: Int
  private let units: Int

  /// `4H` rounded up to a multiple of eight, the recurrent product's block of gates; the
  /// padding gates have zero weights and are never read.
  static func paddedGates(hidden units: Int) -> Int { (4 * units + 7) / 8 * 8 }

  init(groups: Int, hidden units: Int) {
    self.groups = groups
    self.units = units
    hidden = Array(repeating: .zero, count: groups * units)
    cell = Array(repeating: .zero, count: groups * units)
    gates = Array(repeating: .zero, count: Self.paddedGates(hidden: units))
  }

  /// Runs `pass`'s steps for every group, writing the hidden states `output` asks for.
  /// - Parameter recurrentWeight: W_hh^T `[H, paddedGates]`, broadcast.
  mutating func run(
    _ pass: LanePass, source: LaneSource<S>, recurrentWeight: UnsafePointer<Lanes<S>>,
    output: UnsafeMutablePointer<S>
  ) {
    let (B, H, G) = (pass.batch, units, 4 * units)
    precondition(pass.hidden == H && (B + 7) / 8 == groups, "LaneState: pass of another shape")
    hidden.withUnsafeMutableBufferPointer { hp in
      cell.withUnsafeMutableBufferPointer { cp in
        gates.withUnsafeMutableBufferPointer { gp in
          let pre = gp.baseAddress!
          for group in 0..<groups {
            let (h, c) = (hp.baseAddress! + group * H, cp.baseAddress! + group * H)
            let (series, count) = (group * 8, min(8, B - group * 8))
            for t in pass.first..<(pass.first + pass.steps) {
              switch source {
              case .univariate(let input, let bias, let weight):
                let x = (input + t * B + series).lanes(count)
                for j in 0..<G { pre[j] = bias[j] + x * weight[j] }
              case .projected(let projected):
                let rows = projected + ((t - pass.first) * B + series) * G
                for j in 0..<G {
                  var vector = Lanes<S>()
                  for lane in 0..<count { vector[lane] = rows[lane * G + j] }
                  pre[j] = vector
                }
              }
              if t > 0 { Self.addRecurrent(pre, hidden: h, weight: recurrentWeight, units: H) }
              Self.update(pre, hidden: h, cell: c, units: H, first: t == 0)
              if pass.keepSequence || t == pass.length - 1 {
                let row = output + ((pass.keepSequence ? t * B : 0) + series) * H
                for unit in 0..<H {
                  for lane in 0..<count { row[lane * H + unit] = h[unit][lane] }
                }
              }
            }
          }
        }
      }
    }
  }

  /// `pre[j] += sum_k h[k] W_hh^T[k, j]`, fused multiply-adds over `k` in order, eight gates at
  /// a time over the padded gates: eight independent chains hide the FMA latency (four were
  /// ~5 % slower on one core).
  @inline(__always)
  private static func addRecurrent(
    _ pre: UnsafeMutablePointer<Lanes<S>>, hidden h: UnsafePointer<Lanes<S>>,
    weight: UnsafePointer<Lanes<S>>, units H: Int
  ) {
    let padded = paddedGates(hidden: H)
    for j in stride(from: 0, to: padded, by: 8) {
      var (s0, s1, s2, s3) = (pre[j], pre[j + 1], pre[j + 2], pre[j + 3])
      var (s4, s5, s6, s7) = (pre[j + 4], pre[j + 5], pre[j + 6], pre[j + 7])
      var w = weight + j
      for k in 0..<H {
        let hk = h[k]
        s0 = s0.addingProduct(hk, w[0])
        s1 = s1.addingProduct(hk, w[1])
        s2 = s2.addingProduct(hk, w[2])
        s3 = s3.addingProduct(hk, w[3])
        s4 = s4.addingProduct(hk, w[4])
        s5 = s5.addingProduct(hk, w[5])
        s6 = s6.addingProduct(hk, w[6])
        s7 = s7.addingProduct(hk, w[7])
        w += padded
      }
      (pre[j], pre[j + 1], pre[j + 2], pre[j + 3]) = (s0, s1, s2, s3)
      (pre[j + 4], pre[j + 5], pre[j + 6], pre[j + 7]) = (s4, s5, s6, s7)
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
