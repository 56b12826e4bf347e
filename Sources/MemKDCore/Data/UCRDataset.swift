import Foundation

/// One UCR dataset, loaded and preprocessed: the archive's own train/test split, both resampled and
/// normalised (PROTOCOL.md "Data"), with the class mapping shared by the two splits.
///
/// Why the raw labels are kept: checkpoints record `classLabels` so predictions can be reported in
/// the archive's own label values, and so a model is never evaluated under a different mapping.
public struct UCRDataset: Sendable {
  /// The most values (series x length, both splits) a preprocessed dataset may hold: 2^28,
  /// 1 GiB of float32. Checked after parsing, before resampling allocates (a length of 10^9
  /// once aborted with "failed to allocate").
  public static let valueBudget = 1 << 28

  /// Why `series` series resampled to `length` steps exceed `valueBudget`, or nil. The one
  /// check of this budget: the CLI's datasets and the Python package's arrays both use it.
  public static func budgetProblem(length: Int, series: Int) -> String? {
    let (values, overflow) = max(series, 1).multipliedReportingOverflow(by: length)
    guard overflow || values > valueBudget else { return nil }
    return "preprocessing length \(length) x \(series) series is more than the \(valueBudget) "
      + "values (1 GiB of float32) a dataset may hold; choose a shorter length"
  }

  public let name: String
  /// The folder the two `.tsv` (or `.ts`) files were read from.
  public let directory: String
  /// [count, preprocessing.length, channels], labels in 0..<classCount.
  public let train: SeriesSet
  /// [count, preprocessing.length, channels], labels in 0..<classCount.
  public let test: SeriesSet
  /// Original label token of class k (sorted numerically when all labels are numbers, else
  /// lexicographically).
  public let classLabels: [String]
  public var classCount: Int { classLabels.count }
  public let preprocessing: Preprocessing

  /// Loads `<root>/<name>/<name>_{TRAIN,TEST}.tsv`, the root chosen by `DataLocator`
  /// (`dataRoot`, else $MEMKD_DATA_ROOT, else the repo's `data/`). `rootOption` names
  /// `dataRoot` in the message for an unknown dataset (`--data-root`; Python: `root=`).
  public static func load(
    name: String, dataRoot: String? = nil, preprocessing: Preprocessing = Preprocessing(),
    rootOption: String = "--data-root"
  ) throws -> UCRDataset {
    let directory = try DataLocator.datasetDirectory(
      name: name, explicit: dataRoot, rootOption: rootOption)
    return try load(name: name, directory: directory, preprocessing: preprocessing)
  }

  /// Loads `<directory>/<name>_{TRAIN,TEST}.tsv` directly (no root lookup), or the `.ts` pair
  /// when there is no `.tsv` (`DatasetFormat`).
  static func load(name: String, directory: String, preprocessing: Preprocessing) throws
    -> UCRDataset
  {
    guard preprocessing.length >= 1 else {
      throw DataError(
        .invalidArgument, file: directory,
        "preprocessing length must be at least 1, got \(preprocessing.length)")
    }
    let format = DatasetFormat.detect(name: name, directory: directory)
    let trainPath = format.path(name: name, split: "TRAIN", directory: directory)
    let testPath = format.path(name: name, split: "TEST", directory: directory)
    // Check both splits before parsing either, so a missing split is reported at once.
    for (path, split) in [(trainPath, "TRAIN"), (testPath, "TEST")]
    where !FileManager.default.fileExists(atPath: path) {
      throw DataError(.missingFile, file: path, "\(split) split of dataset '\(name)' not found")
    }
    let trainFile = try format.read(path: trainPath)
    let testFile = try format.read(path: testPath)
    if testFile.channels != trainFile.channels {
      throw DataError(
        .raggedRow, file: testPath,
        "\(testFile.channels) channel(s) per series, but the training split \(trainPath) has "
          + "\(trainFile.channels)")
    }
    // Every channel of every series is `length` values.
    let series = (trainFile.labelTokens.count + testFile.labelTokens.count) * trainFile.channels
    if let problem = Self.budgetProblem(length: preprocessing.length, series: series) {
      throw DataError(.invalidArgument, file: directory, problem)
    }
    let classes = UCRLabelMapping(trainFile.labelTokens + testFile.labelTokens)
    let trainLabels = trainFile.labelTokens.map(classes.index(of:))
    let trainClasses = Set(trainLabels)
    guard trainClasses.count >= 2 else {
      let only = trainClasses.first.map { classes.tokens[$0] } ?? "?"
      throw DataError(
        .singleClass, file: trainPath,
        "training split has a single class (label '\(only)'); at least 2 are needed")
    }
    // A class only TEST has would be an output no training series ever taught: its accuracy
    // would be 0 and its AUC-PRC meaningless, reported as if real. Refused by name.
    let testLabels = testFile.labelTokens.map(classes.index(of:))
    let testOnly = Set(testLabels).subtracting(trainClasses)
    if !testOnly.isEmpty {
      let labels = testOnly.sorted().map { "'\(classes.tokens[$0])'" }.joined(separator: ", ")
      throw DataError(
        .classMissingFromTraining, file: testPath,
        "test split has label(s) \(labels) that the training split \(trainPath) lacks; "
          + "a model cannot learn a class it never sees")
    }
    return UCRDataset(
      name: name, directory: directory,
      train: makeSet(trainFile, labels: trainLabels, preprocessing),
      test: makeSet(testFile, labels: testLabels, preprocessing),
      classLabels: classes.tokens, preprocessing: preprocessing)
  }

  /// Preprocesses every series of `file` into a [count, length, channels] Float set: each
  /// channel on its own, missing values filled, resampled to `length`, z-normalised.
  private static func makeSet(_ file: RawSplit, labels: [Int], _ preprocessing: Preprocessing)
    -> SeriesSet
  {
    let length = preprocessing.length
    let channels = file.channels
    var values = [Float](repeating: 0, count: file.series.count * length * channels)
    for (row, series) in file.series.enumerated() {
      for (channel, raw) in series.enumerated() {
        let processed = preprocessing.apply(Preprocess.fillMissing(raw))
        for (step, value) in processed.enumerated() {
          values[(row * length + step) * channels + channel] = Float(value)
        }
      }
    }
    return SeriesSet(values: values, labels: labels, length: length, channels: channels)
  }
}
