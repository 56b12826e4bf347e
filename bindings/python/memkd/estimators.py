"""scikit-learn estimators: ``TeacherClassifier`` and ``DistilledClassifier``.

They follow scikit-learn's conventions (every hyperparameter a constructor argument,
``fit(X, y)`` holding out its own validation split, ``classes_`` with any labels,
``predict_proba``, ``score``, ``random_state``, ``n_jobs``), so ``clone``, ``Pipeline``,
``cross_val_score`` and ``GridSearchCV`` work, and take series in aeon's layout: ``[N, T]``,
``[N, C, T]``, or a list of series of different lengths (each ``[T_i]`` or ``[C, T_i]``).

The optimisation and distillation hyperparameters are not written here: the constructors'
signatures are made from MemKDCore's option tables (``docs/options.md``), the one definition the
CLI and the pipeline files also use, so a new option appears here by itself.
"""

from __future__ import annotations

import inspect
import numbers
import os
from typing import Any, Dict, List, Optional, Tuple

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from . import _layout, _options
from ._data import split
from ._distill import ANCHOR_WEIGHTS, METHODS, distill
from ._model import LSTMClassifier, Teacher


def _parameters(scopes: Tuple[str, ...], drop: Tuple[str, ...], extra: Dict[str, Any]
                ) -> List[inspect.Parameter]:
    """Keyword-only parameters: the core options of ``scopes`` (minus ``drop``), then
    ``extra``."""
    seen: Dict[str, Any] = {}
    for scope in scopes:
        for option in _options.fields(scope):
            if option.key not in drop and option.key not in seen:
                seen[option.key] = option.default
    seen.update(extra)
    return [inspect.Parameter(key, inspect.Parameter.KEYWORD_ONLY, default=default)
            for key, default in seen.items()]


_COMMON = {"length": None, "z_normalize": False, "random_state": None, "n_jobs": None,
           "verbose": None}
"""The estimator-level arguments. ``length`` None and ``z_normalize`` False take series as
given (``load_ucr`` already resamples and z-normalises; the core's defaults, 100 and True, are
what the CLI applies to raw archive files)."""

_COMMON_DOC = """
    Data arguments:
        length: None keeps equal-length series as they are and resamples a list of series of
            different lengths to the longest one seen in ``fit``; an int resamples every series
            to that length (linear interpolation, as ``memkd.preprocess``).
        z_normalize: z-normalise each channel of each series on its own (False: as given).
        random_state: None, an int, or a ``numpy.random.Generator`` / ``RandomState``: the
            seed of the initialisation, the batch order and the validation split.
        n_jobs: threads (None: 1, -1: every core); results do not depend on it.
        verbose: None: a progress bar in an interactive session or notebook; True: a line
            per epoch; False: silent.
"""


def _init_with(parameters: List[inspect.Parameter]):
    """An ``__init__`` that stores each keyword argument under its name (scikit-learn reads the
    hyperparameters from the signature, and ``clone`` rebuilds an estimator from them)."""
    names = [p.name for p in parameters]
    defaults = {p.name: p.default for p in parameters}

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) "
                            f"{unknown}; the hyperparameters are {names}")
        for name in names:
            setattr(self, name, params.get(name, defaults[name]))

    __init__.__signature__ = inspect.Signature(   # type: ignore[attr-defined]
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)] + parameters)
    return __init__


def _seed(random_state: Any) -> int:
    """A seed in ``0 .. 2**63 - 1`` from scikit-learn's kinds of ``random_state``."""
    if random_state is None:
        return int(np.random.randint(0, 2**31 - 1))
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError("random_state: expected None, an int or a numpy Generator, got a bool")
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"random_state: must be >= 0, got {random_state}")
        return int(random_state)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**63 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    raise TypeError(f"random_state: expected None, an int or a numpy Generator, got "
                    f"{type(random_state).__name__}")


def _threads(n_jobs: Any) -> int:
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, numbers.Integral) \
            or n_jobs == 0 or n_jobs < -1:
        raise ValueError(f"n_jobs: expected None, -1 or an int >= 1, got {n_jobs!r}")
    return min(64, os.cpu_count() or 1) if n_jobs == -1 else min(64, int(n_jobs))


