import Foundation

/// The Wilcoxon signed-rank test of paired scores, with scipy's choices (`scipy.stats.wilcoxon`
/// 1.17, `zero_method="wilcox"`, `correction=False`, `method="auto"`), so that p-values agree
/// with what a reviewer computes from the same table:
/// - zero differences are dropped;
/// - no ties and no zeros, n <= 50: the exact null distribution;
/// - ties or zeros, n <= 13: the exact sign-flip permutation distribution (2^n flips);
/// - otherwise the normal approximation with the tie correction.
public enum SignedRankTest {
  public enum Alternative: Sendable {
    /// x and y differ.
    case twoSided
    /// x tends to be greater than y.
    case greater
  }

  /// The p-value of the test of `x` against `y` (paired, same count). 1 when every difference
  /// is zero (no evidence either way, as aeon reports it); NaN for empty or NaN input.
  public static func pValue(_ x: [Double], _ y: [Double], alternative: Alternative) -> Double {
    precondition(x.count == y.count, "paired samples of \(x.count) and \(y.count) values")
    let differences = zip(x, y).map { $0 - $1 }
    guard !differences.isEmpty, !differences.contains(where: \.isNaN) else { return .nan }
    let nonzero = differences.filter { $0 != 0 }
    guard !nonzero.isEmpty else { return 1 }
    let (ranks, tieSizes) = averageRanks(nonzero.map(abs))
    let positiveRankSum = zip(nonzero, ranks).reduce(0.0) { $0 + ($1.0 > 0 ? $1.1 : 0) }
    let hasTies = tieSizes.contains { $0 > 1 }
    let hasZeros = nonzero.count < differences.count
    if !hasTies && !hasZeros && differences.count <= 50 {
      return exact(positiveRankSum, count: nonzero.count, alternative: alternative)
    }
    if differences.count <= 13 {
      return permutation(positiveRankSum, ranks: ranks, alternative: alternative)
    }
    return normal(
      positiveRankSum, count: nonzero.count, tieSizes: tieSizes, alternative: alternative)
  }

  /// Average ranks (1 = smallest) of `values` and the sizes of their groups of equal values.
  static func averageRanks(_ values: [Double]) -> (ranks: [Double], tieSizes: [Int]) {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var tieSizes: [Int] = []
    var start = 0
    while start < order.count {
      var end = start + 1
      while end < order.count && values[order[end]] == values[order[start]] { end += 1 }
      let rank = Double(start + end + 1) / 2
      for position in start..<end { ranks[order[position]] = rank }
      tieSizes.append(end - start)
      start = end
    }
    return (ranks, tieSizes)
  }

  /// Exact null distribution of the positive rank sum of ranks 1...n (each sign equally likely).
  static func exact(_ statistic: Double, count n: Int, alternative: Alternative) -> Double {
    let total = n * (n + 1) / 2
    var ways = [Double](repeating: 0, count: total + 1)
    ways[0] = 1
    for rank in 1...n {
      for sum in stride(from: total, through: rank, by: -1) { ways[sum] += ways[sum - rank] }
    }
    let flips = pow(2, Double(n))
    let mean = Double(total) / 2
    // As scipy's WilcoxonDistribution: a tail at or below the mean is summed directly, one
    // above it is one minus the other tail.
    func directBelow(_ k: Int) -> Double {  // P(T <= k)
      k < 0 ? 0 : ways[0...min(k, total)].reduce(0, +) / flips
    }
    func directAbove(_ k: Int) -> Double {  // P(T >= k)
      k > total ? 0 : ways[max(k, 0)...total].reduce(0, +) / flips
    }
    func cdf(_ k: Int) -> Double { Double(k) <= mean ? directBelow(k) : 1 - directAbove(k + 1) }
    func survival(_ k: Int) -> Double {
      Double(k) <= mean ? directAbove(k) : 1 - directBelow(k - 1)
    }
    let upper = survival(Int(statistic.rounded(.down)))
    switch alternative {
    case .greater: return upper
    case .twoSided: return min(1, 2 * min(upper, cdf(Int(statistic.rounded(.up)))))
    }
  }

  /// The sign-flip permutation distribution over the non-zero differences' ranks (zero
  /// differences flip to themselves, so they scale both counts alike). Comparisons allow
  /// scipy's relative tolerance of 100 ulps.
  static func permutation(_ statistic: Double, ranks: [Double], alternative: Alternative)
    -> Double
  {
    let n = ranks.count
    let tolerance = abs(statistic) * Double.ulpOfOne * 100
    var atLeast = 0.0
    var atMost = 0.0
    for mask in 0..<(1 << n) {
      var sum = 0.0
      for index in 0..<n where mask & (1 << index) != 0 { sum += ranks[index] }
      if sum >= statistic - tolerance { atLeast += 1 }
      if sum <= statistic + tolerance { atMost += 1 }
    }
    let flips = Double(1 << n)
    switch alternative {
    case .greater: return atLeast / flips
    case .twoSided: return min(1, 2 * min(atLeast, atMost) / flips)
    }
  }

  /// The normal approximation with the tie correction, without continuity correction.
  static func normal(
    _ statistic: Double, count n: Int, tieSizes: [Int], alternative: Alternative
  ) -> Double {
    let count = Double(n)
    let mean = count * (count + 1) / 4
    let ties = tieSizes.reduce(0.0) { $0 + pow(Double($1), 3) - Double($1) }
    let deviation = ((count * (count + 1) * (2 * count + 1) - ties / 2) / 24).squareRoot()
    let z = (statistic - mean) / deviation
    switch alternative {
    case .greater: return SpecialFunctions.normalSurvival(z)
    case .twoSided: return min(1, 2 * SpecialFunctions.normalSurvival(abs(z)))
    }
  }
}
