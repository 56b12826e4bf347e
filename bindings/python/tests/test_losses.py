"""`memkd.losses.memkd` equals the numpy implementation of the specification (memkd_testing),
value and gradient, for every normalisation and pair-set choice."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import memkd
from memkd_testing import memkd_reference

NORMALIZATIONS = ("per-sample-mean", "batch-mean", "step-norm", "none")
TERMS = ("short", "long", "both")
TOLERANCE = 1e-6


def random_pair(seed: int, B: int = 5, T: int = 12, Ht: int = 7, Hs: int = 3):
    rng = np.random.default_rng(seed)
    teacher = rng.normal(size=(B, T, Ht)).astype(np.float32)
    student = (0.3 * rng.normal(size=(B, T, Hs))).astype(np.float32)
    return teacher, student


def assert_close(actual, expected, what: str):
    actual, expected = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    scale = max(1.0, float(np.abs(expected).max()))
    error = float(np.abs(actual - expected).max())
    assert error <= TOLERANCE * scale, f"{what}: max |difference| {error:.3g} (scale {scale:.3g})"


@pytest.mark.parametrize("normalization,terms", list(itertools.product(NORMALIZATIONS, TERMS)))
def test_memkd_equals_the_numpy_reference(normalization, terms):
    for seed in range(3):
        teacher, student = random_pair(seed)
        details = memkd.losses.memkd_details(teacher, student, terms=terms,
                                             normalization=normalization, short_weight=0.7,
                                             long_weight=1.3, seed=seed, return_grad=True)
        value, gradient = memkd_reference(teacher, student, details.long_pairs, terms=terms,
                                          normalization=normalization, short_weight=0.7,
                                          long_weight=1.3)
        assert details.value > 0
        assert_close(details.value, value, f"value (seed {seed})")
        assert details.gradient.dtype == np.float64 and details.gradient.shape == student.shape
        assert_close(details.gradient, gradient, f"gradient (seed {seed})")
        # memkd() is the same computation.
        v, g = memkd.losses.memkd(teacher, student, terms=terms, normalization=normalization,
                                  short_weight=0.7, long_weight=1.3, seed=seed, return_grad=True)
        assert v == details.value and np.array_equal(g, details.gradient)


def test_long_pairs_follow_the_specification():
    teacher, student = random_pair(0, T=10)
    details = memkd.losses.memkd_details(teacher, student, seed=3)
    assert len(details.long_pairs) == 9                      # K = T - 1 by default
    assert all(0 <= a and a + 2 <= b < 10 for a, b in details.long_pairs)
    again = memkd.losses.memkd_details(teacher, student, seed=3)
    other = memkd.losses.memkd_details(teacher, student, seed=4)
    assert again.long_pairs == details.long_pairs and again.value == details.value
    assert other.long_pairs != details.long_pairs
    assert len(memkd.losses.memkd_details(teacher, student, long_pairs=25).long_pairs) == 25
    assert memkd.losses.memkd_details(teacher, student, terms="short").long_pairs == []
    # Every admissible pair can be drawn: (T-1)(T-2)/2 = 36 of them for T = 10.
    drawn = set()
    for seed in range(40):
        drawn.update(memkd.losses.memkd_details(teacher, student, long_pairs=50,
                                                seed=seed).long_pairs)
    assert drawn == {(a, b) for a in range(10) for b in range(a + 2, 10)}


def test_reference_gradient_matches_finite_differences():
    """The numpy reference itself is checked, so the comparison above means something."""
    rng = np.random.default_rng(7)
    teacher = rng.normal(size=(3, 6, 4))
    student = rng.normal(size=(3, 6, 2))
    pairs = [(0, 2), (1, 5), (3, 5)]
    for normalization in NORMALIZATIONS:
        _, gradient = memkd_reference(teacher, student, pairs, normalization=normalization)
        numeric = np.zeros_like(student)
        for index in np.ndindex(student.shape):
            for sign in (1, -1):
                moved = student.copy()
                moved[index] += sign * 1e-6
                numeric[index] += sign * memkd_reference(teacher, moved, pairs,
                                                         normalization=normalization)[0] / 2e-6
        np.testing.assert_allclose(gradient, numeric, atol=1e-7, err_msg=normalization)


def test_properties_of_the_specification():
    teacher, _ = random_pair(1, Hs=7)
    # A student whose sequence is the teacher's times a constant copies its memory response.
    for normalization in ("per-sample-mean", "batch-mean", "step-norm"):
        value, gradient = memkd.losses.memkd(teacher, 3 * teacher, normalization=normalization,
                                             return_grad=True)
        assert abs(value) < 1e-10 and np.abs(gradient).max() < 1e-6
    # T = 2 has no long pairs; T = 1 no pairs at all (loss 0, zero gradient).
    short = memkd.losses.memkd_details(teacher[:, :2], teacher[:, :2, :3], return_grad=True)
    assert short.long_pairs == []
    value, gradient = memkd.losses.memkd(teacher[:, :1], teacher[:, :1, :3], return_grad=True)
    assert value == 0 and not gradient.any()


def test_guards_for_constant_sequences():
    """Zero distances: clamped normalisers and the zero-norm guard give finite results."""
    teacher, _ = random_pair(2)
    student = np.zeros((5, 12, 3), dtype=np.float32)
    for normalization in NORMALIZATIONS:
        details = memkd.losses.memkd_details(teacher, student, normalization=normalization,
                                             return_grad=True)
        value, gradient = memkd_reference(teacher, student, details.long_pairs,
                                          normalization=normalization)
        assert np.isfinite(details.value) and np.isfinite(details.gradient).all()
        assert_close(details.value, value, normalization)
        assert_close(details.gradient, gradient, normalization)


def test_return_grad_false_returns_a_float():
    teacher, student = random_pair(0)
    value = memkd.losses.memkd(teacher, student)
    assert isinstance(value, float)
    assert memkd.losses.memkd_details(teacher, student).gradient is None
    # Tuple spelling of the terms.
    assert memkd.losses.memkd(teacher, student, terms=("short", "long")) == value
    assert memkd.losses.memkd(teacher, student, terms=("short",)) == \
        memkd.losses.memkd(teacher, student, terms="short")
