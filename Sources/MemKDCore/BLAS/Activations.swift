import RealModule

/// The gate nonlinearities of the recurrent cells on eight lanes at a time.
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
    typealias T = TanhApproximation
    let bound = T.bound
    var x = input
    x.replace(with: bound, where: x .> bound)
    x.replace(with: -bound, where: x .< -bound)
    let x2 = x * x
    // Horner steps as fused multiply-adds (`c + x2 * p` in one rounding; vfmadd with haswell).
    @inline(__always) func step(_ accumulator: SIMD8<Float>, _ coefficient: Float) -> SIMD8<Float> {
      SIMD8(repeating: coefficient).addingProduct(x2, accumulator)
    }
    var p = step(SIMD8(repeating: T.p13), T.p11)
    p = step(p, T.p9)
    p = step(p, T.p7)
    p = step(p, T.p5)
    p = step(p, T.p3)
    p = step(p, T.p1)
    var q = step(SIMD8(repeating: T.q6), T.q4)
    q = step(q, T.q2)
    q = step(q, T.q0)
    return x * p / q
  }
}

extension Float {
  /// `exp(x)` on eight lanes (Cephes `expf`: `x = n ln 2 + r`, a degree-6 polynomial in `r`,
  /// times `2^n` built in the exponent bits); within 2 ulp for `x` in [-87, 88]. Below -87 the
  /// result flushes to a tiny normal number, which a softmax cannot tell from 0.
  @inline(__always)
  public static func _fastExp(_ input: SIMD8<Float>) -> SIMD8<Float> {
    var x = input
    x.replace(with: 88.0, where: x .> 88.0)
    x.replace(with: -87.0, where: x .< -87.0)
    let n = (x * 1.44269504088896341 + 0.5).rounded(.down)
    x = x - n * 0.693359375 + n * 2.12194440e-4
    var p = SIMD8<Float>(repeating: 1.9875691500e-4)
    p = p * x + 1.3981999507e-3
    p = p * x + 8.3334519073e-3
    p = p * x + 4.1665795894e-2
    p = p * x + 1.6666665459e-1
    p = p * x + 5.0000001201e-1
    let y = p * (x * x) + x + 1
    // 2^n: adding 2^23 + 127 puts the integer n + 127 in the low mantissa bits (n is a whole
    // number in [-127, 128]); subtracting 2^23's bits leaves it, and the shift moves it into
    // the exponent. Lane-wise float-to-int conversion would be element by element.
    let biased = unsafeBitCast(n + (8_388_608 + 127), to: SIMD8<UInt32>.self) &- 0x4B00_0000
    return y * unsafeBitCast(biased &<< 23, to: SIMD8<Float>.self)
  }
}

/// The coefficients of the Float tanh (Eigen's `generic_fast_tanh_float`): the one table behind
/// `Float._tanh` (so every cell's Swift kernels) and the tanh of every exported C header.
/// `tanh(x) ~ x p(x^2) / q(x^2)` on `x` clamped to `[-bound, bound]`; `pN` multiplies `x^N`
/// (with the leading `x`), `qN` multiplies `x^N`.
public enum TanhApproximation {
  public static let bound: Float = 7.90531110763549805
  public static let p13: Float = -2.76076847742355e-16
  public static let p11: Float = 2.00018790482477e-13
  public static let p9: Float = -8.60467152213735e-11
  public static let p7: Float = 5.12229709037114e-08
  public static let p5: Float = 1.48572235717979e-05
  public static let p3: Float = 6.37261928875436e-04
  public static let p1: Float = 4.89352455891786e-03
  public static let q6: Float = 1.19825839466702e-06
  public static let q4: Float = 1.18534705686654e-04
  public static let q2: Float = 2.26843463243900e-03
  public static let q0: Float = 4.89352518554385e-03

  /// Numerator coefficients, highest degree first (Horner order).
  public static var numerator: [Float] { [p13, p11, p9, p7, p5, p3, p1] }
  /// Denominator coefficients, highest degree first.
  public static var denominator: [Float] { [q6, q4, q2, q0] }
}
