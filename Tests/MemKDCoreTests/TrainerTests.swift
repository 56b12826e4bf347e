import MemKDCore
import MemKDTestSupport
import Testing

/// A small learnable task: class k series are noisy sines of frequency k + 1.
func sineTask(count: Int, length: Int = 20, classes: Int = 3, seed: UInt64) -> SeriesSet {
  var generator = SeededGenerator(seed: seed)
  var values: [Float] = []
  var labels: [Int] = []
  for index in 0..<count {
    let label = index % classes
    let phase = generator.uniform(0.0, 6.28)
    for t in 0..<length {
      let x = Double(t) / Double(length) * 6.28 * Double(label + 1) + phase
      values.append(Float(x.sinApproximation + generator.uniform(-0.2, 0.2)))
    }
    labels.append(label)
  }
  return SeriesSet(values: values, labels: labels, length: length)
}

extension Double {
  /// sin without Foundation (Taylor series after range reduction; accuracy is irrelevant here).
  fileprivate var sinApproximation: Double {
    var x = self.truncatingRemainder(dividingBy: 2 * Double.pi)
    if x > Double.pi { x -= 2 * Double.pi }
    var term = x
    var sum = x
    for n in 1..<10 {
      term *= -x * x / Double((2 * n) * (2 * n + 1))
      sum += term
    }
    return sum
  }
}

@Suite("Trainer")
struct TrainerTests {
  let train = sineTask(count: 48, seed: 1)
  let validation = sineTask(count: 24, seed: 2)
  let config = ModelConfig(inputSize: 1, hiddenSize: 8, layers: 1, classes: 3)

  func fit(
    _ training: TrainingConfig, threads: Int = 2, validation: SeriesSet? = nil
  ) throws -> (RecurrentClassifier<Float>, TrainingHistory) {
    var model = RecurrentClassifier<Float>(config: config, seed: training.seed)
    let history = try Trainer(config: training, threads: threads).fit(
      &model, train: train, validation: validation ?? self.validation)
    return (model, history)
  }

  @Test("same seed: bit-identical weights, losses and metrics")
  func deterministic() throws {
    let training = TrainingConfig(learningRate: 0.05, maxEpochs: 6, batchSize: 16, seed: 7)
    let (first, firstHistory) = try fit(training)
    let (second, secondHistory) = try fit(training)
    #expect(first.parameters == second.parameters)
    #expect(firstHistory.epochs.map(\.trainLoss) == secondHistory.epochs.map(\.trainLoss))
    #expect(first.evaluate(on: validation) == second.evaluate(on: validation))
  }

  @Test("thread count changes nothing")
  func threadIndependent() throws {
    let training = TrainingConfig(learningRate: 0.05, maxEpochs: 4, batchSize: 16, seed: 3)
    let (single, _) = try fit(training, threads: 1)
    let (double, _) = try fit(training, threads: 2)
    #expect(single.parameters == double.parameters)
  }

  @Test("a different seed gives different weights")
  func seedMatters() throws {
    let (first, _) = try fit(TrainingConfig(learningRate: 0.05, maxEpochs: 2, seed: 1))
    let (second, _) = try fit(TrainingConfig(learningRate: 0.05, maxEpochs: 2, seed: 2))
    #expect(first.parameters != second.parameters)
  }

  @Test("sharded batch gradient equals the whole-batch gradient", arguments: [1, 2, 3, 5])
  func shardsAgree(shards: Int) throws {
    let model = RecurrentClassifier<Float>(config: config, seed: 5)
    let (inputs, labels) = train.gather(0..<13)
    let whole = try Trainer(config: TrainingConfig(learningRate: 0.1, batchShards: 1))
      .sharding.crossEntropyGradient(model, inputs: inputs, labels: labels)
    let sharded = try Trainer(config: TrainingConfig(learningRate: 0.1, batchShards: shards))
      .sharding.crossEntropyGradient(model, inputs: inputs, labels: labels)
    #expect(abs(whole.loss - sharded.loss) < 1e-6)
    for (a, b) in zip(whole.gradients.joined(), sharded.gradients.joined()) {
      #expect(abs(a - b) <= 1e-6 * max(1, abs(a)))
    }
  }

