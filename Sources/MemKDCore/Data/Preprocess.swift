/// The two per-series transforms of PROTOCOL.md ("Data"): linear resampling to a fixed length and
/// per-series z-normalisation.
///
/// Why fixed length: the archive's datasets have different (and, in some, variable) lengths; the
/// paper feeds every model 100 time steps. Why per-series z-normalisation: it removes offset and
/// scale so the classifiers see shape, as the archive intends. All arithmetic is in Double; the
/// caller converts to Float once at the end.
public enum Preprocess {
  /// Linear resampling over the normalised time axis, endpoints kept: out[j] = interp at position
  /// j*(n-1)/(L-1). n == 1 gives a constant series.
  ///
  /// Shapes: `series` is [n] with n >= 1; the result is [length]. `length == n` returns the input
  /// unchanged; `length == 1` returns `[series[0]]`; `length == 0` returns `[]`.
  public static func resample(_ series: [Double], to length: Int) -> [Double] {
    precondition(!series.isEmpty, "resample needs at least one value")
    precondition(length >= 0, "resample length must not be negative")
    let n = series.count
    if length == n { return series }
    if n == 1 { return [Double](repeating: series[0], count: length) }
    if length <= 1 { return length == 1 ? [series[0]] : [] }
    let denominator = Double(length - 1)
    var out = [Double](repeating: 0, count: length)
    for j in 0..<length {
      // j * (n - 1) is an exact integer, so the position has one rounding and the last one is
      // exactly n - 1.
      let position = Double(j * (n - 1)) / denominator
      // Left neighbour index, kept <= n - 2 so that the right neighbour exists.
      let left = min(Int(position), n - 2)
      let t = position - Double(left)
      // (1 - t) * a + t * b gives exactly a at t == 0 and exactly b at t == 1 (endpoints kept).
      out[j] = (1 - t) * series[left] + t * series[left + 1]
    }
    return out
  }

  /// Per-series z-normalisation with the population std (ddof 0); a constant series (std < 1e-8)
  /// becomes all zeros.
  ///
  /// Shapes: [n] -> [n]. Two-pass mean/variance for accuracy. An empty series returns `[]`.
  public static func zNormalize(_ series: [Double]) -> [Double] {
    guard !series.isEmpty else { return [] }
    let n = Double(series.count)
    var sum = 0.0
    for value in series { sum += value }
    let mean = sum / n
    var squares = 0.0
    for value in series {
      let d = value - mean
      squares += d * d
    }
    let std = (squares / n).squareRoot()
    if std < 1e-8 { return [Double](repeating: 0, count: series.count) }
    return series.map { ($0 - mean) / std }
  }

  /// Missing values (NaN, a `.ts` file's `?`) filled by linear interpolation between the
  /// nearest present neighbours; leading and trailing runs take the nearest present value.
  ///
  /// Why interpolate rather than refuse or zero: the UEA archive marks gaps inside recordings
  /// with `?`, and resampling (also linear) then treats a gap like any other stretch between
  /// two samples. Shapes: [n] -> [n]; needs at least one present value.
  public static func fillMissing(_ series: [Double]) -> [Double] {
    guard series.contains(where: \.isNaN) else { return series }
    let present = series.indices.filter { !series[$0].isNaN }
    precondition(!present.isEmpty, "fillMissing needs at least one present value")
    var out = series
    var previous: Int?
    var next = 0  // index into `present` of the first present position after the current one
    for index in series.indices {
      if !series[index].isNaN {
        previous = index
        next += 1
        continue
      }
      switch (previous, next < present.count ? present[next] : nil) {
      case (let left?, let right?):
        let t = Double(index - left) / Double(right - left)
        out[index] = (1 - t) * series[left] + t * series[right]
      case (let left?, nil): out[index] = series[left]
      case (nil, let right?): out[index] = series[right]
      case (nil, nil): break
      }
    }
    return out
  }
}
