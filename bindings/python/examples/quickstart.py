"""Quick start: train a teacher, distil MemKD and Base students, compare them.

    python bindings/python/examples/quickstart.py                 # ItalyPowerDemand from data/
    python bindings/python/examples/quickstart.py --teacher-epochs 500 --hidden 100 --layers 3

Loads ItalyPowerDemand from the repository's data/ folder, splits its training series as
`memkd-script` does (20 % validation, seed 0), trains a teacher, then distils 1 x 8 students
with MemKD (beta 10) and without distillation (Base) for a few seeds, and prints test
accuracy / AUC-ROC / AUC-PRC. With matplotlib installed it also saves quickstart.png
(AUC-PRC per method, and the validation AUC-PRC of each run per epoch).

The defaults (a 2 x 32 teacher, 100 epochs; students at most 100 epochs) take about a minute
with the release extension that `pip install ./bindings/python` builds. The paper's teacher
is 3 x 100 trained for up to 500 epochs (--hidden 100 --layers 3 --teacher-epochs 500).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import memkd

REPO = Path(__file__).resolve().parents[3]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="ItalyPowerDemand")
    parser.add_argument("--data-root", default=str(REPO / "data"),
                        help="folder of UCR dataset folders (default: the repository's data/)")
    parser.add_argument("--hidden", type=int, default=32, help="teacher hidden units")
    parser.add_argument("--layers", type=int, default=2, help="teacher layers")
    parser.add_argument("--teacher-epochs", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=100, help="student epochs")
    parser.add_argument("--seeds", type=int, default=3, help="student seeds per method")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default="quickstart.png", help="plot file (needs matplotlib)")
    parser.add_argument("--max-test", type=int, default=None,
                        help="evaluate on the first N test series only (default: all)")
    args = parser.parse_args()

    data = memkd.load_ucr(args.dataset, root=args.data_root)
    train, val = memkd.split(data.y_train, validation_fraction=0.2, seed=0)
    X, y = data.X_train[train], data.y_train[train]
    X_val, y_val = data.X_train[val], data.y_train[val]
    X_test, y_test = data.X_test[:args.max_test], data.y_test[:args.max_test]
    print(f"{data.name}: {len(X)} training, {len(X_val)} validation, {len(X_test)} test "
          f"series of length {X.shape[1]}, {data.classes} classes")

    start = time.perf_counter()
    teacher = memkd.Teacher(hidden_size=args.hidden, layers=args.layers, seed=0)
    teacher.fit(X, y, X_val, y_val, epochs=args.teacher_epochs, threads=args.threads)
    teacher.dataset, teacher.class_labels = data.name, data.class_labels
    print(f"teacher {args.layers} x {args.hidden}: {teacher.parameter_count()} parameters, "
          f"best epoch {teacher.best_epoch}, {time.perf_counter() - start:.1f} s")

    rows = [("teacher", teacher.parameter_count(), [teacher.evaluate(X_test, y_test)])]
    curves = {}
    for method in ("memkd", "base"):
        results = []
        for seed in range(args.seeds):
            student = memkd.distill(teacher, X, y, X_val, y_val, method=method, seed=seed,
                                    epochs=args.epochs, threads=args.threads)
            results.append(student.evaluate(X_test, y_test))
            curves[f"{method} seed {seed}"] = [e.val_auc_prc for e in student.history]
        rows.append((method, student.parameter_count(), results))

    print(f"\n{'model':<8} {'params':>7}  {'test acc':>14}  {'AUC-ROC':>14}  {'AUC-PRC':>14}")
    for name, params, results in rows:
        cells = []
        for key in ("accuracy", "auc_roc", "auc_prc"):
            values = 100 * np.array([r[key] for r in results])
            cells.append(f"{values.mean():6.2f} +- {values.std():5.2f}")
        print(f"{name:<8} {params:>7}  " + "  ".join(cells))
    print(f"\nmean +- std over {args.seeds} student seeds, in percent")

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("(matplotlib is not installed: no plot)")
        return
    figure, (bars, lines) = plt.subplots(1, 2, figsize=(10, 4))
    names = [name for name, _, _ in rows]
    means = [100 * np.mean([r["auc_prc"] for r in results]) for _, _, results in rows]
    bars.bar(names, means, color=["grey", "tab:blue", "tab:orange"])
    bars.set_ylabel("test AUC-PRC (%)")
    bars.set_title(data.name)
    for label, curve in curves.items():
        lines.plot(range(1, len(curve) + 1), curve, label=label,
                   color="tab:blue" if label.startswith("memkd") else "tab:orange", alpha=0.7)
    lines.set_xlabel("epoch")
    lines.set_ylabel("validation AUC-PRC")
    lines.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(args.out, dpi=120)
    print(f"plot saved to {args.out}")


if __name__ == "__main__":
    main()
