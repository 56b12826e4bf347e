import MemKDCore
import Yams

/// A student variant being built from an entry's options; `variant(axes:)` finishes it.
///
/// Why not build `StudentVariant` directly: its MemKD options only exist for MemKD and its beta
/// grid defaults by method, and both are decided only once every option has been applied.
struct StudentDraft {
  var method: DistillationMethod = .base
  var memkd = MemKDLoss()
  /// nil: the method's default grid.
  var betaGrid: [Double]?
  var recipe = StudentDistillation.paper

  func variant(axes: [String: String]) -> StudentVariant {
    StudentVariant(
      method: method, memkd: method == .memkd ? memkd : nil, betaGrid: betaGrid,
      recipe: recipe, axes: axes)
  }
}

extension PipelineSpec {
  /// `preprocessing:` options (`Preprocessing`'s fields); they expand together with the
  /// teacher's.
  static var preprocessingOptions: [VariantOption<TeacherVariant>] {
    Preprocessing.optionFields.map { VariantOption(field: $0.lifted(\.preprocessing)) }
  }

  /// `teacher:` options (`TeacherTraining`'s fields).
  static var teacherOptions: [VariantOption<TeacherVariant>] {
    TeacherTraining.optionFields.map { VariantOption(field: $0.lifted(\.recipe)) }
  }

  /// The keys only MemKD takes (`MemKDLoss`'s fields).
  static var memkdOptions: [VariantOption<StudentDraft>] {
    MemKDLoss.optionFields.map { VariantOption(field: $0.lifted(\.memkd)) }
  }

  /// Every student key but `beta_grid` (a list by nature, read by `betaGrid(_:reader:)`):
  /// method and beta, `StudentDistillation`'s fields, then MemKD's.
  static var studentOptions: [VariantOption<StudentDraft>] {
    [
      .choice("method", DistillationMethod.self) { $0.method = $1 },
      .number("beta", .nonNegative) { $0.betaGrid = [$1] },
    ] + StudentDistillation.optionFields.map { VariantOption(field: $0.lifted(\.recipe)) }
      + memkdOptions
  }

  /// The allowed keys of a student entry, in the order the README documents them.
  static var studentKeys: [String] {
    let keys = studentOptions.map(\.key)
    return Array(keys.prefix(2)) + ["beta_grid"] + keys.dropFirst(2)
  }

  /// Reads a mapping whose every key is one of `options` (`teacher:`, `preprocessing:`).
  static func writtenOptions<Target>(
    _ node: Node, path: String, options: [VariantOption<Target>], what: String,
    reader: YAMLReader
  ) throws -> [WrittenOption<Target>] {
    let entries = try reader.entries(
      of: node, path: path, allowed: options.map(\.key), what: what)
    return try entries.compactMap { entry in
      try options.first { $0.key == entry.key }.map { try reader.written(entry, as: $0) }
    }
  }

  /// One `students:` entry, expanded over its list-valued options (first key slowest).
  ///
  /// Cross-checks come before values so that `method: fitnet` with `terms: short` reports the
  /// misplaced key rather than a detail of its value.
  static func students(
    _ node: Node, path: String, reader: YAMLReader
  ) throws -> [StudentVariant] {
    let entries = try reader.entries(
      of: node, path: path, allowed: studentKeys,
      what: "a student entry (a mapping with at least a method)")
    let methodEntry = try reader.required("method", in: entries, mapping: node, path: path)
    let options = studentOptions
    guard let methodOption = options.first(where: { $0.key == "method" }) else { return [] }
    let method = try reader.written(methodEntry, as: methodOption)
    let methods = method.settings.map { setting in
      var draft = StudentDraft()
      setting.apply(&draft)
      return draft.method
    }

    let betaEntries = entries.filter { $0.key == "beta" || $0.key == "beta_grid" }
    if betaEntries.count > 1 {
      throw reader.error(
        betaEntries[1].keyNode, betaEntries[1].path,
        "give either beta or beta_grid, not both (beta: x is shorthand for beta_grid: [x])")
    }
    if let beta = betaEntries.first, methods.contains(.base) {
      throw reader.error(
        beta.keyNode, beta.path,
        "method base has no distillation term, so it takes no \(beta.key)")
    }
    for method in methods {
      do {
        try method.rejectMemKDOptions(in: entries.map(\.key))
      } catch let error as OptionError {
        guard let entry = entries.first(where: { $0.key == error.key }) else { throw error }
        throw reader.error(entry.keyNode, entry.path, error.description)
      }
    }

    var base = StudentDraft()
    var written: [WrittenOption<StudentDraft>] = []
    for entry in entries {
      if entry.key == "beta_grid" {
        base.betaGrid = try betaGrid(entry, reader: reader)
      } else if entry.key == "method" {
        written.append(method)
      } else if let option = options.first(where: { $0.key == entry.key }) {
        written.append(try reader.written(entry, as: option))
      }
    }
    guard let count = variantCount(written), count <= PipelineSpec.maximumVariants else {
      throw reader.error(node, path, PipelineSpec.tooManyVariants(variantCount(written)))
    }
    return crossProduct(written, from: base).map { $0.variant.variant(axes: $0.axes) }
  }

