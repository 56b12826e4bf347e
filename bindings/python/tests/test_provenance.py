"""Provenance (issue 17, item 5): a checkpoint or traces file saved from Python carries exactly
what the CLI's carries, compared with h5py group by group, attribute by attribute and dataset
by dataset.

What may differ between a CLI-written and a Python-written file, and why (nothing else may):
- ``/metrics runs_json``: every ``seconds`` (each epoch's and each run's ``history.seconds``).
  They are wall times, measured anew by every run; Python does not time single epochs (0) and
  records the wall time of the ``fit`` / ``distill`` call.
- ``/resume`` (teacher files of ``train-teacher`` only): the state ``train-teacher --resume``
  continues from. ``fit`` has no resume, so a Python-saved model never carries it.
No creation time is recorded anywhere, and the traces' ``teacher_path`` is the path string both
sides are given, so it compares equal.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import memkd
from memkd_testing import DATA, DATASET, run_cli, run_cli_json

h5py = pytest.importorskip("h5py")

EPOCHS = 6

WALL_TIME = "seconds"
"""The only key of ``runs_json`` records allowed to differ (see the module docstring)."""


def without_wall_time(text: str) -> list:
    runs = json.loads(text)
    for run in runs:
        run["history"][WALL_TIME] = None
        for epoch in run["history"]["epochs"]:
            epoch[WALL_TIME] = None
    return runs


def differences(a: Path, b: Path, *, wall_time: bool = False, resume: bool = False
                ) -> list[str]:
    """Every difference between two HDF5 files: groups, datasets (dtype, shape, values) and
    attributes (type and value). ``wall_time`` allows the ``seconds`` of ``runs_json`` to
    differ; ``resume`` allows ``/resume`` to exist in ``a`` only."""
    found: list[str] = []

    def attributes(x, y, path: str) -> None:
        if set(x.attrs) != set(y.attrs):
            found.append(f"{path}: attributes only in a {sorted(set(x.attrs) - set(y.attrs))}, "
                         f"only in b {sorted(set(y.attrs) - set(x.attrs))}")
        for name in sorted(set(x.attrs) & set(y.attrs)):
            u, v = x.attrs[name], y.attrs[name]
            if name == "runs_json" and wall_time:
                same = without_wall_time(u) == without_wall_time(v)
            elif isinstance(u, np.ndarray) or isinstance(v, np.ndarray):
                same = (isinstance(u, np.ndarray) and isinstance(v, np.ndarray)
                        and u.dtype == v.dtype and u.shape == v.shape and np.array_equal(u, v))
            else:
                same = type(u) is type(v) and u == v
            if not same:
                found.append(f"{path} @{name}: {u!r} != {v!r}")

    def walk(x, y, path: str) -> None:
        attributes(x, y, path)
        if isinstance(x, h5py.Dataset) or isinstance(y, h5py.Dataset):
            if not (isinstance(x, h5py.Dataset) and isinstance(y, h5py.Dataset)):
                found.append(f"{path}: a dataset in one file only")
            elif x.dtype != y.dtype or x.shape != y.shape:
                found.append(f"{path}: {x.dtype} {x.shape} != {y.dtype} {y.shape}")
            elif not np.array_equal(x[()], y[()]):
                found.append(f"{path}: values differ")
            return
        names_x, names_y = set(x), set(y)
        if resume and path == "/":
            names_x.discard("resume")
        if names_x != names_y:
            found.append(f"{path}: children only in a {sorted(names_x - names_y)}, "
                         f"only in b {sorted(names_y - names_x)}")
        for name in sorted(names_x & names_y):
            walk(x[name], y[name], f"{path.rstrip('/')}/{name}")

    with h5py.File(a, "r") as x, h5py.File(b, "r") as y:
        walk(x, y, "/")
    return found


def python_split(teacher: memkd.LSTMClassifier, data):
    """The CLI's data path: the teacher's split (its fraction and seed) of the training series."""
    train, val = memkd.split(data.y_train, teacher.validation_fraction, teacher.training.seed)
    return data.X_train[train], data.y_train[train], data.X_train[val], data.y_train[val]


@pytest.fixture(scope="module")
def cli_train_traces(cli_teacher, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("provenance-traces") / "train-traces.h5"
    run_cli("trace", "--checkpoint", cli_teacher, "--data-root", DATA, "--split", "train",
            "--out", path)
    return path


# MARK: - Students and teachers


@pytest.mark.parametrize("method,beta,flags", [
    ("memkd", 3.0, ("--terms", "short", "--normalization", "batch-mean", "--teacher-layer", "0")),
    ("dkd", 2.0, ("--patience", "1")),  # DKD's option `beta` beside the record's; early stop
    ("nst", 50.0, ("--plateau", "1")),  # a flag among the recorded options; the lr schedule
    ("base", None, ()),                # no options, beta 0
])
def test_a_python_student_file_equals_the_cli_student_file(cli_teacher, cli_train_traces, data,
                                                           tmp_path, method, beta, flags):
    """The key test: `memkd-script distill` and `memkd.distill` with the same teacher file,
    split, method, beta, seed and options, the test metrics recorded by `evaluate(...,
    split="test")`: the two student files differ in wall times only."""
    seed = 1
    beta_flags = () if beta is None else ("--beta", str(beta))
    run_cli("distill", "--teacher", cli_teacher, "--traces", cli_train_traces,
            "--dataset", DATASET, "--data-root", DATA, "--method", method, *beta_flags,
            "--seeds", "1", "--seed", str(seed), "--epochs", str(EPOCHS), "--quiet",
            "--out-dir", tmp_path / "students", *flags)
    cli_file = tmp_path / "students" / f"{method}-beta{beta or 0.0}-seed{seed}.h5"

    teacher = memkd.LSTMClassifier.load(cli_teacher)
    options = {flag[2:].replace("-", "_"): value for flag, value in zip(flags[::2], flags[1::2])}
    options = {key: int(value) if value.isdigit() else value for key, value in options.items()}
    student = memkd.distill(teacher, *python_split(teacher, data), method, beta=beta, seed=seed,
                            split_seed=teacher.training.seed, epochs=EPOCHS, threads=1,
                            **options)
    assert student.results is not None and not student.results.complete
    student.evaluate(data.X_test, data.y_test, split="test")
    assert student.results.complete
    python_file = tmp_path / "python-student.h5"
    student.save(python_file)

    assert differences(cli_file, python_file, wall_time=True) == []
    history = student.results.runs[0]["history"]
    if method == "dkd":
        assert history["stoppedEarly"] and len(history["epochs"]) < EPOCHS
    if method == "nst":
        assert len({epoch["learningRate"] for epoch in history["epochs"]}) > 1
    with h5py.File(python_file, "r") as f:
        assert f.attrs["complete"] == 1 and "interrupted" not in f.attrs
        record = f["distillation"].attrs
        assert record["method"] == method and record["teacher_sha256"] == teacher.sha256
        assert record["beta"] == (beta or 0.0) and record["split_seed"] == 0
        if method == "dkd":     # DKD's NCKD weight no longer replaces the distillation weight
            assert record["option_beta"] == 8.0 and "beta" in list(record["option_keys"])
    # Everything the file records is on the model, and comes back on load.
    back = memkd.Student.load(python_file)
    assert back.distillation == student.distillation and back.results == student.results
    assert (back.history, back.best_epoch) == (student.history, student.best_epoch)
    cli_student = memkd.Student.load(cli_file)
    assert cli_student.distillation == student.distillation
    assert cli_student.results.test == student.results.test
    assert cli_student.results.validation == student.results.validation


def test_a_python_teacher_file_equals_the_cli_teacher_file(cli_teacher, data, tmp_path):
    """`Teacher.fit` with the settings of conftest's CLI teacher (1 x 4, 3 epochs, seed 0, one
    initialisation): the files differ in the CLI's /resume state and wall times only."""
    reference = memkd.LSTMClassifier.load(cli_teacher)
    teacher = memkd.Teacher(hidden_size=4, layers=1, seed=0)
    teacher.fit(*python_split(reference, data), epochs=3, threads=1)
    teacher.dataset, teacher.class_labels = DATASET, data.class_labels
    teacher.evaluate(data.X_test, data.y_test, split="test")
    path = tmp_path / "python-teacher.h5"
    teacher.save(path)
    assert differences(cli_teacher, path, wall_time=True, resume=True) == []
    assert (teacher.path, teacher.sha256) == (str(path), memkd.Teacher.load(path).sha256)


