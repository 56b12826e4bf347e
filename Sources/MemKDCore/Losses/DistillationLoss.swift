/// What a distillation loss reads for one mini-batch: the student's logits and hidden sequence
/// (its last recurrent layer) and the frozen teacher's logits and per-layer hidden sequences, all
/// batch-major. Generic so every loss can be gradient-checked in Double.
public struct DistillationInput<S: EngineScalar>: Sendable {
  /// B, T, C.
  public var batch: Int
  public var length: Int
  public var classes: Int
  /// `[B]`, each in `0..<classes`.
  public var labels: [Int]
  /// `[B, C]`.
  public var studentLogits: [S]
  /// The student's last layer `[B, T, Hs]`.
  public var studentHidden: [S]
  public var studentHiddenSize: Int
  /// `[B, C]`.
  public var teacherLogits: [S]
  /// Every teacher layer, each `[B, T, Ht]` (index 0 is the first layer).
  public var teacherHidden: [[S]]
  public var teacherHiddenSize: Int
  /// 1-based training epoch (DKD's warm-up reads it).
  public var epoch: Int
  /// MemKD's precomputed teacher distances over the whole training set, and the training-set
  /// row of each batch row (`[B]`) to look them up by; nil / empty when not precomputed (MemKD
  /// then measures `teacherHidden`, which must hold its layer).
  public var teacherPairs: TeacherPairDistances<S>?
  public var teacherRows: [Int]
  /// The batch rows' precomputed `TeacherPreparation.rowValues` (`[B, valuesPerRow]`), nil
  /// when not precomputed (the loss then computes them from `teacherHidden`).
  public var teacherRowValues: [S]?

  public init(
    batch: Int, length: Int, classes: Int, labels: [Int], studentLogits: [S],
    studentHidden: [S], studentHiddenSize: Int, teacherLogits: [S], teacherHidden: [[S]],
    teacherHiddenSize: Int, epoch: Int = 1, teacherPairs: TeacherPairDistances<S>? = nil,
    teacherRows: [Int] = [], teacherRowValues: [S]? = nil
  ) {
    self.batch = batch
    self.length = length
    self.classes = classes
    self.labels = labels
    self.studentLogits = studentLogits
    self.studentHidden = studentHidden
    self.studentHiddenSize = studentHiddenSize
    self.teacherLogits = teacherLogits
    self.teacherHidden = teacherHidden
    self.teacherHiddenSize = teacherHiddenSize
    self.epoch = epoch
    self.teacherPairs = teacherPairs
    self.teacherRows = teacherRows
    self.teacherRowValues = teacherRowValues
  }
}

extension DistillationInput {
  /// Teacher layer `layer`'s hidden sequence `[B, T, Ht]`; a layer that does not exist is a
  /// programming error naming `loss`.
  public func teacherSequence(_ layer: Int, for loss: String) -> [S] {
    precondition(
      teacherHidden.indices.contains(layer),
      "\(loss): teacher layer \(layer) of \(teacherHidden.count)")
    return teacherHidden[layer]
  }
}

/// A loss value and its gradients with respect to everything trainable it read.
public struct DistillationOutput<S: EngineScalar>: Sendable {
  public var value: S
  /// `dL/d studentLogits` `[B, C]`, nil when the loss does not read the logits.
  public var studentLogits: [S]?
  /// `dL/d studentHidden` `[B, T, Hs]`, nil when the loss does not read hidden states.
  public var studentHidden: [S]?
  /// `dL/d parameters`, same layout as the loss's own parameters (empty when it has none).
  public var parameters: [[S]]

  public init(
    value: S, studentLogits: [S]? = nil, studentHidden: [S]? = nil, parameters: [[S]] = []
  ) {
    self.value = value
    self.studentLogits = studentLogits
    self.studentHidden = studentHidden
    self.parameters = parameters
  }
}

/// A knowledge-distillation loss `L_KD` (the student minimises `CE + beta * L_KD`).
///
/// A conforming type holds only options; trainable parts (regressors, projections, variances)
/// are passed in as flat tensors so the trainer updates them with the student's Adam and drops
/// them afterwards. Definitions, defaults and options: ../shared/spec/METHODS.md.
public protocol DistillationLoss: OptionSchema, Sendable {
  /// Short name used in tables, files and the CLI ("memkd", "base-kd", "dkd", ...).
  var name: String { get }
  /// The loss's own trainable tensors, initialised from `seed` (empty for most losses).
  func initialParameters(studentHiddenSize: Int, teacherHiddenSize: Int, seed: UInt64) -> [[Float]]
  /// The loss on one batch and its gradients. `generator` supplies any per-step randomness
  /// (MemKD's long pairs) and advances; a caller that needs repeatable values passes a copy.
  func evaluate<S: EngineScalar>(
    _ input: DistillationInput<S>, parameters: [[S]], generator: inout SeededGenerator
  ) -> DistillationOutput<S>
  /// The teacher layers `evaluate` reads, of `layerCount`; the trainer passes only these (other
  /// entries of `teacherHidden` are empty), which saves gathering megabytes per batch. No
  /// default: a new loss must say (TeacherLayersRead.swift), or it would gather every layer.
  func teacherLayersRead(layerCount: Int) -> [Int]
  /// Work done once per run on the teacher's traces of the whole training set (MemKD's table
  /// of teacher pair distances), or nil. `teacherHidden` is per layer `[N, T, hiddenSize]`.
  func prepare(teacherHidden: [[Float]], length: Int, hiddenSize: Int) -> TeacherPreparation?
  /// True when the batch loss is a mean of per-row terms whose randomness does not depend on the
  /// data: then a slice of `b` of the batch's `B` rows, evaluated alone with a copy of the same
  /// generator, gives `b / B` of the batch's loss and gradients up to rounding, and the trainer
  /// evaluates each shard on its own core (see `BatchSharding.gradient`). False (the default)
  /// for losses that couple rows.
  var isPerSample: Bool { get }
}

