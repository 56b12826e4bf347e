import CPython
import MemKDCore

// Distillation from Python, and the MemKD loss alone for prototyping.

extension Arguments {
  /// `(terms, normalization, long_pairs, short_weight, long_weight, teacher_layer)`, -1 meaning
  /// the default for long_pairs (T - 1) and teacher_layer (the last).
  func memkdOptions(_ index: Int, teacherLayers: Int?) throws -> MemKDLoss {
    let parts = try items(index, "memkd")
    guard parts.count == 6 else {
      throw PythonError.value(
        "\(function)(): memkd must be (terms, normalization, long_pairs, short_weight, long_weight, teacher_layer)")
    }
    let sub = try Build.tuple(parts.map { Py_IncRef($0); return $0 })
    defer { Py_DecRef(sub) }
    let fields = Arguments(function: function, tuple: sub)
    return try fields.memkdLoss(
      terms: 0, normalization: 1, longPairs: 2, shortWeight: 3, longWeight: 4,
      teacherLayer: 5, teacherLayers: teacherLayers)
  }

  /// A `MemKDLoss` from arguments at the given positions (teacherLayer nil: not an argument).
  func memkdLoss(
    terms: Int, normalization: Int, longPairs: Int, shortWeight: Int, longWeight: Int,
    teacherLayer: Int?, teacherLayers: Int?
  ) throws -> MemKDLoss {
    let termsText = try string(terms, "terms")
    guard let parsedTerms = MemKDLoss.Terms(rawValue: termsText) else {
      throw PythonError.value("\(function)(): terms must be short, long or both, got '\(termsText)'")
    }
    let normalizationText = try string(normalization, "normalization")
    guard let parsedNormalization = MemKDLoss.Normalization(rawValue: normalizationText) else {
      throw PythonError.value(
        "\(function)(): normalization must be one of \(MemKDLoss.Normalization.allCases.map(\.rawValue).joined(separator: ", ")), got '\(normalizationText)'")
    }
    let pairs = try int(longPairs, "long_pairs")
    let short = try double(shortWeight, "short_weight")
    let long = try double(longWeight, "long_weight")
    guard pairs >= -1, short >= 0, long >= 0, short.isFinite, long.isFinite else {
      throw PythonError.value("\(function)(): long_pairs must be >= 0 (or -1) and the weights finite and >= 0")
    }
    var layer: Int?
    if let teacherLayer, let teacherLayers {
      let value = try int(teacherLayer, "teacher_layer")
      guard value == -1 || (0..<teacherLayers).contains(value) else {
        throw PythonError.value(
          "\(function)(): teacher_layer must be in 0 ..< \(teacherLayers) (or -1), got \(value)")
      }
      layer = value == -1 ? nil : value
    }
    return MemKDLoss(
      terms: parsedTerms, normalization: parsedNormalization, longPairs: pairs == -1 ? nil : pairs,
      shortWeight: short, longWeight: long, teacherLayer: layer)
  }
}

