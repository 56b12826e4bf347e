/// Preprocessing options applied to every series when a dataset is loaded.
///
/// Why Codable: every checkpoint records the exact preprocessing its model was trained on, so a
/// later evaluation can reproduce the inputs. Defaults follow PROTOCOL.md ("Data"): resample to
/// 100 points, then z-normalise each series on its own.
public struct Preprocessing: Codable, Sendable, Equatable {
  /// Number of time steps after linear resampling (must be at least 1).
  public var length: Int = 100
  /// Whether each resampled series is z-normalised (population std; constant series -> zeros).
  public var zNormalize: Bool = true

  public init(length: Int = 100, zNormalize: Bool = true) {
    self.length = length
    self.zNormalize = zNormalize
  }

  /// The full per-series pipeline: resample to `length`, then z-normalise if asked.
  /// Input: one raw series (trailing NaN already trimmed, non-empty). Output: `length` values.
  func apply(_ series: [Double]) -> [Double] {
    let resampled = Preprocess.resample(series, to: length)
    return zNormalize ? Preprocess.zNormalize(resampled) : resampled
  }
}

extension Preprocessing: OptionSchema {
  public static let optionScope = "preprocessing"

  /// Stored under these names in a checkpoint's `/data` group.
  public static let optionFields: [OptionField<Preprocessing>] = [
    .integer(
      "length", \.length, minimum: 2, maximum: 1 << 24,
      "time steps of every series after linear resampling"),
    .flag("z_normalize", \.zNormalize, "z-normalise each resampled series on its own"),
  ]
}
