"""The report's significance tests against scipy and aeon, on the committed paper-protocol
results (`memkd-script report` regenerates significance.json from them in a copy):

- Friedman statistic and p-value = scipy.stats.friedmanchisquare;
- every pair's two-sided Wilcoxon p-value = scipy.stats.wilcoxon (its defaults), and the
  Holm-adjusted p-values and decisions = Holm's step-down computed here;
- the critical-difference cliques = aeon's (plot_critical_difference's own clique finder, at
  the report's alpha);
- each per-dataset seed test = scipy.stats.ttest_ind(equal_var=False).

Synthetic tables (ties, zero differences, more than 13 and more than 50 datasets) reach the
other branches of scipy's method choice.
"""

import json
import os
import pathlib
import shutil
import subprocess

import numpy as np
import pytest
from scipy import stats

REPO = pathlib.Path(__file__).resolve().parents[2]
PROTOCOL = REPO / "results" / "paper-protocol"


def script():
    path = os.environ.get("MEMKD_SCRIPT") or str(REPO / ".build" / "debug" / "memkd-script")
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: run `swift build --product memkd-script`")
    return path


def report(run_dir):
    subprocess.run([script(), "report", str(run_dir)], check=True, capture_output=True)
    return json.loads((run_dir / "significance.json").read_text())


@pytest.fixture(scope="module")
def protocol(tmp_path_factory):
    copy = tmp_path_factory.mktemp("protocol") / "paper-protocol"
    shutil.copytree(PROTOCOL, copy)
    (section,) = report(copy)
    return section


def holm(p_values, alpha):
    order = np.argsort(p_values, kind="stable")
    m = len(p_values)
    adjusted = np.empty(m)
    running = 0.0
    for position, index in enumerate(order):
        running = max(running, min(1.0, (m - position) * p_values[index]))
        adjusted[index] = running
    return adjusted, adjusted <= alpha


def check_family(family, alpha):
    scores = np.array(family["scores"])
    labels = family["labels"]
    assert scores.shape == (len(family["datasets"]), len(labels))
    friedman = stats.friedmanchisquare(*scores.T)
    assert family["friedman_statistic"] == pytest.approx(friedman.statistic, rel=1e-12)
    assert family["friedman_p_value"] == pytest.approx(friedman.pvalue, rel=1e-9, abs=1e-300)
    expected = []
    for pair in family["pairs"]:
        i, j = labels.index(pair["first"]), labels.index(pair["second"])
        p = stats.wilcoxon(scores[:, i], scores[:, j]).pvalue
        assert pair["p_value"] == pytest.approx(p, rel=1e-12), (pair, p)
        expected.append(p)
    adjusted, rejected = holm(np.array(expected), alpha)
    assert [p["holm_p_value"] for p in family["pairs"]] == pytest.approx(list(adjusted), rel=1e-12)
    assert [p["significant"] for p in family["pairs"]] == list(rejected)
    # Cliques as sets: entries with equal average ranks (here VID and NST, 3.30) may be listed
    # in either order (aeon's float average can break the tie either way).
    assert sorted(map(sorted, family["cliques"])) == sorted(
        map(sorted, aeon_cliques(scores, labels, alpha)))


def aeon_cliques(scores, labels, alpha):
    """aeon's cliques for the table, as plot_critical_difference finds them."""
    from aeon.visualisation.results import _critical_difference as cd

    ranks = cd._compute_ranks(scores, False)
    ordered_labels, ordered_ranks, ordered_scores = cd._sort_by_average_rank(scores, labels, ranks)
    cliques, _ = cd._find_cliques(
        ranks, ordered_scores, ordered_labels, ordered_ranks, scores.shape[0], scores.shape[1],
        "wilcoxon", "holm", alpha, False,
    )
    return [[str(ordered_labels[i]) for i in np.flatnonzero(row)] for row in np.asarray(cliques)]


def test_protocol_students(protocol):
    assert len(protocol["students"]["labels"]) == 10
    check_family(protocol["students"], protocol["alpha"])


def test_protocol_with_teacher(protocol):
    assert protocol["with_teacher"]["labels"][0] == "teacher"
    check_family(protocol["with_teacher"], protocol["alpha"])


def test_protocol_seed_tests(protocol):
    assert len(protocol["seed_tests"]) == 90
    for test in protocol["seed_tests"]:
        result = stats.ttest_ind(test["reference_values"], test["values"], equal_var=False)
        if np.isnan(result.pvalue):
            assert test["p_value"] is None and not test["significant"]
        else:
            assert test["p_value"] == pytest.approx(result.pvalue, rel=1e-9), test
            assert test["significant"] == (result.pvalue < protocol["alpha"])


def synthetic_run(tmp_path, scores, seeds=2):
    """A run folder whose report has `scores` ([dataset][method], fractions) as its table:
    one teacher and one record per (method, seed) with the same test AUC-PRC."""
    from synthetic_run import write_synthetic_run

    return write_synthetic_run(tmp_path, scores, seeds)


@pytest.mark.parametrize(
    "case",
    ["ties", "zeros", "fourteen datasets with ties", "sixty datasets", "all equal"],
)
def test_synthetic_tables(tmp_path, case):
    rng = np.random.default_rng(7)
    if case == "ties":
        scores = np.round(rng.uniform(0.5, 0.9, size=(10, 4)), 2)
    elif case == "zeros":
        scores = rng.uniform(0.5, 0.9, size=(12, 4))
        scores[:3, 1] = scores[:3, 0]
    elif case == "fourteen datasets with ties":
        scores = np.round(rng.uniform(0.5, 0.9, size=(14, 3)), 2)
    elif case == "sixty datasets":
        scores = rng.uniform(0.5, 0.9, size=(60, 3)) + np.array([0.05, 0.0, -0.05])
    else:
        scores = np.full((6, 3), 0.75)
    scores = np.round(scores * 10_000) / 10_000
    (section,) = report(synthetic_run(tmp_path, scores))
    family = section["students"]
    assert np.array(family["scores"]) == pytest.approx(scores)
    if case == "all equal":
        assert family.get("friedman_statistic") is None  # 0 / 0: scipy gives NaN
        assert all(p["p_value"] == 1 for p in family["pairs"])
        return
    check_family(family, section["alpha"])
