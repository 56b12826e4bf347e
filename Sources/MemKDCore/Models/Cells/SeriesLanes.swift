/// The small-H inference kernels' common part: eight *series* per vector (`Lanes`), one lane
/// state per cell (`SeriesLaneState`: the LSTM's `LaneState`, `RNNLaneState`, `GRULaneState`).
///
/// Why series lanes: the training pass runs one series at a time through the elementwise update,
/// with the `H` units of that series in the vector lanes. Here each gate of each unit is one
/// vector for eight series, so the recurrent product is one fused multiply-add per
/// (gate, unit) pair with no horizontal work, and a group's state stays in a few cache lines for
/// the whole sequence.
///
/// Bit-identical to `forward`'s hidden states (tested, Float and Double): every element sees the
/// same operations in the same order. The input half of a pre-activation starts as the bias the
/// training pass fills its GEMM output with (the summed biases for the LSTM and the RNN, `b_ih`
/// for the GRU); a univariate input adds `round(x w)` (what the GEMM with `k = 1` adds: one
/// product, rounded, then added), wider inputs take the GEMM's own values; the recurrent terms
/// are fused multiply-adds over `k` in order (`Kernels.smallMatMulAdd`'s sum); the update is the
/// cell's own arithmetic.
enum SeriesLanes {
  /// `width` rounded up to a multiple of eight, the recurrent product's block of outputs; the
  /// padding outputs have zero weights and are never read.
  @inline(__always)
  static func padded(_ width: Int) -> Int { (width + 7) / 8 * 8 }

  /// One small-H layer over a batch in series lanes, for inference only.
  /// - Parameters:
  ///   - input: time-major `[T, B, D]`.
  ///   - inputBias: `[G]`, what the training pass fills its input-projection GEMM output with.
  ///   - keepSequence: return `[T, B, H]` (a layer feeding another); false returns the last
  ///     step's `[B, H]` only.
  @inline(__always)
  static func inferenceForward<State: SeriesLaneState>(
    _: State.Type, input: [State.Scalar], shape: LayerShape, weights: LayerWeights<State.Scalar>,
    inputBias: [State.Scalar], keepSequence: Bool
  ) -> [State.Scalar] {
    typealias S = State.Scalar
    let (B, T, H, G, D) = (
      shape.batch, shape.length, shape.hidden, shape.gateWidth, shape.inputSize
    )
    precondition(input.count == shape.rows * D && T > 0, "lane layer: input size mismatch")
    precondition(weights.weightIH.count == G * D && weights.weightHH.count == G * H)
    precondition(weights.biasIH.count == G && weights.biasHH.count == G && inputBias.count == G)
    let groups = (B + Lanes<S>.scalarCount - 1) / Lanes<S>.scalarCount
    // Every constant the lanes multiply by, broadcast once (AVX2 has no broadcast operand):
    // W_hh^T `[H, padded(G)]` (the weights of one input unit `k` to every gate contiguous,
    // zero past G), and for a univariate layer the input bias and `weight_ih` `[G]`.
    let transposed = Kernels.transpose(weights.weightHH, rows: G, cols: H)
    let width = padded(G)
    let recurrentWeight = (0..<(H * width)).map { index in
      Lanes<S>(repeating: index % width < G ? transposed[index / width * G + index % width] : 0)
    }
    let (biasLanes, inputWeightLanes) = (
      inputBias.map { Lanes<S>(repeating: $0) },
      D == 1 ? weights.weightIH.map { Lanes<S>(repeating: $0) } : []
    )
    var state = State(groups: groups, hidden: H, weights: weights)
    var output: [S] = Kernels.uninitialized((keepSequence ? T : 1) * B * H)
    // Wider inputs: the training pass's GEMM itself, per element the input bias plus the input
    // products. All steps in one call, as `forward` makes it: OpenBLAS's value of an element
    // depends on the GEMM's shape (a time-blocked GEMM, `m = 16 B` instead of `T B`, differed
    // from `forward` by an ulp for a second layer of 32 units, so the projections are not
    // blocked; they take what `forward`'s do, `[T, B, G]`).
    var projected: [S] = []
    if D > 1 {
      projected = Kernels.uninitialized(shape.rows * G)
      Kernels.fillRows(&projected, rows: shape.rows, with: inputBias)
      Kernels.gemm(
        transB: true, m: shape.rows, n: G, k: D, a: input, lda: D,
        b: weights.weightIH, ldb: D, beta: 1, c: &projected, ldc: G)
    }
    let pass = LanePass(
      batch: B, length: T, hidden: H, first: 0, steps: T, keepSequence: keepSequence)
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
    return output
  }

