import Foundation
import Synchronization

/// A persistent second thread for running one of two batch shards.
///
/// Why not `DispatchQueue.concurrentPerform` alone: a student batch is ~0.1 ms of work per shard,
/// and waking a pool thread for each batch costs a sizeable part of that (measured: the second
/// core often joined late, or not at all). This worker spins briefly after each job, so
/// consecutive batches hand over in well under a microsecond, and it parks on a semaphore after
/// about a millisecond without work, so an idle process does not burn a core.
final class ShardWorker: @unchecked Sendable {
  /// Process-wide worker; `run` falls back to the caller's thread when it is busy.
  static let shared = ShardWorker()

  private enum State: Int {
    case idle = 0, posted = 1, done = 2
  }

  private let state = Atomic<Int>(State.idle.rawValue)
  private let parked = Atomic<Bool>(false)
  private let wakeUp = DispatchSemaphore(value: 0)
  private let owner = Mutex<Void>(())
  /// Written by the posting thread before `state` becomes `posted`, read by the worker after,
  /// and cleared by the posting thread once `state` is `done`. Only the posting thread writes
  /// it: the compiler may place the retain of a stored closure after the atomic store that
  /// posts it, so a worker that released the last reference (`job = nil`) could free the
  /// closure before the poster retained it, and the poster's retain then hit freed memory (a
  /// crash seen once in ~500 two-thread student trainings).
  private nonisolated(unsafe) var job: (() -> Void)?
  /// Busy-wait iterations before parking (about a millisecond).
  private let spinLimit = 200_000

  private init() {
    let thread = Thread { [unowned self] in self.loop() }
    thread.name = "memkd-shard-worker"
    thread.start()
  }

  /// Runs `first` on the calling thread and `second` on the worker, returning when both are
  /// done. If another caller is using the worker, runs both here, one after the other.
  func run(_ first: () -> Void, _ second: @escaping @Sendable () -> Void) {
    let ran = owner.withLockIfAvailable { _ in
      job = second
      state.store(State.posted.rawValue, ordering: .sequentiallyConsistent)
      if parked.load(ordering: .sequentiallyConsistent) { wakeUp.signal() }
      first()
      while state.load(ordering: .acquiring) != State.done.rawValue {}
      job = nil
      state.store(State.idle.rawValue, ordering: .releasing)
      return true
    }
    if ran == nil {
      first()
      second()
    }
  }

  private func loop() {
    while true {
      var spins = 0
      while state.load(ordering: .sequentiallyConsistent) != State.posted.rawValue {
        spins += 1
        guard spins > spinLimit else { continue }
        // Park; the Dekker-style pair (parked then state, state then parked, both sequentially
        // consistent) guarantees a posted job either is seen here or signals the semaphore.
        parked.store(true, ordering: .sequentiallyConsistent)
        if state.load(ordering: .sequentiallyConsistent) != State.posted.rawValue {
          wakeUp.wait()
        }
        parked.store(false, ordering: .sequentiallyConsistent)
        spins = 0
      }
      job?()
      state.store(State.done.rawValue, ordering: .releasing)
    }
  }
}
