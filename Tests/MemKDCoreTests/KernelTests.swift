import Foundation
import Testing

@testable import MemKDCore

@Suite("Dense kernels and activations")
struct KernelTests {
  @Test("fast Float tanh and sigmoid are within 4e-7 of Double, every tail length",
    arguments: Array(1...17))
  func activations(count: Int) {
    var generator = SeededGenerator(seed: UInt64(count))
    let inputs: [Float] = (0..<count).map { _ in Float(generator.uniform(-12.0, 12.0)) }
    var tanhValues = inputs
    var sigmoidValues = inputs
    tanhValues.withUnsafeMutableBufferPointer { Float._tanh($0.baseAddress!, count: count) }
    sigmoidValues.withUnsafeMutableBufferPointer { Float._sigmoid($0.baseAddress!, count: count) }
    for (index, x) in inputs.enumerated() {
      #expect(abs(Double(tanhValues[index]) - tanh(Double(x))) < 4e-7, "tanh(\(x))")
      #expect(abs(Double(sigmoidValues[index]) - 1 / (1 + exp(-Double(x)))) < 4e-7, "sigmoid(\(x))")
    }
  }

  @Test("fast tanh: exact near zero, saturates, odd, propagates NaN")
  func tanhSpecials() {
    var values: [Float] = [0, -0.0, 1e-5, -1e-5, 20, -20, .infinity, -.infinity, .nan, 0.5]
    values.withUnsafeMutableBufferPointer { Float._tanh($0.baseAddress!, count: $0.count) }
    #expect(values[0] == 0 && values[1] == 0 && values[1].sign == .minus)
    #expect(values[2] == 1e-5 && values[3] == -1e-5)
    #expect(values[4] == 1 && values[5] == -1 && values[6] == 1 && values[7] == -1)
    #expect(values[8].isNaN)
    #expect(abs(values[9] - Float(tanh(0.5))) < 1e-7)
  }

  @Test("small matrix kernel equals the naive product", arguments: [
    (1, 1, 1), (3, 8, 32), (32, 8, 32), (5, 32, 8), (4, 7, 13), (2, 100, 9),
  ])
  func smallMatMul(shape: (Int, Int, Int)) {
    let (rows, inner, cols) = shape
    var generator = SeededGenerator(seed: 3)
    let a: [Double] = (0..<(rows * inner)).map { _ in generator.uniform(-1.0, 1.0) }
    let b: [Double] = (0..<(inner * cols)).map { _ in generator.uniform(-1.0, 1.0) }
    var out: [Double] = (0..<(rows * cols)).map { _ in generator.uniform(-1.0, 1.0) }
    var expected = out
    for r in 0..<rows {
      for c in 0..<cols {
        for k in 0..<inner { expected[r * cols + c] += a[r * inner + k] * b[k * cols + c] }
      }
    }
    a.withUnsafeBufferPointer { ap in
      b.withUnsafeBufferPointer { bp in
        out.withUnsafeMutableBufferPointer { op in
          Kernels.smallMatMulAdd(
            rows: rows, inner: inner, cols: cols, a: ap.baseAddress!, b: bp.baseAddress!,
            out: op.baseAddress!)
        }
      }
    }
    for (x, y) in zip(out, expected) { #expect(abs(x - y) < 1e-12) }
  }

  @Test("gemm wrapper: transposes, offsets, and k = 0 scales C by beta")
  func gemm() {
    // A [2, 3], B stored transposed [2, 3] -> C [2, 2] = A B^T, written at offset 1.
    let a: [Double] = [1, 2, 3, 4, 5, 6]
    let b: [Double] = [1, 0, 1, 0, 1, 0]
    var c: [Double] = [9, 1, 1, 1, 1]
    Kernels.gemm(transB: true, m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 3, c: &c, cOffset: 1, ldc: 2)
    #expect(c == [9, 4, 2, 10, 5])
    var scaled: [Double] = [2, 4]
    Kernels.gemm(m: 1, n: 2, k: 0, a: [], lda: 1, b: [], ldb: 2, beta: 0.5, c: &scaled, ldc: 2)
    #expect(scaled == [1, 2])
  }

  @Test("axis swap round-trips")
  func swapAxes() {
    let tensor: [Int] = Array(0..<24)
    let swapped = Kernels.swapLeadingAxes(tensor, outer: 2, middle: 3, inner: 4)
    #expect(swapped[4..<8] == tensor[12..<16])
    #expect(Kernels.swapLeadingAxes(swapped, outer: 3, middle: 2, inner: 4) == tensor)
  }
}

@Suite("Model configuration")
struct ModelConfigTests {
  @Test("parameter counts follow METHODS.md")
  func counts() {
    #expect(LSTMConfig.teacher(classes: 14).parameterCount == 202_800 + 101 * 14)
    #expect(LSTMConfig.student(classes: 2).parameterCount == 352 + 9 * 2)
    let names = LSTMParameters<Float>.names(for: .teacher(classes: 3))
    #expect(names.first == "lstm.weight_ih_l0" && names.last == "head.bias" && names.count == 14)
  }

  @Test("initialisation is uniform within 1/sqrt(H) and seeded")
  func initialisation() {
    let config = LSTMConfig(inputSize: 1, hiddenSize: 16, layers: 2, classes: 3)
    let parameters = LSTMParameters<Float>.initialized(for: config, seed: 1)
    let values = parameters.tensors.joined()
    #expect(values.allSatisfy { abs($0) <= 0.25 })
    #expect(values.max()! > 0.24 && values.min()! < -0.24)
    #expect(parameters == LSTMParameters<Float>.initialized(for: config, seed: 1))
    #expect(parameters != LSTMParameters<Float>.initialized(for: config, seed: 2))
  }

  @Test("wrong tensors are rejected naming the parameter")
  func shapes() {
    let config = LSTMConfig(inputSize: 1, hiddenSize: 2, layers: 1, classes: 2)
    var tensors = LSTMParameters<Float>(zerosFor: config).tensors
    tensors[1].removeLast()
    #expect(throws: ModelError.parameterShape(name: "lstm.weight_hh_l0", expected: [8, 2], gotCount: 15)) {
      _ = try LSTMParameters(config: config, tensors: tensors)
    }
    #expect(throws: ModelError.parameterCount(expected: 6, got: 5)) {
      _ = try LSTMParameters(config: config, tensors: Array(tensors.prefix(5)))
    }
    #expect(LSTMConfig(inputSize: 1, hiddenSize: 0, layers: 1, classes: 2).validationError != nil)
    #expect(LSTMConfig(inputSize: 1, hiddenSize: 1, layers: 1, classes: 1).validationError != nil)
  }
}
