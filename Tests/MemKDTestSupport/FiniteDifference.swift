/// Numerical derivatives for gradient checks, in Double.
///
/// Why the fourth-order central stencil: with `f(x±h), f(x±2h)` the truncation error is
/// O(h^4), so h = 1e-3 keeps both truncation and round-off near 1e-12 for losses of order 1, and
/// a relative error bound of 1e-6 is meaningful even for gradients of order 1e-5.
public enum FiniteDifference {
  /// `d loss / d values[index]` by the fourth-order central difference
  /// `(-f(x+2h) + 8 f(x+h) - 8 f(x-h) + f(x-2h)) / 12h`, where `f` gets a copy of `values` with
  /// one element shifted.
  public static func derivative(
    of values: [Double], at index: Int, step h: Double = 1e-3,
    loss: ([Double]) -> Double
  ) -> Double {
    var shifted = values
    func evaluate(_ offset: Double) -> Double {
      shifted[index] = values[index] + offset
      return loss(shifted)
    }
    return (-evaluate(2 * h) + 8 * evaluate(h) - 8 * evaluate(-h) + evaluate(-2 * h)) / (12 * h)
  }

  /// `|analytic - numeric| / max(|analytic|, |numeric|, floor)`: relative error, with a floor so
  /// that gradients below `floor` (including exact zeros) compare on an absolute scale of
  /// `floor * bound`. The default 1e-5 puts that scale at 1e-11 for a 1e-6 bound: about five
  /// times the measured noise of the stencil on order-one losses (~2e-12), far below any real
  /// gradient error.
  public static func relativeError(_ analytic: Double, _ numeric: Double, floor: Double = 1e-5)
    -> Double
  {
    abs(analytic - numeric) / max(abs(analytic), abs(numeric), floor)
  }
}
