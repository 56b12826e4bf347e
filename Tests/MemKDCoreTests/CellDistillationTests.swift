import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Distillation across cells: a teacher of any cell (its traces) with a student of any cell,
/// through `StudentDistillation.run`, the path the CLI and the pipelines take.
@Suite("Distillation across cells")
struct CellDistillationTests {
  /// A 2 x 5 teacher of `cell` (seeded initialisation: what is distilled does not matter here)
  /// and its traces of the training split, as files.
  static func teacherData(_ cell: RecurrentCell) throws -> DistillationData {
    let (teacherPath, teacher, _, tracesPath) = try SmallTeacher.seededTeacherFiles(
      cell: cell, hidden: 5, seed: 9)
    return try DistillationData(
      dataset: SmallTeacher.dataset, teacher: teacher, teacherPath: teacherPath,
      traces: try TeacherTraces.read(from: tracesPath), tracesPath: tracesPath)
  }

  @Test(
    "every teacher cell with every student cell: MemKD (last layer) and FitNet (middle layer)",
    arguments: RecurrentCell.allCases)
  func acrossCells(teacherCell: RecurrentCell) throws {
    let data = try Self.teacherData(teacherCell)
    for studentCell in RecurrentCell.allCases {
      let student = StudentDistillation(
        training: TrainingConfig(learningRate: 0.05, maxEpochs: 2, batchSize: 16),
        hiddenSize: 3, layers: 1, cell: studentCell)
      for method in [DistillationMethod.memkd, .fitnet] {
        let run = try student.run(
          method: method, loss: method.loss(), beta: method.anchorWeight, seed: 1, data: data)
        let what = "\(teacherCell) teacher, \(studentCell) student, \(method)"
        #expect(run.model.config.cell == studentCell, "\(what)")
        #expect(run.history.epochs.count == 2, "\(what)")
        #expect(run.history.epochs.allSatisfy { $0.trainLoss.isFinite }, "\(what)")
        let path = try TestFiles.temporaryDirectory().appendingPathComponent("s.h5").path
        try StudentCheckpoints.checkpoint(run, data: data, training: student.training)
          .write(to: path)
        let read = try ModelCheckpoint.read(from: path)
        #expect(read.config.cell == studentCell && read.parameters == run.model.parameters)
      }
    }
  }
}
