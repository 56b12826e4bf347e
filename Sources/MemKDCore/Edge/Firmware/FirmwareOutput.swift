/// What `main.c` of a firmware folder printed (`FirmwareSources.mainProgram` gives the format),
/// parsed: each series' class and probabilities (exact, from the printed float bits), and on
/// Cortex-M the SysTick counts turned into instructions.
public struct FirmwareOutput: Sendable, Equatable {
  /// The predicted class of each series.
  public var classes: [Int]
  /// `[count, classes]`, the firmware's floats exactly.
  public var probabilities: [Float]
  /// How many predictions equalled Swift's, as the firmware counted them.
  public var equalToSwift: Int
  /// Instructions per SysTick tick, from the calibration loop (Cortex-M only).
  public var instructionsPerTick: Double?
  /// Mean instructions of one `step` call, including the time loop (Cortex-M only).
  public var instructionsPerStep: Double?
  /// Mean instructions of one `probabilities` call (Cortex-M only).
  public var instructionsPerReadout: Double?

  /// Parses the printed text. Throws `FirmwareError` quoting the first line that does not
  /// parse, or when the series lines are not `0..<count` in order, or a line has another class
  /// count than the first.
  public init(parsing text: String) throws {
    classes = []
    probabilities = []
    equalToSwift = -1
    var classCount: Int?
    var calibration: (instructions: Double, ticks: Double)?
    var steps: (count: Double, ticks: Double)?
    var readouts: (count: Double, ticks: Double)?
    var overhead: (count: Double, ticks: Double)?
    for line in text.split(separator: "\n") {
      let words = line.split(separator: " ").map(String.init)
      func fail(_ why: String) -> FirmwareError {
        FirmwareError("firmware output line '\(line)': \(why)")
      }
      switch words.first {
      case "series":
        guard words.count >= 8, words[2] == "class", words[4] == "swift", words[6] == "p",
          let index = Int(words[1]), let predicted = Int(words[3]),
          let bitsAt = words.firstIndex(of: "bits")
        else { throw fail("not 'series N class K swift K p ... bits ...'") }
        let bits = words[(bitsAt + 1)...].map { UInt32($0, radix: 16) }
        guard index == classes.count else { throw fail("expected series \(classes.count)") }
        guard !bits.isEmpty, bits.allSatisfy({ $0 != nil }) else {
          throw fail("the probability bits are not hexadecimal")
        }
        guard classCount == nil || classCount == bits.count else {
          throw fail("\(bits.count) probabilities, earlier lines had \(classCount ?? 0)")
        }
        classCount = bits.count
        classes.append(predicted)
        probabilities += bits.map { Float(bitPattern: $0 ?? 0) }
      case "predictions":
        let counts = words.last?.split(separator: "/").compactMap { Int($0) } ?? []
        guard counts.count == 2 else { throw fail("not 'predictions equal to Swift's: M/N'") }
        equalToSwift = counts[0]
      case "calibration":
        guard words.count == 5, let instructions = Double(words[1]), let ticks = Double(words[3])
        else { throw fail("not 'calibration I instructions T ticks'") }
        calibration = (instructions, ticks)
      case "steps", "readouts", "overhead":
        guard words.count == 4, let count = Double(words[1]), let ticks = Double(words[3]),
          count > 0
        else { throw fail("not '\(words[0]) N ticks T'") }
        switch words[0] {
        case "steps": steps = (count, ticks)
        case "readouts": readouts = (count, ticks)
        default: overhead = (count, ticks)
        }
      default:
        continue  // the banner, the human summary, newlib's messages
      }
    }
    guard !classes.isEmpty, equalToSwift >= 0 else {
      throw FirmwareError(
        "the firmware printed no predictions and no summary; its output:\n\(text.suffix(2000))")
    }
    if let calibration, calibration.ticks > 0 {
      let ratio = calibration.instructions / calibration.ticks
      instructionsPerTick = ratio
      // One clock-reading overhead per series for the steps and for the readout.
      let empty = (overhead.map { $0.ticks / $0.count } ?? 0) * Double(classes.count)
      if let steps { instructionsPerStep = (steps.ticks - empty) * ratio / steps.count }
      if let readouts {
        instructionsPerReadout = (readouts.ticks - empty) * ratio / readouts.count
      }
    }
  }
}
