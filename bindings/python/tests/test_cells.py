"""``cell=`` on every model: GRU and RNN teachers and students in the Python package, saved and
loaded, streamed, distilled across cells, and in the scikit-learn estimators."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

import memkd
from memkd import _arrays, _memkd, _options
from memkd_testing import run_cli_json

CELLS = ("lstm", "gru", "rnn")
GATES = {"lstm": 4, "gru": 3, "rnn": 1}


@pytest.fixture(scope="module")
def small(data, split):
    """Training and validation series of ItalyPowerDemand resampled to 24 steps."""
    train, val = split
    X = memkd.preprocess(data.X_train, length=24)
    return X[train], data.y_train[train], X[val], data.y_train[val]


def test_the_cells_are_the_core_option_choices():
    for scope in ("teacher", "student"):
        option = next(o for o in _options.fields(scope) if o.key == "cell")
        assert option.choices == CELLS and option.default == "lstm"
    assert _arrays.CELL_GATES == GATES


@pytest.mark.parametrize("cell", CELLS)
def test_layout_names_and_parameter_count_follow_the_cell(cell):
    model = memkd.Teacher(hidden_size=5, layers=2, classes=3, cell=cell)
    gates = GATES[cell]
    assert model.cell == cell and model.config == (1, 5, 2, 3, cell)
    layout = dict(model.parameter_layout())
    assert list(layout)[:4] == [f"{cell}.weight_ih_l0", f"{cell}.weight_hh_l0",
                                f"{cell}.bias_ih_l0", f"{cell}.bias_hh_l0"]
    assert layout[f"{cell}.weight_ih_l1"] == (gates * 5, 5)
    assert layout[f"{cell}.bias_hh_l1"] == (gates * 5,)
    count = gates * 5 * (1 + 5 + 2) + gates * 5 * (5 + 5 + 2) + 3 * 6
    assert model.parameter_count() == count == memkd.parameter_count(1, 5, 2, 3, cell)
    assert sum(int(np.prod(shape)) for shape in layout.values()) == count
    assert f"cell={cell!r}" in repr(model)


def test_a_bad_cell_is_refused_with_the_core_message():
    with pytest.raises(ValueError, match=r"cell must be one of lstm, gru, rnn \(got 'GRU'\)"):
        memkd.Student(cell="GRU")
    with pytest.raises(TypeError, match="cell"):
        memkd.Teacher(cell=3)
    with pytest.raises(ValueError, match="cell must be one of"):
        memkd.parameter_count(1, 4, 1, 2, "lstm2")
    with pytest.raises(ValueError, match=r"config must be \(input_size, hidden_size, layers, "
                                         r"classes, cell\)"):
        _memkd.init_parameters((1, 4, 1, 2), 0)
    with pytest.raises(TypeError, match=r"config\[4\] \(cell\) must be a str"):
        _memkd.init_parameters((1, 4, 1, 2, 4), 0)
    lstm = memkd.Student(classes=2)
    gru = memkd.Student(classes=2, cell="gru")
    with pytest.raises(KeyError, match="gru.weight_ih_l0"):
        gru.load_state_dict(lstm.state_dict())


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_fit_save_load_and_stream(small, tmp_path, cell):
    X, y, X_val, y_val = small
    model = memkd.Teacher(hidden_size=4, layers=2, cell=cell, seed=1).fit(
        X, y, X_val, y_val, epochs=2, threads=1, verbose=False)
    assert len(model.history) == 2 and model.cell == cell
    path = tmp_path / f"{cell}.h5"
    model.save(path)
    with h5py.File(path, "r") as f:
        assert f["model"].attrs["cell"] == cell and f"{cell}.weight_hh_l1" in f["state_dict"]
    loaded = memkd.LSTMClassifier.load(path)
    assert type(loaded) is memkd.Teacher and loaded.config == model.config
    assert all(np.array_equal(a, b) for a, b in
               zip(loaded.state_dict().values(), model.state_dict().values()))
    np.testing.assert_array_equal(loaded.predict_proba(X_val), model.predict_proba(X_val))
    assert run_cli_json("inspect", path)["attributes"]["/model"]["cell"] == cell

    stream = memkd.Stream(loaded)
    for t in range(X_val.shape[1]):
        probabilities = stream.step(X_val[0, t])
    np.testing.assert_allclose(probabilities, loaded.predict_proba(X_val[:1])[0], atol=1e-6)


@pytest.mark.parametrize("teacher_cell, student_cell", [("lstm", "gru"), ("lstm", "rnn"),
                                                        ("gru", "lstm"), ("rnn", "gru")])
def test_distill_across_cells(small, tmp_path, teacher_cell, student_cell):
    X, y, X_val, y_val = small
    teacher = memkd.Teacher(hidden_size=5, layers=2, cell=teacher_cell, seed=2).fit(
        X, y, X_val, y_val, epochs=2, threads=1, verbose=False)
    student = memkd.distill(teacher, X, y, X_val, y_val, "memkd", beta=10, seed=0, epochs=2,
                            threads=1, verbose=False, cell=student_cell, hidden=3)
    assert student.cell == student_cell and student.config == (1, 3, 1, 2, student_cell)
    assert "cell" not in student.training.as_dict()
    assert student.parameter_layout()[0][0] == f"{student_cell}.weight_ih_l0"
    path = tmp_path / "student.h5"
    student.save(path)
    assert memkd.Student.load(path).cell == student_cell
    traces = tmp_path / "traces.h5"
    teacher.save(tmp_path / "teacher.h5")
    memkd.write_traces(traces, teacher, X, y)
    with h5py.File(traces, "r") as f:
        assert f.attrs["cell"] == teacher_cell


def test_distill_refuses_a_bad_cell(small):
    X, y, X_val, y_val = small
    teacher = memkd.Teacher(hidden_size=3, layers=1, classes=2)
    with pytest.raises(ValueError, match=r"distill\(\): cell must be one of lstm, gru, rnn"):
        memkd.distill(teacher, X, y, X_val, y_val, "base", epochs=1, cell="lstm2")


def test_the_estimators_take_cell_from_the_option_tables(small):
    from sklearn.base import clone

    X, y, X_val, y_val = small
    teacher = memkd.TeacherClassifier(hidden=4, layers=1, inits=1, epochs=2, cell="rnn",
                                      random_state=0, verbose=False)
    assert teacher.get_params()["cell"] == "rnn" and clone(teacher).cell == "rnn"
    teacher.fit(X, y)
    assert teacher.model_.cell == "rnn"
    student = memkd.DistilledClassifier(teacher=teacher.model_, method="memkd", epochs=2,
                                        cell="gru", random_state=0, verbose=False)
    assert student.get_params()["cell"] == "gru"
    student.fit(X, y)
    assert student.model_.cell == "gru"
    assert memkd.DistilledClassifier().cell == memkd.TeacherClassifier().cell == "lstm"
