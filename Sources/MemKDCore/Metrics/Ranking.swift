/// Cross-dataset comparison of methods: per-dataset ranks, average ranks, wins/ties/losses
/// (PROTOCOL.md, "Metrics": the paper ranks methods by test AUC-PRC on each dataset).
///
/// Shapes: `scores` is [dataset][method], every row the same length, higher is better, no NaN.
extension Metrics {
  /// scores[dataset][method], higher is better. Per-dataset rank 1 = best, ties share the
  /// average rank; returns the mean rank of each method over datasets, [method].
  ///
  /// Ties are exact equality of the given Doubles (scipy's `rankdata(-row, method="average")`).
  /// To rank at a printed precision, as a paper's table does, round the scores first. Empty
  /// `scores` gives `[]`.
  public static func averageRanks(scores: [[Double]]) -> [Double] {
    let perDataset = ranks(scores: scores)
    guard let methodCount = perDataset.first?.count else { return [] }
    return (0..<methodCount).map { method in
      var sum = CompensatedSum()
      for row in perDataset { sum.add(row[method]) }
      return sum.value / Double(perDataset.count)
    }
  }

  /// Per-dataset ranks (same rules), [dataset][method]: 1 = highest score; a run of `k` equal
  /// scores occupying ranks r+1...r+k all get r + (k + 1) / 2.
  public static func ranks(scores: [[Double]]) -> [[Double]] {
    let methodCount = scores.first?.count ?? 0
    precondition(scores.allSatisfy { $0.count == methodCount }, "ragged scores[dataset][method]")
    return scores.map(rankRow)
  }

  /// Wins/ties/losses of method a against method b over datasets; a tie is equality after
  /// rounding each score (a fraction) to two decimals of a percent, precisely: `round(score *
  /// 10000)` equal, rounding half away from zero (C `round`, Swift `.rounded()`; not Python's
  /// half-to-even `round`). Otherwise the higher rounded score wins (rounding is monotone, so this
  /// agrees with the raw scores).
  public static func winTieLoss(scores: [[Double]], method a: Int, against b: Int)
    -> (wins: Int, ties: Int, losses: Int)
  {
    var result = (wins: 0, ties: 0, losses: 0)
    for row in scores {
      precondition(row.indices.contains(a) && row.indices.contains(b), "method index out of range")
      precondition(!row[a].isNaN && !row[b].isNaN, "NaN score")
      let ra = (row[a] * 10_000).rounded(.toNearestOrAwayFromZero)
      let rb = (row[b] * 10_000).rounded(.toNearestOrAwayFromZero)
      if ra == rb {
        result.ties += 1
      } else if ra > rb {
        result.wins += 1
      } else {
        result.losses += 1
      }
    }
    return result
  }

  /// Ranks of one dataset's row, [method]; sorts once (O(m log m)) and groups equal scores.
  private static func rankRow(_ row: [Double]) -> [Double] {
    precondition(!row.contains { $0.isNaN }, "NaN score cannot be ranked")
    let order = row.indices.sorted { row[$0] > row[$1] }
    var ranks = [Double](repeating: 0, count: row.count)
    var start = 0
    while start < order.count {
      var end = start + 1
      while end < order.count && row[order[end]] == row[order[start]] { end += 1 }
      // Positions start..<end hold 1-based ranks start+1 ... end; their mean is (start+1+end)/2.
      let shared = Double(start + 1 + end) / 2
      for position in start..<end { ranks[order[position]] = shared }
      start = end
    }
    return ranks
  }
}