  /// `pre[j] += sum_k h[k] W_hh^T[k, j]` for `j < width` (a multiple of eight), fused
  /// multiply-adds over `k` in order, eight outputs at a time: eight independent chains hide the
  /// FMA latency (four were ~5 % slower on one core).
  /// - Parameter weight: W_hh^T `[H, width]`, broadcast.
  @inline(__always)
  static func addRecurrent<S: EngineScalar>(
    _ pre: UnsafeMutablePointer<Lanes<S>>, hidden h: UnsafePointer<Lanes<S>>,
    weight: UnsafePointer<Lanes<S>>, units H: Int, width: Int
  ) {
    for j in stride(from: 0, to: width, by: 8) {
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
        w += width
      }
      (pre[j], pre[j + 1], pre[j + 2], pre[j + 3]) = (s0, s1, s2, s3)
      (pre[j + 4], pre[j + 5], pre[j + 6], pre[j + 7]) = (s4, s5, s6, s7)
    }
  }

  /// Writes a group's `h` `[H]` (lane `l` is series `series + l`) into `output` as `pass` asks:
  /// every step's (`[T, B, H]`) or the last step's (`[B, H]`).
  @inline(__always)
  static func store<S: EngineScalar>(
    _ h: UnsafePointer<Lanes<S>>, pass: LanePass, step t: Int, series: Int, count: Int,
    output: UnsafeMutablePointer<S>
  ) {
    guard pass.keepSequence || t == pass.length - 1 else { return }
    let (B, H) = (pass.batch, pass.hidden)
    let row = output + ((pass.keepSequence ? t * B : 0) + series) * H
    for unit in 0..<H {
      for lane in 0..<count { row[lane * H + unit] = h[unit][lane] }
    }
  }
}

/// The recurrent state of a small-H layer in series lanes, one conforming type per cell.
protocol SeriesLaneState {
  associatedtype Scalar: EngineScalar
  /// Zero state for `groups` groups of eight series.
  init(groups: Int, hidden units: Int, weights: LayerWeights<Scalar>)
  /// Runs `pass`'s steps for every group, writing the hidden states `output` asks for.
  /// - Parameter recurrentWeight: W_hh^T `[H, SeriesLanes.padded(G)]`, broadcast.
  mutating func run(
    _ pass: LanePass, source: LaneSource<Scalar>, recurrentWeight: UnsafePointer<Lanes<Scalar>>,
    output: UnsafeMutablePointer<Scalar>)
}

/// Where a lane pass's pre-activations come from before the recurrent terms.
enum LaneSource<S: EngineScalar> {
  /// `bias[j] + round(x w[j])` from the time-major input `[T, B]`, the input bias and
  /// `weight_ih` `[G]` (both broadcast).
  case univariate(
    input: UnsafePointer<S>, bias: UnsafePointer<Lanes<S>>, weight: UnsafePointer<Lanes<S>>)
  /// The block's projections `[steps, B, G]` (biases included), as the training GEMM makes them.
  case projected(UnsafePointer<S>)

  /// Step `t`'s input halves `pre[0 ..< width]` for the series `series ..< series + count`.
  @inline(__always)
  func load(
    into pre: UnsafeMutablePointer<Lanes<S>>, width G: Int, pass: LanePass, step t: Int,
    series: Int, count: Int
  ) {
    switch self {
    case .univariate(let input, let bias, let weight):
      let x = (input + t * pass.batch + series).lanes(count)
      for j in 0..<G { pre[j] = bias[j] + x * weight[j] }
    case .projected(let projected):
      let rows = projected + ((t - pass.first) * pass.batch + series) * G
      for j in 0..<G {
        var vector = Lanes<S>()
        for lane in 0..<count { vector[lane] = rows[lane * G + j] }
        pre[j] = vector
      }
    }
  }
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
