import CPython

// The small, tested layer between CPython's C API and the module's functions: arguments in,
// objects out, Swift errors turned into Python exceptions. Everything unsafe lives here.

typealias PythonObject = UnsafeMutablePointer<PyObject>

/// A Python exception to raise.
struct PythonError: Error {
  enum Kind { case type, value, os, runtime, alreadySet }
  var kind: Kind
  var message: String

  static func type(_ message: String) -> PythonError { PythonError(kind: .type, message: message) }
  static func value(_ message: String) -> PythonError {
    PythonError(kind: .value, message: message)
  }
  static func os(_ message: String) -> PythonError { PythonError(kind: .os, message: message) }
  static func runtime(_ message: String) -> PythonError {
    PythonError(kind: .runtime, message: message)
  }
  /// An exception already set in the interpreter (by a failed C-API call or a callback).
  static let alreadySet = PythonError(kind: .alreadySet, message: "")

  func raise() {
    let exception: UnsafeMutablePointer<PyObject>?
    switch kind {
    case .alreadySet:
      if PyErr_Occurred() == nil {
        PyErr_SetString(cpy_exc_runtime_error(), "memkd: internal error without a message")
      }
      return
    case .type: exception = cpy_exc_type_error()
    case .value: exception = cpy_exc_value_error()
    case .os: exception = cpy_exc_os_error()
    case .runtime: exception = cpy_exc_runtime_error()
    }
    PyErr_SetString(exception, message.withVisibleNUL)
  }
}

extension String {
  /// The text with each NUL written `\x00`, as Python's repr does: a C string would end at the
  /// first one and the message would lose its reason (a path with a NUL names only its start).
  var withVisibleNUL: String { replacingOccurrences(of: "\0", with: "\\x00") }
}

/// Runs a module function: `body` gets the positional arguments (checked to number `count`)
/// and returns a new reference; any thrown error becomes a Python exception and NULL.
func pythonFunction(
  _ name: String, _ args: PythonObject?, count: Int,
  _ body: (Arguments) throws -> PythonObject
) -> PythonObject? {
  do {
    guard let args, PyTuple_Size(args) == count else {
      throw PythonError.type(
        "\(name)() takes \(count) positional arguments (\(args.map { PyTuple_Size($0) } ?? 0) given)"
      )
    }
    return try body(Arguments(function: name, tuple: args))
  } catch let error as PythonError {
    error.raise()
  } catch {
    PyErr_SetString(cpy_exc_runtime_error(), "\(name)(): \(error)".withVisibleNUL)
  }
  return nil
}

/// Positional arguments of one call, read with their names for error messages.
struct Arguments {
  let function: String
  let tuple: PythonObject

  /// Borrowed reference to argument `index` (the count was checked).
  func item(_ index: Int) -> PythonObject { PyTuple_GetItem(tuple, index)! }

  func fail(_ name: String, _ problem: String) -> PythonError {
    .type("\(function)(): \(name) \(problem)")
  }

  func typeName(_ object: PythonObject) -> String { String(cString: cpy_type_name(object)) }

  func isNone(_ index: Int) -> Bool { cpy_is_none(item(index)) != 0 }

  func int(_ index: Int, _ name: String) throws -> Int {
    let object = item(index)
    guard cpy_is_int(object) != 0 else {
      throw fail(name, "must be an int, not \(typeName(object))")
    }
    let value = PyLong_AsLongLong(object)
    if value == -1 && PyErr_Occurred() != nil {
      PyErr_Clear()
      throw PythonError.value("\(function)(): \(name) is out of range")
    }
    return Int(value)
  }

  func double(_ index: Int, _ name: String) throws -> Double {
    let object = item(index)
    guard cpy_is_float(object) != 0 || cpy_is_int(object) != 0 else {
      throw fail(name, "must be a number, not \(typeName(object))")
    }
    let value = PyFloat_AsDouble(object)
    if value == -1 && PyErr_Occurred() != nil {
      PyErr_Clear()
      throw PythonError.value("\(function)(): \(name) is out of range")
    }
    return value
  }

  func bool(_ index: Int, _ name: String) throws -> Bool {
    let object = item(index)
    guard cpy_is_bool(object) != 0 else {
      throw fail(name, "must be a bool, not \(typeName(object))")
    }
    return PyObject_IsTrue(object) == 1
  }

  func string(_ index: Int, _ name: String) throws -> String {
    try Self.string(item(index), name: name, function: function)
  }