def test_results_record_the_kept_weights_and_complete_needs_test_metrics(data, split, tmp_path):
    train, val = split
    teacher = memkd.Teacher(hidden_size=3, layers=1, seed=2)
    teacher.fit(data.X_train[train], data.y_train[train], data.X_train[val], data.y_train[val],
                epochs=2, threads=1)
    results = teacher.results
    assert results.seed == 2 and results.test is None and not results.complete
    # The validation results are those of the kept weights (the CLI's evaluate of them).
    kept = teacher.evaluate(data.X_train[val], data.y_train[val])
    assert {k: results.validation[k] for k in kept} == kept
    assert results.validation_loss == teacher.history[teacher.best_epoch - 1].val_loss
    assert [run["seed"] for run in results.runs] == [2]
    history = results.runs[0]["history"]
    assert history["bestEpoch"] == teacher.best_epoch and len(history["epochs"]) == 2
    # Without test metrics the file is the CLI's "no results": complete 0, no /metrics.
    teacher.save(tmp_path / "no-test.h5")
    with h5py.File(tmp_path / "no-test.h5", "r") as f:
        assert f.attrs["complete"] == 0 and "metrics" not in f and "interrupted" not in f.attrs
    metrics = teacher.evaluate(data.X_test, data.y_test, split="test")
    assert teacher.results.test == {**metrics, "skipped_classes": []}
    assert results.runs[0]["test"]["aucPRC"] == metrics["auc_prc"]
    teacher.save(tmp_path / "complete.h5")
    info = run_cli_json("inspect", tmp_path / "complete.h5")
    assert info["attributes"]["/"]["complete"] == "1"
    assert float(info["attributes"]["/metrics"]["test_auc_prc"]) == metrics["auc_prc"]
    # split="validation" records the validation results again (here: the same ones).
    teacher.evaluate(data.X_train[val], data.y_train[val], split="validation")
    assert teacher.results.validation == results.validation
    with pytest.raises(ValueError, match="split: expected one of validation, test"):
        teacher.evaluate(data.X_test, data.y_test, split="train")
    # New weights are described by no file and no results.
    teacher.load_state_dict(teacher.state_dict())
    assert (teacher.results, teacher.path, teacher.sha256) == (None, None, None)


