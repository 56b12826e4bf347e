"""UCR datasets, preprocessing and the CLI's stratified train / validation split."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import List, Optional, Tuple, Union

import numpy as np

from . import _arrays, _memkd, _options

PathLike = Union[str, "os.PathLike[str]"]


@dataclass(frozen=True)
class UCRData:
    """A preprocessed UCR dataset, as ``load_ucr`` returns it.

    Attributes:
        X_train: float32 ``[n_train, length]``, the archive's training series.
        y_train: int64 ``[n_train]``, class indices ``0 .. C-1``.
        X_test: float32 ``[n_test, length]``.
        y_test: int64 ``[n_test]``.
        class_labels: the archive's label of each class index (``class_labels[k]`` is class
            ``k``), as strings.
        name, length, z_normalize: what was loaded and how it was preprocessed.

    Unpacks like a tuple: ``X_train, y_train, X_test, y_test, class_labels = data``. A
    multichannel dataset (``.ts`` files) gives ``X`` as aeon's ``[n, C, length]``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    class_labels: List[str]
    name: str = ""
    length: int = 100
    z_normalize: bool = True

    def __iter__(self):
        return iter((self.X_train, self.y_train, self.X_test, self.y_test, self.class_labels))

    @property
    def classes(self) -> int:
        """Number of classes ``C``."""
        return len(self.class_labels)