  static func string(_ object: PythonObject, name: String, function: String) throws -> String {
    var size = 0
    guard cpy_is_str(object) != 0, let utf8 = PyUnicode_AsUTF8AndSize(object, &size) else {
      PyErr_Clear()
      throw PythonError.type("\(function)(): \(name) must be a str")
    }
    // With the size, not as a C string: an embedded NUL would silently cut the text (a path
    // 'a\0b.h5' became 'a'); the text keeps it and the file layer refuses it by name.
    return String(
      decoding: UnsafeBufferPointer(
        start: UnsafeRawPointer(utf8).assumingMemoryBound(to: UInt8.self), count: size),
      as: UTF8.self)
  }

  func optionalString(_ index: Int, _ name: String) throws -> String? {
    isNone(index) ? nil : try string(index, name)
  }

  /// The items of a list or tuple (borrowed while the argument lives).
  func items(_ index: Int, _ name: String) throws -> [PythonObject] {
    let object = item(index)
    guard cpy_is_list(object) != 0 || cpy_is_tuple(object) != 0 else {
      throw fail(name, "must be a list or tuple, not \(typeName(object))")
    }
    let count = PySequence_Size(object)
    return (0..<count).map { position in
      // PySequence_GetItem returns a new reference; the container keeps the item alive.
      let element = PySequence_GetItem(object, position)!
      Py_DecRef(element)
      return element
    }
  }

  func strings(_ index: Int, _ name: String) throws -> [String] {
    try items(index, name).enumerated().map { position, element in
      try Self.string(element, name: "\(name)[\(position)]", function: function)
    }
  }

  /// A callable, or nil for None.
  func callable(_ index: Int, _ name: String) throws -> PythonObject? {
    if isNone(index) { return nil }
    guard PyCallable_Check(item(index)) != 0 else { throw fail(name, "must be callable or None") }
    return item(index)
  }

  /// A float32 C-contiguous buffer copied out, with its shape.
  func floats(_ index: Int, _ name: String) throws -> (values: [Float], shape: [Int]) {
    try Self.floats(item(index), name: name, function: function)
  }

  static func floats(_ object: PythonObject, name: String, function: String) throws -> (
    values: [Float], shape: [Int]
  ) {
    try readBuffer(
      object, name: name, function: function, itemSize: 4, formats: ["f", "<f", "=f"],
      expected: "float32"
    ) { pointer, count in
      Array(UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: Float.self), count: count))
    }
  }

  /// A float64 or float32 C-contiguous buffer as Doubles, with its shape (metrics and
  /// preprocessing keep float64 input exact).
  func doubles(_ index: Int, _ name: String) throws -> (values: [Double], shape: [Int]) {
    var view = Py_buffer()
    let object = item(index)
    guard PyObject_GetBuffer(object, &view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) == 0 else {
      PyErr_Clear()
      throw PythonError.type(
        "\(function)(): \(name) must be a C-contiguous float64 or float32 array, got \(typeName(object))"
      )
    }
    let format = view.format.map { String(cString: $0) } ?? "B"
    PyBuffer_Release(&view)
    if view.itemsize == 8 && ["d", "<d", "=d"].contains(format) {
      return try Self.readBuffer(
        object, name: name, function: function, itemSize: 8, formats: ["d", "<d", "=d"],
        expected: "float64"
      ) { pointer, count in
        Array(
          UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: Double.self), count: count))
      }
    }
    let (values, shape) = try floats(index, name)
    return (values.map { Double($0) }, shape)
  }

  /// A `bytes` object read as little-endian float32 (shape `[count]`).
  static func rawFloats(_ object: PythonObject, name: String, function: String) throws -> (
    values: [Float], shape: [Int]
  ) {
    let size = PyBytes_Size(object)
    guard size >= 0, size % 4 == 0, let data = PyBytes_AsString(object) else {
      PyErr_Clear()
      throw PythonError.value(
        "\(function)(): \(name): bytes of float32 must have a length divisible by 4")
    }
    let values = (0..<(size / 4)).map { index in
      Float(
        bitPattern: UnsafeRawPointer(data).loadUnaligned(fromByteOffset: index * 4, as: UInt32.self)
      )
    }
    return (values, [values.count])
  }

  /// An int64 C-contiguous buffer copied out, with its shape.
  func int64s(_ index: Int, _ name: String) throws -> (values: [Int], shape: [Int]) {
    try Self.readBuffer(
      item(index), name: name, function: function, itemSize: 8,
      formats: ["l", "q", "<l", "<q", "=l", "=q"], expected: "int64"
    ) { pointer, count in
      UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: Int64.self), count: count).map {
        Int($0)
      }
    }
  }

  static func readBuffer<T>(
    _ object: PythonObject, name: String, function: String, itemSize: Int, formats: Set<String>,
    expected: String, copy: (UnsafeRawPointer, Int) -> [T]
  ) throws -> (values: [T], shape: [Int]) {
    var view = Py_buffer()
    guard PyObject_GetBuffer(object, &view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) == 0 else {
      PyErr_Clear()
      throw PythonError.type(
        "\(function)(): \(name) must be a C-contiguous \(expected) array (a buffer), got \(String(cString: cpy_type_name(object)))"
      )
    }
    defer { PyBuffer_Release(&view) }
    let format = view.format.map { String(cString: $0) } ?? "B"
    guard view.itemsize == itemSize, formats.contains(format) else {
      throw PythonError.type(
        "\(function)(): \(name) must have dtype \(expected), got buffer format '\(format)' (\(view.itemsize)-byte items)"
      )
    }
    let rank = Int(view.ndim)
    let shape = rank == 0 ? [] : (0..<rank).map { Int(view.shape[$0]) }
    let count = shape.reduce(1, *)
    guard count == 0 || view.buf != nil else { return ([], shape) }
    let values = count == 0 ? [] : copy(UnsafeRawPointer(view.buf!), count)
    return (values, shape)
  }
}