class _SeriesClassifier(ClassifierMixin, BaseEstimator):
    """What both estimators share: reading series and labels, the validation split, and
    predictions in the user's labels. Subclasses set ``model_`` (a ``memkd.LSTMClassifier``)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.non_deterministic = False
        return tags

    # MARK: - Input

    def _series(self, X: Any, fitting: bool) -> np.ndarray:
        """``X`` as the engine's float32 ``[N, T, C]``, checked against what ``fit`` saw."""
        if not fitting and isinstance(X, np.ndarray) and X.ndim == 3 \
                and X.shape[1] != self.n_channels_:
            raise ValueError(f"X has {X.shape[1]} channel(s) (shape {X.shape}, read as "
                             f"[N, C, T]), but {type(self).__name__} was fitted on "
                             f"{self.n_channels_}")
        if not _layout.is_ragged_collection(X):
            X = validate_data(self, X, reset=fitting, allow_nd=True, dtype=np.float64,
                              ensure_min_features=1, skip_check_array=False)
        series, rectangular = _layout.read_collection(X)
        length = _layout.optional_length(self.length)
        channels = series[0].shape[0]
        if fitting:
            self.n_channels_ = channels
            self.series_length_ = length or _layout.lengths(series)[1]
        else:
            if channels != self.n_channels_:
                raise ValueError(f"X has {channels} channel(s), but {type(self).__name__} was "
                                 f"fitted on {self.n_channels_}")
            if length is None and rectangular and series[0].shape[1] != self.series_length_:
                raise ValueError(
                    f"X has {series[0].shape[1]} features, but {type(self).__name__} is "
                    f"expecting {self.series_length_} features as input (time steps; set "
                    "length= to resample series of other lengths)")
        return _layout.to_engine(series, self.series_length_, bool(self.z_normalize))

    def _encoded(self, y: Any, count: int, classes: Optional[np.ndarray] = None) -> np.ndarray:
        """``y`` as indices into ``classes_`` (set here when ``classes`` is None)."""
        if y is None:
            raise ValueError(f"{type(self).__name__} requires y to be passed, but the target y "
                             "is None")
        if count < 2:
            raise ValueError(f"X: n_samples={count}; training needs at least 2 series")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim != 1:
            raise ValueError(f"y: expected a 1-D array of labels, got shape {y.shape}")
        if y.shape[0] != count:
            raise ValueError(f"y: {y.shape[0]} labels for {count} series")
        check_classification_targets(y)
        if classes is None:
            self.classes_, encoded = np.unique(y, return_inverse=True)
            if self.classes_.size < 2:
                raise ValueError(f"y: a single class ({self.classes_[0]!r}); a classifier "
                                 "needs at least 2")
            return encoded.astype(np.int64)
        self.classes_ = classes
        index = np.searchsorted(classes, y)
        index = np.clip(index, 0, classes.size - 1)
        unknown = classes[index] != y
        if unknown.any():
            raise ValueError(f"y: label {y[unknown][0]!r} is not one of the teacher's classes "
                             f"{list(classes)}")
        return index.astype(np.int64)

    def _validation(self, X: np.ndarray, y: np.ndarray, X_val: Any, y_val: Any, seed: int
                    ) -> Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(X_train, y_train, X_val, y_val)``: the given validation set, or a stratified
        ``validation_fraction`` of ``X`` held out (``memkd.split``, the CLI's split)."""
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val: give both or neither")
        if X_val is not None:
            X_v = self._series(X_val, fitting=False)
            y_v = self._encoded(y_val, X_v.shape[0], self.classes_)
            return X, y, X_v, y_v
        counts = np.bincount(y)
        if counts.min() < 2:
            raise ValueError(
                f"y: class {self.classes_[int(np.argmin(counts))]!r} has {counts.min()} "
                "series; holding out a validation split needs at least 2 per class (or pass "
                "X_val=, y_val=)")
        train, val = split(y, self.validation_fraction, seed)
        return X[train], y[train], X[val], y[val]

    # MARK: - Prediction

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, float64 ``[N, n_classes]``, columns in ``classes_`` order."""
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(self._series(X, fitting=False))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each series, in the labels ``fit`` was given."""
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]

    @property
    def history_(self):
        """The kept model's training history (a list of ``memkd.Epoch``)."""
        check_is_fitted(self, "model_")
        return self.model_.history

    def save(self, path: "str | os.PathLike[str]") -> None:
        """The fitted model as a checkpoint ``memkd-script`` reads (``LSTMClassifier.save``)."""
        check_is_fitted(self, "model_")
        self.model_.save(path)


