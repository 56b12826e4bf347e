"""Runs inside a child interpreter: records the extension calls a small real session makes
(fit, predict, save/load, traces, distillation, the MemKD loss, streaming, metrics, data), then
replays them with one or two arguments replaced by hypothesis-generated values, until the time
budget is spent.

Every call may return or raise one of ALLOWED; anything else is a failure, printed as
`FAILURE <json>`. Before each call its description is written to the progress file, so when
the interpreter dies the parent names the call that killed it. A call still running after
`CALL_SECONDS` gets SIGALRM; the extension checks signals every epoch, so the handler's
exception ends it (counted as `slow`, not a failure). Usage: python_child.py SECONDS SEED
PROGRESS WORKDIR."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

import memkd
from memkd import _memkd

ALLOWED = (TypeError, ValueError, OSError, OverflowError, RuntimeError)
CALL_SECONDS = 5


class CallTimeout(BaseException):
    pass


def on_alarm(signum, frame):
    raise CallTimeout()


def record_session(workdir: Path) -> list[tuple[str, tuple]]:
    """Runs the public API once on tiny data, recording every extension call it makes."""
    calls: list[tuple[str, tuple]] = []
    names = [n for n in dir(_memkd) if callable(getattr(_memkd, n)) and not n.startswith("_")]
    originals = {name: getattr(_memkd, name) for name in names}

    def recorder(name):
        def call(*args):
            calls.append((name, args))
            return originals[name](*args)
        return call

    for name in names:
        setattr(_memkd, name, recorder(name))
    try:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(12, 10)).astype(np.float32)
        y = np.array([0, 1] * 6)
        teacher = memkd.Teacher(hidden_size=3, layers=2, seed=1)
        teacher.fit(X, y, X, y, epochs=2, threads=1)
        teacher.predict_proba(X)
        teacher.evaluate(X, y)
        teacher.hidden_states(X)
        path = workdir / "teacher.h5"
        teacher.save(path)
        memkd.LSTMClassifier.load(path)
        memkd.write_traces(workdir / "traces.h5", teacher, X, y, teacher_path=path)
        memkd.distill(teacher, X, y, X, y, method="memkd", beta=1.0, epochs=1, threads=1)
        memkd.distill(teacher, X, y, X, y, method="dkd", beta=1.0, epochs=1, threads=1)
        h_t, h_s = rng.normal(size=(2, 10, 3)), rng.normal(size=(2, 10, 2))
        memkd.losses.memkd(h_t, h_s, return_grad=True)
        memkd.parameter_count(1, 3, 2, 2)
        stream = memkd.Stream(teacher)
        for value in X[0, :4]:
            stream.step([value])
        stream.reset()
        data = memkd.load_ucr("ItalyPowerDemand", root=os.environ["MEMKD_FUZZ_DATA"])
        memkd.preprocess(data.X_train[:4], length=16)
        memkd.split(data.y_train, 0.25, seed=0)
    finally:
        for name, original in originals.items():
            setattr(_memkd, name, original)
    return calls


INTS = st.one_of(st.integers(-3, 40), st.sampled_from([0, -1, 2**31 - 1, 2**31, 2**32, 2**62,
                                                        2**63 - 1, -(2**63), 2**64, 2**100]))
FLOATS = st.one_of(st.floats(allow_nan=True, allow_infinity=True),
                   st.sampled_from([0.0, -0.0, 1e-320, 1e308, float("nan"), float("inf")]))
TEXT = st.one_of(st.text(max_size=20), st.sampled_from(["", "\x00", "a\x00b", "memkd", "dkd",
                                                         "both", "/nonexistent/x.h5", "."]))
SHAPES = st.lists(st.integers(0, 6), min_size=0, max_size=4).map(tuple)
DTYPES = st.sampled_from([np.float32, np.float64, np.int64, np.int32, np.int8, np.uint64, np.bool_,
                          np.complex64, object, np.float16])


@st.composite
def arrays(draw):
    shape = draw(SHAPES)
    dtype = draw(DTYPES)
    values = np.asarray(draw(st.lists(FLOATS, min_size=int(np.prod(shape)),
                                      max_size=int(np.prod(shape)))) or [0.0]).reshape(-1)
    try:
        array = np.resize(values, shape).astype(dtype)
    except (ValueError, OverflowError, TypeError):
        array = np.zeros(shape, dtype=dtype)
    if draw(st.booleans()) and array.ndim >= 1 and array.shape[-1] > 1:
        array = array[..., ::2]  # non-contiguous
    return array


VALUES = st.one_of(INTS, FLOATS, TEXT, st.none(), st.booleans(), arrays(),
                   st.lists(st.one_of(INTS, FLOATS, TEXT), max_size=5),
                   st.dictionaries(TEXT, st.one_of(INTS, FLOATS, TEXT, st.none()), max_size=4),
                   st.builds(object), st.binary(max_size=8))


def tweak(value, draw):
    """A value near the recorded one: a scaled number, a reshaped or poisoned array, an element
    of a sequence replaced."""
    if isinstance(value, bool) or value is None:
        return draw(VALUES)
    if isinstance(value, int):
        return draw(st.sampled_from([0, -value, value * 2**20, value + 1, 2**40, -1]))
    if isinstance(value, float):
        return draw(st.sampled_from([0.0, -value, value * 1e30, float("nan"), float("inf")]))
    if isinstance(value, np.ndarray) and value.size:
        choice = draw(st.integers(0, 4))
        array = value.copy()
        if choice == 0 and array.dtype.kind == "f":
            array.flat[draw(st.integers(0, array.size - 1))] = draw(FLOATS)
            return array
        if choice == 1:
            return array.reshape(-1)
        if choice == 2:
            return np.repeat(array, draw(st.integers(0, 3)), axis=0)
        if choice == 3:
            return array.astype(draw(DTYPES))
        return array[..., None] if array.ndim < 4 else array
    if isinstance(value, (list, tuple)) and value:
        items = list(value)
        index = draw(st.integers(0, len(items) - 1))
        items[index] = tweak(items[index], draw)
        return type(value)(items) if isinstance(value, tuple) else items
    if isinstance(value, dict) and value:
        items = dict(value)
        key = draw(st.sampled_from(sorted(items, key=str)))
        items[key] = tweak(items[key], draw) if draw(st.booleans()) else draw(VALUES)
        return items
    return draw(VALUES)


def describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"array{value.shape}:{value.dtype}"
    return repr(value)[:80]


def main() -> int:
    budget, base_seed, progress_path, workdir = (float(sys.argv[1]), int(sys.argv[2]),
                                                 sys.argv[3], Path(sys.argv[4]))
    warnings.simplefilter("ignore")  # numpy's casts of generated values
    calls = record_session(workdir)
    signal.signal(signal.SIGALRM, on_alarm)
    progress = open(progress_path, "w", buffering=1)
    counts: Counter = Counter()
    deadline = time.monotonic() + budget

    # Generation only (no shrinking or replay: a failure is reported, never raised), in rounds
    # of 25 examples so that the budget is overshot by one round at most.
    @settings(max_examples=25, deadline=None, database=None, phases=[Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(st.data())
    def attempt(data):
        name, args = data.draw(st.sampled_from(calls))
        args = list(args)
        for _ in range(data.draw(st.integers(1, 2))):
            if not args:
                break
            index = data.draw(st.integers(0, len(args) - 1))
            args[index] = tweak(args[index], data.draw) if data.draw(st.booleans()) \
                else data.draw(VALUES)
        if data.draw(st.integers(0, 20)) == 0:
            args = args[:data.draw(st.integers(0, len(args)))]  # too few arguments
        text = f"{name}({', '.join(describe(a) for a in args)})"
        progress.write(text + "\n")
        counts["calls"] += 1
        signal.alarm(CALL_SECONDS)
        try:
            getattr(_memkd, name)(*args)
            counts["returned"] += 1
        except CallTimeout:
            counts["slow"] += 1
        except ALLOWED as error:
            counts[type(error).__name__] += 1
        except BaseException as error:  # SystemError, MemoryError, anything undocumented
            counts["failures"] += 1
            print("FAILURE " + json.dumps({"call": text, "error": f"{type(error).__name__}: "
                                           f"{str(error)[:300]}"}), flush=True)
        finally:
            signal.alarm(0)

    round_ = 0
    while time.monotonic() < deadline:
        seed(base_seed + round_)(attempt)()
        round_ += 1
    print("COUNTS " + json.dumps(dict(counts)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
