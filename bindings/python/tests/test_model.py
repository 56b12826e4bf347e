"""The Python API on its own: data, split, models, training, files, metrics."""

from __future__ import annotations

import numpy as np
import pytest

import memkd
from memkd_testing import DATA, DATASET

FAST = dict(epochs=3, threads=1)


def subset(data, rows):
    return data.X_train[rows], data.y_train[rows]


@pytest.fixture(scope="module")
def fitted(data, split):
    """A 1 x 6 teacher trained for 3 epochs."""
    train, val = split
    model = memkd.LSTMClassifier(hidden_size=6, layers=1, seed=1)
    return model.fit(*subset(data, train), *subset(data, val), **FAST)


def test_load_ucr_shapes_and_labels(data):
    assert data.X_train.dtype == np.float32 and data.X_train.shape == (67, 100)
    assert data.X_test.dtype == np.float32 and data.X_test.shape == (1029, 100)
    assert data.y_train.dtype == np.int64 and data.y_train.shape == (67,)
    assert data.class_labels == ["1", "2"] and data.classes == 2
    assert set(np.unique(data.y_test)) == {0, 1}
    X_train, y_train, X_test, y_test, labels = data
    assert X_train is data.X_train and labels == data.class_labels
    # z-normalised series: mean 0, population std 1.
    np.testing.assert_allclose(data.X_train.mean(axis=1), 0, atol=1e-5)
    np.testing.assert_allclose(data.X_train.std(axis=1), 1, atol=1e-4)


def test_labels_map_to_the_archive_labels(data):
    raw = np.loadtxt(DATA / DATASET / f"{DATASET}_TRAIN.tsv", delimiter="\t")
    original = [data.class_labels[k] for k in data.y_train]
    assert original == [str(int(v)) for v in raw[:, 0]]


def test_preprocess_takes_channels_and_series_of_different_lengths():
    """Before: `preprocess` refused multichannel and variable-length input."""
    rng = np.random.default_rng(4)
    channels = rng.normal(size=(5, 3, 40))                 # aeon's [N, C, T]
    out = memkd.preprocess(channels, 25)
    assert out.shape == (5, 3, 25)
    for c in range(3):                                     # each channel on its own
        np.testing.assert_array_equal(out[:, c], memkd.preprocess(channels[:, c], 25))
    ragged = [rng.normal(size=n) for n in (30, 45, 60)]
    out = memkd.preprocess(ragged, 20, z_normalize=False)
    assert out.shape == (3, 20)
    for row, series in zip(out, ragged):
        np.testing.assert_array_equal(row, memkd.preprocess(series[None], 20, False)[0])
    assert memkd.preprocess([rng.normal(size=(2, n)) for n in (9, 11)], 8).shape == (2, 2, 8)
    with pytest.raises(ValueError, match="different numbers of channels"):
        memkd.preprocess([np.zeros(5), np.zeros((2, 5))])


def test_preprocess_is_what_load_ucr_applies(data, tmp_path):
    raw = np.loadtxt(DATA / DATASET / f"{DATASET}_TRAIN.tsv", delimiter="\t")[:, 1:]
    assert raw.shape[1] == 24
    # `_memkd.preprocess` reads float32, `load_ucr` parses the files as float64: equal up to
    # the float32 rounding of the input.
    np.testing.assert_allclose(memkd.preprocess(raw, 100), data.X_train, atol=1e-6)
    np.testing.assert_allclose(memkd.preprocess(raw, 24, z_normalize=False), raw, rtol=1e-6)
    np.testing.assert_array_equal(memkd.preprocess(np.ones((2, 5)), 7), np.zeros((2, 7)))
    # Series whose values are float32 numbers give exactly load_ucr's arrays.
    rng = np.random.default_rng(0)
    values = rng.integers(-400, 400, size=(6, 17)) / 64
    labels = np.array(["3", "-1", "3", "7", "-1", "7"])
    folder = tmp_path / "Toy"
    folder.mkdir()
    for split in ("TRAIN", "TEST"):
        lines = ["\t".join([label] + [str(float(v)) for v in row]) for label, row in zip(labels, values)]
        (folder / f"Toy_{split}.tsv").write_text("\n".join(lines) + "\n")
    toy = memkd.load_ucr("Toy", root=tmp_path, length=40)
    np.testing.assert_array_equal(toy.X_train, memkd.preprocess(values, 40))
    assert [toy.class_labels[k] for k in toy.y_train] == labels.tolist()
    raw_toy = memkd.load_ucr("Toy", root=str(tmp_path), length=17, z_normalize=False)
    np.testing.assert_array_equal(raw_toy.X_test, values.astype(np.float32))
    with pytest.raises(OSError):
        memkd.load_ucr("NoSuchDataset", root=tmp_path)


