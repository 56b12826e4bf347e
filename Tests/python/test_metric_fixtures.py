"""Keeps Tests/Fixtures/metrics.json in sync with scikit-learn.

Why: the Swift metric tests trust the committed JSON. This test re-runs the generator in memory
(Tests/Fixtures/make_metric_fixtures.py, imported as a module) and requires the committed values
to equal freshly computed ones to 1e-12, so neither a hand edit of the JSON nor a change in
scikit-learn's definitions can go unnoticed. Regenerate with
`python Tests/Fixtures/make_metric_fixtures.py` after an intended change.

Run: .venv/bin/python -m pytest Tests/python/test_metric_fixtures.py
"""

import pytest

from fixture_support import FIXTURES, assert_matches, load_committed, load_generator

pytest.importorskip("sklearn")
pytest.importorskip("scipy")

TOLERANCE = 1e-12

generator = load_generator(FIXTURES / "make_metric_fixtures.py", "make_metric_fixtures")


@pytest.fixture(scope="module")
def committed():
    # Rejects NaN/Infinity: undefined values must be null (valid JSON).
    return load_committed(FIXTURES / "metrics.json")


@pytest.fixture(scope="module")
def fresh():
    return generator.build_fixtures()


def test_committed_fixture_matches_fresh_sklearn_values(committed, fresh):
    # Library versions are provenance only: values must agree whatever the versions are.
    assert_matches(committed, fresh, TOLERANCE, {"provenance"}, what="metrics.json")
    assert committed["provenance"]["seed"] == fresh["provenance"]["seed"]


def test_generator_is_deterministic(fresh):
    assert_matches(generator.build_fixtures(), fresh, TOLERANCE, what="a second run")


def test_fixture_covers_the_required_cases(committed):
    names = {case["name"] for case in committed["classification"]}
    assert len(names) >= 12
    class_counts = {case["classCount"] for case in committed["classification"]}
    assert {2, 3, 5, 14} <= class_counts
    assert any(case["skippedROC"] for case in committed["classification"])
    assert any(case["macroROCAUC"] is None for case in committed["classification"])
    assert any(len(case["labels"]) <= 3 for case in committed["classification"])
    for case in committed["classification"]:
        n, k = len(case["labels"]), case["classCount"]
        assert len(case["probabilities"]) == n and all(len(r) == k for r in case["probabilities"])
        assert len(case["rocAUC"]) == k and len(case["averagePrecision"]) == k


def test_paper_average_rank_of_memkd(committed):
    # The paper reports MemKD's average rank among students as 1.75 (Table II).
    students = next(r for r in committed["ranks"] if r["name"] == "tableIIStudents")
    assert students["averageRanks"][-1] == 1.75


def test_tie_rounding_is_half_away_from_zero():
    assert 0.85885 * 10000 == 8588.5  # exactly representable product: the rule matters here
    assert generator._round_half_away(0.85885 * 10000) == 8589
    assert round(0.85885 * 10000) == 8588  # Python's half-to-even, deliberately not used
    assert generator._round_half_away(0.49999999999999994) == 0
