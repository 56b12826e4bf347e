/// A grouped bar chart of percentages (0...100): one group per dataset, one bar per series.
struct GroupedBarChart {
  /// One bar per group; values and errors in percent, nil = no bar / no error bar.
  struct Series {
    var label: String
    var values: [Double?]
    var errors: [Double?]
  }

  var title: String
  var xLabel: String
  var yLabel: String
  var groups: [String]
  var series: [Series]

  /// A fixed categorical palette (Tableau 10 followed by two extra hues); series i gets colour
  /// i modulo its size.
  static let palette = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#17becf", "#8c564b",
  ]

  // Layout, pixels.
  private static let barWidth = 12.0
  private static let groupGap = 18.0
  private static let plotLeft = 70.0
  private static let plotTop = 50.0
  private static let plotHeight = 300.0
  /// Rough width of one character at 12 px, for sizing margins around labels.
  private static let charWidth = 7.0
  private static let legendRow = 18.0
  /// X labels are rotated by this many degrees (long UCR dataset names).
  private static let labelAngle = -35.0

  /// The chart as a standalone SVG document. Bars carry class "bar" (one per present value),
  /// error bars class "error", legend swatches class "swatch".
  func svg() -> String {
    let groupWidth = Double(max(series.count, 1)) * Self.barWidth + Self.groupGap
    let plotWidth = max(Double(groups.count) * groupWidth, 200)
    let plotBottom = Self.plotTop + Self.plotHeight
    let longestGroup = Double(groups.map(\.count).max() ?? 0)
    // sin(35 degrees) ~ 0.57: the vertical extent of a rotated label.
    let labelDepth = 16 + longestGroup * Self.charWidth * 0.58
    let longestSeries = Double(series.map(\.label.count).max() ?? 0)
    let legendX = Self.plotLeft + plotWidth + 24
    let width = legendX + 22 + longestSeries * Self.charWidth + 16
    let height = max(
      plotBottom + labelDepth + 40, Self.plotTop + Double(series.count) * Self.legendRow + 20)
    var svg = SVGWriter(width: width, height: height)
    svg.rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff", cssClass: "background")
    svg.text(title, x: width / 2, y: 28, anchor: .middle, size: 16, bold: true)

    func y(_ percent: Double) -> Double {
      plotBottom - min(max(percent, 0), 100) / 100 * Self.plotHeight
    }

    // Y axis: gridlines and ticks every 20 %.
    for tick in stride(from: 0, through: 100, by: 20) {
      let ty = y(Double(tick))
      svg.line(
        x1: Self.plotLeft, y1: ty, x2: Self.plotLeft + plotWidth, y2: ty, stroke: "#dddddd",
        cssClass: "grid")
      svg.line(
        x1: Self.plotLeft - 5, y1: ty, x2: Self.plotLeft, y2: ty, stroke: "#333333",
        cssClass: "tick")
      svg.text(String(tick), x: Self.plotLeft - 8, y: ty + 4, anchor: .end, size: 11)
    }
    svg.line(
      x1: Self.plotLeft, y1: Self.plotTop, x2: Self.plotLeft, y2: plotBottom, stroke: "#333333",
      cssClass: "axis")
    svg.line(
      x1: Self.plotLeft, y1: plotBottom, x2: Self.plotLeft + plotWidth, y2: plotBottom,
      stroke: "#333333", cssClass: "axis")
    let midY = Self.plotTop + Self.plotHeight / 2
    svg.text(yLabel, x: 20, y: midY, anchor: .middle, size: 12, rotation: -90)
    svg.text(
      xLabel, x: Self.plotLeft + plotWidth / 2, y: plotBottom + labelDepth + 28, anchor: .middle,
      size: 12)

    // Bars, error bars and group labels.
    for (groupIndex, group) in groups.enumerated() {
      let groupX = Self.plotLeft + Double(groupIndex) * groupWidth + Self.groupGap / 2
      for (seriesIndex, entry) in series.enumerated() {
        guard entry.values.indices.contains(groupIndex), let value = entry.values[groupIndex] else {
          continue
        }
        let x = groupX + Double(seriesIndex) * Self.barWidth
        let top = y(value)
        let error = entry.errors.indices.contains(groupIndex) ? entry.errors[groupIndex] : nil
        var tooltip = "\(group), \(entry.label): \(ReportFormat.fixed(value, decimals: 2))"
        if let error { tooltip += " +- \(ReportFormat.fixed(error, decimals: 2))" }
        svg.rect(
          x: x, y: top, width: Self.barWidth - 1, height: plotBottom - top,
          fill: Self.palette[seriesIndex % Self.palette.count], cssClass: "bar", tooltip: tooltip)
        if let error, error > 0 {
          let center = x + (Self.barWidth - 1) / 2
          let low = y(value - error)
          let high = y(value + error)
          svg.line(x1: center, y1: low, x2: center, y2: high, stroke: "#222222", cssClass: "error")
          svg.line(
            x1: center - 3, y1: high, x2: center + 3, y2: high, stroke: "#222222", cssClass: "error"
          )
          svg.line(
            x1: center - 3, y1: low, x2: center + 3, y2: low, stroke: "#222222", cssClass: "error")
        }
      }
      let labelX = groupX + (groupWidth - Self.groupGap) / 2
      svg.text(
        group, x: labelX, y: plotBottom + 14, anchor: .end, size: 11, rotation: Self.labelAngle)
    }

    // Legend.
    for (index, entry) in series.enumerated() {
      let rowY = Self.plotTop + Double(index) * Self.legendRow
      svg.rect(
        x: legendX, y: rowY, width: 12, height: 12,
        fill: Self.palette[index % Self.palette.count], cssClass: "swatch")
      svg.text(entry.label, x: legendX + 18, y: rowY + 10, size: 11)
    }
    if groups.isEmpty || series.isEmpty {
      svg.text("no results yet", x: Self.plotLeft + plotWidth / 2, y: midY, anchor: .middle)
    }
    return svg.document()
  }
}

