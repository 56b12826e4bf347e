import Foundation

/// The paper's student protocol for one method: every beta of a grid times every seed; beta is
/// chosen by the mean validation AUC-PRC over seeds, and the chosen beta's test metrics are
/// reported as mean and standard deviation over the seeds.
public struct DistillationGrid: Sendable {
  public var method: DistillationMethod
  /// The loss with its options; nil for Base.
  public var loss: (any DistillationLoss)?
  public var betas: [Double]
  public var seeds: [UInt64]
  public var student: StudentDistillation
  /// Runs trained at the same time (each on one thread; results do not depend on it).
  public var jobs: Int

  public init(
    method: DistillationMethod, loss: (any DistillationLoss)?, betas: [Double], seeds: [UInt64],
    student: StudentDistillation = StudentDistillation(), jobs: Int = 2
  ) {
    self.method = method
    self.loss = loss
    self.betas = betas
    self.seeds = seeds
    self.student = student
    self.jobs = jobs
  }

  /// Trains every (beta, seed) run; `onRun` is called (from any thread) as each finishes.
  public func run(
    data: DistillationData, onRun: @escaping @Sendable (StudentRun) -> Void = { _ in }
  ) throws -> (summary: DistillationSummary, runs: [StudentRun]) {
    guard !betas.isEmpty, !seeds.isEmpty else {
      throw TrainingError.invalidConfig("the beta grid and the seed list must not be empty")
    }
    let plan = betas.flatMap { beta in seeds.map { (beta, $0) } }
    let results = parallelMap(plan.count, threads: jobs) { index -> Result<StudentRun, Error> in
      Result {
        let run = try student.run(
          method: method, loss: loss, beta: plan[index].0, seed: plan[index].1, data: data)
        onRun(run)
        return run
      }
    }
    let runs = try results.map { try $0.get() }
    let teacherParams = data.teacherConfig.parameterCount
    return (DistillationSummary(method: method, runs: runs, teacherParams: teacherParams), runs)
  }
}

/// The result of a `DistillationGrid`: the chosen beta and its test metrics over seeds.
public struct DistillationSummary: Sendable, Codable, Equatable {
  /// Mean (or standard deviation) of the three metrics over seeds, as fractions.
  public struct Metrics: Sendable, Codable, Equatable {
    public var acc: Double
    public var aucRoc: Double
    public var aucPrc: Double

    enum CodingKeys: String, CodingKey {
      case acc, aucRoc = "auc_roc", aucPrc = "auc_prc"
    }
  }

  /// One run as recorded in the summary.
  public struct Run: Sendable, Codable, Equatable {
    public var beta: Double
    public var seed: UInt64
    public var validation: Metrics
    public var validationLoss: Double
    public var test: Metrics
    public var epochs: Int
    public var bestEpoch: Int
    public var seconds: Double

    enum CodingKeys: String, CodingKey {
      case beta, seed, validation, test, epochs, seconds
      case validationLoss = "validation_loss", bestEpoch = "best_epoch"
    }
  }

  public var method: String
  /// The chosen beta (best mean validation AUC-PRC; ties: the smaller beta).
  public var beta: Double
  /// Mean validation AUC-PRC per beta of the grid, in grid order.
  public var betaGrid: [Double]
  public var validationAUCPRCByBeta: [Double]
  public var test: Metrics
  /// Population standard deviation over seeds (numpy's default, ddof = 0).
  public var testStd: Metrics
  public var params: Int
  public var teacherParams: Int
  /// Teacher parameters / student parameters.
  public var compression: Double
  public var runs: [Run]

  enum CodingKeys: String, CodingKey {
    case method, beta, test, params, compression, runs
    case betaGrid = "beta_grid", validationAUCPRCByBeta = "validation_auc_prc_by_beta"
    case testStd = "test_std", teacherParams = "teacher_params"
  }

  public init(method: DistillationMethod, runs: [StudentRun], teacherParams: Int) {
    let grid = runs.map(\.beta).reduce(into: [Double]()) { if !$0.contains($1) { $0.append($1) } }
    let means = grid.map { beta in
      Self.mean(runs.filter { $0.beta == beta }.map(\.validation.aucPRC))
    }
    var chosen = 0
    for index in means.indices where means[index] > means[chosen] { chosen = index }
    let kept = runs.filter { $0.beta == grid[chosen] }
    self.method = method.rawValue
    beta = grid[chosen]
    betaGrid = grid
    validationAUCPRCByBeta = means
    test = Metrics(
      acc: Self.mean(kept.map(\.test.accuracy)), aucRoc: Self.mean(kept.map(\.test.aucROC)),
      aucPrc: Self.mean(kept.map(\.test.aucPRC)))
    testStd = Metrics(
      acc: Self.std(kept.map(\.test.accuracy)), aucRoc: Self.std(kept.map(\.test.aucROC)),
      aucPrc: Self.std(kept.map(\.test.aucPRC)))
    params = runs.first?.model.config.parameterCount ?? 0
    self.teacherParams = teacherParams
    compression = params > 0 ? Double(teacherParams) / Double(params) : 0
    self.runs = runs.map { run in
      Run(
        beta: run.beta, seed: run.seed,
        validation: Metrics(
          acc: run.validation.accuracy, aucRoc: run.validation.aucROC,
          aucPrc: run.validation.aucPRC),
        validationLoss: run.validationLoss,
        test: Metrics(acc: run.test.accuracy, aucRoc: run.test.aucROC, aucPrc: run.test.aucPRC),
        epochs: run.history.epochs.count, bestEpoch: run.history.bestEpoch,
        seconds: run.history.seconds)
    }
  }

  static func mean(_ values: [Double]) -> Double {
    values.isEmpty ? .nan : values.reduce(0, +) / Double(values.count)
  }

  static func std(_ values: [Double]) -> Double {
    let average = mean(values)
    return (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count))
      .squareRoot()
  }
}
