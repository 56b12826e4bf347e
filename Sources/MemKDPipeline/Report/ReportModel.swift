import MemKDCore

/// The result reported for one (dataset, teacher, variant): the beta chosen by validation and the
/// test metrics of that beta over its seeds (PROTOCOL.md "Training", students).
struct SelectedResult: Sendable, Equatable {
  /// The chosen beta: highest mean validation AUC-PRC over seeds; ties go to the smaller beta
  /// (less distillation weight for the same evidence).
  var beta: Double
  /// The chosen point of the `select:` grid with it (`selectionText`), empty without one.
  var selection: String = ""
  /// Mean validation AUC-PRC of the chosen beta (fraction): the selection criterion.
  var validationAucPrc: Double
  /// Mean test metrics over the chosen beta's seeds (fractions).
  var mean: MetricsRecord
  /// Population standard deviation (ddof 0) of the test metrics over the same seeds (fractions).
  var std: MetricsRecord
  /// Seeds behind `mean` and `std`.
  var seeds: Int
  /// Test AUC-PRC of each of those seeds, in seed order (fractions): the per-dataset tests.
  var testAucPrcs: [Double]

  /// Chooses the beta for the runs of one (dataset, teacher, variant) and summarises its seeds;
  /// nil for no runs. A NaN validation mean never beats a number. Runs are summed in seed order
  /// so the result does not depend on the order records arrived in.
  ///
  /// With a `select:` grid the choice is over (selection, beta) pairs, in the order selection
  /// text then beta: a tie keeps the earlier pair.
  static func select(_ runs: [StudentRecord]) -> SelectedResult? {
    struct Point: Hashable, Comparable {
      var selection: String
      var beta: Double
      static func < (a: Point, b: Point) -> Bool { (a.selection, a.beta) < (b.selection, b.beta) }
    }
    let byPoint = Dictionary(grouping: runs) {
      Point(selection: selectionText($0.selection), beta: $0.beta)
    }
    var best: SelectedResult?
    var bestScore = -Double.infinity
    for point in byPoint.keys.sorted() {
      let beta = point.beta
      let seedRuns = (byPoint[point] ?? []).sorted { $0.seed < $1.seed }
      let validation = meanStd(seedRuns.map(\.validation.aucPrc)).mean
      let score = validation.isNaN ? -Double.infinity : validation
      // Strictly greater: iterating betas ascending, a tie keeps the smaller beta.
      guard best == nil || score > bestScore else { continue }
      let acc = meanStd(seedRuns.map(\.test.acc))
      let roc = meanStd(seedRuns.map(\.test.aucRoc))
      let prc = meanStd(seedRuns.map(\.test.aucPrc))
      best = SelectedResult(
        beta: beta, selection: point.selection, validationAucPrc: validation,
        mean: MetricsRecord(acc: acc.mean, aucRoc: roc.mean, aucPrc: prc.mean),
        std: MetricsRecord(acc: acc.std, aucRoc: roc.std, aucPrc: prc.std),
        seeds: seedRuns.count, testAucPrcs: seedRuns.map(\.test.aucPrc))
      bestScore = score
    }
    return best
  }

  /// Mean and population standard deviation (divide by n, numpy's default ddof 0); NaN for none.
  static func meanStd(_ values: [Double]) -> (mean: Double, std: Double) {
    guard !values.isEmpty else { return (.nan, .nan) }
    let count = Double(values.count)
    let mean = values.reduce(0, +) / count
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / count
    return (mean, variance.squareRoot())
  }
}

/// Everything reported for one teacher label: its datasets, the student variants distilled from
/// it and the selected results. Tables and charts are pure functions of this.
struct TeacherSection: Sendable {
  /// One student variant as it appears in the records.
  struct Variant: Sendable, Equatable {
    /// `StudentVariant.label`, e.g. "memkd terms=short".
    var label: String
    /// `DistillationMethod.rawValue`.
    var method: String
    /// The ablation options behind the variant (empty for a method's default).
    var axes: [String: String]
  }

  /// A column of an ablation table: a variant of one method and its header.
  struct AblationColumn: Sendable, Equatable {
    /// "(default)" for the method without axes, else the axes as "k=v" pairs ("terms=short").
    var header: String
    var variant: String
  }

  /// The variants of one method with at least one ablated variant.
  struct AblationGroup: Sendable, Equatable {
    var method: String
    var columns: [AblationColumn]
  }

  /// `TeacherVariant.label`.
  var label: String
  /// Datasets with a teacher or a student result, sorted.
  var datasets: [String]
  /// Variants in first-appearance order of the student records.
  var variants: [Variant]
  /// Test metrics of the kept teacher per dataset (fractions).
  var teacher: [String: MetricsRecord]
  /// Selected result per variant label, then per dataset.
  var results: [String: [String: SelectedResult]]
  /// Student runs found per variant label (all betas and seeds).
  var runs: [String: Int]

