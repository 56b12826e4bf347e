#!/usr/bin/env python3
"""Profile figures per cell for a pipeline run (issue 18): for each dataset and student cell,
`memkd-script profile --json` of one finished student (METHOD, seed 0, the first beta found),
written as a Markdown table to OUT. Standard library only.

With --target (cortex-m4, cortex-m3; repeatable), the firmware figures of `profile --target`
are added: flash bytes, RAM bytes and instructions per step, float32 and int8 (needs the Arm
toolchain and QEMU: `make apt-mcu`).

Usage: scripts/cell_profiles.py RUN_DIR OUT.md [--script MEMKD_SCRIPT] [--dataset D ...]
    [--method M] [--target T ...]
"""

import argparse
import json
import os
import subprocess
import sys


def finished_students(run_dir: str, dataset: str, method: str):
    """(cell, step folder) of the first finished student per cell, seed 0."""
    with open(os.path.join(run_dir, "pipeline.json")) as f:
        manifest = json.load(f)
    found = {}
    for step in manifest["steps"]:
        student = step.get("student") or {}
        if step.get("kind") != "student" or step.get("dataset") != dataset \
                or student.get("method") != method or step.get("seed") != 0:
            continue
        cell = student.get("cell") or "lstm"          # LSTM steps record no cell
        folder = os.path.join(run_dir, "steps", step["id"])
        if cell not in found and os.path.isfile(os.path.join(folder, "result.json")):
            found[cell] = folder
    return found


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run_dir")
    p.add_argument("out")
    p.add_argument("--script", default=".build/release/memkd-script")
    p.add_argument("--dataset", action="append",
                   help="dataset(s) to profile, repeatable (default: FaceAll)")
    p.add_argument("--method", default="memkd")
    p.add_argument("--target", action="append", default=[],
                   help="also profile firmware for this target (repeatable)")
    args = p.parse_args(argv)
    datasets = args.dataset or ["FaceAll"]
    rows = []
    for dataset in datasets:
        students = finished_students(args.run_dir, dataset, args.method)
        if not students:
            print(f"{args.run_dir}: no finished {args.method} student of {dataset} (seed 0)",
                  file=sys.stderr)
            return 1
        for cell in sorted(students, key=["lstm", "gru", "rnn"].index):
            checkpoint = os.path.join(students[cell], "student.h5")
            targets = [word for target in args.target for word in ("--target", target)]
            out = subprocess.run([args.script, "profile", "--checkpoint", checkpoint, "--json",
                                  *targets], capture_output=True, text=True, check=True).stdout
            record = json.loads(out)
            for entry in record.pop("microcontroller", None) or []:
                name = f"{entry['target']} {'int8' if entry['int8'] else 'float32'}"
                for key in ("flash_bytes", "ram_bytes", "instructions_per_step"):
                    record[f"{name} {key}"] = entry[key]
            rows.append((dataset, cell, record))
    keys = sorted({k for _, _, r in rows for k, v in r.items() if isinstance(v, (int, float))})
    command = " ".join(["scripts/cell_profiles.py", args.run_dir, args.out]
                       + [f"--dataset {d}" for d in args.dataset or []]
                       + [f"--target {t}" for t in args.target])
    lines = [f"Profile of the students ({args.method}, seed 0): "
             f"`memkd-script profile --checkpoint STUDENT --json"
             + "".join(f" --target {t}" for t in args.target) + f"`, made by `{command}`.", "",
             "| dataset | cell | " + " | ".join(keys) + " |", "|---" * (len(keys) + 2) + "|"]
    for dataset, cell, record in rows:
        values = [f"{record[k]:.4g}" if isinstance(record.get(k), float) else str(record.get(k, "-"))
                  for k in keys]
        lines.append(f"| {dataset} | {cell} | " + " | ".join(values) + " |")
    with open(args.out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{args.out}: {len(rows)} cells")
    return 0


if __name__ == "__main__":
    sys.exit(main())
