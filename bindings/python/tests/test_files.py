"""Checkpoints and traces round-trip between Python and `memkd-script` (both directions).

The CLI commands run on the archive's training split (67 series) rather than the test split
(1029): the debug CLI takes seconds per thousand series.
"""

from __future__ import annotations

import numpy as np
import pytest

import memkd
from memkd_testing import DATA, DATASET, run_cli, run_cli_json

# Python's metrics rank the same float64 probabilities `memkd-script evaluate` ranks, so they
# agree exactly.
METRIC_TOLERANCE = 0


def cli_evaluate(path, split: str = "train") -> dict:
    result = run_cli_json("evaluate", "--checkpoint", path, "--data-root", DATA, "--split", split)
    metrics = result["metrics"]
    return {"accuracy": metrics["acc"], "auc_roc": metrics["auc_roc"],
            "auc_prc": metrics["auc_prc"]}


def softmax64(logits) -> np.ndarray:
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture(scope="module")
def python_teacher(data, split, tmp_path_factory):
    """A 2 x 5 teacher trained and saved by Python."""
    train, val = split
    model = memkd.Teacher(hidden_size=5, layers=2, seed=3)
    model.fit(data.X_train[train], data.y_train[train], data.X_train[val], data.y_train[val],
              epochs=2, threads=1)
    model.dataset, model.class_labels = DATASET, data.class_labels
    path = tmp_path_factory.mktemp("py-teacher") / "python-teacher.h5"
    model.save(path)
    return model, path


@pytest.fixture(scope="module")
def cli_traces(cli_teacher, tmp_path_factory):
    """`memkd-script trace` of the CLI teacher on the training split."""
    path = tmp_path_factory.mktemp("cli-traces") / "traces.h5"
    run_cli("trace", "--checkpoint", cli_teacher, "--data-root", DATA, "--split", "train",
            "--out", path)
    return path


def test_cli_reads_a_python_checkpoint(python_teacher, data):
    model, path = python_teacher
    info = run_cli_json("inspect", path)
    assert info["format"] == "memkd-checkpoint" and info["format_version"] == 3
    attributes = info["attributes"]
    assert attributes["/"]["kind"] == "teacher"
    assert attributes["/model"] == {"cell": "lstm", "gate_order": "i,f,g,o", "hidden_size": "5",
                                    "input_size": "1", "num_classes": "2", "num_layers": "2"}
    assert attributes["/data"]["dataset"] == DATASET
    assert attributes["/data"]["class_labels"] == '["1", "2"]'
    assert attributes["/training"]["max_epochs"] == "2"
    assert attributes["/training"]["seed"] == "3"
    shapes = {d["path"]: d["shape"] for d in info["datasets"]}
    assert shapes["/state_dict/lstm.weight_hh_l1"] == [20, 5]
    cli = cli_evaluate(path)
    ours = model.evaluate(data.X_train, data.y_train)
    assert cli["accuracy"] == ours["accuracy"]
    assert cli == pytest.approx(ours, abs=METRIC_TOLERANCE)


def test_cli_traces_of_a_python_checkpoint_equal_python_outputs(python_teacher, data, tmp_path):
    h5py = pytest.importorskip("h5py")
    model, path = python_teacher
    traces = tmp_path / "traces.h5"
    run_cli("trace", "--checkpoint", path, "--data-root", DATA, "--split", "train",
            "--out", traces)
    hidden = model.hidden_states(data.X_train)
    with h5py.File(traces, "r") as f:
        np.testing.assert_array_equal(f["inputs"][()], data.X_train[:, :, None])
        np.testing.assert_array_equal(f["labels"][()], data.y_train)
        for k in range(2):
            np.testing.assert_array_equal(f[f"hidden/layer{k}"][()], hidden[k])
        logits = f["logits"][()]
    # Python's probabilities are the float64 softmax of the same logits.
    np.testing.assert_allclose(softmax64(logits), model.predict_proba(data.X_train), rtol=1e-12)


def test_python_reads_a_cli_checkpoint(cli_teacher, cli_traces, data):
    model = memkd.LSTMClassifier.load(cli_teacher)
    assert type(model) is memkd.Teacher
    assert model.config == (1, 4, 1, 2, "lstm")
    assert (model.dataset, model.class_labels, model.length, model.z_normalize,
            model.validation_fraction) == (DATASET, ["1", "2"], 100, True, 0.2)
    assert model.training == memkd.TrainingOptions(lr=0.001, epochs=3, seed=0)
    h5py = pytest.importorskip("h5py")
    with h5py.File(cli_teacher, "r") as f:
        for key, value in model.state_dict().items():
            np.testing.assert_array_equal(f["state_dict"][key][()], value, err_msg=key)
    # Same predictions as the CLI: hidden states and logits of `memkd-script trace`.
    with h5py.File(cli_traces, "r") as f:
        np.testing.assert_array_equal(f["hidden/layer0"][()], model.hidden_states(data.X_train)[0])
        np.testing.assert_allclose(softmax64(f["logits"][()]), model.predict_proba(data.X_train),
                                   rtol=1e-12)
    cli = cli_evaluate(cli_teacher)
    ours = model.evaluate(data.X_train, data.y_train)
    assert cli["accuracy"] == ours["accuracy"]
    assert cli == pytest.approx(ours, abs=METRIC_TOLERANCE)


def test_metrics_equal_scikit_learn_and_cli_evaluate(cli_teacher, cli_traces, data):
    """`memkd-script evaluate` and Python's metrics both equal scikit-learn on the float64
    softmax of the teacher's logits."""
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    h5py = pytest.importorskip("h5py")
    model = memkd.LSTMClassifier.load(cli_teacher)
    with h5py.File(cli_traces, "r") as f:
        p64 = softmax64(f["logits"][()])
    y = data.y_train
    reference = {"auc_roc": sklearn_metrics.roc_auc_score(y, p64[:, 1]),
                 "auc_prc": np.mean([sklearn_metrics.average_precision_score(y == k, p64[:, k])
                                     for k in (0, 1)])}
    cli, ours = cli_evaluate(cli_teacher), model.evaluate(data.X_train, y)
    for key in ("auc_roc", "auc_prc"):
        assert cli[key] == pytest.approx(reference[key], abs=1e-12), key
        assert ours[key] == cli[key], key


def test_python_traces_equal_cli_traces_and_the_cli_reads_them(cli_teacher, cli_traces, data,
                                                                tmp_path):
    h5py = pytest.importorskip("h5py")
    model = memkd.LSTMClassifier.load(cli_teacher)
    ours = tmp_path / "python-traces.h5"
    memkd.write_traces(ours, model, data.X_train, data.y_train, cli_teacher)
    info = run_cli_json("inspect", ours)
    assert info["format"] == "memkd-traces"
    with h5py.File(ours, "r") as a, h5py.File(cli_traces, "r") as b:
        for key in ("inputs", "hidden/layer0", "logits", "labels"):
            np.testing.assert_array_equal(a[key][()], b[key][()], err_msg=key)
        for key in ("dataset", "length", "z_normalize", "teacher_sha256", "num_layers",
                    "hidden_size", "num_classes"):
            assert a.attrs[key] == b.attrs[key], key
        assert list(a.attrs["class_labels"]) == list(b.attrs["class_labels"])
    assert [layer.shape for layer in memkd.trace(model, data.X_train)] == [(67, 100, 4)]
