import Foundation
import MemKDCore
import Yams

/// Reading and validating pipeline files.
///
/// The schema (all keys snake_case; every option of `preprocessing`, `teacher` and a student
/// entry may be a list, which makes it an ablation axis):
///
///     name: ablation-short-long          # required, [A-Za-z0-9._-]+
///     output: out/ablation-short-long    # optional, default out/<name>
///     data:
///       root: ../shared/ucr/UCRArchive_2018   # optional
///       datasets: [ItalyPowerDemand, MoteStrain]  # required; a list or one name
///     preprocessing: {length: 100, z_normalize: true}
///     teacher: {layers: 3, hidden: 100, inits: 5, lr: 0.001, epochs: 500, patience: 50,
///               batch_size: 32, clip: 1.0, plateau: 20, validation_fraction: 0.2, seed: 0}
///     students:                          # required, non-empty
///       - method: memkd                  # required
///         beta_grid: [1, 10, 100]        # or beta: 10; not for base
///         terms: [short, long, both]     # memkd only: terms, normalization, long_pairs,
///                                        # short_weight, long_weight, teacher_layer
///         hidden: 8                      # hidden, layers, lr, epochs, patience, batch_size,
///                                        # clip, plateau (as the teacher's)
///     select:                            # optional: chosen on validation with beta, per
///       lr: [0.1, 0.01]                  # method and dataset (any student option but
///                                        # method, beta and MemKD's; lists only)
///     seeds: 5                           # n (0..<n) or a list of unique ints; default 5
///
/// Why validation is this strict (unknown keys, floats for integers, duplicate keys are all
/// errors): a pipeline runs for hours, and a typo that silently falls back to a default
/// (`trems: short`) would only show up as a wrong table at the end.
extension PipelineSpec {
  static let topLevelKeys = [
    "name", "output", "data", "preprocessing", "teacher", "students", "select", "seeds",
  ]

