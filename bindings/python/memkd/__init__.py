"""MemKD: tiny recurrent time-series classifiers by knowledge distillation.

The numerical core is Swift (``memkd._memkd``, a CPython extension built by ``make python-ext``
or ``pip install ./bindings/python``). This package currently exposes what the extension
provides; the full Python API is being built.
"""

try:
    from . import _memkd
except ImportError as error:  # pragma: no cover - the message is the point
    raise ImportError(
        "memkd's Swift extension (memkd._memkd) is not built for this interpreter; "
        "run `make python-ext` in the repository (or `pip install ./bindings/python`)"
    ) from error

__version__: str = _memkd.version()


def parameter_count(input_size: int, hidden_size: int, layers: int, classes: int) -> int:
    """Trainable scalars of a stacked-LSTM classifier with a linear head.

    ``4H (D + H + 2)`` per layer plus ``C (H + 1)`` for the head; the paper's teacher
    (3 x 100, D = 1) has 202,800 + 101 C.
    """
    return _memkd.parameter_count(input_size, hidden_size, layers, classes)


__all__ = ["__version__", "parameter_count"]
