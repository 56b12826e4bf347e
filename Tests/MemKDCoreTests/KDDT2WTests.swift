import MemKDCore
import MemKDTestSupport
import Testing

/// DT2WLoss: exact gradients (finite differences in Double) and soft-DTW's properties.
@Suite("DT2W loss")
struct KDDT2WTests {
  /// Soft-DTW of two 1-D sequences of equal length through the loss with an identity
  /// projection (`W = [[1]]`, `b = [0]`, the teacher's only layer is `y`).
  static func softDTW(_ x: [Double], _ y: [Double], gamma: Double) -> Double {
    precondition(x.count == y.count)
    let input = DistillationInput<Double>(
      batch: 1, length: x.count, classes: 2, labels: [0], studentLogits: [0, 0],
      studentHidden: x, studentHiddenSize: 1, teacherLogits: [0, 0], teacherHidden: [y],
      teacherHiddenSize: 1)
    var generator = SeededGenerator(seed: 0)
    return DT2WLoss(gamma: gamma).evaluate(input, parameters: [[1], [0]], generator: &generator)
      .value
  }

  /// Random projection parameters `[W [Ht, Hs], b [Ht]]`, uniform in [-0.8, 0.8).
  static func randomParameters(seed: UInt64, student: Int, teacher: Int) -> [[Double]] {
    var random = RandomTensors(seed: seed)
    return [random.uniform(teacher * student, scale: 0.8), random.uniform(teacher, scale: 0.8)]
  }

  struct Shape: Sendable, CustomTestStringConvertible {
    var batch: Int, length: Int, student: Int, teacher: Int, layers: Int, layer: Int?
    var gamma: Double
    var testDescription: String {
      "B \(batch) T \(length) Hs \(student) Ht \(teacher) gamma \(gamma)"
    }
  }

  /// T = 1, 2 and 17 (required by the issue), B = 3 x T = 5, two groups of lanes (B = 33), a
  /// padded group (B = 9), a middle teacher layer and a small gamma.
  static let shapes: [Shape] = [
    Shape(batch: 3, length: 1, student: 3, teacher: 4, layers: 1, layer: nil, gamma: 1),
    Shape(batch: 3, length: 2, student: 3, teacher: 4, layers: 1, layer: nil, gamma: 1),
    Shape(batch: 2, length: 17, student: 3, teacher: 4, layers: 3, layer: nil, gamma: 1),
    Shape(batch: 3, length: 5, student: 3, teacher: 4, layers: 2, layer: nil, gamma: 1),
    Shape(batch: 3, length: 5, student: 2, teacher: 3, layers: 3, layer: 1, gamma: 0.3),
    Shape(batch: 9, length: 3, student: 2, teacher: 2, layers: 1, layer: nil, gamma: 1),
    Shape(batch: 33, length: 2, student: 1, teacher: 2, layers: 1, layer: nil, gamma: 1),
  ]

  @Test("gradients of every student element and parameter vs finite differences", arguments: shapes)
  func gradients(shape: Shape) {
    for seed: UInt64 in [1, 2, 3] {
      let input = VIDDT2WTestSupport.randomInput(
        seed: seed, batch: shape.batch, length: shape.length, studentHidden: shape.student,
        teacherHidden: shape.teacher, teacherLayers: shape.layers)
      let parameters = Self.randomParameters(
        seed: seed + 100, student: shape.student, teacher: shape.teacher)
      let loss = DT2WLoss(teacherLayer: shape.layer, gamma: shape.gamma)
      let worst = VIDDT2WTestSupport.worstGradientError(loss, input: input, parameters: parameters)
      #expect(worst.error < 1e-6, "seed \(seed): \(worst.position), relative error \(worst.error)")
    }
  }

  @Test("T = 1: sdtw(x, x) = 0 (a single cell, D = 0)")
  func identicalSingleStep() {
    #expect(abs(Self.softDTW([0.7], [0.7], gamma: 1)) < 1e-15)
    // Multivariate, through the loss: Hs = Ht = 3, W = I, b = 0, teacher = student.
    let x: [Double] = [0.3, -0.9, 0.45]
    let input = DistillationInput<Double>(
      batch: 1, length: 1, classes: 2, labels: [0], studentLogits: [0, 0], studentHidden: x,
      studentHiddenSize: 3, teacherLogits: [0, 0], teacherHidden: [x], teacherHiddenSize: 3)
    var generator = SeededGenerator(seed: 0)
    let identity: [Double] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
    let output = DT2WLoss().evaluate(
      input, parameters: [identity, [0, 0, 0]], generator: &generator)
    #expect(abs(output.value) < 1e-15)
    #expect(output.studentHidden?.allSatisfy { abs($0) < 1e-15 } == true)
  }

  @Test("T = 2 hand value: sdtw([0, 1], [0, 1]) = -log(1 + 2/e)")
  func handValue() {
    let expected = -Double.log(1 + 2 / Double.exp(1))
    #expect(abs(Self.softDTW([0, 1], [0, 1], gamma: 1) - expected) < 1e-14)
    // R = D + softmin: D = [[0, 1], [1, 0]], R[1][1] = 0 + softmin(0, 1, 1).
  }

  @Test("sdtw(x, x) < 0 for T > 1, and sdtw is symmetric")
  func identicalAndSymmetric() {
    var random = RandomTensors(seed: 5)
    let x: [Double] = random.uniform(8)
    let y: [Double] = random.uniform(8)
    #expect(Self.softDTW(x, x, gamma: 1) < 0)
    let forward = Self.softDTW(x, y, gamma: 1)
    let backward = Self.softDTW(y, x, gamma: 1)
    #expect(abs(forward - backward) <= 1e-12 * abs(forward))
  }

