"""The parent side of the Python category: runs python_child.py in fresh interpreters until the
budget is spent, restarting after a death (recorded with the call that caused it)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from workspace import DATA, REPO

CHILD = Path(__file__).with_name("python_child.py")


def run(seconds: float, seed: int, workdir: Path) -> tuple[Counter, list[dict]]:
    counts: Counter = Counter()
    failures: list[dict] = []
    deadline = time.monotonic() + seconds
    env = dict(os.environ, PYTHONPATH=str(REPO / "bindings" / "python"),
               OPENBLAS_NUM_THREADS="1", MEMKD_FUZZ_DATA=str(DATA))
    attempt = 0
    while (left := deadline - time.monotonic()) > 1:
        attempt += 1
        progress = workdir / f"python-progress-{attempt}.txt"
        child_dir = workdir / f"python-{attempt}"
        child_dir.mkdir(parents=True, exist_ok=True)
        try:
            result = subprocess.run(
                [sys.executable, str(CHILD), f"{left:.1f}", str(seed + 1000 * attempt),
                 str(progress), str(child_dir)],
                capture_output=True, text=True, env=env, timeout=left + 120,
                cwd=child_dir)  # generated relative paths land in the child's folder
        except subprocess.TimeoutExpired:
            failures.append({"category": "python", "reason": "hang: the interpreter stopped "
                             "answering", "case": last_line(progress)})
            continue
        for line in result.stdout.splitlines():
            if line.startswith("FAILURE "):
                failure = json.loads(line[8:])
                failures.append({"category": "python", "reason": failure["error"],
                                 "case": failure["call"]})
            elif line.startswith("COUNTS "):
                counts.update(json.loads(line[7:]))
        if result.returncode < 0:
            name = signal.Signals(-result.returncode).name
            failures.append({"category": "python", "reason": f"crash: interpreter killed by "
                             f"{name}", "case": last_line(progress),
                             "stderr": result.stderr[-1500:]})
            counts["calls"] += sum(1 for _ in open(progress)) if progress.exists() else 0
        elif result.returncode != 0:
            failures.append({"category": "python", "reason": f"the fuzzing child failed "
                             f"({result.returncode})", "case": "", "stderr": result.stderr[-3000:]})
            break
    return counts, failures


def last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return ""
    return lines[-1] if lines else ""
