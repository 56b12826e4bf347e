"""The committed Tests/Fixtures/kd_vid_dt2w.json is what make_kd_vid_dt2w.py computes.

Regenerates the fixture in memory with Tests/Fixtures/make_kd_vid_dt2w.py (imported by path:
numpy loss values, torch autograd gradients) and checks every number of the committed JSON
against it to 1e-12. Skipped when torch is not importable.
"""

from __future__ import annotations

import math

import pytest

from fixture_support import (FIXTURES, assert_matches, flatten, is_float32, json_round_trip,
                             load_committed, load_generator)

torch = pytest.importorskip("torch")

GENERATOR = FIXTURES / "make_kd_vid_dt2w.py"
FIXTURE = FIXTURES / "kd_vid_dt2w.json"
TOL = 1e-12
# provenance only: may legitimately differ between torch installs
METADATA_KEYS = {"torch_version"}


@pytest.fixture(scope="module")
def committed():
    return load_committed(FIXTURE)


@pytest.fixture(scope="module")
def regenerated():
    # round-trip through JSON so both sides have identical Python types
    return json_round_trip(load_generator(GENERATOR).build())


def test_committed_fixture_matches_regenerated(committed, regenerated):
    assert_matches(committed, regenerated, TOL, METADATA_KEYS, relative=True,
                   what="kd_vid_dt2w.json")


def test_inputs_are_float32_exact(committed):
    """A Float engine loads the inputs without rounding."""
    for group in ("vid", "dt2w"):
        for case in committed[group]["cases"]:
            for blob in (case["student_hidden"], case["teacher_hidden"], case["parameters"]):
                for v in flatten(blob):
                    assert is_float32(v), case["name"]


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
