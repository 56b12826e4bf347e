/// Relational knowledge distillation (RKD; Park et al. 2019) on the last hidden state.
///
/// Reads `x_b = studentHidden[b, T-1, :]` (`[B, Hs]`) and `y_b = teacherHidden[L-1][b, T-1, :]`
/// (`[B, Ht]`, the teacher's last layer) and matches the relations between the samples of the
/// batch, so `Hs` and `Ht` need not match:
///
/// - distance term: `d[i, j] = max(||x_i - x_j||, epsilon)` for `i != j`, 0 on the diagonal;
///   `mu = max(mean_{i != j} d[i, j], epsilon)`; `L_dist = smoothL1(d_s / mu_s, d_t / mu_t)`
///   over the whole `[B, B]` matrix (mean over `B^2` entries, diagonal included, as RepDistiller).
/// - angle term: `e[i, j] = (x_j - x_i) / max(||x_j - x_i||, epsilon)`,
///   `A[i, j, k] = <e[i, j], e[i, k]>` (the cosine at vertex `i`; `e[i, i] = 0`);
///   `L_angle = smoothL1(A_s, A_t)` over all `B^3` triplets.
/// - `L_RKD = distanceWeight * L_dist + angleWeight * L_angle` (RepDistiller: 25 and 50).
///
/// Reference: RepDistiller's `distiller_zoo/RKD.py`. Differences: distances are computed from
/// the differences `x_i - x_j` (RepDistiller expands `|x_i|^2 + |x_j|^2 - 2 x_i.x_j`, which
/// cancels badly for close points) and clamped below by `epsilon` = 1e-8 (RepDistiller clamps the
/// squared distance by 1e-12, i.e. the distance by 1e-6; both have zero gradient when clamped);
/// the normalisation `max(norm, epsilon)` is `F.normalize`'s with `epsilon` 1e-8 instead of
/// 1e-12. For `B = 1` there are no pairs: the distance term is 0 (RepDistiller's mean of an
/// empty set would be NaN) and so is the angle term.
///
/// Coincident points: a pair whose student states coincide while the teacher's do not gets the
/// constant-denominator gradient of the normalisation, of order `1/epsilon` (PyTorch: 1e12);
/// a pair that coincides in both models contributes nothing.
///
/// Invariant to scaling either model's `h_T` by a non-zero constant (away from the clamps).
/// Gradient: `dL/d studentHidden`, non-zero only at `t = T - 1`. Cost O(B^3 (Hs + Ht)) (one
/// `[B, H] x [H, B]` Gram matrix per anchor).
public struct RKDLoss: DistillationLoss {
  /// Weight of the distance term.
  public var distanceWeight: Double
  /// Weight of the angle term.
  public var angleWeight: Double
  /// Lower clamp of pair distances, of their mean and of the norms in the angle term.
  public var epsilon: Double

  public var name: String { "rkd" }

  public init(distanceWeight: Double = 25, angleWeight: Double = 50, epsilon: Double = 1e-8) {
    self.distanceWeight = distanceWeight
    self.angleWeight = angleWeight
    self.epsilon = epsilon
  }

  // Specialised for Float: the trainer calls through `any DistillationLoss`, where the
  // unspecialised generic body runs 20-40 times slower (measured at B 32, T 100, Ht 100).
  @_specialize(where S == Float)
  public func evaluate<S: EngineScalar>(
    _ input: DistillationInput<S>, parameters: [[S]], generator: inout SeededGenerator
  ) -> DistillationOutput<S> {
    let batch = input.batch, length = input.length
    let studentWidth = input.studentHiddenSize, teacherWidth = input.teacherHiddenSize
    precondition(!input.teacherHidden.isEmpty, "RKDLoss: no teacher layers")
    let teacherSequence = input.teacherSequence(
      teacherLayersRead(layerCount: input.teacherHidden.count)[0], for: "RKDLoss")
    precondition(
      batch > 0 && length > 0 && studentWidth > 0 && teacherWidth > 0
        && input.studentHidden.count == batch * length * studentWidth
        && teacherSequence.count == batch * length * teacherWidth,
      "RKDLoss: hidden sizes do not match [B, T, H]")
    let student = Self.lastStep(
      input.studentHidden, batch: batch, length: length, width: studentWidth)
    let teacher = Self.lastStep(teacherSequence, batch: batch, length: length, width: teacherWidth)
    let epsilon = S(self.epsilon)

    var value: S = 0
    var lastGradient = [S](repeating: 0, count: batch * studentWidth)
    if distanceWeight != 0 && batch > 1 {
      value +=
        S(distanceWeight)
        * distanceTerm(
          student: student, teacher: teacher, batch: batch, studentWidth: studentWidth,
          teacherWidth: teacherWidth, epsilon: epsilon, weight: S(distanceWeight),
          gradient: &lastGradient)
    }
    if angleWeight != 0 {
      value +=
        S(angleWeight)
        * angleTerm(
          student: student, teacher: teacher, batch: batch, studentWidth: studentWidth,
          teacherWidth: teacherWidth, epsilon: epsilon, weight: S(angleWeight),
          gradient: &lastGradient)
    }
    var gradient = [S](repeating: 0, count: input.studentHidden.count)
    for sample in 0..<batch {
      let base = (sample * length + length - 1) * studentWidth
      for unit in 0..<studentWidth {
        gradient[base + unit] = lastGradient[sample * studentWidth + unit]
      }
    }
    return DistillationOutput(value: value, studentHidden: gradient)
  }

