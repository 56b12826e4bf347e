"""Checkpoints and traces written by the Swift code, read with h5py alone (and torch if present).

The files come from the built `memkd-script` (debug build from `make test`, or $MEMKD_SCRIPT),
trained briefly on the shipped ItalyPowerDemand data.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"


def script() -> str:
    path = os.environ.get("MEMKD_SCRIPT") or str(REPO / ".build" / "debug" / "memkd-script")
    if not Path(path).exists():
        pytest.fail(f"{path} is missing: run `swift build --product memkd-script` (make test does)")
    return path


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([script(), *args], capture_output=True, text=True, env=env, timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}): {result.stderr}")
    return result


TEACHER_ARGS = ("--dataset", "ItalyPowerDemand", "--data-root", str(DATA), "--inits", "2",
                "--epochs", "3", "--hidden", "6", "--layers", "2", "--quiet")


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("memkd")
    teacher = folder / "teacher.h5"
    traces = folder / "traces.h5"
    run("train-teacher", *TEACHER_ARGS, "--out", str(teacher))
    run("trace", "--checkpoint", str(teacher), "--data-root", str(DATA), "--split", "test",
        "--out", str(traces))
    return {"teacher": teacher, "traces": traces, "folder": folder}


def state_dict_names(layers: int) -> list[str]:
    names = []
    for k in range(layers):
        names += [f"lstm.weight_ih_l{k}", f"lstm.weight_hh_l{k}", f"lstm.bias_ih_l{k}",
                  f"lstm.bias_hh_l{k}"]
    return names + ["head.weight", "head.bias"]


def test_checkpoint_reads_with_h5py(files):
    with h5py.File(files["teacher"], "r") as f:
        assert f.attrs["format"] == "memkd-checkpoint"
        assert f.attrs["format_version"] == 3
        assert isinstance(f.attrs["memkd_version"], str)
        assert f.attrs["kind"] == "teacher" and f.attrs["complete"] == 1
        m = f["model"].attrs
        d, h, layers, c = (int(m[k]) for k in ("input_size", "hidden_size", "num_layers", "num_classes"))
        assert (d, h, layers, c) == (1, 6, 2, 2)
        assert m["gate_order"] == "i,f,g,o" and m["cell"] == "lstm"
        sd = f["state_dict"]
        assert sorted(sd.keys()) == sorted(state_dict_names(layers))
        for k in range(layers):
            assert sd[f"lstm.weight_ih_l{k}"].shape == (4 * h, d if k == 0 else h)
            assert sd[f"lstm.weight_hh_l{k}"].shape == (4 * h, h)
            assert sd[f"lstm.bias_ih_l{k}"].shape == (4 * h,)
        assert sd["head.weight"].shape == (c, h) and sd["head.bias"].shape == (c,)
        assert all(v.dtype == np.float32 for v in sd.values())
        assert list(f["data"].attrs["class_labels"]) == ["1", "2"]
        assert f["data"].attrs["dataset"] == "ItalyPowerDemand"
        assert f["data"].attrs["length"] == 100
        metrics = f["metrics"].attrs
        assert 0.5 <= metrics["test_auc_prc"] <= 1
        assert f["training"].attrs["initialisations"] == 2
        assert "current" not in f["resume"]  # finished: no initialisation in progress


def test_traces_read_with_h5py(files):
    with h5py.File(files["traces"], "r") as f:
        assert f.attrs["format"] == "memkd-traces" and f.attrs["format_version"] == 3
        assert f.attrs["split"] == "test"
        n = 1029
        assert f["inputs"].shape == (n, 100, 1) and f["inputs"].dtype == np.float32
        assert [f["hidden"][f"layer{k}"].shape for k in range(2)] == [(n, 100, 6)] * 2
        assert f["logits"].shape == (n, 2)
        assert f["labels"].dtype == np.int64 and set(f["labels"][()]) == {0, 1}
        assert (f["sample_index"][()] == np.arange(n)).all()
        import hashlib
        digest = hashlib.sha256(files["teacher"].read_bytes()).hexdigest()
        assert f.attrs["teacher_sha256"] == digest


def test_torch_reproduces_the_swift_logits(files):
    torch = pytest.importorskip("torch")
    with h5py.File(files["teacher"], "r") as f:
        m = f["model"].attrs
        lstm = torch.nn.LSTM(int(m["input_size"]), int(m["hidden_size"]), int(m["num_layers"]),
                             batch_first=True)
        head = torch.nn.Linear(int(m["hidden_size"]), int(m["num_classes"]))
        sd = {k: torch.from_numpy(v[()]) for k, v in f["state_dict"].items()}
        lstm.load_state_dict({k[5:]: v for k, v in sd.items() if k.startswith("lstm.")})
        head.load_state_dict({k[5:]: v for k, v in sd.items() if k.startswith("head.")})
    with h5py.File(files["traces"], "r") as f:
        inputs = torch.from_numpy(f["inputs"][()])
        swift_logits = f["logits"][()]
        swift_last = f["hidden"]["layer1"][()]
    with torch.no_grad():
        out, _ = lstm(inputs)
        logits = head(out[:, -1, :]).numpy()
    np.testing.assert_allclose(logits, swift_logits, atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(out.numpy(), swift_last, atol=1e-5, rtol=1e-5)


def test_evaluate_recomputes_the_recorded_test_metrics(files):
    import json
    result = json.loads(run("evaluate", "--checkpoint", str(files["teacher"]), "--data-root",
                            str(DATA), "--json").stdout)
    assert result["metrics"] == result["recorded"]
    assert result["count"] == 1029


def test_inspect_summarises_both_files(files):
    text = run("inspect", str(files["teacher"])).stdout
    assert "memkd-checkpoint version 3" in text and "state_dict/head.weight" in text
    text = run("inspect", str(files["traces"])).stdout
    assert "memkd-traces version 3" in text and "/hidden/layer1" in text


def mutated(files, name: str, change) -> Path:
    path = files["folder"] / f"{name}.h5"
    shutil.copy(files["teacher"], path)
    with h5py.File(path, "r+") as f:
        change(f)
    return path


def replace(f, key, value):
    del f[key]
    f[key] = value


BAD_FILES = {
    "wrong_format": (lambda f: f.attrs.__setitem__("format", "something-else"),
                     "is a 'something-else' file"),
    "newer_version": (lambda f: f.attrs.__setitem__("format_version", 7), "version 7 is newer"),
    "missing_dataset": (lambda f: f["state_dict"].__delitem__("head.bias"), "head.bias"),
    "wrong_shape": (lambda f: replace(f, "state_dict/head.weight", np.zeros((2, 7), np.float32)),
                    "shape"),
    "wrong_dtype": (lambda f: replace(f, "state_dict/head.bias", np.zeros(2, np.float64)),
                    "float64"),
    # A damaged dataset name (found by `make fuzz`): the error names the checkpoint too.
    "unknown_dataset": (lambda f: f["data"].attrs.__setitem__("dataset", "ItahyPowerDemand"),
                        "its dataset 'ItahyPowerDemand'"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_checkpoints_give_clear_errors(files, name):
    change, expected = BAD_FILES[name]
    path = mutated(files, name, change)
    result = run("evaluate", "--checkpoint", str(path), "--data-root", str(DATA), check=False)
    assert result.returncode == 1, result  # an error exit, not a crash (signals are negative)
    assert str(path) in result.stderr and expected in result.stderr, result.stderr


def test_killed_training_resumes_to_the_same_teacher(tmp_path):
    args = ("--dataset", "ItalyPowerDemand", "--data-root", str(DATA), "--inits", "2",
            "--epochs", "60", "--patience", "1000", "--hidden", "8", "--layers", "1",
            "--length", "24", "--quiet")
    straight = tmp_path / "straight.h5"
    run("train-teacher", *args, "--out", str(straight))

    killed = tmp_path / "killed.h5"
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    process = subprocess.Popen([script(), "train-teacher", *args, "--out", str(killed)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not killed.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.01)
    time.sleep(0.3)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert killed.exists()
    with h5py.File(killed, "r") as f:  # whatever moment the kill hit, the file is whole
        complete = f.attrs["complete"]
    assert complete == 0, "the kill came after training had finished: nothing was resumed"
    run("train-teacher", "--resume", str(killed))
    with h5py.File(straight, "r") as a, h5py.File(killed, "r") as b:
        assert b.attrs["complete"] == 1
        for key in a["state_dict"]:
            assert np.array_equal(a["state_dict"][key][()], b["state_dict"][key][()]), key
        assert a["metrics"].attrs["test_auc_prc"] == b["metrics"].attrs["test_auc_prc"]
    # A kill during a write can leave that write's hidden temporary file; resuming removes it.
    assert not list(tmp_path.glob(".*.tmp"))


# Checksums: every dataset carries the SHA-256 of its values (issue 15: one flipped byte in a
# student changed its test AUC-PRC with exit 0, and export-c exported it; a flipped traced
# logit changed a Base-KD student's accuracy).

def sha256_of(dataset) -> str:
    import hashlib
    return hashlib.sha256(dataset[()].tobytes()).hexdigest()


def test_every_dataset_carries_the_sha256_of_its_values(files):
    for name in ("teacher", "traces"):
        with h5py.File(files[name], "r") as f:
            datasets = []
            f.visititems(lambda key, item: datasets.append(item)
                         if isinstance(item, h5py.Dataset) else None)
            assert len(datasets) >= 5
            for dataset in datasets:
                assert dataset.attrs["sha256"] == sha256_of(dataset), dataset.name


def flip_byte(path: Path, dataset: str, index: int = 0) -> None:
    """Flips the lowest bit of one stored value's first byte, in the raw file (what a bad disk
    or a bad copy does), leaving HDF5's own metadata intact."""
    with h5py.File(path, "r") as f:
        item = f[dataset]
        offset = item.id.get_offset()
        assert offset is not None, f"{dataset} is not stored contiguously"
        offset += index * item.dtype.itemsize
    with open(path, "r+b") as raw:
        raw.seek(offset)
        byte = raw.read(1)[0]
        raw.seek(offset)
        raw.write(bytes([byte ^ 1]))


