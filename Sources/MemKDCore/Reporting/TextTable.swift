/// A plain fixed-width text table for command-line reports (results go to standard output;
/// scripts use `--json` instead of parsing this).
public enum TextTable {
  /// Columns padded to their widest cell, separated by two spaces, with a dashed rule under the
  /// header.
  public static func render(header: [String], rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
      for (index, cell) in row.enumerated() where index < widths.count {
        widths[index] = Swift.max(widths[index], cell.count)
      }
    }
    func line(_ cells: [String]) -> String {
      var text = ""
      for (index, cell) in cells.enumerated() {
        if index > 0 { text += "  " }
        let width = index < widths.count ? widths[index] : cell.count
        text += cell + String(repeating: " ", count: Swift.max(0, width - cell.count))
      }
      while text.hasSuffix(" ") { text.removeLast() }
      return text
    }
    let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
    return ([line(header), rule] + rows.map(line)).joined(separator: "\n")
  }
}
