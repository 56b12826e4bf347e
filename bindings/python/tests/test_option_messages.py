"""One rule, one message: the same bad value is rejected by the CLI, a pipeline file and the
Python package with the same text (MemKDCore's option structs judge all three)."""

import subprocess

import numpy as np
import pytest

import memkd
from memkd_testing import DATA, DATASET, require_script

# (scope, key, value as typed on the CLI and in YAML, value in Python, the message).
CASES = [
    ("teacher", "clip", "-1", -1, "clip must be 0 (off) or a positive number (got -1)"),
    ("teacher", "lr", "0", 0, "lr must be a positive number (got 0)"),
    ("teacher", "epochs", "0", 0, "epochs must be an integer >= 1 (got 0)"),
    ("teacher", "plateau", "-1", -1, "plateau must be 0 (off) or an integer >= 1 (got -1)"),
    ("teacher", "batch_size", "0", 0, "batch_size must be an integer >= 1 (got 0)"),
    ("teacher", "validation_fraction", "1.5", 1.5,
     "validation_fraction must be a number strictly between 0 and 1 (got 1.5)"),
    ("preprocessing", "length", "1", 1, "length must be an integer in 2 ... 16777216 (got 1)"),
    ("student", "clip", "-1", -1, "clip must be 0 (off) or a positive number (got -1)"),
    ("student", "short_weight", "-1", -1, "short_weight must be a number >= 0 (got -1)"),
    ("student", "long_weight", "-0.5", -0.5, "long_weight must be a number >= 0 (got -0.5)"),
    ("student", "long_pairs", "0", 0,
     "long_pairs must be an integer in 1 ... 16777216 (or null: T - 1) (got 0)"),
    ("student", "normalization", "l2", "l2",
     "normalization must be one of per-sample-mean, batch-mean, step-norm, none (got 'l2')"),
    ("student", "terms", "medium", "medium", "terms must be one of short, long, both (got 'medium')"),
    # Issue 15: non-finite numbers and huge counts were accepted (or allocated for minutes).
    ("teacher", "clip", "nan", float("nan"),
     "clip must be 0 (off) or a positive number (got nan)"),
    ("student", "short_weight", "nan", float("nan"), "short_weight must be a number >= 0 (got nan)"),
    ("student", "long_weight", "inf", float("inf"), "long_weight must be a number >= 0 (got inf)"),
    ("student", "long_pairs", "1099511627776", 2**40,
     "long_pairs must be an integer in 1 ... 16777216 (or null: T - 1) (got 1099511627776)"),
]


def cli_message(scope, key, text):
    flag = "--" + key.replace("_", "-")
    if scope == "student":
        args = ["distill", "--teacher", "no-such-teacher.h5", "--method", "memkd", flag, text]
    else:
        args = ["train-teacher", "--dataset", DATASET, "--data-root", str(DATA), flag, text]
    result = subprocess.run([require_script(), *args], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0, f"accepted {args}"
    return result.stderr


def yaml_message(tmp_path, scope, key, text):
    # YAML spells the special numbers .nan and .inf (a plain `nan` is the string 'nan').
    text = {"nan": ".nan", "inf": ".inf"}.get(text, text)
    section = {"teacher": f"teacher: {{{key}: {text}}}\n",
               "preprocessing": f"preprocessing: {{{key}: {text}}}\n", "student": ""}[scope]
    student = f"{{method: memkd, {key}: {text}}}" if scope == "student" else "{method: base}"
    path = tmp_path / "bad.yaml"
    path.write_text(f"name: bad\ndata: {{datasets: {DATASET}}}\n{section}students: [{student}]\n")
    result = subprocess.run([require_script(), "status", str(path)], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode != 0, f"accepted {path.read_text()}"
    return result.stderr


@pytest.fixture(scope="module")
def tiny():
    X = np.random.default_rng(0).normal(size=(8, 12)).astype(np.float32)
    y = np.array([0, 1] * 4)
    return X, y, memkd.Teacher(hidden_size=3, layers=1, classes=2)


def python_message(tiny, scope, key, value):
    X, y, teacher = tiny
    with pytest.raises((ValueError, TypeError)) as raised:
        if scope == "preprocessing":
            memkd.preprocess(X, **{key: value})
        elif key == "validation_fraction":
            memkd.split(y, value)
        elif scope == "teacher":
            teacher.fit(X, y, X, y, **{"epochs": 1, key: value})
        else:
            memkd.distill(teacher, X, y, X, y, "memkd", **{"epochs": 1, key: value})
    return str(raised.value)


@pytest.mark.parametrize("scope,key,text,value,message", CASES,
                         ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_every_front_end_gives_the_same_message(tmp_path, tiny, scope, key, text, value,
                                                message):
    cli = cli_message(scope, key, text)
    yaml = yaml_message(tmp_path, scope, key, text)
    python = python_message(tiny, scope, key, value)
    for front_end, said in (("CLI", cli), ("YAML", yaml), ("Python", python)):
        assert message in said, f"{front_end} said: {said}"


def test_option_fields_are_the_cores():
    """The Python defaults are read from the core, not copied."""
    assert memkd.TrainingOptions().lr == 0.001
    assert memkd.Student(classes=2).training.lr == 0.1
    keys = {f.name for f in __import__("dataclasses").fields(memkd.TrainingOptions)}
    assert keys == {o.key for o in memkd._options.fields("training")}
    with pytest.raises(TypeError, match="unexpected keyword argument 'lrr'"):
        memkd.Teacher(hidden_size=2, layers=1, classes=2).fit(
            np.zeros((4, 5)), [0, 1, 0, 1], np.zeros((4, 5)), [0, 1, 0, 1], lrr=0.1)


def test_weight_decay_reaches_training_and_the_checkpoint(tmp_path, tiny):
    """An option added to TrainingConfig alone (weight_decay) is a Python keyword, a CLI flag
    and a YAML key, changes the weights, and is recorded in the checkpoint."""
    X, y, _ = tiny
    plain = memkd.Teacher(hidden_size=3, layers=1, classes=2).fit(X, y, X, y, epochs=2)
    decayed = memkd.Teacher(hidden_size=3, layers=1, classes=2).fit(X, y, X, y, epochs=2,
                                                                   weight_decay=0.5)
    assert plain.training.weight_decay is None and decayed.training.weight_decay == 0.5
    assert any((a != b).any() for a, b in zip(plain.state_dict().values(),
                                              decayed.state_dict().values()))
    decayed.save(tmp_path / "decayed.h5")
    assert memkd.Teacher.load(tmp_path / "decayed.h5").training.weight_decay == 0.5
    assert "weight_decay must be 0 (off) or a positive number (got -1)" in \
        cli_message("teacher", "weight_decay", "-1")
    assert "weight_decay must be 0 (off) or a positive number (got -1)" in \
        yaml_message(tmp_path, "student", "weight_decay", "-1")
