import MemKDCore
import Testing

/// Losses that precompute teacher-only work once per run (`prepare`): looked up per batch row,
/// the precomputed values give bit-identical values and gradients to computing them from the
/// teacher's hidden states, so a protocol run's students are unchanged by the precomputation.
@Suite("KD losses: teacher work precomputed per run")
struct KDTeacherPreparationTests {
  static let shapes: [(batch: Int, length: Int, student: Int, teacher: Int)] = [
    (3, 5, 3, 4), (2, 3, 4, 6), (1, 1, 2, 3), (4, 7, 2, 5),
  ]

  static let losses: [any DistillationLoss] = [
    NSTLoss(), NSTLoss(teacherLayer: 1), NSTLoss(includeTeacherKernel: false),
    AttentionTransferLoss(),
    AttentionTransferLoss(teacherLayer: 0),
  ]

  @Test("precomputed per-row values: bit-identical value and gradient, rows in any order")
  func bitIdentical() throws {
    for loss in Self.losses {
      for (index, shape) in Self.shapes.enumerated() {
        let double = FeatureKD.input(
          batch: shape.batch, length: shape.length, studentWidth: shape.student,
          teacherWidth: shape.teacher, seed: UInt64(index + 1))
        let full = FeatureKD.float(double)
        let preparation = try #require(
          loss.prepare(
            teacherHidden: full.teacherHidden, length: shape.length, hiddenSize: shape.teacher),
          "\(loss.name)")
        let values = try #require(preparation.rowValues)
        let width = preparation.valuesPerRow
        #expect(values.count == shape.batch * width)
        // Rows looked up out of order, as a shuffled batch does.
        let rows = Array((0..<shape.batch).reversed())
        let plain = FeatureKD.float(Self.reordered(double, rows: rows))
        var prepared = plain
        prepared.teacherRowValues = rows.flatMap { values[($0 * width)..<(($0 + 1) * width)] }
        if let layer = preparation.replacedLayer { prepared.teacherHidden[layer] = [] }
        var generator = SeededGenerator(seed: 0)
        let expected = loss.evaluate(plain, parameters: [], generator: &generator)
        let actual = loss.evaluate(prepared, parameters: [], generator: &generator)
        #expect(actual.value == expected.value, "\(loss.name) shape \(index)")
        #expect(actual.studentHidden == expected.studentHidden, "\(loss.name) shape \(index)")
      }
    }
  }

  @Test("no preparation when there is nothing to precompute")
  func nothingToPrecompute() {
    let input = FeatureKD.float(FeatureKD.input(seed: 3))
    #expect(
      FitNetLoss().prepare(teacherHidden: input.teacherHidden, length: 5, hiddenSize: 4) == nil)
  }

  /// `input` with its batch rows in the order `rows`.
  static func reordered(_ input: DistillationInput<Double>, rows: [Int])
    -> DistillationInput<Double>
  {
    func take(_ values: [Double], width: Int) -> [Double] {
      rows.flatMap { values[($0 * width)..<(($0 + 1) * width)] }
    }
    var result = input
    result.labels = rows.map { input.labels[$0] }
    result.studentLogits = take(input.studentLogits, width: input.classes)
    result.teacherLogits = take(input.teacherLogits, width: input.classes)
    result.studentHidden = take(input.studentHidden, width: input.length * input.studentHiddenSize)
    result.teacherHidden = input.teacherHidden.map {
      take($0, width: input.length * input.teacherHiddenSize)
    }
    return result
  }
}
