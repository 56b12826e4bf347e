import MemKDCore

/// Which differences of a report are significant: over datasets (Friedman, pairwise Wilcoxon
/// with Holm, critical-difference cliques) and per dataset over seeds (Welch's t). Written into
/// report.md and, with the score table it was computed from, into significance.json, so that
/// anyone can recompute it (Tests/python/test_significance.py does, with scipy and aeon).
struct SectionSignificance: Encodable {
  /// The significance level of every test here.
  static let alpha = 0.05

  /// One family of methods compared over the same datasets.
  struct Comparison: Encodable {
    var labels: [String]
    var datasets: [String]
    /// Test AUC-PRC, [dataset][method], fractions rounded to 2 decimals of a percent (the
    /// printed precision, as the ranks use).
    var scores: [[Double]]
    var averageRanks: [Double]
    var friedmanStatistic: Double?
    var friedmanPValue: Double?
    var pairs: [Pair]
    /// Critical-difference cliques (labels, best first) by aeon's rule at `alpha`.
    var cliques: [[String]]

    struct Pair: Encodable {
      var first: String
      var second: String
      var pValue: Double
      var holmPValue: Double
      var significant: Bool

      enum CodingKeys: String, CodingKey {
        case first, second, significant
        case pValue = "p_value"
        case holmPValue = "holm_p_value"
      }
    }

    enum CodingKeys: String, CodingKey {
      case labels, datasets, scores, pairs, cliques
      case averageRanks = "average_ranks"
      case friedmanStatistic = "friedman_statistic"
      case friedmanPValue = "friedman_p_value"
    }

    init(labels: [String], datasets: [String], scores: [[Double]]) {
      self.labels = labels
      self.datasets = datasets
      self.scores = scores
      let friedman = RankSignificance.friedman(scores: scores)
      friedmanStatistic = friedman?.statistic
      friedmanPValue = friedman?.pValue
      averageRanks = scores.isEmpty ? [] : Metrics.averageRanks(scores: scores)
      pairs = RankSignificance.pairwise(scores: scores, alpha: SectionSignificance.alpha).map {
        Pair(
          first: labels[$0.first], second: labels[$0.second], pValue: $0.pValue,
          holmPValue: $0.holmAdjusted, significant: $0.significant)
      }
      let diagram = Self.criticalDifference(labels: labels, scores: scores)
      criticalDifference = diagram
      cliques = diagram.map { result in result.cliques.map { $0.map { labels[$0] } } } ?? []
    }

    /// The diagram's contents; nil below three methods or without datasets (no Friedman test).
    let criticalDifference: RankSignificance.CriticalDifference?

    static func criticalDifference(labels: [String], scores: [[Double]])
      -> RankSignificance.CriticalDifference?
    {
      guard labels.count >= 3, !scores.isEmpty else { return nil }
      return RankSignificance.criticalDifference(scores: scores, alpha: SectionSignificance.alpha)
    }
  }

  /// MemKD (the reference variant) against another variant on one dataset, over seeds.
  struct SeedTest: Encodable {
    var dataset: String
    var variant: String
    /// Test AUC-PRC per seed of the reference and of the variant, at each one's chosen beta.
    var referenceValues: [Double]
    var values: [Double]
    var pValue: Double?
    var significant: Bool

    enum CodingKeys: String, CodingKey {
      case dataset, variant, values, significant
      case referenceValues = "reference_values"
      case pValue = "p_value"
    }
  }

  var teacher: String
  var alpha = SectionSignificance.alpha
  var reference: String?
  var students: Comparison
  var withTeacher: Comparison
  var seedTests: [SeedTest]

  enum CodingKeys: String, CodingKey {
    case teacher, alpha, reference, students
    case withTeacher = "with_teacher"
    case seedTests = "seed_tests"
  }

  init(_ section: TeacherSection) {
    teacher = section.label
    let variantEntries: [Int?] = section.variants.indices.map { $0 }
    func comparison(_ entries: [Int?]) -> Comparison {
      let complete = section.completeScores(entries: entries)
      return Comparison(
        labels: entries.map(section.name), datasets: complete.datasets, scores: complete.scores)
    }
    students = comparison(variantEntries)
    withTeacher = comparison([nil] + variantEntries)
    reference = section.referenceIndex.map(section.name)
    seedTests = section.datasets.flatMap { dataset in
      section.variants.indices.compactMap { index -> SeedTest? in
        guard index != section.referenceIndex else { return nil }
        guard let reference = section.referenceIndex,
          let ours = section.result(variant: reference, dataset: dataset),
          let theirs = section.result(variant: index, dataset: dataset),
          let p = section.seedTestPValue(variant: index, dataset: dataset)
        else { return nil }
        return SeedTest(
          dataset: dataset, variant: section.name(index), referenceValues: ours.testAucPrcs,
          values: theirs.testAucPrcs, pValue: p.isNaN ? nil : p,
          significant: p < SectionSignificance.alpha)
      }
    }
  }
}

