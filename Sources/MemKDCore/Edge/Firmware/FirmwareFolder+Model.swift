extension FirmwareFolder {
  /// A firmware folder for `export`, the header of `model`, on `series`, with Swift's
  /// probabilities computed here: the model's own (float32), or the dequantised model's
  /// (`CHeaderExport.quantized`, int8), which is what the int8 header computes.
  public init(
    export: CHeaderExport, of model: RecurrentClassifier<Float>, target: FirmwareTarget,
    series: SeriesSet, source: String
  ) throws {
    guard model.config == export.config else {
      throw FirmwareError("the header was exported from another model (\(export.config.summary))")
    }
    let reference = export.int8 ? CHeaderExport.quantized(model) : model
    let logits = reference.forward(inputs: series.values, batch: series.count).logits
    try self.init(
      export: export, target: target, series: series,
      expected: Softmax.probabilities(logits: logits, classes: model.config.classes),
      source: source)
  }

  /// `count` series of `length` steps for timing when no data is at hand: the shifted sine-like
  /// ramp of `StepTiming` (every channel a shifted copy), each series starting at another phase.
  public static func syntheticSeries(count: Int, length: Int, channels: Int) -> SeriesSet {
    var values = [Float]()
    values.reserveCapacity(count * length * channels)
    for row in 0..<count {
      for t in 0..<length {
        let value = Float((t + 7 * row) % 97) / 48.5 - 1
        for channel in 0..<channels { values.append(value + Float(channel) * 0.1) }
      }
    }
    return SeriesSet(
      values: values, labels: [Int](repeating: 0, count: count), length: length,
      channels: channels)
  }
}
