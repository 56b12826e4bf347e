/// The Markdown report: Table II-style tables per teacher label.
extension PipelineReport {
  /// The paper-style report in Markdown (deterministic: no times, no dates). Percentages have
  /// two decimals; students show mean +- population std over seeds at the chosen beta; `-` marks
  /// a result that does not exist yet. With more than one teacher label every table is repeated
  /// under `## Teacher: <label>`.
  public func markdown() -> String {
    var lines = ["# \(title)", ""]
    lines.append(
      "Students: test metrics of the beta with the highest mean validation AUC-PRC over seeds "
        + "(ties: the smaller beta), as mean +- population std over that beta's seeds. Teacher: "
        + "the kept initialisation. Percent, 2 decimals; `-` = no result yet.")
    lines.append("")
    if sections.isEmpty {
      lines += ["No records.", ""]
    } else if sections.count == 1, let only = sections.first {
      lines += only.markdown(
        level: 2, significance: significances[0], figures: criticalDifferenceFiles(section: 0))
    } else {
      for (index, section) in sections.enumerated() {
        lines += ["## Teacher: \(section.label)", ""]
        lines += section.markdown(
          level: 3, significance: significances[index],
          figures: criticalDifferenceFiles(section: index))
      }
    }
    return lines.joined(separator: "\n")
  }
}

extension TeacherSection {
  /// Display name of an entry (nil = the teacher).
  func name(_ entry: Int?) -> String {
    guard let index = entry else { return "teacher" }
    return variants.indices.contains(index) ? variants[index].label : "?"
  }

  /// `72.11 +- 2.28` for a variant (`72.11 +- 2.28 *` when it differs from the reference
  /// variant over seeds, see `seedMark`), `80.00` for the teacher, `-` when missing.
  func aucPrcCell(entry: Int?, dataset: String) -> String {
    guard let index = entry else {
      return teacher[dataset].map { ReportFormat.percent($0.aucPrc) } ?? "-"
    }
    guard let result = result(variant: index, dataset: dataset) else { return "-" }
    return meanStdCell(result.mean.aucPrc, result.std.aucPrc)
      + seedMark(entry: index, dataset: dataset)
  }

  func meanStdCell(_ mean: Double, _ std: Double) -> String {
    "\(ReportFormat.percent(mean)) +- \(ReportFormat.percent(std))"
  }

  /// Every table of this teacher label; section headings at `level` (2 = `##`); `significance`:
  /// this section's tests; `figures`: the file names of its critical-difference diagrams.
  func markdown(
    level: Int, significance: SectionSignificance,
    figures: (students: String, teacher: String)? = nil
  ) -> [String] {
    let heading = String(repeating: "#", count: level)
    let subheading = heading + "#"
    var lines: [String] = []

    // Table II: per-dataset test AUC-PRC.
    lines += ["\(heading) Test AUC-PRC (%)", ""]
    lines += ReportFormat.markdownTable(
      header: ["dataset"] + entries.map(name),
      rows: datasets.map { dataset in
        [dataset] + entries.map { aucPrcCell(entry: $0, dataset: dataset) }
      })
    lines.append("")
    if !variants.isEmpty {
      lines += ["\(subheading) Chosen beta", ""]
      lines += ReportFormat.markdownTable(
        header: ["dataset"] + variants.map(\.label),
        rows: datasets.map { dataset in
          [dataset]
            + variants.indices.map { index in
              result(variant: index, dataset: dataset).map { chosen in
                ReportFormat.short(chosen.beta)
                  + (chosen.selection.isEmpty ? "" : ", " + chosen.selection)
              } ?? "-"
            }
        })
      lines.append("")
    }

    lines += averagesTable(heading: heading)
    lines += winTieLossTable(heading: heading)
    lines += rankTable(heading: heading)
    lines += significanceMarkdown(significance, heading: heading, figures: figures)
    lines += ablationTables(heading: heading)

    lines += ["\(heading) Runs", ""]
    let runRows =
      [["teacher", String(teacher.count), String(teacher.count)]]
      + variants.map { variant in
        [
          variant.label, String(runs[variant.label] ?? 0),
          String(results[variant.label]?.count ?? 0),
        ]
      }
    lines += ReportFormat.markdownTable(header: ["entry", "runs", "datasets"], rows: runRows)
    lines.append("")
    return lines
  }

