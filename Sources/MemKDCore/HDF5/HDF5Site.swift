internal import CHDF5

/// Runs once, before MemKD's first HDF5 call: tells libhdf5 not to install its `atexit`
/// cleanup. Why: after a failed close (a full disk: ENOSPC, EFBIG), the library keeps the
/// half-closed file, and its exit-time cleanup then flushed it again and crashed (SIGSEGV after
/// the error had been reported; in Python, at interpreter exit). Every file MemKD writes is
/// closed explicitly (`HDF5File.write` closes, syncs and renames; readers close in `defer`),
/// and an unfinished write is a hidden temporary file anyway, so there is nothing left for the
/// library to flush at exit.
private let hdf5LibraryPrepared: Void = { _ = H5dont_atexit() }()

/// Where an HDF5 call happens (file and object path), and the one place that turns a failing
/// return value into an `HDF5Error` carrying HDF5's error stack.
///
/// Why every public entry point starts by making a site: HDF5 prints its error stack to stderr
/// unless told not to, and in this thread-safe build that setting (like the stack itself) belongs
/// to the calling thread, so "switch it off once per process" is not enough: a test or a Swift
/// task that lands on a fresh thread would print again. Making a site switches printing off for
/// the current thread; it costs one short library call, far below any file operation.
struct HDF5Site {
  let file: String
  let object: String?

  init(file: String, object: String?) {
    self.file = file
    self.object = object
    _ = hdf5LibraryPrepared
    HDF5ErrorStack.silenceAutomaticPrinting()
  }

  /// An error found by MemKD's own checks (no HDF5 call failed, so no stack is attached).
  func failure(_ operation: String, _ summary: String) -> HDF5Error {
    HDF5Error(operation: operation, file: file, object: object, messages: [summary])
  }

  /// An error for an HDF5 call that just failed: the summary plus the thread's error stack, which
  /// is then cleared so a later failure does not report stale entries.
  func callFailure(_ operation: String, _ summary: String) -> HDF5Error {
    HDF5Error(
      operation: operation, file: file, object: object,
      messages: [summary] + HDF5ErrorStack.takeMessages())
  }

  /// Checks an identifier-returning call (`H5Fopen`, `H5Dcreate2`, ...): negative means failure.
  @discardableResult
  func checkID(
    _ id: hid_t, _ operation: String, _ summary: @autoclosure () -> String
  ) throws(HDF5Error) -> hid_t {
    if id < 0 { throw callFailure(operation, summary()) }
    return id
  }

  /// Checks a status-returning call (`H5Dwrite`, `H5Pset_chunk`, ...): negative means failure.
  func checkStatus(
    _ status: herr_t, _ operation: String, _ summary: @autoclosure () -> String
  ) throws(HDF5Error) {
    if status < 0 { throw callFailure(operation, summary()) }
  }

  /// Checks a yes/no call (`H5Lexists`, `H5Tequal`, ...): negative means failure, else the answer.
  func checkTruth(
    _ value: htri_t, _ operation: String, _ summary: @autoclosure () -> String
  ) throws(HDF5Error) -> Bool {
    if value < 0 { throw callFailure(operation, summary()) }
    return value > 0
  }

  /// Checks a size-returning call (`H5Tget_size`, `H5Sget_simple_extent_ndims`, ...), which
  /// reports failure as 0 or a negative number depending on the function.
  func checkCount<Count: BinaryInteger>(
    _ value: Count, failureAtOrBelow floor: Count, _ operation: String,
    _ summary: @autoclosure () -> String
  ) throws(HDF5Error) -> Int {
    guard value > floor, let count = Int(exactly: value) else {
      throw callFailure(operation, summary())
    }
    return count
  }
}
