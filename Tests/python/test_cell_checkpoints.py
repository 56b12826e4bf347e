"""GRU and RNN checkpoints and traces written by `memkd-script`, read with h5py and PyTorch.

A GRU and an RNN teacher are trained briefly by the CLI on the shipped ItalyPowerDemand; each
checkpoint loads into ``torch.nn.GRU`` / ``torch.nn.RNN`` + ``torch.nn.Linear`` with
``strict=True`` by the names docs/checkpoint-format.md gives, and reproduces the traced logits.
Files of format version 2 (before cells were recorded) still read as LSTMs; a version 3 file
without its cell, or with a cell this MemKD lacks, is refused. The torch checks are skipped when
torch is not importable.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from test_checkpoint_files import DATA, run

CELLS = {"lstm": (4, "i,f,g,o"), "gru": (3, "r,z,n"), "rnn": (1, "h")}


def teacher_args(cell: str) -> tuple[str, ...]:
    return ("--dataset", "ItalyPowerDemand", "--data-root", str(DATA), "--cell", cell,
            "--inits", "1", "--epochs", "3", "--hidden", "5", "--layers", "2", "--length", "32",
            "--quiet")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, dict[str, Path]]:
    """Per cell: a teacher checkpoint and its traces of the test split."""
    folder = tmp_path_factory.mktemp("memkd-cells")
    result = {}
    for cell in CELLS:
        teacher, traces = folder / f"{cell}-teacher.h5", folder / f"{cell}-traces.h5"
        run("train-teacher", *teacher_args(cell), "--out", str(teacher))
        run("trace", "--checkpoint", str(teacher), "--data-root", str(DATA), "--split", "test",
            "--out", str(traces))
        result[cell] = {"teacher": teacher, "traces": traces, "folder": folder}
    return result


def documented_names(cell: str, layers: int) -> list[str]:
    """docs/checkpoint-format.md: `<cell>.weight_ih_l{k}`, ..., `head.weight`, `head.bias`."""
    names = [f"{cell}.{tensor}_l{k}" for k in range(layers)
             for tensor in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    return names + ["head.weight", "head.bias"]


@pytest.mark.parametrize("cell", sorted(CELLS))
def test_the_cell_is_recorded_with_its_names_and_shapes(files, cell):
    gates, order = CELLS[cell]
    with h5py.File(files[cell]["teacher"], "r") as f:
        assert f.attrs["format_version"] == 3
        m = f["model"].attrs
        assert (m["cell"], m["gate_order"]) == (cell, order)
        h, layers = int(m["hidden_size"]), int(m["num_layers"])
        sd = f["state_dict"]
        assert sorted(sd) == sorted(documented_names(cell, layers))
        for k in range(layers):
            assert sd[f"{cell}.weight_ih_l{k}"].shape == (gates * h, 1 if k == 0 else h)
            assert sd[f"{cell}.weight_hh_l{k}"].shape == (gates * h, h)
            assert sd[f"{cell}.bias_hh_l{k}"].shape == (gates * h,)
    with h5py.File(files[cell]["traces"], "r") as f:
        assert f.attrs["format_version"] == 3 and f.attrs["cell"] == cell


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_torch_loads_the_checkpoint_strictly_and_reproduces_the_logits(files, cell):
    torch = pytest.importorskip("torch")
    module = {"gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
    with h5py.File(files[cell]["teacher"], "r") as f:
        m = f["model"].attrs
        recurrent = module(int(m["input_size"]), int(m["hidden_size"]), int(m["num_layers"]),
                           batch_first=True)
        head = torch.nn.Linear(int(m["hidden_size"]), int(m["num_classes"]))
        sd = {k: torch.from_numpy(v[()]) for k, v in f["state_dict"].items()}
    prefix = f"{cell}."
    recurrent.load_state_dict({k[len(prefix):]: v for k, v in sd.items() if k.startswith(prefix)},
                              strict=True)
    head.load_state_dict({k[5:]: v for k, v in sd.items() if k.startswith("head.")}, strict=True)
    with h5py.File(files[cell]["traces"], "r") as f:
        inputs = torch.from_numpy(f["inputs"][()])
        swift_logits = f["logits"][()]
        swift_hidden = [f["hidden"][f"layer{k}"][()] for k in range(2)]
    with torch.no_grad():
        out, _ = recurrent(inputs)
        logits = head(out[:, -1, :]).numpy()
    assert logits.shape == (1029, 2)
    np.testing.assert_allclose(logits, swift_logits, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(out.numpy(), swift_hidden[1], atol=1e-5, rtol=1e-5)


def copy_with(files, cell: str, name: str, kind: str, change) -> Path:
    path = files[cell]["folder"] / f"{name}.h5"
    shutil.copy(files[cell][kind], path)
    with h5py.File(path, "r+") as f:
        change(f)
    return path


def as_version_2(f) -> None:
    """What a version 2 writer made: no cell attribute."""
    f.attrs["format_version"] = 2
    holder = f["model"] if "model" in f else f
    del holder.attrs["cell"]


def test_a_version_2_lstm_checkpoint_and_traces_still_read(files, tmp_path):
    old = copy_with(files, "lstm", "old-teacher", "teacher", as_version_2)
    result = run("evaluate", "--checkpoint", str(old), "--data-root", str(DATA), "--json")
    assert '"count"' in result.stdout
    # Traces of the training split, made old, drive a distillation from the old teacher.
    traces = tmp_path / "train-traces.h5"
    run("trace", "--checkpoint", str(old), "--data-root", str(DATA), "--split", "train",
        "--out", str(traces))
    with h5py.File(traces, "r+") as f:
        as_version_2(f)
    run("distill", "--teacher", str(old), "--traces", str(traces), "--data-root", str(DATA),
        "--method", "memkd", "--beta", "10", "--seeds", "1", "--epochs", "1", "--cell", "gru",
        "--out-dir", str(tmp_path / "students"), "--quiet")
    (student,) = (tmp_path / "students").glob("*.h5")
    with h5py.File(student, "r") as f:
        assert f["model"].attrs["cell"] == "gru" and "gru.weight_hh_l0" in f["state_dict"]


def test_a_version_2_gru_file_reads_as_an_lstm_and_fails_on_its_names(files):
    """Version 2 knew only LSTMs: a GRU's tensors under such a header are a damaged file."""
    old = copy_with(files, "gru", "old-gru", "teacher", as_version_2)
    result = run("evaluate", "--checkpoint", str(old), "--data-root", str(DATA), check=False)
    assert result.returncode == 1, result
    assert str(old) in result.stderr and "lstm.weight_ih_l0" in result.stderr, result.stderr


