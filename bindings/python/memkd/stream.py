"""Streaming inference: classify a time series one sample (or chunk) at a time.

The state of the recurrent layers (any cell: LSTM, GRU or RNN) is kept between calls, so each
new sample costs one step of the network. Preprocessing choices (see the README's edge section):

- ``"none"``: feed values already preprocessed as in training (resampled to the training
  length, z-normalised per series); after a whole series the probabilities equal
  ``model.predict_proba`` on it (to ~1e-7).
- ``"running-z-normalization"``: each raw value is normalised by the mean and deviation of the
  values seen since ``reset()``; causal, but early steps differ from the batch model.
"""

from __future__ import annotations

import numpy as np

from . import _arrays, _memkd

__all__ = ["Stream"]

_PREPROCESSING = ("none", "running-z-normalization")


class Stream:
    """A stateful classifier over a trained model (a ``Student`` or any ``LSTMClassifier``).

    >>> stream = Stream(student)                      # doctest: +SKIP
    >>> for value in sensor:                          # doctest: +SKIP
    ...     probabilities = stream.step(value)        # [C] float32
    """

    def __init__(self, model, preprocessing: str = "none") -> None:
        if preprocessing not in _PREPROCESSING:
            raise ValueError(
                f"preprocessing: expected one of {', '.join(_PREPROCESSING)}, got {preprocessing!r}")
        self.model = model
        self.preprocessing = preprocessing
        self.classes = model.classes
        self._handle = _memkd.stream_new(model.config, model._require_weights(), preprocessing)

    def step(self, values) -> np.ndarray:
        """Feeds one time step (a number, or ``[D]`` values) or a chunk (``[n]`` for one
        channel, ``[n, D]``); returns the class probabilities ``[C]`` after its last step."""
        chunk = np.asarray(values, dtype=np.float64)
        if chunk.ndim == 0:
            chunk = chunk.reshape(1)
        elif chunk.ndim == 1 and self.model.input_size > 1:
            chunk = chunk.reshape(1, -1)
        chunk = _arrays.float_array(chunk, "values", (1, 2), what="time-step values")
        data = _memkd.stream_step(self._handle, chunk)
        return _arrays.frombuffer(data, "f4", (self.classes,))

    def reset(self) -> None:
        """Back to the zero state (a new series)."""
        _memkd.stream_reset(self._handle)

    @property
    def steps(self) -> int:
        """Time steps fed since the last ``reset()``."""
        return int(_memkd.stream_steps(self._handle))
