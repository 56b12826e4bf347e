import Foundation
import MemKDCore
import Testing

@testable import MemKDPipeline

@Suite("Pipeline spec parsing")
struct PipelineSpecTests {
  @Test("a full file parses with every option and the seeds count expanded")
  func fullFile() throws {
    let spec = try PipelineSpec.parse(
      yaml: """
        name: full-run_1.0
        output: results/full
        data:
          root: ../shared/ucr/UCRArchive_2018
          datasets: [ItalyPowerDemand, MoteStrain]
        preprocessing:
          length: 64
          z_normalize: false
        teacher:
          layers: 2
          hidden: 50
          inits: 3
          lr: 1e-3
          epochs: 100
          patience: 10
          batch_size: 16
          clip: 0
          plateau: 0
          validation_fraction: 0.25
          seed: 7
        students:
          - method: memkd
            beta_grid: [1, 10]
            terms: short
            normalization: step-norm
            long_pairs: 4
            short_weight: 2
            long_weight: 0.5
            teacher_layer: 1
            hidden: 4
            layers: 2
            lr: 0.05
            epochs: 20
            patience: 5
            batch_size: 8
            clip: 2.5
            plateau: 3
          - method: fitnet
            beta: 100
        seeds: 3
        """, file: "full.yaml")

    #expect(spec.name == "full-run_1.0")
    #expect(spec.file == "full.yaml")
    #expect(spec.output == "results/full")
    #expect(spec.dataRoot == "../shared/ucr/UCRArchive_2018")
    #expect(spec.datasets == ["ItalyPowerDemand", "MoteStrain"])
    #expect(spec.seeds == [0, 1, 2])

    let teacher = TeacherVariant(
      preprocessing: Preprocessing(length: 64, zNormalize: false),
      recipe: TeacherTraining(
        training: TrainingConfig(
          learningRate: 0.001, maxEpochs: 100, batchSize: 16, earlyStoppingPatience: 10,
          clipNorm: nil, plateauPatience: nil, seed: 7),
        initialisations: 3, hiddenSize: 50, layers: 2, validationFraction: 0.25))
    #expect(spec.teachers == [teacher])

    var memkd = MemKDSpec()
    memkd.terms = .short
    memkd.normalization = .stepNorm
    memkd.longPairs = 4
    memkd.shortWeight = 2
    memkd.longWeight = 0.5
    memkd.teacherLayer = 1
    let student = StudentVariant(
      method: .memkd, memkd: memkd, betaGrid: [1, 10],
      recipe: StudentDistillation(
        training: TrainingConfig(
          learningRate: 0.05, maxEpochs: 20, batchSize: 8, earlyStoppingPatience: 5,
          clipNorm: 2.5, plateauPatience: 3),
        hiddenSize: 4, layers: 2))
    #expect(spec.students == [student, StudentVariant(method: .fitnet, betaGrid: [100])])
  }

  @Test("a minimal file gets every default")
  func defaults() throws {
    let spec = try PipelineSpec.parse(
      yaml: """
        name: minimal
        data: {datasets: Wafer}
        students: [{method: memkd}, {method: base}]
        """, file: "minimal.yaml")
    #expect(spec.output == "out/minimal")
    #expect(spec.dataRoot == nil)
    #expect(spec.datasets == ["Wafer"])
    #expect(spec.seeds == [0, 1, 2, 3, 4])
    #expect(spec.teachers == [TeacherVariant()])
    #expect(spec.students == [StudentVariant(method: .memkd), StudentVariant(method: .base)])
    #expect(spec.students[0].betaGrid == [1, 10, 100])
    #expect(spec.students[1].betaGrid == [0])
  }

  @Test("seeds as a list keep their order; empty teacher and preprocessing mean defaults")
  func seedList() throws {
    let spec = try PipelineSpec.parse(
      yaml: """
        name: s
        data: {datasets: [A]}
        teacher:
        preprocessing:
        students: [{method: dkd}]
        seeds: [3, 1, 4]
        """, file: "s.yaml")
    #expect(spec.seeds == [3, 1, 4])
    #expect(spec.teachers == [TeacherVariant()])
  }

