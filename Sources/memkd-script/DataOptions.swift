import ArgumentParser
import MemKDCore

/// Which dataset and where datasets live (shared by every data command).
struct DataOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp(
      "Dataset name: a folder <root>/<NAME>/ holding <NAME>_TRAIN.tsv and <NAME>_TEST.tsv (UCR), or the .ts pair (UEA / aeon: several channels, variable lengths).",
      discussion: "Commands that read a checkpoint default to the checkpoint's dataset."))
  var dataset: String?

  @Option(
    help: ArgumentHelp(
      "Folder holding UCR dataset folders.",
      discussion:
        "Default: $MEMKD_DATA_ROOT, else the datasets shipped in the repository's data/ folder."))
  var dataRoot: String?

  /// The dataset to use: `--dataset`, else `recorded` (a checkpoint's); they must agree.
  func name(recorded: String?, file: String? = nil) throws -> String {
    switch (dataset, recorded) {
    case (let given?, let recorded?) where given != recorded:
      throw ValidationError(
        "--dataset \(given) differs from the dataset \(recorded) recorded in \(file ?? "the checkpoint")"
      )
    case (let given?, _):
      return given
    case (nil, let recorded?):
      return recorded
    case (nil, nil):
      throw ValidationError("--dataset is required")
    }
  }

  /// Loads `name` with `preprocessing`; data errors name the file and line.
  func load(_ name: String, preprocessing: Preprocessing) throws -> UCRDataset {
    try UCRDataset.load(name: name, dataRoot: dataRoot, preprocessing: preprocessing)
  }
}

/// Loads a dataset the way a checkpoint was trained on it and checks that its label mapping is
/// the checkpoint's (otherwise the model's outputs would mean other classes).
func loadDataset(for checkpoint: ModelCheckpoint, path: String, options: DataOptions) throws
  -> UCRDataset
{
  let name = try options.name(recorded: checkpoint.data.dataset, file: path)
  let dataset: UCRDataset
  do {
    dataset = try options.load(name, preprocessing: checkpoint.data.preprocessing)
  } catch let error as DataError where error.kind == .unknownDataset {
    // The name may come from the checkpoint (a damaged string there is one way to get here).
    throw FileFormatError.mismatch(file: path, message: "its dataset '\(name)': \(error)")
  }
  guard dataset.classLabels == checkpoint.data.classLabels else {
    throw FileFormatError.mismatch(
      file: path,
      message: "the model's classes \(checkpoint.data.classLabels) are not dataset \(name)'s "
        + "labels \(dataset.classLabels)")
  }
  return dataset
}
