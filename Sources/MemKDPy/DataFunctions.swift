import CPython
import MemKDCore

// Data: the UCR loader, preprocessing, the split, metrics.

/// A data problem as the Python exception a user expects: a missing file or dataset is an
/// OSError, anything about the contents a ValueError.
func pythonError(_ error: DataError) -> PythonError {
  switch error.kind {
  case .missingFile, .unknownDataset: return .os("\(error)")
  default: return .value("\(error)")
  }
}

/// `load_ucr(name, root, length, z_normalize)`.
func loadUCR(_ args: Arguments) throws -> PythonObject {
  let name = try args.string(0, "name")
  let root = try args.optionalString(1, "root")
  let length = try args.length(2)
  let preprocessing = Preprocessing(length: length, zNormalize: try args.bool(3, "z_normalize"))
  let dataset: UCRDataset
  do {
    dataset = try withoutGIL {
      try UCRDataset.load(
        name: name, dataRoot: root, preprocessing: preprocessing, rootOption: "the root= argument")
    }
  } catch let error as DataError {
    throw pythonError(error)
  }
  return try Build.tuple([
    try Build.bytes(dataset.train.values), try Build.bytes(dataset.train.labels.map { Int64($0) }),
    try Build.int(dataset.train.count),
    try Build.bytes(dataset.test.values), try Build.bytes(dataset.test.labels.map { Int64($0) }),
    try Build.int(dataset.test.count),
    try Build.list(dataset.classLabels.map { try Build.string($0) }),
    try Build.int(dataset.train.channels),
  ])
}

/// `load_ts(path) -> (values f8 bytes, lengths i8 bytes [N], channels, labels)`: the series of
/// one `.ts` file as read (row by row, channel by channel; `?` as NaN).
func loadTS(_ args: Arguments) throws -> PythonObject {
  let path = try args.string(0, "path")
  let file: TSFile
  do {
    file = try withoutGIL { try TSFile.read(path: path) }
  } catch let error as DataError {
    throw pythonError(error)
  }
  let values = file.series.flatMap { $0.flatMap { $0 } }
  return try Build.tuple([
    try Build.bytes(values), try Build.bytes(file.series.map { Int64($0[0].count) }),
    try Build.int(file.channels), try Build.list(file.labelTokens.map { try Build.string($0) }),
  ])
}

/// `preprocess(X [N, T] f8 or f4, length, z_normalize) -> bytes f4 [N, length]` (computed in
/// float64 like the loader, so float64 input gives exactly `load_ucr`'s values).
func preprocess(_ args: Arguments) throws -> PythonObject {
  let (values, shape) = try args.doubles(0, "X")
  guard shape.count == 2, shape[0] >= 1, shape[1] >= 1 else {
    throw PythonError.value("preprocess(): X must be a non-empty [N, T] array, got shape \(shape)")
  }
  guard values.allSatisfy(\.isFinite) else {
    throw PythonError.value("preprocess(): X contains NaN or infinity")
  }
  let length = try args.length(1, series: shape[0])
  let normalize = try args.bool(2, "z_normalize")
  let steps = shape[1]
  let result = withoutGIL { () -> [Float] in
    (0..<shape[0]).flatMap { row -> [Float] in
      let series = Array(values[(row * steps)..<((row + 1) * steps)])
      let resampled = Preprocess.resample(series, to: length)
      return (normalize ? Preprocess.zNormalize(resampled) : resampled).map { Float($0) }
    }
  }
  return try Build.bytes(result)
}

/// `split(y, validation_fraction, seed) -> (train rows, validation rows)` as int64 bytes.
func split(_ args: Arguments) throws -> PythonObject {
  let (labels, shape) = try args.int64s(0, "y")
  guard shape.count == 1, !labels.isEmpty, labels.allSatisfy({ $0 >= 0 }) else {
    throw PythonError.value("split(): y must be a non-empty [N] array of class indices >= 0")
  }
  let fraction = try args.double(1, "validation_fraction")
  guard fraction > 0, fraction < 1 else {
    throw PythonError.value("split(): validation_fraction must be in (0, 1), got \(fraction)")
  }
  let seed = try args.int(2, "seed")
  guard seed >= 0 else { throw PythonError.value("split(): seed must be >= 0") }
  let (train, validation) = StratifiedSplit.split(
    labels: labels, validationFraction: fraction, seed: UInt64(seed))
  return try Build.tuple([
    try Build.bytes(train.map { Int64($0) }), try Build.bytes(validation.map { Int64($0) }),
  ])
}

/// `metrics(probabilities [N, C] f8 or f4, y [N], classes) -> (accuracy, auc_roc, auc_prc)`.
func metrics(_ args: Arguments) throws -> PythonObject {
  let (probabilities, shape) = try args.doubles(0, "probabilities")
  let classes = try args.int(2, "classes")
  guard classes >= 2, shape.count == 2, shape[1] == classes, shape[0] >= 1 else {
    throw PythonError.value(
      "metrics(): probabilities must be [N, C] with C = classes = \(classes) >= 2, got shape \(shape)"
    )
  }
  guard probabilities.allSatisfy(\.isFinite) else {
    throw PythonError.value("metrics(): probabilities contain NaN or infinity")
  }
  let (labels, labelShape) = try args.int64s(1, "y")
  guard labelShape == [shape[0]], labels.allSatisfy({ (0..<classes).contains($0) }) else {
    throw PythonError.value(
      "metrics(): y must be [N] = [\(shape[0])] class indices in 0 ..< \(classes)")
  }
  let result = Metrics.evaluate(probabilities: probabilities, labels: labels, classCount: classes)
  return try Build.tuple([
    try Build.double(result.accuracy), try Build.double(result.aucROC),
    try Build.double(result.aucPRC),
  ])
}
