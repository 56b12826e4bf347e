/// MemKD's term for the per-sample normalisations (`per-sample-mean`, `step-norm`, `none`), one
/// sample at a time.
///
/// Why a second form of `term`: with a per-sample (or per-pair) normaliser every sample's part
/// of the loss is independent, so normaliser, smooth-L1, its gradient and the scatter into
/// `dL/dH` run in one pass over the sample with no `[B, P]` intermediates. This is the hot path
/// of a student MemKD epoch; `batch-mean` couples the samples and has `batchMeanTerm`. Both
/// scatter through `scatter`, and the gradient checks and golden values cover both.
extension MemKDLoss {
  func rowTerm<S: EngineScalar>(
    _ input: DistillationInput<S>, student: Measured<S>, teacher: Measured<S>,
    pairs: [StepPair], weight: S, gradient: inout [S]
  ) -> S {
    precondition(normalization != .batchMean, "MemKD: rowTerm needs a per-sample normaliser")
    let (batch, length, size, count) = (
      input.batch, input.length, input.studentHiddenSize, pairs.count
    )
    let floor = S(Self.normFloor)
    let scale = 1 / S(batch * count)  // smooth-L1 is a mean over B P entries
    let stepNorm = normalization == .stepNorm
    let isChain = pairs.indices.allSatisfy { pairs[$0] == StepPair($0, $0 + 1) }
    // One sample's dL/d delta (then divided by delta), and step-norm's factor on H[t1].
    var coefficients = [S](repeating: 0, count: count)
    var earlyFactor = [S](repeating: 0, count: stepNorm ? count : 0)
    // Raw buffers: array element writes inside this loop otherwise re-check uniqueness. The
    // closures return the sum: a captured `var` accumulator lives in memory, and its
    // load-add-store chain was a third of this function's time.
    let total = gradient.withUnsafeMutableBufferPointer { gradientBuffer -> S in
      coefficients.withUnsafeMutableBufferPointer { coefficients -> S in
        earlyFactor.withUnsafeMutableBufferPointer { earlyFactor -> S in
          input.studentHidden.withUnsafeBufferPointer { hiddenBuffer -> S in
            student.delta.withUnsafeBufferPointer { studentDelta -> S in
              teacher.delta.withUnsafeBufferPointer { teacherDelta -> S in
                guard let g = gradientBuffer.baseAddress, let h = hiddenBuffer.baseAddress else {
                  return 0
                }
                var total: S = 0
                for b in 0..<batch {
                  let row = b * count
                  // Normalisers: per sample (mean delta), per pair (step-norm), or none.
                  var studentMu: S = 1
                  var teacherMu: S = 1
                  if normalization == .perSampleMean {
                    var studentSum: S = 0
                    var teacherSum: S = 0
                    for p in 0..<count {
                      studentSum += studentDelta[row + p]
                      teacherSum += teacherDelta[row + p]
                    }
                    studentMu = Swift.max(studentSum / S(count), floor)
                    teacherMu = Swift.max(teacherSum / S(count), floor)
                  }
                  let (studentInverse, teacherInverse) = (1 / studentMu, 1 / teacherMu)
                  var dot: S = 0
                  for p in 0..<count {
                    let delta = studentDelta[row + p]
                    var divisor = studentMu
                    var inverse = studentInverse
                    var phiStudent = delta * studentInverse
                    var phiTeacher = teacherDelta[row + p] * teacherInverse
                    if stepNorm {
                      divisor = Swift.max(student.earlyNorm[row + p], floor)
                      inverse = 1 / divisor
                      // Divided, not multiplied by `inverse`: proportional sequences then give
                      // exactly equal phi (a tested property).
                      phiStudent = delta / divisor
                      phiTeacher =
                        teacherDelta[row + p] / Swift.max(teacher.earlyNorm[row + p], floor)
                    }
                    // Smooth-L1 without a data-dependent branch (it mispredicted): with
                    // m = min(|d|, 1), the value m (|d| - m / 2) is d^2 / 2 when |d| <= 1 and
                    // |d| - 1/2 otherwise, and the gradient is d clamped to [-1, 1].
                    let d = phiStudent - phiTeacher
                    let magnitude = abs(d)
                    let clipped = Swift.min(magnitude, 1)
                    total += clipped * (magnitude - clipped / 2)
                    let phiGradient = Swift.min(Swift.max(d, -1), 1) * scale
                    coefficients[p] = weight * phiGradient * inverse
                    dot += phiGradient * delta
                    if stepNorm {
                      earlyFactor[p] =
                        divisor > floor
                        ? -weight * phiGradient * delta / (divisor * divisor * divisor) : 0
                    }
                  }
                  // mu's own dependence on every delta of the sample (when not clamped).
                  if normalization == .perSampleMean && studentMu > floor {
                    let correction = weight * dot / (studentMu * studentMu * S(count))
                    for p in 0..<count { coefficients[p] -= correction }
                  }
                  // d delta / d H[t2] = D / delta = -d delta / d H[t1] (0 at D = 0).
                  for p in 0..<count {
                    let delta = studentDelta[row + p]
                    coefficients[p] = delta > 0 ? coefficients[p] / delta : 0
                  }
                  let sample = b * length * size
                  Self.scatter(
                    UnsafePointer(coefficients.baseAddress!), pairs: pairs, isChain: isChain,
                    size: size, length: length, hidden: h + sample, gradient: g + sample)
                  if stepNorm {
                    for (p, pair) in pairs.enumerated() where earlyFactor[p] != 0 {
                      let early = sample + pair.first * size
                      for i in 0..<size { g[early + i] += earlyFactor[p] * h[early + i] }
                    }
                  }
                }
                return total
              }
            }
          }
        }
      }
    }
    return weight * total * scale
  }
}
