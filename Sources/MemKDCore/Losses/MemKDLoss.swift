import RealModule

/// MemKD, the toolkit's own method: the student copies the teacher's *memory response*, how far
/// the hidden state moves between two time steps, normalised so that the sizes of the two models'
/// states never need to match (METHODS.md, "MemKD").
///
/// For a model with hidden sequence `H [B, T, d]` and a pair of steps `t1 < t2`,
/// `delta_b(t1, t2) = ||H[b, t2, :] - H[b, t1, :]||_2` and `phi = delta / mu` (see
/// `Normalization`). With `phi_s` / `phi_t` the student's / teacher's `phi` over a pair set,
/// laid out `[B, P]`,
///
///     L = shortWeight * smoothL1(phi_s_short, phi_t_short)
///       + longWeight * smoothL1(phi_s_long, phi_t_long)
///
/// - Short pairs: every `(t, t + 1)`, `t = 0 ..< T - 1`.
/// - Long pairs: `K` pairs `(t1, t2)` with `t2 - t1 >= 2`, re-drawn at *every* `evaluate` call and
///   shared by teacher, student and every sample of the batch. Sampling (uniform, with
///   replacement; see `drawLongPairs`): each pair is one `generator.index(below: M)`,
///   `M = (T - 1)(T - 2) / 2`, and index `r` is the `r`-th pair of the list of all admissible pairs
///   ordered by `t1`, then `t2` (`r = 0` is `(0, 2)`, `r = 1` is `(0, 3)`, ..., `r = M - 1` is
///   `(T - 3, T - 1)`). Nothing is drawn when the long term is off, when `T < 3` or when `K = 0`.
/// - `T < 3` has no long pairs, so the long term is 0 (the short term still counts); `T < 2` has
///   no pairs at all and the loss is 0 with a zero gradient.
///
/// Reads the student's (last) hidden layer `studentHidden [B, T, Hs]` and the teacher layer
/// `teacherLayer` of `teacherHidden` (default: the last, `[B, T, Ht]`). Returns
/// `dL/d studentHidden` (the teacher is frozen); no logits, no trainable parameters. Divisions
/// are guarded: every normaliser is clamped below by `normFloor` = 1e-8 (a clamped normaliser is
/// a constant for the gradient), and the gradient of `||D||` at `D = 0` is taken as 0.
/// Cost `O(B (T + K) (Hs + Ht))`.
public struct MemKDLoss: DistillationLoss, Equatable, Codable {
  /// Which pair sets contribute (the paper's ablation; both is best).
  public enum Terms: String, CaseIterable, Sendable, Codable {
    case short, long, both
  }

  /// How `delta` is scaled into `phi`, separately for student and teacher and for each pair set.
  public enum Normalization: String, CaseIterable, Sendable, Codable {
    /// `mu_b = max(mean_p delta_b(p), 1e-8)`, one per sample (default [interp]).
    case perSampleMean = "per-sample-mean"
    /// `mu = max(mean_{b, p} delta_b(p), 1e-8)`, one per batch (RKD's distance normaliser).
    case batchMean = "batch-mean"
    /// `mu_b(p) = max(||H[b, t1, :]||, 1e-8)`, the norm of the earlier state of each pair.
    case stepNorm = "step-norm"
    /// `phi = delta`.
    case none
  }

  /// Two time steps `first < second`.
  public struct StepPair: Hashable, Sendable, Codable {
    public var first: Int
    public var second: Int
    public init(_ first: Int, _ second: Int) {
      self.first = first
      self.second = second
    }
  }

  public var terms: Terms
  public var normalization: Normalization
  /// `K`, the number of long pairs per step; nil means `T - 1` [interp].
  public var longPairs: Int?
  public var shortWeight: Double
  public var longWeight: Double
  /// Index into `teacherHidden`; nil means the last layer [interp].
  public var teacherLayer: Int?

  public init(
    terms: Terms = .both, normalization: Normalization = .perSampleMean, longPairs: Int? = nil,
    shortWeight: Double = 1, longWeight: Double = 1, teacherLayer: Int? = nil
  ) {
    self.terms = terms
    self.normalization = normalization
    self.longPairs = longPairs
    self.shortWeight = shortWeight
    self.longWeight = longWeight
    self.teacherLayer = teacherLayer
  }

  public var name: String { "memkd" }

  /// Per-sample unless the normaliser is shared by the whole batch; the long pairs depend only
  /// on `T` and the generator.
  public var isPerSample: Bool { normalization != .batchMean }

  /// Lower clamp of every normaliser (and the zero guard of `||D||`).
  public static let normFloor = 1e-8

  /// `K` for series of `length` steps: 0 when `T < 3` (no admissible pair), else
  /// `longPairs ?? T - 1`.
  public func longPairCount(length: Int) -> Int {
    guard length >= 3 else { return 0 }
    let count = longPairs ?? length - 1
    precondition(count >= 0, "MemKD: longPairs must be >= 0, got \(count)")
    return count
  }

  /// `(t, t + 1)` for `t = 0 ..< length - 1`.
  public static func shortPairs(length: Int) -> [StepPair] {
    length < 2 ? [] : (0..<(length - 1)).map { StepPair($0, $0 + 1) }
  }

