import CPython
import MemKDCore

// Options from Python: keyword arguments arrive as a list of (key, value) pairs, become
// `OptionValue`s, and MemKDCore's option structs judge them, so Python's rules, defaults and
// messages are the CLI's and the pipeline files'.

extension Arguments {
  /// The `(key, value)` pairs of argument `index` (a list of 2-tuples, `list(kwargs.items())`).
  func options(_ index: Int, _ name: String = "options") throws -> [(
    key: String, value: OptionValue
  )] {
    try items(index, name).map { pair in
      guard cpy_is_tuple(pair) != 0, PyTuple_Size(pair) == 2 else {
        throw fail(name, "must hold (key, value) pairs")
      }
      let key = try Self.string(PyTuple_GetItem(pair, 0)!, name: "\(name) key", function: function)
      return (key, try Self.optionValue(PyTuple_GetItem(pair, 1)!, key: key, function: function))
    }
  }

  /// None, bool, int (and anything with `__index__`, such as numpy integers), float (and numpy
  /// floats) or str, as an `OptionValue`.
  static func optionValue(_ object: PythonObject, key: String, function: String) throws
    -> OptionValue
  {
    if cpy_is_none(object) != 0 { return .null }
    if cpy_is_bool(object) != 0 { return .bool(PyObject_IsTrue(object) == 1) }
    if cpy_is_str(object) != 0 { return .text(try string(object, name: key, function: function)) }
    if cpy_is_float(object) != 0 { return .number(PyFloat_AsDouble(object)) }
    if let index = PyNumber_Index(object) {
      defer { Py_DecRef(index) }
      let value = PyLong_AsLongLong(index)
      if value == -1 && PyErr_Occurred() != nil {
        PyErr_Clear()
        throw PythonError.value("\(function)(): \(key) is out of range")
      }
      return .int(Int(value))
    }
    PyErr_Clear()
    let number = PyFloat_AsDouble(object)
    if number == -1 && PyErr_Occurred() != nil {
      PyErr_Clear()
      throw PythonError.type(
        "\(function)(): \(key) must be a number, a bool, a str or None, not "
          + String(cString: cpy_type_name(object)))
    }
    return .number(number)
  }

  /// `base` with the given options of `Schema` applied; other keys must be in `alsoAllowed`.
  /// - Throws: TypeError for an unknown keyword (Python's convention), ValueError with the
  ///   option's one message for a bad value.
  func apply<Schema: OptionSchema>(
    _ options: [(key: String, value: OptionValue)], to base: Schema,
    alsoAllowed: Set<String> = []
  ) throws -> Schema {
    let keys = Set(Schema.optionKeys)
    if let unknown = options.first(where: {
      !keys.contains($0.key) && !alsoAllowed.contains($0.key)
    }) {
      let allowed = (Schema.optionKeys + alsoAllowed.sorted()).joined(separator: ", ")
      throw PythonError.type(
        "\(function)() got an unexpected keyword argument '\(unknown.key)' (options: \(allowed))")
    }
    do {
      return try base.applying(options.filter { keys.contains($0.key) })
    } catch let error as OptionError {
      if case .wrongKind = error { throw PythonError.type("\(function)(): \(error)") }
      throw PythonError.value("\(function)(): \(error)")
    }
  }
}

extension Build {
  /// An option value as the Python object a user would have written.
  static func option(_ value: OptionValue) throws -> PythonObject {
    switch value {
    case .null: return none()
    case .bool(let flag): return try bool(flag)
    case .int(let integer): return try int(integer)
    case .number(let number): return try double(number)
    case .text(let text): return try string(text)
    }
  }

  /// `{key: value}` of every option in `schema`.
  static func options(_ values: [(key: String, value: OptionValue)]) throws -> PythonObject {
    try dict(values.map { ($0.key, try option($0.value)) })
  }
}

/// The option structs Python sees, by scope name, each with its defaults: one table serves
/// both `option_fields` (the description) and `check_options` (judging values).
enum OptionScopes {
  /// `(key, requirement, summary, default, choices)` of each field.
  typealias Row = (
    key: String, requirement: String, summary: String, defaultValue: OptionValue,
    choices: [String]?
  )

  struct Scope {
    var rows: [Row]
    /// The defaults with the given options applied, as a dict (the core's errors as Python's).
    var check: (Arguments, [(key: String, value: OptionValue)]) throws -> PythonObject
  }

  static func scope<Schema: OptionSchema>(_ defaults: Schema) -> Scope {
    let rows: [Row] = Schema.optionFields.map { field in
      var choices: [String]?
      if case .choice(let names) = field.rule { choices = names }
      return (field.key, field.rule.requirement, field.summary, field.value(in: defaults), choices)
    }
    return Scope(rows: rows) { args, options in
      try Build.options(args.apply(options, to: defaults).optionValues)
    }
  }

  static var all: [String: Scope] {
    [
      "preprocessing": scope(Preprocessing()),
      "teacher": scope(TeacherTraining.paper),
      "student": scope(StudentDistillation.paper),
      "training": scope(TrainingConfig.teacher),
      "student_training": scope(TrainingConfig.student),
      "memkd": scope(MemKDLoss()),
    ]
  }

  /// The scope named by argument `index`.
  /// - Throws: ValueError naming the scopes.
  static func named(_ args: Arguments, _ index: Int) throws -> Scope {
    let name = try args.string(index, "scope")
    guard let scope = all[name] else {
      throw PythonError.value(
        "\(args.function)(): scope must be one of \(all.keys.sorted().joined(separator: ", ")), got '\(name)'"
      )
    }
    return scope
  }
}

/// `option_fields(scope) -> [(key, requirement, summary, default, choices or None)]`: the one
/// description of every option, for the Python package's signatures and docstrings.
func optionFields(_ args: Arguments) throws -> PythonObject {
  try Build.list(
    OptionScopes.named(args, 0).rows.map {
      try Build.tuple([
        try Build.string($0.key), try Build.string($0.requirement), try Build.string($0.summary),
        try Build.option($0.defaultValue),
        try $0.choices.map { try Build.list($0.map { try Build.string($0) }) } ?? Build.none(),
      ])
    })
}

/// `methods() -> [(name, anchor_weight)]`: the distillation methods and the beta each defaults
/// to.
func methods(_ args: Arguments) throws -> PythonObject {
  try Build.list(
    DistillationMethod.allCases.map {
      try Build.tuple([try Build.string($0.rawValue), try Build.double($0.anchorWeight)])
    })
}

/// `check_options(scope, options) -> dict`: the options of `scope` with `options` applied,
/// judged by the core (for Python functions that take a few options directly, such as
/// `preprocess(length=, z_normalize=)`).
func checkOptions(_ args: Arguments) throws -> PythonObject {
  try OptionScopes.named(args, 0).check(args, try args.options(1))
}
