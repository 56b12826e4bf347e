import RealModule

/// Variational information distillation (Ahn et al., CVPR 2019), time-distributed.
///
/// A regressor `r` maps every student time step to the teacher's width,
/// `r(h) = W3 relu(W2 relu(W1 h))` with `W1 [Ht, Hs]`, `W2 [Ht, Ht]`, `W3 [Ht, Ht]` (PyTorch
/// `[out, in]` layout, no bias), and a per-unit variance `var_d = softplus(a_d) + varianceFloor`
/// turns the squared error into a Gaussian negative log-likelihood:
///
///     L = mean_{b, t, d} 0.5 * ((r(Hs[b, t]) - Ht[b, t])_d^2 / var_d + log var_d)
///
/// Reads the student's hidden sequence `Hs [B, T, Hs]` and the teacher layer `teacherLayer`
/// (`Ht [B, T, Ht]`; nil = the last layer). Returns `dL/dHs` and the gradients of its four
/// parameters `[W1, W2, W3, a]`, all trained with the student and discarded afterwards.
///
/// Follows RepDistiller's `VIDLoss` (`distiller_zoo/VID.py`): same regressor shape (middle width
/// = target width as RepDistiller's callers use it), same softplus variance with `eps = 1e-5`,
/// same initialisation of `a` so that the variance starts at `initialVariance` (5), same mean
/// over every entry. Differences: RepDistiller's regressor is three 1x1 convolutions over
/// `[B, C, H, W]` feature maps (and it average-pools the larger map when spatial sizes differ);
/// here it is the same map applied to each time step of `[B, T, H]` (both sequences have T
/// steps, so no pooling). A 1x1 convolution without bias is exactly a time-distributed linear
/// map, and RepDistiller's conv init (kaiming_uniform, a = sqrt 5) is uniform(+-1/sqrt(fan_in)),
/// which is what `initialParameters` draws.
///
/// Cost: five `[B*T, .] x [., Ht]` GEMMs and three weight-gradient GEMMs per evaluation.
public struct VIDLoss: DistillationLoss {
  /// The teacher layer the regressor predicts (0-based); nil means the last layer.
  public var teacherLayer: Int?
  /// The variance every unit starts with (`a` is initialised to `softplus^-1(v - floor)`).
  public var initialVariance: Double
  /// Added to `softplus(a)`, so the variance never reaches 0 (RepDistiller's `eps`).
  public var varianceFloor: Double

  public init(teacherLayer: Int? = nil, initialVariance: Double = 5, varianceFloor: Double = 1e-5) {
    self.teacherLayer = teacherLayer
    self.initialVariance = initialVariance
    self.varianceFloor = varianceFloor
  }

  public var name: String { "vid" }

  /// `[W1 [Ht, Hs], W2 [Ht, Ht], W3 [Ht, Ht], a [Ht]]`: the weights uniform(+-1/sqrt(fan_in)),
  /// drawn in that order from `SeededGenerator(seed: seed)`; `a_d = log(expm1(v - floor))`.
  public func initialParameters(studentHiddenSize: Int, teacherHiddenSize: Int, seed: UInt64)
    -> [[Float]]
  {
    precondition(studentHiddenSize > 0 && teacherHiddenSize > 0, "vid: empty hidden size")
    precondition(
      initialVariance > varianceFloor, "vid: initialVariance must exceed varianceFloor")
    var generator = SeededGenerator(seed: seed)
    func weight(_ outputs: Int, _ inputs: Int) -> [Float] {
      let bound = 1 / Double(inputs).squareRoot()
      return (0..<(outputs * inputs)).map { _ in Float(generator.uniform(-bound, bound)) }
    }
    let w1 = weight(teacherHiddenSize, studentHiddenSize)
    let w2 = weight(teacherHiddenSize, teacherHiddenSize)
    let w3 = weight(teacherHiddenSize, teacherHiddenSize)
    let a = Float(Double.log(Double.expMinusOne(initialVariance - varianceFloor)))
    return [w1, w2, w3, [Float](repeating: a, count: teacherHiddenSize)]
  }