  @Test("student list options expand into a cross product, first key slowest")
  func studentAxes() throws {
    let spec = try PipelineSpec.parse(
      yaml: """
        name: ablation-short-long
        data: {datasets: [ItalyPowerDemand]}
        students:
          - method: base
          - method: memkd
            terms: [short, long, both]
            hidden: 8
            normalization: [none, step-norm]
        """, file: "ablation.yaml")
    #expect(spec.students.count == 7)
    #expect(spec.students[0] == StudentVariant(method: .base))
    let memkd = Array(spec.students.dropFirst())
    #expect(
      memkd.map(\.label) == [
        "memkd normalization=none terms=short",
        "memkd normalization=step-norm terms=short",
        "memkd normalization=none terms=long",
        "memkd normalization=step-norm terms=long",
        "memkd normalization=none terms=both",
        "memkd normalization=step-norm terms=both",
      ])
    #expect(memkd.map { $0.memkd?.terms } == [.short, .short, .long, .long, .both, .both])
    let normalizations: [MemKDLoss.Normalization] = [
      .none, .stepNorm, .none, .stepNorm, .none, .stepNorm,
    ]
    #expect(memkd.compactMap { $0.memkd?.normalization } == normalizations)
    #expect(memkd[0].axes == ["terms": "short", "normalization": "none"])
    #expect(memkd.allSatisfy { $0.hiddenSize == 8 && $0.betaGrid == [1, 10, 100] })
  }

  @Test("axes record numbers as written; beta lists are axes, beta_grid is not")
  func numericAxes() throws {
    let spec = try PipelineSpec.parse(
      yaml: """
        name: lr
        data: {datasets: [A]}
        students:
          - {method: at, lr: [1e-2, 0.1], beta_grid: [1, 2]}
          - {method: rkd, beta: [1, 10]}
        """, file: "lr.yaml")
    #expect(spec.students.map(\.label) == ["at lr=1e-2", "at lr=0.1", "rkd beta=1", "rkd beta=10"])
    #expect(spec.students.map(\.training.learningRate) == [0.01, 0.1, 0.1, 0.1])
    #expect(spec.students.map(\.betaGrid) == [[1, 2], [1, 2], [1], [10]])
  }

  @Test("a method list expands into one variant per method")
  func methodAxis() throws {
    let spec = try PipelineSpec.parse(
      yaml: """
        name: baselines
        data: {datasets: [A]}
        students: [{method: [base-kd, nst], hidden: [4, 8]}]
        """, file: "m.yaml")
    #expect(spec.students.map(\.method) == [.baseKD, .baseKD, .nst, .nst])
    #expect(spec.students.map(\.hiddenSize) == [4, 8, 4, 8])
    #expect(spec.students[2].betaGrid == DistillationMethod.nst.defaultBetaGrid)
    #expect(spec.students[2].label == "nst hidden=4 method=nst")
  }

  @Test("preprocessing and teacher options expand together, in file order")
  func teacherAxes() throws {
    let spec = try PipelineSpec.parse(
      yaml: """
        name: teachers
        data: {datasets: [A]}
        teacher:
          hidden: [50, 100]
          clip: [0, 1.0]
        preprocessing:
          length: [64, 128]
          z_normalize: true
        students: [{method: base}]
        """, file: "t.yaml")
    #expect(spec.teachers.count == 8)
    #expect(spec.teachers.map(\.hiddenSize) == [50, 50, 50, 50, 100, 100, 100, 100])
    #expect(spec.teachers.map(\.training.clipNorm) == [nil, nil, 1, 1, nil, nil, 1, 1])
    #expect(spec.teachers.map(\.preprocessing.length) == [64, 128, 64, 128, 64, 128, 64, 128])
    #expect(spec.teachers[0].axes == ["hidden": "50", "clip": "0", "length": "64"])
    #expect(spec.teachers[7].label == "teacher clip=1.0 hidden=100 length=128")
  }

  @Test("error descriptions leave out missing parts")
  func errorDescription() {
    let full = PipelineSpecError(
      file: "p.yaml", line: 3, column: 5, key: "teacher.lr", message: "m")
    #expect(full.description == "p.yaml:3:5: teacher.lr: m")
    let noKey = PipelineSpecError(file: "p.yaml", line: 3, column: nil, key: "", message: "m")
    #expect(noKey.description == "p.yaml:3: m")
    let fileOnly = PipelineSpecError(file: "p.yaml", line: nil, column: nil, key: "", message: "m")
    #expect(fileOnly.description == "p.yaml: m")
  }
}

@Suite("Pipeline spec loading")
struct PipelineSpecLoadTests {
  /// A fresh directory per test: tests run in parallel.
  private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("pipeline-spec-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  @Test("load reads a file and records its path")
  func loadFile() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("p.yaml")
    try Data("name: p\ndata: {datasets: [A]}\nstudents: [{method: vid}]\n".utf8).write(to: url)
    let spec = try PipelineSpec.load(path: url.path)
    #expect(spec.file == url.path)
    #expect(spec.students == [StudentVariant(method: .vid)])
  }

  @Test("a missing file is an error naming it")
  func missingFile() {
    let path = "/nonexistent/pipeline-\(UUID().uuidString).yaml"
    #expect(
      throws: PipelineSpecError(
        file: path, line: nil, column: nil, key: "", message: "no such file")
    ) { try PipelineSpec.load(path: path) }
  }

  @Test("a directory and a non-UTF-8 file are errors")
  func unreadable() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let error = #expect(throws: PipelineSpecError.self) {
      try PipelineSpec.load(path: directory.path)
    }
    #expect(error?.message.contains("directory") == true)

    let latin1 = directory.appendingPathComponent("latin1.yaml")
    try Data([0x6E, 0x61, 0x6D, 0x65, 0x3A, 0x20, 0xE9, 0x0A]).write(to: latin1)
    let notUTF8 = #expect(throws: PipelineSpecError.self) {
      try PipelineSpec.load(path: latin1.path)
    }
    #expect(notUTF8?.file == latin1.path)
    #expect(notUTF8?.message.contains("UTF-8") == true)
  }
}
