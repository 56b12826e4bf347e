/// A stack of recurrent layers (`ModelConfig.cell`) with a linear head on the last time step of
/// the last layer: PyTorch's `nn.LSTM(batch_first=True)` (or the cell's module) followed by
/// `nn.Linear`, with zero initial states. The cell's arithmetic is `RecurrentCell`'s; this type
/// only stacks layers, runs the head, and routes gradients.
///
/// Generic over the scalar so that the same code trains in `Float` and is gradient-checked in
/// `Double`. Inputs are batch-major `[B, T, D]` like PyTorch's `batch_first`; internally every
/// layer runs time-major.
public struct RecurrentClassifier<Scalar: EngineScalar>: Sendable, Equatable {
  public var parameters: ModelParameters<Scalar>
  public var config: ModelConfig { parameters.config }

  public init(parameters: ModelParameters<Scalar>) {
    BLASRuntime.configure()
    self.parameters = parameters
  }

  /// A freshly initialised model (PyTorch's uniform(+-1/sqrt(H)) rule, drawn from `seed`).
  public init(config: ModelConfig, seed: UInt64) {
    precondition(config.validationError == nil, config.validationError ?? "")
    self.init(parameters: .initialized(for: config, seed: seed))
  }

  /// Runs the network on a batch.
  /// - Parameters:
  ///   - inputs: `[batch, T, inputSize]` row-major; T is inferred from the count.
  ///   - batch: number of series B.
  /// - Returns: logits `[B, C]` and everything the backward pass needs (including every
  ///   layer's hidden sequence).
  public func forward(inputs: [Scalar], batch: Int) -> ForwardPass<Scalar> {
    let (timeMajorInput, length) = timeMajor(inputs, batch: batch, caller: "forward")
    var layerInput = timeMajorInput
    var traces: [LayerTrace<Scalar>] = []
    traces.reserveCapacity(config.layers)
    for layer in 0..<config.layers {
      let shape = layerShape(layer, batch: batch, length: length)
      let trace = config.cell.forward(
        input: layerInput, shape: shape, weights: parameters.layer(layer))
      layerInput = trace.hidden
      traces.append(trace)
    }
    // Last layer's state at the last step: rows (T-1)*B ..< T*B of the time-major output.
    let logits = head(
      layerInput, offset: (length - 1) * batch * config.hiddenSize, batch: batch)
    return ForwardPass(
      config: config, batch: batch, length: length, logits: logits, traces: traces)
  }

  /// Batch-major `[B, T, D]` inputs as the time-major `[T, B, D]` the layers run on, and T.
  @inline(__always)
  func timeMajor(_ inputs: [Scalar], batch: Int, caller: String) -> ([Scalar], Int) {
    let stride = batch * config.inputSize
    precondition(
      batch > 0 && !inputs.isEmpty && inputs.count % stride == 0,
      "\(caller): \(inputs.count) values is not [\(batch), T, \(config.inputSize)]")
    let length = inputs.count / stride
    return (
      Kernels.swapLeadingAxes(inputs, outer: batch, middle: length, inner: config.inputSize),
      length
    )
  }

  /// The head's logits `[B, C]` on the last layer's states `[B, H]` at `offset` in `hidden`.
  @inline(__always)
  func head(_ hidden: [Scalar], offset: Int, batch: Int) -> [Scalar] {
    let H = config.hiddenSize
    var logits = [Scalar](repeating: 0, count: batch * config.classes)
    for b in 0..<batch {
      for k in 0..<config.classes { logits[b * config.classes + k] = parameters.headBias[k] }
    }
    Kernels.gemm(
      transB: true, m: batch, n: config.classes, k: H, a: hidden, aOffset: offset, lda: H,
      b: parameters.headWeight, ldb: H, beta: 1, c: &logits, ldc: config.classes)
    return logits
  }

