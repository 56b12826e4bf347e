"""Shared helpers of the tests that keep a committed Tests/Fixtures/*.json equal to its generator.

Each such test imports the generator by path (`load_generator`), reads the committed JSON
(`load_committed`), regenerates the fixture in memory and compares the two with `assert_matches`.
Imported as `fixture_support`: Tests/python/conftest.py puts this folder on sys.path.
"""

from __future__ import annotations

import importlib.util
import json
import math
import struct
from pathlib import Path
from types import ModuleType

FIXTURES = Path(__file__).resolve().parent.parent / "Fixtures"

# How many differences a failing comparison lists.
MAX_REPORTED = 20


def load_generator(path: Path, module_name: str | None = None) -> ModuleType:
    """The generator script at `path`, executed as a fresh module (not added to sys.modules)."""
    path = Path(path)
    spec = importlib.util.spec_from_file_location(module_name or f"memkd_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _reject_constant(name: str):
    raise ValueError(f"non-JSON constant {name}: undefined values must be null")


def load_committed(path: Path):
    """The committed JSON at `path`; NaN / Infinity / -Infinity (not valid JSON) are an error."""
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_constant=_reject_constant)


def json_round_trip(value):
    """`value` as it reads back from JSON (tuples become lists, dict keys strings)."""
    return json.loads(json.dumps(value))


def _is_number(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def differences(committed, fresh, tolerance: float, *, relative: bool = False,
                skip_top_level_keys=(), limit: int = MAX_REPORTED) -> list[str]:
    """The first `limit` differences between `committed` and `fresh`, each with its JSON path.

    Dicts must have the same key set and lists the same length. Where `fresh` is a float, the
    committed value must be a (non-bool) number, both finite, and `|committed - fresh|` at most
    `tolerance` (absolute), or `tolerance * max(1, |fresh|)` when `relative`. Everything else
    (ints, bools, strings, None) must have the same type and be equal. Keys in
    `skip_top_level_keys` (provenance) must be present on both sides but their values are not
    compared.
    """
    found: list[str] = []
    skip = frozenset(skip_top_level_keys)

    def walk(c, f, path):
        if len(found) >= limit:
            return
        if isinstance(f, dict):
            if not isinstance(c, dict):
                found.append(f"{path}: committed {type(c).__name__}, fresh dict")
            elif c.keys() != f.keys():
                found.append(f"{path}: keys differ: only committed {sorted(c.keys() - f.keys())}, "
                             f"only fresh {sorted(f.keys() - c.keys())}")
            else:
                for key in f:
                    if path == "$" and key in skip:
                        continue
                    walk(c[key], f[key], f"{path}.{key}")
        elif isinstance(f, list):
            if not isinstance(c, list):
                found.append(f"{path}: committed {type(c).__name__}, fresh list")
            elif len(c) != len(f):
                found.append(f"{path}: length {len(c)} vs fresh {len(f)}")
            else:
                for i, (x, y) in enumerate(zip(c, f)):
                    walk(x, y, f"{path}[{i}]")
        elif isinstance(f, float):
            if not _is_number(c):
                found.append(f"{path}: committed {c!r} vs fresh {f!r}")
            elif not (math.isfinite(c) and math.isfinite(f)):
                found.append(f"{path}: non-finite: committed {c!r} vs fresh {f!r}")
            elif abs(c - f) > tolerance * (max(1.0, abs(f)) if relative else 1.0):
                found.append(f"{path}: committed {c!r} vs fresh {f!r} (|d|={abs(c - f):.3g})")
        elif type(c) is not type(f) or c != f:
            found.append(f"{path}: committed {c!r} vs fresh {f!r}")

    walk(committed, fresh, "$")
    return found


def assert_matches(committed, fresh, tolerance: float, skip_top_level_keys=(), *,
                   relative: bool = False, what: str = "committed fixture"):
    """Fails, listing the JSON paths of the first differences, unless `differences` finds none."""
    found = differences(committed, fresh, tolerance, relative=relative,
                        skip_top_level_keys=skip_top_level_keys)
    if found:
        raise AssertionError(f"{what} differs from the fresh values:\n" + "\n".join(found))


def flatten(x):
    """The leaves of a nested list, in row-major order."""
    if isinstance(x, list):
        for v in x:
            yield from flatten(v)
    else:
        yield x


def is_float32(v: float) -> bool:
    """Whether `v` is exactly representable as a float32 (a Float engine reads it unrounded)."""
    return struct.unpack("f", struct.pack("f", v))[0] == v
