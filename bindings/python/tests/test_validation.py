"""Bad input gives a Python exception that names the argument, never a crash.

Policy: any array-like of a real (integer or float) dtype is accepted and converted to a
C-contiguous float32 (series, hidden states, probabilities) or int64 (labels) array; strided,
Fortran-ordered, float64 and integer input therefore works and gives the same results as the
float32 C-contiguous copy. Everything else raises TypeError (dtype) or ValueError (shape, sizes,
values) with the argument's name in the message.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

import memkd
from pathlib import Path

# The folder holding the `memkd` package these tests import (the child process imports it too).
PACKAGE_ROOT = Path(memkd.__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def model():
    return memkd.LSTMClassifier(hidden_size=3, layers=1, classes=2, seed=0)


@pytest.fixture(scope="module")
def good():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(8, 12)).astype(np.float32)
    y = np.array([0, 1] * 4)
    return X, y


def fit(model, X, y, X_val=None, y_val=None, **options):
    X_val = X if X_val is None else X_val
    y_val = y if y_val is None else y_val
    return model.fit(X, y, X_val, y_val, **{"epochs": 1, "threads": 1, **options})


def bad_inputs(X, y):
    nan, inf = X.copy(), X.copy()
    nan[2, 3], inf[1, 1] = np.nan, np.inf
    return [
        # (description, X, y, X_val, y_val, exception, message pattern)
        ("string dtype", X.astype(str), y, None, None, TypeError, r"X: expected .* got dtype <U"),
        ("object dtype", np.array([[1.0, None]] * 8, dtype=object), y, None, None, TypeError,
         r"X: .*got dtype object"),
        ("complex dtype", X.astype(np.complex64), y, None, None, TypeError, r"X: .*complex64"),
        ("bool dtype", X > 0, y, None, None, TypeError, r"X: .*got dtype bool"),
        ("1-D X", X[0], y, None, None, ValueError, r"X: expected a 2-D or 3-D array"),
        ("4-D X", X[:, :, None, None], y, None, None, ValueError, r"X: expected a 2-D or 3-D"),
        ("2 channels", np.stack([X, X], axis=2), y, None, None, ValueError,
         r"X: series have 2 channel"),
        ("ragged X", [[1.0, 2.0], [3.0]] * 4, y, None, None, ValueError, r"X: cannot be read"),
        ("empty X", X[:0], y[:0], None, None, ValueError, r"X: empty"),
        ("NaN in X", nan, y, None, None, ValueError, r"X: contains 1 non-finite .*NaN"),
        ("inf in X", inf, y, None, None, ValueError, r"X: contains 1 non-finite .*infinite"),
        ("float32 overflow", X.astype(np.float64) * 1e300, y, None, None, ValueError,
         r"X: contains .*too large for float32"),
        ("NaN in X_val", X, y, nan, y, ValueError, r"X_val: contains"),
        ("X_val of another length", X, y, X[:, :5], y, ValueError, r"X_val: series of shape"),
        ("string labels", X, y.astype(str), None, None, TypeError, r"y: expected integer"),
        ("2-D labels", X, y[:, None], None, None, ValueError, r"y: expected a 1-D array"),
        ("too few labels", X, y[:-1], None, None, ValueError, r"y: 7 labels for 8 series"),
        ("too few val labels", X, y, X, y[:-2], ValueError, r"y_val: 6 labels for 8 series"),
        ("label out of range", X, y + 1, None, None, ValueError, r"y: label 2 is out of range"),
        ("negative label", X, y - 1, None, None, ValueError, r"y: labels must be class indices"),
        ("fractional label", X, y + 0.5, None, None, ValueError, r"y: labels must be whole"),
        ("NaN label", X, np.where(y == 1, np.nan, 0.0), None, None, ValueError, r"y: .*NaN"),
        ("None", None, y, None, None, TypeError, r"X: expected an array, got None"),
    ]


@pytest.mark.parametrize("case", range(23))
def test_bad_arrays_raise_naming_the_argument(model, good, case):
    description, X, y, X_val, y_val, error, pattern = bad_inputs(*good)[case]
    before = model.state_dict()
    with pytest.raises(error, match=pattern):
        fit(model, X, y, X_val, y_val)
    assert all(np.array_equal(before[k], v) for k, v in model.state_dict().items()), description


def test_prediction_and_loss_inputs_are_checked(model, good):
    X, y = good
    with pytest.raises(ValueError, match=r"X: contains"):
        model.predict_proba(np.full((2, 5), np.nan))
    with pytest.raises(TypeError, match=r"X: .*dtype <U"):
        model.hidden_states([["a", "b"]])
    with pytest.raises(ValueError, match="y: label 5"):
        model.evaluate(X, np.full(8, 5))
    with pytest.raises(ValueError, match="has no weights"):
        memkd.LSTMClassifier(hidden_size=3).predict(X)
    h = np.zeros((2, 6, 3), np.float32)
    with pytest.raises(ValueError, match="teacher_h: expected a 3-D array"):
        memkd.losses.memkd(h[0], h)
    with pytest.raises(ValueError, match=r"student_h: shape \(2, 5, 3\) does not match"):
        memkd.losses.memkd(h, h[:, :5])
    with pytest.raises(ValueError, match="student_h: contains"):
        memkd.losses.memkd(h, np.full_like(h, np.inf))
    with pytest.raises(TypeError, match="teacher_h: .*object"):
        memkd.losses.memkd(np.array([[[None]]]), h)
    with pytest.raises(ValueError, match="normalization must be one of"):
        memkd.losses.memkd(h, h, normalization="l2")
    with pytest.raises(ValueError, match=r"long_pairs must be an integer in 1 \.\.\. 16777216 \(or null: T - 1\) \(got -1\)"):
        memkd.losses.memkd(h, h, long_pairs=-1)
    with pytest.raises(TypeError, match="seed: expected an int"):
        memkd.losses.memkd(h, h, seed=1.5)
    with pytest.raises(ValueError, match="seed: must be <= "):
        memkd.losses.memkd(h, h, seed=2**64)
    with pytest.raises(ValueError, match="probabilities: contains"):
        memkd.metrics.auc_prc(np.full((4, 2), np.nan), [0, 1, 0, 1])
    with pytest.raises(ValueError, match="y: label 2 is out of range for 2 classes"):
        memkd.metrics.accuracy(np.full((4, 2), 0.5), [0, 1, 2, 1])
    with pytest.raises(ValueError, match="y: 3 labels for 4 series"):
        memkd.metrics.auc_roc(np.full((4, 2), 0.5), [0, 1, 1])
    with pytest.raises(ValueError, match="X: expected a 2-D or 3-D array"):
        memkd.preprocess(np.zeros((2, 3, 1, 1)))
    with pytest.raises(ValueError, match="validation_fraction must be a number strictly between 0 and 1"):
        memkd.split(y, 1.0)


@pytest.mark.parametrize("option,value,error", [
    ("epochs", 0, ValueError), ("epochs", 2.0, TypeError), ("lr", -0.1, ValueError),
    ("lr", float("nan"), ValueError), ("batch_size", 0, ValueError), ("patience", 0, ValueError),
    ("clip", -1.0, ValueError), ("plateau", -1, ValueError), ("threads", 0, ValueError),
    ("threads", True, TypeError), ("verbose", "yes", TypeError), ("warm_start", 1, TypeError),
])
def test_bad_options_raise_naming_the_option(model, good, option, value, error):
    with pytest.raises(error, match=option):
        fit(model, *good, **{option: value})


def test_converted_input_gives_the_same_results(good):
    """Strided, Fortran-ordered, float64, integer and list input is converted, not rejected."""
    X, y = good
    wide = np.repeat(X, 2, axis=1)                    # [8, 24]; wide[:, ::2] == X
    variants = {
        "strided": wide[:, ::2],
        "fortran": np.asfortranarray(X),
        "float64": X.astype(np.float64),
        "list": X.tolist(),
        "reversed view": X[::-1][::-1],
    }
    assert not variants["strided"].flags.c_contiguous and not variants["fortran"].flags.c_contiguous

    def run(X_in, y_in):
        m = memkd.LSTMClassifier(hidden_size=3, layers=1, seed=0)
        m.fit(X_in, y_in, X_in, y_in, epochs=1, threads=1)
        return m.state_dict(), m.predict_proba(X_in)

    reference = run(X, y)
    for name, variant in variants.items():
        state, probabilities = run(variant, y.astype(np.int32) if name == "list" else y)
        assert all(np.array_equal(state[k], v) for k, v in reference[0].items()), name
        np.testing.assert_array_equal(probabilities, reference[1], err_msg=name)
    state, _ = run(X, y.astype(np.float64))           # whole-valued float labels
    assert all(np.array_equal(state[k], v) for k, v in reference[0].items())
    rounded = (X * 4).round().astype(np.int16)         # integer series
    np.testing.assert_array_equal(memkd.preprocess(rounded, 12), memkd.preprocess(
        rounded.astype(np.float32), 12))


# MARK: - The extension itself, called with wrong arguments, in a child process

EXTENSION_CASES = r'''
import sys, numpy as np
import memkd._memkd as m

config = (1, 3, 1, 2, "lstm")
params = [np.frombuffer(b, dtype="<f4").copy() for b in m.init_parameters(config, 0)]
params = [p.reshape(s) for p, (_, s) in zip(params, m.parameter_layout(*config))]
X = np.random.default_rng(0).normal(size=(6, 10, 1)).astype(np.float32)
y = np.array([0, 1] * 3, dtype=np.int64)
training = (0.01, 1, 4, 5, 1.0, 0, 0)
memkd_opts = ("both", "per-sample-mean", -1, 1.0, 1.0, -1)
h = np.zeros((2, 5, 3), np.float32)

cases = {
    "no arguments": lambda: m.fit(),
    "parameter_count str": lambda: m.parameter_count("a", 1, 1, 2, "lstm"),
    "parameter_count negative": lambda: m.parameter_count(1, -5, 1, 2, "lstm"),
    "parameter_count huge int": lambda: m.parameter_count(1, 2**70, 1, 2, "lstm"),
    "parameter_count overflowing product": lambda: m.parameter_count(1, 2**40, 2**20, 2, "gru"),
    "parameter_layout float": lambda: m.parameter_layout(1, 2.5, 1, 2, "lstm"),
    "init_parameters short config": lambda: m.init_parameters((1, 3, 1), 0),
    "init_parameters config without cell": lambda: m.init_parameters((1, 3, 1, 2), 0),
    "init_parameters unknown cell": lambda: m.init_parameters((1, 3, 1, 2, "lstm2"), 0),
    "init_parameters cell int": lambda: m.init_parameters((1, 3, 1, 2, 4), 0),
    "init_parameters cell NUL": lambda: m.init_parameters((1, 3, 1, 2, "gru\0"), 0),
    "parameter_count no cell": lambda: m.parameter_count(1, 3, 1, 2),
    "parameter_count cell None": lambda: m.parameter_count(1, 3, 1, 2, None),
    "parameter_layout unknown cell": lambda: m.parameter_layout(1, 3, 1, 2, "GRU"),
    "fit cell mismatch": lambda: m.fit((1, 3, 1, 2, "gru"), params, X, y, X, y, training, 1, None),
    "stream_new unknown cell": lambda: m.stream_new((1, 3, 1, 2, "lstm2"), params, "none"),
    "stream_new cell mismatch": lambda: m.stream_new((1, 3, 1, 2, "rnn"), params, "none"),
    "init_parameters config str": lambda: m.init_parameters("1312", 0),
    "init_parameters negative seed": lambda: m.init_parameters(config, -1),
    "init_parameters seed 2**64": lambda: m.init_parameters(config, 2**64),
    "init_parameters overflowing size": lambda: m.init_parameters((1, 2**40, 1, 2, "rnn"), 0),
    "load_ucr name int": lambda: m.load_ucr(123, None, 100, True),
    "load_ucr root int": lambda: m.load_ucr("ItalyPowerDemand", 5, 100, True),
    "load_ucr length 0": lambda: m.load_ucr("ItalyPowerDemand", None, 0, True),
    "load_ucr missing": lambda: m.load_ucr("NoSuchDataset", "/nonexistent", 100, True),
    "preprocess non-contiguous": lambda: m.preprocess(np.zeros((2, 10), np.float32)[:, ::2], 10, True),
    "preprocess bytes": lambda: m.preprocess(b"abcdefgh", 10, True),
    "preprocess 1-D": lambda: m.preprocess(np.zeros(5, np.float32), 10, True),
    "preprocess NaN": lambda: m.preprocess(np.full((2, 5), np.nan, np.float32), 10, True),
    "preprocess None": lambda: m.preprocess(None, 10, True),
    "preprocess huge length": lambda: m.preprocess(np.zeros((2, 5), np.float32), 2**62, True),
    "load_ucr huge length": lambda: m.load_ucr("ItalyPowerDemand", None, 2**62, True),
    "fit huge hidden size": lambda: m.fit((1, 2**40, 1, 2, "lstm"), params, X, y, X, y, training, 1, None),
    "distill huge student": lambda: m.distill(config, params, 2**40, 1, X, y, X, y, "memkd", memkd_opts, 1.0, training, 1, None),
    "split int32": lambda: m.split(y.astype(np.int32), 0.2, 0),
    "split fraction": lambda: m.split(y, 1.5, 0),
    "split seed": lambda: m.split(y, 0.2, -1),
    "fit params too few": lambda: m.fit(config, params[:-1], X, y, X, y, training, 1, None),
    "fit params wrong size": lambda: m.fit(config, [np.zeros(1, np.float32)] * 6, X, y, X, y, training, 1, None),
    "fit params float64": lambda: m.fit(config, [p.astype(np.float64) for p in params], X, y, X, y, training, 1, None),
    "fit params not a list": lambda: m.fit(config, 42, X, y, X, y, training, 1, None),
    "fit X float64": lambda: m.fit(config, params, X.astype(np.float64), y, X, y, training, 1, None),
    "fit X non-contiguous": lambda: m.fit(config, params, np.repeat(X, 2, axis=1)[:, ::2], y, X, y, training, 1, None),
    "fit X NaN": lambda: m.fit(config, params, np.full_like(X, np.nan), y, X, y, training, 1, None),
    "fit X empty": lambda: m.fit(config, params, X[:0], y[:0], X, y, training, 1, None),
    "fit X_val other T": lambda: m.fit(config, params, X, y, X[:, :4], y, training, 1, None),
    "fit y int32": lambda: m.fit(config, params, X, y.astype(np.int32), X, y, training, 1, None),
    "fit y out of range": lambda: m.fit(config, params, X, y + 5, X, y, training, 1, None),
    "fit y too short": lambda: m.fit(config, params, X, y[:2], X, y, training, 1, None),
    "fit training short": lambda: m.fit(config, params, X, y, X, y, training[:5], 1, None),
    "fit epochs negative": lambda: m.fit(config, params, X, y, X, y, (0.01, -1, 4, 5, 1.0, 0, 0), 1, None),
    "fit batch 0": lambda: m.fit(config, params, X, y, X, y, (0.01, 1, 0, 5, 1.0, 0, 0), 1, None),
    "fit lr NaN": lambda: m.fit(config, params, X, y, X, y, (float("nan"), 1, 4, 5, 1.0, 0, 0), 1, None),
    "fit threads 0": lambda: m.fit(config, params, X, y, X, y, training, 0, None),
    "fit callback not callable": lambda: m.fit(config, params, X, y, X, y, training, 1, 42),
    "fit callback wrong arity": lambda: m.fit(config, params, X, y, X, y, training, 1, lambda: None),
    "fit config mismatch": lambda: m.fit((1, 4, 1, 2, "lstm"), params, X, y, X, y, training, 1, None),
    "predict_proba X 1-D": lambda: m.predict_proba(config, params, np.zeros(10, np.float32)),
    "predict_proba 2 channels": lambda: m.predict_proba(config, params, np.zeros((2, 10, 2), np.float32)),
    "hidden_states no params": lambda: m.hidden_states(config, [], X),
    "hidden_states memoryview": lambda: m.hidden_states(config, params, memoryview(b"\0" * 40)),
    "distill bad method": lambda: m.distill(config, params, 2, 1, X, y, X, y, "bogus", memkd_opts, 1.0, training, 1, None),
    "distill bad terms": lambda: m.distill(config, params, 2, 1, X, y, X, y, "memkd", ("bogus",) + memkd_opts[1:], 1.0, training, 1, None),
    "distill memkd tuple short": lambda: m.distill(config, params, 2, 1, X, y, X, y, "memkd", memkd_opts[:3], 1.0, training, 1, None),
    "distill hidden 0": lambda: m.distill(config, params, 0, 1, X, y, X, y, "memkd", memkd_opts, 1.0, training, 1, None),
    "distill teacher layer 7": lambda: m.distill(config, params, 2, 1, X, y, X, y, "memkd", memkd_opts[:5] + (7,), 1.0, training, 1, None),
    "distill beta NaN": lambda: m.distill(config, params, 2, 1, X, y, X, y, "memkd", memkd_opts, float("nan"), training, 1, None),
    "memkd_loss 2-D": lambda: m.memkd_loss(h[0], h[0], "both", "none", -1, 1.0, 1.0, 0, False),
    "memkd_loss batch mismatch": lambda: m.memkd_loss(h, h[:1], "both", "none", -1, 1.0, 1.0, 0, False),
    "memkd_loss terms": lambda: m.memkd_loss(h, h, "medium", "none", -1, 1.0, 1.0, 0, False),
    "memkd_loss normalization": lambda: m.memkd_loss(h, h, "both", "l2", -1, 1.0, 1.0, 0, False),
    "memkd_loss long pairs": lambda: m.memkd_loss(h, h, "both", "none", -5, 1.0, 1.0, 0, False),
    "memkd_loss float64": lambda: m.memkd_loss(h.astype(np.float64), h, "both", "none", -1, 1.0, 1.0, 0, False),
    "memkd_loss NaN": lambda: m.memkd_loss(np.full_like(h, np.nan), h, "both", "none", -1, 1.0, 1.0, 0, False),
    "metrics classes 1": lambda: m.metrics(np.full((4, 1), 0.5, np.float32), y[:4] * 0, 1),
    "metrics y out of range": lambda: m.metrics(np.full((4, 2), 0.5, np.float32), y[:4] + 3, 2),
    "save_checkpoint bad folder": lambda: m.save_checkpoint("/nonexistent/dir/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, None, False),
    "save_checkpoint bad kind": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "bogus", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, None, False),
    "save_checkpoint label count": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a"], 10, True, 0.2, [], 1, None, None, False),
    "save_checkpoint int labels": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", [1, 2], 10, True, 0.2, [], 1, None, None, False),
    "save_checkpoint old arity": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, training),
    "save_checkpoint initialisations 0": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 0, None, None, False),
    "save_checkpoint results list": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, [0, 1], None, False),
    "save_checkpoint results short": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, (0, (1.0, 1.0, 1.0, [])), None, False),
    "save_checkpoint results bad json": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, (0, (1.0, 1.0, 1.0, []), (1.0, 1.0, 1.0, []), 0.5, "[{"), None, False),
    "save_checkpoint results json object": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, (0, (1.0, 1.0, 1.0, []), (1.0, 1.0, 1.0, []), 0.5, '{"seed": 1}'), None, False),
    "save_checkpoint results skipped class": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, (0, (1.0, 1.0, 1.0, [7]), (1.0, 1.0, 1.0, []), 0.5, "[]"), None, False),
    "save_checkpoint results skipped huge": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, (0, (1.0, 1.0, 1.0, [2**70]), (1.0, 1.0, 1.0, []), 0.5, "[]"), None, False),
    "save_checkpoint results metrics str": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, (0, ("1", 1.0, 1.0, []), (1.0, 1.0, 1.0, []), 0.5, "[]"), None, False),
    "save_checkpoint results negative seed": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, (-1, (1.0, 1.0, 1.0, []), (1.0, 1.0, 1.0, []), 0.5, "[]"), None, False),
    "save_checkpoint distillation method": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "student", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, ("nope", 1.0, None, None, []), False),
    "save_checkpoint distillation beta": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "student", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, ("memkd", float("nan"), None, None, []), False),
    "save_checkpoint distillation sha": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "student", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, ("memkd", 1.0, "xyz", None, []), False),
    "save_checkpoint distillation seed": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "student", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, ("memkd", 1.0, None, -3, []), False),
    "save_checkpoint distillation option clash": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "student", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, ("memkd", 1.0, None, None, [("option_beta", 1), ("beta", 2)]), False),
    "save_checkpoint distillation option twice": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "student", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, ("memkd", 1.0, None, None, [("a", 1), ("a", 2)]), False),
    "save_checkpoint distillation option object": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "student", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, ("memkd", 1.0, None, None, [("a", object())]), False),
    "save_checkpoint interrupted int": lambda: m.save_checkpoint(sys.argv[1] + "/x.h5", "teacher", config, params, "d", ["a", "b"], 10, True, 0.2, [], 1, None, None, 1),
    "load_checkpoint missing": lambda: m.load_checkpoint("/nonexistent/x.h5"),
    "load_checkpoint not hdf5": lambda: m.load_checkpoint(sys.argv[2]),
    "load_checkpoint int": lambda: m.load_checkpoint(123),
    "write_traces missing teacher": lambda: m.write_traces(sys.argv[1] + "/t.h5", config, params, X, y, "d", ["a", "b"], 10, True, "/nonexistent/teacher.h5", "train", np.arange(6)),
    "write_traces old arity": lambda: m.write_traces(sys.argv[1] + "/t.h5", config, params, X, y, "d", ["a", "b"], 10, True, "/nonexistent/teacher.h5"),
    "write_traces split": lambda: m.write_traces(sys.argv[1] + "/t.h5", config, params, X, y, "d", ["a", "b"], 10, True, "/nonexistent/teacher.h5", "validation", np.arange(6)),
    "write_traces rows short": lambda: m.write_traces(sys.argv[1] + "/t.h5", config, params, X, y, "d", ["a", "b"], 10, True, "/nonexistent/teacher.h5", "train", np.arange(3)),
    "write_traces rows int32": lambda: m.write_traces(sys.argv[1] + "/t.h5", config, params, X, y, "d", ["a", "b"], 10, True, "/nonexistent/teacher.h5", "train", np.arange(6, dtype=np.int32)),
    "write_traces rows negative": lambda: m.write_traces(sys.argv[1] + "/t.h5", config, params, X, y, "d", ["a", "b"], 10, True, "/nonexistent/teacher.h5", "train", np.arange(6) - 1),
    "write_traces rows twice": lambda: m.write_traces(sys.argv[1] + "/t.h5", config, params, X, y, "d", ["a", "b"], 10, True, "/nonexistent/teacher.h5", "test", np.zeros(6, dtype=np.int64)),
    "evaluate float labels": lambda: m.evaluate(config, params, X, y.astype(np.float64)),
    "evaluate labels out of range": lambda: m.evaluate(config, params, X, y + 5),
    "evaluate label count": lambda: m.evaluate(config, params, X, y[:2]),
    "recorded_options method": lambda: m.recorded_options("nope", []),
    "recorded_options memkd option on dkd": lambda: m.recorded_options("dkd", [("terms", "short")]),
    "recorded_options bad value": lambda: m.recorded_options("memkd", [("terms", "medium")]),
    "recorded_options unknown key": lambda: m.recorded_options("memkd", [("hidden", 3)]),
}
allowed = (TypeError, ValueError, OSError, OverflowError, MemoryError)
for name, call in list(cases.items())[int(sys.argv[3]):]:
    print("CASE", name, flush=True)
    try:
        call()
    except allowed as error:
        print("RAISED", name, type(error).__name__, str(error).replace("\n", " ")[:200], flush=True)
    except BaseException as error:
        print("OTHER", name, type(error).__name__, str(error).replace("\n", " ")[:200], flush=True)
    else:
        print("NO-ERROR", name, flush=True)
print("DONE", flush=True)
'''


def test_extension_never_crashes_on_wrong_arguments(tmp_path):
    """Each call is wrong; every one must raise TypeError, ValueError, OSError, OverflowError or
    MemoryError in the child process. A case that kills the child is recorded and the child is
    restarted after it, so one run lists every crash."""
    not_hdf5 = tmp_path / "not-hdf5.h5"
    not_hdf5.write_text("hello")
    script = tmp_path / "cases.py"
    script.write_text(textwrap.dedent(EXTENSION_CASES))
    env = {"PYTHONPATH": str(PACKAGE_ROOT), "OPENBLAS_NUM_THREADS": "1", "PATH": "/usr/bin:/bin"}
    crashes, problems, raised, start = [], [], 0, 0
    while True:
        result = subprocess.run(
            [sys.executable, str(script), str(tmp_path), str(not_hdf5), str(start)],
            capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
        lines = result.stdout.splitlines()
        started = [line[5:] for line in lines if line.startswith("CASE ")]
        problems += [line for line in lines if line.startswith(("OTHER", "NO-ERROR"))]
        raised += len([line for line in lines if line.startswith("RAISED")])
        if result.returncode == 0 and lines and lines[-1] == "DONE":
            break
        assert started, f"the child process died before the first case:\n{result.stderr[-2000:]}"
        signal_line = next((line for line in result.stderr.splitlines()
                            if "Fatal error" in line or "error:" in line.lower()), "")
        crashes.append(f"{started[-1]!r}: exit {result.returncode} {signal_line.strip()[:200]}")
        start += len(started)
    assert not crashes, "the extension crashed the interpreter in:\n" + "\n".join(crashes)
    assert not problems, "\n".join(problems)
    assert raised > 60


def test_preprocessing_lengths_follow_the_cli_rules():
    """Python kept its own bounds (1 ... 2^24, length x series <= 2^31) beside the core's rule
    (2 ... 2^24) and dataset budget (2^28 values); now both come from MemKDCore."""
    import memkd
    from memkd import _memkd
    assert _memkd.limits()["values"] == memkd._arrays.MAX_VALUES == 2**28
    X = np.ones((2**10, 4))
    with pytest.raises(ValueError, match=r"length must be an integer in 2 \.\.\. 16777216"):
        _memkd.preprocess(X, 1, True)
    with pytest.raises(ValueError, match="a dataset may hold; choose a shorter length"):
        _memkd.preprocess(X, 2**19, True)
    assert memkd.preprocess(X[:2], length=3).shape == (2, 3)
