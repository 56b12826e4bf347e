import MemKDCore
import MemKDTestSupport
import Testing

/// VIDLoss: exact gradients (finite differences in Double) and the Gaussian likelihood's
/// properties.
@Suite("VID loss")
struct KDVIDTests {
  /// Random `[W1 [Ht, Hs], W2 [Ht, Ht], W3 [Ht, Ht], a [Ht]]`: weights uniform in [-0.9, 0.9),
  /// `a` in [-1.5, 2.5) (variances from about 0.2 to 2.6).
  static func randomParameters(seed: UInt64, student: Int, teacher: Int) -> [[Double]] {
    var random = RandomTensors(seed: seed)
    let a: [Double] = random.uniform(teacher, scale: 2).map { $0 + 0.5 }
    return [
      random.uniform(teacher * student, scale: 0.9), random.uniform(teacher * teacher, scale: 0.9),
      random.uniform(teacher * teacher, scale: 0.9), a,
    ]
  }

  /// The regressor's output `r(Hs)` `[B*T, Ht]`, written out per time step (test oracle), and
  /// the smallest `|pre-activation|` of its two ReLUs.
  static func regress(_ input: DistillationInput<Double>, _ parameters: [[Double]])
    -> (output: [Double], margin: Double)
  {
    let (hs, ht) = (input.studentHiddenSize, input.teacherHiddenSize)
    var margin = Double.infinity
    func layer(_ w: [Double], _ v: [Double], inputs: Int, relu: Bool) -> [Double] {
      (0..<ht).map { o in
        let sum = (0..<inputs).reduce(0.0) { $0 + w[o * inputs + $1] * v[$1] }
        if relu { margin = min(margin, abs(sum)) }
        return relu ? max(sum, 0) : sum
      }
    }
    let output = (0..<(input.batch * input.length)).flatMap { row in
      let h = Array(input.studentHidden[(row * hs)..<((row + 1) * hs)])
      let h1 = layer(parameters[0], h, inputs: hs, relu: true)
      let h2 = layer(parameters[1], h1, inputs: ht, relu: true)
      return layer(parameters[2], h2, inputs: ht, relu: false)
    }
    return (output, margin)
  }

  static func variance(_ a: Double) -> Double { Double.log(1 + Double.exp(a)) + 1e-5 }

  struct Shape: Sendable, CustomTestStringConvertible {
    var batch: Int, length: Int, student: Int, teacher: Int, layers: Int, layer: Int?
    var testDescription: String {
      "B \(batch) T \(length) Hs \(student) Ht \(teacher) layer \(layer as Any)"
    }
  }

  static let shapes: [Shape] = [
    Shape(batch: 3, length: 5, student: 3, teacher: 4, layers: 2, layer: nil),
    Shape(batch: 2, length: 3, student: 2, teacher: 5, layers: 3, layer: 0),
    Shape(batch: 1, length: 1, student: 1, teacher: 2, layers: 1, layer: nil),
  ]

  /// The stencil moves a value by up to 2e-3, which moves a pre-activation by at most ~2e-3
  /// here: problems are redrawn (deterministically) until every ReLU input is 5e-3 away from
  /// its kink, where the loss is not differentiable.
  @Test("gradients of every student element and parameter vs finite differences", arguments: shapes)
  func gradients(shape: Shape) throws {
    for seed: UInt64 in [1, 2, 3] {
      let draws = (0..<UInt64(100)).lazy.map { attempt in
        let input = VIDDT2WTestSupport.randomInput(
          seed: seed * 1000 + attempt, batch: shape.batch, length: shape.length,
          studentHidden: shape.student, teacherHidden: shape.teacher, teacherLayers: shape.layers)
        let parameters = Self.randomParameters(
          seed: seed * 1000 + attempt + 500, student: shape.student, teacher: shape.teacher)
        return (input, parameters)
      }
      let (input, parameters) = try #require(draws.first { Self.regress($0.0, $0.1).margin > 5e-3 })
      let worst = VIDDT2WTestSupport.worstGradientError(
        VIDLoss(teacherLayer: shape.layer), input: input, parameters: parameters)
      #expect(worst.error < 1e-6, "seed \(seed): \(worst.position), relative error \(worst.error)")
    }
  }

  @Test("the loss matches the formula written per entry")
  func formula() {
    let input = VIDDT2WTestSupport.randomInput(
      seed: 4, batch: 2, length: 3, studentHidden: 3, teacherHidden: 4, teacherLayers: 2)
    let parameters = Self.randomParameters(seed: 5, student: 3, teacher: 4)
    let prediction = Self.regress(input, parameters).output
    var expected = 0.0
    for (index, r) in prediction.enumerated() {
      let variance = Self.variance(parameters[3][index % 4])
      let difference = r - input.teacherHidden[1][index]
      expected += 0.5 * (difference * difference / variance + Double.log(variance))
    }
    expected /= Double(prediction.count)
    var generator = SeededGenerator(seed: 0)
    let value = VIDLoss().evaluate(input, parameters: parameters, generator: &generator).value
    #expect(abs(value - expected) <= 1e-13 * abs(expected))
  }

