"""The stacked recurrent classifier (LSTM, GRU or RNN; teacher or student) around the Swift
engine."""

from __future__ import annotations

import os
import time
from typing import Any, Dict, List, Mapping, Optional, Tuple, Type, TypeVar

import numpy as np

from . import _arrays, _files, _memkd, _options
from ._progress import Callback, Progress
from ._records import (SPLITS, Epoch, Results, TrainingOptions, history_rows, run_record,
                       _metrics_record)


M = TypeVar("M", bound="LSTMClassifier")


class LSTMClassifier:
    """A stacked recurrent network (``nn.LSTM(input_size, hidden_size, layers,
    batch_first=True)``, or ``nn.GRU`` / ``nn.RNN`` with ``cell="gru"`` / ``"rnn"``) with a
    linear head on the last time step of the last layer and zero initial states: the model of
    ``memkd-script`` and of PyTorch with the same ``state_dict``. The name is historical: every
    cell is this class.

    Args:
        input_size: channels ``D`` of the series.
        hidden_size: hidden units ``H`` per layer.
        layers: stacked recurrent layers ``L``.
        classes: ``C``; None means inferred from the labels at the first ``fit``.
        seed: initialisation and batch-order seed (the CLI's ``--seed``).
        cell: ``"lstm"`` (gate order i, f, g, o), ``"gru"`` (r, z, n; ``b_hn`` inside the reset
            product, as PyTorch) or ``"rnn"`` (tanh): the CLI's ``--cell``.

    Attributes kept for the checkpoint (set by ``fit`` / ``distill``, or by you):
        ``dataset`` (str), ``class_labels`` (list of str or None: ``"0" .. "C-1"``),
        ``length`` and ``z_normalize`` (the preprocessing the model expects),
        ``validation_fraction``, ``training`` (``TrainingOptions``), ``kind``
        (``"teacher"`` or ``"student"``). After training: ``history`` (list of ``Epoch``),
        ``best_epoch`` (1-based epoch of the kept weights; 0 when none finished) and
        ``interrupted`` (True when Ctrl-C or a callback stopped it).

    Provenance (what ``save`` writes as the CLI does; docs/checkpoint-format.md):
        ``results`` (``Results`` or None): the validation metrics and loss of the kept weights
        and the run record with its history, set by ``fit`` / ``distill`` (None after an
        interruption); test metrics are added by ``evaluate(X_test, y_test, split="test")``.
        ``distillation`` (students): method, beta, the loss's ``options`` as recorded, the
        teacher's ``teacher_sha256`` and the ``split_seed`` (None: unknown). ``path`` and
        ``sha256``: the checkpoint file the model was last saved to or loaded from (None when
        its weights come from nowhere else, e.g. after ``fit``).

    Shapes: ``X`` is ``[N, T]`` (one channel) or ``[N, T, D]``; ``y`` is ``[N]`` class indices in
    ``0 .. C-1``. Inputs are converted to float32 / int64 C-contiguous arrays; NaN, infinite,
    mis-shaped or mis-typed inputs raise ``ValueError`` / ``TypeError`` naming the argument.
    """

    default_kind: str = "teacher"
    """The recipe whose defaults ``fit`` starts from (``teacher``: lr 0.001; ``student``: lr
    0.1), and the checkpoint's kind."""

    def __init__(self, input_size: int = 1, hidden_size: int = 100, layers: int = 3,
                 classes: Optional[int] = None, seed: int = 0, cell: str = "lstm") -> None:
        self.input_size = _arrays.integer(input_size, "input_size", 1)
        self.hidden_size = _arrays.integer(hidden_size, "hidden_size", 1)
        self.layers = _arrays.integer(layers, "layers", 1)
        self.classes = None if classes is None else _arrays.integer(classes, "classes", 2)
        self.seed = _arrays.seed(seed)
        self.cell: str = _options.check("teacher", cell=cell)["cell"]
        _arrays.model_size(self.input_size, self.hidden_size, self.layers, self.classes or 2,
                           cell=self.cell)
        self.kind: str = self.default_kind
        self.dataset: str = ""
        self.class_labels: Optional[List[str]] = None
        self.length: int = 100
        self.z_normalize: bool = True
        self.validation_fraction: float = 0.2
        self.training = TrainingOptions(**self._recipe_defaults(seed=self.seed))
        self.history: List[Epoch] = []
        self.best_epoch: Optional[int] = None
        self.distillation: Optional[Dict[str, Any]] = None
        self.interrupted: bool = False
        self.results: Optional[Results] = None
        self.path: Optional[str] = None
        self.sha256: Optional[str] = None
        self._params: Optional[List[np.ndarray]] = None
        if self.classes is not None:
            self._params = self._initial_parameters()

    @classmethod
    def _recipe_defaults(cls, **overrides: Any) -> Dict[str, Any]:
        scope = "student_training" if cls.default_kind == "student" else "training"
        return {**_options.defaults(scope), **overrides}

    # MARK: - Shape and parameters

    @property
    def config(self) -> Tuple[int, int, int, int, str]:
        """``(input_size, hidden_size, layers, classes, cell)``."""
        if self.classes is None:
            raise ValueError("the number of classes is not known yet: pass classes= or fit first")
        return (self.input_size, self.hidden_size, self.layers, self.classes, self.cell)

    @property
    def is_fitted(self) -> bool:
        """Whether the model has weights (trained, loaded, or initialised with known classes)."""
        return self._params is not None

    def parameter_layout(self) -> List[Tuple[str, Tuple[int, ...]]]:
        """PyTorch ``state_dict`` names and shapes, in order."""
        return [(str(name), tuple(int(s) for s in shape))
                for name, shape in _memkd.parameter_layout(*self.config)]

    def parameter_count(self) -> int:
        """Trainable scalars: ``G H (D + H + 2)`` per layer (``G`` = 4 gate blocks for the LSTM,
        3 for the GRU, 1 for the RNN; ``D = H`` above the first) plus ``C (H + 1)``."""
        return int(_memkd.parameter_count(*self.config))

    def _initial_parameters(self) -> List[np.ndarray]:
        raw = _memkd.init_parameters(self.config, self.seed)
        return self._wrap(raw)

    def _wrap(self, raw) -> List[np.ndarray]:
        layout = self.parameter_layout()
        if len(raw) != len(layout):
            raise RuntimeError(f"the extension returned {len(raw)} tensors for {len(layout)} "
                               "layout entries")
        return [_arrays.frombuffer(data, "f4", shape) for data, (_, shape) in zip(raw, layout)]

    def _require_weights(self) -> List[np.ndarray]:
        if self._params is None:
            raise ValueError(f"{type(self).__name__} has no weights yet: fit it, load it or "
                             "pass classes= to initialise it")
        return self._params

    def state_dict(self) -> Dict[str, np.ndarray]:
        """Copies of the weights under PyTorch names and shapes (``lstm.weight_ih_l0``
        ``[4H, D]``, ``lstm.weight_hh_l0`` ``[4H, H]``, ``lstm.bias_ih_l0`` / ``bias_hh_l0``
        ``[4H]``, ..., ``head.weight`` ``[C, H]``, ``head.bias`` ``[C]``; a GRU's are
        ``gru.*`` with ``3H`` rows, an RNN's ``rnn.*`` with ``H``), float32."""
        params = self._require_weights()
        return {name: p.copy() for (name, _), p in zip(self.parameter_layout(), params)}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Set the weights from a mapping with exactly the keys and shapes of ``state_dict()``
        (numpy arrays, or anything ``numpy.asarray`` reads, e.g. CPU torch tensors). A model
        created without ``classes`` takes ``C`` from ``head.bias``."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"state_dict: expected a mapping, got {type(state_dict).__name__}")
        previous = self.classes
        if self.classes is None and "head.bias" in state_dict:
            shape = np.shape(state_dict["head.bias"])
            if len(shape) != 1:
                raise ValueError(f"state_dict['head.bias']: expected shape [C], got {shape}")
            self.classes = _arrays.integer(int(shape[0]), "classes (rows of head.bias)", 2)
        try:
            params = self._checked_state(state_dict)
        except BaseException:
            self.classes = previous
            raise
        self._params = params
        # Results and the file describe the weights replaced here.
        self.results, self.path, self.sha256 = None, None, None

    def _checked_state(self, state_dict: Mapping[str, Any]) -> List[np.ndarray]:
        layout = self.parameter_layout()
        expected = [name for name, _ in layout]
        missing = [k for k in expected if k not in state_dict]
        unexpected = [k for k in state_dict if k not in expected]
        if missing or unexpected:
            raise KeyError(f"state_dict: missing keys {missing}, unexpected keys {unexpected}")
        params = []
        for name, shape in layout:
            array = _arrays.float_array(state_dict[name], f"state_dict[{name!r}]", (len(shape),))
            if array.shape != shape:
                raise ValueError(f"state_dict[{name!r}]: shape {array.shape}, expected {shape}")
            params.append(array.copy())
        return params

    # MARK: - Training and inference

    def _check_classes(self, *label_arrays: np.ndarray) -> None:
        if self.classes is None:
            count = len(self.class_labels) if self.class_labels else 0
            classes = max([count, 2] + [int(a.max()) + 1 for a in label_arrays])
            _arrays.model_size(self.input_size, self.hidden_size, self.layers, classes,
                               cell=self.cell)
            self.classes = classes

    def fit(self: M, X, y, X_val, y_val, *, threads: int = 2, warm_start: bool = False,
            callback: Optional[Callback] = None, verbose: Optional[bool] = None,
            **options: Any) -> M:
        """Train with Adam on cross-entropy, keeping the weights of the epoch with the lowest
        validation loss (the CLI's teacher recipe for one initialisation).

        Args:
            X: ``[N, T]`` or ``[N, T, D]`` training series; ``y``: ``[N]`` class indices.
            X_val: ``[M, T]`` / ``[M, T, D]`` validation series (same ``T``, ``D``); ``y_val``
                ``[M]``.
            threads: worker threads (speed only: results do not depend on it).
            warm_start: continue from the current weights; False (default) starts from the
                initialisation of ``seed``, as ``memkd-script train-teacher`` does.
            callback: called with an ``EpochInfo`` after every epoch; if it raises, training
                stops as Ctrl-C stops it (below) and the exception propagates.
            verbose: None (default): a progress bar in an interactive session or notebook,
                nothing otherwise; True: one line per epoch (losses, validation AUC-PRC,
                learning rate) on standard error; False: silent.
            **options: the optimisation options (below); defaults are the teacher's recipe
                (``Student``: the student's, lr 0.1); ``seed`` defaults to the model's.

        Options (MemKDCore's ``TrainingConfig``; docs/options.md):

{options}

        Returns:
            ``self``, trained; ``history``, ``best_epoch``, ``training`` and ``results`` (the
            validation metrics and loss of the kept weights, the run record) are set.

        Ctrl-C (KeyboardInterrupt) stops training within a fraction of a second (between two
        batches): the model keeps the best weights so far (of the finished epochs; the
        initialisation if none finished), ``interrupted`` becomes True, and the
        KeyboardInterrupt propagates. The GIL is released while training, so other Python
        threads keep running.
        """
        X = _arrays.series(X, "X", self.input_size)
        y = _arrays.labels(y, "y", X.shape[0], self.classes)
        X_val = _arrays.series(X_val, "X_val", self.input_size)
        y_val = _arrays.labels(y_val, "y_val", X_val.shape[0], self.classes)
        _arrays.same_length(X, X_val)
        options.setdefault("seed", self.seed)
        threads = _arrays.integer(threads, "threads", 1)
        if not isinstance(warm_start, (bool, np.bool_)):
            raise TypeError(f"warm_start: expected a bool, got {type(warm_start).__name__}")
        progress = Progress(callback, verbose, f"{type(self).__name__} ")
        present = np.unique(y)
        if present.size < 2:
            raise ValueError(f"y: a single class (label {int(present[0])}); at least 2 are "
                             "needed (as memkd-script train-teacher requires)")
        if self.classes is None:
            # Inferred as max(y) + 1, a class absent from y would be an output never trained
            # (one label of 10**6 once made a 1,000,001-class model).
            missing = np.setdiff1d(np.arange(int(y.max()) + 1), present)
            if missing.size:
                shown = ", ".join(str(int(k)) for k in missing[:5])
                more = f" and {missing.size - 5} more" if missing.size > 5 else ""
                raise ValueError(
                    f"y: classes 0 .. {int(y.max())} are inferred from the largest label, but "
                    f"class(es) {shown}{more} never occur in y; relabel y to 0 .. K-1 or give "
                    "the model classes=")
        self._check_classes(y, y_val)
        if self.class_labels is not None and len(self.class_labels) != self.classes:
            raise ValueError(f"class_labels has {len(self.class_labels)} entries for "
                             f"{self.classes} classes")
        start = self._params if (warm_start and self._params is not None) \
            else self._initial_parameters()
        started = time.perf_counter()
        try:
            weights, history, best, training, stopped = _memkd.fit(
                self.config, start, X, y, X_val, y_val, self.default_kind,
                _options.pairs(options), threads, progress.report)
        finally:
            progress.close()
        self._params = self._wrap(weights)
        self.training = TrainingOptions(**training)
        self.length = X.shape[1]
        self.history = history_rows(history)
        self.best_epoch = int(best)
        self.interrupted = stopped is not None
        self.path = self.sha256 = None
        self.results = None if stopped is not None else \
            self._trained_results(X_val, y_val, time.perf_counter() - started)
        if stopped is not None:
            raise stopped
        return self

    fit.__doc__ = fit.__doc__.format(options=_options.docstring("training", indent=" " * 12))

    def predict_proba(self, X) -> np.ndarray:
        """Softmax class probabilities, float64 ``[N, C]``, of ``X`` ``[N, T]`` /
        ``[N, T, D]``."""
        params = self._require_weights()
        X = _arrays.series(X, "X", self.input_size)
        data = _memkd.predict_proba(self.config, params, X)
        return _arrays.frombuffer(data, "f8", (X.shape[0], self.classes))

    def predict(self, X) -> np.ndarray:
        """Predicted class indices, int64 ``[N]``."""
        return np.argmax(self.predict_proba(X), axis=1).astype(np.int64)

    def hidden_states(self, X) -> List[np.ndarray]:
        """Hidden sequences of every layer: a list of ``L`` float32 ``[N, T, H]`` arrays (the
        last one feeds the head at step ``T - 1``)."""
        params = self._require_weights()
        X = _arrays.series(X, "X", self.input_size)
        layers = _memkd.hidden_states(self.config, params, X)
        shape = (X.shape[0], X.shape[1], self.hidden_size)
        return [_arrays.frombuffer(data, "f4", shape) for data in layers]

    def evaluate(self, X, y, split: Optional[str] = None) -> Dict[str, float]:
        """``{"accuracy", "auc_roc", "auc_prc"}`` on ``X``, ``y`` (macro averages over the
        classes with positives, as ``memkd-script evaluate``).

        Args:
            split: None (default) records nothing; ``"test"`` records the metrics as the
                model's test results (``results.test``, the kept run's ``test``), which
                ``save`` writes in ``/metrics`` as the CLI does; ``"validation"`` records them
                and the mean cross-entropy as the validation results (``fit`` / ``distill``
                already do that on their ``X_val``).
        """
        y = _arrays.labels(y, "y", None, self.classes)
        params = self._require_weights()
        X = _arrays.series(X, "X", self.input_size)
        if X.shape[0] != y.shape[0]:
            raise ValueError(f"y: {y.shape[0]} labels for {X.shape[0]} series")
        if split is not None:
            _arrays.choice(split, "split", SPLITS)
        loss, accuracy, auc_roc, auc_prc, skipped = _memkd.evaluate(self.config, params, X, y)
        metrics = {"accuracy": accuracy, "auc_roc": auc_roc, "auc_prc": auc_prc}
        if split is not None:
            self._record(split, {**metrics, "skipped_classes": [int(k) for k in skipped]},
                         float(loss))
        return metrics

    def _trained_results(self, X_val: np.ndarray, y_val: np.ndarray, seconds: float) -> Results:
        """The results of a finished run: the kept weights on the validation split (the CLI's
        ``evaluate`` of the best weights) and the run's record."""
        loss, accuracy, auc_roc, auc_prc, skipped = _memkd.evaluate(
            self.config, self._require_weights(), X_val, y_val)
        validation = {"accuracy": accuracy, "auc_roc": auc_roc, "auc_prc": auc_prc,
                      "skipped_classes": [int(k) for k in skipped]}
        seed = int(self.training.seed)
        run = run_record(seed, self.history, int(self.best_epoch or 0), int(self.training.epochs),
                         validation, float(loss), float(seconds))
        return Results(seed=seed, validation=validation, validation_loss=float(loss), runs=[run])

    def _record(self, split: str, metrics: Dict[str, Any], loss: float) -> None:
        if self.results is None:
            self.results = Results(seed=int(self.training.seed))
        kept = self.results.kept_run()
        if split == "test":
            self.results.test = metrics
            if kept is not None:
                kept["test"] = _metrics_record(metrics)
        else:
            self.results.validation, self.results.validation_loss = metrics, loss
            if kept is not None:
                kept["validation"], kept["validationLoss"] = _metrics_record(metrics), loss

    # MARK: - Files

    def save(self, path: "str | os.PathLike[str]") -> None:
        """Write an HDF5 checkpoint (docs/checkpoint-format.md) that ``memkd-script inspect``,
        ``evaluate``, ``trace`` and ``distill --teacher`` read, with what the CLI records:
        ``/metrics`` (``results``: validation and test metrics, validation loss, every run's
        record with its history) and, for a student, ``/distillation``.

        The file is complete (``complete = 1``) exactly when the CLI's would be: when
        ``results`` holds validation and test metrics (``evaluate(X_test, y_test,
        split="test")`` after ``fit`` / ``distill``). Without test metrics it has no
        ``/metrics`` and ``complete = 0``. A model whose training was interrupted
        (``interrupted``) is written with ``complete = 0``, ``interrupted = 1`` and no
        ``/metrics``. The file is written to a temporary file and renamed, so ``path`` is
        always complete; ``path`` and ``sha256`` then name it."""
        _files.write_checkpoint(self, path)

    @classmethod
    def load(cls: Type[M], path: "str | os.PathLike[str]") -> M:
        """Read a checkpoint written by ``save`` or by ``memkd-script`` (``train-teacher``,
        ``distill``). ``LSTMClassifier.load`` returns a ``Teacher`` or ``Student`` according to
        the file's ``kind``; ``Teacher.load`` / ``Student.load`` return that class. What the
        file records comes back: ``results`` (with ``history`` and ``best_epoch`` of the kept
        run), ``distillation``, ``interrupted``, and ``path`` / ``sha256`` of the file (a
        student distilled from this model records that SHA-256)."""
        record = _memkd.load_checkpoint(os.fspath(path))
        target: type = cls
        if cls is LSTMClassifier:
            target = Student if str(record["kind"]) == "student" else Teacher
        return _files.model_from_record(target, record, path)

    def __repr__(self) -> str:
        state = "fitted" if self.is_fitted else "no weights"
        return (f"{type(self).__name__}(input_size={self.input_size}, "
                f"hidden_size={self.hidden_size}, layers={self.layers}, classes={self.classes}, "
                f"seed={self.seed}, cell={self.cell!r}) [{state}]")


class Teacher(LSTMClassifier):
    """The paper's teacher: 3 x 100 LSTM (``cell=`` for a GRU or RNN), trained with learning
    rate 0.001 by default."""

    default_kind = "teacher"

    def __init__(self, input_size: int = 1, hidden_size: int = 100, layers: int = 3,
                 classes: Optional[int] = None, seed: int = 0, cell: str = "lstm") -> None:
        super().__init__(input_size, hidden_size, layers, classes, seed, cell)


class Student(LSTMClassifier):
    """The paper's student: 1 x 8 LSTM (``cell=`` for a GRU or RNN), trained with learning
    rate 0.1 by default (``memkd.distill`` returns one)."""

    default_kind = "student"

    def __init__(self, input_size: int = 1, hidden_size: int = 8, layers: int = 1,
                 classes: Optional[int] = None, seed: int = 0, cell: str = "lstm") -> None:
        super().__init__(input_size, hidden_size, layers, classes, seed, cell)
