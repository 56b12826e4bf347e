import MemKDTestSupport
import Testing

@testable import MemKDCore

/// MemKD's precomputed teacher distances (`TeacherPairDistances`) and the per-shard evaluation
/// of per-sample losses (`DistillationObjective` with `BatchSharding.gradient`): both are speed
/// paths and must not change what is computed.
@Suite("MemKD teacher table and per-shard objective")
struct KDMemKDTeacherTableTests {
  typealias Loss = MemKDLoss

  @Test(
    "every pair t1 < t2 has its own offset, short pairs first and contiguous",
    arguments: [1, 2, 3, 7, 20])
  func offsets(length: Int) throws {
    let table = try #require(
      TeacherPairDistances<Double>(
        hidden: [Double](repeating: 0, count: length), samples: 1, length: length, size: 1,
        layer: 0))
    var seen = Set<Int>()
    for first in 0..<length {
      for second in (first + 1)..<max(length, first + 1) {
        seen.insert(table.offset(first, second))
      }
    }
    #expect(seen == Set(0..<(length * (length - 1) / 2)))
    for t in 0..<max(length - 1, 0) { #expect(table.offset(t, t + 1) == t) }
  }

  @Test("looked-up distances and norms equal direct Euclidean norms")
  func distances() throws {
    var random = RandomTensors(seed: 5)
    let (samples, length, size) = (3, 6, 45)
    let hidden: [Double] = random.uniform(samples * length * size)
    let table = try #require(
      TeacherPairDistances(hidden: hidden, samples: samples, length: length, size: size, layer: 2))
    func state(_ n: Int, _ t: Int) -> ArraySlice<Double> {
      hidden[((n * length + t) * size)..<((n * length + t + 1) * size)]
    }
    for n in 0..<samples {
      for first in 0..<length {
        let norm = state(n, first).reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(table.norm(sample: n, step: first) - norm) <= 1e-12)
        for second in (first + 1)..<length {
          let direct = zip(state(n, second), state(n, first))
            .reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
          #expect(abs(table.distance(sample: n, first, second) - direct) <= 1e-12)
        }
      }
    }
  }

  @Test("no table above the size limit")
  func sizeLimit() {
    let hidden = [Float](repeating: 0, count: 4 * 10 * 2)
    #expect(
      TeacherPairDistances(
        hidden: hidden, samples: 4, length: 10, size: 2, layer: 0, maxEntries: 179) == nil)
    #expect(
      TeacherPairDistances(
        hidden: hidden, samples: 4, length: 10, size: 2, layer: 0, maxEntries: 180) != nil)
  }

  struct TableCase: CustomTestStringConvertible, Sendable {
    var normalization: Loss.Normalization
    var terms: Loss.Terms
    var testDescription: String { "\(normalization.rawValue), \(terms.rawValue)" }
  }

  static let tableCases = Loss.Normalization.allCases.flatMap { normalization in
    Loss.Terms.allCases.map { TableCase(normalization: normalization, terms: $0) }
  }

  @Test(
    "MemKD with the table equals MemKD measuring the teacher, bit for bit", arguments: tableCases)
  func tableMatchesMeasuring(_ c: TableCase) throws {
    let loss = Loss(terms: c.terms, normalization: c.normalization)
    // A "training set" of 5 series; the batch is rows [3, 0, 3, 1] of it.
    let (samples, length, size, layers) = (5, 7, 4, 3)
    var random = RandomTensors(seed: 11)
    let all: [[Double]] = (0..<layers).map { _ in random.uniform(samples * length * size) }
    let rows = [3, 0, 3, 1]
    let gathered = all.map { layer in
      rows.flatMap { row in layer[(row * length * size)..<((row + 1) * length * size)] }
    }
    var measured = KDMemKDGroup.randomInput(
      seed: 12, batch: rows.count, length: length, teacherSize: size, layers: layers)
    measured.teacherHidden = gathered
    var lookedUp = measured
    lookedUp.teacherHidden = gathered.indices.map { _ in [] }
    lookedUp.teacherPairs = try #require(
      TeacherPairDistances(
        hidden: all[layers - 1], samples: samples, length: length, size: size, layer: layers - 1))
    lookedUp.teacherRows = rows
    var g1 = SeededGenerator(seed: 3)
    var g2 = g1
    let a = loss.evaluate(measured, parameters: [], generator: &g1)
    let b = loss.evaluate(lookedUp, parameters: [], generator: &g2)
    #expect(a.value == b.value)
    #expect(a.studentHidden == b.studentHidden)
    #expect(g1.state == g2.state)
  }

  @Test("a table of another layer is ignored: the loss measures the layer it reads")
  func otherLayer() throws {
    let loss = Loss(teacherLayer: 0)
    var input = KDMemKDGroup.randomInput(seed: 13, batch: 2, length: 6, teacherSize: 4, layers: 2)
    var generator = SeededGenerator(seed: 1)
    let expected = loss.evaluate(input, parameters: [], generator: &generator).value
    input.teacherPairs = TeacherPairDistances(
      hidden: input.teacherHidden[1], samples: 2, length: 6, size: 4, layer: 1)
    input.teacherRows = [0, 1]
    generator = SeededGenerator(seed: 1)
    #expect(loss.evaluate(input, parameters: [], generator: &generator).value == expected)
  }

  /// One batch of a small task through `DistillationObjective` with a given shard count.
  func objectiveGradient(_ loss: Loss, shards: Int) throws -> (BatchGradient, SeededGenerator) {
    let (count, length, classes, teacherSize) = (24, 12, 3, 6)
    let train = sineTask(count: count, length: length, classes: classes, seed: 3)
    var random = SeededGenerator(seed: 8)
    let teacherHidden = (0..<2).map { _ in
      (0..<(count * length * teacherSize)).map { _ in Float(random.uniform(-0.9, 0.9)) }
    }
    let teacherLogits = (0..<(count * classes)).map { _ in Float(random.uniform(-2.0, 2.0)) }
    let objective = try DistillationObjective(
      loss: loss, beta: 3, teacherLogits: teacherLogits, teacherHidden: teacherHidden,
      teacherHiddenSize: teacherSize, length: length, studentHiddenSize: 5)
    let model = RecurrentClassifier<Float>(
      config: ModelConfig(inputSize: 1, hiddenSize: 5, layers: 1, classes: classes), seed: 4)
    let trainer = try Trainer(
      config: TrainingConfig(learningRate: 0.1, batchShards: shards), threads: 2,
      objective: objective)
    var generator = SeededGenerator(seed: 21)
    let gradient = objective.batchGradient(
      model, rows: [5, 17, 2, 9, 11, 0, 23, 8, 14], train: train, extra: [], epoch: 1,
      generator: &generator, sharding: trainer.sharding)
    return (gradient, generator)
  }

  @Test("per-shard MemKD equals the whole batch's loss and gradient", arguments: [2, 3, 4])
  func perShard(shards: Int) throws {
    for normalization in Loss.Normalization.allCases {
      let loss = Loss(normalization: normalization)
      let (whole, wholeGenerator) = try objectiveGradient(loss, shards: 1)
      let (sharded, shardedGenerator) = try objectiveGradient(loss, shards: shards)
      #expect(loss.isPerSample == (normalization != .batchMean))
      #expect(abs(whole.loss - sharded.loss) <= 1e-5 * max(1, abs(whole.loss)), "\(normalization)")
      for (a, b) in zip(whole.model.joined(), sharded.model.joined()) {
        #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "\(normalization)")
      }
      // Every shard drew the same long pairs, and the run's generator moved on once.
      #expect(wholeGenerator.state == shardedGenerator.state)
    }
  }
}
