/// Errors from building or running a model with inconsistent inputs.
public enum ModelError: Error, CustomStringConvertible, Equatable {
  case parameterCount(expected: Int, got: Int)
  case parameterShape(name: String, expected: [Int], gotCount: Int)
  case invalidConfig(String)
  case inputShape(String)

  public var description: String {
    switch self {
    case .parameterCount(let expected, let got):
      return "expected \(expected) parameter tensors, got \(got)"
    case .parameterShape(let name, let expected, let gotCount):
      return "parameter \(name): expected shape \(expected) (\(expected.reduce(1, *)) values), "
        + "got \(gotCount) values"
    case .invalidConfig(let message):
      return "invalid model config: \(message)"
    case .inputShape(let message):
      return "input shape: \(message)"
    }
  }
}