class TeacherClassifier(_SeriesClassifier):
    """A stacked LSTM, GRU or RNN teacher (``cell``) as a scikit-learn classifier: the CLI's
    ``train-teacher`` recipe (``inits`` initialisations, each trained with early stopping on the
    validation loss, the one with the best validation AUC-PRC kept).

    Hyperparameters (keyword arguments, from MemKDCore's option tables):

{options}
{common}
    Attributes after ``fit``: ``classes_``, ``model_`` (the ``memkd.Teacher``), ``history_``,
    ``n_features_in_``, ``n_channels_``, ``series_length_``, ``seed_``.
    """

    __init__ = _init_with(_parameters(("teacher",), ("seed",), _COMMON))

    def fit(self, X: Any, y: Any, *, X_val: Any = None, y_val: Any = None) -> "TeacherClassifier":
        """Train on ``X`` (``[N, T]``, ``[N, C, T]`` or a list of series) and labels ``y``;
        ``X_val`` / ``y_val`` replace the held-out validation split. Ctrl-C stops it within a
        second, keeping the best weights so far (``model_.interrupted``), and re-raises."""
        X = self._series(X, fitting=True)
        y = self._encoded(y, X.shape[0])
        self.seed_ = _seed(self.random_state)
        X_train, y_train, X_v, y_v = self._validation(X, y, X_val, y_val, self.seed_)
        options = {key: getattr(self, key) for key in _options.keys("training")
                   if key != "seed"}
        best: Optional[Tuple[float, LSTMClassifier]] = None
        for index in range(int(self.inits)):
            model = Teacher(input_size=X.shape[2], hidden_size=self.hidden, layers=self.layers,
                            classes=self.classes_.size, seed=self.seed_ + index, cell=self.cell)
            try:
                model.fit(X_train, y_train, X_v, y_v, threads=_threads(self.n_jobs),
                          verbose=self.verbose, seed=self.seed_ + index, **options)
            except KeyboardInterrupt:
                self.model_ = model if best is None else best[1]
                raise
            score = model.evaluate(X_v, y_v)["auc_prc"]
            if best is None or score > best[0]:
                best = (score, model)
        assert best is not None
        self.model_ = best[1]
        self.model_.validation_fraction = float(self.validation_fraction)
        self.model_.length, self.model_.z_normalize = self.series_length_, bool(self.z_normalize)
        self.model_.class_labels = [str(label) for label in self.classes_]
        return self


