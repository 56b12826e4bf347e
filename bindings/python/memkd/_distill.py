"""Distillation of a student from a teacher, and teacher traces."""

from __future__ import annotations

import os
import time
from typing import Any, Collection, Dict, List, Optional, Union

import numpy as np

from . import _arrays, _memkd, _options
from ._model import LSTMClassifier, Student, TrainingOptions, history_rows
from ._progress import Callback, Progress

ANCHOR_WEIGHTS: Dict[str, float] = {str(name): float(weight) for name, weight in _memkd.methods()}
"""Each method's anchor weight (METHODS.md): ``distill``'s default ``beta``."""

METHODS = tuple(ANCHOR_WEIGHTS)
"""The distillation methods, as ``memkd-script distill --method`` names them."""

NORMALIZATIONS = next(o.choices for o in _options.fields("memkd") if o.key == "normalization")
"""MemKD's normalisations of the pair distances (``memkd-script distill --normalization``)."""

Terms = Union[str, Collection[str]]


def distill(teacher: LSTMClassifier, X, y, X_val, y_val, method: str = "memkd", *,
            beta: Optional[float] = None, seed: int = 0, split_seed: Optional[int] = None,
            threads: int = 2, callback: Optional[Callback] = None,
            verbose: Optional[bool] = None, **options: Any) -> Student:
    """Train a student with ``CE + beta * L_method`` against the teacher, as one run of
    ``memkd-script distill`` (same recipe, same seed, same result).

    The teacher's hidden sequences and logits on ``X`` are computed once (the teacher is frozen);
    the student starts from the initialisation of ``seed`` and keeps the weights of its lowest
    validation loss.

    Args:
        teacher: a fitted (or loaded) teacher with the student's input size and classes, of
            any cell: the student's ``cell`` (an option below, ``"lstm"`` by default) need not
            be the teacher's, since the losses read hidden sequences ``[N, T, H]`` and logits.
        X: ``[N, T]`` / ``[N, T, D]`` training series; ``y``: ``[N]`` class indices.
        X_val, y_val: validation series and labels (early stopping; CE only).
        method: one of ``METHODS``: ``base`` (CE only), ``base-kd``, ``dkd``, ``at``, ``rkd``,
            ``vid``, ``nst``, ``fitnet``, ``dt2w``, ``memkd``.
        beta: weight of the distillation loss; None means the method's anchor weight
            (``ANCHOR_WEIGHTS``: memkd 10, base 0, base-kd 1, ...).
        seed: the student's initialisation and batch-order seed (``--seed``).
        split_seed: the seed of the train / validation split ``X`` / ``X_val`` come from
            (``memkd.split(data.y_train, fraction, split_seed)``; the CLI uses the teacher's
            seed, ``teacher.training.seed``), recorded in the student's ``distillation``. None
            (default): unknown (the checkpoint records ``split_seed = -1``).
        threads: worker threads (speed only).
        callback, verbose: per-epoch progress, as in ``LSTMClassifier.fit``; Ctrl-C too:
            KeyboardInterrupt propagates with the student (its best weights so far,
            ``interrupted`` True) as its ``model`` attribute: ``except KeyboardInterrupt as
            stop: student = stop.model``.
        **options: the student recipe and, for method memkd, MemKD's options (below;
            docs/options.md). ``terms`` also takes a collection such as ``("short", "long")``.

    Student options (MemKDCore's ``StudentDistillation``):

{student}

    MemKD options (MemKDCore's ``MemKDLoss``; method memkd only):

{memkd}

    Returns:
        The trained ``Student`` (``kind = "student"``; dataset metadata is copied from the
        teacher). Its ``distillation`` records ``method``, ``beta``, ``options`` (every option of
        the method's loss, as the checkpoint's ``/distillation`` records them), ``teacher_sha256``
        (the teacher's ``sha256``: the file it was loaded from or saved to; None when it has
        none) and ``split_seed``; its ``results`` hold the validation metrics and loss of the
        kept weights and the run record (add the test metrics with
        ``student.evaluate(X_test, y_test, split="test")`` before ``save``).
    """
    if not isinstance(teacher, LSTMClassifier):
        raise TypeError(f"teacher: expected an LSTMClassifier, got {type(teacher).__name__}")
    teacher_params = teacher._require_weights()
    method = _arrays.choice(method, "method", METHODS)
    X = _arrays.series(X, "X", teacher.input_size)
    y = _arrays.labels(y, "y", X.shape[0], teacher.classes)
    X_val = _arrays.series(X_val, "X_val", teacher.input_size)
    y_val = _arrays.labels(y_val, "y_val", X_val.shape[0], teacher.classes)
    _arrays.same_length(X, X_val)
    if "terms" in options and not isinstance(options["terms"], str):
        options["terms"] = _arrays.terms(options["terms"])
    beta = None if beta is None else _arrays.real(beta, "beta", 0.0)
    seed = _arrays.seed(seed)
    split_seed = None if split_seed is None else \
        _arrays.integer(split_seed, "split_seed", 0, 2**63 - 1)
    threads = _arrays.integer(threads, "threads", 1)
    progress = Progress(callback, verbose, f"{method} student ")
    started = time.perf_counter()
    try:
        weights, history, best, recipe, memkd, stopped = _memkd.distill(
            teacher.config, teacher_params, X, y, X_val, y_val, method,
            _options.pairs(options), beta, seed, threads, progress.report)
    finally:
        progress.close()

    student = Student(teacher.input_size, recipe["hidden"], recipe["layers"], None, seed,
                      recipe["cell"])
    student.classes = teacher.classes
    student._params = student._wrap(weights)
    student.dataset = teacher.dataset
    student.class_labels = None if teacher.class_labels is None else list(teacher.class_labels)
    student.length = X.shape[1]
    student.z_normalize = teacher.z_normalize
    student.validation_fraction = teacher.validation_fraction
    student.training = TrainingOptions(
        seed=seed, **{key: value for key, value in recipe.items()
                      if key not in ("hidden", "layers", "cell")})
    student.history = history_rows(history)
    student.best_epoch = int(best)
    student.distillation = {
        "method": method, "beta": ANCHOR_WEIGHTS[method] if beta is None else beta,
        "options": dict(_memkd.recorded_options(method, _options.pairs(memkd or {}))),
        "teacher_sha256": getattr(teacher, "sha256", None), "split_seed": split_seed}
    student.interrupted = stopped is not None
    if stopped is None:
        student.results = student._trained_results(X_val, y_val, time.perf_counter() - started)
    if stopped is not None:
        try:
            stopped.model = student
        except AttributeError:      # an exception class without a __dict__
            pass
        raise stopped
    return student