  @Test("training learns the task")
  func learns() throws {
    let (model, history) = try fit(
      TrainingConfig(learningRate: 0.05, maxEpochs: 40, batchSize: 16, seed: 4))
    let result = model.evaluate(on: validation)
    #expect(history.bestValidationLoss < history.epochs[0].validationLoss)
    #expect(result.metrics.accuracy > 0.6, "accuracy \(result.metrics.accuracy)")
  }

  @Test("early stopping ends the run and restores the best-validation weights")
  func earlyStopping() throws {
    // Validation labels are permuted, so fitting the training set soon raises validation loss.
    var unrelated = validation
    unrelated.labels = unrelated.labels.map { ($0 + 1) % 3 }
    let training = TrainingConfig(
      learningRate: 0.05, maxEpochs: 200, batchSize: 16, earlyStoppingPatience: 3, seed: 5)
    let (model, history) = try fit(training, validation: unrelated)
    #expect(history.stoppedEarly)
    #expect(history.epochs.count == history.bestEpoch + 3)
    #expect(model.evaluate(on: unrelated).loss == history.bestValidationLoss)
  }

  @Test("a NaN loss stops the run naming epoch and batch")
  func nonFinite() throws {
    var broken = train
    broken.values[5] = .nan
    var model = RecurrentClassifier<Float>(config: config, seed: 1)
    let trainer = try Trainer(config: TrainingConfig(learningRate: 0.1, batchSize: 64))
    do {
      _ = try trainer.fit(&model, train: broken, validation: validation)
      Issue.record("a NaN input trained without error")
    } catch let error as TrainingError {
      guard case .nonFiniteLoss(let epoch, let batch, _) = error else {
        Issue.record("unexpected error \(error)")
        return
      }
      #expect(epoch == 1 && batch == 1)
      #expect(error.description.contains("epoch 1, batch 1"))
    }
  }

  @Test(
    "impossible options are rejected",
    arguments: [
      TrainingConfig(learningRate: 0), TrainingConfig(learningRate: 0.1, maxEpochs: 0),
      TrainingConfig(learningRate: 0.1, batchSize: 0),
      TrainingConfig(learningRate: 0.1, clipNorm: -1),
      TrainingConfig(learningRate: 0.1, plateauFactor: 1),
      TrainingConfig(learningRate: 0.1, batchShards: 0),
    ])
  func invalid(training: TrainingConfig) {
    #expect(throws: TrainingError.self) { _ = try Trainer(config: training) }
  }

  @Test("empty splits are errors")
  func emptySplits() throws {
    var model = RecurrentClassifier<Float>(config: config, seed: 1)
    let trainer = try Trainer(config: TrainingConfig(learningRate: 0.1))
    let empty = SeriesSet(values: [], labels: [], length: 20)
    #expect(throws: TrainingError.self) {
      _ = try trainer.fit(&model, train: empty, validation: validation)
    }
    #expect(throws: TrainingError.self) {
      _ = try trainer.fit(&model, train: train, validation: empty)
    }
  }
}

@Suite("Resuming a run")
struct ResumeTests {
  let train = sineTask(count: 40, seed: 11)
  let validation = sineTask(count: 20, seed: 12)
  let config = ModelConfig(inputSize: 1, hiddenSize: 8, layers: 2, classes: 3)
  let training = TrainingConfig(
    learningRate: 0.05, maxEpochs: 10, batchSize: 16, plateauPatience: 1, seed: 21)

