import Foundation

/// A JSON number or a nested list of numbers of any depth, flattened row-major: `1.5` gives
/// values `[1.5]` and shape `[]`, `[[1, 2, 3], [4, 5, 6]]` gives `[1, ..., 6]` and shape `[2, 3]`.
/// A ragged list (siblings of different shapes) does not decode.
public struct NestedArray: Decodable, Sendable, Equatable {
  public var values: [Double]
  public var shape: [Int]

  public init(values: [Double], shape: [Int]) {
    self.values = values
    self.shape = shape
  }

  public init(from decoder: Decoder) throws {
    if let number = try? decoder.singleValueContainer().decode(Double.self) {
      values = [number]
      shape = []
      return
    }
    var container = try decoder.unkeyedContainer()
    var values: [Double] = []
    var childShape: [Int]?
    var count = 0
    while !container.isAtEnd {
      let child = try container.decode(NestedArray.self)
      if let childShape, childShape != child.shape {
        throw DecodingError.dataCorruptedError(
          in: container,
          debugDescription: "ragged nested array: shape \(child.shape) after \(childShape)")
      }
      childShape = child.shape
      values += child.values
      count += 1
    }
    self.values = values
    self.shape = [count] + (childShape ?? [])
  }
}

extension TestFiles {
  /// `Tests/Fixtures/<name>` decoded as `T` with a plain `JSONDecoder`.
  public static func decodeFixture<T: Decodable>(_ name: String, as _: T.Type = T.self) throws -> T
  {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: fixture(name)))
  }
}
