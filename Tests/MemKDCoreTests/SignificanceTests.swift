import Foundation
import Testing

@testable import MemKDCore

/// The significance tests against scipy 1.17 (values printed by scipy.stats for the same
/// inputs; Tests/python/test_significance.py compares whole report tables with scipy and aeon).
@Suite("significance tests")
struct SignificanceTests {
  static func close(_ a: Double, _ b: Double, relative: Double = 1e-10) -> Bool {
    abs(a - b) <= relative * abs(b)
  }

  @Test("chi-squared, Student's t and normal tails")
  func distributions() {
    // scipy.stats.chi2.sf(50.73, 9), chi2.sf(3.2, 2), chi2.sf(0.5, 7)
    #expect(
      Self.close(SpecialFunctions.chiSquaredSurvival(50.73, degrees: 9), 7.85061102464816e-08))
    #expect(Self.close(SpecialFunctions.chiSquaredSurvival(3.2, degrees: 2), 0.2018965179946554))
    #expect(Self.close(SpecialFunctions.chiSquaredSurvival(0.5, degrees: 7), 0.9994464813904249))
    // 2 * scipy.stats.t.sf(2.3, 4.7), 2 * t.sf(0.1, 30)
    #expect(Self.close(SpecialFunctions.studentTwoSided(2.3, degrees: 4.7), 0.07312052300953756))
    #expect(Self.close(SpecialFunctions.studentTwoSided(0.1, degrees: 30), 0.9210096117902712))
    #expect(Self.close(SpecialFunctions.normalSurvival(1.96), 0.024997895148220435))
  }

  @Test("Wilcoxon signed-rank: scipy's p-values, both alternatives")
  func wilcoxon() {
    let x = [0.9, 0.8, 0.75, 0.6, 0.95, 0.7, 0.81, 0.66]
    let y = [0.85, 0.82, 0.7, 0.5, 0.9, 0.71, 0.8, 0.6]
    // scipy.stats.wilcoxon(x, y).pvalue and alternative="greater"
    #expect(Self.close(SignedRankTest.pValue(x, y, alternative: .twoSided), 0.0625))
    #expect(Self.close(SignedRankTest.pValue(x, y, alternative: .greater), 0.03125))
    // No ties, no zeros: the exact distribution; 1..10 all positive gives 2 / 2^10.
    let up = (1...10).map(Double.init)
    #expect(SignedRankTest.pValue(up, up.map { $0 * 0.5 }, alternative: .twoSided) == 2.0 / 1024)
    #expect(SignedRankTest.pValue(up, up, alternative: .twoSided) == 1)
    #expect(SignedRankTest.pValue([.nan], [1], alternative: .twoSided).isNaN)
  }

  @Test("Friedman with ties, Holm, Welch")
  func friedmanHolmWelch() throws {
    // scipy.stats.friedmanchisquare([1,2,3,4],[2,2,4,5],[3,1,5,6]): 2.8, 0.24659696394160646
    let scores: [[Double]] = [[1, 2, 3], [2, 2, 1], [3, 4, 5], [4, 5, 6]]
    let friedman = try #require(RankSignificance.friedman(scores: scores))
    #expect(Self.close(friedman.statistic, 2.8))
    #expect(Self.close(friedman.pValue, 0.24659696394160646))
    #expect(RankSignificance.friedman(scores: [[1, 2]]) == nil)
    let holm = RankSignificance.holm([0.01, 0.04, 0.03, 0.005], alpha: 0.05)
    #expect(holm.adjusted == [0.03, 0.06, 0.06, 0.02])
    #expect(holm.rejected == [true, false, false, true])
    // scipy.stats.ttest_ind([0.5, 0.6, 0.55], [0.4, 0.45, 0.5, 0.42], equal_var=False).pvalue
    #expect(
      Self.close(
        RankSignificance.welch([0.5, 0.6, 0.55], [0.4, 0.45, 0.5, 0.42]), 0.04038727062426577,
        relative: 1e-9))
    #expect(RankSignificance.welch([0.5, 0.5], [0.5, 0.5]).isNaN)
    #expect(RankSignificance.welch([0.5], [0.4, 0.6]).isNaN)
  }
}