  /// `hidden[:, T-1, :]` as `[B, width]`.
  private static func lastStep<S>(_ hidden: [S], batch: Int, length: Int, width: Int) -> [S] {
    (0..<batch).flatMap { sample -> ArraySlice<S> in
      let base = (sample * length + length - 1) * width
      return hidden[base..<(base + width)]
    }
  }

  /// `[B, B]` clamped distances (diagonal 0) divided by their clamped off-diagonal mean; also
  /// returns the raw distances and the mean's divisor.
  private static func normalizedDistances<S: EngineScalar>(
    _ points: [S], batch: Int, width: Int, epsilon: S
  ) -> (normalized: [S], raw: [S], mean: S, meanClamped: Bool) {
    var raw = [S](repeating: 0, count: batch * batch)
    var sum: S = 0
    for i in 0..<batch {
      for j in (i + 1)..<batch {
        var squared: S = 0
        for unit in 0..<width {
          let difference = points[i * width + unit] - points[j * width + unit]
          squared += difference * difference
        }
        let distance = max(squared.squareRoot(), epsilon)
        raw[i * batch + j] = distance
        raw[j * batch + i] = distance
        sum += 2 * distance
      }
    }
    let unclamped = sum / S(batch * (batch - 1))
    let mean = max(unclamped, epsilon)
    return (raw.map { $0 / mean }, raw, mean, !(unclamped > epsilon))
  }

  /// The unweighted distance term; adds `weight * dL_dist/dx` to `gradient [B, Hs]`.
  private func distanceTerm<S: EngineScalar>(
    student: [S], teacher: [S], batch: Int, studentWidth: Int, teacherWidth: Int,
    epsilon: S, weight: S, gradient: inout [S]
  ) -> S {
    let s = Self.normalizedDistances(student, batch: batch, width: studentWidth, epsilon: epsilon)
    let t = Self.normalizedDistances(teacher, batch: batch, width: teacherWidth, epsilon: epsilon)
    let (value, phiGradient) = smoothL1(s.normalized, t.normalized)
    // phi = d / mu with mu = mean_{i != j} d: dL/dd_ij = g_ij / mu - sum(g d) / (mu^2 P).
    var meanTerm: S = 0
    if !s.meanClamped {
      var dot: S = 0
      for index in phiGradient.indices { dot += phiGradient[index] * s.raw[index] }
      meanTerm = dot / (s.mean * s.mean * S(batch * (batch - 1)))
    }
    for i in 0..<batch {
      for j in 0..<batch where j != i {
        let distance = s.raw[i * batch + j]
        var squared: S = 0
        for unit in 0..<studentWidth {
          let difference = student[i * studentWidth + unit] - student[j * studentWidth + unit]
          squared += difference * difference
        }
        guard squared.squareRoot() > epsilon else { continue }  // clamped: no gradient
        // d_ij depends on x_i through (x_i - x_j) / d_ij; the (j, i) entry adds the mirror image.
        let coefficient = weight * (phiGradient[i * batch + j] / s.mean - meanTerm) / distance
        for unit in 0..<studentWidth {
          let difference = student[i * studentWidth + unit] - student[j * studentWidth + unit]
          gradient[i * studentWidth + unit] += 2 * coefficient * difference
        }
      }
    }
    return value
  }

