"""The committed Tests/Fixtures/lstm_torch.json is provably PyTorch's output.

Regenerates the fixture in memory with Tests/Fixtures/make_lstm_fixtures.py
(imported by path) and checks every number of the committed JSON against it.
Skipped when torch is not importable.
"""

from __future__ import annotations

import importlib.util
import json
import math
import struct
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

FIXTURES = Path(__file__).resolve().parent.parent / "Fixtures"
GENERATOR = FIXTURES / "make_lstm_fixtures.py"
FIXTURE = FIXTURES / "lstm_torch.json"
TOL = 1e-12
# provenance only: may legitimately differ between torch installs
METADATA_KEYS = {"torch_version"}


def _load_generator():
    spec = importlib.util.spec_from_file_location("memkd_make_lstm_fixtures", GENERATOR)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def committed():
    with open(FIXTURE) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def regenerated():
    # round-trip through JSON so both sides have identical Python types
    return json.loads(json.dumps(_load_generator().build()))


def _compare(a, b, path, failures):
    """Recursively compare committed `a` with regenerated `b`."""
    if len(failures) > 20:
        return
    if isinstance(a, dict):
        if not isinstance(b, dict) or set(a) != set(b):
            failures.append(f"{path}: keys differ: {sorted(a) if isinstance(a, dict) else a} "
                            f"vs {sorted(b) if isinstance(b, dict) else b}")
            return
        for k in a:
            if path == "$" and k in METADATA_KEYS:
                continue
            _compare(a[k], b[k], f"{path}.{k}", failures)
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            failures.append(f"{path}: list length/type differs")
            return
        for i, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{path}[{i}]", failures)
    elif isinstance(a, bool) or isinstance(a, str) or a is None:
        if a != b:
            failures.append(f"{path}: {a!r} != {b!r}")
    elif isinstance(a, int) and isinstance(b, int):
        if a != b:
            failures.append(f"{path}: {a} != {b}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) \
            and not isinstance(b, bool):
        if not (math.isfinite(a) and math.isfinite(b)) \
                or abs(a - b) > TOL * max(1.0, abs(b)):
            failures.append(f"{path}: committed {a!r} vs torch {b!r} (|d|={abs(a - b):.3g})")
    else:
        failures.append(f"{path}: type mismatch {type(a).__name__} vs {type(b).__name__}")


def test_committed_fixture_matches_torch(committed, regenerated):
    failures = []
    _compare(committed, regenerated, "$", failures)
    assert not failures, "lstm_torch.json differs from torch:\n" + "\n".join(failures[:20])


def _flatten(x):
    if isinstance(x, list):
        for v in x:
            yield from _flatten(v)
    else:
        yield x


def _is_f32(v: float) -> bool:
    return struct.unpack("f", struct.pack("f", v))[0] == v


def test_inputs_are_float32_exact(committed):
    """A Float32 engine must be able to load the inputs without rounding."""
    for case in committed["cases"]:
        blobs = [case["inputs"], case["hidden_projections"]] + list(case["state_dict"].values())
        for blob in blobs:
            assert all(_is_f32(v) for v in _flatten(blob)), case["name"]


def test_shapes(committed):
    import numpy as np

    for case in committed["cases"]:
        c = case["config"]
        B, T, D, H, L, C = (c["batch"], c["length"], c["input_size"], c["hidden_size"],
                            c["num_layers"], c["num_classes"])
        expected = {"head.weight": (C, H), "head.bias": (C,)}
        for k in range(L):
            expected[f"lstm.weight_ih_l{k}"] = (4 * H, D if k == 0 else H)
            expected[f"lstm.weight_hh_l{k}"] = (4 * H, H)
            expected[f"lstm.bias_ih_l{k}"] = (4 * H,)
            expected[f"lstm.bias_hh_l{k}"] = (4 * H,)
        for key in ("state_dict", "grads", "grads_ce_only"):
            assert set(case[key]) == set(expected), (case["name"], key)
            for n, shape in expected.items():
                assert np.asarray(case[key][n]).shape == shape, (case["name"], key, n)
        assert np.asarray(case["inputs"]).shape == (B, T, D)
        assert np.asarray(case["grad_inputs"]).shape == (B, T, D)
        assert np.asarray(case["grad_inputs_ce_only"]).shape == (B, T, D)
        assert np.asarray(case["labels"]).shape == (B,)
        assert all(0 <= v < C for v in case["labels"])
        assert np.asarray(case["logits"]).shape == (B, C)
        assert len(case["hidden"]) == L and len(case["hidden_projections"]) == L
        for k in range(L):
            assert np.asarray(case["hidden"][k]).shape == (B, T, H)
            assert np.asarray(case["hidden_projections"][k]).shape == (B, T, H)
        # loss_total = loss_ce + sum_k sum(R_k * H_k)
        extra = sum(float((np.asarray(r) * np.asarray(h)).sum())
                    for r, h in zip(case["hidden_projections"], case["hidden"]))
        assert abs(case["loss_ce"] + extra - case["loss_total"]) < 1e-12
