import Testing

@testable import memkd_script

@Suite("train-teacher arguments")
struct TrainTeacherArgumentTests {
  @Test("defaults follow the protocol")
  func defaults() throws {
    let command = try TrainTeacher.parse(["--dataset", "FaceAll"])
    let config = command.teacher.protocolConfig(threads: 2)
    #expect(config.initialisations == 5)
    #expect(config.training.maxEpochs == 500)
    #expect(config.training.earlyStoppingPatience == 50)
    #expect(config.training.batchSize == 32)
    #expect(config.training.learningRate == 0.001)
    #expect(config.hiddenSize == 100 && config.layers == 3)
    #expect(config.training.clipNorm == 1.0)
    #expect(config.training.plateauPatience == 20)
    #expect(command.preprocessingOptions.preprocessing.length == 100)
    #expect(command.preprocessingOptions.preprocessing.zNormalize)
  }

  @Test("impossible values are rejected naming the flag",
    arguments: [
      (["--seeds", "0"], "--seeds"), (["--clip", "-1"], "--clip"),
      (["--validation-fraction", "1.5"], "--validation-fraction"), (["--length", "1"], "--length"),
      (["--epochs", "0"], "--epochs"), (["--lr", "0"], "--lr"), (["--threads", "0"], "--threads"),
      (["--checkpoint-every", "0"], "--checkpoint-every"),
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
    #expect(command.teacher.trainingConfig.clipNorm == nil)
    #expect(command.teacher.trainingConfig.plateauPatience == nil)
  }

  @Test("--resume refuses settings that would contradict the checkpoint")
  func resumeConflicts() {
    do {
      _ = try TrainTeacher.parse(["--resume", "t.h5", "--epochs", "3", "--length", "50"])
      Issue.record("accepted conflicting options")
    } catch {
      let message = TrainTeacher.message(for: error)
      #expect(message.contains("--epochs") && message.contains("--length"), "\(message)")
    }
  }
}
