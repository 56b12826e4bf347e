/// DT2W: soft-DTW (Cuturi & Blondel, ICML 2017) between the projected student sequence and a
/// teacher layer's sequence, averaged over the batch.
///
///     x[b] = P(Hs[b]) = Hs[b] W^T + bias      [T, Ht]   (W [Ht, Hs], bias [Ht], trained)
///     y[b] = Ht(teacherLayer)[b]               [T, Ht]   (nil = the teacher's last layer)
///     D[i][j] = ||x_i - y_j||^2                (squared Euclidean, not normalised)
///     R[i][j] = D[i][j] + softmin_gamma(R[i-1][j-1], R[i-1][j], R[i][j-1])
///     softmin_gamma(r) = -gamma log sum_k exp(-r_k / gamma),   R[-1][-1] = 0, other borders +inf
///     L = mean_b R[T-1][T-1]
///
/// No divergence correction (`sdtw(x, y) - (sdtw(x, x) + sdtw(y, y)) / 2`): `sdtw(x, x)` is 0
/// for T = 1 and negative for T > 1 (the soft-min over all alignment paths lies below the zero
/// cost of the diagonal path).
///
/// Gradient: `E[i][j] = dR[T-1][T-1] / dD[i][j]` is the expected alignment, computed by the
/// E-recursion of the paper's Algorithm 2; the exponentials that recursion needs,
/// `exp((R[s] - D[s] - R[p]) / gamma)` for a cell `s` and its predecessor `p`, are exactly the
/// soft-min weights of the forward pass, so the forward stores them and the backward needs no
/// transcendental functions. Then `dL/dx_i = (2 / B) sum_j E[i][j] (x_i - y_j)`, chained
/// through the projection.
///
/// Cost: per sample one `[T, Hs] x [Hs, T]` GEMM for the cross terms of `D` (through the
/// projection: `x_i W^T . y_j = x_i . (y_j W)`; `D = ||xp_i||^2 + ||y_j||^2 - 2 xp_i . y_j`,
/// which may round slightly below 0 when `xp_i ~ y_j`, is used as is) and two `[T, T] x [T, Hs]`
/// GEMMs for the gradient (`DT2WLoss+Gradient.swift`), none of them teacher-wide; the O(T^2)
/// recursions, vectorised across up to 32 samples (`DT2WLoss+SoftDTW.swift`); a few
/// `[B*T, Ht] x [Ht, Hs]`-sized GEMMs for the projection and its gradients. In Float, `R` grows
/// to roughly the path cost (~1e3 to 1e4 at T = Ht = 100), so the soft-min weights, computed
/// from differences of `R` values, carry a relative error near `ulp(R) / gamma` (~1e-4 to
/// 1e-3): irrelevant for training; Double is accurate to rounding.
public struct DT2WLoss: DistillationLoss {
  /// The teacher layer the student is aligned with (0-based); nil means the last layer.
  public var teacherLayer: Int?
  /// Soft-min temperature, > 0; smaller values approach hard DTW.
  public var gamma: Double

  public init(teacherLayer: Int? = nil, gamma: Double = 1) {
    self.teacherLayer = teacherLayer
    self.gamma = gamma
  }

  public var name: String { "dt2w" }

  /// `[weight [Ht, Hs], bias [Ht]]`, both uniform(+-1/sqrt(Hs)) as `nn.Linear`, drawn in that
  /// order from `SeededGenerator(seed: seed)`.
  public func initialParameters(studentHiddenSize: Int, teacherHiddenSize: Int, seed: UInt64)
    -> [[Float]]
  {
    precondition(studentHiddenSize > 0 && teacherHiddenSize > 0, "dt2w: empty hidden size")
    var generator = SeededGenerator(seed: seed)
    let bound = 1 / Double(studentHiddenSize).squareRoot()
    let weight = (0..<(teacherHiddenSize * studentHiddenSize)).map { _ in
      Float(generator.uniform(-bound, bound))
    }
    let bias = (0..<teacherHiddenSize).map { _ in Float(generator.uniform(-bound, bound)) }
    return [weight, bias]
  }

  /// A mean over samples of per-sample soft-DTW: each shard of a batch is evaluated on its own
  /// core.
  public var isPerSample: Bool { true }

