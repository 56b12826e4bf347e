import ArgumentParser
import MemKDCore

/// Builds the `TeacherRun` for `train-teacher`: fresh from options, or resumed from a file.
enum TeacherSession {
  static func starting(
    data: DataOptions, preprocessing: Preprocessing, protocolConfig: TeacherTraining,
    out: String?
  ) throws -> TeacherRun {
    let name = try data.name(recorded: nil)
    let dataset = try data.load(name, preprocessing: preprocessing)
    return TeacherRun(
      dataset: dataset, protocolConfig: protocolConfig, out: out ?? "\(name)-teacher.h5")
  }

  static func resuming(_ path: String, data: DataOptions, threads: Int) throws -> TeacherRun {
    let checkpoint = try ModelCheckpoint.read(from: path)
    // A kill during a checkpoint write leaves its hidden temporary file; this run now owns the path.
    HDF5File.removeStaleTemporaries(for: path)
    let dataset = try loadDataset(for: checkpoint, path: path, options: data)
    return try TeacherRun.resuming(
      checkpoint, path: path, dataset: dataset, threads: threads, out: path)
  }
}
