import MemKDCore
import MemKDTestSupport
import Testing

/// Every distillation loss composed with a student of every cell: `CE + L_KD` on a Double
/// student, with the loss's logit and hidden-sequence gradients injected into BPTT, against
/// finite differences of every student parameter. The teacher's quantities are arrays of any
/// width, so this is distillation across cells: an LSTM teacher's `h` against a GRU or RNN
/// student's.
@Suite("Distillation losses through every cell's backward")
struct DistillationThroughLSTMTests {
  static let methods = DistillationMethod.allCases.filter { $0 != .base }

  @Test(
    "student parameter gradients match finite differences",
    arguments: methods, RecurrentCell.allCases)
  func throughCell(method: DistillationMethod, cell: RecurrentCell) throws {
    let loss = try #require(method.loss())
    let (B, T, classes, teacherHidden) = (3, 6, 3, 4)
    let config = ModelConfig(
      cell: cell, inputSize: 1, hiddenSize: 3, layers: 1, classes: classes)
    var random = RandomTensors(seed: 31)
    let student = RecurrentClassifier<Double>(parameters: random.parameters(config, scale: 0.5))
    let inputs: [Double] = random.uniform(B * T, scale: 1.5)
    let labels = random.labels(B, classes: classes)
    let teacherLogits: [Double] = random.uniform(B * classes, scale: 2)
    let teacherLayers: [[Double]] = (0..<3).map { _ in random.uniform(B * T * teacherHidden) }
    let extra = loss.initialParameters(
      studentHiddenSize: 3, teacherHiddenSize: teacherHidden, seed: 5
    )
    .map { $0.map { Double($0) } }
    let generator = SeededGenerator(seed: 77)

    func evaluate(_ model: RecurrentClassifier<Double>) -> (Double, ModelParameters<Double>) {
      let pass = model.forward(inputs: inputs, batch: B)
      let (ce, ceGradient) = CrossEntropy.lossAndGradient(
        logits: pass.logits, labels: labels, classes: classes)
      var copy = generator
      let kd = loss.evaluate(
        DistillationInput(
          batch: B, length: T, classes: classes, labels: labels, studentLogits: pass.logits,
          studentHidden: pass.hiddenSequence(layer: 0), studentHiddenSize: 3,
          teacherLogits: teacherLogits, teacherHidden: teacherLayers,
          teacherHiddenSize: teacherHidden, epoch: 30),
        parameters: extra, generator: &copy)
      var logitGradient = ceGradient
      if let extraLogits = kd.studentLogits {
        for index in logitGradient.indices { logitGradient[index] += extraLogits[index] }
      }
      let gradients = model.backward(
        pass, logitGradient: logitGradient,
        hiddenGradients: kd.studentHidden.map { [0: $0] } ?? [:])
      return (ce + kd.value, gradients.parameters)
    }

    let analytic = evaluate(student).1
    var worst = (error: 0.0, name: "")
    for (tensor, values) in student.parameters.tensors.enumerated() {
      for element in values.indices {
        let numeric = FiniteDifference.derivative(of: values, at: element) { shifted in
          var model = student
          model.parameters.tensors[tensor] = shifted
          return evaluate(model).0
        }
        let error = FiniteDifference.relativeError(analytic.tensors[tensor][element], numeric)
        if error > worst.error {
          worst = (error, "\(student.parameters.names[tensor])[\(element)]")
        }
      }
    }
    #expect(
      worst.error < 1e-6,
      "\(method.rawValue), \(cell.rawValue): worst \(worst.name) relative error \(worst.error)")
  }
}

@Suite("Teacher layers each loss reads")
struct TeacherLayersReadTests {
  /// A loss given only the layers it declares gives the same value as with every layer.
  @Test("declared layers suffice", arguments: DistillationMethod.allCases.filter { $0 != .base })
  func declaredLayersSuffice(method: DistillationMethod) throws {
    let loss = try #require(method.loss())
    var random = RandomTensors(seed: 3)
    let (B, T, C, Ht) = (2, 5, 3, 4)
    let layers: [[Double]] = (0..<3).map { _ in random.uniform(B * T * Ht) }
    let read = Set(loss.teacherLayersRead(layerCount: 3))
    func input(_ teacher: [[Double]]) -> DistillationInput<Double> {
      var values = RandomTensors(seed: 4)
      return DistillationInput(
        batch: B, length: T, classes: C, labels: [0, 2], studentLogits: values.uniform(B * C),
        studentHidden: values.uniform(B * T * 3), studentHiddenSize: 3,
        teacherLogits: values.uniform(B * C), teacherHidden: teacher, teacherHiddenSize: Ht,
        epoch: 5)
    }
    let extra = loss.initialParameters(studentHiddenSize: 3, teacherHiddenSize: Ht, seed: 1)
      .map { $0.map { Double($0) } }
    var first = SeededGenerator(seed: 9)
    var second = first
    let full = loss.evaluate(input(layers), parameters: extra, generator: &first)
    let sparse = loss.evaluate(
      input(layers.indices.map { read.contains($0) ? layers[$0] : [] }), parameters: extra,
      generator: &second)
    #expect(full.value == sparse.value)
  }
}