@pytest.fixture(scope="module")
def student(files) -> Path:
    out = files["folder"] / "students"
    run("distill", "--teacher", str(files["teacher"]), "--data-root", str(DATA),
        "--method", "base-kd", "--beta", "1", "--seeds", "1", "--epochs", "2", "--out-dir",
        str(out), "--quiet")
    (path,) = out.glob("*.h5")
    return path


def test_a_flipped_byte_in_a_student_is_refused_by_evaluate_and_export_c(files, student):
    damaged = files["folder"] / "damaged-student.h5"
    shutil.copy(student, damaged)
    flip_byte(damaged, "state_dict/lstm.weight_hh_l0", index=5)
    header = files["folder"] / "damaged.h"
    for args in (("evaluate", "--checkpoint", str(damaged), "--data-root", str(DATA)),
                 ("export-c", "--checkpoint", str(damaged), "--out", str(header))):
        result = run(*args, check=False)
        assert result.returncode == 1, result
        assert str(damaged) in result.stderr, result.stderr
        assert "/state_dict/lstm.weight_hh_l0: its values do not match their SHA-256" in result.stderr
    assert not header.exists()


def test_a_flipped_traced_logit_is_refused_by_distill(files, tmp_path):
    traces = tmp_path / "train-traces.h5"
    run("trace", "--checkpoint", str(files["teacher"]), "--data-root", str(DATA), "--split",
        "train", "--out", str(traces))
    flip_byte(traces, "logits", index=3)
    result = run("distill", "--teacher", str(files["teacher"]), "--traces", str(traces),
                 "--data-root", str(DATA), "--method", "base-kd", "--beta", "1", "--seeds", "1",
                 "--epochs", "1", "--out-dir", str(tmp_path / "s"), "--quiet", check=False)
    assert result.returncode == 1, result
    assert "dataset /logits: its values do not match their SHA-256" in result.stderr, result.stderr


