"""The committed Tests/Fixtures/lstm_torch.json is provably PyTorch's output.

Regenerates the fixture in memory with Tests/Fixtures/make_lstm_fixtures.py
(imported by path) and checks every number of the committed JSON against it.
Skipped when torch is not importable.
"""

from __future__ import annotations

import pytest

from fixture_support import (FIXTURES, assert_matches, flatten, is_float32, json_round_trip,
                             load_committed, load_generator)

torch = pytest.importorskip("torch")

GENERATOR = FIXTURES / "make_lstm_fixtures.py"
FIXTURE = FIXTURES / "lstm_torch.json"
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


def test_committed_fixture_matches_torch(committed, regenerated):
    assert_matches(committed, regenerated, TOL, METADATA_KEYS, relative=True,
                   what="lstm_torch.json (vs torch)")


def test_inputs_are_float32_exact(committed):
    """A Float32 engine must be able to load the inputs without rounding."""
    for case in committed["cases"]:
        blobs = [case["inputs"], case["hidden_projections"]] + list(case["state_dict"].values())
        for blob in blobs:
            assert all(is_float32(v) for v in flatten(blob)), case["name"]


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
