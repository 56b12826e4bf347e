import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// The engine against `torch.nn.LSTM` + `nn.Linear`: `Tests/Fixtures/lstm_torch.json` holds
/// weights, inputs and torch's float64 outputs and gradients (written by
/// `Tests/Fixtures/make_lstm_fixtures.py`; `Tests/python/test_lstm_fixture_torch.py` re-runs
/// torch and checks the file). Inputs are exactly float32-representable, so the Float engine
/// gets the same values.
@Suite("LSTM vs PyTorch fixture")
struct LSTMTorchFixtureTests {
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
    var loss_total: Double
    var grads: [String: NestedArray]
    var grad_inputs: NestedArray
  }

  struct Fixture: Decodable {
    var cases: [Case]
  }

  static let cases: [Case] =
    (try? TestFiles.decodeFixture("lstm_torch.json", as: Fixture.self))?.cases ?? []

  @Test("fixture loads") func fixtureLoads() {
    #expect(Self.cases.count == 3)
  }

  /// `|a - b| <= tolerance * max(1, |b|)` elementwise.
  func expectClose<S: BinaryFloatingPoint>(
    _ actual: [S], _ expected: [Double], tolerance: Double, _ what: String,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    #expect(actual.count == expected.count, "\(what): count", sourceLocation: sourceLocation)
    var worst = 0.0
    for (a, b) in zip(actual, expected) {
      worst = max(worst, abs(Double(a) - b) / max(1, abs(b)))
    }
    #expect(worst <= tolerance, "\(what): worst error \(worst)", sourceLocation: sourceLocation)
  }

  func check<S: EngineScalar>(_ fixture: Case, as _: S.Type, tolerance: Double) throws {
    let c = fixture.config
    let config = ModelConfig(
      inputSize: c.input_size, hiddenSize: c.hidden_size, layers: c.num_layers,
      classes: c.num_classes)
    let names = ModelParameters<S>.names(for: config)
    let tensors: [[S]] = try names.map { name in
      let values = try #require(fixture.state_dict[name], "missing \(name)").values
      return values.map { S($0) }
    }
    let model = RecurrentClassifier(
      parameters: try ModelParameters(config: config, tensors: tensors))
    let inputs = fixture.inputs.values.map { S($0) }
    let pass = model.forward(inputs: inputs, batch: c.batch)
    expectClose(pass.logits, fixture.logits.values, tolerance: tolerance, "\(fixture.name) logits")
    for layer in 0..<c.num_layers {
      expectClose(
        pass.hiddenSequence(layer: layer), fixture.hidden[layer].values, tolerance: tolerance,
        "\(fixture.name) hidden \(layer)")
    }
    let (loss, logitGradient) = CrossEntropy.lossAndGradient(
      logits: pass.logits, labels: fixture.labels, classes: c.num_classes)
    expectClose([loss], [fixture.loss_ce], tolerance: tolerance, "\(fixture.name) loss")
    var injected: [Int: [S]] = [:]
    for layer in 0..<c.num_layers {
      injected[layer] = fixture.hidden_projections[layer].values.map { S($0) }
    }
    let gradients = model.backward(
      pass, logitGradient: logitGradient, hiddenGradients: injected, needInputGradient: true)
    for (index, name) in names.enumerated() {
      let expected = try #require(fixture.grads[name], "missing grad \(name)").values
      expectClose(
        gradients.parameters.tensors[index], expected, tolerance: tolerance,
        "\(fixture.name) grad \(name)")
    }
    expectClose(
      gradients.inputs, fixture.grad_inputs.values, tolerance: tolerance,
      "\(fixture.name) input grad")
  }

  @Test("Float engine matches torch to 1e-5", arguments: cases.indices)
  func float(index: Int) throws {
    try check(Self.cases[index], as: Float.self, tolerance: 1e-5)
  }

  @Test("Double engine matches torch to 1e-10", arguments: cases.indices)
  func double(index: Int) throws {
    try check(Self.cases[index], as: Double.self, tolerance: 1e-10)
  }
}
