/// Gradient-norm clipping as `torch.nn.utils.clip_grad_norm_` does it: one global L2 norm over
/// every tensor; when it exceeds `maxNorm`, every gradient is scaled by
/// `maxNorm / (norm + 1e-6)`.
public enum GradientClipping {
  /// Clips in place and returns the norm before clipping.
  @discardableResult
  public static func clip<S: EngineScalar>(_ gradients: inout [[S]], maxNorm: Double) -> Double {
    var sum = 0.0
    for tensor in gradients {
      for value in tensor { sum += Double(value) * Double(value) }
    }
    let norm = sum.squareRoot()
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
      let scale = S(coefficient)
      for index in gradients.indices {
        for j in gradients[index].indices { gradients[index][j] *= scale }
      }
    }
    return norm
  }
}
