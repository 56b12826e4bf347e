/// Deterministic text formatting shared by the report's Markdown, CSV and SVG output.
///
/// Everything here is locale-free and depends only on the Double's value, so the same records
/// give byte-identical files on every machine.
enum ReportFormat {
  /// A fraction as a percent with two decimals ("72.11"), rounded like `Metrics.winTieLoss`
  /// rounds (`(fraction * 10000).rounded(.toNearestOrAwayFromZero)`), so two cells the table
  /// prints equal are exactly the pairs that count as ties.
  static func percent(_ fraction: Double) -> String {
    scaled(fraction * 10_000, decimals: 2) ?? fraction.description
  }

  /// `value` with exactly `decimals` digits after the point ("3.50"), half away from zero.
  /// Non-finite or huge values (beyond Int64 after scaling) fall back to `Double.description`.
  static func fixed(_ value: Double, decimals: Int) -> String {
    precondition(decimals >= 0 && decimals <= 9, "decimals out of range")
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    return scaled(value * scale, decimals: decimals) ?? value.description
  }

  /// A beta or other setting in `%g` style: integral values without ".0" ("10"), others in
  /// Swift's shortest round-trip form ("0.1", "1e-05").
  static func short(_ value: Double) -> String {
    if value.isFinite, value == value.rounded(), abs(value) < 1e15,
      let integer = Int64(exactly: value)
    {
      return String(integer)
    }
    return value.description
  }

  /// Formats `units / 10^decimals` where `units` is rounded half away from zero first; nil when
  /// the value cannot be represented (NaN, infinity, beyond Int64).
  private static func scaled(_ units: Double, decimals: Int) -> String? {
    guard let integer = Int64(exactly: units.rounded(.toNearestOrAwayFromZero)) else { return nil }
    var divisor: UInt64 = 1
    for _ in 0..<decimals { divisor *= 10 }
    let magnitude = integer.magnitude
    var text = integer < 0 ? "-" : ""
    text += String(magnitude / divisor)
    if decimals > 0 {
      let fraction = String(magnitude % divisor)
      text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
    }
    return text
  }

  /// Axes as written in variant labels: "k=v" pairs sorted by key, joined by spaces.
  static func axisLabel(_ axes: [String: String]) -> String {
    axes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
  }

  /// One Markdown table (GitHub pipe syntax): `|` in cells is escaped, newlines become spaces.
  /// The first column is left-aligned, the others right-aligned (numbers).
  static func markdownTable(header: [String], rows: [[String]]) -> [String] {
    func line(_ cells: [String]) -> String {
      let escaped = cells.map {
        $0.replacingAll("|", with: "\\|").replacingAll("\n", with: " ")
      }
      return "| " + escaped.joined(separator: " | ") + " |"
    }
    let alignment = header.indices.map { $0 == 0 ? "---" : "---:" }
    return [line(header), "|" + alignment.joined(separator: "|") + "|"] + rows.map(line)
  }
}

extension String {
  /// Plain substring replacement; Foundation-free so the formatting stays locale-independent.
  func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty, contains(target) else { return self }
    return split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
