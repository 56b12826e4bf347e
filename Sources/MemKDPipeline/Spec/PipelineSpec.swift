import MemKDCore

/// A pipeline file after validation, with every list-valued option expanded into variants.
///
/// The YAML schema, its defaults and its errors: `PipelineSpec+Parsing.swift` and the README's
/// "Pipelines" section. A spec is pure data: planning (`PipelinePlan`) turns it into steps.
public struct PipelineSpec: Sendable, Equatable {
  /// `[A-Za-z0-9._-]+`; names the run in reports.
  public var name: String
  /// The file it was read from (for messages and the run manifest).
  public var file: String
  /// The run folder; a relative path is relative to the current directory. Default
  /// `out/<name>`.
  public var output: String
  /// The UCR archive root; nil means `$MEMKD_DATA_ROOT`, then the repository's `data/`.
  public var dataRoot: String?
  /// UCR dataset names, in file order, unique, non-empty.
  public var datasets: [String]
  /// Teacher variants (one unless a teacher or preprocessing option is a list).
  public var teachers: [TeacherVariant]
  /// Student variants, in file order, each entry's list-valued options expanded (cross product,
  /// first listed option varying slowest).
  public var students: [StudentVariant]
  /// Student seeds (`seeds: 5` means 0...4).
  public var seeds: [UInt64]

  public init(
    name: String, file: String, output: String, dataRoot: String?, datasets: [String],
    teachers: [TeacherVariant], students: [StudentVariant], seeds: [UInt64]
  ) {
    self.name = name
    self.file = file
    self.output = output
    self.dataRoot = dataRoot
    self.datasets = datasets
    self.teachers = teachers
    self.students = students
    self.seeds = seeds
  }
}

/// One teacher protocol: preprocessing, split, architecture and optimisation.
public struct TeacherVariant: Sendable, Equatable, Codable {
  public var preprocessing: Preprocessing
  /// Fraction of the archive's training split held out for validation (0 < f < 1).
  public var validationFraction: Double
  public var hiddenSize: Int
  public var layers: Int
  /// Initialisations; the best by validation AUC-PRC is kept.
  public var initializations: Int
  /// `seed` is the base seed of the split, initialisation and shuffles.
  public var training: TrainingConfig
  /// The list-valued options that produced this variant, YAML key -> value as written
  /// (`["hidden": "50"]`); empty when nothing was a list.
  public var axes: [String: String]

  public init(
    preprocessing: Preprocessing = Preprocessing(), validationFraction: Double = 0.2,
    hiddenSize: Int = 100, layers: Int = 3, initializations: Int = 5,
    training: TrainingConfig = TrainingConfig(learningRate: 0.001), axes: [String: String] = [:]
  ) {
    self.preprocessing = preprocessing
    self.validationFraction = validationFraction
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.initializations = initializations
    self.training = training
    self.axes = axes
  }

  /// "teacher", or "teacher hidden=50 length=64" (axes sorted by key).
  public var label: String { variantLabel("teacher", axes) }
}

/// MemKD's options (METHODS.md "interpretation" items), as `MemKDLoss` takes them.
public struct MemKDSpec: Sendable, Equatable, Codable {
  public var terms: MemKDLoss.Terms = .both
  public var normalization: MemKDLoss.Normalization = .perSampleMean
  public var longPairs: Int? = nil
  public var shortWeight: Double = 1
  public var longWeight: Double = 1
  public var teacherLayer: Int? = nil

  public init() {}

  public var loss: MemKDLoss {
    MemKDLoss(
      terms: terms, normalization: normalization, longPairs: longPairs, shortWeight: shortWeight,
      longWeight: longWeight, teacherLayer: teacherLayer)
  }
}

/// One student configuration: a method with its options, the beta grid it is selected over, and
/// the student's architecture and optimisation.
public struct StudentVariant: Sendable, Equatable, Codable {
  public var method: DistillationMethod
  /// MemKD's options; nil for every other method.
  public var memkd: MemKDSpec?
  /// Beta is chosen from this grid by mean validation AUC-PRC ([0] for Base).
  public var betaGrid: [Double]
  public var hiddenSize: Int
  public var layers: Int
  /// `seed` is replaced by each of the pipeline's seeds.
  public var training: TrainingConfig
  /// The list-valued options that produced this variant, YAML key -> value as written.
  public var axes: [String: String]

  public init(
    method: DistillationMethod, memkd: MemKDSpec? = nil, betaGrid: [Double]? = nil,
    hiddenSize: Int = 8, layers: Int = 1,
    training: TrainingConfig = TrainingConfig(learningRate: 0.1), axes: [String: String] = [:]
  ) {
    self.method = method
    self.memkd = memkd ?? (method == .memkd ? MemKDSpec() : nil)
    self.betaGrid = betaGrid ?? method.defaultBetaGrid
    self.hiddenSize = hiddenSize
    self.layers = layers
    self.training = training
    self.axes = axes
  }

  /// "memkd", or "memkd terms=short" (axes sorted by key).
  public var label: String { variantLabel(method.rawValue, axes) }

  /// The loss this variant trains with (nil for Base).
  public var loss: (any DistillationLoss)? {
    method.loss(memkd: (memkd ?? MemKDSpec()).loss)
  }
}

/// `base` followed by `key=value` for every axis, sorted by key.
func variantLabel(_ base: String, _ axes: [String: String]) -> String {
  ([base] + axes.keys.sorted().map { "\($0)=\(axes[$0]!)" }).joined(separator: " ")
}
