/// A tiny SVG builder: elements are appended as text, coordinates in pixels written with two
/// fixed decimals so the output is byte-deterministic. No dependencies.
struct SVGWriter {
  /// Canvas size, pixels.
  let width: Double
  let height: Double
  private(set) var elements: [String] = []

  init(width: Double, height: Double) {
    self.width = width
    self.height = height
  }

  /// Text safe inside an XML element or a double-quoted attribute.
  static func escaped(_ text: String) -> String {
    var result = ""
    result.reserveCapacity(text.utf8.count)
    for character in text {
      switch character {
      case "&": result += "&amp;"
      case "<": result += "&lt;"
      case ">": result += "&gt;"
      case "\"": result += "&quot;"
      case "'": result += "&apos;"
      default: result.append(character)
      }
    }
    return result
  }

  /// A coordinate or length, pixels, with two decimals.
  static func number(_ value: Double) -> String {
    ReportFormat.fixed(value, decimals: 2)
  }

  /// `name="value"` pairs, values escaped; nil values are left out.
  private static func attributes(_ pairs: [(String, String?)]) -> String {
    pairs.compactMap { name, value in value.map { " \(name)=\"\(escaped($0))\"" } }.joined()
  }

  /// A filled rectangle; `tooltip` becomes a `<title>` child (shown on hover).
  mutating func rect(
    x: Double, y: Double, width: Double, height: Double, fill: String, cssClass: String,
    tooltip: String? = nil
  ) {
    let head =
      "<rect"
      + Self.attributes([
        ("class", cssClass), ("x", Self.number(x)), ("y", Self.number(y)),
        ("width", Self.number(max(width, 0))), ("height", Self.number(max(height, 0))),
        ("fill", fill),
      ])
    if let tooltip {
      elements.append(head + "><title>\(Self.escaped(tooltip))</title></rect>")
    } else {
      elements.append(head + "/>")
    }
  }

  /// A straight line segment.
  mutating func line(
    x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, strokeWidth: Double = 1,
    cssClass: String
  ) {
    elements.append(
      "<line"
        + Self.attributes([
          ("class", cssClass), ("x1", Self.number(x1)), ("y1", Self.number(y1)),
          ("x2", Self.number(x2)), ("y2", Self.number(y2)), ("stroke", stroke),
          ("stroke-width", Self.number(strokeWidth)),
        ]) + "/>")
  }

  /// Where a text's anchor point is: its start, middle or end.
  enum Anchor: String {
    case start, middle, end
  }

  /// A text label at (x, y) (baseline), optionally rotated by `rotation` degrees about that point.
  mutating func text(
    _ content: String, x: Double, y: Double, anchor: Anchor = .start, size: Double = 12,
    rotation: Double? = nil, bold: Bool = false
  ) {
    let transform = rotation.map {
      "rotate(\(Self.number($0)) \(Self.number(x)) \(Self.number(y)))"
    }
    elements.append(
      "<text"
        + Self.attributes([
          ("x", Self.number(x)), ("y", Self.number(y)), ("text-anchor", anchor.rawValue),
          ("font-size", Self.number(size)), ("font-weight", bold ? "bold" : nil),
          ("transform", transform),
        ]) + ">\(Self.escaped(content))</text>")
  }

  /// The standalone document: XML declaration, `<svg>` with xmlns, size and viewBox, a
  /// sans-serif default font, the elements in the order they were added.
  func document() -> String {
    let w = Self.number(width)
    let h = Self.number(height)
    var lines = [
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" "
        + "viewBox=\"0 0 \(w) \(h)\" font-family=\"sans-serif\">",
    ]
    lines += elements.map { "  " + $0 }
    lines.append("</svg>")
    return lines.joined(separator: "\n") + "\n"
  }
}
