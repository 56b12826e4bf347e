import MemKDCore

/// A critical-difference diagram (Demšar 2006, in aeon's Wilcoxon/Holm form): an axis of average
/// ranks (1 = best, on the left), each method joined to its rank by an elbow line with its name
/// on the left half (better) or the right half (worse), and a thick bar under each clique of
/// methods that no test separates.
struct CriticalDifferenceChart {
  var title: String
  var labels: [String]
  var result: RankSignificance.CriticalDifference
  /// The note under the title (test, alpha, datasets).
  var subtitle: String

  // Layout, pixels.
  private static let width = 720.0
  private static let axisLeft = 190.0
  private static let axisRight = 530.0
  private static let axisY = 80.0
  private static let rowHeight = 22.0
  private static let cliqueGap = 9.0

  /// The diagram as a standalone SVG document. Methods' lines carry class "method", clique
  /// bars class "clique".
  func svg() -> String {
    let count = result.order.count
    let half = (count + 1) / 2
    let cliqueBlock = Double(result.cliques.count) * Self.cliqueGap
    let height = Self.axisY + 40 + cliqueBlock + Double(half) * Self.rowHeight + 20
    var svg = SVGWriter(width: Self.width, height: height)
    svg.text(title, x: Self.width / 2, y: 22, anchor: .middle, size: 15, bold: true)
    svg.text(subtitle, x: Self.width / 2, y: 40, anchor: .middle, size: 11)
    let lowest = 1.0
    let highest = Double(max(count, 2))
    func x(_ rank: Double) -> Double {
      Self.axisLeft + (rank - lowest) / (highest - lowest) * (Self.axisRight - Self.axisLeft)
    }
    svg.line(
      x1: x(lowest), y1: Self.axisY, x2: x(highest), y2: Self.axisY, stroke: "#000",
      cssClass: "axis")
    for tick in 1...Int(highest) {
      let position = x(Double(tick))
      svg.line(
        x1: position, y1: Self.axisY - 5, x2: position, y2: Self.axisY, stroke: "#000",
        cssClass: "tick")
      svg.text(String(tick), x: position, y: Self.axisY - 9, anchor: .middle, size: 11)
    }
    // Cliques: thick bars just under the axis, from the best to the worst member's rank.
    for (row, clique) in result.cliques.enumerated() {
      let ranks = clique.map { result.averageRanks[$0] }
      let y = Self.axisY + 12 + Double(row) * Self.cliqueGap
      svg.line(
        x1: x(ranks.min() ?? 1) - 3, y1: y, x2: x(ranks.max() ?? 1) + 3, y2: y, stroke: "#000",
        strokeWidth: 4, cssClass: "clique")
    }
    // Methods: the better half to the left, the worse half to the right, outermost first.
    let top = Self.axisY + 28 + cliqueBlock
    for (position, method) in result.order.enumerated() {
      let rank = result.averageRanks[method]
      let left = position < half
      let row = left ? position : count - 1 - position
      let y = top + Double(row) * Self.rowHeight
      let end = left ? Self.axisLeft - 10 : Self.axisRight + 10
      svg.line(
        x1: x(rank), y1: Self.axisY, x2: x(rank), y2: y, stroke: "#444", cssClass: "method")
      svg.line(x1: x(rank), y1: y, x2: end, y2: y, stroke: "#444", cssClass: "method")
      let label = "\(labels[method]) (\(ReportFormat.fixed(rank, decimals: 2)))"
      svg.text(label, x: left ? end - 4 : end + 4, y: y + 4, anchor: left ? .end : .start)
    }
    return svg.document()
  }
}