extension TeacherSection {
  /// Welch's t-test p-value between the reference variant's seeds and `variant`'s on `dataset`
  /// (test AUC-PRC at each one's chosen beta); nil when either has no result or it is the
  /// reference itself, NaN when the test is undefined (fewer than 2 seeds, no variance).
  func seedTestPValue(variant index: Int, dataset: String) -> Double? {
    guard let reference = referenceIndex, reference != index,
      let ours = result(variant: reference, dataset: dataset),
      let theirs = result(variant: index, dataset: dataset)
    else { return nil }
    return RankSignificance.welch(ours.testAucPrcs, theirs.testAucPrcs)
  }

  /// `*` when the variant differs from the reference on the dataset at `alpha` over seeds.
  func seedMark(entry: Int?, dataset: String) -> String {
    guard let index = entry, let p = seedTestPValue(variant: index, dataset: dataset),
      p < SectionSignificance.alpha
    else { return "" }
    return " *"
  }

  /// The significance section of report.md (and of the reproduction document).
  func significanceMarkdown(
    _ significance: SectionSignificance, heading: String,
    figures: (students: String, teacher: String)?
  ) -> [String] {
    guard variants.count >= 2 else { return [] }
    let alpha = ReportFormat.short(SectionSignificance.alpha)
    var lines = ["\(heading) Significance", ""]
    lines.append(
      "Over the datasets where every compared entry has a result (test AUC-PRC at 2 decimals of "
        + "a percent), at alpha = \(alpha): the Friedman test, then every pair by the two-sided "
        + "Wilcoxon signed-rank test with Holm's correction over the pairs (scipy's exact or "
        + "permutation p-values for so few datasets). The critical-difference diagram groups "
        + "entries that no test separates, by aeon's rule (one-sided Wilcoxon tests at alpha / "
        + "(k - 1) along the rank order, after a Friedman test at alpha).")
    lines.append("")
    let families = [
      ("students", significance.students), ("students and teacher", significance.withTeacher),
    ]
    lines += ReportFormat.markdownTable(
      header: ["compared", "entries", "datasets", "Friedman chi2", "p", "significant pairs"],
      rows: families.map { name, family in
        [
          name, String(family.labels.count), String(family.datasets.count),
          family.friedmanStatistic.map { ReportFormat.fixed($0, decimals: 2) } ?? "-",
          family.friedmanPValue.map(Self.pText) ?? "-",
          "\(family.pairs.filter(\.significant).count) of \(family.pairs.count)",
        ]
      })
    lines.append("")
    for (name, family) in families {
      let significant = family.pairs.filter(\.significant)
      lines.append("Significant pairs among the \(name) (Holm-adjusted p):")
      lines.append("")
      if significant.isEmpty {
        lines.append("- none: no pair differs significantly on these datasets.")
      }
      for pair in significant {
        let (better, worse) = Self.ordered(pair, family)
        lines.append(
          "- \(better) > \(worse): p = \(Self.pText(pair.pValue)), Holm \(Self.pText(pair.holmPValue))"
        )
      }
      lines.append("")
      if !family.cliques.isEmpty || family.criticalDifference != nil {
        let groups = family.cliques.map { "{" + $0.joined(separator: ", ") + "}" }
        lines.append(
          "Critical-difference cliques (\(name)): "
            + (groups.isEmpty
              ? "none: every entry differs from its neighbours." : groups.joined(separator: " ")))
        lines.append("")
      }
    }
    if let figures {
      lines += ["![Critical difference, students](\(figures.students))", ""]
      lines += ["![Critical difference, students and teacher](\(figures.teacher))", ""]
    }
    if let reference = significance.reference {
      let marked = significance.seedTests.filter(\.significant).count
      lines.append(
        "Per dataset, `\(reference)` against each other variant over seeds (Welch's t-test, "
          + "two-sided, at each one's chosen beta): `*` in the test AUC-PRC table marks the "
          + "\(marked) of \(significance.seedTests.count) cells where the difference is "
          + "significant at \(alpha).")
      lines.append("")
    }
    return lines
  }

  static func ordered(
    _ pair: SectionSignificance.Comparison.Pair, _ family: SectionSignificance.Comparison
  )
    -> (String, String)
  {
    let rank = { (label: String) in
      family.labels.firstIndex(of: label).map { family.averageRanks[$0] } ?? 0
    }
    return rank(pair.first) <= rank(pair.second)
      ? (pair.first, pair.second) : (pair.second, pair.first)
  }

  static func pText(_ p: Double) -> String {
    guard p.isFinite else { return "-" }
    return p < 0.001 ? "< 0.001" : ReportFormat.fixed(p, decimals: 3)
  }

  /// The diagrams of this section: students only, and with the teacher (nil below 3 entries).
  func criticalDifferenceCharts(_ significance: SectionSignificance) -> (
    students: String?, teacher: String?
  ) {
    func chart(_ family: SectionSignificance.Comparison, _ what: String) -> String? {
      guard let result = family.criticalDifference else { return nil }
      return CriticalDifferenceChart(
        title: "Critical difference: \(what)" + (label == "teacher" ? "" : " (\(label))"),
        labels: family.labels,
        result: result,
        subtitle:
          "test AUC-PRC over \(family.datasets.count) datasets; Wilcoxon-Holm, alpha = \(ReportFormat.short(SectionSignificance.alpha))"
      ).svg()
    }
    return (
      chart(significance.students, "students"),
      chart(significance.withTeacher, "students and teacher")
    )
  }
}
