extension RecurrentClassifier {
  /// Logits `[batch, C]` of `inputs` `[batch, T, inputSize]` keeping nothing for backward:
  /// bit-identical to `forward(inputs:batch:).logits` (tested), which large-H models use as is.
  ///
  /// Why: a student's forward pass spent most of its time streaming the gates, cells and
  /// `tanh(c)` it keeps for backward through memory; inference (`logits(for:)`, hence
  /// `evaluate`, the CLI and the Python package) needs only the hidden states, and with the
  /// small-H kernel the last layer's last step (`RecurrentCellKernel.inferenceForward`).
  /// Models above `smallHiddenLimit` keep `forward`: their BLAS input projection, cut into
  /// blocks of steps, could round differently from the one of the training loop.
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func inferenceLogits(inputs: [Scalar], batch: Int) -> [Scalar] {
    guard config.hiddenSize <= smallHiddenLimit else {
      return forward(inputs: inputs, batch: batch).logits
    }
    let (timeMajorInput, length) = timeMajor(inputs, batch: batch, caller: "inferenceLogits")
    var layerInput = timeMajorInput
    for layer in 0..<config.layers {
      layerInput = config.cell.inferenceForward(
        input: layerInput, shape: layerShape(layer, batch: batch, length: length),
        weights: parameters.layer(layer), keepSequence: layer < config.layers - 1)
    }
    // `layerInput` is now the last layer's last step `[B, H]`.
    return head(layerInput, offset: 0, batch: batch)
  }
}
