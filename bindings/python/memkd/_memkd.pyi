"""Type stubs of ``memkd._memkd``, the CPython extension written in Swift (Sources/MemKDPy).

This is the contract between the Swift module and the Python package: the Python layer
(``memkd/*.py``) converts user input to exactly these types (float32 / int64 C-contiguous
numpy arrays, plain ints, floats and strings) and wraps the results into numpy arrays.
The extension checks everything again and raises TypeError / ValueError / OSError naming the
argument; it never crashes the interpreter.

Conventions
- ``config`` is ``(input_size, hidden_size, layers, classes, cell)``, ``cell`` one of
  ``"lstm"``, ``"gru"``, ``"rnn"``.
- ``params`` is a list of float32 arrays (or any C-contiguous float32 buffers) in the order of
  ``parameter_layout(*config)``: PyTorch's ``nn.LSTM`` (``nn.GRU``, ``nn.RNN``) + ``nn.Linear``
  state_dict order, ``lstm.weight_ih_l0, lstm.weight_hh_l0, lstm.bias_ih_l0, lstm.bias_hh_l0,
  ..., head.weight, head.bias`` (``gru.*``, ``rnn.*``).
- Sizes: every dimension <= 2**20, parameters <= 2**31, series lengths <= 2**24; larger values
  raise ValueError (they could not be allocated).
- Arrays returned as ``bytes`` are little-endian float32 (``f4``) or int64 (``i8``) in C order;
  the Python layer wraps them with ``numpy.frombuffer(...).reshape(shape)``.
- ``X`` is ``[N, T]`` (one channel) or ``[N, T, D]`` float32; ``y`` is ``[N]`` int64 class
  indices in ``0 .. C-1``.
- Training options: ``(lr, max_epochs, batch_size, patience, clip, plateau, seed)``; ``clip`` 0
  and ``plateau`` 0 turn clipping / the plateau schedule off.
- ``callback(epoch: int, max_epochs: int, train_loss: float, val_loss: float,
  val_auc_prc: float, lr: float) -> object`` is called after every epoch with the GIL held; if
  it raises, training stops after that epoch and the exception propagates.
- The GIL is released while training, tracing and predicting.
"""

from typing import Callable, Optional, Sequence, Tuple

from collections.abc import Buffer  # Python 3.12+; on 3.11 read as "any buffer"

Config = Tuple[int, int, int, int, str]
Options = Sequence[Tuple[str, object]]  # (key, value) pairs; MemKDCore's option structs judge them
OptionDict = dict  # key -> value of every option of a struct (None: off / default)
Callback = Optional[Callable[[int, int, float, float, float, float], object]]
History = list[Tuple[int, float, float, float, float]]  # epoch, train_loss, val_loss, val_auc_prc, lr

def version() -> str: ...
def limits() -> dict[str, int]: ...
def parameter_count(input_size: int, hidden_size: int, layers: int, classes: int, cell: str) -> int: ...
def parameter_layout(input_size: int, hidden_size: int, layers: int, classes: int, cell: str) -> list[Tuple[str, Tuple[int, ...]]]: ...
def init_parameters(config: Config, seed: int) -> list[bytes]:
    """MemKD's (PyTorch-style) initialisation of a model seeded with ``seed``: the same weights
    ``memkd-script`` starts from for that seed."""

def load_ucr(name: str, root: Optional[str], length: int, z_normalize: bool) -> Tuple[bytes, bytes, int, bytes, bytes, int, list[str]]:
    """``(X_train f4 [n_train, length], y_train i8, n_train, X_test f4, y_test i8, n_test,
    class_labels)``; ``root`` None means ``$MEMKD_DATA_ROOT``, then the repository's data/."""

def preprocess(X: Buffer, length: int, z_normalize: bool) -> bytes:
    """``X`` f8 (or f4) ``[N, T]`` -> f4 ``[N, length]`` (linear resampling, then per-series
    z-normalisation, in float64), exactly what ``load_ucr`` applies."""

def split(y: Buffer, validation_fraction: float, seed: int) -> Tuple[bytes, bytes]:
    """The stratified train / validation split the CLI uses: (train rows i8, validation rows i8)."""

def fit(config: Config, params: Sequence[Buffer], X: Buffer, y: Buffer, X_val: Buffer, y_val: Buffer,
        recipe: str, options: Options, threads: int, callback: Callback
        ) -> Tuple[list[bytes], History, int, OptionDict]:
    """Trains from ``params`` with ``TrainingConfig``'s options over the defaults of ``recipe``
    ("teacher" or "student"); returns the best-validation-loss weights, the history, the best
    epoch (1-based) and the effective training options."""

def predict_proba(config: Config, params: Sequence[Buffer], X: Buffer) -> bytes:
    """f8 ``[N, C]`` softmax probabilities (float64, as the CLI's ``evaluate`` ranks them)."""

def hidden_states(config: Config, params: Sequence[Buffer], X: Buffer) -> list[bytes]:
    """One f4 ``[N, T, H]`` per layer."""