/// `distill(teacher_config, teacher_params, student_hidden, student_layers, X, y, X_val, y_val,
/// method, memkd, beta, training, threads, callback)`.
func distill(_ args: Arguments) throws -> PythonObject {
  let teacherConfig = try args.config(0, "teacher_config")
  let teacher = LSTMClassifier(
    parameters: try args.parameters(1, config: teacherConfig, "teacher_params"))
  let studentConfig = try args.checkedConfig(
    inputSize: teacherConfig.inputSize, hiddenSize: try args.int(2, "student_hidden"),
    layers: try args.int(3, "student_layers"), classes: teacherConfig.classes, "student")
  let (inputSize, classes) = (teacherConfig.inputSize, teacherConfig.classes)
  let trainSet = try args.series(4, "X", labels: 5, "y", inputSize: inputSize, classes: classes)
  let validation = try args.series(
    6, "X_val", labels: 7, "y_val", inputSize: inputSize, classes: classes)
  guard validation.length == trainSet.length else {
    throw PythonError.value("distill(): X_val has \(validation.length) steps, X has \(trainSet.length)")
  }
  let methodName = try args.string(8, "method")
  guard let method = DistillationMethod(rawValue: methodName) else {
    throw PythonError.value(
      "distill(): method must be one of \(DistillationMethod.allCases.map(\.rawValue).joined(separator: ", ")), got '\(methodName)'")
  }
  let memkd = try args.memkdOptions(9, teacherLayers: teacherConfig.layers)
  let beta = try args.double(10, "beta")
  guard beta >= 0, beta.isFinite else { throw PythonError.value("distill(): beta must be finite and >= 0") }
  let training = try args.training(11)
  let threads = try args.threads(12)
  let callback = EpochCallback(try args.callable(13, "callback"))

  // The student run of `StudentDistillation.run`, with traces of `X` instead of a trace file.
  let objective: any TrainingObjective = withoutGIL {
    let (hidden, logits) = teacher.traced(trainSet)
    return method.loss(memkd: memkd).map {
      DistillationObjective(
        loss: $0, beta: beta, teacherLogits: logits, teacherHidden: hidden,
        teacherHiddenSize: teacherConfig.hiddenSize, length: trainSet.length,
        studentHiddenSize: studentConfig.hiddenSize)
    } ?? CrossEntropyObjective()
  }
  let trainer = try Trainer(config: training, threads: threads, objective: objective)
  let (student, history) = try train(
    LSTMClassifier(config: studentConfig, seed: training.seed), trainer: trainer,
    train: trainSet, validation: validation, callback: callback)
  return try Build.tuple([
    try tensorList(student.parameters), try historyList(history), try Build.int(history.bestEpoch),
  ])
}

/// `memkd_loss(teacher_h, student_h, terms, normalization, long_pairs, short_weight,
/// long_weight, seed, gradient) -> (value, gradient f8 bytes or None, long pairs)`.
func memkdLossFunction(_ args: Arguments) throws -> PythonObject {
  let (teacher, teacherShape) = try args.floats(0, "teacher_h")
  let (student, studentShape) = try args.floats(1, "student_h")
  guard teacherShape.count == 3, studentShape.count == 3, teacherShape[0] >= 1,
    teacherShape[1] >= 1, teacherShape[2] >= 1, studentShape[2] >= 1,
    teacherShape[0] == studentShape[0], teacherShape[1] == studentShape[1]
  else {
    throw PythonError.value(
      "memkd_loss(): teacher_h [B, T, Ht] and student_h [B, T, Hs] must agree on B and T, got \(teacherShape) and \(studentShape)")
  }
  guard teacher.allSatisfy(\.isFinite), student.allSatisfy(\.isFinite) else {
    throw PythonError.value("memkd_loss(): teacher_h or student_h contains NaN or infinity")
  }
  let loss = try args.memkdLoss(
    terms: 2, normalization: 3, longPairs: 4, shortWeight: 5, longWeight: 6, teacherLayer: nil,
    teacherLayers: nil)
  let seed = try args.int(7, "seed")
  guard seed >= 0 else { throw PythonError.value("memkd_loss(): seed must be >= 0") }
  let wantGradient = try args.bool(8, "gradient")
  let (batch, length) = (teacherShape[0], teacherShape[1])
  let input = DistillationInput<Double>(
    batch: batch, length: length, classes: 1, labels: [Int](repeating: 0, count: batch),
    studentLogits: [Double](repeating: 0, count: batch), studentHidden: student.map { Double($0) },
    studentHiddenSize: studentShape[2], teacherLogits: [Double](repeating: 0, count: batch),
    teacherHidden: [teacher.map { Double($0) }], teacherHiddenSize: teacherShape[2])
  var drawing = SeededGenerator(seed: UInt64(seed))
  let pairs = loss.terms == .short ? [] : loss.drawLongPairs(length: length, generator: &drawing)
  var generator = SeededGenerator(seed: UInt64(seed))
  let output = loss.evaluate(input, parameters: [], generator: &generator)
  return try Build.tuple([
    try Build.double(output.value),
    wantGradient ? try Build.bytes(output.studentHidden ?? []) : Build.none(),
    try Build.list(pairs.map { try Build.tuple([try Build.int($0.first), try Build.int($0.second)]) }),
  ])
}