def test_unknown_teacher_hash_and_split_seed_are_recorded_as_unknown(data, split, tmp_path):
    """A teacher that never had a file has no SHA-256, and a split seed not given is unknown:
    the file says so ("" and -1) rather than recording a guess; inspect and load read it."""
    train, val = split
    teacher = memkd.Teacher(hidden_size=3, layers=1).fit(
        data.X_train[train], data.y_train[train], data.X_train[val], data.y_train[val],
        epochs=1, threads=1)
    teacher.dataset, teacher.class_labels = DATASET, data.class_labels
    student = memkd.distill(teacher, data.X_train[train], data.y_train[train],
                            data.X_train[val], data.y_train[val], "base-kd", epochs=1, threads=1)
    assert student.distillation == {"method": "base-kd", "beta": 1.0,
                                    "options": {"temperature": 4.0},
                                    "teacher_sha256": None, "split_seed": None}
    path = tmp_path / "student.h5"
    student.save(path)
    with h5py.File(path, "r") as f:
        assert f["distillation"].attrs["teacher_sha256"] == ""
        assert f["distillation"].attrs["split_seed"] == -1
    shown = run_cli_json("inspect", path)["attributes"]["/distillation"]
    assert (shown["teacher_sha256"], shown["split_seed"]) == ("", "-1")
    assert run_cli_json("evaluate", "--checkpoint", path, "--data-root", DATA, "--split",
                        "train")["metrics"]["acc"] >= 0
    assert memkd.Student.load(path).distillation == student.distillation
    # Once the teacher has a file, its students record its SHA-256.
    teacher.save(tmp_path / "teacher.h5")
    again = memkd.distill(teacher, data.X_train[train], data.y_train[train], data.X_train[val],
                          data.y_train[val], "base-kd", epochs=1, threads=1, split_seed=0)
    assert again.distillation["teacher_sha256"] == teacher.sha256
    assert again.distillation["split_seed"] == 0
    with pytest.raises(ValueError, match="split_seed"):
        memkd.distill(teacher, data.X_train[train], data.y_train[train], data.X_train[val],
                      data.y_train[val], "base", epochs=1, split_seed=-1)


