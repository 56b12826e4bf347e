"""The committed Tests/Fixtures/gru_torch.json and rnn_torch.json are provably PyTorch's output.

Regenerates each fixture in memory with Tests/Fixtures/make_cell_fixtures.py (imported by path)
and checks every number of the committed JSON against it, as test_lstm_fixture_torch.py does
for the LSTM. Skipped when torch is not importable.
"""

from __future__ import annotations

import pytest

from fixture_support import (FIXTURES, assert_matches, flatten, is_float32, json_round_trip,
                             load_committed, load_generator)

torch = pytest.importorskip("torch")

GENERATOR = FIXTURES / "make_cell_fixtures.py"
CELLS = {"gru": 3, "rnn": 1}  # cell -> gate blocks
TOL = 1e-12
# provenance only: may legitimately differ between torch installs
METADATA_KEYS = {"torch_version"}


@pytest.fixture(scope="module")
def generator():
    return load_generator(GENERATOR)


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_committed_fixture_matches_torch(generator, cell):
    committed = load_committed(FIXTURES / f"{cell}_torch.json")
    # round-trip through JSON so both sides have identical Python types
    regenerated = json_round_trip(generator.build(cell))
    assert_matches(committed, regenerated, TOL, METADATA_KEYS, relative=True,
                   what=f"{cell}_torch.json (vs torch)")


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_inputs_are_float32_exact_and_shapes(cell):
    """A Float32 engine must load the inputs without rounding; every tensor has torch's shape."""
    import numpy as np

    committed = load_committed(FIXTURES / f"{cell}_torch.json")
    assert committed["cell"] == cell
    for case in committed["cases"]:
        blobs = [case["inputs"], case["hidden_projections"]] + list(case["state_dict"].values())
        for blob in blobs:
            assert all(is_float32(v) for v in flatten(blob)), case["name"]
        c = case["config"]
        B, T, D, H, L, C = (c["batch"], c["length"], c["input_size"], c["hidden_size"],
                            c["num_layers"], c["num_classes"])
        rows = CELLS[cell] * H
        expected = {"head.weight": (C, H), "head.bias": (C,)}
        for k in range(L):
            expected[f"{cell}.weight_ih_l{k}"] = (rows, D if k == 0 else H)
            expected[f"{cell}.weight_hh_l{k}"] = (rows, H)
            expected[f"{cell}.bias_ih_l{k}"] = (rows,)
            expected[f"{cell}.bias_hh_l{k}"] = (rows,)
        for key in ("state_dict", "grads"):
            assert set(case[key]) == set(expected), (case["name"], key)
            for n, shape in expected.items():
                assert np.asarray(case[key][n]).shape == shape, (case["name"], key, n)
        assert np.asarray(case["inputs"]).shape == (B, T, D)
        assert np.asarray(case["grad_inputs"]).shape == (B, T, D)
        assert np.asarray(case["logits"]).shape == (B, C)
        assert len(case["hidden"]) == L and len(case["hidden_projections"]) == L
        for k in range(L):
            assert np.asarray(case["hidden"][k]).shape == (B, T, H)
        extra = sum(float((np.asarray(r) * np.asarray(h)).sum())
                    for r, h in zip(case["hidden_projections"], case["hidden"]))
        assert abs(case["loss_ce"] + extra - case["loss_total"]) < 1e-12
