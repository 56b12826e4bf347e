import Foundation

/// Measured cost of one streaming step (a time step plus the class probabilities), in
/// nanoseconds: the Swift `StreamingClassifier` and the exported C header compiled by the
/// system's C compiler. Used by `memkd-script profile` and the benchmark.
public enum StepTiming {
  /// Times `StreamingClassifier.step` + `probabilities(into:)` on a sine-like input (every
  /// channel of a multichannel model fed, a shifted copy each).
  public static func swift(model: RecurrentClassifier<Float>, steps: Int = 200_000, rounds: Int = 5)
    -> Double
  {
    let stream = StreamingClassifier(model: model)
    let channels = model.config.inputSize
    var probabilities = [Float](repeating: 0, count: model.config.classes)
    var input = [Float](repeating: 0, count: channels)
    var sink: Float = 0
    let clock = ContinuousClock()
    var best = Double.infinity
    for _ in 0..<rounds {
      stream.reset()
      let start = clock.now
      for t in 0..<steps {
        let value = Float(t % 97) / 48.5 - 1
        if channels == 1 {
          stream.step(value)
        } else {
          // Every channel of a step (a wrist IMU's six), each a shifted copy of the signal.
          for channel in 0..<channels { input[channel] = value + Float(channel) * 0.1 }
          stream.step(input)
        }
        stream.probabilities(into: &probabilities)
        sink += probabilities[0]
      }
      best = min(best, (clock.now - start).seconds / Double(steps) * 1e9)
    }
    // The probabilities feed `sink`, so the optimiser cannot drop the timed work.
    return sink.isNaN ? .nan : best
  }

  /// The C compiler flags of the timing: optimised for the CPU it runs on, as firmware is built
  /// for its target.
  public static let cFlags = ["-std=c99", "-O3", "-march=native"]

  /// Compiles the exported header into a timing loop (`cFlags`) and runs it.
  public static func c(
    model: RecurrentClassifier<Float>, int8: Bool = false, compiler: String, steps: Int = 2_000_000
  ) throws -> Double {
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("memkd-step-timing-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let export = try CHeaderExport(
      model: model, name: "bench_student", int8: int8, source: "step timing")
    try export.header.write(
      to: directory.appendingPathComponent("bench_student.h"), atomically: true, encoding: .utf8)
    let program = """
      #define _POSIX_C_SOURCE 199309L
      #include <stdio.h>
      #include <time.h>
      #include "bench_student.h"
      int main(void) {
        bench_student_state state;
        float probabilities[\(model.config.classes)];
        double best = 1e30;
        float sink = 0.0f;
        for (int round = 0; round < 5; round++) {
          struct timespec start, end;
          bench_student_init(&state);
          clock_gettime(CLOCK_MONOTONIC, &start);
          for (long t = 0; t < \(steps)L; t++) {
            float value = (float)(t % 97) / 48.5f - 1.0f;
            float x[BENCH_STUDENT_INPUT_SIZE];
            for (int d = 0; d < BENCH_STUDENT_INPUT_SIZE; d++) x[d] = value + 0.1f * (float)d;
            bench_student_step(&state, x);
            bench_student_probabilities(&state, probabilities);
            sink += probabilities[0];
          }
          clock_gettime(CLOCK_MONOTONIC, &end);
          double ns = ((double)(end.tv_sec - start.tv_sec) * 1e9 + (double)(end.tv_nsec - start.tv_nsec)) / \(steps).0;
          if (ns < best) best = ns;
        }
        printf("%.3f %g\\n", best, (double)sink);
        return 0;
      }
      """
    try program.write(
      to: directory.appendingPathComponent("timing.c"), atomically: true, encoding: .utf8)
    let binary = directory.appendingPathComponent("timing").path
    _ = try ExternalTool.run(
      compiler, cFlags + ["-o", binary, directory.appendingPathComponent("timing.c").path, "-lm"])
    let output = try ExternalTool.run(binary, [])
    guard let first = output.split(separator: " ").first, let value = Double(first) else {
      throw ExternalToolError("the C timing program printed '\(output)'")
    }
    return value
  }
}
