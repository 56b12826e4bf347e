import CPython
import MemKDCore

// Distillation from Python, and the MemKD loss alone for prototyping.

extension Arguments {
  /// MemKD's options from `options`, checked against the teacher's layer count (nil: the loss
  /// alone, which reads one teacher sequence and takes no `teacher_layer`).
  func memkdLoss(
    _ options: [(key: String, value: OptionValue)], alsoAllowed: Set<String>, teacherLayers: Int?
  ) throws -> MemKDLoss {
    let loss = try apply(options, to: MemKDLoss(), alsoAllowed: alsoAllowed)
    if loss.teacherLayer != nil {
      guard let teacherLayers else {
        throw PythonError.type("\(function)() got an unexpected keyword argument 'teacher_layer'")
      }
      do {
        try loss.checkTeacherLayers(layerCount: teacherLayers)
      } catch let error as OptionError {
        throw PythonError.value("\(function)(): \(error)")
      }
    }
    return loss
  }
}

/// `distill(teacher_config, teacher_params, X, y, X_val, y_val, method, options, beta, seed,
/// threads, callback) -> (params, history, best_epoch, recipe, memkd, interruption)`: `options` are
/// `StudentDistillation`'s and (method memkd only) `MemKDLoss`'s fields as `(key, value)` pairs;
/// beta None means the method's anchor weight; `recipe` and `memkd` (None for other methods) are
/// the effective options as dicts; `interruption` as `fit`'s.
func distill(_ args: Arguments) throws -> PythonObject {
  let teacherConfig = try args.config(0, "teacher_config")
  let teacher = RecurrentClassifier(
    parameters: try args.parameters(1, config: teacherConfig, "teacher_params"))
  let (inputSize, classes) = (teacherConfig.inputSize, teacherConfig.classes)
  let trainSet = try args.series(2, "X", labels: 3, "y", inputSize: inputSize, classes: classes)
  let validation = try args.series(
    4, "X_val", labels: 5, "y_val", inputSize: inputSize, classes: classes)
  guard validation.length == trainSet.length else {
    throw PythonError.value(
      "distill(): X_val has \(validation.length) steps, X has \(trainSet.length)")
  }
  let methodName = try args.string(6, "method")
  guard let method = DistillationMethod(rawValue: methodName) else {
    throw PythonError.value(
      "distill(): method must be one of \(DistillationMethod.allCases.map(\.rawValue).joined(separator: ", ")), got '\(methodName)'"
    )
  }
  let options = try args.options(7)
  do {
    try method.rejectMemKDOptions(in: options.map(\.key))
  } catch let error as OptionError {
    throw PythonError.value("distill(): \(error)")
  }
  let recipe = try args.apply(
    options, to: StudentDistillation.paper, alsoAllowed: Set(MemKDLoss.optionKeys))
  let memkd = try args.memkdLoss(
    options, alsoAllowed: Set(StudentDistillation.optionKeys), teacherLayers: teacherConfig.layers)
  let beta = args.isNone(8) ? method.anchorWeight : try args.double(8, "beta")
  guard beta >= 0, beta.isFinite else {
    throw PythonError.value("distill(): beta must be a number >= 0 (got \(beta))")
  }
  let seed = try args.int(9, "seed")
  guard seed >= 0 else {
    throw PythonError.value("distill(): seed must be an integer >= 0 (got \(seed))")
  }
  var training = recipe.training
  training.seed = UInt64(seed)
  let studentConfig = try args.checkedConfig(
    inputSize: inputSize, hiddenSize: recipe.hiddenSize, layers: recipe.layers, classes: classes,
    cell: recipe.cell, "student")
  let threads = try args.threads(10)
  let interruption = PythonInterruption(callback: try args.callable(11, "callback"))

  // The student run of `StudentDistillation.run`, with traces of `X` instead of a trace file.
  let loss = method.loss(memkd: memkd)
  let objective: any TrainingObjective
  do {
    objective = try withoutGIL {
      let (hidden, logits) = try teacher.traced(trainSet, beforeEachBatch: interruption.check)
      return try loss.map {
        try DistillationObjective(
          loss: $0, beta: beta, teacherLogits: logits, teacherHidden: hidden,
          teacherHiddenSize: teacherConfig.hiddenSize, length: trainSet.length,
          studentHiddenSize: studentConfig.hiddenSize)
      } ?? CrossEntropyObjective()
    }
  } catch {
    // Stopped while tracing: nothing trained yet, so the exception propagates at once.
    if interruption.restore() { throw PythonError.alreadySet }
    throw error
  }
  let trainer = try Trainer(config: training, threads: threads, objective: objective)
  let (student, history) = try train(
    RecurrentClassifier(config: studentConfig, seed: training.seed), trainer: trainer,
    train: trainSet, validation: validation, interruption: interruption)
  return try Build.tuple([
    try tensorList(student.parameters), try historyList(history), try Build.int(history.bestEpoch),
    try Build.options(recipe.optionValues),
    method == .memkd ? try Build.options(memkd.optionValues) : Build.none(),
    interruption.takeException(),
  ])
}

