import Foundation
import MemKDCore
import MemKDTestSupport
import Testing

/// Compiles exported headers with the system C compiler and runs them.
enum CProgram {
  /// `cc` on PATH, or nil (the tests that compile are skipped then).
  static let compiler: String? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
      let candidate = "\(directory)/cc"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }()

  static let available = compiler != nil
  /// The acceptance flags (`-std=c99 -Wall -Werror`) and stricter ones.
  static let flags = ["-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", "-O2"]

  typealias Output = ProcessOutput

  static func execute(_ executable: String, _ arguments: [String]) throws -> Output {
    try ProcessOutput.run(URL(fileURLWithPath: executable), arguments)
  }

  /// Writes `header` as `student.h` and `program` as `prog.c` into `directory`, compiles with
  /// `flags` and returns the executable's path; a compiler diagnostic fails the test.
  static func build(
    header: String, program: String, in directory: URL, extraFlags: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> String {
    let compiler = try #require(compiler, "cc is not on PATH", sourceLocation: sourceLocation)
    try header.write(
      to: directory.appendingPathComponent("student.h"), atomically: true, encoding: .utf8)
    let source = directory.appendingPathComponent("prog.c").path
    try program.write(toFile: source, atomically: true, encoding: .utf8)
    let executable = directory.appendingPathComponent("prog").path
    let result = try execute(
      compiler, flags + extraFlags + [source, "-o", executable, "-lm"])
    try #require(
      result.status == 0 && result.stderr.isEmpty, "cc failed:\n\(result.stderr)",
      sourceLocation: sourceLocation)
    return executable
  }

  /// A program that reads `count length` and then `count * length * INPUT_SIZE` floats from the
  /// file named by its argument, runs every series from a fresh state and prints one line per
  /// series: the probabilities (`%.9g`) and the predicted class.
  static func predictions(prefix p: String) -> String {
    let M = p.uppercased()
    return """
      #include <stdio.h>
      #include "student.h"

      int main(int argc, char **argv) {
        FILE *file;
        long count, length, n, t;
        int d;
        float x[\(M)_INPUT_SIZE];
        float p[\(M)_CLASSES];
        \(p)_state state;
        if (argc != 2 || (file = fopen(argv[1], "r")) == NULL) return 2;
        if (fscanf(file, "%ld %ld", &count, &length) != 2) return 3;
        for (n = 0; n < count; ++n) {
          \(p)_init(&state);
          for (t = 0; t < length; ++t) {
            for (d = 0; d < \(M)_INPUT_SIZE; ++d) {
              if (fscanf(file, "%f", &x[d]) != 1) return 4;
            }
            \(p)_step(&state, x);
          }
          \(p)_probabilities(&state, p);
          for (d = 0; d < \(M)_CLASSES; ++d) printf("%.9g ", p[d]);
          printf("%d\\n", \(p)_predict(&state));
        }
        fclose(file);
        return 0;
      }

      """
  }

  /// Runs the program from `predictions` on `inputs` (`[count, length, channels]`); returns the
  /// probabilities `[count, classes]` and the predicted classes.
  static func predict(
    _ executable: String, inputs: [Float], count: Int, length: Int, classes: Int,
    in directory: URL, sourceLocation: SourceLocation = #_sourceLocation
  ) throws -> (probabilities: [Double], predicted: [Int]) {
    let file = directory.appendingPathComponent("series-\(UUID().uuidString.prefix(6)).txt")
    var text = "\(count) \(length)\n"
    text += inputs.map { $0.description }.joined(separator: " ") + "\n"
    try text.write(to: file, atomically: true, encoding: .utf8)
    let result = try execute(executable, [file.path])
    try #require(
      result.status == 0, "C program failed: \(result.status) \(result.stderr)",
      sourceLocation: sourceLocation)
    var probabilities: [Double] = []
    var predicted: [Int] = []
    for line in result.stdout.split(separator: "\n") {
      let fields = line.split(separator: " ")
      try #require(
        fields.count == classes + 1, "bad line '\(line)'", sourceLocation: sourceLocation)
      probabilities += try fields.dropLast().map {
        try #require(Double($0), sourceLocation: sourceLocation)
      }
      predicted.append(try #require(Int(fields[classes]), sourceLocation: sourceLocation))
    }
    try #require(
      predicted.count == count, "expected \(count) lines", sourceLocation: sourceLocation)
    return (probabilities, predicted)
  }
}

/// Largest absolute difference of two equally long arrays.
func maxAbsoluteDifference(_ a: [Double], _ b: [Double]) -> Double {
  precondition(a.count == b.count, "\(a.count) vs \(b.count) values")
  return zip(a, b).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
}

/// Row-wise argmax of `[N, C]` probabilities; nil for rows whose top two are closer than
/// `margin` (a Float rounding may legitimately flip those).
func confidentArgmax(_ probabilities: [Double], classes: Int, margin: Double = 1e-4) -> [Int?] {
  (0..<(probabilities.count / classes)).map { row in
    let values = Array(probabilities[(row * classes)..<((row + 1) * classes)])
    let sorted = values.sorted(by: >)
    guard sorted[0] - sorted[1] > margin else { return nil }
    return values.firstIndex(of: sorted[0])
  }
}