  /// A mean over rows, time steps and units (the variance term included): each shard of a
  /// batch is evaluated on its own core.
  public var isPerSample: Bool { true }

  // Callers reach this through `any DistillationLoss`, which cannot specialise a generic
  // method: without these the arithmetic runs through witness tables (measured ~10x slower).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func evaluate<S: EngineScalar>(
    _ input: DistillationInput<S>, parameters: [[S]], generator: inout SeededGenerator
  ) -> DistillationOutput<S> {
    let hs = input.studentHiddenSize
    let ht = input.teacherHiddenSize
    let rows = input.batch * input.length
    let layer = teacherLayersRead(layerCount: input.teacherHidden.count)[0]
    precondition(
      input.teacherHidden.indices.contains(layer), "vid: teacher layer \(layer) does not exist")
    let x = input.studentHidden
    let target = input.teacherHidden[layer]
    precondition(rows > 0 && x.count == rows * hs, "vid: student hidden is not [B, T, Hs]")
    precondition(target.count == rows * ht, "vid: teacher hidden is not [B, T, Ht]")
    precondition(
      parameters.count == 4 && parameters[0].count == ht * hs && parameters[1].count == ht * ht
        && parameters[2].count == ht * ht && parameters[3].count == ht,
      "vid: parameters are not [W1 [Ht, Hs], W2 [Ht, Ht], W3 [Ht, Ht], a [Ht]]")
    let (w1, w2, w3, a) = (parameters[0], parameters[1], parameters[2], parameters[3])

    // Forward: A1 = relu(X W1^T), A2 = relu(A1 W2^T), P = A2 W3^T, each [N, Ht].
    var a1: [S] = Kernels.uninitialized(rows * ht)
    Kernels.gemm(
      transB: true, m: rows, n: ht, k: hs, a: x, lda: hs, b: w1, ldb: hs, c: &a1, ldc: ht)
    Self.relu(&a1)
    var a2: [S] = Kernels.uninitialized(rows * ht)
    Kernels.gemm(
      transB: true, m: rows, n: ht, k: ht, a: a1, lda: ht, b: w2, ldb: ht, c: &a2, ldc: ht)
    Self.relu(&a2)
    var delta: [S] = Kernels.uninitialized(rows * ht)
    Kernels.gemm(
      transB: true, m: rows, n: ht, k: ht, a: a2, lda: ht, b: w3, ldb: ht, c: &delta, ldc: ht)

    // var_d = softplus(a_d) + floor; dvar/da = sigmoid(a).
    let floor = S(varianceFloor)
    let variance = a.map { Self.softplus($0) + floor }
    let inverseVariance = variance.map { 1 / $0 }
    // Per unit: sum over rows of (P - Y)^2; `delta` becomes dL/dP = (P - Y) / var / (N Ht).
    let scale = 1 / (S(rows) * S(ht))
    var squaredError = [S](repeating: 0, count: ht)
    let scaledInverse = inverseVariance.map { $0 * scale }
    delta.withUnsafeMutableBufferPointer { p in
      target.withUnsafeBufferPointer { y in
        squaredError.withUnsafeMutableBufferPointer { sum in
          scaledInverse.withUnsafeBufferPointer { factor in
            for row in 0..<rows {
              let base = row * ht
              for d in 0..<ht {
                let difference = p[base + d] - y[base + d]
                sum[d] += difference * difference
                p[base + d] = difference * factor[d]
              }
            }
          }
        }
      }
    }
    var value: S = 0
    var gradientA = [S](repeating: 0, count: ht)
    for d in 0..<ht {
      value += squaredError[d] * inverseVariance[d] + S(rows) * S.log(variance[d])
      // dL/dvar_d = 0.5 (N / var - sum (P - Y)^2 / var^2) / (N Ht)
      let dVariance =
        (S(rows) - squaredError[d] * inverseVariance[d]) * inverseVariance[d] * scale / 2
      gradientA[d] = dVariance * Self.sigmoid(a[d])
    }
    value = value * scale / 2

    // Backward through the regressor.
    var gradientW3 = [S](repeating: 0, count: ht * ht)
    Kernels.gemm(
      transA: true, m: ht, n: ht, k: rows, a: delta, lda: ht, b: a2, ldb: ht,
      c: &gradientW3, ldc: ht)
    // dL/dA2 into `upstream`, then dL/dZ2 (masked) into `delta`, whose dL/dP is spent; the
    // same two buffers serve the first layer.
    var upstream: [S] = Kernels.uninitialized(rows * ht)
    Kernels.gemm(m: rows, n: ht, k: ht, a: delta, lda: ht, b: w3, ldb: ht, c: &upstream, ldc: ht)
    Self.maskWhereInactive(upstream, activations: a2, into: &delta)
    var gradientW2 = [S](repeating: 0, count: ht * ht)
    Kernels.gemm(
      transA: true, m: ht, n: ht, k: rows, a: delta, lda: ht, b: a1, ldb: ht,
      c: &gradientW2, ldc: ht)
    Kernels.gemm(m: rows, n: ht, k: ht, a: delta, lda: ht, b: w2, ldb: ht, c: &upstream, ldc: ht)
    Self.maskWhereInactive(upstream, activations: a1, into: &delta)
    var gradientW1 = [S](repeating: 0, count: ht * hs)
    Kernels.gemm(
      transA: true, m: ht, n: hs, k: rows, a: delta, lda: ht, b: x, ldb: hs,
      c: &gradientW1, ldc: hs)
    var gradientX = [S](repeating: 0, count: rows * hs)
    Kernels.gemm(m: rows, n: hs, k: ht, a: delta, lda: ht, b: w1, ldb: hs, c: &gradientX, ldc: hs)

    return DistillationOutput(
      value: value, studentHidden: gradientX,
      parameters: [gradientW1, gradientW2, gradientW3, gradientA])
  }

  /// `log(1 + exp(x))` without overflow.
  @inline(__always)
  static func softplus<S: EngineScalar>(_ x: S) -> S {
    x > 0 ? x + S.log(onePlus: S.exp(-x)) : S.log(onePlus: S.exp(x))
  }

  @inline(__always)
  static func sigmoid<S: EngineScalar>(_ x: S) -> S { 1 / (1 + S.exp(-x)) }

  static func relu<S: EngineScalar>(_ values: inout [S]) {
    values.withUnsafeMutableBufferPointer { v in
      for index in v.indices { v[index] = max(v[index], 0) }  // a select: vectorises; NaN stays
    }
  }

  /// `output = gradient` where the ReLU output is positive, else 0 (derivative 0 at and below
  /// the kink, as in PyTorch). Written as a multiply by 0 or 1 into another buffer: the select
  /// (in place or out) compiled to a mispredicted branch per element (measured 2.7 ms of 7.4).
  static func maskWhereInactive<S: EngineScalar>(
    _ gradient: [S], activations: [S], into output: inout [S]
  ) {
    precondition(gradient.count == activations.count && output.count == gradient.count)
    output.withUnsafeMutableBufferPointer { out in
      gradient.withUnsafeBufferPointer { g in
        activations.withUnsafeBufferPointer { a in
          for index in g.indices {
            let (value, active) = (g[index], a[index] > 0)
            out[index] = value * (active ? 1 : 0)
          }
        }
      }
    }
  }
}

extension VIDLoss {
  public static let optionScope = "vid"

  public static let optionFields: [OptionField<VIDLoss>] = [
    .teacherLayer(\.teacherLayer),
    .number(
      "initial_variance", \.initialVariance, .positive, "variance every teacher unit starts with"),
    .number("variance_floor", \.varianceFloor, .positive, "added to softplus(a): least variance"),
  ]
}
