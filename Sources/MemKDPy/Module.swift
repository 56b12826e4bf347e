import CPython
import MemKDCore

// The CPython extension module `memkd._memkd`: a thin layer of argument checking, conversion
// and calls into MemKDCore. Its contract is bindings/python/memkd/_memkd.pyi. Every entry point
// validates its arguments before MemKDCore sees them: a Swift trap would kill the interpreter.

/// `_memkd.version() -> str`.
private func version(_ args: Arguments) throws -> PythonObject {
  try Build.string(MemKDVersion.string)
}

/// `_memkd.parameter_count(D, H, L, C, cell) -> int`.
private func parameterCount(_ args: Arguments) throws -> PythonObject {
  let config = try args.unpackedConfig()
  return try Build.int(config.parameterCount)
}

/// `_memkd.limits() -> dict`: the size budgets of MemKDCore, so that the Python layer's exact
/// integer pre-checks use the same numbers (one definition: ModelConfig and UCRDataset).
private func limits(_ args: Arguments) throws -> PythonObject {
  try Build.dict([
    ("size", try Build.int(ModelConfig.sizeLimit)),
    ("parameters", try Build.int(ModelConfig.parameterBudget)),
    ("values", try Build.int(UCRDataset.valueBudget)),
  ])
}

/// One module function: name, positional argument count, implementation, docstring.
private struct Entry {
  var name: StaticString
  var arguments: Int
  var doc: StaticString
  var function: PyCFunction
}