def distill(teacher_config: Config, teacher_params: Sequence[Buffer], X: Buffer, y: Buffer,
            X_val: Buffer, y_val: Buffer, method: str, options: Options, beta: Optional[float],
            seed: int, threads: int, callback: Callback
            ) -> Tuple[list[bytes], History, int, OptionDict, Optional[OptionDict]]:
    """Trains a student with ``CE + beta * L_method`` against the teacher's traces of ``X``
    (computed once). ``options`` are ``StudentDistillation``'s and (method memkd only)
    ``MemKDLoss``'s fields; beta None is the method's anchor weight. The student starts from
    ``init_parameters((D, hidden, layers, C), seed)``. Returns the student's best weights,
    history, best epoch, the effective student options and MemKD's (None for other methods)."""

def memkd_loss(teacher_h: Buffer, student_h: Buffer, options: Options, seed: int, gradient: bool
               ) -> Tuple[float, Optional[bytes], list[Tuple[int, int]]]:
    """MemKD on ``teacher_h`` f4 ``[B, T, Ht]`` and ``student_h`` f4 ``[B, T, Hs]``, computed in
    float64: ``(value, dL/d student_h as f8 bytes or None, the long pairs drawn)``. The long
    pairs are drawn from ``SeededGenerator(seed)`` as in training."""

def metrics(probabilities: Buffer, y: Buffer, classes: int) -> Tuple[float, float, float]:
    """``(accuracy, macro AUC-ROC, macro AUC-PRC)`` of f8 (or f4) ``[N, C]`` probabilities
    (sklearn's definitions; classes without positives are skipped)."""

def evaluate(config: Config, params: Sequence[Buffer], X: Buffer, y: Buffer
             ) -> Tuple[float, float, float, float, list[int]]:
    """``(loss, accuracy, auc_roc, auc_prc, skipped_classes)``: the mean cross-entropy and the
    metrics MemKDCore's ``evaluate`` gives (what the CLI records as validation and test
    results)."""

def recorded_options(method: str, memkd: Options) -> list[Tuple[str, object]]:
    """Every option of ``method``'s loss as a student checkpoint's ``/distillation`` records it
    (``(key, value)``, in order; empty for base); ``memkd`` are MemKD's options (method memkd
    only)."""

Metrics = Tuple[float, float, float, Sequence[int]]  # accuracy, auc_roc, auc_prc, skipped_classes

def save_checkpoint(path: str, kind: str, config: Config, params: Sequence[Buffer], dataset: str,
                    class_labels: Sequence[str], length: int, z_normalize: bool,
                    validation_fraction: float, training: Options, initialisations: int,
                    results: Optional[Tuple[int, Metrics, Metrics, float, str]],
                    distillation: Optional[Tuple[str, float, Optional[str], Optional[int], Options]],
                    interrupted: bool) -> str:
    """Writes an HDF5 checkpoint (docs/checkpoint-format.md) safely (temporary file, then
    rename) that ``memkd-script inspect / evaluate / trace / distill`` read, and returns its
    SHA-256 (hex). ``results`` ``(seed, test, validation, validation_loss, runs_json)`` become
    ``/metrics`` and make the file complete; ``distillation`` ``(method, beta, teacher_sha256,
    split_seed, recorded options)`` becomes ``/distillation`` (None: unknown, written "" / -1);
    ``interrupted`` writes the root attribute ``interrupted = 1`` and no results."""

def load_checkpoint(path: str) -> dict:
    """``{"kind", "config": Config, "params": list[bytes], "dataset", "class_labels", "length",
    "z_normalize", "validation_fraction", "training": OptionDict, "initialisations",
    "results": None | {"seed", "test": Metrics, "validation": Metrics, "validation_loss",
    "runs_json"}, "distillation": None | {"method", "beta", "teacher_sha256", "split_seed",
    "options": [(key, value)]}, "interrupted", "complete", "sha256" (of the file), "version"}``."""

def option_fields(scope: str) -> list[Tuple[str, str, str, object, Optional[list[str]]]]:
    """``(key, requirement, summary, default, choices)`` of every option of ``scope``
    (preprocessing, teacher, student, training, student_training, memkd)."""

def check_options(scope: str, options: Options) -> OptionDict:
    """The options of ``scope`` with ``options`` applied (ValueError / TypeError as ``fit``)."""

def methods() -> list[Tuple[str, float]]:
    """``(name, anchor weight)`` of every distillation method."""

def write_traces(path: str, config: Config, params: Sequence[Buffer], X: Buffer, y: Buffer,
                 dataset: str, class_labels: Sequence[str], length: int, z_normalize: bool,
                 teacher_path: str, split: str, rows: Buffer) -> None:
    """Traces of the teacher (checkpoint file ``teacher_path``) on ``X`` written as
    ``memkd-script trace`` writes them; ``split`` ("train" or "test") and ``rows`` (i8 ``[N]``,
    distinct, >= 0: each series' row in the archive split file) are recorded as ``split`` and
    ``/sample_index``."""

def stream_new(config: Config, params: Sequence[Buffer], preprocessing: str) -> object:
    """A streaming classifier (an opaque capsule); ``preprocessing`` is ``"none"`` or
    ``"running-z-normalization"``."""

def stream_step(stream: object, chunk: Buffer) -> bytes:
    """Feeds ``chunk`` f4 ``[n]`` (one channel) or ``[n, D]``; f4 ``[C]`` probabilities after
    its last step."""

def stream_reset(stream: object) -> None: ...
def stream_steps(stream: object) -> int: ...
