"""Input checking and conversion for the calls into ``memkd._memkd``.

Every public function converts its array arguments here, before the extension sees them: any
array-like is accepted, numeric input is converted to float32 (series, hidden states,
probabilities) or int64 (labels) and made C-contiguous (a strided view is copied), and the
problems below raise an exception that names the argument:

- ``TypeError``: a non-numeric dtype (strings, objects, complex, bool, datetimes), or a
  non-integer scalar option.
- ``ValueError``: a wrong number of dimensions, an empty array, inconsistent sizes between
  arguments, NaN or infinite values (also values that overflow float32), labels that are not
  whole numbers or outside ``0 .. C-1``, and out-of-range options.
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Optional, Sequence, Tuple

import numpy as np

_REAL_KINDS = "iuf"  # signed / unsigned integers, floats
_INT_KINDS = "iu"
UINT64_MAX = 2**64 - 1
from . import _memkd

# MemKDCore's budgets (ModelConfig.parameterBudget, UCRDataset.valueBudget), checked here with
# exact integers so that a huge Python int is refused with a clear message before conversion.
_LIMITS = _memkd.limits()
MAX_PARAMETERS = _LIMITS["parameters"]
MAX_VALUES = _LIMITS["values"]


def _asarray(value: Any, name: str) -> np.ndarray:
    if value is None:
        raise TypeError(f"{name}: expected an array, got None")
    try:
        return np.asarray(value)
    except (ValueError, TypeError) as error:  # ragged nested lists and the like
        raise ValueError(f"{name}: cannot be read as a rectangular array ({error})") from None


def _describe(array: np.ndarray) -> str:
    return f"dtype {array.dtype}"


def float_array(value: Any, name: str, ndims: Sequence[int], *, what: str = "a real-valued array",
                dtype: Any = np.float32) -> np.ndarray:
    """``value`` as a C-contiguous float32 (or ``dtype``) array with one of ``ndims``
    dimensions, finite and not empty."""
    array = _asarray(value, name)
    if array.dtype.kind not in _REAL_KINDS:
        raise TypeError(f"{name}: expected {what} (float32, or any integer or float dtype "
                        f"converted to float32), got {_describe(array)}")
    if array.ndim not in ndims:
        shapes = " or ".join(f"{d}-D" for d in ndims)
        raise ValueError(f"{name}: expected a {shapes} array, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name}: empty array (shape {array.shape})")
    with np.errstate(over="ignore"):  # values beyond float32 become inf, reported below
        converted = np.ascontiguousarray(array, dtype=dtype)
    if not np.isfinite(converted).all():
        bad = ~np.isfinite(converted)
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        source = array[first]
        kind = "NaN" if np.isnan(source) else ("infinite" if np.isinf(source) else
                                                f"too large for float32 ({source!r})")
        raise ValueError(f"{name}: contains {int(bad.sum())} non-finite value(s) "
                         f"(first at index {first}: {kind})")
    return converted


def series(value: Any, name: str = "X", input_size: Optional[int] = None) -> np.ndarray:
    """Series ``[N, T]`` or ``[N, T, D]`` as float32 ``[N, T, D]``."""
    array = float_array(value, name, (2, 3), what="a real-valued array of series")
    if array.ndim == 2:
        array = array.reshape(array.shape[0], array.shape[1], 1)
    aeon = (f"if this is aeon's [N, C, T] layout, pass {name}.transpose(0, 2, 1) (this API "
            "takes [N, T, D]) or use memkd.TeacherClassifier / DistilledClassifier, which take "
            "[N, C, T]")
    if array.shape[1] == 1 and array.shape[2] > 1:
        raise ValueError(f"{name}: shape {array.shape} reads as one time step of "
                         f"{array.shape[2]} channels; {aeon}")
    if input_size is not None and array.shape[2] != input_size:
        hint = f"; {aeon}" if array.shape[1] == input_size else ""
        raise ValueError(f"{name}: series have {array.shape[2]} channel(s) (shape "
                         f"{array.shape}), the model expects input_size = {input_size}{hint}")
    return array


def labels(value: Any, name: str = "y", count: Optional[int] = None,
           classes: Optional[int] = None) -> np.ndarray:
    """Class indices ``[N]`` as int64, whole numbers in ``0 .. classes - 1``."""
    array = _asarray(value, name)
    if array.dtype.kind not in _REAL_KINDS:
        raise TypeError(f"{name}: expected integer class indices (int64, or any integer dtype; "
                        f"whole-valued floats are accepted), got {_describe(array)}")
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array of class indices, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name}: empty array")
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ValueError(f"{name}: contains NaN or infinite labels")
        if (array != np.round(array)).any():
            raise ValueError(f"{name}: labels must be whole numbers (class indices), "
                             f"got {array[array != np.round(array)][0]!r}")
    if array.min() < 0:
        raise ValueError(f"{name}: labels must be class indices >= 0, got {array.min()!r}")
    if array.dtype.kind == "u" and array.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name}: label {array.max()!r} does not fit in int64")
    converted = np.ascontiguousarray(array, dtype=np.int64)
    if count is not None and converted.shape[0] != count:
        raise ValueError(f"{name}: {converted.shape[0]} labels for {count} series")
    if classes is not None and converted.max() >= classes:
        raise ValueError(f"{name}: label {int(converted.max())} is out of range for "
                         f"{classes} classes (expected 0 .. {classes - 1})")
    return converted


def integer(value: Any, name: str, minimum: Optional[int] = None,
            maximum: Optional[int] = None) -> int:
    """A Python ``int`` (numpy integers accepted, bools and floats not)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}: expected an int, got {type(value).__name__} ({value!r})")
    result = int(value)
    if minimum is not None and result < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {result}")
    if maximum is not None and result > maximum:
        raise ValueError(f"{name}: must be <= {maximum}, got {result}")
    return result


