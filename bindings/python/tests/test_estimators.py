"""The scikit-learn estimators (issue 17): scikit-learn's own estimator checks, its model
selection tools, any labels, aeon's layouts."""

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")
from sklearn.base import clone  # noqa: E402
from sklearn.frozen import FrozenEstimator  # noqa: E402
from sklearn.model_selection import GridSearchCV, cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import check_estimator  # noqa: E402

import memkd  # noqa: E402

# Small and quick; the same recipe otherwise (one initialisation for the teacher).
TEACHER = dict(hidden=8, layers=1, inits=1, epochs=30, lr=0.01, patience=30, random_state=0,
               verbose=False)
STUDENT = dict(hidden=4, epochs=30, patience=30, random_state=0, verbose=False)

# Checks that cannot apply, with the reason. check_estimator reports these as skipped, not
# failed; every other check must pass.
SKIPPED = {
    "check_array_api_input": "scikit-learn skips it unless SCIPY_ARRAY_API is set; the Swift "
                             "engine takes numpy arrays only",
}


def teacher(**overrides):
    return memkd.TeacherClassifier(**{**TEACHER, **overrides})


def student(**overrides):
    return memkd.DistilledClassifier(**{"teacher": teacher(), **STUDENT, **overrides})


@pytest.mark.parametrize("make", [teacher, student], ids=["TeacherClassifier",
                                                          "DistilledClassifier"])
def test_check_estimator_passes(make):
    results = check_estimator(make(), on_fail=None)
    assert len(results) > 40
    failed = [(r["check_name"], str(r["exception"])[:300]) for r in results
              if r["status"] == "failed"]
    assert not failed, failed
    skipped = {r["check_name"] for r in results if r["status"] == "skipped"}
    assert skipped <= set(SKIPPED), skipped - set(SKIPPED)


@pytest.fixture(scope="module")
def power(data):
    """ItalyPowerDemand's training series with their archive labels ("1", "2")."""
    return data.X_train, np.asarray(data.class_labels)[data.y_train]


def test_hyperparameters_come_from_the_core_option_tables():
    params = memkd.TeacherClassifier().get_params()
    for key in memkd._options.keys("teacher"):
        if key != "seed":
            assert params[key] == memkd._options.defaults("teacher")[key], key
    params = memkd.DistilledClassifier().get_params()
    for key in memkd._options.keys("student") + memkd._options.keys("memkd"):
        assert key in params, key
    assert {"random_state", "n_jobs", "length", "z_normalize", "beta", "method"} <= set(params)
    with pytest.raises(TypeError, match="unexpected keyword.*epochz"):
        memkd.TeacherClassifier(epochz=3)


def test_clone_pipeline_and_cross_validation(power):
    X, y = power
    estimator = teacher()
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params() and not hasattr(copy, "model_")
    pipeline = Pipeline([("scale", StandardScaler()), ("clf", teacher())]).fit(X, y)
    assert set(pipeline.predict(X)) <= set(y)
    scores = cross_val_score(teacher(), X, y, cv=3)
    assert scores.shape == (3,) and np.all((scores >= 0) & (scores <= 1))


def test_grid_search_over_beta_with_a_frozen_teacher(power):
    X, y = power
    fitted = teacher().fit(X, y)
    search = GridSearchCV(student(teacher=FrozenEstimator(fitted)), {"beta": [1, 10]}, cv=2)
    search.fit(X, y)
    assert search.best_params_["beta"] in (1, 10)
    assert len(search.cv_results_["mean_test_score"]) == 2
    # The frozen teacher went through clone untouched: the same weights.
    kept = search.best_estimator_.teacher_.estimator.model_
    assert all(np.array_equal(a, kept.state_dict()[k])
               for k, a in fitted.model_.state_dict().items())


@pytest.mark.parametrize("labels", [["walk", "run"], [-1, 1], [1, 2]])
def test_labels_round_trip_through_predict(power, labels):
    X, y = power
    mapped = np.where(y == "1", labels[0], labels[1])
    estimator = teacher().fit(X, mapped)
    assert list(estimator.classes_) == sorted(labels)
    predicted = estimator.predict(X)
    assert set(predicted) <= set(labels) and predicted.dtype == np.asarray(mapped).dtype
    assert estimator.model_.classes == 2                     # no phantom class 0 for {1, 2}
    distilled = student(teacher=estimator).fit(X, mapped)
    assert set(distilled.predict(X)) <= set(labels)
    assert distilled.score(X, mapped) == np.mean(distilled.predict(X) == mapped)


def test_categorical_labels(power):
    pandas = pytest.importorskip("pandas")
    X, y = power
    categories = pandas.Categorical(np.where(y == "1", "low", "high"))
    estimator = teacher().fit(X, categories)
    assert list(estimator.classes_) == ["high", "low"]


def test_aeon_layouts_train(power):
    X, y = power
    channels_first = X[:, None, :]                          # [N, 1, T]
    estimator = teacher().fit(channels_first, y)
    assert estimator.n_channels_ == 1 and estimator.series_length_ == X.shape[1]
    flat = teacher().fit(X, y)
    np.testing.assert_array_equal(estimator.predict_proba(channels_first),
                                  flat.predict_proba(X))
    two = np.stack([X, -X], axis=1)                          # [N, 2, T]
    assert teacher().fit(two, y).model_.input_size == 2
    with pytest.raises(ValueError, match="channel"):
        estimator.predict(two)


def test_series_of_different_lengths_are_resampled(power):
    X, y = power
    ragged = [x[: 60 + (i % 40)] for i, x in enumerate(X)]
    estimator = teacher().fit(ragged, y)
    assert estimator.series_length_ == 99                  # the longest
    assert estimator.predict(ragged[:5]).shape == (5,)
    fixed = teacher(length=50).fit(ragged, y)
    assert fixed.series_length_ == 50 and fixed.predict(X[:3]).shape == (3,)
    with pytest.raises(ValueError, match="different numbers of channels"):
        teacher().fit([X[0], np.stack([X[1], X[1]])], y[:2])


def test_explicit_validation_set_and_random_state(power):
    X, y = power
    a = teacher().fit(X[:50], y[:50], X_val=X[50:], y_val=y[50:])
    b = teacher().fit(X[:50], y[:50], X_val=X[50:], y_val=y[50:])
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    g = teacher(random_state=np.random.default_rng(3)).fit(X, y)
    assert g.seed_ >= 0
    with pytest.raises(ValueError, match="X_val and y_val"):
        teacher().fit(X, y, X_val=X[:5])


def test_wrong_length_is_an_error_not_a_silent_resample(power):
    X, y = power
    estimator = teacher().fit(X, y)
    with pytest.raises(ValueError, match="expecting 100 features"):
        estimator.predict(X[:, :20])


def test_low_level_api_refuses_a_channels_first_array(power):
    """Before: `[N, 1, T]` gave a confusing error, and with input_size=T it trained on T = 1."""
    X, y = power
    model = memkd.Teacher(hidden_size=4, layers=1)
    with pytest.raises(ValueError, match=r"aeon's \[N, C, T\]"):
        model.fit(X[:, None, :], y, X[:, None, :], y, epochs=1)
    wide = memkd.Teacher(input_size=X.shape[1], hidden_size=4, layers=1)
    with pytest.raises(ValueError, match="one time step"):
        wide.fit(X[:, None, :], y, X[:, None, :], y, epochs=1)