  // Callers reach this through `any DistillationLoss`, which cannot specialise a generic
  // method: without these the arithmetic runs through witness tables (measured ~10x slower).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func evaluate<S: EngineScalar>(
    _ input: DistillationInput<S>, parameters: [[S]], generator: inout SeededGenerator
  ) -> DistillationOutput<S> {
    let (batch, length) = (input.batch, input.length)
    let hs = input.studentHiddenSize
    let ht = input.teacherHiddenSize
    let rows = batch * length
    let layer = teacherLayersRead(layerCount: input.teacherHidden.count)[0]
    precondition(
      input.teacherHidden.indices.contains(layer), "dt2w: teacher layer \(layer) does not exist")
    precondition(gamma > 0, "dt2w: gamma must be positive")
    let x = input.studentHidden
    let y = input.teacherHidden[layer]
    precondition(rows > 0 && x.count == rows * hs, "dt2w: student hidden is not [B, T, Hs]")
    precondition(y.count == rows * ht, "dt2w: teacher hidden is not [B, T, Ht]")
    precondition(
      parameters.count == 2 && parameters[0].count == ht * hs && parameters[1].count == ht,
      "dt2w: parameters are not [weight [Ht, Hs], bias [Ht]]")
    let (weight, bias) = (parameters[0], parameters[1])

    // Projection xp = x W^T + bias [B*T, Ht], and the teacher seen through the projection:
    // z = y W [B*T, Hs] and |y_j|^2 - 2 bias . y_j, so that the costs need only an Hs-deep
    // product per sample: D[i][j] = |xp_i|^2 + (|y_j|^2 - 2 bias . y_j) - 2 x_i . z_j.
    var projected: [S] = Kernels.uninitialized(rows * ht)
    Kernels.fillRows(&projected, rows: rows, with: bias)
    Kernels.gemm(
      transB: true, m: rows, n: ht, k: hs, a: x, lda: hs, b: weight, ldb: hs, beta: 1,
      c: &projected, ldc: ht)
    var z: [S] = Kernels.uninitialized(rows * hs)
    Kernels.gemm(m: rows, n: hs, k: ht, a: y, lda: ht, b: weight, ldb: hs, c: &z, ldc: hs)
    let projectedNorms = Self.rowSquaredNorms(projected, rows: rows, cols: ht)
    let teacherTerms = Self.teacherCostTerms(y, bias: bias, rows: rows, cols: ht)

    // Soft-DTW in groups of up to 32 samples (see SoftDTWTables); `D` and `E` move between
    // the tables' interleaved layout and per-sample `[T, T]` matrices in `matrices`.
    let lanes = min(SoftDTWTables<S>.maximumLanes, (batch + 7) / 8 * 8)
    var tables = SoftDTWTables<S>(length: length, lanes: lanes, gamma: S(gamma))
    var matrices: [S] = Kernels.uninitialized(lanes * length * length)
    var value: S = 0
    // Per row: sum_j E[i][j] and sum_i E[i][j] ([B*T]); E z and E^T x ([B*T, Hs]).
    var alignment = Alignment<S>(rows: rows, studentWidth: hs)
    for first in stride(from: 0, to: batch, by: lanes) {
      let count = min(lanes, batch - first)
      for lane in 0..<count {
        // -2 x z^T, completed to D by setCosts
        let offset = (first + lane) * length * hs
        Kernels.gemm(
          transB: true, m: length, n: length, k: hs, alpha: -2, a: x, aOffset: offset,
          lda: hs, b: z, bOffset: offset, ldb: hs, c: &matrices, cOffset: lane * length * length,
          ldc: length)
      }
      tables.setCosts(
        count: count, crossTerms: matrices, rowNorms: projectedNorms, columnNorms: teacherTerms,
        normOffset: first * length)
      let values = tables.forward()
      for lane in 0..<count { value += values[lane] }
      tables.backward()
      tables.alignments(
        count: count, into: &matrices, rowSums: &alignment.rowSums,
        columnSums: &alignment.columnSums, sumOffset: first * length)
      for lane in 0..<count {
        alignment.accumulateProducts(
          matrices, matrixOffset: lane * length * length, sample: first + lane, length: length,
          x: x, z: z)
      }
    }
    let meanScale = 1 / S(batch)
    let gradients = alignment.gradients(
      x: x, y: y, projected: projected, weight: weight, teacherWidth: ht, scale: 2 * meanScale)
    return DistillationOutput(
      value: value * meanScale, studentHidden: gradients.x,
      parameters: [gradients.weight, gradients.bias])
  }

  /// `|y_j|^2 - 2 bias . y_j` per row of `y [rows, cols]`: the teacher's part of every cost.
  static func teacherCostTerms<S: EngineScalar>(_ y: [S], bias: [S], rows: Int, cols: Int)
    -> [S]
  {
    var terms = rowSquaredNorms(y, rows: rows, cols: cols)
    y.withUnsafeBufferPointer { m in
      bias.withUnsafeBufferPointer { b in
        for row in 0..<rows {
          var dot = SIMD8<S>()
          forEachLaneChunk(cols) { offset, count in
            dot +=
              (m.baseAddress! + row * cols + offset).lanes(count)
              * (b.baseAddress! + offset).lanes(count)
          }
          terms[row] -= 2 * dot.sum()
        }
      }
    }
    return terms
  }

  /// `sum_c matrix[r][c]^2` per row, eight columns at a time.
  static func rowSquaredNorms<S: EngineScalar>(_ matrix: [S], rows: Int, cols: Int) -> [S] {
    var norms = [S](repeating: 0, count: rows)
    matrix.withUnsafeBufferPointer { m in
      for row in 0..<rows {
        var sum = SIMD8<S>()
        forEachLaneChunk(cols) { offset, count in
          let values = (m.baseAddress! + row * cols + offset).lanes(count)
          sum += values * values
        }
        norms[row] = sum.sum()
      }
    }
    return norms
  }
}

extension DT2WLoss {
  public static let optionScope = "dt2w"

  public static let optionFields: [OptionField<DT2WLoss>] = [
    .teacherLayer(\.teacherLayer, absent: "the middle layer (layers / 2)"),
    .number("gamma", \.gamma, .positive, "soft-DTW smoothing gamma (its softmin temperature)"),
  ]
}
