"""The fuzz and fault harness, bounded for `make test`: a fixed seed and a few seconds per
category (`make fuzz` runs it for 10 minutes with a fresh seed). Any crash, hang, trap, wrong
answer, unnamed error or changed file fails the test with the cases that caused it."""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run_fuzz import CATEGORIES, fuzz  # noqa: E402

SECONDS = float(os.environ.get("MEMKD_FUZZ_SECONDS", "30"))


def test_bounded_fuzz_finds_nothing(tmp_path):
    summary = fuzz(SECONDS, seed=15, categories=CATEGORIES, workdir=tmp_path)
    for category, counts in summary["categories"].items():
        tried = counts.get("cases", counts.get("calls", 0))
        assert tried > 0, f"{category}: no case ran in the time given"
    assert not summary["failures"], "\n".join(
        f"[{f['category']}] {f['case']}: {f['reason']}" for f in summary["failures"])
