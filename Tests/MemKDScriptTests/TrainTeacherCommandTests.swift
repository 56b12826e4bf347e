import Testing

@testable import memkd_script

@Suite("train-teacher arguments")
struct TrainTeacherArgumentTests {
  @Test("defaults follow the protocol")
  func defaults() throws {
    let command = try TrainTeacher.parse(["--dataset", "FaceAll"])
    #expect(command.seeds == 5)
    #expect(command.epochs == 500)
    #expect(command.patience == 50)
    #expect(command.batchSize == 32)
    #expect(command.hidden == 100 && command.layers == 3)
    #expect(command.trainingConfig.clipNorm == 1.0)
    #expect(command.trainingConfig.plateauPatience == 20)
  }

  @Test("impossible values are rejected naming the flag",
    arguments: [
      (["--seeds", "0"], "--seeds"), (["--clip", "-1"], "--clip"),
      (["--validation-fraction", "1.5"], "--validation-fraction"), (["--length", "1"], "--length"),
      (["--epochs", "0"], "epochs"), (["--lr", "0"], "learning rate"),
    ])
  func rejected(arguments: [String], flag: String) {
    do {
      _ = try TrainTeacher.parse(["--dataset", "X"] + arguments)
      Issue.record("accepted \(arguments)")
    } catch {
      #expect(TrainTeacher.message(for: error).contains(flag), "\(TrainTeacher.message(for: error))")
    }
  }

  @Test("zero turns clipping and the plateau schedule off")
  func switches() throws {
    let command = try TrainTeacher.parse(["--dataset", "X", "--clip", "0", "--plateau-patience", "0"])
    #expect(command.trainingConfig.clipNorm == nil)
    #expect(command.trainingConfig.plateauPatience == nil)
  }
}
