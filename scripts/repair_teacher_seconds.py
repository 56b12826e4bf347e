"""Repairs the `seconds` of finished teacher steps written before resumed teachers counted
their earlier sittings.

Until this fix a teacher step that was interrupted and resumed recorded only the wall time of
its last sitting (process) in result.json. Its checkpoint (teacher.h5, group `resume`, attribute
`runs_json`) keeps every initialisation's measured training time, so the true total is
recoverable. For each finished teacher step of RUN_DIR whose result.json `seconds` is below the
sum of its initialisations' recorded training seconds, this rewrites `seconds` with that sum
(through a temporary file and a rename) and prints both numbers. Other steps are untouched;
running it twice changes nothing the second time.

Usage: .venv/bin/python scripts/repair_teacher_seconds.py RUN_DIR [RUN_DIR ...]
"""
import glob
import json
import os
import sys

import h5py


def recorded_training_seconds(checkpoint_path):
    with h5py.File(checkpoint_path, "r") as checkpoint:
        if "resume" not in checkpoint:
            raise ValueError(f"{checkpoint_path}: no `resume` group (not a pipeline teacher checkpoint)")
        runs = json.loads(checkpoint["resume"].attrs["runs_json"])
    return sum(run["history"]["seconds"] for run in runs)


def repair(run_dir):
    steps = sorted(glob.glob(os.path.join(run_dir, "steps", "teacher-*")))
    steps = [s for s in steps if os.path.isdir(s) and not s.endswith((".partial", ".lock"))]
    if not os.path.isfile(os.path.join(run_dir, "pipeline.json")):
        raise ValueError(f"{run_dir}/pipeline.json: no such file (not a pipeline run folder)")
    for step in steps:
        result_path = os.path.join(step, "result.json")
        checkpoint_path = os.path.join(step, "teacher.h5")
        if not (os.path.isfile(result_path) and os.path.isfile(checkpoint_path)):
            continue
        with open(result_path) as f:
            result = json.load(f)
        total = recorded_training_seconds(checkpoint_path)
        if result["seconds"] >= total:
            continue
        print(f"{step}: {result['dataset']}: {result['seconds']:.1f} s -> {total:.1f} s")
        result["seconds"] = total
        temporary = result_path + ".repairing"
        with open(temporary, "w") as f:
            json.dump(result, f, indent=2, sort_keys=True)
            f.write("\n")
        os.replace(temporary, result_path)


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__.strip().splitlines()[-1])
    try:
        for run_dir in sys.argv[1:]:
            repair(run_dir)
    except (OSError, ValueError, KeyError) as error:
        sys.exit(f"repair_teacher_seconds: {error}")
