import Testing

@testable import memkd_script

@Suite("train-teacher arguments")
struct TrainTeacherArgumentTests {
  @Test("defaults follow the protocol")
  func defaults() throws {
    let command = try TrainTeacher.parse(["--dataset", "FaceAll"])
    let (preprocessing, config) = try TeacherFlags.settings(command.options, threads: 2)
    #expect(config.initialisations == 5)
    #expect(config.training.maxEpochs == 500)
    #expect(config.training.earlyStoppingPatience == 50)
    #expect(config.training.batchSize == 32)
    #expect(config.training.learningRate == 0.001)
    #expect(config.hiddenSize == 100 && config.layers == 3)
    #expect(config.training.clipNorm == 1.0)
    #expect(config.training.plateauPatience == 20)
    #expect(preprocessing.length == 100)
    #expect(preprocessing.zNormalize)
  }

  @Test(
    "impossible values are rejected naming the flag",
    arguments: [
      (["--inits", "0"], "--inits"), (["--seeds", "3"], "--seeds is now --inits"),
      (["--clip", "-1"], "--clip"),
      (["--validation-fraction", "1.5"], "--validation-fraction"), (["--length", "1"], "--length"),
      (["--epochs", "0"], "--epochs"), (["--lr", "0"], "--lr"), (["--threads", "0"], "--threads"),
      (["--checkpoint-every", "0"], "--checkpoint-every"),
    ])
  func rejected(arguments: [String], flag: String) {
    do {
      _ = try TrainTeacher.parse(["--dataset", "X"] + arguments)
      Issue.record("accepted \(arguments)")
    } catch {
      #expect(
        TrainTeacher.message(for: error).contains(flag), "\(TrainTeacher.message(for: error))")
    }
  }

  @Test("zero turns clipping and the plateau schedule off")
  func switches() throws {
    let command = try TrainTeacher.parse(["--dataset", "X", "--clip", "0", "--plateau=0"])
    let training = try TeacherFlags.settings(command.options, threads: 1).recipe.training
    #expect(training.clipNorm == nil)
    #expect(training.plateauPatience == nil)
  }

  @Test("flags: --key=value, a true/false option as --key / --no-key, unknown flags named")
  func flagSyntax() throws {
    let command = try TrainTeacher.parse([
      "--dataset", "X", "--no-z-normalize", "--lr=0.01", "--inits", "2",
    ])
    let (preprocessing, recipe) = try TeacherFlags.settings(command.options, threads: 1)
    #expect(!preprocessing.zNormalize)
    #expect(recipe.training.learningRate == 0.01 && recipe.initialisations == 2)
    let on = try TrainTeacher.parse(["--dataset", "X", "--z-normalize", "false", "--epochs", "3"])
    #expect(try !TeacherFlags.settings(on.options, threads: 1).preprocessing.zNormalize)
    do {
      _ = try TrainTeacher.parse(["--dataset", "X", "--lrr", "0.1"])
      Issue.record("accepted --lrr")
    } catch {
      #expect(TrainTeacher.message(for: error).contains("unknown option '--lrr'"))
    }
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