  /// `e[i, j, :]` for every anchor `i` as `[B, B, width]`, and the unclamped norms `[B, B]`.
  private static func unitDifferences<S: EngineScalar>(
    _ points: [S], batch: Int, width: Int, epsilon: S
  ) -> (units: [S], norms: [S]) {
    var units = [S](repeating: 0, count: batch * batch * width)
    var norms = [S](repeating: 0, count: batch * batch)
    for i in 0..<batch {
      for j in 0..<batch where j != i {
        let base = (i * batch + j) * width
        var squared: S = 0
        for unit in 0..<width {
          let difference = points[j * width + unit] - points[i * width + unit]
          units[base + unit] = difference
          squared += difference * difference
        }
        let norm = squared.squareRoot()
        norms[i * batch + j] = norm
        let divisor = max(norm, epsilon)
        for unit in 0..<width { units[base + unit] /= divisor }
      }
    }
    return (units, norms)
  }

  /// `A[i, j, k] = <e[i, j], e[i, k]>` as `[B, B, B]`, one Gram matrix per anchor.
  private static func angles<S: EngineScalar>(_ units: [S], batch: Int, width: Int) -> [S] {
    var angles = [S](repeating: 0, count: batch * batch * batch)
    for i in 0..<batch {
      let offset = i * batch * width
      Kernels.gemm(
        transB: true, m: batch, n: batch, k: width, a: units, aOffset: offset, lda: width,
        b: units, bOffset: offset, ldb: width, c: &angles, cOffset: i * batch * batch, ldc: batch)
    }
    return angles
  }

  /// The unweighted angle term; adds `weight * dL_angle/dx` to `gradient [B, Hs]`.
  private func angleTerm<S: EngineScalar>(
    student: [S], teacher: [S], batch: Int, studentWidth: Int, teacherWidth: Int,
    epsilon: S, weight: S, gradient: inout [S]
  ) -> S {
    let s = Self.unitDifferences(student, batch: batch, width: studentWidth, epsilon: epsilon)
    let t = Self.unitDifferences(teacher, batch: batch, width: teacherWidth, epsilon: epsilon)
    let studentAngles = Self.angles(s.units, batch: batch, width: studentWidth)
    let teacherAngles = Self.angles(t.units, batch: batch, width: teacherWidth)
    let (value, angleGradient) = smoothL1(studentAngles, teacherAngles)
    // dL/de[i, j] = sum_k (G[i, j, k] + G[i, k, j]) e[i, k]: per anchor (G_i + G_i^T) E_i.
    var unitGradient = [S](repeating: 0, count: s.units.count)
    for i in 0..<batch {
      let gram = i * batch * batch, rows = i * batch * studentWidth
      Kernels.gemm(
        m: batch, n: studentWidth, k: batch, a: angleGradient, aOffset: gram, lda: batch,
        b: s.units, bOffset: rows, ldb: studentWidth,
        c: &unitGradient, cOffset: rows, ldc: studentWidth)
      Kernels.gemm(
        transA: true, m: batch, n: studentWidth, k: batch, a: angleGradient, aOffset: gram,
        lda: batch, b: s.units, bOffset: rows, ldb: studentWidth,
        beta: 1, c: &unitGradient, cOffset: rows, ldc: studentWidth)
    }
    // e = v / max(|v|, epsilon) with v = x_j - x_i.
    for i in 0..<batch {
      for j in 0..<batch where j != i {
        let base = (i * batch + j) * studentWidth
        let norm = s.norms[i * batch + j]
        var projection: S = 0
        for unit in 0..<studentWidth {
          projection += unitGradient[base + unit] * s.units[base + unit]
        }
        for unit in 0..<studentWidth {
          let differenceGradient =
            norm > epsilon
            ? (unitGradient[base + unit] - s.units[base + unit] * projection) / norm
            : unitGradient[base + unit] / epsilon
          gradient[j * studentWidth + unit] += weight * differenceGradient
          gradient[i * studentWidth + unit] -= weight * differenceGradient
        }
      }
    }
    return value
  }
}

extension RKDLoss {
  public static let optionScope = "rkd"

  public static let optionFields: [OptionField<RKDLoss>] = [
    .number("distance_weight", \.distanceWeight, .nonNegative, "weight of the distance term"),
    .number("angle_weight", \.angleWeight, .nonNegative, "weight of the angle term"),
    .number("epsilon", \.epsilon, .positive, "lower clamp of distances, their mean and norms"),
  ]
}
