"""Distillation of a student from a teacher, and teacher traces."""

from __future__ import annotations

import os
from typing import Collection, Dict, List, Optional, Union

import numpy as np

from . import _arrays, _memkd
from ._model import Callback, LSTMClassifier, Student, TrainingOptions, history_rows, progress

ANCHOR_WEIGHTS: Dict[str, float] = {
    "base": 0.0, "base-kd": 1.0, "dkd": 1.0, "at": 1000.0, "rkd": 1.0, "vid": 1.0, "nst": 50.0,
    "fitnet": 100.0, "dt2w": 0.01, "memkd": 10.0,
}
"""Each method's anchor weight (METHODS.md): ``distill``'s default ``beta``."""

METHODS = tuple(ANCHOR_WEIGHTS)
"""The distillation methods, as ``memkd-script distill --method`` names them."""

NORMALIZATIONS = ("per-sample-mean", "batch-mean", "step-norm", "none")
"""MemKD's normalisations of the pair distances (``memkd-script distill --normalization``)."""

Terms = Union[str, Collection[str]]


def distill(teacher: LSTMClassifier, X, y, X_val, y_val, method: str = "memkd", *,
            terms: Terms = "both", normalization: str = "per-sample-mean",
            long_pairs: Optional[int] = None, short_weight: float = 1.0, long_weight: float = 1.0,
            teacher_layer: Optional[int] = None, beta: Optional[float] = None, seed: int = 0,
            hidden_size: int = 8, layers: int = 1, lr: float = 0.1, epochs: int = 500,
            batch_size: int = 32, patience: int = 50, clip: float = 1.0, plateau: int = 20,
            threads: int = 2, callback: Optional[Callback] = None, verbose: bool = False
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
        terms: MemKD's pair sets: ``"short"``, ``"long"``, ``"both"``, or a tuple such as
            ``("short", "long")``.
        normalization: MemKD's normalisation, one of ``NORMALIZATIONS``.
        long_pairs: MemKD's ``K`` long pairs per step (>= 1); None means ``T - 1``.
        short_weight, long_weight: MemKD's term weights.
        teacher_layer: 0-based teacher layer MemKD reads; None means the last.
        beta: weight of the distillation loss; None means the method's anchor weight
            (``ANCHOR_WEIGHTS``: memkd 10, base 0, base-kd 1, ...).
        seed: the student's initialisation and batch-order seed (``--seed``).
        hidden_size, layers: the student's architecture (1 x 8 by default).
        lr, epochs, batch_size, patience, clip, plateau: the student recipe (PROTOCOL.md: lr 0.1,
            500 epochs, batch 32, patience 50, clipping 1, plateau 20; 0 turns clipping / the
            plateau schedule off).
        threads: worker threads (speed only).
        callback, verbose: per-epoch progress, as in ``LSTMClassifier.fit``.

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
    terms = _arrays.terms(terms)
    normalization = _arrays.choice(normalization, "normalization", NORMALIZATIONS)
    long_pairs = -1 if long_pairs is None else _arrays.integer(long_pairs, "long_pairs", 1)
    if teacher_layer is None:
        layer = -1
    else:
        layer = _arrays.integer(teacher_layer, "teacher_layer", 0, teacher.layers - 1)
    short_weight = _arrays.real(short_weight, "short_weight", 0.0)
    long_weight = _arrays.real(long_weight, "long_weight", 0.0)
    beta = ANCHOR_WEIGHTS[method] if beta is None else _arrays.real(beta, "beta", 0.0)
    hidden_size = _arrays.integer(hidden_size, "hidden_size", 1)
    layers = _arrays.integer(layers, "layers", 1)
    _arrays.model_size(teacher.input_size, hidden_size, layers, teacher.classes or 2, "student")
    options = TrainingOptions.checked(lr, epochs, batch_size, patience, clip, plateau, seed)
    threads = _arrays.integer(threads, "threads", 1)
    report = progress(callback, verbose)

    weights, history, best = _memkd.distill(
        teacher.config, teacher_params, hidden_size, layers, X, y, X_val, y_val, method,
        (terms, normalization, long_pairs, short_weight, long_weight, layer), beta,
        options.as_tuple(), threads, report)

    student = Student(teacher.input_size, hidden_size, layers, None, options.seed)
    student.classes = teacher.classes
    student._params = student._wrap(weights)
    student.dataset = teacher.dataset
    student.class_labels = None if teacher.class_labels is None else list(teacher.class_labels)
    student.length = X.shape[1]
    student.z_normalize = teacher.z_normalize
    student.validation_fraction = teacher.validation_fraction
    student.training = options
    student.history = history_rows(history)
    student.best_epoch = int(best)
    student.distillation = {
        "method": method, "beta": beta, "terms": terms, "normalization": normalization,
        "long_pairs": None if long_pairs < 0 else long_pairs, "short_weight": short_weight,
        "long_weight": long_weight, "teacher_layer": None if layer < 0 else layer,
    }
    return student


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
