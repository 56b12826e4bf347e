import CPython
import Foundation
import MemKDCore

// Streaming inference from Python: a `StreamingClassifier` owned by a capsule.

private let capsuleName: StaticString = "memkd.StreamingClassifier"

/// A `StreamingClassifier` (which is not thread-safe: one arena of state) behind a lock.
/// Why: `stream_step` releases the GIL, so two Python threads stepping one stream ran the
/// kernels on the same state at once and lost updates.
final class LockedStream: @unchecked Sendable {
  private let stream: StreamingClassifier
  private let lock = NSLock()

  init(_ stream: StreamingClassifier) { self.stream = stream }

  func withLock<T>(_ body: (StreamingClassifier) throws -> T) rethrows -> T {
    lock.lock()
    defer { lock.unlock() }
    return try body(stream)
  }
}

private func capsuleNamePointer() -> UnsafePointer<CChar> {
  UnsafeRawPointer(capsuleName.utf8Start).assumingMemoryBound(to: CChar.self)
}

/// Releases the classifier when Python frees the capsule.
private let releaseStream: PyCapsule_Destructor = { capsule in
  guard let capsule, let pointer = PyCapsule_GetPointer(capsule, capsuleNamePointer()) else {
    PyErr_Clear()
    return
  }
  Unmanaged<LockedStream>.fromOpaque(pointer).release()
}

extension Arguments {
  /// The classifier inside the capsule argument `index` (borrowed while the capsule lives).
  func stream(_ index: Int) throws -> LockedStream {
    let object = item(index)
    guard PyCapsule_IsValid(object, capsuleNamePointer()) == 1,
      let pointer = PyCapsule_GetPointer(object, capsuleNamePointer())
    else {
      PyErr_Clear()
      throw PythonError.type("\(function)(): stream must be a stream made by stream_new()")
    }
    return Unmanaged<LockedStream>.fromOpaque(pointer).takeUnretainedValue()
  }
}

/// `stream_new(config, params, preprocessing) -> capsule`.
func streamNew(_ args: Arguments) throws -> PythonObject {
  let config = try args.config(0)
  let model = RecurrentClassifier(parameters: try args.parameters(1, config: config))
  let name = try args.string(2, "preprocessing")
  guard let preprocessing = StreamPreprocessing(rawValue: name) else {
    throw PythonError.value(
      "stream_new(): preprocessing must be one of \(StreamPreprocessing.allCases.map(\.rawValue).joined(separator: ", ")), got '\(name)'"
    )
  }
  let stream = LockedStream(StreamingClassifier(model: model, preprocessing: preprocessing))
  let pointer = Unmanaged.passRetained(stream).toOpaque()
  guard let capsule = PyCapsule_New(pointer, capsuleNamePointer(), releaseStream) else {
    Unmanaged<LockedStream>.fromOpaque(pointer).release()
    throw PythonError.alreadySet
  }
  return capsule
}

/// `stream_step(stream, chunk) -> bytes f4 [C]`: feeds `chunk` (`[n]` for one channel or
/// `[n, D]`) and returns the probabilities after its last step.
func streamStep(_ args: Arguments) throws -> PythonObject {
  let stream = try args.stream(0)
  let (values, shape) = try args.floats(1, "chunk")
  let inputSize = stream.withLock { $0.config.inputSize }
  guard (shape.count == 1 && inputSize == 1) || (shape.count == 2 && shape[1] == inputSize) else {
    throw PythonError.value(
      "stream_step(): chunk must be [n] (one channel) or [n, \(inputSize)], got shape \(shape)")
  }
  guard values.allSatisfy(\.isFinite) else {
    throw PythonError.value("stream_step(): chunk contains NaN or infinity")
  }
  let probabilities = withoutGIL {
    stream.withLock { classifier -> [Float] in
      classifier.step(chunk: values)
      return classifier.currentProbabilities
    }
  }
  return try Build.bytes(probabilities)
}

/// `stream_reset(stream) -> None`.
func streamReset(_ args: Arguments) throws -> PythonObject {
  try args.stream(0).withLock { $0.reset() }
  return Build.none()
}

/// `stream_steps(stream) -> int`: steps since the last reset.
func streamSteps(_ args: Arguments) throws -> PythonObject {
  try Build.int(try args.stream(0).withLock { $0.steps })
}
