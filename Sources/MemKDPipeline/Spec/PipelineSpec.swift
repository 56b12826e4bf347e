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
  /// The recurrent cell; nil for the LSTM, so that the JSON of an LSTM variant, and with it
  /// every step hash of the pipelines run before cells existed, is unchanged.
  public var cell: RecurrentCell?
  /// Initialisations; the best by validation AUC-PRC is kept.
  public var initializations: Int
  /// `seed` is the base seed of the split, initialisation and shuffles.
  public var training: TrainingConfig
  /// The list-valued options that produced this variant, YAML key -> value as written
  /// (`["hidden": "50"]`); empty when nothing was a list.
  public var axes: [String: String]

  /// The paper's teacher protocol (`TeacherTraining.paper`) unless given.
  public init(
    preprocessing: Preprocessing = Preprocessing(),
    recipe: TeacherTraining = .paper, axes: [String: String] = [:]
  ) {
    self.preprocessing = preprocessing
    self.validationFraction = recipe.validationFraction
    self.hiddenSize = recipe.hiddenSize
    self.layers = recipe.layers
    self.cell = recipe.cell == .lstm ? nil : recipe.cell
    self.initializations = recipe.initialisations
    self.training = recipe.training
    self.axes = axes
  }

  /// The variant's protocol as MemKDCore's `TeacherTraining` (whose fields are the YAML keys).
  /// The stored properties stay as they are: their JSON is part of every step's hash.
  public var recipe: TeacherTraining {
    get {
      TeacherTraining(
        training: training, initialisations: initializations, hiddenSize: hiddenSize,
        layers: layers, cell: cell ?? .lstm, validationFraction: validationFraction)
    }
    set {
      training = newValue.training
      initializations = newValue.initialisations
      hiddenSize = newValue.hiddenSize
      layers = newValue.layers
      cell = newValue.cell == .lstm ? nil : newValue.cell
      validationFraction = newValue.validationFraction
    }
  }

  /// "teacher", or "teacher hidden=50 length=64" (axes sorted by key).
  public var label: String { variantLabel("teacher", axes) }
}

/// MemKD's options in a pipeline are `MemKDLoss` itself (its fields, defaults and rules).
public typealias MemKDSpec = MemKDLoss

/// One student configuration: a method with its options, the beta grid it is selected over, and
/// the student's architecture and optimisation.
public struct StudentVariant: Sendable, Equatable, Codable {
  public var method: DistillationMethod
  /// MemKD's options; nil for every other method.
  public var memkd: MemKDLoss?
  /// Beta is chosen from this grid by mean validation AUC-PRC ([0] for Base).
  public var betaGrid: [Double]
  public var hiddenSize: Int
  public var layers: Int
  /// The recurrent cell; nil for the LSTM (kept out of the step hashes, as the teacher's).
  public var cell: RecurrentCell?
  /// `seed` is replaced by each of the pipeline's seeds.
  public var training: TrainingConfig
  /// The list-valued options that produced this variant, YAML key -> value as written.
  public var axes: [String: String]
  /// This point of the file's `select:` grid (YAML key -> value as written), nil without one:
  /// options chosen on validation like beta, so reported under the variant's label.
  public var selection: [String: String]?

  /// The paper's student (`StudentDistillation.paper`) unless given.
  public init(
    method: DistillationMethod, memkd: MemKDLoss? = nil, betaGrid: [Double]? = nil,
    recipe: StudentDistillation = .paper, axes: [String: String] = [:]
  ) {
    self.method = method
    self.memkd = memkd ?? (method == .memkd ? MemKDLoss() : nil)
    self.betaGrid = betaGrid ?? method.defaultBetaGrid
    self.hiddenSize = recipe.hiddenSize
    self.layers = recipe.layers
    self.cell = recipe.cell == .lstm ? nil : recipe.cell
    self.training = recipe.training
    self.axes = axes
  }

  /// The variant's architecture and optimisation as MemKDCore's `StudentDistillation`.
  public var recipe: StudentDistillation {
    get {
      StudentDistillation(
        training: training, hiddenSize: hiddenSize, layers: layers, cell: cell ?? .lstm)
    }
    set {
      training = newValue.training
      hiddenSize = newValue.hiddenSize
      layers = newValue.layers
      cell = newValue.cell == .lstm ? nil : newValue.cell
    }
  }

  /// "memkd", or "memkd terms=short" (axes sorted by key; never the selection).
  public var label: String { variantLabel(method.rawValue, axes) }

  /// The loss this variant trains with (nil for Base).
  public var loss: (any DistillationLoss)? {
    method.loss(memkd: memkd ?? MemKDLoss())
  }
}

/// `base` followed by `key=value` for every axis, sorted by key.
func variantLabel(_ base: String, _ axes: [String: String]) -> String {
  ([base] + axes.keys.sorted().map { "\($0)=\(axes[$0]!)" }).joined(separator: " ")
}
