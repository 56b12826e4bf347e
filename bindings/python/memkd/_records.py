"""What a model records about its training: the history rows, the optimisation options, and the
validation / test results with the run record, as the checkpoint's ``/training`` and ``/metrics``
groups hold them (docs/checkpoint-format.md)."""

from __future__ import annotations

import dataclasses
import math
import json
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

import numpy as np

from . import _arrays, _options


class Epoch(NamedTuple):
    """One row of a model's ``history``."""

    epoch: int
    train_loss: float
    val_loss: float
    val_auc_prc: float
    lr: float


def _training_options_class():
    """``TrainingOptions``: a frozen dataclass with one field per optimisation option of the
    core (``TrainingConfig``), defaults the teacher's, so a new option appears here by itself."""
    fields = [(option.key, Any, dataclasses.field(default=option.default))
              for option in _options.fields("training")]

    def as_dict(self) -> Dict[str, Any]:
        """The options as keyword arguments of ``fit``."""
        return dataclasses.asdict(self)

    cls = dataclasses.make_dataclass(
        "TrainingOptions", fields, frozen=True, namespace={"as_dict": as_dict})
    cls.__module__ = "memkd"
    cls.__doc__ = ("The optimisation of a model, recorded in its checkpoint's ``/training`` "
                   "group (defaults: the teacher's). Fields:\n\n" + _options.docstring("training"))
    return cls


TrainingOptions = _training_options_class()


def history_rows(history) -> List[Epoch]:
    return [Epoch(int(e), float(t), float(v), float(a), float(lr)) for e, t, v, a, lr in history]


SPLITS = ("validation", "test")
"""The splits whose results a checkpoint records (``evaluate(..., split=)``)."""


@dataclasses.dataclass
class Results:
    """What a checkpoint's ``/metrics`` group records: the kept weights' results and every
    initialisation's run record. ``fit`` / ``distill`` set ``validation``, ``validation_loss``
    and ``runs``; ``evaluate(X_test, y_test, split="test")`` sets ``test``. A model is saved
    complete (``complete = 1``, with ``/metrics``) when both splits are known.

    Metrics are dicts ``{"accuracy", "auc_roc", "auc_prc", "skipped_classes"}`` (the classes
    without positives in the split, left out of the macro averages).
    """

    seed: int
    """Seed of the kept initialisation."""
    validation: Optional[Dict[str, Any]] = None
    validation_loss: Optional[float] = None
    """Mean cross-entropy of the kept weights on the validation split."""
    test: Optional[Dict[str, Any]] = None
    runs: List[Dict[str, Any]] = dataclasses.field(default_factory=list)
    """Every initialisation's record, as the file's ``runs_json`` holds it (seed, validation,
    validationLoss, test, history with every epoch). Python measures no per-epoch wall time:
    a run trained in Python has ``seconds`` 0 per epoch and the call's wall time in
    ``history.seconds``."""

    @property
    def complete(self) -> bool:
        """Whether validation and test results are both known (the CLI's ``complete``)."""
        return self.validation is not None and self.validation_loss is not None \
            and self.test is not None

    def kept_run(self) -> Optional[Dict[str, Any]]:
        """The record in ``runs`` of the kept initialisation (seed ``seed``), or None."""
        return next((run for run in self.runs if run.get("seed") == self.seed), None)


def _metrics_record(metrics: Dict[str, Any]) -> Dict[str, Any]:
    """Metrics in the schema of the file's ``runs_json`` (MemKDCore's ClassificationMetrics)."""
    return {"accuracy": metrics["accuracy"], "aucROC": metrics["auc_roc"],
            "aucPRC": metrics["auc_prc"], "skippedClasses": list(metrics["skipped_classes"])}


def _metrics_tuple(metrics: Dict[str, Any], name: str) -> Tuple[float, float, float, List[int]]:
    try:
        return (float(metrics["accuracy"]), float(metrics["auc_roc"]), float(metrics["auc_prc"]),
                [int(k) for k in metrics["skipped_classes"]])
    except (KeyError, TypeError) as error:
        raise ValueError(f"results.{name}: expected a dict with accuracy, auc_roc, auc_prc and "
                         f"skipped_classes ({error})") from None


