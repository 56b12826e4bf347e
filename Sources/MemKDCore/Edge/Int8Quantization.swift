/// A weight matrix in symmetric per-row int8: row `r` is stored as integers `q` in -127...127
/// and one Float scale `s_r = max_j |w_rj| / 127`, and stands for `w_rj ~ q_rj * s_r`.
///
/// Why per row: a recurrent weight matrix's rows are the pre-activations of single gate units, whose
/// magnitudes differ a lot; one scale per row keeps small rows precise. Why symmetric (no zero
/// point): weights are centred on zero and the C code then needs one multiply per row only.
public struct Int8Matrix: Sendable, Equatable {
  public let rows: Int
  public let columns: Int
  /// `[rows, columns]` row-major.
  public let values: [Int8]
  /// `[rows]`; 0 for an all-zero row (whose values are then all 0).
  public let scales: [Float]

  /// Quantises `weights` (`[rows, columns]` row-major): `q = round(w / s)` (ties away from
  /// zero), clamped to -127...127 so that the range is symmetric.
  /// - Precondition: every weight is finite.
  public init(quantizing weights: [Float], rows: Int, columns: Int) {
    precondition(
      weights.count == rows * columns, "int8: \(weights.count) values are not [\(rows), \(columns)]"
    )
    precondition(weights.allSatisfy { $0.isFinite }, "int8: weights must be finite")
    var values = [Int8](repeating: 0, count: weights.count)
    var scales = [Float](repeating: 0, count: rows)
    for row in 0..<rows {
      let slice = weights[(row * columns)..<((row + 1) * columns)]
      let largest = slice.reduce(Float(0)) { Swift.max($0, $1.magnitude) }
      guard largest > 0 else { continue }
      let scale = largest / 127
      scales[row] = scale
      for (offset, weight) in slice.enumerated() {
        let level = (weight / scale).rounded(.toNearestOrAwayFromZero)
        values[row * columns + offset] = Int8(Swift.min(Swift.max(level, -127), 127))
      }
    }
    self.rows = rows
    self.columns = columns
    self.values = values
    self.scales = scales
  }

  /// `q * s` per element, in Float: the weights the int8 model actually uses.
  public var dequantized: [Float] {
    var result = [Float](repeating: 0, count: values.count)
    for row in 0..<rows {
      for column in 0..<columns {
        let index = row * columns + column
        result[index] = Float(values[index]) * scales[row]
      }
    }
    return result
  }

  /// Bytes of storage: one per value plus four per scale.
  public var byteCount: Int { values.count + 4 * scales.count }
}

/// Which tensors of a model int8 export quantises: the weight matrices (`weight_ih`,
/// `weight_hh` of every layer and the head's weight); biases stay Float.
public enum Int8Quantization {
  /// Indices into `ModelParameters.tensors` of the weight matrices.
  public static func matrixIndices(for config: ModelConfig) -> [Int] {
    ParameterLayout(config).matrixIndices
  }

  /// Every weight matrix quantised, keyed by its index in `ModelParameters.tensors`.
  public static func matrices(of parameters: ModelParameters<Float>) -> [Int: Int8Matrix] {
    let shapes = parameters.shapes
    var result: [Int: Int8Matrix] = [:]
    for index in matrixIndices(for: parameters.config) {
      result[index] = Int8Matrix(
        quantizing: parameters.tensors[index], rows: shapes[index][0], columns: shapes[index][1])
    }
    return result
  }

  /// The model with every weight matrix replaced by its int8 reconstruction `q * s` (biases
  /// unchanged): running it in Swift gives the predictions of the int8 C export up to Float
  /// rounding, so its accuracy is the int8 accuracy.
  public static func quantized(_ model: RecurrentClassifier<Float>) -> RecurrentClassifier<Float> {
    var parameters = model.parameters
    for (index, matrix) in matrices(of: model.parameters) {
      parameters.tensors[index] = matrix.dequantized
    }
    return RecurrentClassifier(parameters: parameters)
  }
}