extension PipelineReport {
  /// Datasets over all teacher labels, sorted.
  private var allDatasets: [String] {
    Set(sections.flatMap(\.datasets)).sorted()
  }

  /// The legend label of an entry: with one teacher label the entry's own name; with several,
  /// the teacher's label for the teacher and "variant (teacher label)" for students.
  private func seriesLabel(_ section: TeacherSection, entry: Int?) -> String {
    guard sections.count > 1 else { return section.name(entry) }
    guard entry != nil else { return section.label }
    return "\(section.name(entry)) (\(section.label))"
  }

  /// One series of test AUC-PRC (%) per entry, with std error bars for students.
  private func series(_ section: TeacherSection, entry: Int?, datasets: [String])
    -> GroupedBarChart.Series
  {
    GroupedBarChart.Series(
      label: seriesLabel(section, entry: entry),
      values: datasets.map {
        section.testMetrics(entry: entry, dataset: $0).map { $0.aucPrc * 100 }
      },
      errors: datasets.map { dataset in
        entry.flatMap { section.result(variant: $0, dataset: dataset) }.map { $0.std.aucPrc * 100 }
      })
  }

  /// Test AUC-PRC of the teacher and every variant per dataset.
  func aucPrcChart() -> GroupedBarChart {
    let datasets = allDatasets
    let series = sections.flatMap { section -> [GroupedBarChart.Series] in
      let entries = section.entries
      return entries.map { self.series(section, entry: $0, datasets: datasets) }
    }
    return GroupedBarChart(
      title: "\(title): test AUC-PRC", xLabel: "Dataset", yLabel: "Test AUC-PRC (%)",
      groups: datasets, series: series)
  }

  /// Test AUC-PRC of the ablation variants (and their methods' defaults) per dataset.
  func ablationChart() -> GroupedBarChart {
    let datasets = allDatasets
    let series = sections.flatMap { section -> [GroupedBarChart.Series] in
      section.ablationGroups.flatMap(\.columns).compactMap { column in
        section.variants.firstIndex { $0.label == column.variant }.map {
          self.series(section, entry: $0, datasets: datasets)
        }
      }
    }
    return GroupedBarChart(
      title: "\(title): ablation, test AUC-PRC", xLabel: "Dataset", yLabel: "Test AUC-PRC (%)",
      groups: datasets, series: series)
  }
}
