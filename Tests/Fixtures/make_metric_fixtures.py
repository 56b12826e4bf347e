#!/usr/bin/env python3
"""Generate Tests/Fixtures/metrics.json: reference values for MemKDCore's Metrics layer.

Why: the Swift metrics must equal scikit-learn's definitions exactly (PROTOCOL.md, "Metrics"),
including ties in scores. This script computes the expected values with scikit-learn (per class,
one-vs-rest) and scipy's rankdata, and the Swift tests compare to them to 1e-12.
Tests/python/test_metric_fixtures.py re-runs `build_fixtures()` and checks the committed JSON, so
the fixture cannot silently drift from scikit-learn.

Usage:  python Tests/Fixtures/make_metric_fixtures.py      (rewrites metrics.json next to it)

JSON layout (all scores are fractions, never percent):
  classification[]: name, classCount, labels [n], probabilities [n][classCount] (row-major rows),
      accuracy, rocAUC [classCount] and averagePrecision [classCount] (null = undefined),
      macroROCAUC / macroAveragePrecision (null = every class skipped, i.e. NaN in Swift),
      skippedROC / skippedAP (class indices, ascending).
  ranks[]: name, scores [dataset][method] (higher is better), ranks [dataset][method],
      averageRanks [method].
  winTieLoss[]: name, scores [dataset][method], a, b, wins, ties, losses.

Conventions that deliberately differ from calling scikit-learn's multiclass entry points:
  * Per-class values are computed with the binary `roc_auc_score` / `average_precision_score` on
    (labels == c, probabilities[:, c]). A class with no positives (or, for ROC, no negatives) is
    undefined (null) and skipped from the macro mean. scikit-learn itself would raise for ROC and
    return 0.0 for AP in that case, and its multiclass AP refuses a y_score column whose class is
    absent from y_true.
  * Binary datasets are macro-averaged over both classes (scikit-learn's binary AP scores only
    the positive class).
  * Win/tie/loss rounds score * 10000 half away from zero (C `round`, Swift `.rounded()`), not
    Python's half-to-even `round`; the "half" case below pins that rule.
"""

import json
import math
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy.stats import rankdata
from sklearn.metrics import accuracy_score, average_precision_score, roc_auc_score

SEED = 20240607
FIXTURE_NAME = "metrics.json"


def _softmax(logits):
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=1, keepdims=True)


def _informative_probabilities(rng, labels, class_count, signal):
    """Softmax of Gaussian logits with `signal` added to the true class: a plausible classifier."""
    logits = rng.normal(size=(len(labels), class_count))
    logits[np.arange(len(labels)), labels] += signal
    return _softmax(logits)


