/// Minimal CSV output with RFC 4180 quoting; rows end with "\n" (what Python's and pandas'
/// readers expect by default; both also accept RFC 4180's CRLF).
enum CSVWriter {
  /// A field quoted when it holds a comma, a double quote, CR or LF; inner quotes are doubled.
  static func field(_ text: String) -> String {
    let needsQuotes = text.contains {
      $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n"
    }
    guard needsQuotes else { return text }
    return "\"" + text.replacingAll("\"", with: "\"\"") + "\""
  }

  /// One line: fields quoted as needed, comma-separated, newline-terminated.
  static func row(_ fields: [String]) -> String {
    fields.map(field).joined(separator: ",") + "\n"
  }

  /// A header row followed by the data rows.
  static func document(header: [String], rows: [[String]]) -> String {
    row(header) + rows.map(row).joined()
  }
}

extension PipelineReport {
  /// Axis keys over all student records, sorted: the results CSV has one column per key.
  var axisKeys: [String] {
    Set(students.flatMap { $0.axes.keys }).sorted()
  }

  /// Keys of the `select:` grid, sorted; a column each, named `select:<key>`.
  var selectionKeys: [String] {
    Set(students.flatMap { ($0.selection ?? [:]).keys }).sorted()
  }

  /// One row per student run (sorted by dataset, teacher, variant, beta, seed), no wall times:
  /// an interrupted-and-resumed run must give the same bytes as an uninterrupted one. Metrics are
  /// fractions written in `Double.description` form (shortest round trip); the validation loss is
  /// the loss at the restored epoch.
  ///
  /// Header: `dataset,teacher,method,variant,<axis keys sorted>,beta,seed,val_acc,val_auc_roc,
  /// val_auc_prc,val_loss,test_acc,test_auc_roc,test_auc_prc,epochs,best_epoch,params`; an axis
  /// a record does not have is an empty field. A `select:` grid adds `select:<key>` columns
  /// after the axes.
  public func resultsCSV() -> String {
    let keys = axisKeys
    let selected = selectionKeys
    let header =
      ["dataset", "teacher", "method", "variant"] + keys + selected.map { "select:" + $0 } + [
        "beta", "seed", "val_acc", "val_auc_roc", "val_auc_prc", "val_loss", "test_acc",
        "test_auc_roc", "test_auc_prc", "epochs", "best_epoch", "params",
      ]
    let rows = students.map { run -> [String] in
      [run.dataset, run.teacher, run.method, run.variant] + keys.map { run.axes[$0] ?? "" }
        + selected.map { run.selection?[$0] ?? "" } + [
          run.beta.description, String(run.seed),
          run.validation.acc.description, run.validation.aucRoc.description,
          run.validation.aucPrc.description, run.validationLoss.description,
          run.test.acc.description, run.test.aucRoc.description, run.test.aucPrc.description,
          String(run.epochs), String(run.bestEpoch), String(run.params),
        ]
    }
    return CSVWriter.document(header: header, rows: rows)
  }

  /// Wall-clock seconds per run: `dataset,teacher,variant,beta,seed,seconds`. Per (dataset,
  /// teacher) the teacher row comes first (variant "teacher", empty beta and seed), then the
  /// students in results.csv order. Kept apart from results.csv because times differ run to run.
  public func timingsCSV() -> String {
    var rows: [[String]] = []
    let teacherByKey = Dictionary(
      teachers.map { (ReportTeacherKey($0), $0) },
      uniquingKeysWith: { _, last in last })
    let keys = Set(teacherByKey.keys).union(
      students.map { ReportTeacherKey(dataset: $0.dataset, teacher: $0.teacher) }
    ).sorted()
    let studentsByKey = Dictionary(grouping: students) {
      ReportTeacherKey(dataset: $0.dataset, teacher: $0.teacher)
    }
    for key in keys {
      if let teacher = teacherByKey[key] {
        rows.append([key.dataset, key.teacher, "teacher", "", "", teacher.seconds.description])
      }
      for run in studentsByKey[key] ?? [] {
        rows.append([
          run.dataset, run.teacher,
          ([run.variant] + [selectionText(run.selection)].filter { !$0.isEmpty })
            .joined(separator: " "),
          run.beta.description, String(run.seed),
          run.seconds.description,
        ])
      }
    }
    return CSVWriter.document(
      header: ["dataset", "teacher", "variant", "beta", "seed", "seconds"], rows: rows)
  }
}
