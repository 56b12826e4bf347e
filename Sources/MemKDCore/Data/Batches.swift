/// Mini-batches of indices 0..<count, shuffled with the given generator (its state advances),
/// batchSize each, last one smaller.
///
/// Why a free function taking `inout SeededGenerator`: training draws one epoch's order after
/// another from the run's shuffle stream, and a resumed run restores that generator's state, so
/// the caller owns the generator. The permutation is `SeededGenerator.permutation`, a fixed
/// Fisher-Yates, so orders are identical across platforms.
///
/// Shape: `ceil(count / batchSize)` arrays whose concatenation is a permutation of 0..<count.
/// `count == 0` gives no batches (and draws nothing).
public func shuffledBatches(count: Int, batchSize: Int, generator: inout SeededGenerator) -> [[Int]]
{
  precondition(count >= 0, "shuffledBatches: count must not be negative")
  precondition(batchSize > 0, "shuffledBatches: batchSize must be positive")
  guard count > 0 else { return [] }
  let order = generator.permutation(count)
  return stride(from: 0, to: count, by: batchSize).map { start in
    Array(order[start..<min(start + batchSize, count)])
  }
}