class DistilledClassifier(_SeriesClassifier):
    """A small LSTM, GRU or RNN student (``cell``; any teacher cell) distilled from a teacher,
    as a scikit-learn classifier: the CLI's ``distill`` (``CE + beta * L_method``, early
    stopping on the validation loss).

    ``teacher``: None (a ``TeacherClassifier()`` with the paper's recipe is trained on the same
    data first), a ``TeacherClassifier`` (cloned and fitted when not fitted; wrap a fitted one in
    ``sklearn.frozen.FrozenEstimator`` to keep it through ``clone`` and ``GridSearchCV``), or a
    fitted ``memkd.Teacher`` / ``LSTMClassifier`` (its labels are its class indices).
    ``method``: one of ``memkd.METHODS``; ``beta``: None means the method's anchor weight.

    Student and MemKD hyperparameters (from MemKDCore's option tables):

{options}
{common}
    Attributes after ``fit``: ``classes_``, ``teacher_`` (the fitted teacher estimator or
    model), ``model_`` (the ``memkd.Student``), ``history_``, ``seed_``.
    """

    __init__ = _init_with(_parameters(
        ("student", "memkd"), (),
        {"teacher": None, "method": "memkd", "beta": None, "validation_fraction": 0.2,
         **_COMMON}))

    def _teacher(self, X: Any, y: Any, X_val: Any, y_val: Any):
        """The fitted teacher (estimator or model) and its model."""
        teacher = self.teacher
        if teacher is None:
            teacher = TeacherClassifier(random_state=self.seed_, n_jobs=self.n_jobs,
                                        verbose=self.verbose, length=self.length,
                                        z_normalize=self.z_normalize)
        if isinstance(teacher, LSTMClassifier):
            if not teacher.is_fitted:
                raise ValueError("teacher: the memkd model has no weights; fit or load it")
            return teacher, teacher
        if not hasattr(teacher, "predict_proba"):
            raise TypeError(f"teacher: expected None, a TeacherClassifier or a memkd.Teacher, "
                            f"got {type(teacher).__name__}")
        try:
            check_is_fitted(teacher)
        except Exception:
            teacher = clone(teacher).fit(X, y, X_val=X_val, y_val=y_val)
        model = getattr(teacher, "model_", None) or getattr(
            getattr(teacher, "estimator", None), "model_", None)
        if not isinstance(model, LSTMClassifier):
            raise TypeError("teacher: a fitted estimator without a memkd model_ (expected a "
                            "TeacherClassifier, or one in a FrozenEstimator)")
        return teacher, model

    def fit(self, X: Any, y: Any, *, X_val: Any = None, y_val: Any = None
            ) -> "DistilledClassifier":
        """Distil a student on ``X``, ``y`` (the teacher too, when it is not fitted yet).
        Ctrl-C stops it within a second, keeping the student's best weights so far
        (``model_.interrupted``), and re-raises."""
        if self.method not in METHODS:
            raise ValueError(f"method: must be one of {list(METHODS)}, got {self.method!r}")
        self.seed_ = _seed(self.random_state)
        self.teacher_, teacher_model = self._teacher(X, y, X_val, y_val)
        X_engine = self._series(X, fitting=True)
        if isinstance(self.teacher_, LSTMClassifier):
            classes = np.arange(teacher_model.classes)
        else:
            classes = np.asarray(self.teacher_.classes_)
        y_engine = self._encoded(y, X_engine.shape[0], classes)
        if X_engine.shape[2] != teacher_model.input_size:
            raise ValueError(f"X has {X_engine.shape[2]} channel(s), the teacher takes "
                             f"{teacher_model.input_size}")
        X_train, y_train, X_v, y_v = self._validation(X_engine, y_engine, X_val, y_val,
                                                      self.seed_)
        options = {key: getattr(self, key) for key in _options.keys("student")}
        if self.method == "memkd":
            options.update({key: getattr(self, key) for key in _options.keys("memkd")})
        try:
            self.model_ = distill(teacher_model, X_train, y_train, X_v, y_v, self.method,
                                  beta=self.beta, seed=self.seed_,
                                  threads=_threads(self.n_jobs), verbose=self.verbose, **options)
        except KeyboardInterrupt as stop:
            if hasattr(stop, "model"):
                self.model_ = stop.model
            raise
        self.model_.validation_fraction = float(self.validation_fraction)
        self.model_.length, self.model_.z_normalize = self.series_length_, bool(self.z_normalize)
        self.model_.class_labels = [str(label) for label in self.classes_]
        return self


TeacherClassifier.__doc__ = TeacherClassifier.__doc__.format(
    options=_options.docstring("teacher", indent="        ").replace("``seed``", "(seed)"),
    common=_COMMON_DOC)
DistilledClassifier.__doc__ = DistilledClassifier.__doc__.format(
    options=_options.docstring("student", "memkd", indent="        "), common=_COMMON_DOC)

__all__ = ["TeacherClassifier", "DistilledClassifier", "ANCHOR_WEIGHTS"]
