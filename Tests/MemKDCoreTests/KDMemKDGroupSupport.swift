import MemKDCore
import MemKDTestSupport

/// Helpers shared by the MemKD, Base-KD and DKD tests (fixture group "memkd").
enum KDMemKDGroup {
  /// Random small inputs: hidden states uniform in (-1, 1) like LSTM states, logits uniform in
  /// `(-logitScale, logitScale)`, labels uniform.
  static func randomInput(
    seed: UInt64, batch: Int = 3, length: Int = 5, classes: Int = 3, studentSize: Int = 3,
    teacherSize: Int = 4, layers: Int = 3, logitScale: Double = 2, epoch: Int = 30
  ) -> DistillationInput<Double> {
    var random = RandomTensors(seed: seed)
    return DistillationInput(
      batch: batch, length: length, classes: classes,
      labels: random.labels(batch, classes: classes),
      studentLogits: random.uniform(batch * classes, scale: logitScale),
      studentHidden: random.uniform(batch * length * studentSize),
      studentHiddenSize: studentSize,
      teacherLogits: random.uniform(batch * classes, scale: logitScale),
      teacherHidden: (0..<layers).map { _ in random.uniform(batch * length * teacherSize) },
      teacherHiddenSize: teacherSize, epoch: epoch)
  }

  /// Largest `FiniteDifference.relativeError` of the analytic gradient over every element of the
  /// student quantities the loss returns a gradient for (nil: no gradient returned). Every
  /// evaluation gets a copy of the same generator, so random choices (MemKD's long pairs) agree.
  static func worstGradientErrors(
    _ loss: some DistillationLoss, _ input: DistillationInput<Double>, generatorSeed: UInt64 = 77,
    step: Double = 1e-3
  ) -> (logits: Double?, hidden: Double?, detail: String) {
    let generator = SeededGenerator(seed: generatorSeed)
    func value(_ input: DistillationInput<Double>) -> Double {
      var copy = generator
      return loss.evaluate(input, parameters: [], generator: &copy).value
    }
    var copy = generator
    let analytic = loss.evaluate(input, parameters: [], generator: &copy)
    var detail = ""
    func worst(
      _ gradient: [Double]?, _ values: [Double], _ name: String,
      _ replace: @escaping (inout DistillationInput<Double>, [Double]) -> Void
    ) -> Double? {
      guard let gradient else { return nil }
      precondition(gradient.count == values.count, "\(name): gradient size")
      var largest = 0.0
      for index in values.indices {
        let numeric = FiniteDifference.derivative(of: values, at: index, step: step) { shifted in
          var changed = input
          replace(&changed, shifted)
          return value(changed)
        }
        let error = FiniteDifference.relativeError(gradient[index], numeric)
        if error > largest {
          largest = error
          detail += "\(name)[\(index)]: analytic \(gradient[index]) numeric \(numeric); "
        }
      }
      return largest
    }
    let logits = worst(analytic.studentLogits, input.studentLogits, "studentLogits") {
      $0.studentLogits = $1
    }
    let hidden = worst(analytic.studentHidden, input.studentHidden, "studentHidden") {
      $0.studentHidden = $1
    }
    return (logits, hidden, detail)
  }

  /// `input` with the student's hidden sequence replaced (sizes follow).
  static func withStudentHidden(
    _ input: DistillationInput<Double>, _ hidden: [Double], size: Int
  ) -> DistillationInput<Double> {
    var changed = input
    changed.studentHidden = hidden
    changed.studentHiddenSize = size
    return changed
  }
}
