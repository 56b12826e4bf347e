import Testing

@testable import MemKDPipeline

/// A pipeline file that must fail, with where and why.
struct MalformedSpec: Sendable, CustomTestStringConvertible {
  var name: String
  var yaml: String
  /// The expected key path; empty for file-level problems.
  var key: String
  var line: Int?
  /// A piece of the expected message.
  var fragment: String

  var testDescription: String { name }
}

/// Three lines every case may start from: a valid head, so line numbers below are easy to read.
private let head = """
  name: x
  data: {datasets: [A]}

  """

private let cases: [MalformedSpec] = [
  MalformedSpec(
    name: "a list nested 5,000 deep (overflowed the parser's stack)",
    yaml: head + "students: [{method: base}]\nseeds: " + String(repeating: "[", count: 5000)
      + String(repeating: "]", count: 5000) + "\n",
    key: "", line: 4, fragment: "nested more than 512 levels deep"),
  MalformedSpec(
    name: "block sequences nested 5,000 deep",
    yaml: head + "students: [{method: base}]\nseeds:\n"
      + String(repeating: "- ", count: 5000) + "1\n",
    key: "", line: 5, fragment: "nested more than 512 levels deep"),
  MalformedSpec(
    name: "a billion seeds (allocated for minutes)",
    yaml: head + "students: [{method: base}]\nseeds: 1000000000\n",
    key: "seeds", line: 4, fragment: "at most 1000 seeds (got 1000000000)"),
  MalformedSpec(
    name: "a million student variants (status ran 30 s at 750 MB)",
    yaml: head + "students:\n  - method: memkd\n"
      + "    long_pairs: [" + (1...1000).map(String.init).joined(separator: ", ") + "]\n"
      + "    short_weight: [" + (1...1000).map(String.init).joined(separator: ", ") + "]\n",
    key: "students[0]", line: 4, fragment: "make 1000000 variants; at most 10000"),
  MalformedSpec(
    name: "teacher layer past a 1-layer teacher (the worker segfaulted)",
    yaml: head + "teacher: {layers: 1}\nstudents:\n  - method: base\n  - method: memkd\n"
      + "    teacher_layer: 1\n",
    key: "students[1].teacher_layer", line: 6,
    fragment: "teacher_layer must be a layer of the 1-layer teacher, 0 to 0 (got 1)"),
  MalformedSpec(
    name: "unknown top-level key", yaml: head + "students: [{method: base}]\nsedes: 3\n",
    key: "sedes", line: 4, fragment: "unknown key 'sedes'; did you mean 'seeds'?"),
  MalformedSpec(
    name: "unknown top-level key lists the allowed keys", yaml: head + "studnets: []\n",
    key: "studnets", line: 3,
    fragment: "allowed keys: name, output, data, preprocessing, teacher, students, select, seeds"),
  MalformedSpec(
    name: "unknown student key (typo)",
    yaml: head + "students:\n  - method: base\n  - method: memkd\n    trems: short\n",
    key: "students[1].trems", line: 6, fragment: "unknown key 'trems'; did you mean 'terms'?"),
  MalformedSpec(
    name: "string for an integer",
    yaml: head + "teacher:\n  hidden: abc\nstudents: [{method: at}]\n",
    key: "teacher.hidden", line: 4,
    fragment: "hidden must be an integer in 1 ... 1048576 (got 'abc')"),
  MalformedSpec(
    name: "quoted number for an integer",
    yaml: head + "students: [{method: at, hidden: \"8\"}]\n",
    key: "students[0].hidden", line: 3,
    fragment: "hidden must be an integer in 1 ... 1048576 (got '8')"),
  MalformedSpec(
    name: "mapping for the datasets", yaml: "name: x\ndata:\n  datasets: {a: 1}\nstudents: []\n",
    key: "data.datasets", line: 3,
    fragment: "expected a non-empty list of UCR dataset names (or one name), got a mapping"),
  MalformedSpec(
    name: "scalar for the students", yaml: head + "students: foo\n",
    key: "students", line: 3, fragment: "expected a non-empty list of student entries"),
  MalformedSpec(
    name: "negative learning rate", yaml: head + "teacher:\n  lr: -1\nstudents: [{method: at}]\n",
    key: "teacher.lr", line: 4, fragment: "lr must be a positive number (got -1)"),
  MalformedSpec(
    name: "validation fraction out of range",
    yaml: head + "teacher:\n  hidden: 4\n  validation_fraction: 1.5\nstudents: [{method: at}]\n",
    key: "teacher.validation_fraction", line: 5,
    fragment: "validation_fraction must be a number strictly between 0 and 1 (got 1.5)"),
  MalformedSpec(
    name: "zero initialisations", yaml: head + "teacher: {inits: 0}\nstudents: [{method: at}]\n",
    key: "teacher.inits", line: 3, fragment: "inits must be an integer in 1 ... 1048576 (got 0)"),
  MalformedSpec(
    name: "length below 2", yaml: head + "preprocessing:\n  length: 1\nstudents: [{method: at}]\n",
    key: "preprocessing.length", line: 4,
    fragment: "length must be an integer in 2 ... 16777216 (got 1)"),
  MalformedSpec(
    name: "yes is not a boolean", yaml: head + "preprocessing: {z_normalize: yes}\nstudents: []\n",
    key: "preprocessing.z_normalize", line: 3,
    fragment: "z_normalize must be true or false (got 'yes')"),
  MalformedSpec(
    name: "unknown method", yaml: head + "students:\n  - method: memkd\n  - method: kd\n",
    key: "students[1].method", line: 5,
    fragment: "expected one of base, base-kd, dkd, at, rkd, vid, nst, fitnet, dt2w, memkd, got 'kd'"
  ),
  MalformedSpec(
    name: "unknown terms value", yaml: head + "students:\n  - method: memkd\n    terms: medium\n",
    key: "students[0].terms", line: 5,
    fragment: "terms must be one of short, long, both (got 'medium')"),
  MalformedSpec(
    name: "unknown normalization value",
    yaml: head + "students:\n  - method: memkd\n    normalization: [none, l2]\n",
    key: "students[0].normalization[1]", line: 5,
    fragment: "normalization must be one of per-sample-mean, batch-mean, step-norm, none (got 'l2')"
  ),
  MalformedSpec(
    name: "memkd option on another method",
    yaml: head + "students:\n  - method: fitnet\n    hidden: 4\n    terms: short\n",
    key: "students[0].terms", line: 6,
    fragment: "'terms' is a memkd option; method fitnet does not take it"),
  MalformedSpec(
    name: "empty datasets list", yaml: "name: x\ndata:\n  datasets: []\nstudents: [{method: at}]\n",
    key: "data.datasets", line: 3, fragment: "got an empty list"),
  MalformedSpec(
    name: "duplicate dataset",
    yaml: "name: x\ndata:\n  datasets:\n    - A\n    - B\n    - A\nstudents: [{method: at}]\n",
    key: "data.datasets[2]", line: 6, fragment: "duplicate dataset 'A' (also data.datasets[0])"),
  MalformedSpec(
    name: "duplicate mapping key",
    yaml: head + "teacher:\n  lr: 0.1\n  hidden: 4\n  lr: 0.2\nstudents: [{method: at}]\n",
    key: "teacher.lr", line: 6, fragment: "duplicate key 'lr' (first at line 4)"),
  MalformedSpec(
    name: "missing students", yaml: "# a comment\nname: x\ndata: {datasets: [A]}\n",
    key: "students", line: 2, fragment: "missing required key 'students'"),
  MalformedSpec(
    name: "missing datasets", yaml: "name: x\ndata:\n  root: /data\nstudents: [{method: at}]\n",
    key: "data.datasets", line: 3, fragment: "missing required key 'datasets'"),
  MalformedSpec(
    name: "missing method", yaml: head + "students:\n  - method: at\n  - hidden: 4\n",
    key: "students[1].method", line: 5, fragment: "missing required key 'method'"),
  MalformedSpec(
    name: "beta and beta_grid both",
    yaml: head + "students:\n  - method: memkd\n    beta_grid: [1, 10]\n    beta: 10\n",
    key: "students[0].beta", line: 6, fragment: "give either beta or beta_grid, not both"),
  MalformedSpec(
    name: "beta for base", yaml: head + "students:\n  - method: base\n    beta_grid: [1]\n",
    key: "students[0].beta_grid", line: 5, fragment: "method base has no distillation term"),
  MalformedSpec(
    name: "YAML syntax error (unclosed bracket)",
    yaml: "name: x\ndata:\n  datasets: [A, B\nstudents: [{method: at}]\n",
    key: "", line: 4, fragment: "invalid YAML: did not find expected ',' or ']'"),
  MalformedSpec(
    name: "control character (libyaml reader error)", yaml: "name: x\ndata: \u{7}\n",
    key: "", line: 2, fragment: "invalid YAML: control characters are not allowed"),
  MalformedSpec(
    name: "empty file", yaml: "", key: "", line: nil, fragment: "the file is empty"),
  MalformedSpec(
    name: "comments only", yaml: "# nothing yet\n", key: "", line: nil,
    fragment: "the file is empty"),
  MalformedSpec(
    name: "top level is a list", yaml: "- name: x\n", key: "", line: 1,
    fragment: "expected a mapping with at least name, data and students, got a list"),
  MalformedSpec(
    name: "float for an integer option", yaml: head + "students: [{method: at, hidden: 8.5}]\n",
    key: "students[0].hidden", line: 3,
    fragment: "hidden must be an integer in 1 ... 1048576 (got 8.5)"),
  MalformedSpec(
    name: "empty axis list", yaml: head + "teacher:\n  hidden: []\nstudents: [{method: at}]\n",
    key: "teacher.hidden", line: 4, fragment: "got an empty list"),
  MalformedSpec(
    name: "duplicate axis value",
    yaml: head + "students:\n  - method: memkd\n    terms: [short, short]\n",
    key: "students[0].terms[1]", line: 5,
    fragment: "duplicate value 'short' in the list (also students[0].terms[0])"),
  MalformedSpec(
    name: "a list inside an axis", yaml: head + "teacher: {hidden: [[1, 2]]}\nstudents: []\n",
    key: "teacher.hidden[0]", line: 3, fragment: "got a list"),
  MalformedSpec(
    name: "identical student entries",
    yaml: head + "students:\n  - method: memkd\n    terms: [short, both]\n  - method: memkd\n",
    key: "students[1]", line: 6,
    fragment: "variant 'memkd' is identical to students[0] ('memkd terms=both')"),
  MalformedSpec(
    name: "two student entries differing in a scalar option share a label",
    yaml: head + "students:\n  - method: base\n  - method: base\n    lr: 0.01\n",
    key: "students[1]", line: 5,
    fragment: "variant 'base' trains differently from students[0] but has the same label"),
  MalformedSpec(
    name: "name with a space", yaml: "name: my run\ndata: {datasets: [A]}\nstudents: []\n",
    key: "name", line: 1, fragment: "must match [A-Za-z0-9._-]+"),
  MalformedSpec(
    name: "zero seeds", yaml: head + "students: [{method: at}]\nseeds: 0\n",
    key: "seeds", line: 4, fragment: "must be at least 1 (got 0)"),
  MalformedSpec(
    name: "duplicate seed", yaml: head + "students: [{method: at}]\nseeds: [1, 2, 1]\n",
    key: "seeds[2]", line: 4, fragment: "duplicate seed 1 (also seeds[0])"),
  MalformedSpec(
    name: "infinite clip", yaml: head + "students: [{method: at, clip: .inf}]\n",
    key: "students[0].clip", line: 3,
    fragment: "clip must be 0 (off) or a positive number (got inf)"),
]

@Suite("Pipeline spec errors")
struct PipelineSpecErrorTests {
  @Test("a malformed file is an error at the offending key and line", arguments: cases)
  func malformed(_ spec: MalformedSpec) throws {
    let error = #expect(throws: PipelineSpecError.self) {
      try PipelineSpec.parse(yaml: spec.yaml, file: "bad.yaml")
    }
    let thrown = try #require(error)
    #expect(thrown.file == "bad.yaml")
    #expect(thrown.key == spec.key)
    #expect(thrown.line == spec.line)
    #expect((thrown.line == nil) == (thrown.column == nil))
    #expect(thrown.message.contains(spec.fragment), "message: \(thrown.message)")
  }

  @Test("columns point at the offending value")
  func column() throws {
    let error = #expect(throws: PipelineSpecError.self) {
      try PipelineSpec.parse(
        yaml: head + "teacher: {hidden: 4, lr: -1}\nstudents: [{method: at}]\n", file: "c.yaml")
    }
    #expect(error?.line == 3)
    #expect(error?.column == 26)
    #expect(error?.description == "c.yaml:3:26: teacher.lr: lr must be a positive number (got -1)")
  }
}
