import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Issue 15's hostile inputs at the core: each is a thrown error or a flagged NaN, never a trap.
@Suite("Core: hostile input is an error or a flagged value")
struct HostileInputCoreTests {
  @Test("a run whose weights overflow (lr 1e10, clip off) throws instead of reaching the metrics")
  func divergenceThrows() throws {
    let train = sineTask(count: 24, length: 12, classes: 2, seed: 1)
    let validation = sineTask(count: 8, length: 12, classes: 2, seed: 2)
    var model = RecurrentClassifier<Float>(
      config: ModelConfig(inputSize: 1, hiddenSize: 4, layers: 1, classes: 2), seed: 0)
    let trainer = try Trainer(
      config: TrainingConfig(learningRate: 1e10, maxEpochs: 3, clipNorm: nil), threads: 1)
    do {
      _ = try trainer.fit(&model, train: train, validation: validation)
      Issue.record("a run at lr 1e10 without clipping finished")
    } catch let error as TrainingError {
      #expect("\(error)".hasPrefix("training diverged"), "\(error)")
    }
  }

  @Test("NaN scores give NaN curve metrics, not a precondition failure")
  func nanScores() {
    let positives = [true, false, true]
    #expect(Metrics.rocAUC(scores: [0.2, .nan, 0.4], positives: positives)?.isNaN == true)
    #expect(Metrics.averagePrecision(scores: [.nan, 1, 0], positives: positives)?.isNaN == true)
  }

  @Test(
    "sizes past the budget are refused before anything is allocated",
    arguments: [
      (1, 1 << 62, 1, 2, "sizes above 1048576"), (1, 100_000, 1, 2, "parameters, more than"),
      (1, 100, 100_000, 2, "parameters, more than"), (1, 8, 1, 2, nil),
    ] as [(Int, Int, Int, Int, String?)])
  func parameterBudget(input: Int, hidden: Int, layers: Int, classes: Int, fragment: String?) {
    let config = ModelConfig(inputSize: input, hiddenSize: hidden, layers: layers, classes: classes)
    if let fragment {
      #expect(config.validationError?.contains(fragment) == true, "\(config.validationError ?? "")")
    } else {
      #expect(config.validationError == nil)
    }
  }
}

extension HostileInputCoreTests {
  @Test("traces larger than a layer's budget are refused before computing, naming the sizes")
  func tracesBudget() {
    let teacher = ModelConfig(inputSize: 1, hiddenSize: 1024, layers: 3, classes: 2)
    let problem = TeacherTraces.sizeProblem(count: 1 << 20, length: 1 << 10, config: teacher)
    #expect(
      problem
        == "traces of 1048576 series x 1024 steps x 1024 units per layer are more than the "
        + "1073741824 values (4 GiB of float32) a layer's traces may hold")
    let paper = ModelConfig(inputSize: 1, hiddenSize: 100, layers: 3, classes: 42)
    #expect(TeacherTraces.sizeProblem(count: 1800, length: 750, config: paper) == nil)
    #expect(TeacherTraces.sizeProblem(count: .max, length: 2, config: teacher) != nil)
  }
}
