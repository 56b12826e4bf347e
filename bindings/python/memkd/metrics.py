"""Classification metrics of ``memkd-script`` (scikit-learn's definitions, computed by the Swift
core so Python and the CLI agree to the last bit).

All functions take ``probabilities`` ``[N, C]`` (class scores, e.g. ``predict_proba``'s
softmax output; converted to float64) and ``y`` ``[N]`` class indices in ``0 .. C-1``.
AUC-ROC and AUC-PRC are macro averages of the one-vs-rest curves over the classes that have
positives in ``y`` (classes without positives are skipped, as the CLI does); AUC-PRC is
scikit-learn's ``average_precision_score``.
"""

from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from . import _arrays, _memkd

__all__ = ["accuracy", "auc_roc", "auc_prc", "classification_metrics"]


def _all(probabilities, y) -> Tuple[float, float, float]:
    scores = _arrays.float_array(probabilities, "probabilities", (2,),
                                 what="a real-valued [N, C] array of class scores",
                                 dtype=np.float64)
    classes = scores.shape[1]
    if classes < 2:
        raise ValueError(f"probabilities: expected at least 2 classes (columns), got shape "
                         f"{scores.shape}")
    labels = _arrays.labels(y, "y", scores.shape[0], classes)
    accuracy, roc, prc = _memkd.metrics(scores, labels, classes)
    return float(accuracy), float(roc), float(prc)


def accuracy(probabilities, y) -> float:
    """Fraction of rows whose highest score is the true class."""
    return _all(probabilities, y)[0]


def auc_roc(probabilities, y) -> float:
    """Macro one-vs-rest area under the ROC curve."""
    return _all(probabilities, y)[1]


def auc_prc(probabilities, y) -> float:
    """Macro one-vs-rest average precision (area under the precision-recall curve)."""
    return _all(probabilities, y)[2]


def classification_metrics(probabilities, y) -> Dict[str, float]:
    """``{"accuracy", "auc_roc", "auc_prc"}`` in one pass."""
    acc, roc, prc = _all(probabilities, y)
    return {"accuracy": acc, "auc_roc": roc, "auc_prc": prc}
