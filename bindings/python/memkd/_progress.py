"""Per-epoch progress of ``fit`` and ``distill``: the user's callback, a progress bar in an
interactive session or notebook (tqdm, the bar Jupyter users already see from their other
tools), or one line per epoch for logs."""

from __future__ import annotations

import sys
from typing import Any, Callable, NamedTuple, Optional

import numpy as np


class EpochInfo(NamedTuple):
    """What a progress callback receives after every epoch."""

    epoch: int
    """1-based epoch just finished."""
    max_epochs: int
    train_loss: float
    """Mean training objective of the epoch (CE, plus beta times the distillation loss)."""
    val_loss: float
    """Cross-entropy on the validation set (the early-stopping criterion)."""
    val_auc_prc: float
    """Macro AUC-PRC on the validation set, in [0, 1]."""
    lr: float
    """Adam's learning rate used in the epoch."""


Callback = Callable[[EpochInfo], Any]


def interactive() -> bool:
    """Whether a person is watching: a Jupyter / IPython kernel, or standard error on a
    terminal (not a pipe, a file or a test's capture)."""
    shell = sys.modules.get("IPython")
    if shell is not None:
        try:
            if shell.get_ipython() is not None:
                return True
        except Exception:   # pragma: no cover - a broken IPython install is not our failure
            pass
    try:
        return bool(sys.stderr.isatty())
    except (AttributeError, ValueError):
        return False


def check_verbose(verbose: Any) -> Optional[bool]:
    if verbose is not None and not isinstance(verbose, (bool, np.bool_)):
        raise TypeError(f"verbose: expected None, True or False, got {type(verbose).__name__}")
    return None if verbose is None else bool(verbose)


def _bar_class() -> Any:
    """tqdm's notebook bar in a Jupyter kernel with ipywidgets, its text bar otherwise (without
    ipywidgets ``tqdm.auto`` warns and falls back to text anyway); None without tqdm."""
    try:
        from tqdm import std
    except ImportError:
        return None
    if "ipykernel" in sys.modules:
        try:
            import ipywidgets  # noqa: F401
            from tqdm.notebook import tqdm as notebook_bar
            return notebook_bar
        except ImportError:
            pass
    return std.tqdm


class Progress:
    """The callable the extension calls after every epoch (``report``), and ``close`` when the
    call returns.

    ``verbose``: None (default) shows a tqdm bar when ``interactive()`` and is silent otherwise;
    True prints one line per epoch to standard error (logs); False is silent. ``callback`` is
    called with an ``EpochInfo`` in every case.
    """

    def __init__(self, callback: Optional[Callback], verbose: Any, description: str = ""):
        if callback is not None and not callable(callback):
            raise TypeError(f"callback: expected a callable or None, got "
                            f"{type(callback).__name__}")
        verbose = check_verbose(verbose)
        self.callback = callback
        self.lines = verbose is True
        self.wants_bar = verbose is None and interactive()
        self.description = description
        self.bar: Any = None
        self.best: Optional[EpochInfo] = None

    @property
    def report(self) -> Optional[Callable[..., Any]]:
        """What the extension takes: None when nothing listens (no GIL round trips)."""
        if self.callback is None and not self.lines and not self.wants_bar:
            return None
        return self._report

    def _report(self, epoch, max_epochs, train_loss, val_loss, val_auc_prc, lr) -> None:
        info = EpochInfo(int(epoch), int(max_epochs), float(train_loss), float(val_loss),
                         float(val_auc_prc), float(lr))
        if self.lines:
            width = len(str(info.max_epochs))
            print(f"epoch {info.epoch:>{width}}/{info.max_epochs}  "
                  f"train loss {info.train_loss:.4f}  val loss {info.val_loss:.4f}  "
                  f"val AUC-PRC {100 * info.val_auc_prc:6.2f}  lr {info.lr:.3g}",
                  file=sys.stderr, flush=True)
        if self.wants_bar:
            self._advance(info)
        if self.callback is not None:
            self.callback(info)

    def _advance(self, info: EpochInfo) -> None:
        if self.bar is None:
            bar = _bar_class()
            if bar is None:         # no tqdm: a line per epoch instead
                self.wants_bar, self.lines = False, True
                return self._report(*info)
            self.bar = bar(total=info.max_epochs, unit="epoch",
                           desc=self.description.strip() or None, leave=True)
        if self.best is None or info.val_loss < self.best.val_loss:
            self.best = info        # the epoch whose weights the model keeps (so far)
        self.bar.update(info.epoch - self.bar.n)
        self.bar.set_postfix(val_loss=f"{info.val_loss:.4f}",
                             best=f"epoch {self.best.epoch}, val loss {self.best.val_loss:.4f}, "
                                  f"AUC-PRC {100 * self.best.val_auc_prc:.2f}", refresh=False)

    def close(self) -> None:
        """Ends the bar (early stopping or an interruption end it before ``max_epochs``)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None