def _classification_case(name, probabilities, labels, class_count):
    probabilities = np.asarray(probabilities, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    assert probabilities.shape == (len(labels), class_count)
    roc, ap = [], []
    for c in range(class_count):
        positives = labels == c
        scores = probabilities[:, c]
        has_pos, has_neg = bool(positives.any()), bool((~positives).any())
        roc.append(float(roc_auc_score(positives, scores)) if has_pos and has_neg else None)
        ap.append(float(average_precision_score(positives, scores)) if has_pos else None)

    def macro(values):
        defined = [v for v in values if v is not None]
        return float(np.mean(defined)) if defined else None

    return {
        "name": name,
        "classCount": class_count,
        "labels": [int(v) for v in labels],
        "probabilities": [[float(v) for v in row] for row in probabilities],
        "accuracy": float(accuracy_score(labels, probabilities.argmax(axis=1))),
        "rocAUC": roc,
        "averagePrecision": ap,
        "macroROCAUC": macro(roc),
        "macroAveragePrecision": macro(ap),
        "skippedROC": [c for c, v in enumerate(roc) if v is None],
        "skippedAP": [c for c, v in enumerate(ap) if v is None],
    }


def _classification_cases(rng):
    cases = []

    def add(name, probabilities, labels, class_count):
        cases.append(_classification_case(name, probabilities, labels, class_count))

    for name, class_count, n, signal in [
        ("binary", 2, 40, 1.0),
        ("multiclass3", 3, 60, 1.2),
        ("multiclass5", 5, 100, 1.0),
        ("multiclass14", 14, 120, 1.5),
    ]:
        labels = rng.integers(0, class_count, size=n)
        add(name, _informative_probabilities(rng, labels, class_count, signal), labels, class_count)

    # 42 classes, few samples (NonInvasiveFetalECG-like): several classes absent by chance.
    labels = rng.integers(0, 42, size=60)
    add("multiclass42Sparse", _informative_probabilities(rng, labels, 42, 2.5), labels, 42)

    # Heavy ties: probabilities rounded to one decimal, so every threshold groups many samples.
    for name, class_count, n in [("heavyTiesBinary", 2, 50), ("heavyTies5", 5, 80)]:
        labels = rng.integers(0, class_count, size=n)
        p = _informative_probabilities(rng, labels, class_count, 1.0)
        add(name, np.round(p, 1), labels, class_count)

    # All-equal scores: ROC 0.5, AP = prevalence, argmax ties go to class 0.
    labels = np.array([0, 1, 2, 1, 1, 0, 2, 2, 2, 0, 1, 2])
    add("allEqual", np.full((len(labels), 3), 1.0 / 3.0), labels, 3)

    # Perfect classifier: every positive of a class outranks every negative in its column.
    labels = rng.integers(0, 4, size=30)
    p = rng.uniform(0.0, 0.2, size=(30, 4))
    p[np.arange(30), labels] = rng.uniform(0.5, 1.0, size=30)
    add("perfect", p, labels, 4)

    # Inverted classifier: the true class gets the lowest score of its column; accuracy 0.
    labels = rng.integers(0, 3, size=24)
    p = np.full((24, 3), 0.45)
    p[np.arange(24), labels] = 0.1
    add("inverted", p, labels, 3)

    # A class absent from the labels: skipped from both macro averages.
    labels = rng.choice([0, 1, 2, 4], size=50)
    add("absentClass", _informative_probabilities(rng, labels, 5, 1.0), labels, 5)

    # Only one class present: ROC undefined for both classes (macro NaN), AP defined for class 0.
    add("singleClassPresent", [[0.7, 0.3], [0.4, 0.6], [0.9, 0.1]], [0, 0, 0], 2)

    # Tiny n.
    add("tinyTwo", [[0.6, 0.4], [0.3, 0.7]], [0, 1], 2)
    add("tinyThreeTied", [[0.5, 0.5], [0.5, 0.5], [0.2, 0.8]], [0, 1, 1], 2)
    add("tinyThreeClasses", [[0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.6, 0.3, 0.1]], [1, 0, 2], 3)
    return cases


# The paper's Table II (test AUC-PRC, %): teacher then ten students, one row per dataset.
TABLE_II = [
    [91.72, 77.15, 79.07, 80.58, 79.31, 78.34, 78.99, 77.51, 81.96, 81.35, 85.88],
    [87.91, 70.68, 73.06, 71.13, 89.09, 90.05, 91.53, 92.08, 87.10, 59.54, 90.48],
    [65.79, 37.50, 45.75, 46.36, 49.21, 41.93, 43.30, 39.94, 37.67, 43.66, 45.07],
    [98.21, 94.22, 98.63, 97.68, 97.55, 98.37, 99.07, 98.78, 97.23, 97.94, 98.66],
    [73.04, 57.97, 67.41, 66.06, 70.61, 68.36, 67.78, 69.33, 60.10, 52.12, 74.01],
    [54.39, 64.76, 69.25, 68.21, 61.61, 72.71, 72.94, 72.48, 74.11, 53.14, 78.76],
    [71.04, 29.82, 35.34, 44.46, 35.11, 30.27, 30.98, 31.98, 35.97, 33.55, 40.69],
    [89.65, 70.75, 71.47, 72.95, 76.39, 70.87, 72.94, 71.11, 71.72, 73.14, 77.37],
    [82.77, 46.22, 54.38, 59.82, 58.21, 52.68, 54.60, 57.88, 56.08, 55.92, 62.26],
    [80.75, 82.74, 81.87, 81.39, 82.58, 83.02, 83.53, 82.76, 78.16, 84.21, 84.13],
    [82.29, 58.08, 57.92, 56.96, 64.21, 61.02, 58.40, 55.09, 65.40, 55.01, 69.18],
    [86.70, 71.20, 74.50, 66.69, 73.26, 73.25, 73.51, 73.41, 71.13, 72.64, 77.47],
]


def _table_ii_fractions(with_teacher):
    return [[v / 100.0 for v in (row if with_teacher else row[1:])] for row in TABLE_II]


def _rank_case(name, scores):
    scores = np.asarray(scores, dtype=np.float64)
    ranks = np.array([rankdata(-row, method="average") for row in scores], dtype=np.float64)
    return {
        "name": name,
        "scores": [[float(v) for v in row] for row in scores],
        "ranks": [[float(v) for v in row] for row in ranks],
        "averageRanks": [float(v) for v in ranks.mean(axis=0)],
    }


def _rank_cases(rng):
    return [
        _rank_case("tableIIStudents", _table_ii_fractions(with_teacher=False)),
        _rank_case("tableIIWithTeacher", _table_ii_fractions(with_teacher=True)),
        _rank_case("handTies", [[0.9, 0.8, 0.8, 0.7], [0.5, 0.5, 0.5, 0.5], [0.1, 0.3, 0.2, 0.3]]),
        _rank_case("randomTies", rng.integers(0, 4, size=(6, 5)) / 4.0),
        _rank_case("singleDataset", [[0.25, 0.75, 0.5]]),
    ]


def _round_half_away(x):
    """C `round`: nearest integer, halves away from zero.

    `y - floor(y)` is exact for binary floats, unlike `floor(y + 0.5)`, which rounds
    0.49999999999999994 up to 1.
    """
    y = abs(x)
    r = math.floor(y)
    if y - r >= 0.5:
        r += 1
    return math.copysign(r, x)


def _win_tie_loss_case(name, scores, a, b):
    wins = ties = losses = 0
    for row in scores:
        ra, rb = _round_half_away(row[a] * 10000.0), _round_half_away(row[b] * 10000.0)
        if ra == rb:
            ties += 1
        elif ra > rb:
            wins += 1
        else:
            losses += 1
    return {"name": name, "scores": [[float(v) for v in row] for row in scores],
            "a": a, "b": b, "wins": wins, "ties": ties, "losses": losses}


def _win_tie_loss_cases():
    students = _table_ii_fractions(with_teacher=False)
    # 0.85885 * 10000 == 8588.5 exactly: half away from zero gives 8589 (a tie with 0.85886);
    # Python's round would give 8588 (a loss). 0.85881 vs 0.85879 tie; 0.85884 vs 0.85886 do not.
    near = [[0.85885, 0.85886], [0.85881, 0.85879], [0.85884, 0.85886], [0.5, 0.4], [0.3, 0.3]]
    return [
        _win_tie_loss_case("tableIIMemKDvsBase", students, 9, 0),
        _win_tie_loss_case("tableIIMemKDvsBaseKD", students, 9, 1),
        _win_tie_loss_case("tableIIMemKDvsDKD", students, 9, 2),
        _win_tie_loss_case("tableIIBasevsMemKD", students, 0, 9),
        _win_tie_loss_case("roundingEdges", near, 0, 1),
        _win_tie_loss_case("roundingEdgesReversed", near, 1, 0),
        _win_tie_loss_case("selfComparison", near, 0, 0),
    ]


def build_fixtures():
    """The whole fixture as a JSON-ready dict (deterministic: fixed numpy seed)."""
    rng = np.random.default_rng(SEED)
    return {
        "provenance": {
            "generator": "Tests/Fixtures/make_metric_fixtures.py",
            "seed": SEED,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "sklearn": sklearn.__version__,
        },
        "classification": _classification_cases(rng),
        "ranks": _rank_cases(rng),
        "winTieLoss": _win_tie_loss_cases(),
    }


def fixture_path():
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), FIXTURE_NAME)


def main():
    # allow_nan=False: undefined values are null, never NaN (which is not JSON).
    text = json.dumps(build_fixtures(), indent=1, allow_nan=False) + "\n"
    with open(fixture_path(), "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote {fixture_path()} ({len(text)} bytes)", file=sys.stderr)


if __name__ == "__main__":
    main()
