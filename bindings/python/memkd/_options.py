"""Every option's name, default, rule and one-line documentation, read from the Swift core.

MemKDCore's option structs (``TrainingConfig``, ``Preprocessing``, ``TeacherTraining``,
``StudentDistillation``, ``MemKDLoss``) are the one definition of each option; the CLI flags, the
pipeline keys and these keyword arguments are derived from them, and the core judges every
value (so a bad value gets the same message from ``memkd-script``, a pipeline file and Python).
docs/options.md lists them all.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

import numpy as np

from . import _memkd

SCOPES = ("preprocessing", "teacher", "student", "training", "student_training", "memkd")
"""``training`` / ``student_training``: the optimisation options with the teacher's / the
student's defaults."""


class Option(NamedTuple):
    """One option as the core describes it."""

    key: str
    """The keyword argument (and YAML key; the CLI flag is ``--`` + key with ``-``)."""
    requirement: str
    """The allowed values in words ("an integer >= 1")."""
    summary: str
    default: Any
    """None means off (``clip``, ``plateau``) or decided later (``long_pairs``: T - 1)."""
    choices: Optional[Tuple[str, ...]]


@functools.lru_cache(maxsize=None)
def fields(scope: str) -> Tuple[Option, ...]:
    """The options of ``scope`` (one of ``SCOPES``), in documentation order."""
    return tuple(Option(str(key), str(requirement), str(summary), default,
                        None if choices is None else tuple(choices))
                 for key, requirement, summary, default, choices in _memkd.option_fields(scope))


def keys(scope: str) -> Tuple[str, ...]:
    return tuple(option.key for option in fields(scope))


def defaults(scope: str) -> Dict[str, Any]:
    return {option.key: option.default for option in fields(scope)}


def pairs(options: Mapping[str, Any]) -> List[Tuple[str, Any]]:
    """Keyword arguments as the extension takes them (the core checks keys and values); numpy
    scalars become the Python scalars they hold."""
    return [(str(key), value.item() if isinstance(value, np.generic) else value)
            for key, value in options.items()]


def docstring(*scopes: str, indent: str = "        ") -> str:
    """One line per option of ``scopes``: ``key``: summary; allowed values; default."""
    lines = []
    for scope in scopes:
        for option in fields(scope):
            lines.append(f"{indent}``{option.key}``: {option.summary}; {option.requirement}; "
                         f"default {option.default!r}.")
    return "\n".join(lines)


def check(scope: str, **options: Any) -> Dict[str, Any]:
    """The options of ``scope`` with ``options`` applied, judged by the core: ValueError (or
    TypeError for a value of the wrong kind) with the message the CLI and the pipeline files
    give."""
    return dict(_memkd.check_options(scope, pairs(options)))
