"""Keeps Tests/Fixtures/kd_feature.json in sync with PyTorch.

Why: the Swift tests of the feature-based distillation losses (AT, RKD, NST, FitNet;
Tests/MemKDCoreTests/KDFeatureFixtureTests.swift) trust the committed JSON. This test re-runs the
generator (Tests/Fixtures/make_kd_feature.py, imported by path) in memory and requires every
committed number to equal the fresh PyTorch value to 1e-12, so neither a hand edit of the JSON nor
a change of the reference formulas can go unnoticed. Regenerate with
`python Tests/Fixtures/make_kd_feature.py` after an intended change.

Run: .venv/bin/python -m pytest Tests/python/test_kd_fixtures_feature.py
"""

import pytest

from fixture_support import (FIXTURES, assert_matches, json_round_trip, load_committed,
                             load_generator)

torch = pytest.importorskip("torch")

TOLERANCE = 1e-12

generator = load_generator(FIXTURES / "make_kd_feature.py", "make_kd_feature")


@pytest.fixture(scope="module")
def committed():
    return load_committed(FIXTURES / "kd_feature.json")


@pytest.fixture(scope="module")
def fresh():
    # Round-trip through JSON so both sides have the same Python types.
    return json_round_trip(generator.build())


def test_committed_fixture_matches_fresh_torch_values(committed, fresh):
    # Library versions are provenance only: values must agree whatever the versions are.
    assert_matches(committed, fresh, TOLERANCE, {"provenance"}, what="kd_feature.json")
    assert committed["provenance"]["seed"] == fresh["provenance"]["seed"]


def test_fixture_covers_every_loss_and_option(committed):
    cases = committed["cases"]
    assert {case["loss"] for case in cases} == {"at", "rkd", "nst", "fitnet"}
    assert any(c["loss"] == "rkd" and c["angleWeight"] == 0 for c in cases)
    assert any(c["loss"] == "rkd" and c["distanceWeight"] == 0 for c in cases)
    assert any(c["loss"] == "nst" and c["includeTeacherKernel"] is False for c in cases)
    assert any(c["loss"] == "fitnet" and len(c["teacherHidden"]) == 1 for c in cases)
    for case in cases:
        b, t = case["batch"], case["length"]
        hs, ht = case["studentHiddenSize"], case["teacherHiddenSize"]
        assert len(case["studentHidden"]) == len(case["studentHiddenGradient"]) == b * t * hs
        assert all(len(layer) == b * t * ht for layer in case["teacherHidden"])
        assert [len(p) for p in case["parameters"]] == [len(g) for g in case["parameterGradients"]]
        if case["loss"] == "fitnet":
            assert [len(p) for p in case["parameters"]] == [ht * hs, ht]


def test_reference_properties():
    """The reference formulas themselves: zero for equal sequences (AT, NST), scale invariance
    (AT, RKD), an exact regressor (FitNet)."""
    rng = torch.Generator().manual_seed(3)
    h = torch.rand(3, 6, 4, generator=rng, dtype=torch.float64) * 2 - 1
    other = torch.rand(3, 6, 4, generator=rng, dtype=torch.float64) * 2 - 1
    assert generator.at_loss(h, [other, h]).item() == 0
    assert abs(generator.nst_loss(h, [other, h]).item()) < 1e-15
    at = generator.at_loss(h, [other])
    assert abs(generator.at_loss(3 * h, [0.2 * other]).item() - at.item()) < 1e-15
    rkd = generator.rkd_loss(h, [other])
    assert abs(generator.rkd_loss(3 * h, [0.2 * other]).item() - rkd.item()) < 1e-12
    weight = torch.rand(5, 4, generator=rng, dtype=torch.float64)
    bias = torch.rand(5, generator=rng, dtype=torch.float64)
    mapped = torch.nn.functional.linear(h, weight, bias)
    assert generator.fitnet_loss(h, [other, mapped, other], weight, bias).item() < 1e-30