def _json_value(value: Any) -> Any:
    """``value`` with non-finite floats as the strings MemKD's JSON uses ("inf", "nan")."""
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, (float, np.floating)) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, np.generic):
        return value.item()
    return value


def run_record(seed: int, history: List[Epoch], best_epoch: int, max_epochs: int,
               validation: Dict[str, Any], validation_loss: float, seconds: float
               ) -> Dict[str, Any]:
    """The record of one finished training run, as the CLI writes it in ``runs_json``
    (MemKDCore's ``TeacherTraining.Run``; test metrics filled in by ``evaluate(...,
    split="test")``). The per-epoch bookkeeping is recomputed from the history exactly as the
    trainer keeps it: the best validation loss so far is the strictly lowest one, and a run
    that finished before ``max_epochs`` stopped early."""
    epochs, best_loss, best = [], math.inf, 0
    for e in history:
        if e.val_loss < best_loss:
            best_loss, best = e.val_loss, e.epoch
        epochs.append({"epoch": e.epoch, "maxEpochs": max_epochs, "trainLoss": e.train_loss,
                       "validationLoss": e.val_loss, "validationAUCPRC": e.val_auc_prc,
                       "learningRate": e.lr, "epochsSinceBest": e.epoch - best, "seconds": 0.0})
    return {"seed": seed, "validation": _metrics_record(validation),
            "validationLoss": validation_loss, "test": None,
            "history": {"epochs": epochs, "bestEpoch": best_epoch, "bestValidationLoss": best_loss,
                        "stoppedEarly": bool(history) and history[-1].epoch < max_epochs,
                        "seconds": seconds}}


def results_from_file(stored: Mapping[str, Any]) -> Results:
    """``Results`` from ``load_checkpoint``'s ``results`` record (``/metrics``)."""
    def metrics(values) -> Dict[str, Any]:
        accuracy, auc_roc, auc_prc, skipped = values
        return {"accuracy": accuracy, "auc_roc": auc_roc, "auc_prc": auc_prc,
                "skipped_classes": [int(k) for k in skipped]}
    return Results(
        seed=int(stored["seed"]), validation=metrics(stored["validation"]),
        validation_loss=float(stored["validation_loss"]), test=metrics(stored["test"]),
        runs=json.loads(stored["runs_json"]))


def kept_history(results: Results, history: List[Epoch], best_epoch: Optional[int]
                 ) -> Tuple[List[Epoch], Optional[int]]:
    """The kept run's history and best epoch (``history`` / ``best_epoch`` when none)."""
    kept = results.kept_run()
    if kept is None:
        return history, best_epoch
    rows = [Epoch(int(e["epoch"]), float(e["trainLoss"]), float(e["validationLoss"]),
                  float(e["validationAUCPRC"]), float(e["learningRate"]))
            for e in kept["history"]["epochs"]]
    return rows, int(kept["history"]["bestEpoch"])


def distillation_from_file(stored: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """A student's ``distillation`` dict from ``load_checkpoint``'s record (None: a teacher)."""
    if stored is None:
        return None
    return {"method": str(stored["method"]), "beta": float(stored["beta"]),
            "options": dict(stored["options"]), "teacher_sha256": stored["teacher_sha256"],
            "split_seed": stored["split_seed"]}


def distillation_for_file(record: Any) -> Optional[Tuple[Any, ...]]:
    """A model's ``distillation`` as ``save_checkpoint`` takes it, checked."""
    if record is None:
        return None
    if not isinstance(record, Mapping) or "method" not in record or "beta" not in record:
        raise TypeError("distillation: expected None or a dict with method, beta, options, "
                        "teacher_sha256 and split_seed")
    options = record.get("options") or {}
    if not isinstance(options, Mapping):
        raise TypeError(f"distillation['options']: expected a dict, got "
                        f"{type(options).__name__}")
    split_seed = record.get("split_seed")
    return (record["method"], _arrays.real(record["beta"], "distillation['beta']", 0.0),
            record.get("teacher_sha256"),
            None if split_seed is None else
            _arrays.integer(split_seed, "distillation['split_seed']", 0, 2**63 - 1),
            _options.pairs(options))