BAD_CELLS = {
    "no_cell": (lambda group: group.attrs.__delitem__("cell"),
                "no 'cell' attribute (required from version 3)"),
    "unknown_cell": (lambda group: group.attrs.__setitem__("cell", "transformer"),
                     "cell 'transformer' is not one this MemKD"),
    "another_cell": (lambda group: group.attrs.__setitem__("cell", "rnn"), "rnn.weight_ih_l0"),
}


@pytest.mark.parametrize("name", sorted(BAD_CELLS))
def test_a_bad_cell_in_a_checkpoint_is_refused(files, name):
    change, expected = BAD_CELLS[name]
    path = copy_with(files, "gru", f"bad-{name}", "teacher", lambda f: change(f["model"]))
    result = run("evaluate", "--checkpoint", str(path), "--data-root", str(DATA), check=False)
    assert result.returncode == 1, result
    assert str(path) in result.stderr and expected in result.stderr, result.stderr


@pytest.mark.parametrize("name", ["no_cell", "unknown_cell"])
def test_a_bad_cell_in_traces_is_refused(files, name, tmp_path):
    change, expected = BAD_CELLS[name]
    traces = copy_with(files, "gru", f"bad-traces-{name}", "traces", change)
    result = run("distill", "--teacher", str(files["gru"]["teacher"]), "--traces", str(traces),
                 "--data-root", str(DATA), "--method", "base-kd", "--seeds", "1", "--epochs", "1",
                 "--out-dir", str(tmp_path / "s"), "--quiet", check=False)
    assert result.returncode == 1, result
    assert "root attributes: " + expected.split(" (")[0] in result.stderr, result.stderr