/// Static C strings for the method table (PyMethodDef keeps the pointers forever).
private func cString(_ text: StaticString) -> UnsafePointer<CChar> {
  UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

// `PyCFunction`s must be C function pointers, so each is a capture-free closure naming its
// implementation and argument count.
private let entries: [Entry] = [
  Entry(
    name: "version", arguments: 0, doc: "version() -> str",
    function: { _, args in pythonFunction("version", args, count: 0, version) }),
  Entry(
    name: "limits", arguments: 0, doc: "limits() -> dict",
    function: { _, args in pythonFunction("limits", args, count: 0, limits) }),
  Entry(
    name: "parameter_count", arguments: 5,
    doc: "parameter_count(input_size, hidden_size, layers, classes, cell) -> int",
    function: { _, args in pythonFunction("parameter_count", args, count: 5, parameterCount) }),
  Entry(
    name: "parameter_layout", arguments: 5,
    doc: "parameter_layout(input_size, hidden_size, layers, classes, cell) -> [(name, shape)]",
    function: { _, args in pythonFunction("parameter_layout", args, count: 5, parameterLayout) }),
  Entry(
    name: "init_parameters", arguments: 2, doc: "init_parameters(config, seed) -> [bytes]",
    function: { _, args in pythonFunction("init_parameters", args, count: 2, initParameters) }),
  Entry(
    name: "load_ucr", arguments: 4, doc: "load_ucr(name, root, length, z_normalize) -> tuple",
    function: { _, args in pythonFunction("load_ucr", args, count: 4, loadUCR) }),
  Entry(
    name: "load_ts", arguments: 1, doc: "load_ts(path) -> tuple",
    function: { _, args in pythonFunction("load_ts", args, count: 1, loadTS) }),
  Entry(
    name: "preprocess", arguments: 3, doc: "preprocess(X, length, z_normalize) -> bytes",
    function: { _, args in pythonFunction("preprocess", args, count: 3, preprocess) }),
  Entry(
    name: "split", arguments: 3, doc: "split(y, validation_fraction, seed) -> (bytes, bytes)",
    function: { _, args in pythonFunction("split", args, count: 3, split) }),
  Entry(
    name: "fit", arguments: 10,
    doc:
      "fit(config, params, X, y, X_val, y_val, recipe, options, threads, callback) -> (params, history, best_epoch, training)",
    function: { _, args in pythonFunction("fit", args, count: 10, fit) }),
  Entry(
    name: "predict_proba", arguments: 3, doc: "predict_proba(config, params, X) -> bytes",
    function: { _, args in pythonFunction("predict_proba", args, count: 3, predictProbabilities) }),
  Entry(
    name: "hidden_states", arguments: 3, doc: "hidden_states(config, params, X) -> [bytes]",
    function: { _, args in pythonFunction("hidden_states", args, count: 3, hiddenStates) }),
  Entry(
    name: "distill", arguments: 12,
    doc:
      "distill(teacher_config, teacher_params, X, y, X_val, y_val, method, options, beta, seed, threads, callback) -> (params, history, best_epoch, recipe, memkd)",
    function: { _, args in pythonFunction("distill", args, count: 12, distill) }),
  Entry(
    name: "memkd_loss", arguments: 5,
    doc:
      "memkd_loss(teacher_h, student_h, options, seed, gradient) -> (value, gradient, long_pairs)",
    function: { _, args in pythonFunction("memkd_loss", args, count: 5, memkdLossFunction) }),
  Entry(
    name: "option_fields", arguments: 1,
    doc: "option_fields(scope) -> [(key, requirement, summary, default, choices)]",
    function: { _, args in pythonFunction("option_fields", args, count: 1, optionFields) }),
  Entry(
    name: "check_options", arguments: 2, doc: "check_options(scope, options) -> dict",
    function: { _, args in pythonFunction("check_options", args, count: 2, checkOptions) }),
  Entry(
    name: "methods", arguments: 0, doc: "methods() -> [(name, anchor_weight)]",
    function: { _, args in pythonFunction("methods", args, count: 0, methods) }),
  Entry(
    name: "metrics", arguments: 3,
    doc: "metrics(probabilities, y, classes) -> (acc, auc_roc, auc_prc)",
    function: { _, args in pythonFunction("metrics", args, count: 3, metrics) }),
  Entry(
    name: "evaluate", arguments: 4,
    doc: "evaluate(config, params, X, y) -> (loss, accuracy, auc_roc, auc_prc, skipped_classes)",
    function: { _, args in pythonFunction("evaluate", args, count: 4, evaluate) }),
  Entry(
    name: "recorded_options", arguments: 2,
    doc: "recorded_options(method, memkd) -> [(key, value)]",
    function: { _, args in pythonFunction("recorded_options", args, count: 2, recordedOptions) }),
  Entry(
    name: "save_checkpoint", arguments: 14,
    doc:
      "save_checkpoint(path, kind, config, params, dataset, class_labels, length, z_normalize, validation_fraction, training, initialisations, results, distillation, interrupted) -> sha256",
    function: { _, args in pythonFunction("save_checkpoint", args, count: 14, saveCheckpoint) }),
  Entry(
    name: "load_checkpoint", arguments: 1, doc: "load_checkpoint(path) -> dict",
    function: { _, args in pythonFunction("load_checkpoint", args, count: 1, loadCheckpoint) }),
  Entry(
    name: "stream_new", arguments: 3, doc: "stream_new(config, params, preprocessing) -> stream",
    function: { _, args in pythonFunction("stream_new", args, count: 3, streamNew) }),
  Entry(
    name: "stream_step", arguments: 2, doc: "stream_step(stream, chunk) -> bytes (probabilities)",
    function: { _, args in pythonFunction("stream_step", args, count: 2, streamStep) }),
  Entry(
    name: "stream_reset", arguments: 1, doc: "stream_reset(stream)",
    function: { _, args in pythonFunction("stream_reset", args, count: 1, streamReset) }),
  Entry(
    name: "stream_steps", arguments: 1, doc: "stream_steps(stream) -> int",
    function: { _, args in pythonFunction("stream_steps", args, count: 1, streamSteps) }),
  Entry(
    name: "write_traces", arguments: 12,
    doc:
      "write_traces(path, config, params, X, y, dataset, class_labels, length, z_normalize, teacher_path, split, rows)",
    function: { _, args in pythonFunction("write_traces", args, count: 12, writeTraces) }),
]

nonisolated(unsafe) private let methods: UnsafeMutablePointer<PyMethodDef> = {
  let table = UnsafeMutablePointer<PyMethodDef>.allocate(capacity: entries.count + 1)
  for (index, entry) in entries.enumerated() {
    table[index] = PyMethodDef(
      ml_name: cString(entry.name), ml_meth: entry.function, ml_flags: METH_VARARGS,
      ml_doc: cString(entry.doc))
  }
  table[entries.count] = PyMethodDef()
  return table
}()

nonisolated(unsafe) private let moduleDefinition: UnsafeMutablePointer<PyModuleDef> =
  cpy_make_module_def(
    cString("_memkd"), cString("MemKD's Swift core (CPython extension written in Swift)."),
    methods)

@_cdecl("PyInit__memkd")
public func PyInit__memkd() -> UnsafeMutablePointer<PyObject>? {
  BLASRuntime.configure()
  return cpy_module_create(moduleDefinition)
}