// MARK: - Results (new references)

enum Build {
  static func check(_ object: PythonObject?) throws -> PythonObject {
    guard let object else { throw PythonError.alreadySet }
    return object
  }

  static func int(_ value: Int) throws -> PythonObject {
    try check(PyLong_FromLongLong(Int64(value)))
  }
  static func double(_ value: Double) throws -> PythonObject {
    try check(PyFloat_FromDouble(value))
  }
  static func string(_ value: String) throws -> PythonObject {
    try check(PyUnicode_FromString(value))
  }
  static func bool(_ value: Bool) throws -> PythonObject {
    try check(PyBool_FromLong(value ? 1 : 0))
  }
  static func none() -> PythonObject { cpy_none()! }

  /// Little-endian bytes of the values (float32, float64 or int64 by element type).
  static func bytes<T>(_ values: [T]) throws -> PythonObject {
    try values.withUnsafeBytes { raw in
      try check(
        PyBytes_FromStringAndSize(
          raw.baseAddress?.assumingMemoryBound(to: CChar.self), raw.count))
    }
  }

  /// A tuple of new references (stolen, also on failure).
  static func tuple(_ items: [PythonObject]) throws -> PythonObject {
    guard let tuple = PyTuple_New(items.count) else {
      items.forEach { Py_DecRef($0) }
      throw PythonError.alreadySet
    }
    for (index, item) in items.enumerated() { PyTuple_SetItem(tuple, index, item) }
    return tuple
  }

  static func list(_ items: [PythonObject]) throws -> PythonObject {
    guard let list = PyList_New(items.count) else {
      items.forEach { Py_DecRef($0) }
      throw PythonError.alreadySet
    }
    for (index, item) in items.enumerated() { PyList_SetItem(list, index, item) }
    return list
  }

  /// A dict from new references (values are released after insertion).
  static func dict(_ items: [(String, PythonObject)]) throws -> PythonObject {
    guard let dict = PyDict_New() else {
      items.forEach { Py_DecRef($0.1) }
      throw PythonError.alreadySet
    }
    var failed = false
    for (key, value) in items {
      if PyDict_SetItemString(dict, key, value) != 0 { failed = true }
      Py_DecRef(value)
    }
    if failed {
      Py_DecRef(dict)
      throw PythonError.alreadySet
    }
    return dict
  }
}

// MARK: - The GIL

/// Runs `body` with the GIL released: it must not touch Python objects (callbacks re-acquire
/// the GIL through `withGIL`).
func withoutGIL<T>(_ body: () throws -> T) rethrows -> T {
  let state = PyEval_SaveThread()
  defer { PyEval_RestoreThread(state) }
  return try body()
}

/// Runs `body` holding the GIL, from a thread that released it (or any other thread).
func withGIL<T>(_ body: () -> T) -> T {
  let state = PyGILState_Ensure()
  defer { PyGILState_Release(state) }
  return body()
}