  /// Mean of the per-dataset test metrics of each entry over the datasets it has.
  private func averagesTable(heading: String) -> [String] {
    var lines = ["\(heading) Averages over datasets", ""]
    lines.append(
      "Mean of the per-dataset test means (%) over the datasets where the entry has a result.")
    lines.append("")
    let rows = entries.map { entry -> [String] in
      let average = average(entry: entry)
      guard let metrics = average.metrics else { return [name(entry), "-", "-", "-", "0"] }
      return [
        name(entry), ReportFormat.percent(metrics.aucPrc), ReportFormat.percent(metrics.aucRoc),
        ReportFormat.percent(metrics.acc), String(average.datasets),
      ]
    }
    lines += ReportFormat.markdownTable(
      header: ["entry", "AUC-PRC", "AUC-ROC", "accuracy", "datasets"], rows: rows)
    lines.append("")
    return lines
  }

  /// Wins/ties/losses of the reference variant against each other variant.
  private func winTieLossTable(heading: String) -> [String] {
    guard let reference = referenceIndex, variants.count > 1 else { return [] }
    var lines = ["\(heading) Wins / ties / losses", ""]
    lines.append(
      "Reference: `\(name(reference))`. Its wins / ties / losses against each variant by "
        + "per-dataset mean test AUC-PRC (a tie: equal at 2 decimals of a percent), over the "
        + "datasets where both have a result.")
    lines.append("")
    let rows = variants.indices.filter { $0 != reference }.map { other -> [String] in
      let wtl = winTieLoss(reference, against: other)
      return [
        name(other), String(wtl.wins), String(wtl.ties), String(wtl.losses), String(wtl.datasets),
      ]
    }
    lines += ReportFormat.markdownTable(
      header: ["variant", "wins", "ties", "losses", "datasets"], rows: rows)
    lines.append("")
    return lines
  }

  /// Average ranks with and without the teacher.
  private func rankTable(heading: String) -> [String] {
    guard !variants.isEmpty else { return [] }
    let with = averageRanks(withTeacher: true)
    let without = averageRanks(withTeacher: false)
    var lines = ["\(heading) Average rank", ""]
    lines.append(
      "Rank 1 = best on a dataset by mean test AUC-PRC at 2 decimals of a percent (ties share the "
        + "average rank), averaged over the datasets where every ranked entry has a result: "
        + "\(with.datasets) with the teacher, \(without.datasets) without.")
    lines.append("")
    func cell(_ ranks: [Double], _ index: Int) -> String {
      ranks.indices.contains(index) ? ReportFormat.fixed(ranks[index], decimals: 2) : "-"
    }
    var rows = [["teacher", cell(with.ranks, 0), "-"]]
    for index in variants.indices {
      rows.append([name(index), cell(with.ranks, index + 1), cell(without.ranks, index)])
    }
    lines += ReportFormat.markdownTable(
      header: ["entry", "with teacher", "without teacher"], rows: rows)
    lines.append("")
    return lines
  }

  /// One table per method with ablated variants: AUC-PRC per dataset plus an average row.
  func ablationTables(heading: String) -> [String] {
    let groups = ablationGroups
    guard !groups.isEmpty else { return [] }
    var lines = ["\(heading) Ablation", ""]
    lines.append(
      "Test AUC-PRC (%) per variant of a method; the average is over the datasets where the "
        + "column has a result.")
    lines.append("")
    for group in groups {
      let indices = group.columns.map { column in variants.firstIndex { $0.label == column.variant }
      }
      lines += ["\(heading)# \(group.method)", ""]
      var rows = datasets.map { dataset in
        [dataset] + indices.map { $0.map { aucPrcCell(entry: $0, dataset: dataset) } ?? "-" }
      }
      rows.append(
        ["average"]
          + indices.map { index in
            guard let index, let metrics = average(entry: index).metrics else { return "-" }
            return ReportFormat.percent(metrics.aucPrc)
          })
      lines += ReportFormat.markdownTable(
        header: ["dataset"] + group.columns.map(\.header), rows: rows)
      lines.append("")
    }
    return lines
  }
}
