"""scripts/repair_teacher_seconds.py: a resumed teacher's seconds become the sum its checkpoint
recorded; complete ones, other steps and a second pass are untouched; bad folders are named."""
import json
import subprocess
import sys
from pathlib import Path

import h5py
import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "repair_teacher_seconds.py"


def make_teacher(steps, name, recorded, run_seconds):
    step = steps / name
    step.mkdir()
    (step / "result.json").write_text(json.dumps({"dataset": name, "seconds": recorded}))
    with h5py.File(step / "teacher.h5", "w") as checkpoint:
        runs = [{"history": {"seconds": s}} for s in run_seconds]
        checkpoint.create_group("resume").attrs["runs_json"] = json.dumps(runs)
    return step


def run(*arguments):
    return subprocess.run([sys.executable, str(SCRIPT), *arguments], capture_output=True, text=True)


def test_resumed_teacher_gets_its_recorded_total(tmp_path):
    (tmp_path / "pipeline.json").write_text("{}")
    steps = tmp_path / "steps"
    steps.mkdir()
    resumed = make_teacher(steps, "teacher-a", 150.0, [100.0, 200.0, 300.0])
    straight = make_teacher(steps, "teacher-b", 310.0, [100.0, 200.0])
    student = steps / "student-c"
    student.mkdir()
    (student / "result.json").write_text('{"seconds": 1.0}')

    first = run(str(tmp_path))
    assert first.returncode == 0, first.stderr
    assert "teacher-a: teacher-a: 150.0 s -> 600.0 s" in first.stdout
    assert json.loads((resumed / "result.json").read_text())["seconds"] == pytest.approx(600.0)
    assert json.loads((straight / "result.json").read_text())["seconds"] == 310.0
    assert (student / "result.json").read_text() == '{"seconds": 1.0}'
    assert not list(steps.glob("*/*.repairing"))

    second = run(str(tmp_path))
    assert second.returncode == 0 and second.stdout == ""


def test_not_a_run_folder_is_named(tmp_path):
    result = run(str(tmp_path))
    assert result.returncode != 0
    assert f"{tmp_path}/pipeline.json: no such file" in result.stderr


def test_checkpoint_without_resume_state_is_named(tmp_path):
    (tmp_path / "pipeline.json").write_text("{}")
    step = tmp_path / "steps" / "teacher-x"
    step.mkdir(parents=True)
    (step / "result.json").write_text('{"dataset": "X", "seconds": 1.0}')
    h5py.File(step / "teacher.h5", "w").close()
    result = run(str(tmp_path))
    assert result.returncode != 0
    assert "teacher.h5: no `resume` group" in result.stderr
    assert (step / "result.json").read_text() == '{"dataset": "X", "seconds": 1.0}'
