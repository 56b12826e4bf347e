import RealModule

/// Classifies a stream one time step at a time: the LSTM's state is kept between calls, so each
/// new sample costs one step of the network (`O(L H (D + H))`), not a pass over the series.
///
/// Why a separate type: `LSTMClassifier.forward` is built for batches of whole series (GEMMs,
/// traces for backward). An edge device sees one sample at a time and must not allocate per
/// step; this holds transposed weights and every buffer it needs from `init` on.
///
/// The arithmetic is the batch engine's: PyTorch gate order (i, f, g, o), the same eight-lane
/// sigmoid/tanh, zero initial state. After `T` steps of a series the probabilities equal
/// `LSTMClassifier.forward` on that series to ~1e-7 (summation order differs; tested to 1e-6).
///
/// Not thread-safe: one stream per instance (it is a class because its state is mutated in
/// place).
public final class StreamingClassifier {
  public let config: LSTMConfig
  public let preprocessing: StreamPreprocessing
  /// Steps since the last `reset()`.
  public private(set) var steps = 0

  /// Per layer: `W_ih^T [D_k, 4H]`, `W_hh^T [H, 4H]` (gates contiguous for the inner loops),
  /// `b_ih + b_hh [4H]`.
  private let inputWeights: [[Float]]
  private let recurrentWeights: [[Float]]
  private let biases: [[Float]]
  /// `[C, H]` and `[C]`.
  private let headWeight: [Float]
  private let headBias: [Float]
  /// State `[L, H]` each, the gate scratch `[4H]`, the current input `[D]` after
  /// preprocessing, and the running statistics of `.runningZNormalization`.
  private var hidden: [Float]
  private var cell: [Float]
  private var gates: [Float]
  private var input: [Float]
  private var statistics = RunningStatistics()

  public init(model: LSTMClassifier<Float>, preprocessing: StreamPreprocessing = .none) {
    let config = model.config
    self.config = config
    self.preprocessing = preprocessing
    let (H, G) = (config.hiddenSize, 4 * config.hiddenSize)
    let tensors = model.parameters.tensors
    var inputWeights: [[Float]] = []
    var recurrentWeights: [[Float]] = []
    var biases: [[Float]] = []
    for layer in 0..<config.layers {
      let base = 4 * layer
      inputWeights.append(
        Kernels.transpose(tensors[base], rows: G, cols: config.layerInputSize(layer)))
      recurrentWeights.append(Kernels.transpose(tensors[base + 1], rows: G, cols: H))
      biases.append(zip(tensors[base + 2], tensors[base + 3]).map { $0 + $1 })
    }
    self.inputWeights = inputWeights
    self.recurrentWeights = recurrentWeights
    self.biases = biases
    headWeight = tensors[4 * config.layers]
    headBias = tensors[4 * config.layers + 1]
    hidden = [Float](repeating: 0, count: config.layers * H)
    cell = hidden
    gates = [Float](repeating: 0, count: G)
    input = [Float](repeating: 0, count: config.inputSize)
  }

  /// Back to the zero state (and, for running normalisation, no statistics).
  public func reset() {
    for index in hidden.indices {
      hidden[index] = 0
      cell[index] = 0
    }
    statistics = RunningStatistics()
    steps = 0
  }

  /// Advances by one time step of a one-channel stream.
  public func step(_ value: Float) {
    precondition(config.inputSize == 1, "StreamingClassifier: step(_:) needs one input channel")
    input[0] = value
    advance()
  }

  /// Advances by one time step; `values` holds the step's `inputSize` channels.
  public func step(_ values: [Float]) {
    precondition(
      values.count == config.inputSize,
      "StreamingClassifier: a step has \(config.inputSize) values, got \(values.count)")
    for channel in 0..<values.count { input[channel] = values[channel] }
    advance()
  }

