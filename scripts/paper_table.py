#!/usr/bin/env python3
"""Run the full student protocol on datasets and write the paper-style table.

For each dataset: train the teacher (five initialisations) unless its checkpoint exists, then
`memkd-script distill` for every method (beta grid x 5 seeds; the traces are computed once and
cached by the first distill run), then collect the JSON summaries into
results/distillation-<datasets>.md and .json. A method whose summary already exists in the work
folder is not run again (an interrupted script resumes where it stopped; --fresh reruns all).

    python3 scripts/paper_table.py FaceAll ItalyPowerDemand MoteStrain [--work out/paper]

Uses .build/release/memkd-script (`make build`) and $MEMKD_DATA_ROOT (the Makefile sets it).
Reads only the tools' JSON output.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
METHODS = ["base", "base-kd", "dkd", "at", "rkd", "vid", "nst", "fitnet", "dt2w", "memkd"]


def run(args: list[str]) -> str:
    print("$ " + " ".join(args), file=sys.stderr, flush=True)
    result = subprocess.run(args, stdout=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {' '.join(args)}")
    return result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("datasets", nargs="+")
    parser.add_argument("--work", default="out/paper", help="folder for checkpoints and traces")
    parser.add_argument("--methods", default=",".join(METHODS))
    parser.add_argument("--jobs", default="2")
    parser.add_argument("--script", default=str(REPO / ".build/release/memkd-script"))
    parser.add_argument("--out", default=None, help="results file stem (default results/distillation-<datasets>)")
    parser.add_argument("--fresh", action="store_true",
                        help="rerun methods whose summary already exists in the work folder")
    args = parser.parse_args()
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    methods = args.methods.split(",")
    table: dict[str, dict] = {}
    started = time.time()
    for dataset in args.datasets:
        teacher = work / f"{dataset}-teacher.h5"
        if teacher.exists():
            with_teacher = json.loads(run([args.script, "evaluate", "--checkpoint", str(teacher), "--json"]))
            teacher_test = with_teacher["metrics"]
        else:
            result = json.loads(run([args.script, "train-teacher", "--dataset", dataset, "--out",
                                     str(teacher), "--json", "--quiet"]))
            teacher_test = result["test"]
        table[dataset] = {"teacher": teacher_test, "methods": {}}
        students = work / f"{dataset}-students"
        for method in methods:
            done = students / f"summary-{method}.json"
            if done.exists() and not args.fresh:  # finished earlier: distill wrote it last
                print(f"reusing {done}", file=sys.stderr)
                table[dataset]["methods"][method] = json.loads(done.read_text())
                continue
            summary = json.loads(run([args.script, "distill", "--teacher", str(teacher), "--method",
                                      method, "--jobs", args.jobs, "--out-dir", str(students),
                                      "--json", "--quiet"]))
            table[dataset]["methods"][method] = summary
    stem = Path(args.out) if args.out else REPO / "results" / ("distillation-" + "-".join(args.datasets))
    stem.parent.mkdir(parents=True, exist_ok=True)
    stem.with_suffix(".json").write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
    stem.with_suffix(".md").write_text(render(table, methods, " ".join(sys.argv), time.time() - started))
    print(stem.with_suffix(".md").read_text())


def render(table: dict, methods: list[str], command: str, seconds: float) -> str:
    lines = [f"# Student test AUC-PRC (%), mean +- std over 5 seeds at the beta chosen on validation", "",
             f"Command: `{command}` ({seconds / 60:.0f} min)", ""]
    header = "| dataset | teacher | " + " | ".join(methods) + " |"
    lines += [header, "|" + "---|" * (len(methods) + 2)]
    for dataset, entry in table.items():
        cells = [f"{entry['teacher']['auc_prc'] * 100:.2f}"]
        for method in methods:
            s = entry["methods"][method]
            cells.append(f"{s['test']['auc_prc'] * 100:.2f} +- {s['test_std']['auc_prc'] * 100:.2f}")
        lines.append(f"| {dataset} | " + " | ".join(cells) + " |")
    lines += ["", "Chosen beta per method:", "", "| dataset | " + " | ".join(methods) + " |",
              "|" + "---|" * (len(methods) + 1)]
    for dataset, entry in table.items():
        lines.append(f"| {dataset} | " + " | ".join(f"{entry['methods'][m]['beta']:g}" for m in methods) + " |")
    lines += ["", "Test accuracy and AUC-ROC (%), same runs:", "", "| dataset | metric | " + " | ".join(methods) + " |",
              "|" + "---|" * (len(methods) + 2)]
    for dataset, entry in table.items():
        for key, name in (("acc", "acc"), ("auc_roc", "AUC-ROC")):
            lines.append(f"| {dataset} | {name} | " + " | ".join(
                f"{entry['methods'][m]['test'][key] * 100:.2f}" for m in methods) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
