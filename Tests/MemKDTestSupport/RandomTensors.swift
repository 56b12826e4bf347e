import MemKDCore

/// Reproducible random test inputs.
public struct RandomTensors {
  public var generator: SeededGenerator

  public init(seed: UInt64) {
    generator = SeededGenerator(seed: seed)
  }

  /// `count` values uniform in `[-scale, scale)`.
  public mutating func uniform<S: BinaryFloatingPoint>(_ count: Int, scale: Double = 1) -> [S] {
    (0..<count).map { _ in S(generator.uniform(-scale, scale)) }
  }

  /// `count` labels in `0..<classes`.
  public mutating func labels(_ count: Int, classes: Int) -> [Int] {
    (0..<count).map { _ in generator.index(below: classes) }
  }

  /// Random parameters for `config`, uniform in `[-scale, scale)`.
  public mutating func parameters<S: EngineScalar>(
    _ config: ModelConfig, scale: Double = 0.5
  ) -> ModelParameters<S> {
    var parameters = ModelParameters<S>(zerosFor: config)
    for index in parameters.tensors.indices {
      parameters.tensors[index] = uniform(parameters.tensors[index].count, scale: scale)
    }
    return parameters
  }
}
