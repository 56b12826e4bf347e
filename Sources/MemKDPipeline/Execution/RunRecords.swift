extension RunFolder {
  /// The records of every finished teacher and student step of `manifest`, in plan order.
  /// Labels, variants and axes come from the manifest (the current pipeline file), so a result
  /// computed under an older name of the same configuration is reported under the new one.
  public func records(_ manifest: Manifest) throws -> (
    teachers: [TeacherRecord], students: [StudentRecord]
  ) {
    var teachers: [TeacherRecord] = []
    var students: [StudentRecord] = []
    for step in manifest.steps where isDone(step.id) {
      switch step.kind {
      case .teacher:
        var record = try readResult(TeacherRecord.self, of: step.id)
        record.dataset = step.dataset
        record.teacher = step.teacher.label
        teachers.append(record)
      case .student:
        guard let variant = step.student else { continue }
        var record = try readResult(StudentRecord.self, of: step.id)
        record.dataset = step.dataset
        record.teacher = step.teacher.label
        record.method = variant.method.rawValue
        record.variant = variant.label
        record.axes = variant.axes
        record.selection = variant.selection
        students.append(record)
      case .trace:
        continue
      }
    }
    return (teachers, students)
  }

  /// Writes the report of everything finished so far into the run folder.
  /// With `paper`, report.md ends with the comparison against it (`PaperTable`).
  public func writeReport(_ manifest: Manifest, paper: PaperTable? = nil) throws -> PipelineReport {
    let (teachers, students) = try records(manifest)
    let report = PipelineReport(title: manifest.name, teachers: teachers, students: students)
    try report.write(to: path, paper: paper)
    return report
  }
}
