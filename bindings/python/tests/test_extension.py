"""The Swift-built extension imports and calls into MemKDCore."""

import pytest

import memkd


def test_version_is_a_string():
    assert isinstance(memkd.__version__, str) and memkd.__version__.count(".") == 2


def test_parameter_count_matches_the_spec():
    # METHODS.md: teacher LSTM 202,800 (+ 101 C head), student LSTM 352 (+ 9 C head).
    assert memkd.parameter_count(1, 100, 3, 14) == 202_800 + 101 * 14
    assert memkd.parameter_count(1, 8, 1, 2) == 352 + 9 * 2


def test_invalid_sizes_raise_value_error():
    with pytest.raises(ValueError, match="hidden size"):
        memkd.parameter_count(1, 0, 1, 2)


def test_wrong_argument_count_raises_type_error():
    with pytest.raises(TypeError):
        memkd._memkd.parameter_count(1, 2)
