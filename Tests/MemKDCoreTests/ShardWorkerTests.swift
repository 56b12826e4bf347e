import Foundation
import Testing

@testable import MemKDCore

/// The two-thread hand-over of batch shards (`ShardWorker`, `parallelMap`).
@Suite("shard worker")
struct ShardWorkerTests {
  /// Many short jobs, each with a fresh closure context, while other threads keep the cores
  /// busy so that the posting thread is often preempted between posting a job and returning:
  /// the window in which a worker that released the job's last reference freed it under the
  /// poster (a use-after-free seen once as a crash in a student training). Every result must
  /// arrive in its slot, in order.
  @Test("a hundred thousand short two-shard maps under load return every result in order")
  func manyShortJobs() {
    let stop = Atomic(false)
    let loaders = (0..<2).map { _ in
      let thread = Thread {
        var x = 0.0
        while !stop.value { x += sin(x) + 1 }
        _ = x
      }
      thread.start()
      return thread
    }
    defer { stop.set(true) }
    _ = loaders
    var wrong = 0
    for round in 0..<100_000 {
      let payload = [Double](repeating: Double(round), count: 3)
      let results = parallelMap(2, threads: 2) { index in payload.map { $0 + Double(index) } }
      if results != [payload, payload.map { $0 + 1 }] { wrong += 1 }
    }
    #expect(wrong == 0)
  }
}

/// A flag shared with the load threads.
private final class Atomic<Value: Sendable>: @unchecked Sendable {
  private let lock = NSLock()
  private var stored: Value
  init(_ value: Value) { stored = value }
  var value: Value { lock.withLock { stored } }
  func set(_ value: Value) { lock.withLock { stored = value } }
}
