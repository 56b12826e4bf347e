/// A set of equal-length series: values [count, length, channels] row-major Float, labels in
/// 0..<classCount.
///
/// Why a flat `[Float]`: the models consume contiguous [batch, time, channels] buffers, so the
/// data layer stores exactly that layout and `gather` copies whole rows with no reshaping. UCR
/// data is univariate (`channels == 1`); the channel axis is kept so multivariate data fits later.
public struct SeriesSet: Sendable, Equatable {
  /// Number of series (rows).
  public let count: Int
  /// Time steps per series.
  public let length: Int
  /// Values per time step.
  public let channels: Int
  /// [count, length, channels] row-major.
  public var values: [Float]
  /// [count], class indices.
  public var labels: [Int]

  /// `values` must hold `labels.count * length * channels` numbers.
  public init(values: [Float], labels: [Int], length: Int, channels: Int = 1) {
    precondition(length >= 0 && channels >= 1, "SeriesSet needs length >= 0 and channels >= 1")
    precondition(
      values.count == labels.count * length * channels,
      "SeriesSet: \(values.count) values for \(labels.count) series of \(length) x \(channels)")
    self.count = labels.count
    self.length = length
    self.channels = channels
    self.values = values
    self.labels = labels
  }

  /// Values per series (`length * channels`).
  var rowSize: Int { length * channels }

  /// The series at `indices`, in that order (repeats allowed), as a new set.
  public func subset(_ indices: [Int]) -> SeriesSet {
    let rows = gather(indices)
    return SeriesSet(values: rows.inputs, labels: rows.labels, length: length, channels: channels)
  }

  /// Gathers the given rows: inputs [indices.count, length, channels], labels [indices.count].
  public func gather(_ indices: some Collection<Int>) -> (inputs: [Float], labels: [Int]) {
    let rowSize = self.rowSize
    var inputs = [Float]()
    inputs.reserveCapacity(indices.count * rowSize)
    var gathered = [Int]()
    gathered.reserveCapacity(indices.count)
    for index in indices {
      precondition(index >= 0 && index < count, "SeriesSet index \(index) out of 0..<\(count)")
      let start = index * rowSize
      inputs.append(contentsOf: values[start..<(start + rowSize)])
      gathered.append(labels[index])
    }
    return (inputs, gathered)
  }
}
