import MemKDCore

/// Batch inference: seconds for the class probabilities of `series` series of T steps
/// (`predict_proba`, the path `evaluate`, `trace` and the Python package share), for the 1 x 8
/// student and the 3 x 100 teacher, best of several runs.
struct InferenceThroughput: Codable {
  var series: Int
  /// Workload name ("student", "teacher") to best seconds.
  var seconds: [String: Double]

  /// The bounds: MemKD's time as a fraction of PyTorch's single-thread time.
  static let targets: [String: Double] = ["student": 0.2, "teacher": 0.5]

  /// Times both models on synthetic data of the benchmark's shape (`threads` inference threads).
  static func measure(
    series: Int, length: Int, classes: Int, threads: Int,
    models: Set<String> = ["student", "teacher"]
  ) -> InferenceThroughput {
    let data = syntheticData(samples: series, length: length, classes: classes)
    var seconds: [String: Double] = [:]
    for (name, config, repeats) in [
      ("student", ModelConfig.student(classes: classes), 20),
      ("teacher", ModelConfig.teacher(classes: classes), 3),
    ] where models.contains(name) {
      let model = RecurrentClassifier<Float>(config: config, seed: 0)
      let clock = ContinuousClock()
      var best = Double.infinity
      for run in 0...repeats {
        let start = clock.now
        let probabilities = model.probabilities(for: data, threads: threads)
        precondition(probabilities.count == series * classes)
        if run > 0 { best = min(best, (clock.now - start).seconds) }
      }
      seconds[name] = best
    }
    return InferenceThroughput(series: series, seconds: seconds)
  }

  /// Rows: model, MemKD seconds and series/s, PyTorch's, the ratio and the target.
  func table(pytorch: [String: Double]?, threads: Int, length: Int) -> String {
    var rows: [[String]] = []
    for name in ["student", "teacher"] {
      guard let mine = seconds[name] else { continue }
      let label = name == "student" ? "student 1x8" : "teacher 3x100"
      var row = [
        label, String(format: "%.4f", mine), String(format: "%.0f", Double(series) / mine),
      ]
      if let reference = pytorch?[name], let target = Self.targets[name] {
        let ratio = mine / reference
        row += [
          String(format: "%.4f", reference), String(format: "%.0f", Double(series) / reference),
          String(format: "%.3fx", ratio), String(format: "<= %.2fx", target),
          ratio <= target ? "yes" : "NO",
        ]
      } else {
        row += ["-", "-", "-", "-", "-"]
      }
      rows.append(row)
    }
    return
      "Batch inference (predict_proba): \(series) series x T = \(length), MemKD \(threads) thread(s), PyTorch 1 thread (no_grad)\n\n"
      + TextTable.render(
        header: [
          "model", "MemKD s", "series/s", "PyTorch s", "series/s", "ratio", "target", "met",
        ], rows: rows)
  }
}