def test_an_h5py_edit_must_refresh_the_checksum(files):
    def edit(f, refresh):
        weights = f["state_dict/head.bias"]
        weights[0] += 1
        if refresh:
            weights.attrs["sha256"] = sha256_of(weights)

    stale = mutated(files, "stale-edit", lambda f: edit(f, refresh=False))
    result = run("evaluate", "--checkpoint", str(stale), "--data-root", str(DATA), check=False)
    assert result.returncode == 1 and "head.bias: its values do not match" in result.stderr
    refreshed = mutated(files, "refreshed-edit", lambda f: edit(f, refresh=True))
    run("evaluate", "--checkpoint", str(refreshed), "--data-root", str(DATA))


def test_a_missing_checksum_is_refused_in_version_2_and_accepted_in_version_1(files):
    def strip(f, version):
        f.visititems(lambda key, item: item.attrs.__delitem__("sha256")
                     if isinstance(item, h5py.Dataset) else None)
        f.attrs["format_version"] = version

    current = mutated(files, "stripped-v2", lambda f: strip(f, 2))
    result = run("evaluate", "--checkpoint", str(current), "--data-root", str(DATA), check=False)
    assert result.returncode == 1 and "no 'sha256' attribute" in result.stderr, result.stderr
    older = mutated(files, "stripped-v1", lambda f: strip(f, 1))
    run("evaluate", "--checkpoint", str(older), "--data-root", str(DATA))


def test_a_declared_shape_past_the_read_budget_is_refused_before_allocating(files, tmp_path):
    """A sparse chunked dataset costs no disk whatever shape it declares; the reader allocated
    from that shape (here 8 GiB) before this check."""
    traces = tmp_path / "traces.h5"
    shutil.copy(files["traces"], traces)
    with h5py.File(traces, "r+") as f:
        del f["inputs"]
        f.create_dataset("inputs", shape=(2**20, 2**10, 2), dtype=np.float32,
                         chunks=(1, 2**10, 2))
    result = run("distill", "--teacher", str(files["teacher"]), "--traces", str(traces),
                 "--data-root", str(DATA), "--method", "base-kd", "--beta", "1", "--seeds", "1",
                 "--epochs", "1", "--out-dir", str(tmp_path / "s"), "--quiet", check=False)
    assert result.returncode == 1, result
    assert ("dataset /inputs: shape [1048576, 1024, 2] is more than the 1073741824 values a "
            "dataset may hold") in result.stderr, result.stderr
