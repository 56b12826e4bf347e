"""Distillation losses on numpy arrays, for prototyping (the Swift implementations used in
training, evaluated in float64).

MemKD (METHODS.md, "MemKD"): for hidden sequences ``H [B, T, d]`` and a pair of steps
``t1 < t2``, ``delta_b(t1, t2) = ||H[b, t2] - H[b, t1]||_2`` and ``phi = delta / mu``; the loss
is ``short_weight * smoothL1(phi_s_short, phi_t_short) + long_weight * smoothL1(phi_s_long,
phi_t_long)`` with PyTorch's ``smooth_l1_loss`` (beta 1, mean over ``[B, P]``). Short pairs are
``(t, t + 1)``; ``K`` long pairs with ``t2 - t1 >= 2`` are drawn uniformly with replacement
from a generator seeded with ``seed`` (``memkd_details`` returns them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Tuple, Union

import numpy as np

from . import _arrays, _memkd, _options
from ._distill import NORMALIZATIONS

__all__ = ["memkd", "memkd_details", "MemKDResult", "NORMALIZATIONS"]


@dataclass(frozen=True)
class MemKDResult:
    """``memkd_details``'s answer.

    Attributes:
        value: the loss.
        gradient: ``dL / d student_h``, float64 ``[B, T, Hs]``, or None when not requested.
        long_pairs: the long pairs ``(t1, t2)`` drawn (empty when the long term is off or
            ``T < 3``).
    """

    value: float
    gradient: Optional[np.ndarray]
    long_pairs: List[Tuple[int, int]]


def memkd_details(teacher_h, student_h, *, seed: int = 0, return_grad: bool = False,
                  **options: Any) -> MemKDResult:
    """MemKD's value, optionally its gradient, and the long pairs drawn.

    Args:
        teacher_h: teacher hidden sequence ``[B, T, Ht]`` (converted to float32).
        student_h: student hidden sequence ``[B, T, Hs]`` (converted to float32); same ``B``,
            ``T``.
        seed: seed of the long-pair generator (as one training step's draw).
        return_grad: also compute ``dL / d student_h``.
        **options: MemKD's options but ``teacher_layer`` (one teacher sequence is given; see
            below and docs/options.md). ``normalization``: ``per-sample-mean`` (``mu_b`` =
            per-sample mean of ``delta`` over the pair set), ``batch-mean`` (one mean per
            batch), ``step-norm`` (``||H[b, t1]||``) or ``none``; normalisers are clamped below
            by 1e-8. ``terms`` also takes a collection such as ``("short", "long")``.

{options}

    Returns:
        ``MemKDResult(value, gradient float64 [B, T, Hs] or None, long_pairs)``.
    """
    teacher = _arrays.float_array(teacher_h, "teacher_h", (3,),
                                  what="a real-valued [B, T, Ht] array")
    student = _arrays.float_array(student_h, "student_h", (3,),
                                  what="a real-valued [B, T, Hs] array")
    if teacher.shape[:2] != student.shape[:2]:
        raise ValueError(f"student_h: shape {student.shape} does not match teacher_h "
                         f"{teacher.shape} in (B, T)")
    if "terms" in options and not isinstance(options["terms"], str):
        options["terms"] = _arrays.terms(options["terms"])
    seed = _arrays.seed(seed)
    if not isinstance(return_grad, (bool, np.bool_)):
        raise TypeError(f"return_grad: expected a bool, got {type(return_grad).__name__}")
    value, gradient, pairs = _memkd.memkd_loss(teacher, student, _options.pairs(options), seed,
                                               bool(return_grad))
    grad = None if gradient is None else _arrays.frombuffer(gradient, "f8", student.shape)
    return MemKDResult(float(value), grad, [(int(a), int(b)) for a, b in pairs])


memkd_details.__doc__ = memkd_details.__doc__.format(
    options=_options.docstring("memkd", indent="        "))


def memkd(teacher_h, student_h, *, seed: int = 0, return_grad: bool = False, **options: Any
          ) -> Union[float, Tuple[float, np.ndarray]]:
    """The MemKD loss of ``student_h [B, T, Hs]`` against ``teacher_h [B, T, Ht]``.

    Same arguments as ``memkd_details``. Returns the value, or ``(value, gradient)`` with the
    gradient ``dL / d student_h`` as float64 ``[B, T, Hs]`` when ``return_grad``.

    Example::

        >>> t = np.random.default_rng(0).normal(size=(4, 20, 100)).astype(np.float32)
        >>> memkd(t, 3 * t[:, :, :8]) >= 0
        True
    """
    result = memkd_details(teacher_h, student_h, seed=seed, return_grad=return_grad, **options)
    return (result.value, result.gradient) if return_grad else result.value
