#!/usr/bin/env python3
"""Microcontroller figures of a pipeline run's students (issue 22): for each dataset, the MemKD
student of seed 0 (LSTM) is

- profiled with `memkd-script profile --target cortex-m4 --target cortex-m3 --json` (flash of
  the model object, RAM = state + stack, instructions per step and per readout under QEMU;
  float32 and int8), and
- exported with `export-c --firmware --target cortex-m4 --vectors 100` (float32 and int8), built
  and run under QEMU on its dataset's first 100 test series: how many predictions equal Swift's
  and the largest probability difference.

Writes OUT.md (a table) and OUT.json (every number). Needs the Arm toolchain and QEMU
(`make apt-mcu`) and the datasets (MEMKD_DATA_ROOT or --data-root).

Usage: scripts/mcu_profiles.py RUN_DIR [RUN_DIR ...] --out results/mcu/profile
    [--script MEMKD_SCRIPT] [--data-root DIR ...] [--method memkd]
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cell_profiles import finished_students  # noqa: E402


def datasets_of(run_dir):
    with open(os.path.join(run_dir, "pipeline.json")) as f:
        steps = json.load(f)["steps"]
    return sorted({step["dataset"] for step in steps if step.get("kind") == "student"})


def run(command, accept=(0,), timeout=600):
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode not in accept:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}{result.stdout[-2000:]}")
    return result


def firmware_agreement(script, checkpoint, data_root, int8):
    """(equal predictions, series, max |p_firmware - p_Swift|) on the first 100 test series."""
    with tempfile.TemporaryDirectory(prefix="memkd-mcu-") as folder:
        command = [script, "export-c", "--checkpoint", checkpoint, "--firmware", folder,
                   "--target", "cortex-m4", "--vectors", "100", "--data-root", data_root]
        run(command + (["--int8"] if int8 else []))
        run(["make", "-s", "-C", folder])
        # Status 1: a prediction differs from Swift's (counted below); anything else failed.
        output = run(["make", "-s", "-C", folder, "run"], accept=(0, 1)).stdout
        expected = {}
        with open(os.path.join(folder, "expected.tsv")) as f:
            next(f)
            for line in f:
                fields = line.split("\t")
                expected[int(fields[0])] = (int(fields[1]), [float(v) for v in fields[2:]])
        equal, difference, seen = 0, 0.0, set()
        for line in output.splitlines():
            words = line.split()
            if words[:1] != ["series"]:
                continue
            bits = words[words.index("bits") + 1:]
            probabilities = [struct.unpack("<f", struct.pack("<I", int(b, 16)))[0] for b in bits]
            seen.add(int(words[1]))
            swift_class, swift = expected[int(words[1])]
            equal += int(words[3]) == swift_class
            difference = max(difference, max(abs(a - b) for a, b in zip(probabilities, swift)))
        if seen != set(expected):
            raise SystemExit(f"{checkpoint}: the firmware printed {len(seen)} of "
                             f"{len(expected)} series:\n{output[-2000:]}")
        return equal, len(expected), difference


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("run_dirs", nargs="+")
    p.add_argument("--out", required=True, help="path without extension (.md and .json)")
    p.add_argument("--script", default=".build/release/memkd-script")
    p.add_argument("--data-root", action="append",
                   help="data root per run folder, in order (default: $MEMKD_DATA_ROOT)")
    p.add_argument("--method", default="memkd")
    args = p.parse_args(argv)
    roots = args.data_root or [os.environ.get("MEMKD_DATA_ROOT", "data")] * len(args.run_dirs)
    if len(roots) != len(args.run_dirs):
        p.error("give one --data-root per run folder")
    records = []
    for run_dir, root in zip(args.run_dirs, roots):
        for dataset in datasets_of(run_dir):
            folder = finished_students(run_dir, dataset, args.method).get("lstm")
            if folder is None:
                print(f"{run_dir}: no finished {args.method} student of {dataset}", file=sys.stderr)
                continue
            checkpoint = os.path.join(folder, "student.h5")
            profile = json.loads(run([args.script, "profile", "--checkpoint", checkpoint,
                                      "--target", "cortex-m4", "--target", "cortex-m3",
                                      "--no-timing", "--json"]).stdout)
            agreement = {("int8" if int8 else "float32"):
                         dict(zip(("equal", "series", "max_difference"),
                                  firmware_agreement(args.script, checkpoint, root, int8)))
                         for int8 in (False, True)}
            records.append({"dataset": dataset, "run": run_dir, "checkpoint": checkpoint,
                            "model": profile["model"], "profile": profile,
                            "test_series_cortex_m4": agreement})
            print(f"{dataset}: done", file=sys.stderr)
    os.makedirs(os.path.dirname(args.out) or ".", exist_ok=True)
    # Both texts first, then each through a temporary file: a failure never empties a
    # committed file.
    texts = {".json": json.dumps(records, indent=1) + "\n", ".md": table(records, args, roots)}
    for suffix, text in texts.items():
        with open(args.out + suffix + ".tmp", "w") as f:
            f.write(text)
        os.replace(args.out + suffix + ".tmp", args.out + suffix)
    print(f"{args.out}.md: {len(records)} students")
    return 0


def table(records, args, roots):
    lines = [
        f"# The paper's student on microcontrollers ({args.method}, seed 0, LSTM 1 x 8)", "",
        "Made by `scripts/mcu_profiles.py " + " ".join(args.run_dirs)
        + "".join(f" --data-root {root}" for root in roots) + f" --out {args.out}`.",
        "Flash: `arm-none-eabi-size` of the model object (code + weights; `expf` and, on the",
        "M3, libgcc's software float come on top). RAM: the caller's state + the largest stack",
        "frame. Instructions: per time step and per readout, counted under QEMU `-icount",
        "shift=0` with SysTick calibrated by a loop of known length (instructions, not cycles).",
        "Test series: the dataset's first 100 (fewer when the split is smaller), Cortex-M4F",
        "firmware under QEMU against Swift (int8: the dequantised model).", "",
        "| dataset | model | target | weights | flash B | RAM B | instr./step | instr./readout "
        "| equal to Swift (M4, 100 test series) | max abs p diff |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for record in records:
        for entry in record["profile"]["microcontroller"]:
            precision = "int8" if entry["int8"] else "float32"
            agreement = record["test_series_cortex_m4"][precision]
            on_m4 = entry["target"] == "cortex-m4"
            lines.append(
                f"| {record['dataset']} | {record['model']} | {entry['target']} | {precision} "
                f"| {entry['flash_bytes']} | {entry['ram_bytes']} "
                f"| {entry['instructions_per_step']:.0f} | {entry['instructions_per_readout']:.0f} "
                + (f"| {agreement['equal']}/{agreement['series']} "
                   f"| {agreement['max_difference']:.1e} |" if on_m4 else "| | |"))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