def seed(value: Any, name: str = "seed") -> int:
    """A seed: an int in ``0 .. 2**64 - 1``."""
    return integer(value, name, 0, UINT64_MAX)


def real(value: Any, name: str, minimum: Optional[float] = None, *, positive: bool = False
         ) -> float:
    """A finite Python ``float`` (ints accepted, bools not)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} ({value!r})")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"{name}: must be finite, got {result}")
    if positive and result <= 0:
        raise ValueError(f"{name}: must be > 0, got {result}")
    if minimum is not None and result < minimum:
        raise ValueError(f"{name}: must be >= {minimum}, got {result}")
    return result


def choice(value: Any, name: str, options: Sequence[str]) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name}: expected a str (one of {', '.join(options)}), "
                        f"got {type(value).__name__}")
    if value not in options:
        raise ValueError(f"{name}: expected one of {', '.join(options)}, got {value!r}")
    return value


def terms(value: Any, name: str = "terms") -> str:
    """MemKD terms: ``"short"``, ``"long"``, ``"both"`` or a collection of ``"short"`` /
    ``"long"`` (``("short", "long")`` is ``"both"``)."""
    if isinstance(value, str):
        return choice(value, name, ("short", "long", "both"))
    try:
        items = list(value)
    except TypeError:
        raise TypeError(f"{name}: expected 'short', 'long', 'both' or a tuple of 'short' / "
                        f"'long', got {type(value).__name__}") from None
    chosen = set()
    for item in items:
        chosen.add(choice(item, name, ("short", "long")))
    if not chosen:
        raise ValueError(f"{name}: at least one of 'short', 'long' is needed")
    return "both" if chosen == {"short", "long"} else chosen.pop()


def same_length(X: np.ndarray, X_val: np.ndarray, names: Tuple[str, str] = ("X", "X_val")
                ) -> None:
    """``X`` and ``X_val`` (``[N, T, D]``) have the same length and channels."""
    if X.shape[1:] != X_val.shape[1:]:
        raise ValueError(f"{names[1]}: series of shape {X_val.shape[1:]} (T, D), but {names[0]} "
                         f"has {X.shape[1:]}")


def frombuffer(data: bytes, dtype: str, shape: Tuple[int, ...]) -> np.ndarray:
    """A writable numpy array over a copy of little-endian ``data``."""
    return np.frombuffer(data, dtype=np.dtype(dtype).newbyteorder("<")).reshape(shape).astype(
        np.dtype(dtype), copy=True)


CELL_GATES = {"lstm": 4, "gru": 3, "rnn": 1}
"""Gate blocks per layer of each cell (``RecurrentCell.gateCount``; a test compares them with
the extension's ``parameter_layout``)."""


def model_size(input_size: int, hidden_size: int, layers: int, classes: int, what: str = "model",
               cell: str = "lstm") -> None:
    """Refuses a model with more than ``MAX_PARAMETERS`` parameters (exact integer arithmetic).
    An unknown ``cell`` is counted as the LSTM (the largest); the extension refuses it."""
    gates = CELL_GATES.get(cell, 4)
    count = gates * hidden_size * (input_size + hidden_size + 2) + \
        (layers - 1) * gates * hidden_size * (2 * hidden_size + 2) + classes * (hidden_size + 1)
    if count > MAX_PARAMETERS:
        raise ValueError(f"{what}: {count} parameters (input_size {input_size}, hidden_size "
                         f"{hidden_size}, layers {layers}, classes {classes}) is more than "
                         f"the supported {MAX_PARAMETERS}")


def output_size(rows: int, length: int, name: str = "length") -> None:
    """Refuses outputs of more than ``MAX_VALUES`` values."""
    if rows * length > MAX_VALUES:
        raise ValueError(f"{name}: {rows} x {length} values is more than the supported "
                         f"{MAX_VALUES}")
