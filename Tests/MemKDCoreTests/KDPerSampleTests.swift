import MemKDCore
import Testing

/// Losses that declare `isPerSample`: the trainer then evaluates each shard of a batch on its
/// own core, which is only right when a slice of `b` of the batch's `B` rows gives `b / B` of
/// the loss and of every gradient. Checked in Double on a batch split unevenly.
@Suite("Per-sample losses")
struct KDPerSampleTests {
  /// Rows `rows` of a batch input, as a shard sees them.
  static func slice(_ input: DistillationInput<Double>, _ rows: Range<Int>)
    -> DistillationInput<Double>
  {
    func part(_ values: [Double], width: Int) -> [Double] {
      Array(values[(rows.lowerBound * width)..<(rows.upperBound * width)])
    }
    let sequence = input.length * input.teacherHiddenSize
    return DistillationInput(
      batch: rows.count, length: input.length, classes: input.classes,
      labels: Array(input.labels[rows]),
      studentLogits: part(input.studentLogits, width: input.classes),
      studentHidden: part(input.studentHidden, width: input.length * input.studentHiddenSize),
      studentHiddenSize: input.studentHiddenSize,
      teacherLogits: part(input.teacherLogits, width: input.classes),
      teacherHidden: input.teacherHidden.map { part($0, width: sequence) },
      teacherHiddenSize: input.teacherHiddenSize, epoch: input.epoch)
  }

  static let losses: [any DistillationLoss] = [VIDLoss(), DT2WLoss(), DT2WLoss(gamma: 0.3)]

  @Test("declared per-sample", arguments: [VIDLoss().name, DT2WLoss().name])
  func declared(name: String) {
    #expect(Self.losses.first { $0.name == name }?.isPerSample == true)
  }

  @Test("two uneven shards add up to the whole batch (value and every gradient, 1e-12)")
  func shardsAddUp() {
    for loss in Self.losses {
      let input = VIDDT2WTestSupport.randomInput(
        seed: 5, batch: 11, length: 6, studentHidden: 3, teacherHidden: 4, teacherLayers: 2)
      let parameters = loss.initialParameters(
        studentHiddenSize: 3, teacherHiddenSize: 4, seed: 9
      ).map { $0.map(Double.init) }
      var generator = SeededGenerator(seed: 1)
      let whole = loss.evaluate(input, parameters: parameters, generator: &generator)
      var value = 0.0
      var hidden: [Double] = []
      var gradients = parameters.map { [Double](repeating: 0, count: $0.count) }
      for rows in [0..<4, 4..<11] {
        var copy = SeededGenerator(seed: 1)
        let share = Double(rows.count) / 11
        let part = loss.evaluate(Self.slice(input, rows), parameters: parameters, generator: &copy)
        value += share * part.value
        hidden += (part.studentHidden ?? []).map { share * $0 }
        for (index, tensor) in part.parameters.enumerated() {
          for element in tensor.indices { gradients[index][element] += share * tensor[element] }
        }
      }
      #expect(abs(value - whole.value) < 1e-12 * max(1, abs(whole.value)), "\(loss.name) value")
      let wholeHidden = whole.studentHidden ?? []
      #expect(hidden.count == wholeHidden.count, "\(loss.name) hidden gradient shape")
      #expect(
        zip(hidden, wholeHidden).allSatisfy { abs($0 - $1) < 1e-12 }, "\(loss.name) hidden gradient"
      )
      for (index, tensor) in whole.parameters.enumerated() {
        #expect(
          zip(gradients[index], tensor).allSatisfy { abs($0 - $1) < 1e-12 },
          "\(loss.name) parameter \(index)")
      }
    }
  }
}