def load_ucr(name: str, root: Optional[PathLike] = None, length: int = 100,
             z_normalize: bool = True) -> UCRData:
    """Load a UCR dataset (``<root>/<name>/<name>_TRAIN.tsv`` and ``_TEST.tsv``) preprocessed as
    the CLI does: every series resampled to ``length`` points by linear interpolation, then, when
    ``z_normalize``, z-normalised on its own.

    Args:
        name: dataset folder name, e.g. ``"ItalyPowerDemand"``.
        root: folder holding the dataset folders; None means ``$MEMKD_DATA_ROOT``, then the
            repository's ``data/`` folder.
        length: resampled length ``T`` (>= 2).
        z_normalize: z-normalise each series.

    Returns:
        ``UCRData`` with ``X_train`` float32 ``[n_train, T]``, ``y_train`` int64 ``[n_train]``,
        ``X_test``, ``y_test`` and ``class_labels`` (original labels, as strings, of classes
        ``0 .. C-1``).

    Raises:
        OSError: the dataset files are missing or unreadable. ValueError: malformed files or
        options.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name: expected a non-empty str, got {name!r}")
    root_path = None if root is None else os.fspath(root)
    if root_path is not None and not isinstance(root_path, str):
        raise TypeError(f"root: expected a str or path, got {type(root).__name__}")
    checked = _options.check("preprocessing", length=length, z_normalize=z_normalize)
    length, z_normalize = checked["length"], checked["z_normalize"]
    x_train, y_train, n_train, x_test, y_test, n_test, labels, channels = _memkd.load_ucr(
        name, root_path, length, bool(z_normalize))
    return UCRData(
        X_train=_series(x_train, n_train, length, channels),
        y_train=_arrays.frombuffer(y_train, "i8", (n_train,)),
        X_test=_series(x_test, n_test, length, channels),
        y_test=_arrays.frombuffer(y_test, "i8", (n_test,)),
        class_labels=list(labels), name=name, length=length, z_normalize=bool(z_normalize))


def _series(values, count, length, channels):
    """``[N, T]`` for one channel; aeon's ``[N, C, T]`` for several (the core stores
    ``[N, T, C]``)."""
    if channels == 1:
        return _arrays.frombuffer(values, "f4", (count, length))
    stored = _arrays.frombuffer(values, "f4", (count, length, channels))
    return np.ascontiguousarray(stored.transpose(0, 2, 1))


def load_ts(path: PathLike) -> Tuple[Union[np.ndarray, List[np.ndarray]], np.ndarray]:
    """Read a UEA / aeon ``.ts`` file as it is (no resampling, no normalisation), with the
    same checks as the CLI's reader (errors name the file and line).

    Returns:
        ``(X, y)``: ``X`` float64 ``[N, C, T]`` when every series has the same length, else a
        list of ``[C, T_i]`` arrays (aeon's conventions); missing values (``?``) are NaN. ``y``:
        the class labels as strings, ``[N]``. ``memkd.preprocess(X, length)`` then resamples and
        normalises each channel as the loader does; it refuses NaN, while ``load_ucr`` on a
        folder of ``.ts`` files fills missing values by linear interpolation first.

    Raises:
        OSError: the file is missing. ValueError: a malformed header or body.
    """
    path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError(f"path: expected a str or path, got {type(path).__name__}")
    values, lengths, channels, labels = _memkd.load_ts(path)
    flat = _arrays.frombuffer(values, "f8", (len(values) // 8,))
    lengths = _arrays.frombuffer(lengths, "i8", (len(labels),))
    series, start = [], 0
    for length in lengths:
        size = int(length) * channels
        series.append(flat[start:start + size].reshape(channels, int(length)).copy())
        start += size
    y = np.array(labels, dtype=str)
    if len(set(int(n) for n in lengths)) == 1:
        return np.stack(series), y
    return series, y


def preprocess(X, length: int = 100, z_normalize: bool = True) -> np.ndarray:
    """Resample series to ``length`` points (linear interpolation over the normalised time axis,
    endpoints kept), then z-normalise each on its own when ``z_normalize`` (population standard
    deviation; a constant series becomes zeros): exactly what ``load_ucr`` applies. Each channel
    of a multichannel series is resampled and z-normalised on its own.

    Args:
        X: ``[N, T]`` univariate series, ``[N, C, T]`` multichannel series (aeon's layout), or a
            list of series of different lengths, each ``[T_i]`` or ``[C, T_i]`` (any real dtype).

    Returns:
        float32 ``[N, length]`` for univariate input (``[T_i]`` series or an ``[N, T]`` array),
        ``[N, C, length]`` otherwise.
    """
    from . import _layout

    checked = _options.check("preprocessing", length=length, z_normalize=z_normalize)
    length, z_normalize = checked["length"], checked["z_normalize"]
    series, rectangular = _layout.read_collection(X)
    univariate = (np.ndim(X) == 2) if rectangular else all(np.ndim(x) == 1 for x in X)
    _arrays.output_size(len(series) * series[0].shape[0], length)
    out = _layout.to_engine(series, length, bool(z_normalize), copy_same_length=False)
    out = out.transpose(0, 2, 1)                                    # [N, C, length]
    return np.ascontiguousarray(out[:, 0, :] if univariate else out)


def preprocess_rows(array: np.ndarray, length: int, z_normalize: bool) -> np.ndarray:
    """``preprocess`` of a float64 ``[M, T]`` array (options already checked): the core's
    resampling and z-normalisation, float32 ``[M, length]``."""
    data = _memkd.preprocess(np.ascontiguousarray(array, dtype=np.float64), length,
                             bool(z_normalize))
    return _arrays.frombuffer(data, "f4", (array.shape[0], length))


def split(y, validation_fraction: float = 0.2, seed: int = 0) -> Tuple[np.ndarray, np.ndarray]:
    """The stratified train / validation split of ``memkd-script`` (``train-teacher`` splits the
    archive's training series with the teacher's ``--validation-fraction`` and ``--seed``, and
    ``distill`` reuses that split).

    Args:
        y: int64 ``[N]`` class indices.
        validation_fraction: fraction of each class held out, in ``(0, 1)``.
        seed: split seed (``0 .. 2**64-1``).

    Returns:
        ``(train_idx, val_idx)``, int64 row indices into ``y``.
    """
    labels = _arrays.labels(y, "y")
    fraction = _options.check("teacher", validation_fraction=validation_fraction)[
        "validation_fraction"]
    train, validation = _memkd.split(labels, fraction, _arrays.seed(seed))
    return (_arrays.frombuffer(train, "i8", (len(train) // 8,)),
            _arrays.frombuffer(validation, "i8", (len(validation) // 8,)))
