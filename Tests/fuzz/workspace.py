"""The files every fuzz case starts from, made once per harness run: a small teacher, a student
distilled from it, the teacher's traces, and their undamaged answers (the oracle for accepted
runs on damaged copies)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data"
DATASET = "ItalyPowerDemand"
# Small enough that a debug build answers in well under a second.
TEACHER_ARGS = ["--dataset", DATASET, "--data-root", str(DATA), "--length", "24", "--hidden", "4",
                "--layers", "2", "--inits", "1", "--epochs", "2", "--quiet"]
DISTILL_ARGS = ["--data-root", str(DATA), "--method", "base-kd", "--beta", "1", "--seeds", "1",
                "--epochs", "1", "--json", "--quiet"]


def script_path() -> str:
    return os.environ.get("MEMKD_SCRIPT") or str(REPO / ".build" / "debug" / "memkd-script")


@dataclass
class Workspace:
    root: Path
    script: str
    teacher: Path
    student: Path
    traces: Path
    teacher_answer: dict
    student_answer: dict
    student_header: str
    distill_answer: list

    def scratch(self, name: str) -> Path:
        folder = self.root / "cases" / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return folder

    def evaluate_argv(self, checkpoint: Path) -> list[str]:
        return [self.script, "evaluate", "--checkpoint", str(checkpoint), "--data-root", str(DATA),
                "--split", "train", "--json"]

    def distill_argv(self, traces: Path, out_dir: Path) -> list[str]:
        return [self.script, "distill", "--teacher", str(self.teacher), "--traces", str(traces),
                *DISTILL_ARGS, "--out-dir", str(out_dir)]


def run(argv: list[str]) -> str:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    if result.returncode != 0:
        raise RuntimeError(f"{argv} failed ({result.returncode}): {result.stderr}")
    return result.stdout


def answer(evaluate_json: str) -> dict:
    """What an evaluation says about the model (its numbers), without paths."""
    result = json.loads(evaluate_json)
    return {key: result.get(key) for key in ("metrics", "recorded", "loss", "params", "count")}


def distill_answer(distill_json: str) -> list:
    return [(run["seed"], run["test"], run["validation"]) for run in json.loads(distill_json)["runs"]]


def prepare(root: Path, script: str | None = None) -> Workspace:
    script = script or script_path()
    root.mkdir(parents=True, exist_ok=True)
    teacher = root / "teacher.h5"
    run([script, "train-teacher", *TEACHER_ARGS, "--out", str(teacher), "--overwrite"])
    traces = root / "teacher-traces.h5"
    traces.unlink(missing_ok=True)
    students = root / "students"
    shutil.rmtree(students, ignore_errors=True)
    distilled = run([script, "distill", "--teacher", str(teacher), "--traces", str(traces),
                     *DISTILL_ARGS, "--out-dir", str(students)])
    (student,) = students.glob("*.h5")
    workspace = Workspace(root, script, teacher, student, traces, {}, {}, "", [])
    workspace.teacher_answer = answer(run(workspace.evaluate_argv(teacher)))
    workspace.student_answer = answer(run(workspace.evaluate_argv(student)))
    header = root / "student.h"
    run([script, "export-c", "--checkpoint", str(student), "--out", str(header)])
    workspace.student_header = header.read_text()
    workspace.distill_answer = distill_answer(distilled)
    return workspace
