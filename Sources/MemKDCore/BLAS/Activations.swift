import RealModule

/// The LSTM gate nonlinearities on eight lanes at a time.
///
/// Why per-type: done with libm one value at a time, the gate math was about a third of a teacher
/// epoch (`tanhf`/`expm1f` measured at 26 %). `Float` uses a vectorised rational approximation
/// (below); `Double` keeps libm per lane, so gradient checks in Double compare exact derivatives.
public protocol GateActivations: SIMDScalar {
  /// `1 / (1 + exp(-x))` per lane.
  static func _sigmoid(_ x: SIMD8<Self>) -> SIMD8<Self>
  /// `tanh(x)` per lane.
  static func _tanh(_ x: SIMD8<Self>) -> SIMD8<Self>
}

extension Double: GateActivations {
  @inline(__always)
  public static func _sigmoid(_ x: SIMD8<Double>) -> SIMD8<Double> {
    var result = x
    for lane in 0..<8 { result[lane] = 1 / (1 + Double.exp(-x[lane])) }
    return result
  }

  @inline(__always)
  public static func _tanh(_ x: SIMD8<Double>) -> SIMD8<Double> {
    var result = x
    for lane in 0..<8 { result[lane] = Double.tanh(x[lane]) }
    return result
  }
}

extension Float: GateActivations {
  /// sigmoid(x) = 0.5 + 0.5 tanh(x / 2); max absolute error 2.3e-7 against Double.
  @inline(__always)
  public static func _sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> {
    let half = SIMD8<Float>(repeating: 0.5)
    return half.addingProduct(half, _tanh(half * x))
  }

  /// Eigen's rational minimax tanh (`generic_fast_tanh_float`): odd degree-13 numerator over
  /// even degree-6 denominator on the input clamped to +-7.905, where float tanh is +-1 to within
  /// rounding. Measured max absolute error 3.4e-7 on [-12, 12] against Double tanh; near zero the
  /// ratio is x (1 - 1.3e-7), so small inputs keep full relative precision. NaN propagates (it
  /// fails both clamp comparisons).
  @inline(__always)
  public static func _tanh(_ input: SIMD8<Float>) -> SIMD8<Float> {
    let bound: Float = 7.90531110763549805
    var x = input
    x.replace(with: bound, where: x .> bound)
    x.replace(with: -bound, where: x .< -bound)
    let x2 = x * x
    // Horner steps as fused multiply-adds (`c + x2 * p` in one rounding; vfmadd with haswell).
    @inline(__always) func step(_ accumulator: SIMD8<Float>, _ coefficient: Float) -> SIMD8<Float> {
      SIMD8(repeating: coefficient).addingProduct(x2, accumulator)
    }
    var p = step(SIMD8(repeating: -2.76076847742355e-16), 2.00018790482477e-13)
    p = step(p, -8.60467152213735e-11)
    p = step(p, 5.12229709037114e-08)
    p = step(p, 1.48572235717979e-05)
    p = step(p, 6.37261928875436e-04)
    p = step(p, 4.89352455891786e-03)
    var q = step(SIMD8(repeating: 1.19825839466702e-06), 1.18534705686654e-04)
    q = step(q, 2.26843463243900e-03)
    q = step(q, 4.89352518554385e-03)
    return x * p / q
  }
}
