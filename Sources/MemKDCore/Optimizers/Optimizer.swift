/// A first-order optimiser: one step of a list of tensors along their gradients.
///
/// The trainer steps the model's tensors and the objective's own tensors (`ObjectiveState`)
/// with one optimiser each, so an optimiser never needs to know what the tensors are.
/// Implementations: `Adam` (the paper's; the resume checkpoint stores its moments).
public protocol Optimizer: Sendable {
  associatedtype Scalar: EngineScalar

  /// The current learning rate (the plateau schedule lowers it between epochs).
  var learningRate: Double { get set }

  /// Updates taken so far.
  var step: Int { get }

  /// One update of `parameters` along `gradients` (the same list of tensors, same sizes), with
  /// L2 `weightDecay` added to the gradient first when it is not 0 (PyTorch's `weight_decay`).
  mutating func update(_ parameters: inout [[Scalar]], gradients: [[Scalar]], weightDecay: Double)
}
