/// Neuron selectivity transfer (NST; Huang & Wang 2017) on hidden sequences.
///
/// Each hidden unit's time course is L2-normalised over time, giving per sample the unit
/// vectors `u_i = H[b, :, i] / max(||H[b, :, i]||, epsilon)` (`[d, T]` in RepDistiller's
/// layout), and the two sets are compared by the squared maximum mean discrepancy with the
/// polynomial kernel `k(u, v) = (u . v)^2`:
///
///     MMD^2[b] = mean_{i, j} k(t_i, t_j) + mean_{i, j} k(s_i, s_j) - 2 mean_{i, k} k(s_i, t_k)
///     L_NST    = mean_b MMD^2[b]
///
/// with the means over all `Ht^2`, `Hs^2` and `Hs Ht` unit pairs. Student: `studentHidden
/// [B, T, Hs]`; teacher: layer `teacherLayer` (nil = the last layer) `[B, T, Ht]`.
///
/// Reference: RepDistiller's `distiller_zoo/NST.py` (`full_loss = True`, `poly_kernel`), where
/// channels play the units and flattened spatial positions the time steps; its `.mean()` over
/// `[B, Ht, Hs]`-shaped kernels equals the per-sample means averaged over the batch here, since
/// every sample has the same number of pairs. The normalisation is `F.normalize`'s
/// `max(norm, epsilon)` with `epsilon` 1e-8 instead of 1e-12 (only an all-zero time course
/// reaches it). `includeTeacherKernel = false` drops the constant teacher-teacher term
/// (RepDistiller's `full_loss = False`): same gradient, cheaper, but the value is then no longer
/// zero for equal sequences.
///
/// Zero when the two sequences are equal. Gradient: `dL/d studentHidden` only. Cost per sample
/// O(T Hs (Hs + Ht)) for the student terms plus O(T Ht min(T, Ht)) for the teacher term.
public struct NSTLoss: DistillationLoss {
  /// The teacher layer whose units are matched (0-based); nil = the last layer.
  public var teacherLayer: Int?
  /// Include the teacher-teacher kernel mean (constant for the student) in the value.
  public var includeTeacherKernel: Bool
  /// Lower clamp of each time course's L2 norm (`F.normalize`'s `eps`).
  public var epsilon: Double

  public var name: String { "nst" }

  public init(teacherLayer: Int? = nil, includeTeacherKernel: Bool = true, epsilon: Double = 1e-8) {
    self.teacherLayer = teacherLayer
    self.includeTeacherKernel = includeTeacherKernel
    self.epsilon = epsilon
  }

