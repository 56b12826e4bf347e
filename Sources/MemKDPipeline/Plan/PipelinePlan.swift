import Foundation
import MemKDCore

/// The steps of a pipeline, in an order where every step follows its dependencies.
///
/// Each step's hash covers: its kind, the package version, and
/// - teacher: the dataset name, the SHA-256 of its TRAIN and TEST files, and the teacher
///   variant (preprocessing, split, architecture, optimisation; not its label);
/// - trace: the teacher step's hash;
/// - student: the trace step's hash, the student variant (method, options, architecture,
///   optimisation; not its label nor the rest of its beta grid), beta and seed.
/// Labels, axes and grids are left out so that renaming an ablation or widening a grid never
/// retrains a finished run.
public struct PipelinePlan: Sendable {
  public let spec: PipelineSpec
  public let steps: [PipelineStep]

  /// Plans `spec`, reading each dataset's files once to checksum them.
  /// - Throws: `DataError` when a dataset is not found under the data root.
  public init(spec: PipelineSpec) throws {
    var checksums: [String: [String]] = [:]
    for dataset in spec.datasets {
      let directory = try DataLocator.datasetDirectory(name: dataset, explicit: spec.dataRoot)
      let format = DatasetFormat.detect(name: dataset, directory: directory)
      checksums[dataset] = try ["TRAIN", "TEST"].map { split in
        try SHA256.hexDigest(ofFile: format.path(name: dataset, split: split, directory: directory))
      }
    }
    self.init(spec: spec, dataChecksums: checksums)
  }

  /// Plans `spec` with given data checksums (dataset -> [TRAIN, TEST] SHA-256).
  public init(spec: PipelineSpec, dataChecksums: [String: [String]]) {
    self.spec = spec
    var steps: [PipelineStep] = []
    for dataset in spec.datasets {
      for teacher in spec.teachers {
        var neutralTeacher = teacher
        neutralTeacher.axes = [:]
        let teacherHash = Self.hash(
          TeacherKey(
            kind: "teacher", version: MemKDVersion.string, dataset: dataset,
            data: dataChecksums[dataset] ?? [], teacher: neutralTeacher))
        let teacherStep = PipelineStep(
          kind: .teacher, id: Self.id(.teacher, teacherHash), hash: teacherHash, dependencies: [],
          dataset: dataset, teacher: teacher)
        let traceHash = Self.hash(
          LinkKey(kind: "trace", version: MemKDVersion.string, upstream: teacherHash))
        let traceStep = PipelineStep(
          kind: .trace, id: Self.id(.trace, traceHash), hash: traceHash,
          dependencies: [teacherStep.id], dataset: dataset, teacher: teacher)
        steps += [teacherStep, traceStep]
        for student in spec.students {
          // Labels, the beta grid and the selection only name options the variant holds: a
          // point of a `select:` grid is the same step as the plain variant with those options
          // (and shares its result with another pipeline's).
          var neutralStudent = student
          neutralStudent.axes = [:]
          neutralStudent.betaGrid = []
          neutralStudent.selection = nil
          for beta in student.betaGrid {
            for seed in spec.seeds {
              let hash = Self.hash(
                StudentKey(
                  kind: "student", version: MemKDVersion.string, upstream: traceHash,
                  student: neutralStudent, beta: beta, seed: seed))
              steps.append(
                PipelineStep(
                  kind: .student, id: Self.id(.student, hash), hash: hash,
                  dependencies: [traceStep.id, teacherStep.id], dataset: dataset,
                  teacher: teacher, student: student, beta: beta, seed: seed))
            }
          }
        }
      }
    }
    // The same step can be reached twice (two identical teacher variants are rejected by the
    // spec, but keep the plan a set anyway): first occurrence wins.
    var seen = Set<String>()
    self.steps = steps.filter { seen.insert($0.id).inserted }
  }

  /// The step with `id`.
  public func step(_ id: String) -> PipelineStep? { steps.first { $0.id == id } }

  /// Steps of shard `index` of `count`: every `count`-th step of each kind, so every shard gets
  /// a share of the slow teachers and of the many students. Deterministic: it depends only on
  /// the plan.
  public func shard(_ index: Int, of count: Int) -> [PipelineStep] {
    precondition(count >= 1 && (0..<count).contains(index), "shard \(index)/\(count)")
    var position: [PipelineStep.Kind: Int] = [:]
    return steps.filter { step in
      defer { position[step.kind, default: 0] += 1 }
      return position[step.kind, default: 0] % count == index
    }
  }

  // MARK: - Hashing

  struct TeacherKey: Encodable {
    var kind: String
    var version: String
    var dataset: String
    var data: [String]
    var teacher: TeacherVariant
  }

  struct LinkKey: Encodable {
    var kind: String
    var version: String
    var upstream: String
  }

  struct StudentKey: Encodable {
    var kind: String
    var version: String
    var upstream: String
    var student: StudentVariant
    var beta: Double
    var seed: UInt64
  }

  /// SHA-256 of the key's JSON with sorted keys (stable across runs and machines).
  static func hash(_ key: some Encodable) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    // Encoding plain structs of numbers, strings and arrays cannot fail.
    let data = (try? encoder.encode(key)) ?? Data()
    return SHA256.hexDigest(data)
  }

  static func id(_ kind: PipelineStep.Kind, _ hash: String) -> String {
    "\(kind.rawValue)-\(hash.prefix(16))"
  }
}