# MARK: - Interrupted models


def stop_after_first_epoch(info):
    raise KeyboardInterrupt("stop here")


def test_an_interrupted_model_is_saved_as_interrupted(cli_teacher, data, tmp_path):
    teacher = memkd.LSTMClassifier.load(cli_teacher)
    with pytest.raises(KeyboardInterrupt) as stop:
        memkd.distill(teacher, *python_split(teacher, data), "memkd", epochs=20, threads=1,
                      split_seed=0, callback=stop_after_first_epoch)
    student = stop.value.model
    assert student.interrupted and student.results is None and student.best_epoch == 1
    student.evaluate(data.X_test, data.y_test, split="test")    # recorded, yet not complete
    path = tmp_path / "interrupted.h5"
    student.save(path)
    with h5py.File(path, "r") as f:
        assert f.attrs["complete"] == 0 and f.attrs["interrupted"] == 1
        assert "metrics" not in f and f["distillation"].attrs["method"] == "memkd"
    info = run_cli_json("inspect", path)
    assert info["attributes"]["/"]["interrupted"] == "1"
    assert info["attributes"]["/"]["complete"] == "0"
    back = memkd.Student.load(path)
    assert back.interrupted and back.results is None
    assert back.distillation == student.distillation
    back.save(tmp_path / "again.h5")
    assert differences(path, tmp_path / "again.h5") == []

    model = memkd.Teacher(hidden_size=3, layers=1)
    with pytest.raises(KeyboardInterrupt):
        model.fit(*python_split(teacher, data), epochs=20, threads=1,
                  callback=stop_after_first_epoch)
    model.save(tmp_path / "teacher.h5")
    with h5py.File(tmp_path / "teacher.h5", "r") as f:
        assert (f.attrs["complete"], f.attrs["interrupted"]) == (0, 1) and "metrics" not in f
    # Training to the end clears it.
    model.fit(*python_split(teacher, data), epochs=1, threads=1)
    model.save(tmp_path / "teacher.h5")
    with h5py.File(tmp_path / "teacher.h5", "r") as f:
        assert "interrupted" not in f.attrs


# MARK: - Round trips


def test_cli_files_survive_a_python_load_and_save(cli_teacher, cli_train_traces, tmp_path):
    """Loading a CLI file and saving it again rewrites every group and attribute exactly, the
    recorded wall times included; only the teacher's /resume is not carried."""
    run_cli("distill", "--teacher", cli_teacher, "--traces", cli_train_traces,
            "--dataset", DATASET, "--data-root", DATA, "--method", "memkd", "--beta", "10",
            "--seeds", "1", "--seed", "0", "--epochs", "2", "--quiet",
            "--out-dir", tmp_path / "students", "--long-pairs", "7")
    cli_student = tmp_path / "students" / "memkd-beta10.0-seed0.h5"
    memkd.LSTMClassifier.load(cli_student).save(tmp_path / "student.h5")
    assert differences(cli_student, tmp_path / "student.h5") == []
    memkd.LSTMClassifier.load(cli_teacher).save(tmp_path / "teacher.h5")
    assert differences(cli_teacher, tmp_path / "teacher.h5", resume=True) == []
    loaded = memkd.LSTMClassifier.load(cli_teacher)
    assert loaded.results.complete and loaded.results.kept_run() is not None
    assert len(loaded.history) == 3 and loaded.best_epoch >= 1


def test_python_files_round_trip(cli_teacher, data, tmp_path):
    teacher = memkd.LSTMClassifier.load(cli_teacher)
    student = memkd.distill(teacher, *python_split(teacher, data), "fitnet", epochs=2, seed=5,
                            threads=1, split_seed=0)
    student.evaluate(data.X_test, data.y_test, split="test")
    student.save(tmp_path / "a.h5")
    back = memkd.LSTMClassifier.load(tmp_path / "a.h5")
    assert type(back) is memkd.Student
    for name in ("distillation", "results", "history", "best_epoch", "interrupted", "training",
                 "dataset", "class_labels", "validation_fraction", "seed"):
        assert getattr(back, name) == getattr(student, name), name
    assert back.sha256 == student.sha256 and back.path == str(tmp_path / "a.h5")
    back.save(tmp_path / "b.h5")
    assert differences(tmp_path / "a.h5", tmp_path / "b.h5") == []