  /// `beta_grid: [1, 10, 100]` (or one number): the grid beta is selected over, not an axis.
  static func betaGrid(_ entry: YAMLReader.Entry, reader: YAMLReader) throws -> [Double] {
    let (_, elements) = try reader.items(
      entry.value, path: entry.path, what: "a non-empty list of numbers >= 0")
    var grid: [Double] = []
    for (node, path) in elements {
      let beta = try reader.number(node, path: path, .nonNegative)
      if let first = grid.firstIndex(of: beta) {
        throw reader.error(
          node, path,
          "duplicate value '\(node.scalar?.string ?? "")' in the grid (also "
            + "\(reader.element(entry.path, first)))")
      }
      grid.append(beta)
    }
    return grid
  }
}

extension PipelineSpec {
  /// The keys `select:` takes: the student's architecture and optimisation options
  /// (`StudentDistillation`'s fields), the same for every method.
  static var selectableOptions: [VariantOption<StudentVariant>] {
    StudentDistillation.optionFields.map { VariantOption(field: $0.lifted(\.recipe)) }
  }

  /// `select: {lr: [0.1, 0.01]}`: student options chosen on validation AUC-PRC together with
  /// beta, per method and dataset. Every student variant becomes one variant per point of the
  /// grid (its `selection`); the report shows each under its own label, at the best (point,
  /// beta) of each dataset. A key that a student entry also sets is an error (the entry's value
  /// would silently lose), and so is a single value (nothing to select).
  static func selectionGrid(
    _ entry: YAMLReader.Entry, over students: [(variant: StudentVariant, entry: Int)],
    studentsEntry: YAMLReader.Entry, reader: YAMLReader
  ) throws -> [(variant: StudentVariant, entry: Int)] {
    let options = selectableOptions
    var written: [WrittenOption<StudentVariant>] = []
    for source in try reader.entries(
      of: entry.value, path: entry.path, allowed: options.map(\.key),
      what: "a mapping of student options to the lists they are selected from")
    {
      guard let option = options.first(where: { $0.key == source.key }) else { continue }
      let value = try reader.written(source, as: option)
      guard value.isAxis else {
        throw reader.error(
          source.value, source.path,
          "select takes a list of values to choose from (e.g. [0.1, 0.01]); for one value set "
            + "it on the students")
      }
      written.append(value)
    }
    let (_, elements) = try reader.items(
      studentsEntry.value, path: studentsEntry.path, what: "a list of student entries",
      single: false)
    for (node, path) in elements {
      let keys = try reader.entries(
        of: node, path: path, allowed: studentKeys, what: "a student entry")
      if let clash = keys.first(where: { key in written.contains { $0.key == key.key } }) {
        throw reader.error(
          clash.keyNode, clash.path,
          "\(clash.key) is selected over by `select:`; a student entry cannot also set it")
      }
    }
    let points = variantCount(written) ?? Int.max
    guard
      points.multipliedReportingOverflow(by: max(students.count, 1)).partialValue
        <= PipelineSpec.maximumVariants
    else {
      throw reader.error(entry.value, entry.path, PipelineSpec.tooManyVariants(nil))
    }
    let grid = written.map { WrittenOption(key: $0.key, isAxis: true, settings: $0.settings) }
    return students.flatMap { student in
      crossProduct(grid, from: student.variant).map { point in
        var variant = point.variant
        variant.selection = point.axes
        return (variant, student.entry)
      }
    }
  }
}