  /// Backpropagation through the head and every layer.
  /// - Parameters:
  ///   - pass: the forward pass of the same parameters.
  ///   - logitGradient: `dL/dlogits` `[B, C]`.
  ///   - hiddenGradients: extra `dL/dH_l` per layer index, each `[B, T, H]` (batch-major, the
  ///     layout `ForwardPass.hiddenSequence` returns); distillation losses inject here.
  ///   - needInputGradient: also return `dL/dinputs` `[B, T, D]`.
  /// - Returns: parameter gradients in `ParameterLayout` order, and the input gradient (empty
  ///   unless requested).
  public func backward(
    _ pass: ForwardPass<Scalar>, logitGradient: [Scalar],
    hiddenGradients: [Int: [Scalar]] = [:], needInputGradient: Bool = false
  ) -> (parameters: ModelParameters<Scalar>, inputs: [Scalar]) {
    let (B, T, H, C) = (pass.batch, pass.length, config.hiddenSize, config.classes)
    precondition(pass.config == config, "backward: forward pass of another model")
    precondition(logitGradient.count == B * C, "backward: logit gradient is not [\(B), \(C)]")
    var gradients = ModelParameters<Scalar>(zerosFor: config)
    let layout = gradients.layout
    let last = config.layers - 1
    let lastOffset = (T - 1) * B * H
    // Head: dW [C, H] = dz^T h_T, db = column sums of dz, dh_T = dz W.
    Kernels.gemm(
      transA: true, m: C, n: H, k: B, a: logitGradient, lda: C,
      b: pass.traces[last].hidden, bOffset: lastOffset, ldb: H,
      c: &gradients.tensors[layout.headWeight], ldc: H)
    for b in 0..<B {
      for k in 0..<C { gradients.tensors[layout.headBias][k] += logitGradient[b * C + k] }
    }
    var hiddenGradient = [Scalar](repeating: 0, count: T * B * H)
    Kernels.gemm(
      m: B, n: H, k: C, a: logitGradient, lda: C, b: parameters.headWeight, ldb: H,
      c: &hiddenGradient, cOffset: lastOffset, ldc: H)

    var inputGradient: [Scalar] = []
    for layer in stride(from: last, through: 0, by: -1) {
      if let injected = hiddenGradients[layer] {
        precondition(
          injected.count == B * T * H, "backward: hidden gradient \(layer) is not [B, T, H]")
        Kernels.addSwappingLeadingAxes(
          injected, into: &hiddenGradient, outer: B, middle: T, inner: H)
      }
      let needInput = layer > 0 || needInputGradient
      let layerGradients = config.cell.backward(
        trace: pass.traces[layer], shape: layerShape(layer, batch: B, length: T),
        weights: parameters.layer(layer), hiddenGradient: hiddenGradient,
        needInputGradient: needInput)
      gradients.setLayer(layer, layerGradients)
      if layer > 0 {
        hiddenGradient = layerGradients.input
      } else if needInputGradient {
        inputGradient = Kernels.swapLeadingAxes(
          layerGradients.input, outer: T, middle: B, inner: config.inputSize)
      }
    }
    return (gradients, inputGradient)
  }

  func layerShape(_ layer: Int, batch: Int, length: Int) -> LayerShape {
    LayerShape(
      batch: batch, length: length, inputSize: config.layerInputSize(layer),
      hidden: config.hiddenSize, gates: config.cell.gateCount)
  }
}

/// The result of `RecurrentClassifier.forward`: logits plus the activations backward needs.
public struct ForwardPass<Scalar: EngineScalar>: Sendable {
  public let config: ModelConfig
  public let batch: Int
  public let length: Int
  /// `[B, C]`
  public let logits: [Scalar]
  let traces: [LayerTrace<Scalar>]

  /// Layer `layer`'s output sequence `[B, T, H]` (batch-major).
  public func hiddenSequence(layer: Int) -> [Scalar] {
    Kernels.swapLeadingAxes(
      traces[layer].hidden, outer: length, middle: batch, inner: config.hiddenSize)
  }
}