def test_split_is_a_seeded_stratified_partition(data):
    train, val = memkd.split(data.y_train, 0.2, seed=0)
    assert train.dtype == np.int64 and val.dtype == np.int64
    assert sorted(np.concatenate([train, val]).tolist()) == list(range(67))
    for k in (0, 1):
        share = np.mean(data.y_train[val] == k) / np.mean(data.y_train == k)
        assert abs(share * len(val) / 67 - 0.2) < 0.1
    again = memkd.split(data.y_train, 0.2, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again, (train, val)))
    assert not np.array_equal(memkd.split(data.y_train, 0.2, seed=1)[1], val)


def test_teacher_and_student_defaults():
    teacher, student = memkd.Teacher(classes=2), memkd.Student(classes=2)
    assert (teacher.hidden_size, teacher.layers, teacher.kind) == (100, 3, "teacher")
    assert (student.hidden_size, student.layers, student.kind) == (8, 1, "student")
    assert teacher.parameter_count() == 202_800 + 101 * 2 == memkd.parameter_count(1, 100, 3, 2)
    assert student.parameter_count() == 370
    assert teacher.training.lr == 0.001 and student.training.lr == 0.1
    assert memkd.LSTMClassifier().classes is None and not memkd.LSTMClassifier().is_fitted


def test_state_dict_has_pytorch_names_and_shapes():
    model = memkd.LSTMClassifier(input_size=2, hidden_size=5, layers=2, classes=3, seed=4)
    sd = model.state_dict()
    assert {k: v.shape for k, v in sd.items()} == {
        "lstm.weight_ih_l0": (20, 2), "lstm.weight_hh_l0": (20, 5), "lstm.bias_ih_l0": (20,),
        "lstm.bias_hh_l0": (20,), "lstm.weight_ih_l1": (20, 5), "lstm.weight_hh_l1": (20, 5),
        "lstm.bias_ih_l1": (20,), "lstm.bias_hh_l1": (20,), "head.weight": (3, 5),
        "head.bias": (3,)}
    assert all(v.dtype == np.float32 for v in sd.values())
    # PyTorch's initialisation: U(-1/sqrt(H), 1/sqrt(H)); seeded.
    assert all(np.abs(v).max() <= 1 / np.sqrt(5) + 1e-7 for v in sd.values())
    same = memkd.LSTMClassifier(input_size=2, hidden_size=5, layers=2, classes=3, seed=4)
    other = memkd.LSTMClassifier(input_size=2, hidden_size=5, layers=2, classes=3, seed=5)
    assert all(np.array_equal(sd[k], same.state_dict()[k]) for k in sd)
    assert not np.array_equal(sd["head.weight"], other.state_dict()["head.weight"])
    # Copies: changing one does not change the model.
    sd["head.bias"][:] = 7
    assert not (model.state_dict()["head.bias"] == 7).any()
    model.load_state_dict(sd)
    assert (model.state_dict()["head.bias"] == 7).all()
    with pytest.raises(KeyError, match="missing keys"):
        model.load_state_dict({k: v for k, v in sd.items() if k != "head.bias"})
    with pytest.raises(ValueError, match=r"state_dict\['head.weight'\]: shape"):
        model.load_state_dict({**sd, "head.weight": np.zeros((5, 3), np.float32)})


