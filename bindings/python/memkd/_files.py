"""A model's checkpoint file: what ``LSTMClassifier.save`` writes and ``load`` reads, in the
CLI's schema (docs/checkpoint-format.md). The model classes keep the documented methods; the
records they exchange with the extension are assembled here."""

from __future__ import annotations

import json
import os
from typing import Any, Dict

from . import _arrays, _memkd, _options
from ._records import (Results, TrainingOptions, _json_value, _metrics_tuple,
                       distillation_for_file, distillation_from_file, kept_history,
                       results_from_file)


def write_checkpoint(model: Any, path: "str | os.PathLike[str]") -> None:
    """``model.save(path)``: checks what the file records, writes it, and sets ``model.path``
    and ``model.sha256``."""
    params = model._require_weights()
    if model.kind not in ("teacher", "student"):
        raise ValueError(f"kind: must be 'teacher' or 'student', got {model.kind!r}")
    classes = model.config[3]
    labels = model.class_labels if model.class_labels is not None \
        else [str(k) for k in range(classes)]
    if len(labels) != classes:
        raise ValueError(f"class_labels has {len(labels)} entries for {classes} classes")
    if not all(isinstance(label, str) for label in labels):
        raise TypeError("class_labels: expected a list of str")
    fraction = _arrays.real(model.validation_fraction, "validation_fraction")
    results = model.results
    if results is not None and not isinstance(results, Results):
        raise TypeError(f"results: expected memkd.Results or None, got "
                        f"{type(results).__name__}")
    written = None
    if results is not None and results.complete and not model.interrupted:
        written = (_arrays.seed(results.seed, "results.seed"),
                   _metrics_tuple(results.test, "test"),
                   _metrics_tuple(results.validation, "validation"),
                   float(results.validation_loss),
                   json.dumps(_json_value(results.runs), allow_nan=False))
    initialisations = max(1, len(results.runs)) if results is not None else 1
    path = os.fspath(path)
    model.sha256 = _memkd.save_checkpoint(
        path, model.kind, model.config, params, str(model.dataset), list(labels),
        _arrays.integer(model.length, "length", 1), bool(model.z_normalize), fraction,
        _options.pairs(model.training.as_dict()), initialisations, written,
        distillation_for_file(model.distillation), bool(model.interrupted))
    model.path = path


def model_from_record(target: type, record: Dict[str, Any],
                      path: "str | os.PathLike[str]") -> Any:
    """A ``target`` (``Teacher``, ``Student`` or a subclass) holding what ``load_checkpoint``
    read from ``path``: weights, cell and sizes, metadata, results and provenance."""
    from ._model import LSTMClassifier

    input_size, hidden_size, layers, classes = (int(v) for v in record["config"][:4])
    training = TrainingOptions(**record["training"])
    model = object.__new__(target)
    LSTMClassifier.__init__(model, input_size, hidden_size, layers, None, training.seed,
                            str(record["config"][4]))
    model.classes = classes
    model._params = model._wrap(record["params"])
    model.kind = str(record["kind"])
    model.dataset = str(record["dataset"])
    model.class_labels = [str(label) for label in record["class_labels"]]
    model.length = int(record["length"])
    model.z_normalize = bool(record["z_normalize"])
    model.validation_fraction = float(record["validation_fraction"])
    model.training = training
    model.interrupted = bool(record["interrupted"])
    if record["results"] is not None:
        model.results = results_from_file(record["results"])
        model.history, model.best_epoch = kept_history(model.results, model.history,
                                                       model.best_epoch)
    model.distillation = distillation_from_file(record["distillation"])
    model.path, model.sha256 = os.fspath(path), str(record["sha256"])
    return model
