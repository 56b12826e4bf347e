/// Classifies a stream one time step at a time: the LSTM's state is kept between calls, so each
/// new sample costs one step of the network (`O(L H (D + H))`), not a pass over the series.
///
/// Why a separate type: `LSTMClassifier.forward` is built for batches of whole series (GEMMs,
/// traces for backward). An edge device sees one sample at a time and must not allocate per
/// step. This class copies the (transposed) weights and every buffer it needs into one arena at
/// `init`; a step is then pure arithmetic on that memory, with no allocation, reference
/// counting or exclusivity checks (measured: Swift arrays as class properties cost ~100 ns per
/// step in access checks alone).
///
/// The arithmetic is the batch engine's: PyTorch gate order (i, f, g, o), the same eight-lane
/// sigmoid/tanh, zero initial state. After `T` steps of a series the probabilities equal
/// `LSTMClassifier.forward` on that series to ~1e-7 (summation order differs; tested to 1e-6).
///
/// Not thread-safe: one stream per instance.
public final class StreamingClassifier {
  public let config: LSTMConfig
  public let preprocessing: StreamPreprocessing
  /// Steps since the last `reset()`.
  public private(set) var steps = 0

  /// Offsets into `arena` (in Floats) of, per layer, `W_ih^T [D_k, 4H]`, `W_hh^T [H, 4H]` (gates
  /// contiguous for the inner loops) and `b_ih + b_hh [4H]`; of `W_head^T [H, C]` and
  /// `b_head [C]`; and of the mutable part: hidden `[L, H]`, cell `[L, H]`, gates `[4H]`,
  /// input `[D]`.
  private struct Layout {
    var inputWeights: [Int] = []
    var recurrentWeights: [Int] = []
    var biases: [Int] = []
    var headWeight = 0
    var headBias = 0
    /// The class count rounded up to whole eight-lane chunks (padding classes have weight 0
    /// and a bias of -1e30, so they never win the max and their exp is 0), and the logits
    /// scratch `[paddedClasses]`.
    var paddedClasses = 0
    var logits = 0
    var hidden = 0
    var cell = 0
    var gates = 0
    var input = 0
    var count = 0
  }

  private let layout: Layout
  private let arena: UnsafeMutablePointer<Float>
  private var statistics = RunningStatistics()

  public init(model: LSTMClassifier<Float>, preprocessing: StreamPreprocessing = .none) {
    let config = model.config
    self.config = config
    self.preprocessing = preprocessing
    let (H, G, L) = (config.hiddenSize, 4 * config.hiddenSize, config.layers)
    let tensors = model.parameters.tensors
    var blocks: [[Float]] = []
    var layout = Layout()
    func place(_ values: [Float]) -> Int {
      let offset = layout.count
      blocks.append(values)
      layout.count += values.count
      return offset
    }
    for layer in 0..<L {
      let base = 4 * layer
      layout.inputWeights.append(
        place(Kernels.transpose(tensors[base], rows: G, cols: config.layerInputSize(layer))))
      layout.recurrentWeights.append(place(Kernels.transpose(tensors[base + 1], rows: G, cols: H)))
      layout.biases.append(place(zip(tensors[base + 2], tensors[base + 3]).map { $0 + $1 }))
    }
    let (C, padded) = (config.classes, (config.classes + 7) / 8 * 8)
    layout.paddedClasses = padded
    let headT = Kernels.transpose(tensors[4 * L], rows: C, cols: H)
    var paddedHead = [Float](repeating: 0, count: H * padded)
    for j in 0..<H {
      for k in 0..<C { paddedHead[j * padded + k] = headT[j * C + k] }
    }
    layout.headWeight = place(paddedHead)
    var paddedBias = [Float](repeating: -1e30, count: padded)
    for k in 0..<C { paddedBias[k] = tensors[4 * L + 1][k] }
    layout.headBias = place(paddedBias)
    layout.logits = place([Float](repeating: 0, count: padded))
    layout.hidden = place([Float](repeating: 0, count: L * H))
    layout.cell = place([Float](repeating: 0, count: L * H))
    layout.gates = place([Float](repeating: 0, count: G))
    layout.input = place([Float](repeating: 0, count: config.inputSize))
    self.layout = layout
    arena = .allocate(capacity: layout.count)
    var offset = 0
    for block in blocks {
      block.withUnsafeBufferPointer { (arena + offset).initialize(from: $0.baseAddress!, count: block.count) }
      offset += block.count
    }
  }

