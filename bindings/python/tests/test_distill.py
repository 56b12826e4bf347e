"""`memkd.distill` is one run of `memkd-script distill`: same data path, same seed, same result."""

from __future__ import annotations

import numpy as np
import pytest

import memkd
from memkd_testing import DATA, DATASET, run_cli_json

EPOCHS = 5


def python_distill(teacher_path, data, **options):
    """The CLI's data path in Python: the teacher's split (its validation fraction and seed) of
    the archive's training series; teacher traces of the training rows (inside distill)."""
    teacher = memkd.LSTMClassifier.load(teacher_path)
    train, val = memkd.split(data.y_train, teacher.validation_fraction, teacher.training.seed)
    return memkd.distill(teacher, data.X_train[train], data.y_train[train], data.X_train[val],
                         data.y_train[val], **options)


def test_distill_equals_the_cli(cli_teacher, data, tmp_path):
    """`memkd-script distill --method memkd --beta 10 --seeds 1 --seed 0 --epochs 5` and
    `memkd.distill` on the same data path: identical test metrics and weights."""
    summary = run_cli_json(
        "distill", "--teacher", cli_teacher, "--dataset", DATASET, "--data-root", DATA,
        "--method", "memkd", "--beta", "10", "--seeds", "1", "--seed", "0", "--epochs",
        str(EPOCHS), "--quiet", "--out-dir", tmp_path / "students")
    student = python_distill(cli_teacher, data, method="memkd", beta=10, seed=0, epochs=EPOCHS)
    run = summary["runs"][0]
    assert (student.best_epoch, len(student.history)) == (run["best_epoch"], run["epochs"])
    cli = {"accuracy": run["test"]["acc"], "auc_roc": run["test"]["auc_roc"],
           "auc_prc": run["test"]["auc_prc"]}
    assert student.evaluate(data.X_test, data.y_test) == cli          # identical, not close
    assert summary["test"] == run["test"]
    # The CLI's student checkpoint holds exactly the weights Python trained.
    saved = memkd.LSTMClassifier.load(tmp_path / "students" / "memkd-beta10.0-seed0.h5")
    assert type(saved) is memkd.Student and saved.config == student.config
    for key, value in student.state_dict().items():
        np.testing.assert_array_equal(saved.state_dict()[key], value, err_msg=key)


@pytest.mark.parametrize("method,beta,extra", [
    ("memkd", "3", ("--terms", "short", "--normalization", "batch-mean", "--teacher-layer", "0",
                    "--short-weight", "0.5")),
    ("memkd", "2", ("--terms", "long", "--normalization", "step-norm", "--long-pairs", "7")),
    ("base-kd", "1", ()),
])
def test_distill_options_equal_the_cli(cli_teacher, data, tmp_path, method, beta, extra):
    """Other methods and MemKD options: the same weights and validation metrics (2 epochs,
    seed 5; test metrics are compared above)."""
    summary = run_cli_json(
        "distill", "--teacher", cli_teacher, "--dataset", DATASET, "--data-root", DATA,
        "--method", method, "--beta", beta, "--seeds", "1", "--seed", "5", "--epochs", "2",
        "--quiet", "--out-dir", tmp_path / "students", *extra)
    # The CLI's flags as keyword arguments: --short-weight 0.5 is short_weight="0.5" parsed.
    options = {flag[2:].replace("-", "_"): value for flag, value in zip(extra[::2], extra[1::2])}
    options = {key: int(v) if v.isdigit() else float(v) if v[0].isdigit() else v
               for key, v in options.items()}
    teacher = memkd.LSTMClassifier.load(cli_teacher)
    train, val = memkd.split(data.y_train, teacher.validation_fraction, teacher.training.seed)
    for run in summary["runs"]:
        student = memkd.distill(
            teacher, data.X_train[train], data.y_train[train], data.X_train[val],
            data.y_train[val], method, beta=float(beta), seed=run["seed"], epochs=2, **options)
        validation = student.evaluate(data.X_train[val], data.y_train[val])
        assert validation == {"accuracy": run["validation"]["acc"],
                              "auc_roc": run["validation"]["auc_roc"],
                              "auc_prc": run["validation"]["auc_prc"]}
        saved = memkd.LSTMClassifier.load(
            tmp_path / "students" / f"{method}-beta{float(beta)}-seed{run['seed']}.h5")
        for key, value in student.state_dict().items():
            np.testing.assert_array_equal(saved.state_dict()[key], value, err_msg=key)


def test_distill_result_and_defaults(cli_teacher, data):
    student = python_distill(cli_teacher, data, epochs=1, threads=1, seed=4)
    assert type(student) is memkd.Student and student.kind == "student"
    assert student.config == (1, 8, 1, 2, "lstm") and student.seed == 4
    assert student.distillation["method"] == "memkd" and student.distillation["beta"] == 10.0
    assert (student.dataset, student.class_labels, student.training.lr) == \
        (DATASET, ["1", "2"], 0.1)
    # Results do not depend on the thread count; the tuple spelling of the terms is "both".
    again = python_distill(cli_teacher, data, epochs=1, threads=2, seed=4, terms=("short", "long"))
    assert again.history == student.history
    assert all(np.array_equal(again.state_dict()[k], v) for k, v in student.state_dict().items())
    assert memkd.ANCHOR_WEIGHTS["memkd"] == 10 and memkd.ANCHOR_WEIGHTS["base"] == 0


def test_every_method_runs(cli_teacher, data):
    teacher = memkd.LSTMClassifier.load(cli_teacher)
    rows = np.arange(24)
    for method in memkd.METHODS:
        student = memkd.distill(teacher, data.X_train[rows], data.y_train[rows], data.X_train[40:],
                                data.y_train[40:], method, epochs=1, hidden=3, threads=1)
        assert student.distillation["beta"] == memkd.ANCHOR_WEIGHTS[method], method
        assert np.isfinite(student.history[0].train_loss), method


def test_distill_progress_and_bad_options(cli_teacher, data, capsys):
    seen = []
    python_distill(cli_teacher, data, epochs=2, threads=1, callback=seen.append, verbose=True)
    assert [i.epoch for i in seen] == [1, 2]
    assert len(capsys.readouterr().err.splitlines()) == 2
    with pytest.raises(ValueError, match="method: expected one of"):
        python_distill(cli_teacher, data, method="mem-kd")
    with pytest.raises(ValueError, match="terms"):
        python_distill(cli_teacher, data, terms="medium")
    with pytest.raises(ValueError, match="normalization"):
        python_distill(cli_teacher, data, normalization="l2")
    with pytest.raises(ValueError, match="beta: must be >= 0"):
        python_distill(cli_teacher, data, beta=-1)
    with pytest.raises(ValueError, match=r"teacher_layer must be a layer of the 1-layer teacher, "
                                         r"0 to 0 \(got 1\)"):
        python_distill(cli_teacher, data, teacher_layer=1)
    with pytest.raises(ValueError, match="long_pairs"):
        python_distill(cli_teacher, data, long_pairs=0)
    with pytest.raises(ValueError, match="X: series have 2 channel"):
        teacher = memkd.LSTMClassifier.load(cli_teacher)
        memkd.distill(teacher, np.zeros((4, 10, 2)), [0, 1, 0, 1], np.zeros((4, 10, 2)),
                      [0, 1, 0, 1])
