"""The core of MemKD's fuzz and fault harness: run one generated case in a child process and
judge it.

A case is a command line plus the files it must leave alone. Its outcome is one of:
- accepted: exit 0 (allowed only where the generator says a run may succeed, and then checked
  against the undamaged file's answer where one exists: "never a different answer");
- refused: exit 1 (or 64, a usage error) with an `Error:` line naming the file, key or flag;
- a failure: death by a signal, a hang past the timeout, a runtime trap message ("Fatal error",
  "failed to allocate"), more than `MEMORY_LIMIT` of resident memory, an unexpected outcome,
  a message that names nothing, or a watched file changed.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

# Resident memory above this is a failure: every size is meant to be refused before it
# allocates, and the largest legitimate case here needs well under 1 GiB.
MEMORY_LIMIT = 2 << 30
TRAP_MARKERS = ("Fatal error", "Stack dump", "failed to allocate", "Segmentation fault",
                "Illegal instruction", "Assertion failed", "Current stack trace")


@dataclass
class Case:
    category: str
    label: str
    argv: list[str]
    expect: frozenset[str]  # subset of {"accepted", "refused"}
    names: list[str]  # a refusal must mention one of these
    watched: list[Path] = field(default_factory=list)  # never changed by a refused run
    inputs: list[Path] = field(default_factory=list)  # never changed at all
    # For an accepted run: returns why its output is wrong, or None.
    check: Optional[Callable[[str], Optional[str]]] = None
    timeout: float = 120


@dataclass
class Outcome:
    case: Case
    kind: str  # "accepted", "refused" or "failure"
    seconds: float
    reason: str = ""
    stderr: str = ""


def digest(path: Path) -> Optional[str]:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        return "directory:" + ",".join(sorted(p.name for p in path.iterdir()))


def run_case(case: Case) -> Outcome:
    before = {path: digest(path) for path in case.watched + case.inputs}
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(case.argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                   env=dict(os.environ, OPENBLAS_NUM_THREADS="1"),
                                   start_new_session=True)
        status, usage, hung = wait_with_usage(process.pid, case.timeout)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode("utf-8", "replace")
        stderr = err.read().decode("utf-8", "replace")
    seconds = time.monotonic() - start

    def failure(reason: str) -> Outcome:
        return Outcome(case, "failure", seconds, reason, stderr[-2000:])

    if hung:
        return failure(f"hang: still running after {case.timeout:.0f} s (killed)")
    if os.WIFSIGNALED(status):
        return failure(f"crash: killed by {signal.Signals(os.WTERMSIG(status)).name}")
    if usage.ru_maxrss * 1024 > MEMORY_LIMIT:
        return failure(f"memory: {usage.ru_maxrss // 1024} MiB resident")
    marker = next((m for m in TRAP_MARKERS if m in stderr), None)
    if marker:
        return failure(f"trap: stderr says '{marker}'")
    changed = [str(p) for p in case.inputs if digest(p) != before[p]]
    if changed:
        return failure(f"an input changed: {changed}")
    code = os.WEXITSTATUS(status)
    if code == 0:
        if "accepted" not in case.expect:
            return failure("accepted (exit 0) where only a refusal is right")
        if case.check and (why := case.check(stdout)):
            return failure(f"accepted with a wrong answer: {why}")
        return Outcome(case, "accepted", seconds)
    if code not in (1, 64):
        return failure(f"exit status {code}")
    changed = [str(p) for p in case.watched if digest(p) != before[p]]
    if changed:
        return failure(f"refused, but changed {changed}")
    if "refused" not in case.expect:
        return failure(f"refused where success is right: {stderr.strip()[:300]}")
    if "Error:" not in stderr or not any(name in stderr for name in case.names):
        return failure(f"the error names none of {case.names}: {stderr.strip()[:300]!r}")
    return Outcome(case, "refused", seconds, stderr=stderr.strip().splitlines()[0][:300])


def wait_with_usage(pid: int, timeout: float):
    """Waits for `pid` (killing its process group after `timeout`), returning its wait status,
    its resource usage (peak memory) and whether it hung."""
    deadline = time.monotonic() + timeout
    delay = 0.002
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            return status, usage, False
        if time.monotonic() > deadline:
            os.killpg(pid, signal.SIGKILL)
            _, status, usage = os.wait4(pid, 0)
            return status, usage, True
        time.sleep(delay)
        delay = min(delay * 2, 0.05)
