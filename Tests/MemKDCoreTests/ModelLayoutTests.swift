import Foundation
import Testing

@testable import MemKDCore

@Suite("Model layout and cells")
struct ModelLayoutTests {
  static let config = ModelConfig(inputSize: 3, hiddenSize: 5, layers: 2, classes: 4)

  @Test("names and shapes follow PyTorch's state_dict of nn.LSTM + nn.Linear")
  func torchNamesAndShapes() {
    let layout = ParameterLayout(Self.config)
    #expect(
      layout.names == [
        "lstm.weight_ih_l0", "lstm.weight_hh_l0", "lstm.bias_ih_l0", "lstm.bias_hh_l0",
        "lstm.weight_ih_l1", "lstm.weight_hh_l1", "lstm.bias_ih_l1", "lstm.bias_hh_l1",
        "head.weight", "head.bias",
      ])
    #expect(
      layout.shapes == [
        [20, 3], [20, 5], [20], [20], [20, 5], [20, 5], [20], [20], [4, 5], [4],
      ])
    #expect(layout.count == layout.names.count)
    #expect(ModelParameters<Float>.names(for: Self.config) == layout.names)
  }

  @Test("index, headWeight, headBias and matrixIndices point at the named tensors")
  func indicesAgreeWithNames() {
    let layout = ParameterLayout(Self.config)
    for layer in 0..<Self.config.layers {
      for tensor in ParameterLayout.LayerTensor.allCases {
        #expect(
          layout.names[layout.index(tensor, layer: layer)] == "lstm.\(tensor.torchName)_l\(layer)")
      }
    }
    #expect(layout.names[layout.headWeight] == "head.weight")
    #expect(layout.names[layout.headBias] == "head.bias")
    // The matrices are exactly the two-dimensional tensors.
    #expect(layout.matrixIndices == layout.shapes.indices.filter { layout.shapes[$0].count == 2 })
    #expect(Int8Quantization.matrixIndices(for: Self.config) == layout.matrixIndices)
  }

  @Test("layer(_:) and setLayer(_:_:) read and write the layer's four tensors")
  func layerWeightsRoundTrip() {
    var parameters = ModelParameters<Double>.initialized(for: Self.config, seed: 7)
    let original = parameters
    let weights = parameters.layer(1)
    #expect(weights.weightHH == parameters.tensors[parameters.layout.index(.weightHH, layer: 1)])
    parameters.setLayer(
      0,
      LayerGradients(
        weightIH: weights.weightIH, weightHH: weights.weightHH, biasIH: weights.biasIH,
        biasHH: weights.biasHH, input: []))
    #expect(parameters.layer(0).weightHH == original.layer(1).weightHH)
    #expect(parameters.layer(1).weightIH == original.layer(1).weightIH)
  }

  @Test("the parameter count is the sum of the shapes, and overflow is reported, not trapped")
  func parameterCount() {
    let shapes = ParameterLayout(Self.config).shapes
    #expect(Self.config.parameterCount == shapes.map { $0.reduce(1, *) }.reduce(0, +))
    #expect(ModelConfig.teacher(classes: 2).parameterCount == 202_800 + 202)
    #expect(ModelConfig.student(classes: 2).parameterCount == 352 + 18)
    #expect(ModelConfig(hiddenSize: 1 << 62, layers: 1, classes: 2).checkedParameterCount == nil)
    #expect(
      ModelConfig(hiddenSize: 1 << 20, layers: 1 << 40, classes: 2).checkedParameterCount == nil)
    #expect(ModelConfig(hiddenSize: 8, layers: 1, classes: 1 << 62).checkedParameterCount == nil)
    #expect(Self.config.checkedParameterCount == Self.config.parameterCount)
  }

  @Test("a config records its cell; one written before cells existed reads as an LSTM")
  func configCoding() throws {
    let encoded = try JSONEncoder().encode(Self.config)
    #expect(try JSONDecoder().decode(ModelConfig.self, from: encoded) == Self.config)
    let legacy = Data(#"{"inputSize":3,"hiddenSize":5,"layers":2,"classes":4}"#.utf8)
    #expect(try JSONDecoder().decode(ModelConfig.self, from: legacy) == Self.config)
    #expect(Self.config.summary == "2 x 5 LSTM, 3 inputs, 4 classes")
  }

  @Test("the C activation loop follows the cell's gate table")
  func activationLoop() {
    let context = CEmissionContext(prefix: "m", macro: "M", int8: false)
    let lstm = context.activationLoop(LSTMCell.gateActivations, buffer: "g")
    #expect(lstm.contains("const int candidate = r >= 2 * M_HIDDEN && r < 3 * M_HIDDEN;"))
    #expect(lstm.contains("for (r = 0; r < 4 * M_HIDDEN; ++r)"))
    let gru = context.activationLoop([.sigmoid, .sigmoid, .tanh], buffer: "g")
    #expect(gru.contains("const int candidate = r >= 2 * M_HIDDEN;"))
    let mixed = context.activationLoop([.tanh, .sigmoid, .tanh], buffer: "g")
    #expect(mixed.contains("const int candidate = (r < 1 * M_HIDDEN) || (r >= 2 * M_HIDDEN);"))
    let rnn = context.activationLoop([.tanh], buffer: "g")
    #expect(rnn.contains("g[r] = m_tanh_(g[r]);") && !rnn.contains("candidate"))
    let sigmoids = context.activationLoop([.sigmoid, .sigmoid], buffer: "g")
    #expect(sigmoids.contains("g[r] = 0.5f + 0.5f * m_tanh_(0.5f * g[r]);"))
  }

  @Test("every cell's constants agree with its kernel and its C emission")
  func cellTables() {
    for cell in RecurrentCell.allCases {
      #expect(cell.gateCount == cell.kernel.gateCount)
      #expect(cell.cEmission.cStateFields.count == cell.stateVectors)
      #expect(cell.cEmission.cStateFields.first == "h")
      #expect(
        ModelConfig(cell: cell, hiddenSize: 3, layers: 1, classes: 2).parameterCount
          == cell.gateCount * 3 * (1 + 3 + 2) + 2 * 4)
    }
    #expect(LSTMCell.gateActivations.count == LSTMCell.gateCount)
  }
}