distill.__doc__ = distill.__doc__.format(student=_options.docstring("student", indent="        "),
                                         memkd=_options.docstring("memkd", indent="        "))


def trace(teacher: LSTMClassifier, X) -> List[np.ndarray]:
    """The teacher's hidden sequences on ``X`` (``[N, T]`` / ``[N, T, D]``): one float32
    ``[N, T, H]`` array per layer, the quantities distillation reads."""
    if not isinstance(teacher, LSTMClassifier):
        raise TypeError(f"teacher: expected an LSTMClassifier, got {type(teacher).__name__}")
    return teacher.hidden_states(X)


def _archive_rows(rows: Any, count: int) -> np.ndarray:
    """``rows`` as int64 ``[count]``: distinct archive rows >= 0 (None: ``0 .. count - 1``)."""
    if rows is None:
        return np.arange(count, dtype=np.int64)
    array = np.asarray(rows)
    if array.dtype.kind not in "iu":
        raise TypeError(f"rows: expected integer archive row indices (e.g. the indices "
                        f"memkd.split returns), got dtype {array.dtype}")
    if array.ndim != 1 or array.shape[0] != count:
        raise ValueError(f"rows: expected one archive row per series of X, shape [{count}], got "
                         f"shape {list(array.shape)}")
    if array.dtype.kind == "u" and count and array.max() > np.iinfo(np.int64).max:
        raise ValueError(f"rows: row {array.max()} does not fit in int64")
    array = np.ascontiguousarray(array, dtype=np.int64)
    negative = np.flatnonzero(array < 0)
    if negative.size:
        raise ValueError(f"rows[{negative[0]}] is {array[negative[0]]}: archive rows are >= 0")
    values, counts = np.unique(array, return_counts=True)
    if (counts > 1).any():
        row = values[counts > 1][0]
        where = np.flatnonzero(array == row)[:2]
        raise ValueError(f"rows[{where[0]}] and rows[{where[1]}] are both {row}: each series "
                         "must have its own archive row")
    return array


def write_traces(path: "str | os.PathLike[str]", teacher: LSTMClassifier, X, y,
                 teacher_path: "str | os.PathLike[str] | None" = None, *, split: str = "train",
                 rows=None) -> None:
    """Write the teacher's traces on ``X`` (``[N, T]`` / ``[N, T, D]``, labels ``y`` ``[N]``) as
    ``memkd-script trace`` writes them (``/inputs``, ``/hidden/layer{k}``, ``/logits``,
    ``/labels``, ``/sample_index``; docs/checkpoint-format.md). The dataset metadata comes from
    the teacher's attributes.

    Args:
        teacher_path: the teacher's checkpoint file, whose path and SHA-256 the traces record;
            None (default) means ``teacher.path``, the file the teacher was loaded from or
            saved to.
        split: the archive split the series come from, ``"train"`` or ``"test"`` (``trace
            --split``). ``memkd-script distill`` reads traces of the whole training split.
        rows: int64 ``[N]``, each series' row in that split's archive file (``sample_index``):
            distinct and >= 0; None (default) means ``0 .. N-1``, the whole split in order.
            For a subset, pass the indices you took it with::

                data = memkd.load_ucr("ItalyPowerDemand")
                train, val = memkd.split(data.y_train, 0.2, seed=0)
                memkd.write_traces("val.h5", teacher, data.X_train[val], data.y_train[val],
                                   split="train", rows=val)
    """
    if not isinstance(teacher, LSTMClassifier):
        raise TypeError(f"teacher: expected an LSTMClassifier, got {type(teacher).__name__}")
    params = teacher._require_weights()
    X = _arrays.series(X, "X", teacher.input_size)
    y = _arrays.labels(y, "y", X.shape[0], teacher.classes)
    split = _arrays.choice(split, "split", ("train", "test"))
    sample_index = _archive_rows(rows, X.shape[0])
    if teacher_path is None:
        teacher_path = getattr(teacher, "path", None)
        if teacher_path is None:
            raise ValueError("teacher_path: the teacher was never saved or loaded, so no file "
                             "identifies it; save it first (teacher.save(path)) or pass "
                             "teacher_path=")
    labels = teacher.class_labels if teacher.class_labels is not None \
        else [str(k) for k in range(teacher.config[3])]
    _memkd.write_traces(os.fspath(path), teacher.config, params, X, y, str(teacher.dataset),
                        list(labels), int(teacher.length), bool(teacher.z_normalize),
                        os.fspath(teacher_path), split, sample_index)
