/// FitNets hints (Romero et al. 2015) on hidden sequences, with a time-distributed linear
/// regressor.
///
/// A regressor `r(h) = W h + b` (`W [Ht, Hs]`, `b [Ht]`, the same at every step) maps the
/// student's hidden sequence `studentHidden [B, T, Hs]` to the teacher's width, and
///
///     L_FitNet = mean_{b, t, k} (r(H_s[b, t, :])[k] - H_t(l)[b, t, k])^2
///
/// against teacher layer `l = teacherLayer`, by default (nil) the **middle** layer
/// `teacherHidden.count / 2` (index 1 of the teacher's 3 layers: FitNets' "hint" layer).
///
/// Reference: RepDistiller's `HintLoss` (`nn.MSELoss`, mean) with its `ConvReg` regressor.
/// Difference: `ConvReg` is a convolution followed by batch norm and ReLU; here the regressor is
/// one linear map with bias and no ReLU, because LSTM hidden states lie in (-1, 1) and a ReLU
/// could not reach the negative half.
///
/// Trainable parameters (`initialParameters`, `parameters`, `DistillationOutput.parameters`):
/// `[weight [Ht * Hs] row-major, bias [Ht]]`, initialised like PyTorch's `nn.Linear`, uniform in
/// `+-1/sqrt(Hs)`. They are trained with the student and discarded afterwards. Zero when the
/// regressor maps the student's sequence exactly onto the teacher layer. Gradients: `dL/d
/// studentHidden`, `dL/dW`, `dL/db`. Cost O(B T Hs Ht).
public struct FitNetLoss: DistillationLoss {
  /// The teacher layer to regress onto (0-based); nil = the middle layer, `count / 2`.
  public var teacherLayer: Int?

  public var name: String { "fitnet" }

  public init(teacherLayer: Int? = nil) {
    self.teacherLayer = teacherLayer
  }

  /// `[weight [Ht * Hs], bias [Ht]]`, uniform in `+-1/sqrt(Hs)` from `SeededGenerator(seed:)`
  /// (weight first, row-major, then bias).
  public func initialParameters(studentHiddenSize: Int, teacherHiddenSize: Int, seed: UInt64)
    -> [[Float]]
  {
    precondition(studentHiddenSize > 0 && teacherHiddenSize > 0, "FitNetLoss: empty regressor")
    var generator = SeededGenerator(seed: seed)
    let bound = 1 / Double(studentHiddenSize).squareRoot()
    let weight: [Float] = (0..<(teacherHiddenSize * studentHiddenSize)).map { _ in
      Float(generator.uniform(-bound, bound))
    }
    let bias: [Float] = (0..<teacherHiddenSize).map { _ in Float(generator.uniform(-bound, bound)) }
    return [weight, bias]
  }

  // Specialised for Float: the trainer calls through `any DistillationLoss`, where the
  // unspecialised generic body runs 20-40 times slower (measured at B 32, T 100, Ht 100).
  @_specialize(where S == Float)
  public func evaluate<S: EngineScalar>(
    _ input: DistillationInput<S>, parameters: [[S]], generator: inout SeededGenerator
  ) -> DistillationOutput<S> {
    let rows = input.batch * input.length
    let ds = input.studentHiddenSize, dt = input.teacherHiddenSize
    let teacher = input.teacherSequence(
      teacherLayersRead(layerCount: input.teacherHidden.count)[0], for: "FitNetLoss")
    precondition(
      rows > 0 && ds > 0 && dt > 0 && input.studentHidden.count == rows * ds
        && teacher.count == rows * dt,
      "FitNetLoss: hidden sizes do not match [B, T, H]")
    precondition(
      parameters.count == 2 && parameters[0].count == dt * ds && parameters[1].count == dt,
      "FitNetLoss: parameters must be [weight [Ht * Hs], bias [Ht]]")
    let weight = parameters[0], bias = parameters[1]

    // residual = X W^T + b - Y over rows (b, t); becomes dL/d r = 2 residual / (B T Ht).
    var residual: [S] = Kernels.uninitialized(rows * dt)
    Kernels.gemm(
      transB: true, m: rows, n: dt, k: ds, a: input.studentHidden, lda: ds,
      b: weight, ldb: ds, c: &residual, ldc: dt)
    let scale = 2 / S(rows * dt)
    var biasGradient = [S](repeating: 0, count: dt)
    let total = Self.residuals(
      &residual, bias: bias, teacher: teacher, rows: rows, width: dt, scale: scale,
      biasGradient: &biasGradient)
    // dL/dX = G W [rows, Hs]; dL/dW = G^T X [Ht, Hs].
    var hiddenGradient: [S] = Kernels.uninitialized(rows * ds)
    Kernels.gemm(
      m: rows, n: ds, k: dt, a: residual, lda: dt, b: weight, ldb: ds,
      c: &hiddenGradient, ldc: ds)
    var weightGradient: [S] = Kernels.uninitialized(dt * ds)
    Kernels.gemm(
      transA: true, m: dt, n: ds, k: rows, a: residual, lda: dt, b: input.studentHidden, ldb: ds,
      c: &weightGradient, ldc: ds)
    return DistillationOutput(
      value: total / S(rows * dt), studentHidden: hiddenGradient,
      parameters: [weightGradient, biasGradient])
  }
}

extension FitNetLoss {
  /// `residual = scale (residual + bias - teacher)` in place over `[rows, width]`, the bias
  /// gradient `sum_rows residual` into `biasGradient`; returns `sum (residual + bias -
  /// teacher)^2`.
  ///
  /// Eight units at a time: the gradients sum over rows in row order per unit, exactly as a
  /// plain loop would (so training is unchanged to the bit); only the value's sum of squares
  /// runs in eight partial sums (a single running sum was one add per element on the
  /// critical path: ~7 of 16 ms of a FaceAll FitNet epoch).
  static func residuals<S: EngineScalar>(
    _ residual: inout [S], bias: [S], teacher: [S], rows: Int, width: Int, scale: S,
    biasGradient: inout [S]
  ) -> S {
    precondition(
      residual.count == rows * width && teacher.count == rows * width && bias.count == width
        && biasGradient.count == width, "FitNetLoss: residual shapes")
    var squares = SIMD8<S>()
    residual.withUnsafeMutableBufferPointer { r in
      teacher.withUnsafeBufferPointer { y in
        bias.withUnsafeBufferPointer { b in
          biasGradient.withUnsafeMutableBufferPointer { g in
            let (rp, yp, bp, gp) = (r.baseAddress!, y.baseAddress!, b.baseAddress!, g.baseAddress!)
            // A local accumulator and no closure per chunk: the sum stays in a register.
            var partial = SIMD8<S>()
            for row in 0..<rows {
              let base = row * width
              var unit = 0
              while unit < width {
                let count = min(8, width - unit)
                let difference =
                  (rp + base + unit).lanes(count) + (bp + unit).lanes(count)
                  - (yp + base + unit).lanes(count)
                partial.addProduct(difference, difference)
                let scaled = scale * difference
                (rp + base + unit).store(scaled, count)
                (gp + unit).store((gp + unit).lanes(count) + scaled, count)
                unit += 8
              }
            }
            squares = partial
          }
        }
      }
    }
    return squares.sum()
  }
}

extension FitNetLoss {
  public static let optionScope = "fitnet"

  public static let optionFields: [OptionField<FitNetLoss>] = [
    .teacherLayer(\.teacherLayer)
  ]
}
