import MemKDCore
import Testing

@Suite("Metrics ranking properties")
struct MetricsRankingTests {
  @Test func tiesShareTheAverageRank() {
    #expect(Metrics.ranks(scores: [[0.9, 0.7, 0.7, 0.1]]) == [[1, 2.5, 2.5, 4]])
    #expect(Metrics.ranks(scores: [[0.5, 0.5, 0.5]]) == [[2, 2, 2]])
    #expect(Metrics.ranks(scores: [[0.1, 0.3, 0.3, 0.3, 0.9]]) == [[5, 3, 3, 3, 1]])
  }

  @Test func averageRanksAreColumnMeans() {
    let scores = [[0.9, 0.8, 0.7], [0.1, 0.3, 0.2], [0.5, 0.5, 0.4]]
    // Per-dataset ranks: [1,2,3], [3,1,2], [1.5,1.5,3].
    let expected: [Double] = [5.5 / 3, 4.5 / 3, 8.0 / 3]
    #expect(Metrics.averageRanks(scores: scores) == expected)
    #expect(Metrics.averageRanks(scores: []) == [])
  }

  @Test func ranksOfEachDatasetSumToTriangularNumber() {
    let scores: [[Double]] = (0..<10).map { d in (0..<6).map { m in Double((d * 7 + m * 3) % 4) } }
    for row in Metrics.ranks(scores: scores) {
      #expect(row.reduce(0, +) == 21)  // 1 + 2 + ... + 6, ties included
    }
  }

  @Test func winTieLossRoundsToTwoDecimalsOfAPercent() {
    let scores = [
      [0.85881, 0.85879],  // 8588.1 vs 8587.9: both 8588, tie
      [0.85884, 0.85886],  // 8588 vs 8589: loss, though the gap is 2e-5
      [0.85885, 0.85886],  // 8588.5 rounds half away from zero to 8589: tie
      [0.9, 0.1],  // win
    ]
    let r = Metrics.winTieLoss(scores: scores, method: 0, against: 1)
    #expect(r.wins == 1 && r.ties == 2 && r.losses == 1)
    let reversed = Metrics.winTieLoss(scores: scores, method: 1, against: 0)
    #expect(reversed.wins == r.losses && reversed.ties == r.ties && reversed.losses == r.wins)
    let selfRecord = Metrics.winTieLoss(scores: scores, method: 1, against: 1)
    #expect(selfRecord.ties == scores.count)
  }
}
