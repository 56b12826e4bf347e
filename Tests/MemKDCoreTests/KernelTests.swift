import Foundation
import Testing

@testable import MemKDCore

@Suite("Dense kernels and activations")
struct KernelTests {
  @Test("fast Float tanh and sigmoid are within 4e-7 of Double on [-12, 12]")
  func activations() {
    var generator = SeededGenerator(seed: 1)
    for _ in 0..<2000 {
      var x = SIMD8<Float>()
      for lane in 0..<8 { x[lane] = Float(generator.uniform(-12.0, 12.0)) }
      let tanhValues = Float._tanh(x)
      let sigmoidValues = Float._sigmoid(x)
      for lane in 0..<8 {
        let value = Double(x[lane])
        #expect(abs(Double(tanhValues[lane]) - tanh(value)) < 4e-7, "tanh(\(value))")
        #expect(
          abs(Double(sigmoidValues[lane]) - 1 / (1 + exp(-value))) < 4e-7, "sigmoid(\(value))")
      }
    }
  }

  @Test("fast tanh: relative precision near zero, saturation, odd symmetry, NaN")
  func tanhSpecials() {
    let x = SIMD8<Float>(0, -0.0, 1e-5, -3e-8, 20, -.infinity, .nan, 0.5)
    let y = Float._tanh(x)
    #expect(y[0] == 0 && y[1] == 0 && y[1].sign == .minus)
    #expect(abs(y[2] - 1e-5) <= 2e-7 * 1e-5 && abs(y[3] + 3e-8) <= 2e-7 * 3e-8)
    #expect(abs(y[4] - 1) <= 4e-7 && abs(y[5] + 1) <= 4e-7)
    #expect(y[6].isNaN)
    #expect(abs(y[7] - Float(tanh(0.5))) < 1e-7)
    #expect(Float._tanh(-x)[7] == -y[7])
    #expect(Float._sigmoid(x)[6].isNaN)
  }

  @Test("Double activations are libm's")
  func doubleActivations() {
    let x = SIMD8<Double>(-3, -1, -0.5, 0, 0.25, 1, 2, 30)
    let t = Double._tanh(x)
    let s = Double._sigmoid(x)
    for lane in 0..<8 {
      #expect(t[lane] == tanh(x[lane]))
      #expect(abs(s[lane] - 1 / (1 + exp(-x[lane]))) <= 1e-16)
    }
  }

  @Test(
    "small matrix kernel equals the naive product",
    arguments: [
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
    Kernels.gemm(
      transB: true, m: 2, n: 2, k: 3, a: a, lda: 3, b: b, ldb: 3, c: &c, cOffset: 1, ldc: 2)
    #expect(c == [9, 4, 2, 10, 5])
    var garbage: [Double] = [.nan, .infinity]
    Kernels.gemm(m: 1, n: 2, k: 0, a: [], lda: 1, b: [], ldb: 2, c: &garbage, ldc: 2)
    #expect(garbage == [0, 0])
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
    #expect(Kernels.swapLeadingAxes([Float](), outer: 0, middle: 3, inner: 4).isEmpty)
  }

  @Test("vectorised square roots equal squareRoot() bit for bit (Float and Double, any length)")
  func vectorSquareRoots() {
    var generator = SeededGenerator(seed: 3)
    for count in [0, 1, 7, 8, 9, 33] {
      var floats = (0..<count).map { _ in Float(generator.uniform(0.0, 50.0)) }
      var doubles = (0..<count).map { _ in generator.uniform(0.0, 50.0) }
      if count > 2 {
        floats[0] = 0
        floats[1] = .leastNonzeroMagnitude
        doubles[0] = .leastNormalMagnitude
      }
      let expectedFloats = floats.map { $0.squareRoot() }
      let expectedDoubles = doubles.map { $0.squareRoot() }
      floats.withUnsafeMutableBufferPointer { buffer in
        if let base = buffer.baseAddress { Float._squareRootInPlace(base, count: count) }
      }
      doubles.withUnsafeMutableBufferPointer { buffer in
        if let base = buffer.baseAddress { Double._squareRootInPlace(base, count: count) }
      }
      #expect(floats.map(\.bitPattern) == expectedFloats.map(\.bitPattern))
      #expect(doubles.map(\.bitPattern) == expectedDoubles.map(\.bitPattern))
    }
  }

  @Test("adding with swapped axes equals swapping, then adding")
  func addSwappedAxes() {
    let tensor = (0..<60).map { Double($0) * 0.5 - 7 }
    let start = (0..<60).map { Double(($0 * 37) % 11) }
    var fused = start
    Kernels.addSwappingLeadingAxes(tensor, into: &fused, outer: 3, middle: 4, inner: 5)
    let swapped = Kernels.swapLeadingAxes(tensor, outer: 3, middle: 4, inner: 5)
    #expect(fused == zip(start, swapped).map { $0 + $1 })
  }
}

@Suite("Model configuration")
struct ModelConfigTests {
  @Test("parameter counts follow METHODS.md")
  func counts() {
    #expect(ModelConfig.teacher(classes: 14).parameterCount == 202_800 + 101 * 14)
    #expect(ModelConfig.student(classes: 2).parameterCount == 352 + 9 * 2)
    let names = ModelParameters<Float>.names(for: .teacher(classes: 3))
    #expect(names.first == "lstm.weight_ih_l0" && names.last == "head.bias" && names.count == 14)
  }

  @Test("initialisation is uniform within 1/sqrt(H) and seeded")
  func initialisation() {
    let config = ModelConfig(inputSize: 1, hiddenSize: 16, layers: 2, classes: 3)
    let parameters = ModelParameters<Float>.initialized(for: config, seed: 1)
    let values = parameters.tensors.joined()
    #expect(values.allSatisfy { abs($0) <= 0.25 })
    #expect(values.max()! > 0.24 && values.min()! < -0.24)
    #expect(parameters == ModelParameters<Float>.initialized(for: config, seed: 1))
    #expect(parameters != ModelParameters<Float>.initialized(for: config, seed: 2))
  }

  @Test("wrong tensors are rejected naming the parameter")
  func shapes() {
    let config = ModelConfig(inputSize: 1, hiddenSize: 2, layers: 1, classes: 2)
    var tensors = ModelParameters<Float>(zerosFor: config).tensors
    tensors[1].removeLast()
    #expect(
      throws: ModelError.parameterShape(name: "lstm.weight_hh_l0", expected: [8, 2], gotCount: 15)
    ) {
      _ = try ModelParameters(config: config, tensors: tensors)
    }
    #expect(throws: ModelError.parameterCount(expected: 6, got: 5)) {
      _ = try ModelParameters(config: config, tensors: Array(tensors.prefix(5)))
    }
    #expect(ModelConfig(inputSize: 1, hiddenSize: 0, layers: 1, classes: 2).validationError != nil)
    #expect(ModelConfig(inputSize: 1, hiddenSize: 1, layers: 1, classes: 1).validationError != nil)
  }
}
