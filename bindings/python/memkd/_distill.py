"""Distillation of a student from a teacher, and teacher traces."""

from __future__ import annotations

import os
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
            beta: Optional[float] = None, seed: int = 0, threads: int = 2,
            callback: Optional[Callback] = None, verbose: Optional[bool] = None, **options: Any
            ) -> Student:
    """Train a student with ``CE + beta * L_method`` against the teacher, as one run of
    ``memkd-script distill`` (same recipe, same seed, same result).

    The teacher's hidden sequences and logits on ``X`` are computed once (the teacher is frozen);
    the student starts from the initialisation of ``seed`` and keeps the weights of its lowest
    validation loss.

    Args:
        teacher: a fitted (or loaded) teacher with the student's input size and classes.
        X: ``[N, T]`` / ``[N, T, D]`` training series; ``y``: ``[N]`` class indices.
        X_val, y_val: validation series and labels (early stopping; CE only).
        method: one of ``METHODS``: ``base`` (CE only), ``base-kd``, ``dkd``, ``at``, ``rkd``,
            ``vid``, ``nst``, ``fitnet``, ``dt2w``, ``memkd``.
        beta: weight of the distillation loss; None means the method's anchor weight
            (``ANCHOR_WEIGHTS``: memkd 10, base 0, base-kd 1, ...).
        seed: the student's initialisation and batch-order seed (``--seed``).
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
        The trained ``Student`` (``kind = "student"``; its ``distillation`` attribute records
        method, beta and the MemKD options; dataset metadata is copied from the teacher).
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
    threads = _arrays.integer(threads, "threads", 1)
    progress = Progress(callback, verbose, f"{method} student ")
    try:
        weights, history, best, recipe, memkd, stopped = _memkd.distill(
            teacher.config, teacher_params, X, y, X_val, y_val, method,
            _options.pairs(options), beta, seed, threads, progress.report)
    finally:
        progress.close()

    student = Student(teacher.input_size, recipe["hidden"], recipe["layers"], None, seed)
    student.classes = teacher.classes
    student._params = student._wrap(weights)
    student.dataset = teacher.dataset
    student.class_labels = None if teacher.class_labels is None else list(teacher.class_labels)
    student.length = X.shape[1]
    student.z_normalize = teacher.z_normalize
    student.validation_fraction = teacher.validation_fraction
    student.training = TrainingOptions(
        seed=seed, **{key: value for key, value in recipe.items() if key not in ("hidden", "layers")})
    student.history = history_rows(history)
    student.best_epoch = int(best)
    student.distillation = {
        "method": method, "beta": ANCHOR_WEIGHTS[method] if beta is None else beta,
        **(memkd or {})}
    student.interrupted = stopped is not None
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


def write_traces(path: "str | os.PathLike[str]", teacher: LSTMClassifier, X, y,
                 teacher_path: "str | os.PathLike[str]") -> None:
    """Write the teacher's traces on ``X`` (``[N, T]`` / ``[N, T, D]``, labels ``y`` ``[N]``) as
    ``memkd-script trace`` writes them (``/inputs``, ``/hidden/layer{k}``, ``/logits``,
    ``/labels``; docs/checkpoint-format.md). ``teacher_path`` is the teacher's checkpoint file,
    whose SHA-256 the traces record; the dataset metadata comes from the teacher's attributes.
    """
    if not isinstance(teacher, LSTMClassifier):
        raise TypeError(f"teacher: expected an LSTMClassifier, got {type(teacher).__name__}")
    params = teacher._require_weights()
    X = _arrays.series(X, "X", teacher.input_size)
    y = _arrays.labels(y, "y", X.shape[0], teacher.classes)
    labels = teacher.class_labels if teacher.class_labels is not None \
        else [str(k) for k in range(teacher.config[3])]
    _memkd.write_traces(os.fspath(path), teacher.config, params, X, y, str(teacher.dataset),
                        list(labels), int(teacher.length), bool(teacher.z_normalize),
                        os.fspath(teacher_path))
