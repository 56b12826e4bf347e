import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

@Suite("C header export")
struct CExportTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var config: ModelConfig
    /// Weights multiplied by this (large weights saturate the gates, the hardest case for the
    /// Float engine's tanh approximation against libm).
    var weightScale: Float
    var label: String
    var testDescription: String { label }
  }

  static let cases = [
    Case(
      config: ModelConfig(inputSize: 1, hiddenSize: 8, layers: 1, classes: 3), weightScale: 1,
      label: "1 x 8, D 1, C 3"),
    Case(
      config: ModelConfig(inputSize: 2, hiddenSize: 5, layers: 2, classes: 4), weightScale: 1,
      label: "2 x 5, D 2, C 4"),
    Case(
      config: ModelConfig(inputSize: 1, hiddenSize: 8, layers: 1, classes: 2), weightScale: 4,
      label: "1 x 8 saturating"),
    Case(
      config: ModelConfig(inputSize: 3, hiddenSize: 12, layers: 3, classes: 2), weightScale: 3,
      label: "3 x 12 saturating"),
    Case(
      config: ModelConfig(inputSize: 6, hiddenSize: 8, layers: 1, classes: 4), weightScale: 1,
      label: "1 x 8, D 6 (a wrist IMU), C 4"),
  ]

  static func model(_ testCase: Case, seed: UInt64 = 1) -> RecurrentClassifier<Float> {
    var model = RecurrentClassifier<Float>(config: testCase.config, seed: seed)
    for index in model.parameters.tensors.indices {
      model.parameters.tensors[index] = model.parameters.tensors[index].map {
        $0 * testCase.weightScale
      }
    }
    return model
  }

  /// Random series `[count, length, D]`, uniform in [-2, 2).
  static func series(_ config: ModelConfig, count: Int, length: Int) -> [Float] {
    var random = RandomTensors(seed: 7)
    return random.uniform(count * length * config.inputSize, scale: 2)
  }

  @Test(
    "compiled header gives Swift's probabilities (float32)",
    .enabled(if: CProgram.available, "cc is not on PATH"), arguments: cases)
  func floatMatchesSwift(_ testCase: Case) throws {
    try compareWithSwift(testCase, int8: false)
  }

  @Test(
    "compiled int8 header gives the dequantised Swift model's probabilities",
    .enabled(if: CProgram.available, "cc is not on PATH"), arguments: cases)
  func int8MatchesSwift(_ testCase: Case) throws {
    try compareWithSwift(testCase, int8: true)
  }

  func compareWithSwift(_ testCase: Case, int8: Bool) throws {
    let model = Self.model(testCase)
    let (count, length) = (40, 60)
    let inputs = Self.series(testCase.config, count: count, length: length)
    let export = try CHeaderExport(model: model, name: "student", int8: int8, source: "test")
    let directory = try TestFiles.temporaryDirectory("cexport")
    let executable = try CProgram.build(
      header: export.header, program: CProgram.predictions(prefix: "student"), in: directory)
    let classes = testCase.config.classes
    let c = try CProgram.predict(
      executable, inputs: inputs, count: count, length: length, classes: classes, in: directory)
    let reference = int8 ? CHeaderExport.quantized(model) : model
    let swift = Softmax.probabilities(
      logits: reference.forward(inputs: inputs, batch: count).logits, classes: classes)
    let difference = maxAbsoluteDifference(c.probabilities, swift)
    #expect(difference < 1e-5, "max |p_C - p_Swift| = \(difference)")
    for (row, expected) in confidentArgmax(swift, classes: classes).enumerated() {
      if let expected { #expect(c.predicted[row] == expected, "series \(row)") }
    }
    // Probabilities of each series sum to one.
    for row in 0..<count {
      let sum = c.probabilities[(row * classes)..<((row + 1) * classes)].reduce(0, +)
      #expect(abs(sum - 1) < 1e-5)
    }
  }

  /// A model whose weights include the hard cases for decimal literals.
  static func specialModel() -> RecurrentClassifier<Float> {
    var model = RecurrentClassifier<Float>(
      config: ModelConfig(inputSize: 2, hiddenSize: 3, layers: 2, classes: 2), seed: 5)
    let specials: [Float] = [
      -0.0, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude,
      .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 0.1, 1 / 3, 16_777_216, 1e-5,
      Float(bitPattern: 0x3F80_0001), 123_456_789, 1,
    ]
    for (offset, value) in specials.enumerated() {
      let tensor = offset % 2 == 0 ? 1 : 4 * model.config.layers
      model.parameters.tensors[tensor][offset / 2] = value
    }
    model.parameters.tensors[4 * model.config.layers + 1][0] = -0.0
    return model
  }

  @Test(
    "every weight and scale reads back bit for bit in C",
    .enabled(if: CProgram.available, "cc is not on PATH"), arguments: [false, true])
  func bitExactWeights(int8: Bool) throws {
    let model = Self.specialModel()
    let export = try CHeaderExport(model: model, name: "bits", int8: int8, source: "test")
    let config = model.config
    let parameters = model.parameters
    let matrices = Int8Quantization.matrices(of: parameters)
    func bits(_ values: [Float]) -> [String] {
      values.map {
        let hex = String($0.bitPattern, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
      }
    }
    // Expected arrays: symbol -> printed values.
    var expected: [(symbol: String, values: [String], isInt8: Bool)] = []
    func addMatrix(_ index: Int, _ symbol: String) {
      if int8, let matrix = matrices[index] {
        expected.append((symbol, matrix.values.map { String($0) }, true))
        expected.append((symbol + "_scale", bits(matrix.scales), false))
      } else {
        expected.append((symbol, bits(parameters.tensors[index]), false))
      }
    }
    for layer in 0..<config.layers {
      addMatrix(4 * layer, "bits_weight_ih_l\(layer)")
      addMatrix(4 * layer + 1, "bits_weight_hh_l\(layer)")
      let sum = zip(parameters.tensors[4 * layer + 2], parameters.tensors[4 * layer + 3]).map {
        $0 + $1
      }
      expected.append(("bits_bias_l\(layer)", bits(sum), false))
    }
    addMatrix(4 * config.layers, "bits_head_weight")
    expected.append(("bits_head_bias", bits(parameters.tensors[4 * config.layers + 1]), false))

    var body = ""
    for (symbol, _, isInt8) in expected {
      let function = isInt8 ? "dump8" : "dump"
      body += "  \(function)(\"\(symbol)\", \(symbol), sizeof(\(symbol)) / sizeof(\(symbol)[0]));\n"
    }
    let dump8 = """
      static void dump8(const char *label, const int8_t *values, size_t count) {
        size_t i;
        printf("%s", label);
        for (i = 0; i < count; ++i) printf(" %d", values[i]);
        printf("\\n");
      }

      """
    let program = """
      #include <stdio.h>
      #include <string.h>
      #include "student.h"

      static void dump(const char *label, const float *values, size_t count) {
        size_t i;
        uint32_t word;
        printf("%s", label);
        for (i = 0; i < count; ++i) {
          memcpy(&word, &values[i], sizeof word);
          printf(" %08lx", (unsigned long)word);
        }
        printf("\\n");
      }

      \(int8 ? dump8 : "")
      int main(void) {
      \(body)  return 0;
      }

      """
    // This program never calls the model's functions: it also checks that unused static
    // inline functions do not warn under -Wall -Wextra -Werror.
    let directory = try TestFiles.temporaryDirectory("cexport-bits")
    let executable = try CProgram.build(header: export.header, program: program, in: directory)
    let result = try CProgram.execute(executable, [])
    try #require(result.status == 0)
    let lines = result.stdout.split(separator: "\n").map {
      $0.split(separator: " ").map(String.init)
    }
    #expect(lines.count == expected.count)
    for (line, (symbol, values, _)) in zip(lines, expected) {
      #expect(line.first == symbol)
      #expect(Array(line.dropFirst()) == values, "\(symbol)")
    }
  }

  @Test(
    "the compiled model needs nothing from libm beyond expf",
    .enabled(if: CProgram.available, "cc is not on PATH"), arguments: [false, true])
  func onlyExpAndTanh(int8: Bool) throws {
    let model = Self.model(Self.cases[1])
    let export = try CHeaderExport(model: model, name: "edge", int8: int8, source: "test")
    let directory = try TestFiles.temporaryDirectory("cexport-symbols")
    try export.header.write(
      to: directory.appendingPathComponent("student.h"), atomically: true, encoding: .utf8)
    let source = directory.appendingPathComponent("unit.c").path
    try """
    #include "student.h"

    int classify(const float *x, long length, float *p);

    int classify(const float *x, long length, float *p) {
      edge_state s;
      long t;
      edge_init(&s);
      for (t = 0; t < length; ++t) edge_step(&s, x + t * EDGE_INPUT_SIZE);
      edge_probabilities(&s, p);
      return edge_predict(&s);
    }

    """.write(toFile: source, atomically: true, encoding: .utf8)
    let object = directory.appendingPathComponent("unit.o").path
    let compiler = try #require(CProgram.compiler)
    let compiled = try CProgram.execute(compiler, CProgram.flags + ["-c", source, "-o", object])
    try #require(compiled.status == 0 && compiled.stderr.isEmpty, "\(compiled.stderr)")
    let nm = try CProgram.execute("/usr/bin/env", ["nm", "-u", object])
    try #require(nm.status == 0, "\(nm.stderr)")
    let undefined = Set(
      nm.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) }
    )
    // memset/memcpy may be emitted by the compiler for the zeroing loops; neither allocates.
    #expect(
      undefined.subtracting(["memset", "memcpy"]).isSubset(of: ["expf"]), "\(undefined)")
    #expect(undefined.contains("expf") && !undefined.contains("tanhf"))
    #expect(!export.header.contains("malloc"))
    let includes = export.header.split(separator: "\n").filter { $0.hasPrefix("#include") }
    #expect(includes == ["#include <math.h>", "#include <stddef.h>", "#include <stdint.h>"])
  }

  @Test("sizes and FLOPs of the paper's 1 x 8 student, stated in the comment")
  func studentNumbers() throws {
    let model = RecurrentClassifier<Float>(config: .student(classes: 2), seed: 3)
    let float = try CHeaderExport(model: model, source: "ItalyPowerDemand student")
    #expect(float.parameterCount == 370)
    #expect(float.weightBytes == 4 * (32 + 256 + 32 + 16 + 2))
    #expect(float.stateBytes == 64)
    #expect(float.stepFLOPs == 8 * 8 * (1 + 8) + 13 * 8)
    #expect(float.headFLOPs == 2 * 2 * 8 + 2)
    #expect(float.flopsPerStep == 714)
    let int8 = try CHeaderExport(model: model, int8: true, source: "ItalyPowerDemand student")
    #expect(int8.weightBytes == (32 + 256 + 16) + 4 * (32 + 32 + 2) + 4 * (32 + 2))
    #expect(int8.weightBytes == 704)
    #expect(int8.flopsPerStep == 714 + 8 * 8 + 2)
    for export in [float, int8] {
      let header = export.header
      #expect(header.contains("memkd_student_state"))
      #expect(header.contains("memkd_student.h: an LSTM classifier exported by"))
      #expect(
        header.contains(
          "Parameters:  370 (trainable; each layer's two bias vectors are stored summed)."))
      #expect(header.contains("weights \(export.weightBytes)"))
      #expect(header.contains("state 64"))
      #expect(header.contains("FLOPs/step:  \(export.flopsPerStep)"))
      #expect(header.contains("ItalyPowerDemand student"))
      #expect(header.contains("#define MEMKD_STUDENT_HIDDEN 8"))
      #expect(header.hasSuffix("#endif /* MEMKD_STUDENT_H */\n"))
    }
    #expect(int8.header.contains("static const int8_t memkd_student_weight_hh_l0[32 * 8]"))
    #expect(int8.header.contains("static const float memkd_student_weight_hh_l0_scale[32]"))
    #expect(float.header.contains("static const float memkd_student_weight_hh_l0[32 * 8]"))
  }

  @Test("comment text cannot end the comment early")
  func commentIsSafe() throws {
    let model = RecurrentClassifier<Float>(config: .student(classes: 2), seed: 3)
    let export = try CHeaderExport(model: model, source: "a */ b /* c", notes: ["x */"])
    let comment = export.header.components(separatedBy: "*/")[0]
    #expect(!comment.dropFirst(2).contains("/*"))
    #expect(export.header.components(separatedBy: "*/").count > 2)
    #expect(comment.contains("a * / b / * c"))
  }

  @Test("bad names and non-finite weights are refused")
  func refusals() throws {
    let model = RecurrentClassifier<Float>(config: .student(classes: 2), seed: 3)
    for name in ["", "9lives", "my-model", "naïve", "a b"] {
      #expect(throws: CExportError.invalidName(name)) {
        try CHeaderExport(model: model, name: name, source: "")
      }
    }
    #expect(CHeaderExport.isValidName("_m0del_X"))
    var broken = model
    broken.parameters.tensors[1][3] = .nan
    #expect(throws: CExportError.nonFiniteWeight("lstm.weight_hh_l0")) {
      try CHeaderExport(model: broken, source: "")
    }
  }

  @Test("int8 per-row quantisation: scales, range, zero rows, reconstruction error")
  func int8Matrix() {
    let weights: [Float] = [0.5, -0.25, 0.125, 0, 0, 0, -2, 1, 0.003]
    let matrix = Int8Matrix(quantizing: weights, rows: 3, columns: 3)
    let expectedScales: [Float] = [0.5 / 127, 0, 2 / 127]
    #expect(matrix.scales == expectedScales)
    #expect(matrix.values[0] == 127 && matrix.values[6] == -127)
    #expect(matrix.values[3...5].allSatisfy { $0 == 0 })
    let restored = matrix.dequantized
    for row in 0..<3 {
      for column in 0..<3 {
        let index = row * 3 + column
        #expect(abs(restored[index] - weights[index]) <= matrix.scales[row] / 2 * 1.0001)
      }
    }
    #expect(matrix.byteCount == 9 + 12)
    // Three inputs: a one-column row would quantise exactly (its one value is +-127 s).
    let model = RecurrentClassifier<Float>(
      config: ModelConfig(inputSize: 3, hiddenSize: 4, layers: 2, classes: 3), seed: 2)
    let quantized = CHeaderExport.quantized(model)
    for (index, tensor) in quantized.parameters.tensors.enumerated() {
      let isMatrix = Int8Quantization.matrixIndices(for: model.config).contains(index)
      #expect((tensor == model.parameters.tensors[index]) != isMatrix, "tensor \(index)")
    }
  }
}