  @Test("dL/da vanishes when (r - t)^2 = var for every entry")
  func varianceGradientVanishes() {
    var input = VIDDT2WTestSupport.randomInput(
      seed: 6, batch: 3, length: 4, studentHidden: 3, teacherHidden: 5, teacherLayers: 1)
    let parameters = Self.randomParameters(seed: 7, student: 3, teacher: 5)
    let prediction = Self.regress(input, parameters).output
    var signs = SeededGenerator(seed: 8)
    // t = r +- sqrt(var_d): every squared error equals its unit's variance.
    input.teacherHidden[0] = prediction.enumerated().map { index, r in
      let deviation = Self.variance(parameters[3][index % 5]).squareRoot()
      return signs.index(below: 2) == 0 ? r + deviation : r - deviation
    }
    var generator = SeededGenerator(seed: 0)
    let output = VIDLoss().evaluate(input, parameters: parameters, generator: &generator)
    #expect(output.parameters[3].allSatisfy { abs($0) < 1e-15 }, "\(output.parameters[3])")
    // ...while the regressor still gets a gradient.
    #expect(output.parameters[2].contains { abs($0) > 1e-3 })
  }

  @Test("the loss decreases along minus the gradient, at the rate |gradient|^2")
  func descent() {
    let input = VIDDT2WTestSupport.randomInput(
      seed: 9, batch: 3, length: 5, studentHidden: 3, teacherHidden: 4, teacherLayers: 2)
    let parameters = Self.randomParameters(seed: 10, student: 3, teacher: 4)
    var generator = SeededGenerator(seed: 0)
    let loss = VIDLoss()
    let start = loss.evaluate(input, parameters: parameters, generator: &generator)
    let gradients = [start.studentHidden!] + start.parameters
    let squaredNorm = gradients.joined().reduce(0) { $0 + $1 * $1 }
    for step in [1e-2, 1e-3, 1e-4] {
      var moved = input
      moved.studentHidden = zip(input.studentHidden, gradients[0]).map { $0 - step * $1 }
      let movedParameters = zip(parameters, start.parameters).map { p, g in
        zip(p, g).map { $0 - step * $1 }
      }
      let value = loss.evaluate(moved, parameters: movedParameters, generator: &generator).value
      #expect(value < start.value)
      let rate = (start.value - value) / step
      #expect(abs(rate - squaredNorm) <= 0.1 * squaredNorm * step / 1e-3 + 1e-9, "step \(step)")
    }
  }

  @Test("initial parameters: shapes, uniform(+-1/sqrt(fan_in)), variance 5, reproducible")
  func initialParameters() {
    let loss = VIDLoss()
    let parameters = loss.initialParameters(studentHiddenSize: 8, teacherHiddenSize: 100, seed: 3)
    #expect(parameters.map(\.count) == [800, 10_000, 10_000, 100])
    for (tensor, fanIn) in [(0, 8.0), (1, 100.0), (2, 100.0)] {
      let bound = Float(1 / fanIn.squareRoot())
      #expect(parameters[tensor].allSatisfy { abs($0) <= bound })
      #expect(parameters[tensor].contains { abs($0) > 0.9 * bound })
    }
    #expect(parameters[3].allSatisfy { abs(Self.variance(Double($0)) - 5) < 5e-6 })
    #expect(
      parameters == loss.initialParameters(studentHiddenSize: 8, teacherHiddenSize: 100, seed: 3))
    #expect(
      parameters != loss.initialParameters(studentHiddenSize: 8, teacherHiddenSize: 100, seed: 4))
    let other = VIDLoss(initialVariance: 2)
      .initialParameters(studentHiddenSize: 2, teacherHiddenSize: 3, seed: 1)
    #expect(other[3].allSatisfy { abs(Self.variance(Double($0)) - 2) < 2e-6 })
    #expect(loss.name == "vid" && loss.teacherLayer == nil && loss.initialVariance == 5)
  }

  @Test("Float agrees with Double at a larger size (B 8, T 20, Hs 8, Ht 30)")
  func floatMatchesDouble() {
    let input = VIDDT2WTestSupport.randomInput(
      seed: 12, batch: 8, length: 20, studentHidden: 8, teacherHidden: 30, teacherLayers: 3)
    let parameters = Self.randomParameters(seed: 13, student: 8, teacher: 30)
    var generator = SeededGenerator(seed: 0)
    let double = VIDLoss().evaluate(input, parameters: parameters, generator: &generator)
    let float = VIDLoss().evaluate(
      VIDDT2WTestSupport.toFloat(input), parameters: parameters.map { $0.map { Float($0) } },
      generator: &generator)
    #expect(VIDDT2WTestSupport.close(Double(float.value), double.value, relative: 1e-5))
    for (f, d) in zip(
      [float.studentHidden!] + float.parameters, [double.studentHidden!] + double.parameters)
    {
      let scale = d.map(abs).max()!
      let worst = zip(f, d).map { abs(Double($0) - $1) }.max()!
      #expect(worst <= 1e-4 * scale, "worst \(worst) scale \(scale)")
    }
  }
}
