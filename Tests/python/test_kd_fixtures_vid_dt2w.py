"""The committed Tests/Fixtures/kd_vid_dt2w.json is what make_kd_vid_dt2w.py computes.

Regenerates the fixture in memory with Tests/Fixtures/make_kd_vid_dt2w.py (imported by path:
numpy loss values, torch autograd gradients) and checks every number of the committed JSON
against it to 1e-12. Skipped when torch is not importable.
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
GENERATOR = FIXTURES / "make_kd_vid_dt2w.py"
FIXTURE = FIXTURES / "kd_vid_dt2w.json"
TOL = 1e-12
# provenance only: may legitimately differ between torch installs
METADATA_KEYS = {"torch_version"}


def _load_generator():
    spec = importlib.util.spec_from_file_location("memkd_make_kd_vid_dt2w", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def committed():
    with open(FIXTURE) as f:
        return json.load(f)


@pytest.fixture(scope="module")
def regenerated():
    # round-trip through JSON so both sides have identical Python types
    return json.loads(json.dumps(_load_generator().build()))


def _compare(a, b, path, failures):
    if len(failures) > 20:
        return
    if isinstance(a, dict):
        if not isinstance(b, dict) or set(a) != set(b):
            failures.append(f"{path}: keys differ")
            return
        for key in a:
            if path == "$" and key in METADATA_KEYS:
                continue
            _compare(a[key], b[key], f"{path}.{key}", failures)
    elif isinstance(a, list):
        if not isinstance(b, list) or len(a) != len(b):
            failures.append(f"{path}: list length/type differs")
            return
        for index, (x, y) in enumerate(zip(a, b)):
            _compare(x, y, f"{path}[{index}]", failures)
    elif isinstance(a, bool) or isinstance(a, str) or a is None:
        if a != b:
            failures.append(f"{path}: {a!r} != {b!r}")
    elif isinstance(a, int) and isinstance(b, int) and not isinstance(b, bool):
        if a != b:
            failures.append(f"{path}: {a} != {b}")
    elif isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(b, bool):
        if not (math.isfinite(a) and math.isfinite(b)) or abs(a - b) > TOL * max(1.0, abs(b)):
            failures.append(f"{path}: committed {a!r} vs regenerated {b!r}")
    else:
        failures.append(f"{path}: type mismatch {type(a).__name__} vs {type(b).__name__}")


def test_committed_fixture_matches_regenerated(committed, regenerated):
    failures = []
    _compare(committed, regenerated, "$", failures)
    assert not failures, "kd_vid_dt2w.json differs:\n" + "\n".join(failures[:20])


def _flatten(x):
    if isinstance(x, list):
        for v in x:
            yield from _flatten(v)
    else:
        yield x


def test_inputs_are_float32_exact(committed):
    """A Float engine loads the inputs without rounding."""
    for group in ("vid", "dt2w"):
        for case in committed[group]["cases"]:
            for blob in (case["student_hidden"], case["teacher_hidden"], case["parameters"]):
                for v in _flatten(blob):
                    assert struct.unpack("f", struct.pack("f", v))[0] == v, case["name"]


def test_shapes(committed):
    import numpy as np

    for group in ("vid", "dt2w"):
        for case in committed[group]["cases"]:
            b, t = case["batch"], case["length"]
            hs, ht = case["student_hidden_size"], case["teacher_hidden_size"]
            assert np.asarray(case["student_hidden"]).shape == (b, t, hs)
            assert np.asarray(case["grad_student_hidden"]).shape == (b, t, hs)
            for layer in case["teacher_hidden"]:
                assert np.asarray(layer).shape == (b, t, ht)
            if group == "vid":
                expected = [(ht, hs), (ht, ht), (ht, ht), (ht,)]
            else:
                expected = [(ht, hs), (ht,)]
                assert len(case["sample_values"]) == b
                assert abs(float(np.mean(case["sample_values"])) - case["loss"]) < 1e-12
            for key in ("parameters", "grad_parameters"):
                assert [np.asarray(p).shape for p in case[key]] == expected, (case["name"], key)


def test_soft_dtw_hand_values(committed):
    """-log(1 + 2/e) for identical [0, 1]; the DTW example approaches 1 from below."""
    cases = committed["soft_dtw"]["cases"]
    identical = [c for c in cases if c["name"] == "identical-0-1"][0]
    assert abs(identical["value"] + math.log(1 + 2 / math.e)) < 1e-15
    limit = sorted((c for c in cases if c["name"] == "dtw-0-1-2"), key=lambda c: -c["gamma"])
    assert all(c["dtw"] == 1.0 for c in limit)
    gaps = [c["dtw"] - c["value"] for c in limit]
    assert all(g > 0 for g in gaps) and gaps == sorted(gaps, reverse=True)
