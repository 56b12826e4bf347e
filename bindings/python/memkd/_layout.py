"""aeon's and sktime's series layouts, read for the estimators: ``[N, T]`` (univariate),
``[N, C, T]`` (channels first), or a list of series of different lengths (each ``[T_i]`` or
``[C, T_i]``), turned into the engine's float32 ``[N, T, C]``.

Why a separate layer: the low-level API (``LSTMClassifier.fit``) keeps its documented
``[N, T, D]``, while estimator users pass what aeon's loaders return. Variable-length series
are resampled to one length with ``memkd.preprocess``'s linear interpolation (the CLI's); the
same call z-normalises each channel of each series on its own when asked.
"""

from __future__ import annotations

from typing import Any, List, Optional, Tuple

import numpy as np

from . import _arrays
from ._data import preprocess_rows


def is_ragged_collection(X: Any) -> bool:
    """A list or tuple of per-series arrays (aeon's unequal-length collection)."""
    if not isinstance(X, (list, tuple)) or len(X) == 0:
        return False
    first = np.asarray(X[0]) if not isinstance(X[0], (list, tuple)) else None
    if first is not None and first.ndim in (1, 2):
        return True
    return isinstance(X[0], (list, tuple)) and len({len(x) for x in X}) > 1


def _channels_first(series: Any, name: str, index: int) -> np.ndarray:
    array = _arrays.float_array(series, f"{name}[{index}]", (1, 2),
                                what="a real-valued [T] or [C, T] series", dtype=np.float64)
    return array.reshape(1, -1) if array.ndim == 1 else array


def read_collection(X: Any, name: str = "X") -> Tuple[List[np.ndarray], bool]:
    """Every series as float64 ``[C, T_i]``, and whether the input was one rectangular array
    (so all lengths are equal by construction)."""
    if is_ragged_collection(X):
        series = [_channels_first(x, name, i) for i, x in enumerate(X)]
        channels = {s.shape[0] for s in series}
        if len(channels) > 1:
            raise ValueError(f"{name}: series have different numbers of channels "
                             f"{sorted(channels)}; every series needs the same channels")
        return series, False
    array = _arrays.float_array(X, name, (2, 3), dtype=np.float64,
                                what="a real-valued [N, T] or [N, C, T] array of series")
    if array.ndim == 2:
        array = array[:, None, :]
    return list(array), True


def to_engine(series: List[np.ndarray], length: int, z_normalize: bool, name: str = "X",
              copy_same_length: bool = True) -> np.ndarray:
    """Series ``[C, T_i]`` as float32 ``[N, length, C]``: each channel resampled to ``length``
    and z-normalised when ``z_normalize``. With ``copy_same_length``, series that have
    ``length`` points already and need no z-normalisation are copied as they are (the core's
    interpolation at the same length can move a value by an ulp)."""
    channels = series[0].shape[0]
    out = np.empty((len(series), length, channels), dtype=np.float32)
    same = all(s.shape[1] == length for s in series)
    if same and not z_normalize and copy_same_length:
        for i, s in enumerate(series):
            out[i] = s.T
        _arrays.float_array(out, name, (3,))      # float32 overflow and NaN, named
        return out
    if len({s.shape[1] for s in series}) == 1:
        stacked = np.stack(series)                 # [N, C, T]: one call for all
        flat = preprocess_rows(stacked.reshape(-1, stacked.shape[2]), length, z_normalize)
        return np.ascontiguousarray(flat.reshape(len(series), channels, length).transpose(0, 2, 1))
    for i, s in enumerate(series):
        out[i] = preprocess_rows(s, length, z_normalize).T
    return out


def lengths(series: List[np.ndarray]) -> Tuple[int, int]:
    """Shortest and longest ``T_i``."""
    sizes = [s.shape[1] for s in series]
    return min(sizes), max(sizes)


def describe(series: List[np.ndarray], rectangular: bool) -> str:
    shortest, longest = lengths(series)
    if rectangular:
        return f"[{len(series)}, {series[0].shape[0]}, {longest}]"
    return f"{len(series)} series of {series[0].shape[0]} channel(s), lengths {shortest}..{longest}"


def optional_length(value: Optional[int]) -> Optional[int]:
    return None if value is None else _arrays.integer(value, "length", 1)
