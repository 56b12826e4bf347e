import ArgumentParser
import MemKDCore

/// Where datasets come from and how they are preprocessed (shared by every data command).
struct DataOptions: ParsableArguments {
  @Option(help: "UCR dataset name (a folder <root>/<NAME>/ holding <NAME>_TRAIN.tsv and <NAME>_TEST.tsv).")
  var dataset: String

  @Option(
    help: ArgumentHelp(
      "Folder holding UCR dataset folders.",
      discussion: "Default: $MEMKD_DATA_ROOT, else the datasets shipped in the repository's data/ folder."))
  var dataRoot: String?

  @Option(help: "Resample every series to this length (linear interpolation).")
  var length: Int = 100

  @Flag(inversion: .prefixedNo, help: "Z-normalise each series on its own.")
  var zNormalize = true

  var preprocessing: Preprocessing { Preprocessing(length: length, zNormalize: zNormalize) }

  func validate() throws {
    if length < 2 { throw ValidationError("--length must be at least 2 (got \(length))") }
    if dataset.isEmpty { throw ValidationError("--dataset must name a dataset") }
  }

  func load() throws -> UCRDataset {
    try UCRDataset.load(name: dataset, dataRoot: dataRoot, preprocessing: preprocessing)
  }
}