  // Specialised for Float: the trainer calls through `any DistillationLoss`, where the
  // unspecialised generic body runs 20-40 times slower (measured at B 32, T 100, Ht 100).
  @_specialize(where S == Float)
  public func evaluate<S: EngineScalar>(
    _ input: DistillationInput<S>, parameters: [[S]], generator: inout SeededGenerator
  ) -> DistillationOutput<S> {
    let batch = input.batch, length = input.length
    let ds = input.studentHiddenSize, dt = input.teacherHiddenSize
    // Per batch row, the teacher's unit vectors `[T, Ht]` and its kernel mean: precomputed once
    // per run (`prepare`, `[B, T Ht + 1]`), or from the teacher's layer here.
    let prepared = input.teacherRowValues
    let preparedWidth = length * dt + 1
    let teacher =
      prepared == nil
      ? input.teacherSequence(
        teacherLayersRead(layerCount: input.teacherHidden.count)[0], for: "NSTLoss")
      : []
    precondition(
      batch > 0 && length > 0 && ds > 0 && dt > 0
        && input.studentHidden.count == batch * length * ds
        && (prepared?.count == batch * preparedWidth || teacher.count == batch * length * dt),
      "NSTLoss: hidden sizes do not match [B, T, H]")

    let epsilon = S(self.epsilon)
    var studentUnits = [S](repeating: 0, count: length * ds)
    var teacherUnits = [S](repeating: 0, count: prepared == nil ? length * dt : 0)
    var studentNorms = [S](repeating: 0, count: ds)
    var teacherNorms = [S](repeating: 0, count: dt)
    var studentKernel = [S](repeating: 0, count: ds * ds)
    var crossKernel = [S](repeating: 0, count: ds * dt)
    var teacherKernel = [S](
      repeating: 0,
      count: includeTeacherKernel && prepared == nil
        ? min(dt, length) * min(dt, length) : 0)
    var unitGradient = [S](repeating: 0, count: length * ds)
    var gradient = [S](repeating: 0, count: input.studentHidden.count)

    let inverseBatch = 1 / S(batch)
    let studentScale = 1 / S(ds * ds), crossScale = 2 / S(ds * dt)
    var total: S = 0
    for sample in 0..<batch {
      Self.normalizeColumns(
        input.studentHidden, offset: sample * length * ds, rows: length, columns: ds,
        epsilon: epsilon, into: &studentUnits, norms: &studentNorms)
      let (units, unitsOffset): ([S], Int)
      if let prepared {
        (units, unitsOffset) = (prepared, sample * preparedWidth)
      } else {
        Self.normalizeColumns(
          teacher, offset: sample * length * dt, rows: length, columns: dt,
          epsilon: epsilon, into: &teacherUnits, norms: &teacherNorms)
        (units, unitsOffset) = (teacherUnits, 0)
      }
      // K_ss = U_s^T U_s [Hs, Hs], K_st = U_s^T U_t [Hs, Ht] (U stored [T, d]).
      Kernels.gemm(
        transA: true, m: ds, n: ds, k: length, a: studentUnits, lda: ds,
        b: studentUnits, ldb: ds, c: &studentKernel, ldc: ds)
      Kernels.gemm(
        transA: true, m: ds, n: dt, k: length, a: studentUnits, lda: ds,
        b: units, bOffset: unitsOffset, ldb: dt, c: &crossKernel, ldc: dt)
      var value =
        studentScale * Self.sumOfSquares(studentKernel)
        - crossScale * Self.sumOfSquares(crossKernel)
      if includeTeacherKernel {
        value +=
          prepared?[sample * preparedWidth + length * dt]
          ?? Self.teacherKernelMean(teacherUnits, length: length, width: dt, into: &teacherKernel)
      }
      total += value

      // dL/dU_s = (4 / (B Hs^2)) U_s K_ss - (4 / (B Hs Ht)) U_t K_st^T   ([T, Hs]).
      Kernels.gemm(
        m: length, n: ds, k: ds, alpha: 4 * studentScale * inverseBatch, a: studentUnits, lda: ds,
        b: studentKernel, ldb: ds, c: &unitGradient, ldc: ds)
      Kernels.gemm(
        transB: true, m: length, n: ds, k: dt, alpha: -2 * crossScale * inverseBatch,
        a: units, aOffset: unitsOffset, lda: dt, b: crossKernel, ldb: dt, beta: 1,
        c: &unitGradient, ldc: ds)
      // u = x / max(|x|, epsilon) per column.
      let base = sample * length * ds
      for unit in 0..<ds {
        let norm = studentNorms[unit]
        if norm > epsilon {
          var projection: S = 0
          for t in 0..<length {
            projection += unitGradient[t * ds + unit] * studentUnits[t * ds + unit]
          }
          for t in 0..<length {
            gradient[base + t * ds + unit] =
              (unitGradient[t * ds + unit] - studentUnits[t * ds + unit] * projection) / norm
          }
        } else {
          for t in 0..<length {
            gradient[base + t * ds + unit] = unitGradient[t * ds + unit] / epsilon
          }
        }
      }
    }
    return DistillationOutput(value: total * inverseBatch, studentHidden: gradient)
  }