  init(
    label: String, teachers: [TeacherRecord], students: [StudentRecord], variantOrder: [String]
  ) {
    self.label = label
    datasets = Set(teachers.map(\.dataset)).union(students.map(\.dataset)).sorted()
    teacher = Dictionary(
      teachers.map { ($0.dataset, $0.test) }, uniquingKeysWith: { _, last in last })
    let byVariant = Dictionary(grouping: students, by: \.variant)
    variants = variantOrder.compactMap { label in
      byVariant[label]?.first.map { Variant(label: label, method: $0.method, axes: $0.axes) }
    }
    results = byVariant.mapValues { runs in
      Dictionary(grouping: runs, by: \.dataset).compactMapValues(SelectedResult.select)
    }
    runs = byVariant.mapValues(\.count)
  }

  /// Every entry of the tables: the teacher (`nil`), then each variant by index.
  var entries: [Int?] { [nil] + variants.indices.map { $0 } }

  /// The result of a variant (by index into `variants`) on a dataset, nil when not run yet.
  func result(variant index: Int, dataset: String) -> SelectedResult? {
    guard variants.indices.contains(index) else { return nil }
    return results[variants[index].label]?[dataset]
  }

  /// Test metrics of the teacher (`nil` index) or a variant on a dataset: the variant's mean over
  /// seeds. Fractions; nil when missing.
  func testMetrics(entry: Int?, dataset: String) -> MetricsRecord? {
    guard let index = entry else { return teacher[dataset] }
    return result(variant: index, dataset: dataset)?.mean
  }

  /// The variant the others are compared against: the one labelled exactly "memkd" (the
  /// paper's method); else, in an ablation, the MemKD variant with both terms (its default),
  /// then any MemKD variant; else the first variant; nil without variants.
  var referenceIndex: Int? {
    let memkd = DistillationMethod.memkd.rawValue
    return variants.firstIndex { $0.label == memkd }
      ?? variants.firstIndex { $0.method == memkd && $0.axes["terms"] == "both" }
      ?? variants.firstIndex { $0.method == memkd }
      ?? (variants.isEmpty ? nil : 0)
  }

  /// Per-dataset test AUC-PRC of the given entries (nil = teacher) over the datasets where all of
  /// them have a result, rounded to two decimals of a percent (the printed precision, so ranks
  /// and ties agree with the table). Returns the datasets used and scores[dataset][entry].
  func completeScores(entries: [Int?]) -> (datasets: [String], scores: [[Double]]) {
    var used: [String] = []
    var scores: [[Double]] = []
    for dataset in datasets {
      let row = entries.compactMap { testMetrics(entry: $0, dataset: dataset)?.aucPrc }
      guard row.count == entries.count, !row.contains(where: \.isNaN) else { continue }
      used.append(dataset)
      scores.append(row.map { ($0 * 10_000).rounded(.toNearestOrAwayFromZero) / 10_000 })
    }
    return (used, scores)
  }

  /// Wins/ties/losses of variant `a` against variant `b` by test AUC-PRC over the datasets where
  /// both have a result (ties: equal at two decimals of a percent), with that dataset count.
  func winTieLoss(_ a: Int, against b: Int) -> (wins: Int, ties: Int, losses: Int, datasets: Int) {
    let complete = completeScores(entries: [a, b])
    let result = Metrics.winTieLoss(scores: complete.scores, method: 0, against: 1)
    return (result.wins, result.ties, result.losses, complete.datasets.count)
  }

  /// Average rank (1 = best) of each entry by test AUC-PRC over the datasets where all entries
  /// have a result; entries are the teacher (when `withTeacher`) then every variant. Empty
  /// `ranks` when no dataset is complete.
  func averageRanks(withTeacher: Bool) -> (ranks: [Double], datasets: Int) {
    let entries: [Int?] = (withTeacher ? [nil] : []) + variants.indices.map { $0 }
    let complete = completeScores(entries: entries)
    return (Metrics.averageRanks(scores: complete.scores), complete.datasets.count)
  }

  /// Methods that have variants with axes, in variant order; each with its default variant (if
  /// present) first, then the ablated variants in variant order.
  var ablationGroups: [AblationGroup] {
    var methods: [String] = []
    for variant in variants where !variant.axes.isEmpty && !methods.contains(variant.method) {
      methods.append(variant.method)
    }
    return methods.map { method in
      let own = variants.filter { $0.method == method }
      let defaults = own.filter { $0.axes.isEmpty }.map {
        AblationColumn(header: "(default)", variant: $0.label)
      }
      let ablated = own.filter { !$0.axes.isEmpty }.map {
        AblationColumn(header: ReportFormat.axisLabel($0.axes), variant: $0.label)
      }
      return AblationGroup(method: method, columns: defaults + ablated)
    }
  }

  /// Mean over the datasets where the entry has a result (of `among`, default all) of its
  /// per-dataset test metrics (fractions), with that dataset count; nil metrics when it has none.
  func average(entry: Int?, among: [String]? = nil) -> (metrics: MetricsRecord?, datasets: Int) {
    let found = (among ?? datasets).compactMap { testMetrics(entry: entry, dataset: $0) }
    guard !found.isEmpty else { return (nil, 0) }
    let count = Double(found.count)
    let metrics = MetricsRecord(
      acc: found.map(\.acc).reduce(0, +) / count,
      aucRoc: found.map(\.aucRoc).reduce(0, +) / count,
      aucPrc: found.map(\.aucPrc).reduce(0, +) / count)
    return (metrics, found.count)
  }
}
