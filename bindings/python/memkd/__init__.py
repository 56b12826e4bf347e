"""MemKD: tiny recurrent time-series classifiers by knowledge distillation.

The numerical core is Swift (``memkd._memkd``, a CPython extension built by ``make python-ext``
or ``pip install ./bindings/python``); this package checks and converts numpy input, and wraps
the results. Every call gives the same numbers as ``memkd-script`` for the same data and seed.

    >>> import memkd
    >>> data = memkd.load_ucr("ItalyPowerDemand")                  # X [N, 100] float32, y [N]
    >>> train, val = memkd.split(data.y_train, 0.2, seed=0)
    >>> teacher = memkd.Teacher(hidden_size=16, layers=1).fit(
    ...     data.X_train[train], data.y_train[train], data.X_train[val], data.y_train[val],
    ...     epochs=5)
    >>> student = memkd.distill(teacher, data.X_train[train], data.y_train[train],
    ...                         data.X_train[val], data.y_train[val], "memkd", epochs=5)
    >>> sorted(student.evaluate(data.X_test, data.y_test))
    ['accuracy', 'auc_prc', 'auc_roc']

Modules: ``memkd.losses`` (MemKD on numpy arrays, with gradient), ``memkd.metrics``
(accuracy, AUC-ROC, AUC-PRC).
"""

try:
    from . import _memkd
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        "memkd's Swift extension (memkd._memkd) is not built for this interpreter; "
        "run `make python-ext` in the repository (or `pip install ./bindings/python`)"
    ) from error

from . import _arrays, losses, metrics
from ._data import UCRData, load_ts, load_ucr, preprocess, split
from ._distill import ANCHOR_WEIGHTS, METHODS, NORMALIZATIONS, distill, trace, write_traces
from ._progress import EpochInfo
from ._model import (Epoch, LSTMClassifier, Results, Student, Teacher,
                     TrainingOptions)
from .stream import Stream

__version__: str = _memkd.version()

_ESTIMATORS = ("TeacherClassifier", "DistilledClassifier")


def __getattr__(name: str):
    """The scikit-learn estimators (``memkd.estimators``), imported on first use so that
    ``import memkd`` does not import scikit-learn."""
    if name in _ESTIMATORS:
        from . import estimators
        return getattr(estimators, name)
    raise AttributeError(f"module 'memkd' has no attribute {name!r}")


def parameter_count(input_size: int, hidden_size: int, layers: int, classes: int,
                    cell: str = "lstm") -> int:
    """Trainable scalars of a stacked recurrent classifier with a linear head.

    ``G H (D + H + 2)`` per layer plus ``C (H + 1)`` for the head, with ``G`` gate blocks per
    layer: 4 for ``cell="lstm"``, 3 for ``"gru"``, 1 for ``"rnn"``; the paper's LSTM teacher
    (3 x 100, D = 1) has 202,800 + 101 C.
    """
    sizes = (input_size, hidden_size, layers, classes)
    if all(isinstance(v, int) and v >= 1 for v in sizes):
        _arrays.model_size(*sizes, cell=cell)   # the extension checks the rest
    return _memkd.parameter_count(*sizes, cell)


__all__ = [
    "__version__", "parameter_count",
    "UCRData", "load_ts", "load_ucr", "preprocess", "split",
    "LSTMClassifier", "Teacher", "Student", "TrainingOptions", "Epoch", "EpochInfo", "Results",
    "distill", "trace", "write_traces", "METHODS", "ANCHOR_WEIGHTS", "NORMALIZATIONS",
    "losses", "metrics", "Stream", "TeacherClassifier", "DistilledClassifier",
]