  /// The long pairs of one step, drawn as the type's documentation describes (`K` draws of
  /// `generator.index(below: M)`, none when `longPairCount(length:)` is 0).
  public func drawLongPairs(length: Int, generator: inout SeededGenerator) -> [StepPair] {
    let count = longPairCount(length: length)
    guard count > 0 else { return [] }
    let admissible = (length - 1) * (length - 2) / 2
    // starts[f] = rank of (f, f + 2), the first pair starting at f (`T - 2 - f'` pairs start at
    // every earlier f'); each draw binary-searches it (a linear walk was O(T) per pair).
    var starts = [Int](repeating: 0, count: length - 2)
    for first in 1..<(length - 2) { starts[first] = starts[first - 1] + length - 1 - first }
    return (0..<count).map { _ in
      let rank = generator.index(below: admissible)
      var (low, high) = (0, length - 3)  // the last f with starts[f] <= rank
      while low < high {
        let middle = (low + high + 1) / 2
        if starts[middle] <= rank { low = middle } else { high = middle - 1 }
      }
      return StepPair(low, low + 2 + rank - starts[low])
    }
  }

  // Specialised entry points: a caller outside this module, or one holding `any DistillationLoss`,
  // would otherwise run the unspecialised generic body (measured ~20x slower).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func evaluate<S: EngineScalar>(
    _ input: DistillationInput<S>, parameters: [[S]], generator: inout SeededGenerator
  ) -> DistillationOutput<S> {
    let long = terms == .short ? [] : drawLongPairs(length: input.length, generator: &generator)
    return evaluate(input, longPairs: long)
  }

  /// The loss with explicit long pairs (any `0 <= t1 < t2 < T`; ignored when `terms == .short`).
  /// Golden values and tests use it to fix the pairs; `evaluate(_:parameters:generator:)` draws
  /// them and calls this.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public func evaluate<S: EngineScalar>(_ input: DistillationInput<S>, longPairs pairs: [StepPair])
    -> DistillationOutput<S>
  {
    let (batch, length, size) = (input.batch, input.length, input.studentHiddenSize)
    precondition(
      input.studentHidden.count == batch * length * size, "MemKD: studentHidden is not [B, T, Hs]")
    precondition(
      pairs.allSatisfy { 0 <= $0.first && $0.first < $0.second && $0.second < length },
      "MemKD: long pairs must satisfy 0 <= t1 < t2 < T = \(length)")
    var gradient = [S](repeating: 0, count: input.studentHidden.count)
    var sets: [(pairs: [StepPair], weight: S)] = []
    if terms != .long && length >= 2 {
      sets.append((Self.shortPairs(length: length), S(shortWeight)))
    }
    if terms != .short && !pairs.isEmpty { sets.append((pairs, S(longWeight))) }
    var value: S = 0
    for set in sets {
      let student = Self.measure(
        input.studentHidden, batch: batch, length: length, size: size, pairs: set.pairs,
        earlyNorms: normalization == .stepNorm)
      let teacher = measureTeacher(input, pairs: set.pairs)
      value +=
        normalization == .batchMean
        ? batchMeanTerm(
          input, student: student, teacher: teacher, pairs: set.pairs, weight: set.weight,
          gradient: &gradient)
        : rowTerm(
          input, student: student, teacher: teacher, pairs: set.pairs, weight: set.weight,
          gradient: &gradient)
    }
    return DistillationOutput(value: value, studentHidden: gradient)
  }

  /// `phi [B, P]` of one model's hidden sequence `[B, T, size]` under this loss's normalisation.
  func responses<S: EngineScalar>(
    _ hidden: [S], batch: Int, length: Int, size: Int, pairs: [StepPair]
  ) -> [S] {
    let measured = Self.measure(
      hidden, batch: batch, length: length, size: size, pairs: pairs,
      earlyNorms: normalization == .stepNorm)
    return normalized(measured, batch: batch).phi
  }

  // MARK: - Implementation

  /// The teacher's per-pair quantities `[B, P]`: looked up in `input.teacherPairs` when it was
  /// precomputed for this loss's layer, else measured on the teacher's hidden sequence.
  private func measureTeacher<S: EngineScalar>(_ input: DistillationInput<S>, pairs: [StepPair])
    -> Measured<S>
  {
    let layer = teacherLayersRead(layerCount: input.teacherHidden.count)[0]
    guard let table = input.teacherPairs, table.layer == layer else {
      return Self.measure(
        teacherSequence(input), batch: input.batch, length: input.length,
        size: input.teacherHiddenSize, pairs: pairs, earlyNorms: normalization == .stepNorm)
    }
    precondition(
      table.length == input.length && input.teacherRows.count == input.batch,
      "MemKD: teacherPairs of length \(table.length) with \(input.teacherRows.count) rows for [B, T] = [\(input.batch), \(input.length)]"
    )
    return Self.lookUp(
      table, rows: input.teacherRows, pairs: pairs, earlyNorms: normalization == .stepNorm)
  }

  private func teacherSequence<S>(_ input: DistillationInput<S>) -> [S] {
    let layer = teacherLayersRead(layerCount: input.teacherHidden.count)[0]
    precondition(input.teacherHidden.indices.contains(layer), "MemKD: no teacher layer \(layer)")
    let sequence = input.teacherHidden[layer]
    precondition(
      sequence.count == input.batch * input.length * input.teacherHiddenSize,
      "MemKD: teacher layer \(layer) is not [B, T, Ht]")
    return sequence
  }

  /// One pair set's `weight * smoothL1(phi_s, phi_t)` under `batch-mean`, whose one normaliser
  /// couples every sample of the batch; adds its gradient to `gradient`. (The per-sample
  /// normalisations go through `rowTerm`.)
  private func batchMeanTerm<S: EngineScalar>(
    _ input: DistillationInput<S>, student measured: Measured<S>, teacher: Measured<S>,
    pairs: [StepPair], weight: S, gradient: inout [S]
  ) -> S {
    precondition(normalization == .batchMean, "MemKD: batchMeanTerm needs batch-mean")
    let (batch, length, size, count) = (
      input.batch, input.length, input.studentHiddenSize, pairs.count
    )
    let teacherPhi = normalized(teacher, batch: batch).phi
    let (phi, divisor, inverse) = normalized(measured, batch: batch)
    let delta = measured.delta
    let (value, phiGradient) = smoothL1(phi, teacherPhi)
    // dL/d delta through phi = delta / mu, including mu's dependence on every delta (when not
    // clamped), then divided by delta for the scatter (0 at delta = 0).
    let mu = divisor[0]
    var dot: S = 0
    for index in delta.indices { dot += phiGradient[index] * delta[index] }
    let correction = mu > S(Self.normFloor) ? weight * dot / (mu * mu * S(delta.count)) : 0
    var coefficients = [S](repeating: 0, count: delta.count)
    for index in delta.indices where delta[index] > 0 {
      coefficients[index] =
        (weight * phiGradient[index] * inverse[index] - correction) / delta[index]
    }
    let isChain = pairs.indices.allSatisfy { pairs[$0] == StepPair($0, $0 + 1) }
    gradient.withUnsafeMutableBufferPointer { gradientBuffer in
      input.studentHidden.withUnsafeBufferPointer { hiddenBuffer in
        coefficients.withUnsafeBufferPointer { c in
          guard let g = gradientBuffer.baseAddress, let h = hiddenBuffer.baseAddress,
            let c = c.baseAddress
          else { return }
          for b in 0..<batch {
            Self.scatter(
              c + b * count, pairs: pairs, isChain: isChain, size: size, length: length,
              hidden: h + b * length * size, gradient: g + b * length * size)
          }
        }
      }
    }
    return weight * value
  }

  /// `phi = delta / divisor`, the divisor of every entry (`[B, P]`; 1 for `.none`) and its
  /// reciprocal (one division per normaliser rather than per entry: scalar divisions were a
  /// visible part of a student MemKD epoch).
  private func normalized<S: EngineScalar>(_ measured: Measured<S>, batch: Int) -> (
    phi: [S], divisor: [S], inverse: [S]
  ) {
    let floor = S(Self.normFloor)
    let delta = measured.delta
    let count = delta.count / batch
    var divisor = [S](repeating: 1, count: delta.count)
    var inverse = [S](repeating: 1, count: delta.count)
    switch normalization {
    case .perSampleMean:
      for b in 0..<batch {
        var sum: S = 0
        for p in 0..<count { sum += delta[b * count + p] }
        let mu = Swift.max(sum / S(count), floor)
        let reciprocal = 1 / mu
        for p in 0..<count {
          divisor[b * count + p] = mu
          inverse[b * count + p] = reciprocal
        }
      }
    case .batchMean:
      var sum: S = 0
      for value in delta { sum += value }
      let mu = Swift.max(sum / S(delta.count), floor)
      let reciprocal = 1 / mu
      for index in divisor.indices {
        divisor[index] = mu
        inverse[index] = reciprocal
      }
    case .stepNorm:
      for index in divisor.indices {
        divisor[index] = Swift.max(measured.earlyNorm[index], floor)
        inverse[index] = 1 / divisor[index]
      }
    case .none:
      break
    }
    var phi = delta
    for index in phi.indices { phi[index] *= inverse[index] }
    return (phi, divisor, inverse)
  }
}

extension MemKDLoss: OptionSchema {
  public static let optionScope = "memkd"

  /// MemKD's options (METHODS.md; the "interpretation" items are configurable).
  public static let optionFields: [OptionField<MemKDLoss>] = [
    .choice("terms", \.terms, "which pair sets contribute: short, long or both"),
    .choice(
      "normalization", \.normalization,
      "how pair distances are scaled before they are compared"),
    .optionalInteger(
      "long_pairs", \.longPairs, minimum: 1, maximum: 1 << 24, absent: "T - 1",
      "K, the long pairs drawn per training step"),
    .number("short_weight", \.shortWeight, .nonNegative, "weight of the short term"),
    .number("long_weight", \.longWeight, .nonNegative, "weight of the long term"),
    .teacherLayer(\.teacherLayer),
  ]
}
