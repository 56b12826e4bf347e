/// Attention transfer (AT; Zagoruyko & Komodakis 2017) on hidden sequences.
///
/// The attention map of a hidden sequence `H [B, T, d]` is the per-step mean of the squared
/// units, L2-normalised over time:
///
///     a[b, t] = mean_d H[b, t, d]^2
///     q[b, :] = a[b, :] / max(||a[b, :]||_2, epsilon)
///     L_AT    = mean_{b, t} (q_s[b, t] - q_t[b, t])^2
///
/// `q_s` comes from the student's (last) layer `studentHidden [B, T, Hs]`, `q_t` from the teacher
/// layer `teacherLayer` (nil = the last layer, `teacherHidden[count - 1]`, `[B, T, Ht]`). The
/// maps are `[B, T]`, so `Hs` and `Ht` need not match and no regressor is needed.
///
/// The reference is RepDistiller's `distiller_zoo/AT.py` with `p = 2`: there `f [B, C, H, W]` is
/// squared, averaged over channels and `F.normalize`d over the flattened spatial positions; here
/// hidden units play the channels and time steps the positions (no pooling: both maps have `T`
/// entries). The normalisation has `F.normalize`'s form `max(norm, epsilon)`, with `epsilon`
/// 1e-8 instead of PyTorch's 1e-12 (only an all-zero sequence reaches it; the value is then
/// `a / epsilon` and the gradient the matching constant-denominator one, so nothing divides by 0).
///
/// Zero when the two sequences have equal maps (e.g. are equal); invariant to scaling either
/// sequence by a non-zero constant. Gradient: `dL/d studentHidden` only. Cost O(B T (Hs + Ht)).
public struct AttentionTransferLoss: DistillationLoss {
  /// The teacher layer whose map is matched (0-based); nil = the last layer.
  public var teacherLayer: Int?
  /// Lower clamp of each map's L2 norm (`F.normalize`'s `eps`).
  public var epsilon: Double

  public var name: String { "at" }

  public init(teacherLayer: Int? = nil, epsilon: Double = 1e-8) {
    self.teacherLayer = teacherLayer
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
    // The teacher's normalised maps `[B, T]`: precomputed (`prepare`) or from its layer.
    let teacherMaps = input.teacherRowValues
    let teacher =
      teacherMaps == nil
      ? input.teacherSequence(
        teacherLayersRead(layerCount: input.teacherHidden.count)[0], for: "AttentionTransferLoss")
      : []
    precondition(
      studentWidth > 0 && teacherWidth > 0
        && input.studentHidden.count == batch * length * studentWidth
        && (teacherMaps?.count == batch * length || teacher.count == batch * length * teacherWidth),
      "AttentionTransferLoss: hidden sizes do not match [B, T, H]")

    let epsilon = S(self.epsilon)
    let scale = 1 / S(batch * length)
    var gradient = [S](repeating: 0, count: input.studentHidden.count)
    var studentMap = [S](repeating: 0, count: length)
    var teacherMap = [S](repeating: 0, count: length)
    var mapGradient = [S](repeating: 0, count: length)
    var total: S = 0
    for sample in 0..<batch {
      let studentNorm = Self.normalizedMap(
        input.studentHidden, sample: sample, length: length, width: studentWidth,
        epsilon: epsilon, into: &studentMap)
      if let teacherMaps {
        for t in 0..<length { teacherMap[t] = teacherMaps[sample * length + t] }
      } else {
        _ = Self.normalizedMap(
          teacher, sample: sample, length: length, width: teacherWidth, epsilon: epsilon,
          into: &teacherMap)
      }
      // dL/dq_s = 2 (q_s - q_t) / (B T); then back through q = a / max(||a||, epsilon).
      var projection: S = 0
      for t in 0..<length {
        let difference = studentMap[t] - teacherMap[t]
        total += difference * difference
        mapGradient[t] = 2 * difference * scale
        projection += mapGradient[t] * studentMap[t]
      }
      if studentNorm > epsilon {
        for t in 0..<length {
          mapGradient[t] = (mapGradient[t] - studentMap[t] * projection) / studentNorm
        }
      } else {
        for t in 0..<length { mapGradient[t] /= epsilon }
      }
      // a[t] = mean_d H[t, d]^2, so da/dH[t, d] = 2 H[t, d] / Hs.
      let unitScale = 2 / S(studentWidth)
      for t in 0..<length {
        let base = (sample * length + t) * studentWidth
        let factor = mapGradient[t] * unitScale
        for unit in 0..<studentWidth {
          gradient[base + unit] = factor * input.studentHidden[base + unit]
        }
      }
    }
    return DistillationOutput(value: total * scale, studentHidden: gradient)
  }

  /// Writes `q[t] = a[t] / max(||a||, epsilon)` for one sample of `hidden [B, T, width]` into
  /// `map [T]` and returns the unclamped norm `||a||`.
  private static func normalizedMap<S: EngineScalar>(
    _ hidden: [S], sample: Int, length: Int, width: Int, epsilon: S, into map: inout [S]
  ) -> S {
    let inverseWidth = 1 / S(width)
    var squaredNorm: S = 0
    for t in 0..<length {
      let base = (sample * length + t) * width
      var sum: S = 0
      for unit in 0..<width {
        let value = hidden[base + unit]
        sum += value * value
      }
      map[t] = sum * inverseWidth
      squaredNorm += map[t] * map[t]
    }
    let norm = squaredNorm.squareRoot()
    let divisor = max(norm, epsilon)
    for t in 0..<length { map[t] /= divisor }
    return norm
  }
}

extension AttentionTransferLoss {
  /// The teacher's normalised attention map of every training row `[N, T]`, once per run: it
  /// depends on the teacher alone, and its sum over the teacher's units was most of the loss's
  /// time (a FaceAll epoch: ~7 of 10 ms). Computed by the same code as `evaluate`'s, so training
  /// is bit-identical; the layer is then not gathered per batch at all.
  public func prepare(teacherHidden: [[Float]], length: Int, hiddenSize: Int)
    -> TeacherPreparation?
  {
    var map = [Float](repeating: 0, count: length)
    return TeacherPreparation.perRow(
      layer: teacherLayersRead(layerCount: teacherHidden.count)[0], of: teacherHidden,
      length: length, hiddenSize: hiddenSize, valuesPerRow: length
    ) { hidden, row, maps in
      _ = Self.normalizedMap(
        hidden, sample: row, length: length, width: hiddenSize, epsilon: Float(epsilon),
        into: &map)
      maps += map
    }
  }
}

extension AttentionTransferLoss {
  public static let optionScope = "at"

  public static let optionFields: [OptionField<AttentionTransferLoss>] = [
    .teacherLayer(\.teacherLayer),
    .number("epsilon", \.epsilon, .positive, "lower clamp of each attention map's L2 norm"),
  ]
}