  /// `mean_{i, j} k(t_i, t_j)` of one sample's teacher units `[T, Ht]` (a teacher-only term of
  /// the value). The Gram matrix is formed over the smaller of units and steps (the same
  /// Frobenius norm), in `kernel` (at least `min(T, Ht)^2` elements).
  static func teacherKernelMean<S: EngineScalar>(
    _ units: [S], length: Int, width dt: Int, into kernel: inout [S]
  ) -> S {
    if dt <= length {
      Kernels.gemm(
        transA: true, m: dt, n: dt, k: length, a: units, lda: dt, b: units, ldb: dt, c: &kernel,
        ldc: dt)
    } else {
      Kernels.gemm(
        transB: true, m: length, n: length, k: dt, a: units, lda: dt, b: units, ldb: dt,
        c: &kernel, ldc: length)
    }
    let side = min(dt, length)
    var sum: S = 0
    for index in 0..<(side * side) { sum += kernel[index] * kernel[index] }
    return (1 / S(dt * dt)) * sum  // as the value always computed it: bit-identical
  }

  /// Column-normalises the `[rows, columns]` block of `matrix` at `offset` into `units` and
  /// writes the unclamped column norms into `norms`.
  private static func normalizeColumns<S: EngineScalar>(
    _ matrix: [S], offset: Int, rows: Int, columns: Int, epsilon: S,
    into units: inout [S], norms: inout [S]
  ) {
    for column in 0..<columns { norms[column] = 0 }
    for row in 0..<rows {
      for column in 0..<columns {
        let value = matrix[offset + row * columns + column]
        norms[column] += value * value
      }
    }
    for column in 0..<columns { norms[column] = norms[column].squareRoot() }
    for row in 0..<rows {
      for column in 0..<columns {
        units[row * columns + column] =
          matrix[offset + row * columns + column] / max(norms[column], epsilon)
      }
    }
  }

  private static func sumOfSquares<S: EngineScalar>(_ values: [S]) -> S {
    var sum: S = 0
    for value in values { sum += value * value }
    return sum
  }
}

extension NSTLoss {
  /// Every training row's teacher unit vectors `[T, Ht]` and teacher-teacher kernel mean, once
  /// per run instead of every batch (`[N, T Ht + 1]`; the layer is then not gathered per
  /// batch): both depend on the teacher alone, and they were most of the loss's time (the
  /// kernel mean `O(T Ht min(T, Ht))` per sample; the normalisation a division per element).
  /// Computed by the same code as `evaluate`'s, so values and training are bit-identical. The
  /// kernel mean is 0 without `includeTeacherKernel` (then unused).
  public func prepare(teacherHidden: [[Float]], length: Int, hiddenSize: Int)
    -> TeacherPreparation?
  {
    var units = [Float](repeating: 0, count: length * hiddenSize)
    var norms = [Float](repeating: 0, count: hiddenSize)
    var kernel = [Float](repeating: 0, count: min(hiddenSize, length) * min(hiddenSize, length))
    return TeacherPreparation.perRow(
      layer: teacherLayersRead(layerCount: teacherHidden.count)[0], of: teacherHidden,
      length: length, hiddenSize: hiddenSize, valuesPerRow: length * hiddenSize + 1
    ) { hidden, row, values in
      Self.normalizeColumns(
        hidden, offset: row * length * hiddenSize, rows: length, columns: hiddenSize,
        epsilon: Float(epsilon), into: &units, norms: &norms)
      values += units
      values.append(
        includeTeacherKernel
          ? Self.teacherKernelMean(units, length: length, width: hiddenSize, into: &kernel) : 0)
    }
  }
}

extension NSTLoss {
  public static let optionScope = "nst"

  public static let optionFields: [OptionField<NSTLoss>] = [
    .teacherLayer(\.teacherLayer),
    .flag(
      "include_teacher_kernel", \.includeTeacherKernel,
      "include the teacher-teacher kernel mean (constant for the student) in the value"),
    .number("epsilon", \.epsilon, .positive, "lower clamp of each time course's L2 norm"),
  ]
}
