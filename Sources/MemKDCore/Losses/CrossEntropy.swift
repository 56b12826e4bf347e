import RealModule

/// Softmax cross-entropy on logits, computed with a max-shifted log-sum-exp so that large logits
/// neither overflow nor lose the small ones.
public enum CrossEntropy {
  /// Mean over the batch of `-log softmax(z_b)[y_b]` (PyTorch's `F.cross_entropy`, mean
  /// reduction) and its gradient `(softmax(z) - onehot(y)) / B`.
  /// - Parameters:
  ///   - logits: `[B, C]` row-major.
  ///   - labels: `[B]`, each in `0..<classes`.
  ///   - meanOver: the divisor `B` of the mean; defaults to `labels.count`. A slice of a batch
  ///     passes the whole batch's size, so the slices' losses and gradients add up to the batch's.
  public static func lossAndGradient<S: EngineScalar>(
    logits: [S], labels: [Int], classes: Int, meanOver: Int? = nil
  ) -> (loss: S, gradient: [S]) {
    let batch = labels.count
    precondition(logits.count == batch * classes, "cross-entropy: logits are not [B, C]")
    var gradient = [S](repeating: 0, count: logits.count)
    var total: S = 0
    let scale = 1 / S(meanOver ?? batch)
    for b in 0..<batch {
      let label = labels[b]
      precondition(label >= 0 && label < classes, "cross-entropy: label \(label) out of range")
      let row = b * classes
      var maximum = logits[row]
      for k in 1..<classes { maximum = Swift.max(maximum, logits[row + k]) }
      var sum: S = 0
      for k in 0..<classes {
        let e = S.exp(logits[row + k] - maximum)
        gradient[row + k] = e
        sum += e
      }
      let logSumExp = maximum + S.log(sum)
      total += logSumExp - logits[row + label]
      for k in 0..<classes { gradient[row + k] = gradient[row + k] / sum * scale }
      gradient[row + label] -= scale
    }
    return (total * scale, gradient)
  }

  /// Per-sample losses `-log softmax(z_b)[y_b]` in Double (evaluation: summed over many batches).
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public static func sampleLosses<S: EngineScalar>(
    logits: [S], labels: [Int], classes: Int
  ) -> [Double] {
    precondition(logits.count == labels.count * classes, "cross-entropy: logits are not [B, C]")
    var row = [Double](repeating: 0, count: classes)
    return labels.indices.map { b in
      Softmax.widen(logits, row: b, classes: classes, into: &row)
      return Softmax.logSumExp(row) - row[labels[b]]
    }
  }
}

/// Softmax helpers in Double (metrics read probabilities).
public enum Softmax {
  /// `log(sum(exp(values)))` without overflow.
  public static func logSumExp(_ values: [Double]) -> Double {
    guard let maximum = values.max(), maximum.isFinite else { return values.max() ?? -.infinity }
    var sum = 0.0
    for value in values { sum += Double.exp(value - maximum) }
    return maximum + Double.log(sum)
  }

  /// Row-wise softmax of `[N, C]` logits, returned in Double.
  ///
  /// Specialised: called from another module (the CLI, the extension, the benchmark), the generic
  /// body converted each logit through `BinaryFloatingPoint`'s dynamic-cast path, ~100 ns a
  /// value, which made the softmax of 1,029 x 14 logits cost as much as the student's forward
  /// pass.
  @_specialize(where S == Float)
  @_specialize(where S == Double)
  public static func probabilities<S: EngineScalar>(logits: [S], classes: Int) -> [Double] {
    precondition(classes > 0 && logits.count % classes == 0, "softmax: logits are not [N, C]")
    var result = [Double](repeating: 0, count: logits.count)
    var values = [Double](repeating: 0, count: classes)
    for row in 0..<(logits.count / classes) {
      widen(logits, row: row, classes: classes, into: &values)
      let lse = logSumExp(values)
      for k in 0..<classes { result[row * classes + k] = Double.exp(values[k] - lse) }
    }
    return result
  }

  /// Row `row` of `[N, C]` logits, in Double, into `values` (`[C]`, reused across rows).
  @inline(__always)
  static func widen<S: EngineScalar>(
    _ logits: [S], row: Int, classes: Int, into values: inout [Double]
  ) {
    for k in 0..<classes { values[k] = Double(logits[row * classes + k]) }
  }
}