  /// Reads and validates the pipeline file at `path`.
  ///
  /// - Throws: `PipelineSpecError` naming `path` when the file is missing, unreadable or not
  ///   UTF-8, or for any problem `parse(yaml:file:)` reports.
  public static func load(path: String) throws -> PipelineSpec {
    func failure(_ message: String) -> PipelineSpecError {
      PipelineSpecError(file: path, line: nil, column: nil, key: "", message: message)
    }
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw failure("no such file")
    }
    guard !isDirectory.boolValue else { throw failure("is a directory, not a pipeline file") }
    guard let data = FileManager.default.contents(atPath: path) else {
      throw failure("cannot be read")
    }
    guard let text = String(validating: data, as: UTF8.self) else {
      throw failure("is not valid UTF-8 text")
    }
    return try parse(yaml: text, file: path)
  }

  /// Parses and validates pipeline YAML; `file` only labels errors and `PipelineSpec.file`.
  ///
  /// - Throws: `PipelineSpecError` at the first problem, in file order within each mapping
  ///   (unknown and duplicate keys, then missing required keys, then values).
  public static func parse(yaml: String, file: String) throws -> PipelineSpec {
    let reader = YAMLReader(file: file)
    if let line = YAMLNesting.firstLineTooDeep(in: yaml) {
      throw PipelineSpecError(
        file: file, line: line, column: 1, key: "",
        message: "nested more than \(YAMLNesting.limit) levels deep; a pipeline file needs a few")
    }
    let composed: Node?
    do {
      composed = try Yams.compose(yaml: yaml)
    } catch {
      throw reader.syntaxError(error, yaml: yaml)
    }
    let required = "name, data and students"
    guard let root = composed else {
      throw PipelineSpecError(
        file: file, line: nil, column: nil, key: "",
        message: "the file is empty; expected a mapping with at least \(required)")
    }
    guard root.mapping != nil else {
      throw reader.error(
        root, "", "expected a mapping with at least \(required), got \(reader.describe(root))")
    }
    let entries = try reader.entries(
      of: root, path: "", allowed: topLevelKeys, what: "a mapping")
    for key in ["name", "data", "students"] {
      _ = try reader.required(key, in: entries, mapping: root, path: "")
    }

    var spec = PipelineSpec(
      name: "", file: file, output: "", dataRoot: nil, datasets: [], teachers: [],
      students: [], seeds: (0..<5).map(UInt64.init))
    var output: String?
    var teacherOptions: [WrittenOption<TeacherVariant>] = []
    var students: [(variant: StudentVariant, entry: Int)] = []
    var selectEntry: YAMLReader.Entry?
    for entry in entries {
      switch entry.key {
      case "name": spec.name = try name(entry, reader: reader)
      case "output": output = try reader.string(entry.value, path: entry.path)
      case "data": (spec.dataRoot, spec.datasets) = try data(entry, reader: reader)
      case "preprocessing", "teacher":
        guard !isNull(entry.value) else { continue }
        teacherOptions += try writtenOptions(
          entry.value, path: entry.path,
          options: entry.key == "teacher" ? self.teacherOptions : preprocessingOptions,
          what: "a mapping of \(entry.key) options", reader: reader)
      case "students": students = try self.students(entry, reader: reader)
      case "select": selectEntry = entry
      case "seeds": spec.seeds = try seeds(entry, reader: reader)
      default: break
      }
    }
    spec.output = output ?? "out/\(spec.name)"
    guard let count = variantCount(teacherOptions), count <= PipelineSpec.maximumVariants else {
      throw PipelineSpecError(
        file: file, line: nil, column: nil, key: "teacher",
        message: PipelineSpec.tooManyVariants(variantCount(teacherOptions)))
    }
    spec.teachers = crossProduct(teacherOptions, from: TeacherVariant()).map {
      var teacher = $0.variant
      teacher.axes = $0.axes
      return teacher
    }
    if let selectEntry, let studentsEntry = entries.first(where: { $0.key == "students" }) {
      students = try selectionGrid(
        selectEntry, over: students, studentsEntry: studentsEntry, reader: reader)
    }
    spec.students = students.map(\.variant)
    if let entry = entries.first(where: { $0.key == "students" }) {
      try checkTeacherLayers(students, of: entry, teachers: spec.teachers, reader: reader)
    }
    return spec
  }

  /// Every student's teacher layers exist in every teacher variant (else the worker would be
  /// the first to find out, one step into the run).
  static func checkTeacherLayers(
    _ students: [(variant: StudentVariant, entry: Int)], of entry: YAMLReader.Entry,
    teachers: [TeacherVariant], reader: YAMLReader
  ) throws {
    let (_, elements) = try reader.items(
      entry.value, path: entry.path, what: "a list of student entries", single: false)
    for (variant, index) in students {
      for teacher in teachers {
        do {
          try variant.loss?.checkTeacherLayers(layerCount: teacher.layers)
        } catch let error as OptionError {
          let (node, path) = elements[index]
          throw reader.error(node, path + "." + error.key, error.description)
        }
      }
    }
  }

  // MARK: Top-level values

  static func isNull(_ node: Node) -> Bool {
    node.scalar.map { YAMLScalar($0) == .null } ?? false
  }

  static func name(_ entry: YAMLReader.Entry, reader: YAMLReader) throws -> String {
    let name = try reader.string(entry.value, path: entry.path)
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    guard name.allSatisfy({ allowed.contains($0) }) else {
      throw reader.error(
        entry.value, entry.path,
        "'\(name)' must match [A-Za-z0-9._-]+ (it names the run's folder and reports)")
    }
    return name
  }

  static func data(
    _ entry: YAMLReader.Entry, reader: YAMLReader
  ) throws -> (root: String?, datasets: [String]) {
    let entries = try reader.entries(
      of: entry.value, path: entry.path, allowed: ["root", "datasets"],
      what: "a mapping with datasets (and optionally root)")
    let datasetsEntry = try reader.required(
      "datasets", in: entries, mapping: entry.value, path: entry.path)
    var root: String?
    if let rootEntry = entries.first(where: { $0.key == "root" }) {
      root = try reader.string(rootEntry.value, path: rootEntry.path)
    }
    let what = "a non-empty list of UCR dataset names (or one name)"
    if datasetsEntry.value.mapping != nil {
      throw reader.error(datasetsEntry.value, datasetsEntry.path, "expected \(what), got a mapping")
    }
    let (_, elements) = try reader.items(datasetsEntry.value, path: datasetsEntry.path, what: what)
    var datasets: [String] = []
    for (node, path) in elements {
      let dataset = try reader.string(node, path: path)
      if let first = datasets.firstIndex(of: dataset) {
        throw reader.error(
          node, path,
          "duplicate dataset '\(dataset)' (also \(reader.element(datasetsEntry.path, first)))")
      }
      datasets.append(dataset)
    }
    return (root, datasets)
  }

  /// `seeds: n` (0..<n) or a list of unique non-negative integers.
  static func seeds(_ entry: YAMLReader.Entry, reader: YAMLReader) throws -> [UInt64] {
    let (isList, elements) = try reader.items(
      entry.value, path: entry.path, what: "a count or a non-empty list of seeds")
    guard isList else {
      let count = try reader.int(entry.value, path: entry.path, minimum: 1)
      guard count <= PipelineSpec.maximumSeeds else {
        throw reader.error(
          entry.value, entry.path,
          "at most \(PipelineSpec.maximumSeeds) seeds (got \(count)); every seed is a trained student"
        )
      }
      return (0..<count).map(UInt64.init)
    }
    var seeds: [UInt64] = []
    for (node, path) in elements {
      let seed = UInt64(try reader.int(node, path: path, minimum: 0))
      if let first = seeds.firstIndex(of: seed) {
        throw reader.error(
          node, path, "duplicate seed \(seed) (also \(reader.element(entry.path, first)))")
      }
      seeds.append(seed)
    }
    return seeds
  }

  /// Every student variant with the index of the entry it came from. Two variants that train
  /// the same thing (axes aside) are an error: they would only duplicate work and report rows.
  /// So are two that train differently under one label (an option written as a scalar, which
  /// does not name the variant): the report would merge their runs into one row.
  static func students(
    _ entry: YAMLReader.Entry, reader: YAMLReader
  ) throws -> [(variant: StudentVariant, entry: Int)] {
    let (_, elements) = try reader.items(
      entry.value, path: entry.path,
      what: "a non-empty list of student entries (mappings with a method)", single: false)
    var result: [(variant: StudentVariant, entry: Int)] = []
    for (index, (node, path)) in elements.enumerated() {
      for variant in try students(node, path: path, reader: reader) {
        if let twin = result.first(where: { $0.variant.withoutAxes == variant.withoutAxes }) {
          let first = reader.element(entry.path, twin.entry)
          let what = twin.entry == index ? "another variant of this entry" : first
          throw reader.error(
            node, path,
            "variant '\(variant.label)' is identical to \(what) ('\(twin.variant.label)'): same "
              + "method, options and beta grid")
        }
        if let namesake = result.first(where: { $0.variant.label == variant.label }) {
          throw reader.error(
            node, path,
            "variant '\(variant.label)' trains differently from "
              + "\(reader.element(entry.path, namesake.entry)) but has the same label, so the "
              + "report would merge them: write the option that differs as a one-element list "
              + "(e.g. `lr: [0.01]`), which names the variant")
        }
        result.append((variant, index))
      }
    }
    return result
  }
}

