"""`make bench-protocol`: the paper protocol of examples/paper.yaml on two mid-sized datasets.

Runs every step of the protocol (teacher with 5 initialisations, traces, all ten student
methods over their beta grids, 5 seeds) for the chosen datasets in a fresh run folder, prints
the wall time, and from the per-step timings (`timings.csv`, the steps' own recorded seconds)
extrapolates the ten-dataset protocol: per variant (the teacher and each student method) the
ratio of this run's seconds to the committed protocol's seconds on the same datasets, applied to
the committed protocol's ten-dataset seconds of that variant. Then compares every step's
metrics with the committed ones (same dataset, variant, beta and seed) and writes a summary
(Markdown and JSON) with this run's results.csv and timings.csv.

Why ratios: the committed protocol ran on another sitting's machine, and the ten datasets'
costs differ by two orders of magnitude (NonInvasiveFetalECG: T = 750, 42 classes); a
per-variant speed ratio measured here carries both the code's speed-up and the machine's speed.
"""
from __future__ import annotations

import argparse
import csv
import json
import shutil
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

METRICS = ("val_acc", "val_auc_roc", "val_auc_prc", "test_acc", "test_auc_roc", "test_auc_prc")


def write_atomically(path: Path, text: str) -> None:
    """`path` replaced only by a complete file (a temporary file in its folder, then rename)."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text)
    temporary.replace(path)


def read_csv(path: Path) -> list[dict]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def seconds_by_variant(rows: list[dict], datasets: set[str] | None) -> dict[str, float]:
    """Summed step seconds per variant ("teacher" or a student method)."""
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        if datasets is None or row["dataset"] in datasets:
            totals[row["variant"]] += float(row["seconds"])
    return dict(totals)


def extrapolate(new: list[dict], committed: list[dict], datasets: set[str]) -> dict:
    measured = seconds_by_variant(new, datasets)
    before = seconds_by_variant(committed, datasets)
    everywhere = seconds_by_variant(committed, None)
    variants = {}
    for variant in sorted(everywhere):
        if variant not in measured or before.get(variant, 0) <= 0:
            raise SystemExit(f"bench-protocol: no timings of {variant} on {sorted(datasets)}")
        ratio = measured[variant] / before[variant]
        variants[variant] = {
            "seconds_here": measured[variant],
            "committed_seconds_same_datasets": before[variant],
            "ratio": ratio,
            "committed_seconds_all": everywhere[variant],
            "extrapolated_seconds_all": ratio * everywhere[variant],
        }
    def hours(kind: str, key: str) -> float:
        chosen = [v for name, v in variants.items() if (name == "teacher") == (kind == "teacher")]
        return sum(v[key] for v in chosen) / 3600
    return {
        "variants": variants,
        "committed_hours": {"teachers": hours("teacher", "committed_seconds_all"),
                            "students": hours("students", "committed_seconds_all")},
        "extrapolated_hours": {"teachers": hours("teacher", "extrapolated_seconds_all"),
                               "students": hours("students", "extrapolated_seconds_all")},
    }


def compare_results(new: list[dict], committed: list[dict], datasets: set[str]) -> dict:
    """Per method: steps compared, steps whose six metrics all equal the committed ones to
    1e-12, and the largest absolute metric difference (in points, x 100)."""
    def key(row: dict) -> tuple:
        return (row["dataset"], row["variant"], row["beta"], row["seed"])
    before = {key(row): row for row in committed if row["dataset"] in datasets}
    methods: dict[str, dict] = {}
    for row in new:
        entry = methods.setdefault(row["variant"], {"steps": 0, "identical": 0,
                                                    "max_abs_points": 0.0, "missing": 0})
        old = before.get(key(row))
        entry["steps"] += 1
        if old is None:
            entry["missing"] += 1
            continue
        worst = max(abs(float(row[m]) - float(old[m])) for m in METRICS)
        entry["identical"] += worst <= 1e-12
        entry["max_abs_points"] = max(entry["max_abs_points"], 100 * worst)
    return methods


def markdown(summary: dict) -> str:
    ex = summary["extrapolation"]
    lines = [
        "# bench-protocol: the paper protocol on two datasets",
        "",
        f"Command: `{summary['command']}` (wall {summary['wall_seconds']:.0f} s, "
        f"{summary['ran']} steps run, {summary['cached']} cached, {summary['jobs']} jobs).",
        "",
        f"Datasets: {', '.join(summary['datasets'])}. Process seconds here (sum of the steps' "
        f"recorded seconds): {summary['process_seconds']:.0f}.",
        "",
        "## Extrapolated ten-dataset protocol",
        "",
        "| | committed | extrapolated from this run |",
        "|---|---:|---:|",
    ]
    for kind in ("teachers", "students"):
        lines.append(f"| {kind} (process-hours) | {ex['committed_hours'][kind]:.2f} | "
                     f"{ex['extrapolated_hours'][kind]:.2f} |")
    total_before = sum(ex["committed_hours"].values())
    total_after = sum(ex["extrapolated_hours"].values())
    lines += [f"| total | {total_before:.2f} | {total_after:.2f} |", "",
              "| variant | seconds here | committed, same datasets | ratio | committed, ten datasets | extrapolated |",
              "|---|---:|---:|---:|---:|---:|"]
    for name, v in ex["variants"].items():
        lines.append(f"| {name} | {v['seconds_here']:.1f} | {v['committed_seconds_same_datasets']:.1f} | "
                     f"{v['ratio']:.3f} | {v['committed_seconds_all']:.0f} | {v['extrapolated_seconds_all']:.0f} |")
    lines += ["", "## Results against the committed protocol", "",
              "Per step (same dataset, variant, beta, seed), the six validation and test metrics.",
              "", "| variant | steps | identical | largest difference (points) |",
              "|---|---:|---:|---:|"]
    for name, c in sorted(summary["results"].items()):
        lines.append(f"| {name} | {c['steps']} | {c['identical']} | {c['max_abs_points']:.4f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--script", default=".build/release/memkd-script")
    p.add_argument("--pipeline", default="examples/paper.yaml")
    p.add_argument("--datasets", default="FaceAll,Trace")
    p.add_argument("--out", default="out/bench-protocol", help="scratch run folder (replaced)")
    p.add_argument("--committed", default="results/paper-protocol")
    p.add_argument("--summary", default="results/bench-protocol")
    p.add_argument("--jobs", type=int, default=2)
    args = p.parse_args(argv)
    out, committed, summary_dir = Path(args.out), Path(args.committed), Path(args.summary)
    for name in ("timings.csv", "results.csv"):
        if not (committed / name).is_file():
            p.error(f"--committed {committed}: no {name}")
    if out.exists():
        print(f"bench-protocol: replacing the scratch run folder {out}", file=sys.stderr)
        shutil.rmtree(out)
    command = [args.script, "run", args.pipeline, "--datasets", args.datasets, "--out", str(out),
               "--jobs", str(args.jobs), "--plain", "--json"]
    start = time.monotonic()
    finished = subprocess.run(command, stdout=subprocess.PIPE, text=True)
    wall = time.monotonic() - start
    if finished.returncode != 0:
        print(f"bench-protocol: {' '.join(command)} exited {finished.returncode}", file=sys.stderr)
        return finished.returncode
    run = json.loads(finished.stdout)
    datasets = set(args.datasets.split(","))
    new_timings = read_csv(out / "timings.csv")
    new_results = read_csv(out / "results.csv")
    summary = {
        "command": " ".join(command), "datasets": sorted(datasets), "jobs": args.jobs,
        "wall_seconds": wall, "ran": run["ran"], "cached": run["cached"],
        "process_seconds": sum(float(r["seconds"]) for r in new_timings),
        "extrapolation": extrapolate(new_timings, read_csv(committed / "timings.csv"), datasets),
        "results": compare_results(new_results, read_csv(committed / "results.csv"), datasets),
    }
    summary_dir.mkdir(parents=True, exist_ok=True)
    for name in ("timings.csv", "results.csv", "report.md"):
        write_atomically(summary_dir / name, (out / name).read_text())
    write_atomically(summary_dir / "summary.json",
                     json.dumps(summary, indent=2, sort_keys=True) + "\n")
    text = markdown(summary)
    write_atomically(summary_dir / "summary.md", text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
