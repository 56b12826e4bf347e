"""Keeps Tests/Fixtures/kd_memkd.json in sync with its generator (MemKD, Base-KD, DKD).

Why: the Swift tests KDMemKDFixtureTests trust the committed JSON. This test re-runs the
generator in memory (Tests/Fixtures/make_kd_memkd.py, imported as a module) and requires the
committed values to equal freshly computed ones to 1e-12, so neither a hand edit of the JSON nor a
change in PyTorch's definitions goes unnoticed. It also checks the generator's own ingredients:
the SplitMix64 port against known SplitMix64 outputs, the sampled pairs' admissibility, the
T^2 KL identity behind DKD, and the C = 2 NCKD being zero. Regenerate with
`.venv/bin/python Tests/Fixtures/make_kd_memkd.py` after an intended change.

Run: .venv/bin/python -m pytest Tests/python/test_kd_fixtures_memkd.py
"""

import math

import pytest

from fixture_support import FIXTURES, assert_matches, load_committed, load_generator

torch = pytest.importorskip("torch")

TOLERANCE = 1e-12

generator = load_generator(FIXTURES / "make_kd_memkd.py", "make_kd_memkd")


@pytest.fixture(scope="module")
def committed():
    return load_committed(FIXTURES / "kd_memkd.json")


@pytest.fixture(scope="module")
def fresh():
    return generator.build()


def test_committed_fixture_matches_generator(committed, fresh):
    # Floats to TOLERANCE relative (absolute below 1), the rest exactly.
    assert_matches(committed, fresh, TOLERANCE, relative=True, what="kd_memkd.json")


def test_splitmix64_port_matches_reference_outputs():
    # SplitMix64 from seed 0: the first outputs of Vigna's reference splitmix64.c.
    g = generator.SplitMix64(0)
    assert [g.next() for _ in range(3)] == [
        0xE220A8397B1DCDAF, 0x6E789E6AA1B965F4, 0x06C45D188009454F]


def test_sampled_pairs_are_admissible(fresh):
    for case in fresh["sampling"]:
        assert len(case["pairs"]) == case["count"]
        for t1, t2 in case["pairs"]:
            assert 0 <= t1 and t2 - t1 >= 2 and t2 < case["length"]


def test_memkd_default_long_pair_count_is_t_minus_1(fresh):
    for case in fresh["memkd"]:
        if case["options"]["longPairs"] is None and case["options"]["terms"] != "short":
            expected = case["length"] - 1 if case["length"] >= 3 else 0
            assert len(case["longPairs"]) == expected, case["name"]


def test_dkd_reference_properties():
    """KL = TCKD + (1 - p_t[y]) NCKD for one sample, and NCKD = 0 for C = 2."""
    g = torch.Generator().manual_seed(3)
    for classes in (2, 3, 6):
        student = torch.randn(1, classes, generator=g, dtype=torch.float64) * 3
        teacher = torch.randn(1, classes, generator=g, dtype=torch.float64) * 3
        target = torch.tensor([classes - 1])
        t = 4.0
        kd = generator.base_kd_loss(student, teacher, t)
        rest = 1 - torch.softmax(teacher / t, dim=1)[0, -1]
        dkd = generator.dkd_loss(student, teacher, target, 1.0, rest, t)
        assert math.isclose(kd.item(), dkd.item(), rel_tol=1e-12)
        nckd = generator.dkd_loss(student, teacher, target, 0.0, 1.0, t).item()
        if classes == 2:
            assert nckd == 0.0
        else:
            assert nckd > 0
