"""Shared helpers of the memkd package tests: paths, the CLI, the numpy reference of MemKD.

Imported as `memkd_testing` (bindings/python/tests/conftest.py puts this folder on sys.path).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Sequence

import numpy as np
import pytest

import memkd

PACKAGE_ROOT = Path(memkd.__file__).resolve().parent.parent
"""The folder holding this checkout's ``memkd`` package."""
# The environment of every child interpreter: this checkout's package, one BLAS thread.
CHILD_ENV = {"PYTHONPATH": str(PACKAGE_ROOT), "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}

# $MEMKD_REPO: the repository, when the tests run from a copy of bindings/python.
REPO = Path(os.environ.get("MEMKD_REPO") or Path(__file__).resolve().parents[3])
DATA = REPO / "data"
DATASET = "ItalyPowerDemand"


def script_path() -> Path:
    """The `memkd-script` the tests compare against: $MEMKD_SCRIPT, else the debug build that
    `make python-test` produces."""
    return Path(os.environ.get("MEMKD_SCRIPT") or REPO / ".build" / "debug" / "memkd-script")


def require_script() -> str:
    path = script_path()
    if not path.exists():
        pytest.skip(f"{path} is missing: build it with `swift build --product memkd-script` "
                    "(`make python-test` does) or set MEMKD_SCRIPT")
    return str(path)


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([require_script(), *map(str, args)], capture_output=True, text=True,
                            env=env, cwd=cwd, timeout=600)
    if result.returncode != 0:
        raise AssertionError(f"memkd-script {' '.join(map(str, args))} failed "
                             f"({result.returncode}):\n{result.stderr}")
    return result


def run_cli_json(*args: str, cwd: Path | None = None):
    return json.loads(run_cli(*args, "--json", cwd=cwd).stdout)


# MARK: - MemKD in numpy, written from METHODS.md and the MemKDLoss documentation

FLOOR = 1e-8


def set_values(dataset, index, value) -> None:
    """Writes `value` at `index` of an h5py dataset and refreshes its `sha256` attribute, as a
    writer that produced such values would have (MemKD checks every dataset's digest on load,
    so an edit without the refresh is refused as damage before any other check runs)."""
    import hashlib
    dataset[index] = value
    dataset.attrs["sha256"] = hashlib.sha256(dataset[()].tobytes()).hexdigest()


def smooth_l1(a: np.ndarray, b: np.ndarray) -> tuple[float, np.ndarray]:
    """PyTorch's smooth_l1_loss (beta 1, mean): value and d/da."""
    d = a - b
    value = np.where(np.abs(d) < 1, 0.5 * d * d, np.abs(d) - 0.5).mean()
    return float(value), np.clip(d, -1.0, 1.0) / d.size


def _pair_distances(H: np.ndarray, pairs: np.ndarray):
    early, late = H[:, pairs[:, 0], :], H[:, pairs[:, 1], :]
    D = late - early                                   # [B, P, d]
    return D, np.linalg.norm(D, axis=2), np.linalg.norm(early, axis=2)


def _normaliser(delta: np.ndarray, early_norm: np.ndarray, normalization: str):
    """mu [B, P] and whether each entry is clamped (a clamped mu is a constant)."""
    if normalization == "per-sample-mean":
        raw = np.broadcast_to(delta.mean(axis=1, keepdims=True), delta.shape)
    elif normalization == "batch-mean":
        raw = np.full(delta.shape, delta.mean())
    elif normalization == "step-norm":
        raw = early_norm
    elif normalization == "none":
        return np.ones_like(delta), np.ones(delta.shape, dtype=bool)
    else:
        raise ValueError(normalization)
    return np.maximum(raw, FLOOR), raw <= FLOOR


def memkd_term(teacher: np.ndarray, student: np.ndarray, pairs: np.ndarray, normalization: str
               ) -> tuple[float, np.ndarray]:
    """smoothL1(phi_s, phi_t) over one pair set and its gradient w.r.t. `student` [B, T, Hs]."""
    _, delta_t, early_t = _pair_distances(teacher, pairs)
    mu_t, _ = _normaliser(delta_t, early_t, normalization)
    D, delta, early = _pair_distances(student, pairs)
    mu, clamped = _normaliser(delta, early, normalization)
    value, g = smooth_l1(delta / mu, delta_t / mu_t)    # g = dL/dphi_s [B, P]

    # phi = delta / mu(delta): dL/ddelta = g / mu - (mean-type mu only) sum(g delta) / (mu^2 n)
    d_delta = g / mu
    B, P = delta.shape
    if normalization == "per-sample-mean":
        correction = (g * delta).sum(axis=1, keepdims=True) / (mu[:, :1] ** 2 * P)
        d_delta = d_delta - np.where(clamped[:, :1], 0.0, correction)
    elif normalization == "batch-mean":
        if not clamped.flat[0]:
            d_delta = d_delta - (g * delta).sum() / (mu.flat[0] ** 2 * B * P)
    grad = np.zeros_like(student)
    with np.errstate(invalid="ignore", divide="ignore"):
        unit = np.where(delta[..., None] > 0, D / delta[..., None], 0.0)   # d delta / d H[t2]
    contribution = d_delta[..., None] * unit
    for p, (t1, t2) in enumerate(pairs):
        grad[:, t2, :] += contribution[:, p, :]
        grad[:, t1, :] -= contribution[:, p, :]
        if normalization == "step-norm":
            # phi = delta / ||H[t1]||: d phi / d H[t1] += -delta H[t1] / ||H[t1]||^3 (unclamped)
            h = student[:, t1, :]
            scale = np.where(clamped[:, p], 0.0, -g[:, p] * delta[:, p] / mu[:, p] ** 3)
            grad[:, t1, :] += scale[:, None] * h
    return value, grad


def memkd_reference(teacher_h, student_h, long_pairs: Sequence[tuple[int, int]], *,
                    terms: str = "both", normalization: str = "per-sample-mean",
                    short_weight: float = 1.0, long_weight: float = 1.0
                    ) -> tuple[float, np.ndarray]:
    """MemKD value and d/d student_h in float64, with the given long pairs."""
    teacher = np.asarray(teacher_h, dtype=np.float64)
    student = np.asarray(student_h, dtype=np.float64)
    T = student.shape[1]
    value, grad = 0.0, np.zeros_like(student)
    sets = []
    if terms != "long" and T >= 2:
        sets.append((np.array([(t, t + 1) for t in range(T - 1)]), short_weight))
    if terms != "short" and len(long_pairs) > 0:
        sets.append((np.array(long_pairs), long_weight))
    for pairs, weight in sets:
        v, g = memkd_term(teacher, student, pairs, normalization)
        value += weight * v
        grad += weight * g
    return value, grad
