extension RecurrentClassifier {
  /// Logits `[batch, C]` of `inputs` `[batch, T, inputSize]` keeping nothing for backward:
  /// bit-identical to `forward(inputs:batch:).logits` (tested).
  ///
  /// Why: a forward pass spent much of its time streaming the gates, cells and `tanh(c)` it
  /// keeps for backward through memory; inference (`logits(for:)`, hence `evaluate`, the CLI
  /// and the Python package) needs only the hidden states, and of the last layer only its last
  /// step (`RecurrentCellKernel.inferenceForward`). Large-H layers run the training pass's
  /// GEMMs with the same shapes (a BLAS projection cut differently could round differently).
  @_specialize(where Scalar == Float)
  @_specialize(where Scalar == Double)
  public func inferenceLogits(inputs: [Scalar], batch: Int) -> [Scalar] {
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
