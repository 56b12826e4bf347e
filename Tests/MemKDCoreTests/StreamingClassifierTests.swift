import MemKDTestSupport
import Testing

@testable import MemKDCore

/// `StreamingClassifier`: one step at a time equals the batch engine on whole series.
@Suite("Streaming classifier")
struct StreamingClassifierTests {
  struct Shape: CustomTestStringConvertible, Sendable {
    var inputSize: Int
    var hidden: Int
    var layers: Int
    var classes: Int
    var testDescription: String { "D \(inputSize), \(layers) x \(hidden), C \(classes)" }
  }

  static let shapes = [
    Shape(inputSize: 1, hidden: 8, layers: 1, classes: 3),
    Shape(inputSize: 2, hidden: 5, layers: 2, classes: 4),
    Shape(inputSize: 1, hidden: 19, layers: 3, classes: 2),
  ]

  static func series(_ count: Int, length: Int, channels: Int, seed: UInt64) -> [Float] {
    var random = SeededGenerator(seed: seed)
    return (0..<(count * length * channels)).map { _ in Float(random.uniform(-2.0, 2.0)) }
  }

  @Test(
    "after every step the state and, at the end, the probabilities equal the batch forward",
    arguments: shapes)
  func matchesBatch(_ shape: Shape) {
    let config = ModelConfig(
      inputSize: shape.inputSize, hiddenSize: shape.hidden, layers: shape.layers,
      classes: shape.classes)
    let model = RecurrentClassifier<Float>(config: config, seed: 7)
    let (count, length) = (3, 23)
    let inputs = Self.series(count, length: length, channels: shape.inputSize, seed: 3)
    let pass = model.forward(inputs: inputs, batch: count)
    let batchProbabilities = Softmax.probabilities(logits: pass.logits, classes: shape.classes)
    let lastLayer = pass.hiddenSequence(layer: shape.layers - 1)  // [B, T, H]
    let stream = StreamingClassifier(model: model)
    var probabilities: [Float] = []
    for b in 0..<count {
      stream.reset()
      for t in 0..<length {
        let start = (b * length + t) * shape.inputSize
        stream.step(Array(inputs[start..<(start + shape.inputSize)]))
        let expected = lastLayer[((b * length + t) * shape.hidden)...].prefix(shape.hidden)
        for (a, e) in zip(stream.lastHidden, expected) { #expect(abs(a - e) <= 1e-6) }
      }
      stream.probabilities(into: &probabilities)
      for k in 0..<shape.classes {
        #expect(abs(Double(probabilities[k]) - batchProbabilities[b * shape.classes + k]) <= 1e-6)
      }
      #expect(stream.steps == length)
    }
  }

  @Test("a chunk equals its steps one by one; reset starts over")
  func chunksAndReset() {
    let model = RecurrentClassifier<Float>(
      config: ModelConfig(inputSize: 2, hiddenSize: 8, layers: 1, classes: 3), seed: 2)
    let values = Self.series(1, length: 30, channels: 2, seed: 9)
    let byChunk = StreamingClassifier(model: model)
    byChunk.step(chunk: Array(values[..<20]))
    byChunk.step(chunk: Array(values[20...]))
    let byStep = StreamingClassifier(model: model)
    for t in 0..<30 { byStep.step(Array(values[(2 * t)..<(2 * t + 2)])) }
    #expect(byChunk.currentProbabilities == byStep.currentProbabilities)
    let first = byStep.currentProbabilities
    byStep.reset()
    #expect(byStep.steps == 0)
    byStep.step(chunk: values)
    #expect(byStep.currentProbabilities == first)
  }

  @Test("running z-normalisation feeds each value normalised by the statistics so far")
  func runningNormalization() {
    let model = RecurrentClassifier<Float>(
      config: ModelConfig(inputSize: 1, hiddenSize: 8, layers: 1, classes: 2), seed: 4)
    let raw = Self.series(1, length: 40, channels: 1, seed: 5).map { 3 + 5 * $0 }
    // Causal z-scores computed independently (two passes over each prefix, in Double).
    let normalized = raw.indices.map { t -> Float in
      let prefix = raw[...t].map { Double($0) }
      let mean = prefix.reduce(0, +) / Double(prefix.count)
      let deviation = max(
        (prefix.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(prefix.count)).squareRoot(),
        1e-8)
      return Float((Double(raw[t]) - mean) / deviation)
    }
    let running = StreamingClassifier(model: model, preprocessing: .runningZNormalization)
    running.step(chunk: raw)
    let plain = StreamingClassifier(model: model)
    plain.step(chunk: normalized)
    for (a, b) in zip(running.currentProbabilities, plain.currentProbabilities) {
      #expect(abs(a - b) <= 1e-5)
    }
  }
}