  deinit { arena.deallocate() }

  /// Back to the zero state (and, for running normalisation, no statistics).
  public func reset() {
    (arena + layout.hidden).update(repeating: 0, count: 2 * config.layers * config.hiddenSize)
    statistics = RunningStatistics()
    steps = 0
  }

  /// Advances by one time step of a one-channel stream.
  public func step(_ value: Float) {
    precondition(config.inputSize == 1, "StreamingClassifier: step(_:) needs one input channel")
    arena[layout.input] = value
    advance()
  }

  /// Advances by one time step; `values` holds the step's `inputSize` channels.
  public func step(_ values: [Float]) {
    precondition(
      values.count == config.inputSize,
      "StreamingClassifier: a step has \(config.inputSize) values, got \(values.count)")
    for channel in 0..<values.count { arena[layout.input + channel] = values[channel] }
    advance()
  }

  /// Advances by every step of `chunk` (`[n, inputSize]` row-major).
  public func step(chunk: [Float]) {
    precondition(
      chunk.count % config.inputSize == 0,
      "StreamingClassifier: a chunk holds whole steps of \(config.inputSize) values")
    var offset = 0
    while offset < chunk.count {
      for channel in 0..<config.inputSize { arena[layout.input + channel] = chunk[offset + channel] }
      advance()
      offset += config.inputSize
    }
  }

  /// Writes the current class probabilities `[C]` into `out` (resized only if its size is
  /// wrong, so a caller reusing one buffer never allocates). Eight classes at a time: logits
  /// from `W^T`, then a vectorised exp (`fastExp`); within ~2e-7 of the batch engine's softmax.
  public func probabilities(into out: inout [Float]) {
    if out.count != config.classes { out = [Float](repeating: 0, count: config.classes) }
    out.withUnsafeMutableBufferPointer { buffer in writeProbabilities(to: buffer.baseAddress!) }
  }

  /// The current class probabilities `[C]` (allocates; use `probabilities(into:)` per step).
  public var currentProbabilities: [Float] {
    var out: [Float] = []
    probabilities(into: &out)
    return out
  }

  /// The last layer's hidden state `[H]` (a copy).
  public var lastHidden: [Float] {
    let start = arena + layout.hidden + (config.layers - 1) * config.hiddenSize
    return Array(UnsafeBufferPointer(start: start, count: config.hiddenSize))
  }

  // MARK: - Kernels

  private func advance() {
    let (H, G, D) = (config.hiddenSize, 4 * config.hiddenSize, config.inputSize)
    let input = arena + layout.input
    if case .runningZNormalization = preprocessing {
      for channel in 0..<D { input[channel] = statistics.normalizeAndUpdate(input[channel]) }
    }
    let hidden = arena + layout.hidden
    let cell = arena + layout.cell
    let gates = arena + layout.gates
    for layer in 0..<config.layers {
      let below = layer == 0 ? UnsafePointer(input) : UnsafePointer(hidden + (layer - 1) * H)
      Self.stepLayer(
        input: below, width: config.layerInputSize(layer), hidden: hidden + layer * H,
        cell: cell + layer * H, gates: gates, hiddenSize: H, gateWidth: G,
        inputWeight: arena + layout.inputWeights[layer],
        recurrentWeight: arena + layout.recurrentWeights[layer], bias: arena + layout.biases[layer])
    }
    steps += 1
  }

  /// One LSTM cell update in place: `gates = b + x W_ih^T + h W_hh^T`, then the batch engine's
  /// activations and `c = f c + i g`, `h = o tanh(c)`.
  @inline(__always)
  private static func stepLayer(
    input x: UnsafePointer<Float>, width: Int, hidden h: UnsafeMutablePointer<Float>,
    cell c: UnsafeMutablePointer<Float>, gates g: UnsafeMutablePointer<Float>, hiddenSize H: Int,
    gateWidth G: Int, inputWeight wi: UnsafeMutablePointer<Float>,
    recurrentWeight wh: UnsafeMutablePointer<Float>, bias b: UnsafeMutablePointer<Float>
  ) {
    forEachLaneChunk(G) { j, n in
      var sum = (b + j).lanes(n)
      for d in 0..<width { sum += (wi + d * G + j).lanes(n) * x[d] }
      for k in 0..<H { sum += (wh + k * G + j).lanes(n) * h[k] }
      (g + j).store(sum, n)
    }
    forEachLaneChunk(H) { j, n in
      let i = Float._sigmoid((g + j).lanes(n))
      let f = Float._sigmoid((g + H + j).lanes(n))
      let candidate = Float._tanh((g + 2 * H + j).lanes(n))
      let o = Float._sigmoid((g + 3 * H + j).lanes(n))
      let newCell = f * (c + j).lanes(n) + i * candidate
      (c + j).store(newCell, n)
      (h + j).store(o * Float._tanh(newCell), n)
    }
  }

