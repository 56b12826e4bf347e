import Dispatch

/// `(0..<count).map(body)` with up to `threads` iterations running at once.
///
/// Why: one training batch is split into independent shards (see `TrainingConfig.batchShards`)
/// whose gradients are summed in a fixed order afterwards, so running them on the machine's
/// two cores changes the wall time and never the result.
func parallelMap<T: Sendable>(
  _ count: Int, threads: Int, _ body: @Sendable (Int) -> T
) -> [T] {
  guard threads > 1, count > 1 else { return (0..<count).map(body) }
  let results = ResultSlots<T>(count: count)
  if count == 2 {
    // The common case (two shards, two cores): a persistent worker, see `ShardWorker`.
    withoutActuallyEscaping(body) { body in
      let unchecked = UncheckedSendable(body)
      ShardWorker.shared.run(
        { results.store(unchecked.value(0), at: 0) },
        { results.store(unchecked.value(1), at: 1) })
    }
  } else {
    DispatchQueue.concurrentPerform(iterations: count) { index in
      results.store(body(index), at: index)
    }
  }
  return results.values
}

/// Carries a non-escaping closure into `ShardWorker.run`, which returns only after it has run.
private struct UncheckedSendable<Value>: @unchecked Sendable {
  let value: Value
  init(_ value: Value) { self.value = value }
}

/// One slot per iteration, each written by exactly one iteration before `values` is read.
/// A raw buffer rather than an array property: concurrent writes to distinct elements of a
/// Swift array property would be overlapping accesses of the property itself.
private final class ResultSlots<T>: @unchecked Sendable {
  private let slots: UnsafeMutableBufferPointer<T?>

  init(count: Int) {
    slots = .allocate(capacity: count)
    slots.initialize(repeating: nil)
  }

  deinit {
    _ = slots.deinitialize()
    slots.deallocate()
  }

  func store(_ value: T, at index: Int) {
    slots[index] = value
  }

  var values: [T] {
    slots.map { $0! }
  }
}
