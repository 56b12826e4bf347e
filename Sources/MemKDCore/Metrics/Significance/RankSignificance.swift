import Foundation

/// Significance of differences between methods over datasets (Demšar 2006; Benavoli et al.
/// 2016): the Friedman test, pairwise Wilcoxon signed-rank tests with Holm's correction, and
/// the cliques of a critical-difference diagram as aeon draws them
/// (`aeon.visualisation.plot_critical_difference`, 1.6: its default Wilcoxon/Holm form).
/// Scores are `[dataset][method]`, higher is better.
public enum RankSignificance {
  /// The Friedman test over datasets, with scipy's tie correction
  /// (`scipy.stats.friedmanchisquare`).
  public struct Friedman: Sendable, Equatable {
    /// Chi-squared statistic with `methods - 1` degrees of freedom.
    public var statistic: Double
    public var pValue: Double
  }

  /// nil with fewer than 3 methods or no datasets (the test is undefined), or when every
  /// dataset ties every method (statistic 0/0).
  public static func friedman(scores: [[Double]]) -> Friedman? {
    let n = Double(scores.count)
    guard let k = scores.first?.count, k >= 3, n > 0 else { return nil }
    let ranks = Metrics.ranks(scores: scores)
    var rankSums = [Double](repeating: 0, count: k)
    var ties = 0.0
    for (row, scoreRow) in zip(ranks, scores) {
      for method in 0..<k { rankSums[method] += row[method] }
      for size in Dictionary(grouping: scoreRow, by: { $0 }).values.map(\.count) where size > 1 {
        let t = Double(size)
        ties += t * (t * t - 1)
      }
    }
    let methods = Double(k)
    let correction = 1 - ties / (methods * (methods * methods - 1) * n)
    let squares = rankSums.reduce(0) { $0 + $1 * $1 }
    let statistic =
      (12 / (methods * n * (methods + 1)) * squares - 3 * n * (methods + 1)) / correction
    guard statistic.isFinite else { return nil }
    return Friedman(
      statistic: statistic,
      pValue: SpecialFunctions.chiSquaredSurvival(statistic, degrees: methods - 1))
  }

  /// Holm's step-down adjustment of `pValues`: adjusted p-values (each the largest of
  /// `(m - j + 1) p_(j)` up to its own position, capped at 1) and whether each is rejected at
  /// `alpha`.
  public static func holm(_ pValues: [Double], alpha: Double) -> (
    adjusted: [Double], rejected: [Bool]
  ) {
    let m = pValues.count
    let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
    var adjusted = [Double](repeating: .nan, count: m)
    var running = 0.0
    for (position, index) in order.enumerated() {
      running = max(running, min(1, Double(m - position) * pValues[index]))
      adjusted[index] = running
    }
    return (adjusted, adjusted.map { $0 <= alpha })
  }

  /// One pairwise comparison of the significance section.
  public struct Pair: Sendable, Equatable {
    public var first: Int
    public var second: Int
    /// Two-sided Wilcoxon signed-rank p-value over the datasets.
    public var pValue: Double
    public var holmAdjusted: Double
    public var significant: Bool
  }

  /// Every pair of methods (first < second), tested two-sided, Holm-adjusted over all pairs.
  public static func pairwise(scores: [[Double]], alpha: Double) -> [Pair] {
    let k = scores.first?.count ?? 0
    var pairs: [(Int, Int, Double)] = []
    for first in 0..<k {
      for second in (first + 1)..<max(first + 1, k) {
        let p = SignedRankTest.pValue(
          scores.map { $0[first] }, scores.map { $0[second] }, alternative: .twoSided)
        pairs.append((first, second, p))
      }
    }
    let (adjusted, rejected) = holm(pairs.map(\.2), alpha: alpha)
    return pairs.indices.map { index in
      Pair(
        first: pairs[index].0, second: pairs[index].1, pValue: pairs[index].2,
        holmAdjusted: adjusted[index], significant: rejected[index])
    }
  }

  /// What a critical-difference diagram shows.
  public struct CriticalDifference: Sendable, Equatable {
    /// Methods by average rank, best first (indices into the score columns).
    public var order: [Int]
    /// Average rank of each method (1 = best), by column.
    public var averageRanks: [Double]
    /// Groups of methods (column indices, in `order`) not significantly different; maximal,
    /// none contained in another, each of two or more methods.
    public var cliques: [[Int]]
  }

  /// aeon's cliques: if the Friedman test does not reject at `alpha`, one clique of all;
  /// otherwise, with methods ordered by average rank, method i and a worse-ranked j are "not
  /// different" when the one-sided Wilcoxon test (i better) has p > alpha / (k - 1), a row stops
  /// at its first difference, and rows contained in an earlier one are dropped.
  public static func criticalDifference(scores: [[Double]], alpha: Double) -> CriticalDifference {
    let averageRanks = Metrics.averageRanks(scores: scores)
    let k = averageRanks.count
    let order = averageRanks.indices.sorted { (averageRanks[$0], $0) < (averageRanks[$1], $1) }
    guard k >= 2 else {
      return CriticalDifference(order: order, averageRanks: averageRanks, cliques: [])
    }
    if let friedman = friedman(scores: scores), friedman.pValue >= alpha {
      return CriticalDifference(order: order, averageRanks: averageRanks, cliques: [order])
    }
    let threshold = alpha / Double(k - 1)
    var together = [[Bool]](repeating: [Bool](repeating: false, count: k), count: k)
    for i in 0..<k {
      together[i][i] = true
      for j in (i + 1)..<max(i + 1, k) {
        let better = scores.map { $0[order[i]] }
        let worse = scores.map { $0[order[j]] }
        together[i][j] = SignedRankTest.pValue(better, worse, alternative: .greater) > threshold
      }
    }
    for i in 0..<k {
      if let firstDifferent = ((i + 1)..<max(i + 1, k)).first(where: { !together[i][$0] }) {
        for j in firstDifferent..<k { together[i][j] = false }
      }
    }
    var rows = together.filter { $0.filter { $0 }.count > 1 }
    for i in stride(from: rows.count - 1, to: 0, by: -1) {
      for j in stride(from: i - 1, through: 0, by: -1)
      where rows[i].indices.allSatisfy({ !rows[i][$0] || rows[j][$0] }) {
        rows[i] = [Bool](repeating: false, count: k)
        break
      }
    }
    let cliques = rows.filter { $0.filter { $0 }.count > 1 }.map { row in
      row.indices.filter { row[$0] }.map { order[$0] }
    }
    return CriticalDifference(order: order, averageRanks: averageRanks, cliques: cliques)
  }

  /// Welch's t-test (unequal variances, two-sided) of two samples, e.g. one method's seeds
  /// against another's on one dataset (`scipy.stats.ttest_ind(equal_var=False)`). NaN with
  /// fewer than two values on a side or no variance on both.
  public static func welch(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count >= 2, b.count >= 2 else { return .nan }
    func meanVariance(_ x: [Double]) -> (Double, Double) {
      let mean = x.reduce(0, +) / Double(x.count)
      return (mean, x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1))
    }
    let (meanA, varianceA) = meanVariance(a)
    let (meanB, varianceB) = meanVariance(b)
    let partA = varianceA / Double(a.count)
    let partB = varianceB / Double(b.count)
    let spread = partA + partB
    guard spread > 0 else { return .nan }
    let t = (meanA - meanB) / spread.squareRoot()
    let degrees =
      spread * spread
      / (partA * partA / Double(a.count - 1) + partB * partB / Double(b.count - 1))
    return SpecialFunctions.studentTwoSided(t, degrees: degrees)
  }
}