  private func writeProbabilities(to out: UnsafeMutablePointer<Float>) {
    let (H, C, padded) = (config.hiddenSize, config.classes, layout.paddedClasses)
    let weight = arena + layout.headWeight
    let bias = arena + layout.headBias
    let logits = arena + layout.logits
    let state = arena + layout.hidden + (config.layers - 1) * H
    var maximum = SIMD8<Float>(repeating: -.infinity)
    var k = 0
    while k < padded {
      var chunk = (bias + k).lanes(8)
      for j in 0..<H { chunk += (weight + j * padded + k).lanes(8) * state[j] }
      (logits + k).store(chunk, 8)
      maximum = pointwiseMax(maximum, chunk)
      k += 8
    }
    let shift = SIMD8<Float>(repeating: maximum.max())
    var total = SIMD8<Float>()
    k = 0
    while k < padded {
      let e = Self.fastExp((logits + k).lanes(8) - shift)
      (logits + k).store(e, 8)
      total += e
      k += 8
    }
    let scale = 1 / total.sum()
    for index in 0..<C { out[index] = logits[index] * scale }
  }

  /// `exp(x)` on eight lanes (Cephes `expf`: `x = n ln 2 + r`, a degree-6 polynomial in `r`,
  /// times `2^n` built in the exponent bits); within 2 ulp for `x` in [-87, 88]. Below -87 the
  /// result flushes to a tiny normal number, which a softmax cannot tell from 0.
  @inline(__always)
  static func fastExp(_ input: SIMD8<Float>) -> SIMD8<Float> {
    var x = input
    x.replace(with: 88.0, where: x .> 88.0)
    x.replace(with: -87.0, where: x .< -87.0)
    let n = (x * 1.44269504088896341 + 0.5).rounded(.down)
    x = x - n * 0.693359375 + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * x + 1.3981999507e-3
    p = p * x + 8.3334519073e-3
    p = p * x + 4.1665795894e-2
    p = p * x + 1.6666665459e-1
    p = p * x + 5.0000001201e-1
    let y = p * (x * x) + x + 1
    // 2^n: adding 2^23 + 127 puts the integer n + 127 in the low mantissa bits (n is a whole
    // number in [-127, 128]); subtracting 2^23's bits leaves it, and the shift moves it into
    // the exponent. Lane-wise float-to-int conversion would be element by element.
    let biased = unsafeBitCast(n + (8_388_608 + 127), to: SIMD8<UInt32>.self) &- 0x4B00_0000
    return y * unsafeBitCast(biased &<< 23, to: SIMD8<Float>.self)
  }
}

/// How a stream's raw values become the network's inputs.
///
/// Training preprocesses each whole series: resample to the training length, then z-normalise
/// with the series' own mean and deviation. A stream has no whole series, so:
/// - `.none`: values are fed as they are. Feed values already preprocessed (for example a
///   window prepared with `Preprocess`): the probabilities then equal the batch model's on the
///   same input.
/// - `.runningZNormalization`: each value is normalised with the mean and deviation of the
///   values seen since `reset()` (Welford; the deviation floored at 1e-8, the first value maps
///   to 0). Causal and allocation-free, but early steps see unsettled statistics, so results
///   differ from the batch model's, most at the start of a series.
/// In both cases the stream's sampling rate must match the training series' (`length` steps
/// per series).
public enum StreamPreprocessing: String, Sendable, Codable, CaseIterable {
  case none
  case runningZNormalization = "running-z-normalization"
}

/// Welford's running mean and variance.
struct RunningStatistics {
  var count = 0
  var mean = 0.0
  var squares = 0.0

  /// Adds `value` and returns it z-normalised with the statistics including it.
  mutating func normalizeAndUpdate(_ value: Float) -> Float {
    let x = Double(value)
    count += 1
    let delta = x - mean
    mean += delta / Double(count)
    squares += delta * (x - mean)
    let deviation = Swift.max((squares / Double(count)).squareRoot(), 1e-8)
    return Float((x - mean) / deviation)
  }
}
