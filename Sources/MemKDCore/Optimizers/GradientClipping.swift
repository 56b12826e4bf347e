/// Gradient-norm clipping as `torch.nn.utils.clip_grad_norm_` does it: one global L2 norm over
/// every tensor; when it exceeds `maxNorm`, every gradient is scaled by
/// `maxNorm / (norm + 1e-6)`.
public enum GradientClipping {
  /// Clips in place and returns the norm before clipping.
  @discardableResult
  public static func clip<S: EngineScalar>(_ gradients: inout [[S]], maxNorm: Double) -> Double {
    var none: [[S]] = []
    return clip(&gradients, &none, maxNorm: maxNorm)
  }

  /// Clips two lists by their joint norm (as if they were one list, `first` then `second`:
  /// the model's gradients and an objective's), in place; returns the norm before clipping.
  @discardableResult
  public static func clip<S: EngineScalar>(
    _ first: inout [[S]], _ second: inout [[S]], maxNorm: Double
  ) -> Double {
    var sum = 0.0
    for list in [first, second] {
      for tensor in list {
        for value in tensor { sum += Double(value) * Double(value) }
      }
    }
    let norm = sum.squareRoot()
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
      scale(&first, by: S(coefficient))
      scale(&second, by: S(coefficient))
    }
    return norm
  }

  private static func scale<S: EngineScalar>(_ gradients: inout [[S]], by scale: S) {
    for index in gradients.indices {
      for j in gradients[index].indices { gradients[index][j] *= scale }
    }
  }
}
