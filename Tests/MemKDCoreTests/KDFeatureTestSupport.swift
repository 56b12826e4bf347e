import MemKDCore
import MemKDTestSupport
import Testing

/// Shared helpers for the feature-based distillation losses' tests (AT, RKD, NST, FitNet).
enum FeatureKD {
  /// A random input: hidden states uniform in (-1, 1) like LSTM outputs, `layers` teacher layers.
  static func input(
    batch: Int = 3, length: Int = 5, studentWidth: Int = 3, teacherWidth: Int = 4,
    layers: Int = 3, classes: Int = 3, seed: UInt64
  ) -> DistillationInput<Double> {
    var random = RandomTensors(seed: seed)
    return DistillationInput(
      batch: batch, length: length, classes: classes,
      labels: random.labels(batch, classes: classes),
      studentLogits: random.uniform(batch * classes, scale: 2),
      studentHidden: random.uniform(batch * length * studentWidth),
      studentHiddenSize: studentWidth,
      teacherLogits: random.uniform(batch * classes, scale: 2),
      teacherHidden: (0..<layers).map { _ in random.uniform(batch * length * teacherWidth) },
      teacherHiddenSize: teacherWidth)
  }

  /// The loss value with a fresh copy of the same generator (identical random choices).
  static func value<L: DistillationLoss>(
    _ loss: L, _ input: DistillationInput<Double>, parameters: [[Double]] = []
  ) -> Double {
    var generator = SeededGenerator(seed: 7)
    return loss.evaluate(input, parameters: parameters, generator: &generator).value
  }

  static func output<L: DistillationLoss>(
    _ loss: L, _ input: DistillationInput<Double>, parameters: [[Double]] = []
  ) -> DistillationOutput<Double> {
    var generator = SeededGenerator(seed: 7)
    return loss.evaluate(input, parameters: parameters, generator: &generator)
  }

  /// Largest relative error between the analytic gradient and the finite-difference one over
  /// every element of `studentHidden` and of every parameter tensor.
  static func worstGradientError<L: DistillationLoss>(
    _ loss: L, _ input: DistillationInput<Double>, parameters: [[Double]] = []
  ) -> (error: Double, location: String) {
    let analytic = output(loss, input, parameters: parameters)
    var worst = (error: 0.0, location: "none")
    func record(_ a: Double, _ numeric: Double, _ location: @autoclosure () -> String) {
      let error = FiniteDifference.relativeError(a, numeric)
      if error > worst.error || error.isNaN {
        worst = (error, "\(location()) analytic \(a) numeric \(numeric)")
      }
    }
    let hiddenGradient = analytic.studentHidden ?? []
    if hiddenGradient.count != input.studentHidden.count {
      return (.infinity, "studentHidden gradient has \(hiddenGradient.count) elements")
    }
    for index in input.studentHidden.indices {
      let numeric = FiniteDifference.derivative(of: input.studentHidden, at: index) { values in
        var shifted = input
        shifted.studentHidden = values
        return value(loss, shifted, parameters: parameters)
      }
      record(hiddenGradient[index], numeric, "studentHidden[\(index)]")
    }
    if analytic.parameters.count != parameters.count {
      return (.infinity, "\(analytic.parameters.count) parameter gradients for \(parameters.count)")
    }
    for tensor in parameters.indices {
      for index in parameters[tensor].indices {
        let numeric = FiniteDifference.derivative(of: parameters[tensor], at: index) { values in
          var shifted = parameters
          shifted[tensor] = values
          return value(loss, input, parameters: shifted)
        }
        record(analytic.parameters[tensor][index], numeric, "parameters[\(tensor)][\(index)]")
      }
    }
    return worst
  }

  /// `input` with every hidden state multiplied: the student's by `student`, every teacher
  /// layer's by `teacher`.
  static func scaled(
    _ input: DistillationInput<Double>, student: Double, teacher: Double
  ) -> DistillationInput<Double> {
    var result = input
    result.studentHidden = input.studentHidden.map { $0 * student }
    result.teacherHidden = input.teacherHidden.map { layer in layer.map { $0 * teacher } }
    return result
  }

  /// The same input in Float.
  static func float(_ input: DistillationInput<Double>) -> DistillationInput<Float> {
    DistillationInput(
      batch: input.batch, length: input.length, classes: input.classes, labels: input.labels,
      studentLogits: input.studentLogits.map { Float($0) },
      studentHidden: input.studentHidden.map { Float($0) },
      studentHiddenSize: input.studentHiddenSize,
      teacherLogits: input.teacherLogits.map { Float($0) },
      teacherHidden: input.teacherHidden.map { layer in layer.map { Float($0) } },
      teacherHiddenSize: input.teacherHiddenSize, epoch: input.epoch)
  }

  /// Runs `loss` at the real sizes (B 32, T 100, Hs 8, Ht 100, 3 layers) in Float and Double and
  /// returns the largest relative difference of the value and of the gradients.
  static func floatAgreement<L: DistillationLoss>(
    _ loss: L, parameters: [[Double]] = [], seed: UInt64 = 5
  ) -> Double {
    let input = Self.input(batch: 32, length: 100, studentWidth: 8, teacherWidth: 100, seed: seed)
    let double = output(loss, input, parameters: parameters)
    var generator = SeededGenerator(seed: 7)
    let single = loss.evaluate(
      float(input), parameters: parameters.map { $0.map { Float($0) } }, generator: &generator)
    func difference(_ a: [Double], _ b: [Float]) -> Double {
      let scale = a.reduce(0) { max($0, abs($1)) }
      return zip(a, b).reduce(0) { max($0, abs($1.0 - Double($1.1))) } / max(scale, 1e-30)
    }
    var worst = abs(double.value - Double(single.value)) / max(abs(double.value), 1e-30)
    worst = max(worst, difference(double.studentHidden ?? [], single.studentHidden ?? []))
    for (a, b) in zip(double.parameters, single.parameters) { worst = max(worst, difference(a, b)) }
    return worst
  }
}
