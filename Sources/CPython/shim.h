// CPython: the C API of the interpreter that imports the extension. No `link` line: an
// extension must not link libpython; the interpreter provides the symbols at import.
// libc headers come first, before pyconfig.h's feature macros, or modules importing both this
// and Glibc/Foundation disagree about `fd_set` on clean builds (interop-probe.md, section C).
#ifndef MEMKD_CPYTHON_SHIM_H
#define MEMKD_CPYTHON_SHIM_H
#include <stdlib.h>
#include <string.h>
#define PY_SSIZE_T_CLEAN
#include <Python.h>

/// `Py_None` as a new reference.
static inline PyObject *cpy_none(void) { Py_RETURN_NONE; }
static inline PyObject *cpy_exc_value_error(void) { return PyExc_ValueError; }
static inline PyObject *cpy_exc_type_error(void) { return PyExc_TypeError; }
static inline PyObject *cpy_exc_os_error(void) { return PyExc_OSError; }
static inline PyObject *cpy_exc_runtime_error(void) { return PyExc_RuntimeError; }
static inline int cpy_is_none(PyObject *object) { return object == Py_None; }
// Type checks: function-like macros, which Swift cannot call.
static inline int cpy_is_int(PyObject *object) { return PyLong_Check(object); }
static inline int cpy_is_float(PyObject *object) { return PyFloat_Check(object); }
static inline int cpy_is_bool(PyObject *object) { return PyBool_Check(object); }
static inline int cpy_is_str(PyObject *object) { return PyUnicode_Check(object); }
static inline int cpy_is_list(PyObject *object) { return PyList_Check(object); }
static inline int cpy_is_tuple(PyObject *object) { return PyTuple_Check(object); }
static inline int cpy_is_bytes(PyObject *object) { return PyBytes_CheckExact(object); }
/// The object's type name (borrowed UTF-8, valid while the object lives).
static inline const char *cpy_type_name(PyObject *object) { return Py_TYPE(object)->tp_name; }

/// A module definition with `PyModuleDef_HEAD_INIT`, which Swift cannot spell (brace initializer).
static inline PyModuleDef *cpy_make_module_def(const char *name, const char *doc,
                                               PyMethodDef *methods) {
  PyModuleDef *def = (PyModuleDef *)calloc(1, sizeof(PyModuleDef));
  PyModuleDef head = PyModuleDef_HEAD_INIT;
  *def = head;
  def->m_name = name;
  def->m_doc = doc;
  def->m_size = -1;
  def->m_methods = methods;
  return def;
}

static inline PyObject *cpy_module_create(PyModuleDef *def) {
  return PyModule_Create(def);
}

#endif
