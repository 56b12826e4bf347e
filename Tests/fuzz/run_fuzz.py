"""MemKD's fuzz and fault harness (see README, "Fuzz and fault harness").

    python Tests/fuzz/run_fuzz.py --seconds 600 --summary results/fuzz/summary.json

Splits the time between the categories (tsv, yaml, hdf5: `memkd-script` in child processes;
python: the extension's functions in child interpreters), prints one line per failure and a
summary table, writes the summary (cases per category, outcomes, failures with the case that
caused them) as JSON and Markdown, and exits 1 when anything failed. `--seed` makes a run
repeatable; `MEMKD_SCRIPT` picks the binary (default: the debug build)."""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cases_hdf5  # noqa: E402
import cases_tsv  # noqa: E402
import cases_yaml  # noqa: E402
import python_fuzz  # noqa: E402
from fuzz_cli import run_case  # noqa: E402
from workspace import prepare, script_path  # noqa: E402

GENERATORS = {"tsv": cases_tsv.cases, "yaml": cases_yaml.cases, "hdf5": cases_hdf5.cases}
CATEGORIES = ["tsv", "yaml", "hdf5", "python"]


def fuzz(seconds: float, seed: int, categories: list[str], workdir: Path,
         script: str | None = None) -> dict:
    started = time.monotonic()
    workspace = prepare(workdir / "workspace", script)
    share = max(1.0, (seconds - (time.monotonic() - started)) / len(categories))
    summary = {"seed": seed, "seconds": seconds, "script": workspace.script, "categories": {},
               "failures": []}
    for category in categories:
        rng = random.Random(f"{seed}-{category}")
        counts: Counter = Counter()
        begin = time.monotonic()
        if category == "python":
            counts, failures = python_fuzz.run(share, seed, workdir / "python")
            summary["failures"] += failures
        else:
            generator = GENERATORS[category](workspace, rng)
            while time.monotonic() - begin < share:
                outcome = run_case(next(generator))
                counts["cases"] += 1
                counts[outcome.kind] += 1
                if outcome.kind == "failure":
                    kept = keep_files(outcome.case, workdir / "failures" /
                                      str(len(summary["failures"])))
                    summary["failures"].append({"files": kept,
                        "category": category, "reason": outcome.reason,
                        "case": outcome.case.label, "argv": outcome.case.argv[1:],
                        "stderr": outcome.stderr})
                    print(f"FAILURE [{category}] {outcome.case.label}: {outcome.reason}",
                          flush=True)
        counts["seconds"] = round(time.monotonic() - begin, 1)
        summary["categories"][category] = dict(counts)
    return summary


def keep_files(case, folder: Path) -> list[str]:
    """Copies the files of a failed case (the damaged input, what it had to leave alone), so
    that the failure can be replayed from the kept work folder (`--keep`)."""
    folder.mkdir(parents=True, exist_ok=True)
    kept = []
    for path in case.inputs + case.watched:
        if path.is_file():
            shutil.copy(path, folder / path.name)
            kept.append(str(folder / path.name))
    return kept


def markdown(summary: dict, command: str) -> str:
    lines = [f"# Fuzz and fault harness: {len(summary['failures'])} failures", "",
             f"Command: `{command}` (seed {summary['seed']}, {summary['seconds']:.0f} s, "
             f"binary `{Path(summary['script']).parent.parent.name}/"
             f"{Path(summary['script']).parent.name}`).", "",
             "| category | cases | accepted | refused | failures | seconds |", "|---|---|---|---|---|---|"]
    for category, counts in summary["categories"].items():
        if category == "python":
            refused = sum(v for k, v in counts.items() if k.endswith("Error"))
            lines.append(f"| python (extension calls) | {counts.get('calls', 0)} | "
                         f"{counts.get('returned', 0)} | {refused} (+{counts.get('slow', 0)} "
                         f"stopped at {5} s) | {counts.get('failures', 0)} | {counts['seconds']} |")
        else:
            lines.append(f"| {category} | {counts.get('cases', 0)} | {counts.get('accepted', 0)} | "
                         f"{counts.get('refused', 0)} | {counts.get('failure', 0)} | "
                         f"{counts['seconds']} |")
    if summary["failures"]:
        lines += ["", "## Failures", ""]
        lines += [f"- [{f['category']}] {f['case']}: {f['reason']}" for f in summary["failures"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--categories", default=",".join(CATEGORIES))
    parser.add_argument("--summary", type=Path, help="write SUMMARY (.json) and SUMMARY.md")
    parser.add_argument("--keep", type=Path, help="work folder to keep (default: temporary)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    workdir = args.keep or Path(tempfile.mkdtemp(prefix="memkd-fuzz-"))
    try:
        summary = fuzz(args.seconds, seed, args.categories.split(","), workdir, script_path())
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    command = f"python Tests/fuzz/run_fuzz.py --seconds {args.seconds:.0f} --seed {seed}"
    text = markdown(summary, command)
    print(text)
    if args.summary:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps(summary, indent=1) + "\n")
        args.summary.with_suffix(".md").write_text(text)
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