  @Test("gamma -> 0 approaches hard DTW from below (x = [0, 1, 2], y = [0, 0, 2], DTW = 1)")
  func hardLimit() {
    let (x, y): ([Double], [Double]) = ([0, 1, 2], [0, 0, 2])
    var previousGap = Double.infinity
    for gamma in [1.0, 0.1, 0.01, 0.001, 1e-4] {
      let gap = 1 - Self.softDTW(x, y, gamma: gamma)
      // Each soft-min is at most gamma log 3 below the min, along at most 2T - 2 soft-mins.
      #expect(gap >= 0 && gap <= gamma * Double.log(3) * 4, "gamma \(gamma): gap \(gap)")
      #expect(gap < previousGap)
      previousGap = gap
    }
    #expect(previousGap < 1e-3)
  }

  @Test("large costs (teacher x 30, gamma 0.05): finite, exact gradients, weights far below 1e-300")
  func largeCosts() {
    var input = VIDDT2WTestSupport.randomInput(
      seed: 21, batch: 2, length: 6, studentHidden: 2, teacherHidden: 3, teacherLayers: 1)
    input.teacherHidden[0] = input.teacherHidden[0].map { 30 * $0 }
    let parameters = Self.randomParameters(seed: 22, student: 2, teacher: 3)
    let loss = DT2WLoss(gamma: 0.05)
    var generator = SeededGenerator(seed: 0)
    let output = loss.evaluate(input, parameters: parameters, generator: &generator)
    #expect(output.value.isFinite && output.value > 100)
    #expect(output.studentHidden!.allSatisfy { $0.isFinite })
    let worst = VIDDT2WTestSupport.worstGradientError(loss, input: input, parameters: parameters)
    #expect(worst.error < 1e-6, "\(worst.position), relative error \(worst.error)")
  }

  @Test("grouping: a batch of 40 (two groups, padded lanes) averages the per-sample values")
  func grouping() {
    let (batch, length, hs, ht) = (40, 6, 2, 3)
    let input = VIDDT2WTestSupport.randomInput(
      seed: 9, batch: batch, length: length, studentHidden: hs, teacherHidden: ht, teacherLayers: 1)
    let parameters = Self.randomParameters(seed: 10, student: hs, teacher: ht)
    var generator = SeededGenerator(seed: 0)
    let whole = DT2WLoss().evaluate(input, parameters: parameters, generator: &generator)
    var total = 0.0
    for b in 0..<batch {
      let single = DistillationInput<Double>(
        batch: 1, length: length, classes: 2, labels: [0], studentLogits: [0, 0],
        studentHidden: Array(input.studentHidden[(b * length * hs)..<((b + 1) * length * hs)]),
        studentHiddenSize: hs, teacherLogits: [0, 0],
        teacherHidden: [Array(input.teacherHidden[0][(b * length * ht)..<((b + 1) * length * ht)])],
        teacherHiddenSize: ht)
      let output = DT2WLoss().evaluate(single, parameters: parameters, generator: &generator)
      total += output.value
      // The single sample's gradient is B times its share of the batch gradient.
      let share = whole.studentHidden![(b * length * hs)..<((b + 1) * length * hs)]
      for (a, e) in zip(share, output.studentHidden!) {
        #expect(abs(a * Double(batch) - e) <= 1e-12 * max(1, abs(e)))
      }
    }
    #expect(abs(whole.value - total / Double(batch)) <= 1e-12 * abs(whole.value))
  }

  @Test("Float agrees with Double at a larger size (B 12, T 40, Ht 30)")
  func floatMatchesDouble() {
    let input = VIDDT2WTestSupport.randomInput(
      seed: 11, batch: 12, length: 40, studentHidden: 8, teacherHidden: 30, teacherLayers: 3)
    let parameters = Self.randomParameters(seed: 12, student: 8, teacher: 30)
    var generator = SeededGenerator(seed: 0)
    let double = DT2WLoss().evaluate(input, parameters: parameters, generator: &generator)
    let float = DT2WLoss().evaluate(
      VIDDT2WTestSupport.toFloat(input), parameters: parameters.map { $0.map { Float($0) } },
      generator: &generator)
    #expect(VIDDT2WTestSupport.close(Double(float.value), double.value, relative: 1e-5))
    let scale = double.studentHidden!.map(abs).max()!
    let worst = zip(float.studentHidden!, double.studentHidden!).map { abs(Double($0) - $1) }.max()!
    #expect(worst <= 1e-3 * scale, "worst \(worst) scale \(scale)")
  }

  @Test("initial parameters: nn.Linear shapes and bounds, reproducible from the seed")
  func initialParameters() {
    let loss = DT2WLoss()
    let parameters = loss.initialParameters(studentHiddenSize: 8, teacherHiddenSize: 100, seed: 4)
    #expect(parameters.map(\.count) == [800, 100])
    let bound = Float(1 / 8.0.squareRoot())
    #expect(parameters.joined().allSatisfy { abs($0) <= bound })
    #expect(parameters.joined().contains { abs($0) > bound * 0.9 })
    #expect(
      parameters == loss.initialParameters(studentHiddenSize: 8, teacherHiddenSize: 100, seed: 4))
    #expect(
      parameters != loss.initialParameters(studentHiddenSize: 8, teacherHiddenSize: 100, seed: 5))
    #expect(loss.name == "dt2w" && loss.gamma == 1 && loss.teacherLayer == nil)
  }
}
