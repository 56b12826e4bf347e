/// What `main.c` of a firmware folder printed (`FirmwareSources.mainProgram` gives the format),
/// parsed: each series' class and probabilities (exact, from the printed float bits), and on
/// Cortex-M the instruction counts the firmware computed from SysTick.
public struct FirmwareOutput: Sendable, Equatable {
  /// The predicted class of each series.
  public var classes: [Int]
  /// `[count, classes]`, the firmware's floats exactly.
  public var probabilities: [Float]
  /// How many predictions equalled Swift's, as the firmware counted them, and of how many.
  public var equalToSwift: Int
  public var compared: Int
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
    compared = -1
    var classCount: Int?
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
        (equalToSwift, compared) = (counts[0], counts[1])
      case "calibration":
        guard words.count == 5, let instructions = Double(words[1]), let ticks = Double(words[3]),
          ticks > 0
        else { throw fail("not 'calibration I instructions T ticks'") }
        instructionsPerTick = instructions / ticks
      case "about":
        guard words.count == 8, let step = Double(words[1]), let readout = Double(words[5]),
          step > 0, readout > 0
        else { throw fail("not 'about S instructions per step, R per readout' (S, R > 0)") }
        (instructionsPerStep, instructionsPerReadout) = (step, readout)
      default:
        continue  // the banner, the tick counts behind the `about` line, newlib's messages
      }
    }
    guard !classes.isEmpty, equalToSwift >= 0 else {
      throw FirmwareError(
        "the firmware printed no predictions and no summary; its output:\n\(text.suffix(2000))")
    }
  }

  /// Throws unless the output covers exactly the `series` series of `classes` classes that the
  /// firmware was built with, and its summary counted all of them.
  public func check(series: Int, classes classCount: Int) throws {
    guard classes.count == series, probabilities.count == series * classCount,
      compared == series
    else {
      throw FirmwareError(
        "the firmware printed \(classes.count) series of \(probabilities.count / max(classes.count, 1)) "
          + "probabilities and compared \(compared); it was built for \(series) series of "
          + "\(classCount) classes")
    }
  }
}
