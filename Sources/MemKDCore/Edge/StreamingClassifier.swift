/// Classifies a stream one time step at a time: every layer's state is kept between calls, so
/// each new sample costs one step of the network (`O(L H (D + H))`), not a pass over the series.
///
/// Why a separate type: `RecurrentClassifier.forward` is built for batches of whole series
/// (GEMMs, traces for backward). An edge device sees one sample at a time and must not allocate
/// per step. This class copies the cell's streaming blocks (`RecurrentCellKernel.streamingBlocks`,
/// e.g. transposed weights) and every buffer it needs into one arena at `init`; a step is then
/// pure arithmetic on that memory, with no allocation, reference counting or exclusivity checks
/// (measured: Swift arrays as class properties cost ~100 ns per step in access checks alone).
///
/// The arithmetic is the batch engine's (the cell's own `streamStep`, which shares its update
/// with the batch kernel), zero initial state. After `T` steps of a series the probabilities
/// equal `RecurrentClassifier.forward` on that series to ~1e-7 (summation order differs;
/// tested to 1e-6).
///
/// Not thread-safe: one stream per instance.
public final class StreamingClassifier {
  public let config: ModelConfig
  public let preprocessing: StreamPreprocessing
  /// Steps since the last `reset()`.
  public private(set) var steps = 0

  /// Offsets into `arena` (in Floats) of the head's `W_head^T [H, C]` and `b_head [C]`, and of
  /// the mutable part: the state `[L, stateVectors, H]` (each layer's hidden state first), the
  /// cell's scratch, and the input `[D]`. The layers' constant blocks are at `blockOffsets`.
  private struct Layout {
    var headWeight = 0
    var headBias = 0
    /// The class count rounded up to whole eight-lane chunks (padding classes have weight 0
    /// and a bias of -1e30, so they never win the max and their exp is 0), and the logits
    /// scratch `[paddedClasses]`.
    var paddedClasses = 0
    var logits = 0
    var state = 0
    /// Floats of state per layer (`stateVectors * H`).
    var layerState = 0
    var scratch = 0
    var input = 0
    var count = 0
    /// Streaming blocks per layer (the same for every layer).
    var blocksPerLayer = 0
  }

  private let layout: Layout
  private let arena: UnsafeMutablePointer<Float>
  /// `[L, blocksPerLayer]` offsets into `arena` of each layer's constant blocks.
  private let blockOffsets: UnsafeMutablePointer<Int>
  private var statistics = RunningStatistics()

  public init(model: RecurrentClassifier<Float>, preprocessing: StreamPreprocessing = .none) {
    let config = model.config
    self.config = config
    self.preprocessing = preprocessing
    let (H, L, cell) = (config.hiddenSize, config.layers, config.cell)
    var blocks: [[Float]] = []
    var offsets: [Int] = []
    var layout = Layout()
    func place(_ values: [Float]) -> Int {
      let offset = layout.count
      blocks.append(values)
      layout.count += values.count
      return offset
    }
    for layer in 0..<L {
      let layerBlocks = cell.kernel.streamingBlocks(
        model.parameters.layer(layer), inputSize: config.layerInputSize(layer))
      layout.blocksPerLayer = layerBlocks.count
      offsets += layerBlocks.map(place)
    }
    let (C, padded) = (config.classes, (config.classes + 7) / 8 * 8)
    layout.paddedClasses = padded
    let headT = Kernels.transpose(model.parameters.headWeight, rows: C, cols: H)
    var paddedHead = [Float](repeating: 0, count: H * padded)
    for j in 0..<H {
      for k in 0..<C { paddedHead[j * padded + k] = headT[j * C + k] }
    }
    layout.headWeight = place(paddedHead)
    var paddedBias = [Float](repeating: -1e30, count: padded)
    for k in 0..<C { paddedBias[k] = model.parameters.headBias[k] }
    layout.headBias = place(paddedBias)
    layout.logits = place([Float](repeating: 0, count: padded))
    layout.layerState = cell.stateVectors * H
    layout.state = place([Float](repeating: 0, count: L * layout.layerState))
    layout.scratch = place([Float](repeating: 0, count: cell.kernel.streamingScratch(hidden: H)))
    layout.input = place([Float](repeating: 0, count: config.inputSize))
    self.layout = layout
    let memory = UnsafeMutablePointer<Float>.allocate(capacity: layout.count)
    var offset = 0
    for block in blocks {
      (memory + offset).initialize(from: block, count: block.count)
      offset += block.count
    }
    arena = memory
    blockOffsets = .allocate(capacity: offsets.count)
    blockOffsets.initialize(from: offsets, count: offsets.count)
  }

  deinit {
    arena.deallocate()
    blockOffsets.deallocate()
  }

  /// Back to the zero state (and, for running normalisation, no statistics).
  public func reset() {
    (arena + layout.state).update(repeating: 0, count: config.layers * layout.layerState)
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
      for channel in 0..<config.inputSize {
        arena[layout.input + channel] = chunk[offset + channel]
      }
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
    let start = arena + layout.state + (config.layers - 1) * layout.layerState
    return Array(UnsafeBufferPointer(start: start, count: config.hiddenSize))
  }

  // MARK: - Kernels

  private func advance() {
    let (H, D) = (config.hiddenSize, config.inputSize)
    let input = arena + layout.input
    if case .runningZNormalization = preprocessing {
      for channel in 0..<D { input[channel] = statistics.normalizeAndUpdate(input[channel]) }
    }
    let state = arena + layout.state
    for layer in 0..<config.layers {
      let below =
        layer == 0 ? UnsafePointer(input) : UnsafePointer(state + (layer - 1) * layout.layerState)
      config.cell.streamStep(
        input: below, width: config.layerInputSize(layer),
        state: state + layer * layout.layerState, scratch: arena + layout.scratch, hidden: H,
        arena: arena, offsets: blockOffsets + layer * layout.blocksPerLayer)
    }
    steps += 1
  }

  private func writeProbabilities(to out: UnsafeMutablePointer<Float>) {
    let (H, C, padded) = (config.hiddenSize, config.classes, layout.paddedClasses)
    let weight = arena + layout.headWeight
    let bias = arena + layout.headBias
    let logits = arena + layout.logits
    let state = arena + layout.state + (config.layers - 1) * layout.layerState
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
      let e = Float._fastExp((logits + k).lanes(8) - shift)
      (logits + k).store(e, 8)
      total += e
      k += 8
    }
    let scale = 1 / total.sum()
    for index in 0..<C { out[index] = logits[index] * scale }
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