def test_fit_predict_and_hidden_states(fitted, data):
    model = fitted
    assert model.classes == 2 and model.is_fitted and model.length == 100
    assert 1 <= len(model.history) <= 3 and 1 <= model.best_epoch <= len(model.history)
    assert [e.epoch for e in model.history] == list(range(1, len(model.history) + 1))
    assert model.training == memkd.TrainingOptions(lr=0.001, epochs=3, seed=1)
    X = data.X_test[:200]
    probabilities = model.predict_proba(X)
    assert probabilities.dtype == np.float64 and probabilities.shape == (200, 2)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(model.predict(X), probabilities.argmax(axis=1))
    # [N, T] and [N, T, 1] are the same input; rows do not depend on the batch.
    np.testing.assert_array_equal(model.predict_proba(X[:, :, None]), probabilities)
    np.testing.assert_array_equal(model.predict_proba(X[7:9]), probabilities[7:9])
    hidden = model.hidden_states(data.X_test[:10])
    assert len(hidden) == 1 and hidden[0].shape == (10, 100, 6) and hidden[0].dtype == np.float32
    sd = model.state_dict()
    logits = hidden[0][:, -1, :].astype(np.float64) @ sd["head.weight"].T + sd["head.bias"]
    softmax = np.exp(logits - logits.max(axis=1, keepdims=True))
    softmax /= softmax.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax, probabilities[:10], atol=1e-5)


def test_training_is_deterministic_and_thread_independent(data, split, fitted):
    train, val = split
    again = memkd.LSTMClassifier(hidden_size=6, layers=1, seed=1).fit(
        *subset(data, train), *subset(data, val), epochs=3, threads=2)
    assert again.history == fitted.history
    for key, value in fitted.state_dict().items():
        np.testing.assert_array_equal(again.state_dict()[key], value, err_msg=key)
    other = memkd.LSTMClassifier(hidden_size=6, layers=1, seed=2).fit(
        *subset(data, train), *subset(data, val), **FAST)
    assert not np.array_equal(other.state_dict()["head.weight"], fitted.state_dict()["head.weight"])


def test_warm_start_continues_from_the_weights(data, split, fitted):
    train, val = split
    model = memkd.LSTMClassifier(hidden_size=6, layers=1, seed=1)
    model.load_state_dict(fitted.state_dict())
    model.fit(*subset(data, train), *subset(data, val), epochs=1, threads=1, warm_start=True,
              lr=1e-9)
    # With a vanishing learning rate the weights barely move from the fitted ones.
    for key, value in fitted.state_dict().items():
        np.testing.assert_allclose(model.state_dict()[key], value, atol=1e-6, err_msg=key)


def test_callback_and_verbose(data, split, capsys):
    train, val = split
    seen = []
    model = memkd.Student(hidden_size=3, seed=0).fit(
        *subset(data, train), *subset(data, val), epochs=2, threads=1, callback=seen.append,
        verbose=True)
    assert [info.epoch for info in seen] == [1, 2] and all(i.max_epochs == 2 for i in seen)
    assert all(isinstance(i, memkd.EpochInfo) and 0 <= i.val_auc_prc <= 1 for i in seen)
    assert [(i.epoch, i.train_loss, i.val_loss, i.val_auc_prc, i.lr) for i in seen] == \
        [tuple(e) for e in model.history]
    assert seen[0].lr == 0.1                                   # Student's default
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 2 and err[0].startswith("epoch 1/2") and "val AUC-PRC" in err[0]


def test_a_raising_callback_stops_training_and_keeps_the_best_weights(data, split):
    """Before: the model kept the weights it had before `fit`, and the epoch was lost."""
    train, val = split
    once = memkd.Student(hidden_size=3, classes=2, seed=0)
    once.fit(*subset(data, train), *subset(data, val), epochs=1, threads=1)
    model = memkd.Student(hidden_size=3, classes=2, seed=0)
    calls = []

    def stop(info):
        calls.append(info.epoch)
        raise KeyboardInterrupt("stop here")

    with pytest.raises(KeyboardInterrupt, match="stop here"):
        model.fit(*subset(data, train), *subset(data, val), epochs=50, threads=1, callback=stop)
    assert calls == [1]
    assert model.interrupted and not once.interrupted
    assert model.best_epoch == 1 and len(model.history) == 1
    assert all(np.array_equal(once.state_dict()[k], v) for k, v in model.state_dict().items())
    with pytest.raises(TypeError, match="callback"):
        model.fit(*subset(data, train), *subset(data, val), epochs=1, callback=42)


