/// How deeply a YAML text nests, measured before the parser sees it.
///
/// Why: libyaml (through Yams) recurses once per level, and a 10 KB file nested 5,000 deep
/// overflowed the stack (a crash, not an error); 2,000 was fine. A pipeline file needs a handful
/// of levels, so anything past `limit` is refused with its line.
enum YAMLNesting {
  /// Levels allowed: flow brackets (`[[[...`) open at once, or on one line the indentation in
  /// columns plus the compact sequence dashes (`- - - x`), which bounds the block depth.
  static let limit = 512

  /// The 1-based line where nesting first passes `limit`, or nil.
  static func firstLineTooDeep(in text: String) -> Int? {
    var flow = 0
    var line = 1
    var quote: Character?
    var atLineStart = true
    var indentation = 0
    var dashes = 0
    var inComment = false
    var previous: Character = "\n"
    var escaped = false
    for character in text {
      if character == "\n" {
        line += 1
        atLineStart = true
        indentation = 0
        dashes = 0
        inComment = false
        previous = character
        continue
      }
      defer { previous = character }
      if inComment { continue }
      if let open = quote {
        if open == "\"" && character == "\\" && !escaped {
          escaped = true
          continue
        }
        if character == open && !escaped { quote = nil }
        escaped = false
        continue
      }
      if atLineStart {
        if character == " " {
          indentation += 1
          continue
        }
        if character == "-" {
          dashes += 1
          if indentation + 2 * dashes > limit { return line }
          continue
        }
        atLineStart = false
      }
      switch character {
      case "#" where previous == " " || previous == "\t" || previous == "\n": inComment = true
      case "\"", "'": quote = character
      case "[", "{":
        flow += 1
        if flow > limit { return line }
      case "]", "}": flow = max(0, flow - 1)
      default: break
      }
    }
    return nil
  }
}