/// `memkd_loss(teacher_h, student_h, options, seed, gradient) -> (value, gradient f8 bytes or
/// None, long pairs)`; `options` are `MemKDLoss`'s fields but `teacher_layer`.
func memkdLossFunction(_ args: Arguments) throws -> PythonObject {
  let (teacher, teacherShape) = try args.floats(0, "teacher_h")
  let (student, studentShape) = try args.floats(1, "student_h")
  guard teacherShape.count == 3, studentShape.count == 3, teacherShape[0] >= 1,
    teacherShape[1] >= 1, teacherShape[2] >= 1, studentShape[2] >= 1,
    teacherShape[0] == studentShape[0], teacherShape[1] == studentShape[1]
  else {
    throw PythonError.value(
      "memkd_loss(): teacher_h [B, T, Ht] and student_h [B, T, Hs] must agree on B and T, got \(teacherShape) and \(studentShape)"
    )
  }
  guard teacher.allSatisfy(\.isFinite), student.allSatisfy(\.isFinite) else {
    throw PythonError.value("memkd_loss(): teacher_h or student_h contains NaN or infinity")
  }
  let loss = try args.memkdLoss(try args.options(2), alsoAllowed: [], teacherLayers: nil)
  let seed = try args.int(3, "seed")
  guard seed >= 0 else { throw PythonError.value("memkd_loss(): seed must be >= 0") }
  let wantGradient = try args.bool(4, "gradient")
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
    try Build.list(
      pairs.map { try Build.tuple([try Build.int($0.first), try Build.int($0.second)]) }),
  ])
}

/// `recorded_options(method, memkd) -> [(key, value)]`: every option of `method`'s loss as a
/// student checkpoint records it (`DistillationLoss.recordedOptions`, in order; empty for
/// Base), with MemKD's options from `memkd` (`MemKDLoss`'s fields as `(key, value)` pairs; only
/// for method memkd).
func recordedOptions(_ args: Arguments) throws -> PythonObject {
  let methodName = try args.string(0, "method")
  guard let method = DistillationMethod(rawValue: methodName) else {
    throw PythonError.value(
      "recorded_options(): method must be one of \(DistillationMethod.allCases.map(\.rawValue).joined(separator: ", ")), got '\(methodName)'"
    )
  }
  let options = try args.options(1, "memkd")
  do {
    try method.rejectMemKDOptions(in: options.map(\.key))
  } catch let error as OptionError {
    throw PythonError.value("recorded_options(): \(error)")
  }
  let memkd = try args.apply(options, to: MemKDLoss())
  return try Build.list(
    (method.loss(memkd: memkd)?.recordedOptions ?? []).map {
      try Build.tuple([try Build.string($0.key), try Build.option($0.value)])
    })
}
