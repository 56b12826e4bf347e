import CPython
import MemKDCore

/// Watches a long call that runs without the GIL (training, distillation, traces) for the two
/// things that stop it from Python: Ctrl-C (SIGINT: the interpreter's pending signal handlers
/// raise KeyboardInterrupt) and an exception from the user's per-epoch callback.
///
/// Why between batches and not only between epochs: a large teacher's epoch takes seconds, and
/// Ctrl-C should stop any call within one second (in Jupyter the alternative is restarting the
/// kernel). The signal check takes the GIL, so it runs at most every 50 ms.
/// The first exception is kept (GIL released) and handed back by `takeException`.
final class PythonInterruption: @unchecked Sendable {
  private let callable: PythonObject?
  private var exception: (PythonObject?, PythonObject?, PythonObject?)?
  private let clock = ContinuousClock()
  private var lastCheck: ContinuousClock.Instant

  init(callback callable: PythonObject?) {
    self.callable = callable
    lastCheck = clock.now
  }

  /// Whether the call must stop (an exception is waiting).
  var stopped: Bool { exception != nil }

  /// After every epoch: runs the pending signal handlers, then calls the callback with the
  /// epoch's figures (GIL re-acquired).
  func report(_ epoch: EpochReport) {
    guard exception == nil else { return }
    withGIL {
      lastCheck = clock.now
      guard PyErr_CheckSignals() == 0 else { return keepException() }
      guard let callable else { return }
      if let result = callWithEpoch(callable, epoch) {
        Py_DecRef(result)
      } else {
        keepException()
      }
    }
  }

  /// Before every batch: true once the call must stop. Checks the signals at most every 50 ms.
  func shouldStop() -> Bool {
    if exception != nil { return true }
    let now = clock.now
    guard now - lastCheck >= .milliseconds(50) else { return false }
    lastCheck = now
    withGIL {
      if PyErr_CheckSignals() != 0 { keepException() }
    }
    return exception != nil
  }

  /// `shouldStop` for loops that stop by throwing (`RecurrentClassifier.traced`).
  func check() throws {
    if shouldStop() { throw PythonError.alreadySet }
  }

  /// Takes the exception just raised (GIL held) to hand back when the call has stopped.
  private func keepException() {
    var type: PythonObject?
    var value: PythonObject?
    var traceback: PythonObject?
    PyErr_Fetch(&type, &value, &traceback)
    exception = (type, value, traceback)
  }

  /// Restores the kept exception as the current one (GIL held); true when there was one.
  func restore() -> Bool {
    guard let (type, value, traceback) = exception else { return false }
    exception = nil
    PyErr_Restore(type, value, traceback)
    return true
  }

  /// The kept exception as an object with its traceback (a new reference, GIL held), for a
  /// result that Python re-raises after it has kept the best weights; None when there is none.
  func takeException() -> PythonObject {
    guard var (type, value, traceback) = exception else { return Build.none() }
    exception = nil
    PyErr_NormalizeException(&type, &value, &traceback)
    if let value, let traceback { PyException_SetTraceback(value, traceback) }
    Py_DecRef(type)
    Py_DecRef(traceback)
    return value ?? Build.none()
  }
}

/// `callable(epoch, max_epochs, train_loss, val_loss, val_auc_prc, lr)`.
private func callWithEpoch(_ callable: PythonObject, _ epoch: EpochReport)
  -> PythonObject?
{
  let items: [PythonObject?] = [
    PyLong_FromLongLong(Int64(epoch.epoch)), PyLong_FromLongLong(Int64(epoch.maxEpochs)),
    PyFloat_FromDouble(epoch.trainLoss), PyFloat_FromDouble(epoch.validationLoss),
    PyFloat_FromDouble(epoch.validationAUCPRC), PyFloat_FromDouble(epoch.learningRate),
  ]
  guard let arguments = try? Build.tuple(items.compactMap { $0 }), items.allSatisfy({ $0 != nil })
  else { return nil }
  defer { Py_DecRef(arguments) }
  return PyObject_CallObject(callable, arguments)
}
