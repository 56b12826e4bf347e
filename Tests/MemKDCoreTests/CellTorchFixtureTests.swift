import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// The GRU and RNN cells against `torch.nn.GRU` / `torch.nn.RNN(nonlinearity="tanh")` +
/// `nn.Linear`: `Tests/Fixtures/{gru,rnn}_torch.json` hold weights, inputs and torch's float64
/// logits, every layer's hidden sequence, and the gradients of every parameter and of the input
/// for `CE + sum_k <R_k, H_k>` (so the injected hidden gradient is checked at every step of
/// every layer). Written by `Tests/Fixtures/make_cell_fixtures.py`;
/// `Tests/python/test_cell_fixtures_torch.py` re-runs torch and checks the files. Inputs are
/// exactly float32-representable, so the Float engine gets the same values. The cases put H on
/// both sides of `smallHiddenLimit` (H = 33 takes the BLAS recurrent product).
@Suite("GRU and RNN vs PyTorch fixtures")
struct CellTorchFixtureTests {
  struct Case: Decodable {
    struct Config: Decodable {
      var input_size: Int
      var hidden_size: Int
      var num_layers: Int
      var num_classes: Int
      var batch: Int
      var length: Int
    }
    var name: String
    var config: Config
    var state_dict: [String: NestedArray]
    var inputs: NestedArray
    var labels: [Int]
    var hidden_projections: [NestedArray]
    var logits: NestedArray
    var hidden: [NestedArray]
    var loss_ce: Double
    var grads: [String: NestedArray]
    var grad_inputs: NestedArray
  }

  struct Fixture: Decodable {
    var cell: String
    var cases: [Case]
  }

  static let cells: [RecurrentCell] = [.gru, .rnn]

  static let fixtures: [RecurrentCell: Fixture] = Dictionary(
    uniqueKeysWithValues: cells.compactMap { cell in
      (try? TestFiles.decodeFixture("\(cell.rawValue)_torch.json", as: Fixture.self)).map {
        (cell, $0)
      }
    })

  /// Every (cell, case index) pair.
  static let arguments: [(RecurrentCell, Int)] = cells.flatMap { cell in
    (fixtures[cell]?.cases.indices).map { $0.map { (cell, $0) } } ?? []
  }

  @Test("fixtures load, one per cell, each with four cases") func fixturesLoad() {
    for cell in Self.cells {
      #expect(Self.fixtures[cell]?.cell == cell.rawValue)
      #expect(Self.fixtures[cell]?.cases.count == 4)
    }
  }

  /// Largest `|a - b| / max(1, |b|)`.
  static func worstError<S: BinaryFloatingPoint>(_ actual: [S], _ expected: [Double]) -> Double {
    precondition(actual.count == expected.count, "count \(actual.count) != \(expected.count)")
    return zip(actual, expected).reduce(0) { max($0, abs(Double($1.0) - $1.1) / max(1, abs($1.1))) }
  }

  /// The worst relative error of each compared quantity (logits, hidden sequences, loss, every
  /// gradient), by name.
  func errors<S: EngineScalar>(_ cell: RecurrentCell, _ fixture: Case, as _: S.Type) throws
    -> [(String, Double)]
  {
    let c = fixture.config
    let config = ModelConfig(
      cell: cell, inputSize: c.input_size, hiddenSize: c.hidden_size, layers: c.num_layers,
      classes: c.num_classes)
    let names = ModelParameters<S>.names(for: config)
    let tensors: [[S]] = try names.map { name in
      try #require(fixture.state_dict[name], "missing \(name)").values.map { S($0) }
    }
    let model = RecurrentClassifier(
      parameters: try ModelParameters(config: config, tensors: tensors))
    let pass = model.forward(inputs: fixture.inputs.values.map { S($0) }, batch: c.batch)
    var errors = [("logits", Self.worstError(pass.logits, fixture.logits.values))]
    for layer in 0..<c.num_layers {
      errors.append(
        (
          "hidden \(layer)",
          Self.worstError(pass.hiddenSequence(layer: layer), fixture.hidden[layer].values)
        ))
    }
    let (loss, logitGradient) = CrossEntropy.lossAndGradient(
      logits: pass.logits, labels: fixture.labels, classes: c.num_classes)
    errors.append(("loss", Self.worstError([loss], [fixture.loss_ce])))
    var injected: [Int: [S]] = [:]
    for layer in 0..<c.num_layers {
      injected[layer] = fixture.hidden_projections[layer].values.map { S($0) }
    }
    let gradients = model.backward(
      pass, logitGradient: logitGradient, hiddenGradients: injected, needInputGradient: true)
    for (index, name) in names.enumerated() {
      let expected = try #require(fixture.grads[name], "missing grad \(name)").values
      errors.append(
        ("grad \(name)", Self.worstError(gradients.parameters.tensors[index], expected)))
    }
    errors.append(("input grad", Self.worstError(gradients.inputs, fixture.grad_inputs.values)))
    return errors
  }

  func check<S: EngineScalar>(
    _ cell: RecurrentCell, _ index: Int, as type: S.Type, tolerance: Double
  ) throws {
    let fixture = try #require(Self.fixtures[cell]).cases[index]
    let errors = try errors(cell, fixture, as: type)
    for (what, error) in errors {
      #expect(error <= tolerance, "\(cell) \(fixture.name) \(what): worst error \(error)")
    }
  }

  @Test("Float engine matches torch to 1e-5", arguments: arguments)
  func float(cell: RecurrentCell, index: Int) throws {
    try check(cell, index, as: Float.self, tolerance: 1e-5)
  }

  @Test("Double engine matches torch to 1e-10", arguments: arguments)
  func double(cell: RecurrentCell, index: Int) throws {
    try check(cell, index, as: Double.self, tolerance: 1e-10)
  }
}