# MARK: - Traces


@pytest.mark.parametrize("split_name", ["train", "test"])
def test_python_traces_equal_cli_traces(cli_teacher, cli_train_traces, data, tmp_path,
                                        split_name):
    if split_name == "train":
        cli_file, X, y = cli_train_traces, data.X_train, data.y_train
    else:
        cli_file, X, y = tmp_path / "cli-test.h5", data.X_test, data.y_test
        run_cli("trace", "--checkpoint", cli_teacher, "--data-root", DATA, "--split", "test",
                "--out", cli_file)
    teacher = memkd.LSTMClassifier.load(cli_teacher)
    ours = tmp_path / "python.h5"
    memkd.write_traces(ours, teacher, X, y, str(cli_teacher), split=split_name)
    assert differences(cli_file, ours) == []
    # teacher_path defaults to the file the teacher was loaded from.
    memkd.write_traces(tmp_path / "default.h5", teacher, X, y, split=split_name)
    assert differences(cli_file, tmp_path / "default.h5") == []


def test_traces_of_a_subset_record_its_archive_rows(cli_teacher, cli_train_traces, data,
                                                    split, tmp_path):
    """The idiom: the rows `memkd.split` returned are the archive rows of the subset."""
    _, val = split
    teacher = memkd.LSTMClassifier.load(cli_teacher)
    ours = tmp_path / "val.h5"
    memkd.write_traces(ours, teacher, data.X_train[val], data.y_train[val], split="train",
                       rows=val)
    with h5py.File(ours, "r") as a, h5py.File(cli_train_traces, "r") as b:
        assert a.attrs["split"] == "train"
        np.testing.assert_array_equal(a["sample_index"][()], val)
        for key in ("inputs", "hidden/layer0", "logits", "labels", "sample_index"):
            np.testing.assert_array_equal(a[key][()], b[key][()][val], err_msg=key)
        assert set(a.attrs) == set(b.attrs)
        for name in a.attrs:
            assert np.array_equal(a.attrs[name], b.attrs[name]), name
    assert run_cli_json("inspect", ours)["attributes"]["/"]["split"] == "train"


def test_trace_rows_and_split_are_checked(cli_teacher, data, tmp_path):
    teacher = memkd.LSTMClassifier.load(cli_teacher)
    X, y = data.X_train[:5], data.y_train[:5]
    out = tmp_path / "t.h5"
    cases = [
        (dict(rows=[0, 1, 2]), ValueError, r"rows: expected one archive row per series of X, "
                                           r"shape \[5\], got shape \[3\]"),
        (dict(rows=[[0, 1, 2, 3, 4]]), ValueError, r"shape \[5\], got shape \[1, 5\]"),
        (dict(rows=[0, 1, -2, 3, 4]), ValueError, r"rows\[2\] is -2: archive rows are >= 0"),
        (dict(rows=[4, 1, 2, 4, 0]), ValueError, r"rows\[0\] and rows\[3\] are both 4"),
        (dict(rows=np.arange(5.0)), TypeError, "rows: expected integer archive row indices"),
        (dict(split="validation"), ValueError, "split: expected one of train, test"),
    ]
    for kwargs, error, message in cases:
        with pytest.raises(error, match=message):
            memkd.write_traces(out, teacher, X, y, **kwargs)
    assert not out.exists()
    unsaved = memkd.Teacher(hidden_size=2, layers=1, classes=2)
    with pytest.raises(ValueError, match="teacher_path: the teacher was never saved or loaded"):
        memkd.write_traces(out, unsaved, X, y)
    memkd.write_traces(out, teacher, X, y, rows=np.array([9, 3, 7, 1, 0], dtype=np.uint8),
                       split="test")
    with h5py.File(out, "r") as f:
        assert f.attrs["split"] == "test"
        np.testing.assert_array_equal(f["sample_index"][()], [9, 3, 7, 1, 0])


def test_load_ucr_names_the_python_argument():
    with pytest.raises(OSError, match=r"choose the root with the root= argument or "
                                      r"MEMKD_DATA_ROOT") as error:
        memkd.load_ucr("NoSuchDataset", root=DATA)
    assert "--data-root" not in str(error.value)