def test_save_and_load_round_trip(fitted, tmp_path):
    fitted.dataset, fitted.class_labels = DATASET, ["1", "2"]
    path = tmp_path / "model.h5"
    fitted.save(path)
    loaded = memkd.LSTMClassifier.load(path)
    assert type(loaded) is memkd.Teacher and loaded.kind == "teacher"
    assert (loaded.config, loaded.dataset, loaded.class_labels, loaded.length,
            loaded.z_normalize, loaded.validation_fraction, loaded.training) == \
        (fitted.config, DATASET, ["1", "2"], 100, True, 0.2, fitted.training)
    for key, value in fitted.state_dict().items():
        np.testing.assert_array_equal(loaded.state_dict()[key], value, err_msg=key)
    student = memkd.Student(hidden_size=3, classes=2, seed=9)
    student.save(str(tmp_path / "student.h5"))
    back = memkd.LSTMClassifier.load(tmp_path / "student.h5")
    assert type(back) is memkd.Student and back.seed == 9 and back.class_labels == ["0", "1"]
    with pytest.raises(OSError):
        memkd.LSTMClassifier.load(tmp_path / "missing.h5")
    with pytest.raises(OSError):
        fitted.save(tmp_path / "no-such-folder" / "model.h5")
    (tmp_path / "not-hdf5.h5").write_text("hello")
    with pytest.raises((OSError, ValueError)):
        memkd.LSTMClassifier.load(tmp_path / "not-hdf5.h5")


def test_evaluate_and_metrics_agree_with_sklearn(fitted, data):
    X, y = data.X_test[:300], data.y_test[:300]
    probabilities = fitted.predict_proba(X)
    result = fitted.evaluate(X, y)
    assert result == memkd.metrics.classification_metrics(probabilities, y)
    assert result["accuracy"] == memkd.metrics.accuracy(probabilities, y)
    assert result["auc_roc"] == memkd.metrics.auc_roc(probabilities, y)
    assert result["auc_prc"] == memkd.metrics.auc_prc(probabilities, y)
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    assert result["accuracy"] == pytest.approx(np.mean(probabilities.argmax(1) == y), abs=1e-12)
    assert result["auc_roc"] == pytest.approx(
        sklearn_metrics.roc_auc_score(y, probabilities[:, 1]), abs=1e-9)
    onehot = np.eye(2)[y]
    assert result["auc_prc"] == pytest.approx(
        sklearn_metrics.average_precision_score(onehot, probabilities, average="macro"), abs=1e-9)


def test_metrics_on_three_classes_with_a_missing_class():
    rng = np.random.default_rng(0)
    scores = rng.random((40, 3)).astype(np.float32)
    y = rng.integers(0, 2, 40)                                 # class 2 has no positives
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    expected = np.mean([sklearn_metrics.average_precision_score(y == k, scores[:, k])
                        for k in (0, 1)])
    assert memkd.metrics.auc_prc(scores, y) == pytest.approx(expected, abs=1e-7)


def test_progress_bar_when_interactive_and_silence_otherwise(data, split, capsys, monkeypatch):
    train, val = split
    model = memkd.Student(hidden_size=3, classes=2, seed=0)
    model.fit(*subset(data, train), *subset(data, val), epochs=2, threads=1)
    assert capsys.readouterr().err == ""                # not a terminal: silent by default
    monkeypatch.setattr(memkd._progress, "interactive", lambda: True)
    model.fit(*subset(data, train), *subset(data, val), epochs=3, threads=1)
    err = capsys.readouterr().err
    assert "Student" in err and "3/3" in err and "best=epoch" in err, err
    model.fit(*subset(data, train), *subset(data, val), epochs=2, threads=1, verbose=False)
    assert capsys.readouterr().err == ""
    with pytest.raises(TypeError, match="verbose"):
        model.fit(*subset(data, train), *subset(data, val), epochs=1, verbose="yes")