/// What a loss precomputes from the teacher once per run, so that no epoch repeats work that
/// depends on the teacher alone: MemKD's pair distances of one layer, or a fixed number of
/// values per training row (NST's teacher-teacher kernel mean, AT's normalised teacher
/// attention map). The layer a preparation stands for entirely is no longer gathered per batch.
public struct TeacherPreparation: Sendable {
  public var pairs: TeacherPairDistances<Float>?
  /// `[N, valuesPerRow]`, row `i` for training-set row `i`.
  public var rowValues: [Float]?
  public var valuesPerRow: Int
  /// The teacher layer the preparation replaces (dropped from the per-batch gather); nil
  /// drops none.
  public var replacedLayer: Int?

  public init(pairs: TeacherPairDistances<Float>, layer: Int) {
    self.pairs = pairs
    self.valuesPerRow = 0
    self.replacedLayer = layer
  }

  public init(rowValues: [Float], valuesPerRow: Int, replacing layer: Int? = nil) {
    precondition(valuesPerRow > 0 && rowValues.count % valuesPerRow == 0, "row values")
    self.rowValues = rowValues
    self.valuesPerRow = valuesPerRow
    self.replacedLayer = layer
  }

  /// `valuesPerRow` values for every training row of teacher layer `layer` (`[N, T, H]`),
  /// computed by `body(hidden, row, into: &values)` appending exactly `valuesPerRow` values;
  /// the layer is then no longer gathered per batch. Nil when the layer does not exist or
  /// the shape is empty (the loss then works from the gathered layer). The frame every
  /// per-row preparation shares (NST's and AT's).
  static func perRow(
    layer: Int, of teacherHidden: [[Float]], length: Int, hiddenSize: Int, valuesPerRow: Int,
    _ body: (_ hidden: [Float], _ row: Int, _ values: inout [Float]) -> Void
  ) -> TeacherPreparation? {
    guard length > 0, hiddenSize > 0, teacherHidden.indices.contains(layer) else { return nil }
    let hidden = teacherHidden[layer]
    let rows = hidden.count / (length * hiddenSize)
    var values: [Float] = []
    values.reserveCapacity(rows * valuesPerRow)
    for row in 0..<rows { body(hidden, row, &values) }
    return TeacherPreparation(rowValues: values, valuesPerRow: valuesPerRow, replacing: layer)
  }
}

extension DistillationLoss {
  /// Every option (`optionFields`, which each loss declares), as a student checkpoint records
  /// it, in field order.
  public var recordedOptions: [RecordedOption] {
    optionValues.map { RecordedOption(key: $0.key, value: $0.value) }
  }

  public func prepare(teacherHidden: [[Float]], length: Int, hiddenSize: Int)
    -> TeacherPreparation?
  { nil }

  public var isPerSample: Bool { false }

  /// Checks `teacherLayersRead` against a teacher of `layerCount` layers, before any kernel
  /// indexes its traces (an out-of-range `teacher_layer` read past the traces' end).
  /// - Throws: `OptionError.invalid` naming `teacher_layer`.
  public func checkTeacherLayers(layerCount: Int) throws {
    for layer in teacherLayersRead(layerCount: layerCount) where !(0..<layerCount).contains(layer) {
      throw OptionError.invalid(
        key: "teacher_layer",
        requirement: "a layer of the \(layerCount)-layer teacher, 0 to \(layerCount - 1)",
        got: .int(layer))
    }
  }

  public func initialParameters(studentHiddenSize: Int, teacherHiddenSize: Int, seed: UInt64)
    -> [[Float]]
  { [] }
}

/// `smoothL1(a, b)`: mean over entries of `0.5 d^2` if `|d| <= 1`, else `|d| - 0.5`, with
/// `d = a - b` (PyTorch's `smooth_l1_loss`, beta 1, mean). Returns the value and `dL/da`.
public func smoothL1<S: EngineScalar>(_ a: [S], _ b: [S]) -> (value: S, gradient: [S]) {
  precondition(a.count == b.count && !a.isEmpty, "smoothL1: sizes \(a.count) and \(b.count)")
  var total: S = 0
  var gradient = [S](repeating: 0, count: a.count)
  let scale = 1 / S(a.count)
  for index in a.indices {
    let d = a[index] - b[index]
    if abs(d) <= 1 {
      total += d * d / 2
      gradient[index] = d * scale
    } else {
      total += abs(d) - 1 / 2
      gradient[index] = (d > 0 ? 1 : -1) * scale
    }
  }
  return (total * scale, gradient)
}

extension OptionField where Root: DistillationLoss {
  /// The 0-based teacher layer a loss reads (`teacherLayersRead`); null is `absent`.
  static func teacherLayer(
    _ path: WritableKeyPath<Root, Int?>, absent: String = "the last layer"
  ) -> Self {
    .optionalInteger(
      "teacher_layer", path, minimum: 0, maximum: 1 << 20, absent: absent,
      "0-based teacher layer whose hidden sequence is read")
  }
}