  /// Advances by every step of `chunk` (`[n, inputSize]` row-major).
  public func step(chunk: [Float]) {
    precondition(
      chunk.count % config.inputSize == 0,
      "StreamingClassifier: a chunk holds whole steps of \(config.inputSize) values")
    var offset = 0
    while offset < chunk.count {
      for channel in 0..<config.inputSize { input[channel] = chunk[offset + channel] }
      advance()
      offset += config.inputSize
    }
  }

  /// Writes the current class probabilities `[C]` into `out` (resized only if it is too short,
  /// so a caller reusing one buffer never allocates).
  public func probabilities(into out: inout [Float]) {
    if out.count != config.classes { out = [Float](repeating: 0, count: config.classes) }
    let (H, C) = (config.hiddenSize, config.classes)
    let last = (config.layers - 1) * H
    // Softmax in Double over Float logits, as `Softmax.probabilities` does for batches.
    var maximum = -Double.infinity
    for k in 0..<C {
      var logit = headBias[k]
      for j in 0..<H { logit += headWeight[k * H + j] * hidden[last + j] }
      out[k] = logit
      maximum = Swift.max(maximum, Double(logit))
    }
    var total = 0.0
    for k in 0..<C { total += Double.exp(Double(out[k]) - maximum) }
    for k in 0..<C { out[k] = Float(Double.exp(Double(out[k]) - maximum) / total) }
  }

  /// The current class probabilities `[C]` (allocates; use `probabilities(into:)` per step).
  public var currentProbabilities: [Float] {
    var out: [Float] = []
    probabilities(into: &out)
    return out
  }

  /// The last layer's hidden state `[H]`.
  public var lastHidden: ArraySlice<Float> {
    hidden[((config.layers - 1) * config.hiddenSize)...]
  }

  // MARK: - One step

  private func advance() {
    if case .runningZNormalization = preprocessing {
      for channel in 0..<config.inputSize {
        input[channel] = statistics.normalizeAndUpdate(input[channel])
      }
    }
    let (H, G) = (config.hiddenSize, 4 * config.hiddenSize)
    input.withUnsafeBufferPointer { x in
      hidden.withUnsafeMutableBufferPointer { h in
        cell.withUnsafeMutableBufferPointer { c in
          gates.withUnsafeMutableBufferPointer { g in
            for layer in 0..<config.layers {
              let width = config.layerInputSize(layer)
              let below: UnsafePointer<Float> =
                layer == 0 ? x.baseAddress! : UnsafePointer(h.baseAddress! + (layer - 1) * H)
              Self.stepLayer(
                input: below, width: width, hidden: h.baseAddress! + layer * H,
                cell: c.baseAddress! + layer * H, gates: g.baseAddress!, hiddenSize: H,
                gateWidth: G, inputWeight: inputWeights[layer], recurrentWeight: recurrentWeights[layer],
                bias: biases[layer])
            }
          }
        }
      }
    }
    steps += 1
  }

  /// One LSTM cell update in place: `gates = b + x W_ih^T + h W_hh^T`, then the batch engine's
  /// activations and `c = f c + i g`, `h = o tanh(c)`.
  @inline(__always)
  private static func stepLayer(
    input x: UnsafePointer<Float>, width: Int, hidden h: UnsafeMutablePointer<Float>,
    cell c: UnsafeMutablePointer<Float>, gates g: UnsafeMutablePointer<Float>, hiddenSize H: Int,
    gateWidth G: Int, inputWeight: [Float], recurrentWeight: [Float], bias: [Float]
  ) {
    inputWeight.withUnsafeBufferPointer { wi in
      recurrentWeight.withUnsafeBufferPointer { wh in
        bias.withUnsafeBufferPointer { b in
          forEachLaneChunk(G) { j, n in
            var sum = (b.baseAddress! + j).lanes(n)
            for d in 0..<width { sum += (wi.baseAddress! + d * G + j).lanes(n) * x[d] }
            for k in 0..<H { sum += (wh.baseAddress! + k * G + j).lanes(n) * h[k] }
            (g + j).store(sum, n)
          }
        }
      }
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
