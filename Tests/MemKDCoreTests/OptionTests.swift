import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

@Suite("Options: one definition of every option")
struct OptionTests {
  @Test("docs/options.md is exactly what the option structs generate (a new field must be in it)")
  func tableMatchesTheStructs() throws {
    let path = TestFiles.repositoryRoot.appendingPathComponent("docs/options.md").path
    let committed = try String(contentsOfFile: path, encoding: .utf8)
    #expect(
      committed == OptionTable.markdown(),
      "regenerate with: memkd-script options --markdown > docs/options.md")
    let fields =
      Preprocessing.optionKeys + TeacherTraining.optionKeys + StudentDistillation.optionKeys
      + MemKDLoss.optionKeys
    for key in fields { #expect(committed.contains("| `\(key)` |"), "\(key) missing") }
  }

  @Test(
    "each rule rejects with one message naming the option and the value",
    arguments: [
      ("clip", OptionValue.int(-1), "clip must be 0 (off) or a positive number (got -1)"),
      ("lr", .int(0), "lr must be a positive number (got 0)"),
      ("epochs", .number(2.5), "epochs must be an integer >= 1 (got 2.5)"),
      ("plateau", .int(-1), "plateau must be 0 (off) or an integer >= 1 (got -1)"),
      (
        "plateau_factor", .number(1),
        "plateau_factor must be a number strictly between 0 and 1 (got 1.0)"
      ),
      ("batch_size", .text("x"), "batch_size must be an integer >= 1 (got 'x')"),
    ])
  func trainingRules(key: String, value: OptionValue, message: String) {
    var config = TrainingConfig.student
    #expect(throws: Never.self) { try config.validate() }
    do {
      try config.set(key, value)
      Issue.record("accepted \(key) = \(value)")
    } catch {
      #expect("\(error)" == message)
    }
  }

  @Test("off and absent values: 0 or null turn clip / plateau off, null is long_pairs' default")
  func offValues() throws {
    var config = TrainingConfig.teacher
    try config.set("clip", .int(0))
    try config.set("plateau", .null)
    #expect(config.clipNorm == nil && config.plateauPatience == nil)
    #expect(config.optionValues.first { $0.key == "clip" }?.value == .null)
    var loss = MemKDLoss()
    try loss.set("long_pairs", .int(7))
    #expect(loss.longPairs == 7)
    try loss.set("long_pairs", .null)
    #expect(loss.longPairs == nil)
    #expect(throws: OptionError.self) { try loss.set("long_pairs", .int(0)) }
  }

  @Test("unknown keys name the scope and list the options")
  func unknownKey() {
    var loss = MemKDLoss()
    do {
      try loss.set("trems", .text("short"))
      Issue.record("accepted trems")
    } catch {
      #expect("\(error)".hasPrefix("unknown memkd option 'trems' (options: terms, normalization"))
    }
  }

  @Test("CLI text becomes the value a YAML scalar or a Python object would")
  func parsing() {
    #expect(OptionValue(parsing: "-1") == .int(-1))
    #expect(OptionValue(parsing: "1e-3") == .number(0.001))
    #expect(OptionValue(parsing: "inf") == .number(.infinity))
    #expect(OptionValue(parsing: "false") == .bool(false))
    #expect(OptionValue(parsing: "per-sample-mean") == .text("per-sample-mean"))
    #expect(OptionValue(parsing: "0x10") == .text("0x10"))
  }

  @Test("the defaults are the paper's, in one place")
  func paperDefaults() {
    let teacher = TeacherTraining.paper
    #expect(teacher.hiddenSize == 100 && teacher.layers == 3 && teacher.initialisations == 5)
    #expect(teacher.training.learningRate == 0.001)
    let student = StudentDistillation.paper
    #expect(student.hiddenSize == 8 && student.layers == 1)
    #expect(student.training.learningRate == 0.1)
    for config in [teacher.training, student.training] {
      #expect(config.maxEpochs == 500 && config.batchSize == 32)
      #expect(
        config.earlyStoppingPatience == 50 && config.clipNorm == 1 && config.plateauPatience == 20)
    }
  }
}
