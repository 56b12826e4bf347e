#!/usr/bin/env python3
"""What one run changes against another over the same datasets and methods (issue 20: the
protocol's fixed student rate against the rate selected per method and dataset): per student
label, the average test AUC-PRC and average rank in each run, the change, the place in the
ranking, on how many datasets the second run is higher, and each run's critical-difference
cliques. Reads the `significance.json` that `memkd-script report` writes (the score table at the
report's precision, the ranks and the cliques), so nothing here re-derives a choice of beta.
Standard library only.

Usage: scripts/compare_runs.py BEFORE_DIR AFTER_DIR [--out FILE.md]
"""

import argparse
import json
import os
import sys


def family(run_dir):
    path = os.path.join(run_dir, "significance.json")
    try:
        with open(path) as f:
            sections = json.load(f)
    except OSError as error:
        raise SystemExit(f"{path}: {error.strerror} (run `memkd-script report {run_dir}`)")
    if len(sections) != 1:
        raise SystemExit(f"{path}: {len(sections)} teacher sections; one is compared")
    students = sections[0]["students"]
    if students is None:
        raise SystemExit(f"{path}: no student comparison (no complete dataset)")
    return students


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("before")
    p.add_argument("after")
    p.add_argument("--out", help="write Markdown here (through a temporary file); else stdout")
    args = p.parse_args(argv)
    before, after = family(args.before), family(args.after)
    if before["datasets"] != after["datasets"] or set(before["labels"]) != set(after["labels"]):
        raise SystemExit("the two runs compare different datasets or labels: "
                         f"{before['datasets']} / {before['labels']} against "
                         f"{after['datasets']} / {after['labels']}")
    datasets = before["datasets"]

    def column(run, label):
        k = run["labels"].index(label)
        return [row[k] for row in run["scores"]]

    def rank(run, label):
        return run["average_ranks"][run["labels"].index(label)]

    labels = sorted(after["labels"], key=lambda label: -sum(column(after, label)))
    place = {name: {label: i + 1 for i, label in enumerate(
        sorted(run["labels"], key=lambda label: -sum(column(run, label))))}
        for name, run in (("before", before), ("after", after))}
    lines = [
        f"# {args.after} against {args.before}", "",
        f"Made by `scripts/compare_runs.py {args.before} {args.after}` from their "
        "`significance.json`: test AUC-PRC (%) at each report's chosen settings, averaged over "
        f"the {len(datasets)} datasets both complete ({', '.join(datasets)}); average rank "
        "without the teacher (1 = best); place = position by average AUC-PRC.", "",
        "| student | average before | average after | change | higher after (datasets) "
        "| rank before | rank after | place before | place after |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label in labels:
        old, new = column(before, label), column(after, label)
        mean_old, mean_new = 100 * sum(old) / len(old), 100 * sum(new) / len(new)
        higher = sum(1 for a, b in zip(old, new) if b > a)
        lines.append(
            f"| {label} | {mean_old:.2f} | {mean_new:.2f} | {mean_new - mean_old:+.2f} "
            f"| {higher} of {len(datasets)} | {rank(before, label):.2f} | {rank(after, label):.2f} "
            f"| {place['before'][label]} | {place['after'][label]} |")
    for name, run in (("before", before), ("after", after)):
        lines += ["", f"Friedman {name}: chi2 {run['friedman_statistic']:.2f}, "
                  f"p = {run['friedman_p_value']:.2g}; significant pairs after Holm: "
                  f"{sum(1 for pair in run['pairs'] if pair['significant'])} of "
                  f"{len(run['pairs'])}; critical-difference cliques: "
                  + " ".join("{" + ", ".join(clique) + "}" for clique in run["cliques"])]
    text = "\n".join(lines) + "\n"
    if args.out:
        with open(args.out + ".tmp", "w") as f:
            f.write(text)
        os.replace(args.out + ".tmp", args.out)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
