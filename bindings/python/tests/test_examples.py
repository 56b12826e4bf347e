"""The examples run (on tiny settings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import memkd
from memkd_testing import DATA, run_cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
PACKAGE_ROOT = Path(memkd.__file__).resolve().parent.parent


def run_example(name: str, *args, cwd: Path) -> str:
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT), OPENBLAS_NUM_THREADS="1")
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, args)], cwd=cwd,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{name} failed:\n{result.stderr}"
    return result.stdout


def test_quickstart(tmp_path):
    out = run_example("quickstart.py", "--data-root", DATA, "--hidden", "4", "--layers", "1",
                      "--teacher-epochs", "1", "--epochs", "1", "--seeds", "1",
                      "--max-test", "60", "--threads", "1", cwd=tmp_path)
    table = [line.split()[0] for line in out.splitlines() if line.split()[:1] in
             (["teacher"], ["memkd"], ["base"])]
    assert table[-3:] == ["teacher", "memkd", "base"], out


def test_analyse_traces_reads_cli_traces(cli_teacher, tmp_path):
    pytest.importorskip("h5py")
    traces = tmp_path / "traces.h5"
    run_cli("trace", "--checkpoint", cli_teacher, "--data-root", DATA, "--out", traces)
    out = run_example("analyse_traces.py", traces, traces, cwd=tmp_path)
    assert "layer 0: per-step move" in out
    assert "MemKD short-term discrepancy 0.00000" in out      # a file against itself
