import Foundation

/// A published table of test AUC-PRC (%) per dataset and entry (the paper's Table II), set beside
/// a run's results by `memkd-script report --paper FILE`.
///
/// File format: CSV with a header `dataset,<entry>,<entry>,...` and one row per dataset of
/// numbers in percent. Entries are compared by name with the run's: `teacher` and student
/// variant labels (`base`, `base-kd`, `memkd`, ...). Columns with other names are kept in the
/// file but not compared (the paper's RKD / VID / NST columns, whose order its extracted text
/// does not show). A row named `average` is ignored: averages are recomputed over the datasets
/// both have.
public struct PaperTable: Sendable, Equatable {
  public var columns: [String]
  /// Dataset -> column -> AUC-PRC (%).
  public var values: [String: [String: Double]]

  public init(csv: String, file: String) throws {
    let lines = csv.split(whereSeparator: \.isNewline).map(String.init)
      .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
    guard let header = lines.first else { throw PipelineRunError("\(file): empty paper table") }
    let names = header.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    guard names.first == "dataset", names.count >= 2 else {
      throw PipelineRunError("\(file):1: the header must be dataset,<entry>,...; got '\(header)'")
    }
    columns = Array(names.dropFirst())
    values = [:]
    for (index, line) in lines.enumerated().dropFirst() {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false)
        .map { $0.trimmingCharacters(in: .whitespaces) }
      guard fields.count == names.count else {
        throw PipelineRunError(
          "\(file):\(index + 1): \(fields.count) fields, the header has \(names.count)")
      }
      guard fields[0] != "average" else { continue }
      var row: [String: Double] = [:]
      for (column, field) in zip(columns, fields.dropFirst()) {
        guard let value = Double(field), value.isFinite else {
          throw PipelineRunError("\(file):\(index + 1): \(column) is not a number: '\(field)'")
        }
        row[column] = value
      }
      values[fields[0]] = row
    }
  }

  public static func load(path: String) throws -> PaperTable {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw PipelineRunError("\(path): no such file (the --paper table)")
    }
    return try PaperTable(csv: String(decoding: data, as: UTF8.self), file: path)
  }
}

extension PipelineReport {
  /// `markdown()` followed by the comparison with `paper` for every teacher section.
  public func markdown(paper: PaperTable?) -> String {
    guard let paper else { return markdown() }
    var lines = [markdown(), ""]
    for section in sections {
      lines += section.paperComparison(paper, level: sections.count == 1 ? 2 : 3)
    }
    return lines.joined(separator: "\n")
  }
}

extension TeacherSection {
  /// The run's and the paper's test AUC-PRC side by side over the datasets both have, their
  /// averages, and every difference over 3 points.
  func paperComparison(_ paper: PaperTable, level: Int) -> [String] {
    let heading = String(repeating: "#", count: level)
    let compared: [(name: String, entry: Int?)] =
      ([("teacher", nil)] + variants.indices.map { (variants[$0].label, $0) })
      .filter { paper.columns.contains($0.name) }
    let common = datasets.filter { paper.values[$0] != nil }
    var lines = [
      "\(heading) Against the paper (test AUC-PRC %, ours / paper)", "",
      "Datasets in both: \(common.count). Columns the paper has but this run does not, and the "
        + "paper's unnamed RKD / VID / NST columns, are left out.", "",
    ]
    guard !common.isEmpty, !compared.isEmpty else {
      return lines + ["No common datasets or entries.", ""]
    }
    lines.append("| dataset | " + compared.map(\.name).joined(separator: " | ") + " |")
    lines.append("|---|" + String(repeating: "---:|", count: compared.count))
    var sums = [(ours: Double, paper: Double, count: Int)](
      repeating: (0, 0, 0), count: compared.count)
    for dataset in common {
      var cells: [String] = []
      for (position, item) in compared.enumerated() {
        let published = paper.values[dataset]?[item.name]
        guard let ours = testMetrics(entry: item.entry, dataset: dataset)?.aucPrc, let published
        else {
          cells.append("-")
          continue
        }
        let percent = ours * 100
        sums[position].ours += percent
        sums[position].paper += published
        sums[position].count += 1
        cells.append(String(format: "%.2f / %.2f", percent, published))
      }
      lines.append("| \(dataset) | " + cells.joined(separator: " | ") + " |")
    }
    lines.append(
      "| average | "
        + sums.map {
          $0.count == 0
            ? "-"
            : String(format: "%.2f / %.2f", $0.ours / Double($0.count), $0.paper / Double($0.count))
        }
        .joined(separator: " | ") + " |")
    let differences = paperDifferences(paper, datasets: common, entries: compared.map(\.entry))
      .map { item in
        String(
          format: "- %@, %@: %.2f against the paper's %.2f (%+.2f points)",
          item.dataset, name(item.entry), item.ours * 100, item.published,
          item.ours * 100 - item.published)
      }
    lines += ["", "Differences over 3 points: \(differences.count).", ""]
    return lines + differences + (differences.isEmpty ? [] : [""])
  }

  /// Every (dataset, entry) whose test AUC-PRC differs from the paper's by more than 3 points,
  /// in dataset, then entry order; `ours` a fraction as elsewhere in the report, `published` in
  /// percent as in the paper's table. Entries the paper has no column for are skipped.
  func paperDifferences(_ paper: PaperTable, datasets: [String], entries: [Int?]) -> [(
    dataset: String, entry: Int?, ours: Double, published: Double
  )] {
    datasets.flatMap { dataset in
      entries.compactMap { entry in
        guard let published = paper.values[dataset]?[name(entry)],
          let ours = testMetrics(entry: entry, dataset: dataset)?.aucPrc,
          abs(ours * 100 - published) > 3
        else { return nil }
        return (dataset, entry, ours, published)
      }
    }
  }
}
