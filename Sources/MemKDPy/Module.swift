import CPython
import MemKDCore

// The CPython extension module `memkd._memkd`. For now it only reports what it was built from;
// the Python API (training, distillation, traces) arrives with the issue on the Python package.
// Every entry point validates its arguments and never traps: a Swift trap kills the interpreter.

/// `_memkd.version() -> str`: the MemKD package version the extension was built from.
private func version(
  _ module: UnsafeMutablePointer<PyObject>?, _ unused: UnsafeMutablePointer<PyObject>?
) -> UnsafeMutablePointer<PyObject>? {
  PyUnicode_FromString(MemKDVersion.string)
}

/// `_memkd.parameter_count(input_size, hidden_size, layers, classes) -> int`: trainable scalars
/// of a stacked-LSTM classifier (a real call into MemKDCore, so the import test exercises the
/// link to the core).
private func parameterCount(
  _ module: UnsafeMutablePointer<PyObject>?, _ args: UnsafeMutablePointer<PyObject>?
) -> UnsafeMutablePointer<PyObject>? {
  guard let args, PyTuple_Size(args) == 4 else {
    PyErr_SetString(
      cpy_exc_type_error(), "parameter_count() takes 4 integers: input_size, hidden_size, layers, classes")
    return nil
  }
  var values: [Int] = []
  for (index, name) in ["input_size", "hidden_size", "layers", "classes"].enumerated() {
    let value = PyLong_AsLong(PyTuple_GetItem(args, index))
    if value == -1 && PyErr_Occurred() != nil {
      PyErr_SetString(cpy_exc_type_error(), "parameter_count(): \(name) must be an integer")
      return nil
    }
    values.append(value)
  }
  let config = LSTMConfig(
    inputSize: values[0], hiddenSize: values[1], layers: values[2], classes: values[3])
  if let problem = config.validationError {
    PyErr_SetString(cpy_exc_value_error(), "parameter_count(): \(problem)")
    return nil
  }
  return PyLong_FromLong(config.parameterCount)
}

/// Static C strings for the method table (PyMethodDef keeps the pointers forever).
private func cString(_ text: StaticString) -> UnsafePointer<CChar> {
  UnsafeRawPointer(text.utf8Start).assumingMemoryBound(to: CChar.self)
}

nonisolated(unsafe) private let methods: UnsafeMutablePointer<PyMethodDef> = {
  let table = UnsafeMutablePointer<PyMethodDef>.allocate(capacity: 3)
  table[0] = PyMethodDef(
    ml_name: cString("version"), ml_meth: version, ml_flags: METH_NOARGS,
    ml_doc: cString("version() -> str: the MemKD version this extension was built from."))
  table[1] = PyMethodDef(
    ml_name: cString("parameter_count"), ml_meth: parameterCount, ml_flags: METH_VARARGS,
    ml_doc: cString(
      "parameter_count(input_size, hidden_size, layers, classes) -> int: trainable scalars of a stacked-LSTM classifier."
    ))
  table[2] = PyMethodDef()
  return table
}()

nonisolated(unsafe) private let moduleDefinition: UnsafeMutablePointer<PyModuleDef> =
  cpy_make_module_def(
    cString("_memkd"), cString("MemKD's Swift core (CPython extension written in Swift)."),
    methods)

@_cdecl("PyInit__memkd")
public func PyInit__memkd() -> UnsafeMutablePointer<PyObject>? {
  cpy_module_create(moduleDefinition)
}
