import MemKDCore

/// A benchmark workload: one training epoch of a model shape on synthetic data.
struct Workload {
  var name: String
  var config: ModelConfig
  var learningRate: Double
  /// CE alone when nil; otherwise `CE + beta * L_KD` with cached (synthetic) teacher traces.
  var objective: (any TrainingObjective)? = nil

  /// Matrix-product FLOP of one epoch, the same model as `bench/pytorch_reference.py`: per layer
  /// and sample-step `2 (D + H) G H` forward (G gate blocks), backward twice forward, plus the head.
  func flopPerEpoch(samples: Int, length: Int) -> Double {
    var perStep = 0
    for layer in 0..<config.layers {
      perStep +=
        2 * (config.layerInputSize(layer) + config.hiddenSize) * config.cell.gateCount
        * config.hiddenSize
    }
    let forward = samples * length * perStep + samples * 2 * config.hiddenSize * config.classes
    return Double(3 * forward)
  }

  /// Wall seconds of `repeats` epochs after one warm-up epoch.
  func epochSeconds(data: SeriesSet, batchSize: Int, repeats: Int, threads: Int) throws -> [Double]
  {
    var model = RecurrentClassifier<Float>(config: config, seed: 0)
    let trainer = try Trainer(
      config: TrainingConfig(learningRate: learningRate, batchSize: batchSize, clipNorm: 1.0),
      threads: threads, objective: objective ?? CrossEntropyObjective())
    var state = trainer.start(model)
    let clock = ContinuousClock()
    var times: [Double] = []
    for epoch in 0...repeats {
      let start = clock.now
      _ = try trainer.runEpoch(&model, state: &state, train: data, epoch: epoch + 1)
      if epoch > 0 { times.append((clock.now - start).seconds) }
    }
    return times
  }
}

/// Synthetic teacher traces for `samples` series: logits `[N, C]` and three layers of hidden
/// states `[N, T, 100]` in (-1, 1), as a trained 3 x 100 teacher's would be.
func syntheticTeacher(samples: Int, length: Int, classes: Int) -> (
  logits: [Float], hidden: [[Float]]
) {
  var generator = SeededGenerator(seed: 99)
  let logits: [Float] = (0..<(samples * classes)).map { _ in Float(generator.uniform(-3.0, 3.0)) }
  let hidden: [[Float]] = (0..<3).map { _ in
    (0..<(samples * length * 100)).map { _ in Float(generator.uniform(-0.9, 0.9)) }
  }
  return (logits, hidden)
}

/// Synthetic series of the benchmark's shape: standard-normal-like values, uniform labels.
func syntheticData(samples: Int, length: Int, classes: Int) -> SeriesSet {
  var generator = SeededGenerator(seed: 1234)
  let values: [Float] = (0..<(samples * length)).map { _ in
    // Sum of uniforms: roughly normal, cheap and reproducible.
    Float((0..<4).reduce(0.0) { sum, _ in sum + generator.uniform(-0.866, 0.866) })
  }
  let labels = (0..<samples).map { _ in generator.index(below: classes) }
  return SeriesSet(values: values, labels: labels, length: length, channels: 1)
}

extension ModelConfig {
  /// The same shape with another recurrent cell (the GRU and RNN student workloads).
  func with(cell: RecurrentCell) -> ModelConfig {
    var copy = self
    copy.cell = cell
    return copy
  }
}