extension StudentVariant {
  /// The variant with its axes cleared: what it trains, not how it was written.
  var withoutAxes: StudentVariant {
    var bare = self
    bare.axes = [:]
    return bare
  }
}

extension YAMLReader {
  /// A Yams parse failure as a `PipelineSpecError` at libyaml's problem mark, with its context
  /// ("while parsing a flow sequence started at line 3, column 11").
  func syntaxError(_ failure: Error, yaml: String) -> PipelineSpecError {
    func located(_ mark: Mark?, _ problem: String, _ context: YamlError.Context?)
      -> PipelineSpecError
    {
      var message = "invalid YAML: \(problem)"
      if let context {
        message +=
          " (\(context.text) started at line \(context.mark.line), column "
          + "\(context.mark.column))"
      }
      return PipelineSpecError(
        file: file, line: mark?.line, column: mark?.column, key: "", message: message)
    }
    guard let yamlError = failure as? YamlError else {
      return PipelineSpecError(
        file: file, line: nil, column: nil, key: "", message: "invalid YAML: \(failure)")
    }
    if case .scanner(let context, let problem, let mark, _) = yamlError {
      return located(mark, problem, context)
    }
    if case .parser(let context, let problem, let mark, _) = yamlError {
      return located(mark, problem, context)
    }
    if case .composer(let context, let problem, let mark, _) = yamlError {
      return located(mark, problem, context)
    }
    if case .reader(let problem, let offset, _, _) = yamlError {
      // `offset` counts Characters from the start of the text.
      let lines = offset.map {
        yaml.prefix($0).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      }
      return PipelineSpecError(
        file: file, line: lines?.count, column: lines.map { ($0.last?.count ?? 0) + 1 }, key: "",
        message: "invalid YAML: \(problem)")
    }
    return PipelineSpecError(
      file: file, line: nil, column: nil, key: "", message: "invalid YAML: \(yamlError)")
  }
}