  @Test("10 epochs straight equal 5, an interruption, and 5 more")
  func trainerResume() throws {
    let trainer = try Trainer(config: training)
    let model = RecurrentClassifier<Float>(config: config, seed: training.seed)
    var straight = trainer.start(model)
    try trainer.resume(&straight, train: train, validation: validation)

    var interrupted = trainer.start(model)
    try trainer.resume(
      &interrupted, train: train, validation: validation,
      afterEpoch: {
        $0.epochs.count < 5
      })
    #expect(interrupted.epochs.count == 5 && !interrupted.finished)
    var resumed = interrupted
    try trainer.resume(&resumed, train: train, validation: validation)

    #expect(resumed.parameters == straight.parameters)
    #expect(resumed.best == straight.best)
    #expect(resumed.optimizer == straight.optimizer)
    #expect(resumed.shuffles == straight.shuffles)
    #expect(resumed.epochs.map(\.validationLoss) == straight.epochs.map(\.validationLoss))
    #expect(resumed.epochs.map(\.learningRate) == straight.epochs.map(\.learningRate))
  }

  @Test("a stop asked mid-epoch leaves the state of the last finished epoch, and resumes exactly")
  func stopBetweenBatches() throws {
    let trainer = try Trainer(config: training)
    let model = RecurrentClassifier<Float>(config: config, seed: training.seed)
    var straight = trainer.start(model)
    try trainer.resume(&straight, train: train, validation: validation)

    // 40 series in batches of 16: three batches per epoch; stop before the 2nd of epoch 4.
    var asked = 0
    var stopped = trainer.start(model)
    try trainer.resume(
      &stopped, train: train, validation: validation,
      shouldStop: {
        asked += 1
        return asked == 3 * 3 + 2
      })
    #expect(stopped.epochs.count == 3 && !stopped.finished)
    var threeEpochs = trainer.start(model)
    try trainer.resume(
      &threeEpochs, train: train, validation: validation, afterEpoch: { $0.epochs.count < 3 })
    // Everything but the wall times.
    #expect(stopped.parameters == threeEpochs.parameters && stopped.best == threeEpochs.best)
    #expect(
      stopped.optimizer == threeEpochs.optimizer && stopped.objective == threeEpochs.objective)
    #expect(stopped.shuffles == threeEpochs.shuffles && stopped.bestEpoch == threeEpochs.bestEpoch)
    #expect(stopped.epochs.map(\.trainLoss) == threeEpochs.epochs.map(\.trainLoss))

    try trainer.resume(&stopped, train: train, validation: validation)
    #expect(stopped.parameters == straight.parameters && stopped.best == straight.best)
    #expect(stopped.optimizer == straight.optimizer && stopped.shuffles == straight.shuffles)
  }

  @Test("a multi-initialisation teacher run resumes mid-way through its second initialisation")
  func teacherResume() throws {
    let dataset = try UCRDataset.load(
      name: "ItalyPowerDemand",
      dataRoot: TestFiles.repositoryRoot.appendingPathComponent("data").path,
      preprocessing: Preprocessing(length: 24))
    var small = training
    small.maxEpochs = 4
    let protocolConfig = TeacherTraining(
      training: small, initialisations: 3, hiddenSize: 6, layers: 1)
    let straight = try #require(try protocolConfig.run(on: dataset))

    var saved: TeacherTraining.State?
    let stopped = try protocolConfig.run(
      on: dataset,
      afterEpoch: { state in
        saved = state
        return !(state.runs.count == 1 && state.current?.epochs.count == 2)
      })
    #expect(stopped == nil)
    let state = try #require(saved)
    #expect(state.runs.count == 1 && state.current?.epochs.count == 2)
    let resumed = try #require(try protocolConfig.run(on: dataset, from: state))
    #expect(resumed.model == straight.model)
    #expect(resumed.runs.map(\.test) == straight.runs.map(\.test))
    #expect(resumed.best.seed == straight.best.seed)
    // The time of the first sitting is kept: one finished initialisation and two epochs.
    let firstSitting =
      state.runs[0].history.seconds + state.current!.epochs.reduce(0) { $0 + $1.seconds }
    #expect(state.trainingSeconds > 0)
    #expect(abs(state.trainingSeconds - firstSitting) <= 1e-9 * firstSitting)
    #expect(TeacherTraining.State().trainingSeconds == 0)
  }
}
