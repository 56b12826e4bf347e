import RealModule

/// Adam (Kingma & Ba) with PyTorch's defaults and arithmetic (`torch.optim.Adam`, L2 weight
/// decay as an argument of `update`, no amsgrad), so a Swift run and a PyTorch run of the same
/// gradients take the same steps.
///
/// State is one first/second moment per parameter element plus the step count; it is `Codable`
/// so a run can be saved and resumed exactly.
public struct Adam<Scalar: EngineScalar>: Optimizer, Sendable, Equatable, Codable {
  public var learningRate: Double
  public var beta1: Double = 0.9
  public var beta2: Double = 0.999
  public var epsilon: Double = 1e-8
  /// Number of updates taken so far.
  public private(set) var step: Int = 0
  /// `m` per tensor, same layout as the parameters.
  public private(set) var firstMoments: [[Scalar]] = []
  /// `v` per tensor.
  public private(set) var secondMoments: [[Scalar]] = []

  public init(learningRate: Double) {
    self.learningRate = learningRate
  }

  /// Restores a saved state (resuming a run). Moments are per tensor, in parameter order; empty
  /// before the first step.
  public init(
    learningRate: Double, step: Int, firstMoments: [[Scalar]], secondMoments: [[Scalar]],
    beta1: Double = 0.9, beta2: Double = 0.999, epsilon: Double = 1e-8
  ) {
    self.learningRate = learningRate
    self.step = step
    self.firstMoments = firstMoments
    self.secondMoments = secondMoments
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
  }

  /// One update of `parameters` along `gradients` (same tensor list layout).
  ///
  /// PyTorch's order of operations: `g += weightDecay * p` (only when `weightDecay` is not 0),
  /// `m = lerp(m, g, 1 - b1)`, `v = b2 v + (1 - b2) g^2`,
  /// `p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)`.
  public mutating func update(
    _ parameters: inout [[Scalar]], gradients: [[Scalar]], weightDecay: Double = 0
  ) {
    precondition(parameters.count == gradients.count, "Adam: parameter/gradient count mismatch")
    if firstMoments.isEmpty {
      firstMoments = parameters.map { [Scalar](repeating: 0, count: $0.count) }
      secondMoments = firstMoments
    }
    precondition(firstMoments.count == parameters.count, "Adam: parameter list changed")
    step += 1
    let t = Double(step)
    let stepSize = Scalar(learningRate / (1 - Double.pow(beta1, t)))
    let correction2Root = Scalar((1 - Double.pow(beta2, t)).squareRoot())
    let oneMinusBeta1 = Scalar(1 - beta1)
    let b2 = Scalar(beta2)
    let oneMinusBeta2 = Scalar(1 - beta2)
    let eps = Scalar(epsilon)
    let decay = Scalar(weightDecay)
    let decays = weightDecay != 0
    for index in parameters.indices {
      precondition(
        parameters[index].count == gradients[index].count
          && parameters[index].count == firstMoments[index].count,
        "Adam: tensor \(index) changed size")
      parameters[index].withUnsafeMutableBufferPointer { p in
        gradients[index].withUnsafeBufferPointer { g in
          firstMoments[index].withUnsafeMutableBufferPointer { m in
            secondMoments[index].withUnsafeMutableBufferPointer { v in
              for j in 0..<p.count {
                let grad = decays ? g[j] + decay * p[j] : g[j]
                m[j] += (grad - m[j]) * oneMinusBeta1
                v[j] = v[j] * b2 + oneMinusBeta2 * grad * grad
                let denominator = v[j].squareRoot() / correction2Root + eps
                p[j] -= stepSize * (m[j] / denominator)
              }
            }
          }
        }
      }
    }
  }
}
