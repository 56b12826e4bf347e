"""Per-step memory responses of a traces file, in numpy (h5py only; memkd is not needed).

    memkd-script trace --checkpoint teacher.h5 --out traces.h5
    python bindings/python/examples/analyse_traces.py traces.h5
    python bindings/python/examples/analyse_traces.py traces.h5 student-traces.h5   # compare

A traces file (docs/checkpoint-format.md, `format = "memkd-traces"`) holds a model's hidden
sequences `/hidden/layer{k}` [N, T, H] on the preprocessed series `/inputs`. For every layer
this script measures MemKD's short-term memory response: how far the hidden state moves in one
step, `delta[n, t] = ||h[n, t+1] - h[n, t]||`, normalised per sample by its mean over the steps
(`phi = delta / mean_t delta`, MemKD's default per-sample-mean normalisation, so `mean_t phi
= 1`). It prints, per layer, the scale of the moves, the steps where the layer moves most, and
how much the response differs between classes and from the last layer's (the per-step
discrepancy MemKD's short term would penalise, smoothL1 as in PyTorch). With a second traces
file of the same series (e.g. a student's), it compares the two last layers step by step.
"""

from __future__ import annotations

import argparse
import sys

import h5py
import numpy as np

FLOOR = 1e-8  # MemKD's lower clamp of a normaliser


def responses(hidden: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``delta [N, T-1]`` and ``phi [N, T-1]`` of a hidden sequence ``[N, T, H]``."""
    h = hidden.astype(np.float64)
    delta = np.linalg.norm(h[:, 1:] - h[:, :-1], axis=2)
    mu = np.maximum(delta.mean(axis=1, keepdims=True), FLOOR)
    return delta, delta / mu


def smooth_l1(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise smoothL1 (beta 1): 0.5 d^2 if |d| < 1 else |d| - 0.5."""
    d = np.abs(a - b)
    return np.where(d < 1, 0.5 * d * d, d - 0.5)


def read(path: str):
    with h5py.File(path, "r") as f:
        if f.attrs.get("format") != "memkd-traces":
            sys.exit(f"{path}: not a MemKD traces file (format = {f.attrs.get('format')!r})")
        layers = int(f.attrs["num_layers"])
        hidden = [f[f"hidden/layer{k}"][()] for k in range(layers)]
        info = {key: f.attrs[key] for key in ("dataset", "split", "hidden_size")}
        info["class_labels"] = [str(c) for c in f.attrs["class_labels"]]
        return hidden, f["labels"][()], f["inputs"][()], info


def top_steps(curve: np.ndarray, count: int = 5) -> str:
    order = np.argsort(curve)[::-1][:count]
    return ", ".join(f"{t}->{t + 1} ({curve[t]:.2f})" for t in sorted(order))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("traces", help="a traces .h5 file (memkd-script trace)")
    parser.add_argument("other", nargs="?", help="a second traces file of the same series")
    args = parser.parse_args()

    hidden, labels, inputs, info = read(args.traces)
    N, T, _ = hidden[0].shape
    print(f"{args.traces}: {info['dataset']} ({info['split']} split), {N} series x {T} steps, "
          f"{len(hidden)} layer(s) of {info['hidden_size']} units, "
          f"classes {info['class_labels']}")

    _, last_phi = responses(hidden[-1])
    for k, h in enumerate(hidden):
        delta, phi = responses(h)
        mean_curve = phi.mean(axis=0)                                   # [T-1]
        print(f"\nlayer {k}: per-step move ||h[t+1] - h[t]||: mean {delta.mean():.4f}, "
              f"median {np.median(delta):.4f}, max {delta.max():.4f}")
        print(f"  normalised response phi (mean 1 per sample): std over steps "
              f"{mean_curve.std():.3f}, across samples {phi.std(axis=0).mean():.3f}")
        print(f"  steps with the largest mean phi: {top_steps(mean_curve)}")
        per_class = [phi[labels == c].mean(axis=0) for c in np.unique(labels)]
        if len(per_class) > 1:
            gaps = [np.abs(a - b).mean() for i, a in enumerate(per_class)
                    for b in per_class[i + 1:]]
            print(f"  mean |phi_class_a - phi_class_b| over steps: {np.mean(gaps):.4f} "
                  f"(classes differ most at {top_steps(np.max(per_class, 0) - np.min(per_class, 0), 3)})")
        if k < len(hidden) - 1:
            discrepancy = smooth_l1(phi, last_phi)                      # [N, T-1]
            print(f"  discrepancy to the last layer (smoothL1 of phi): {discrepancy.mean():.5f}, "
                  f"largest at {top_steps(discrepancy.mean(axis=0), 3)}")

    # How the input itself moves, for reference.
    x_delta, x_phi = responses(inputs)
    corr = np.corrcoef(x_phi.mean(axis=0), last_phi.mean(axis=0))[0, 1]
    print(f"\ninputs: per-step move mean {x_delta.mean():.4f}; correlation of the mean input "
          f"response with the last layer's over steps: {corr:.3f}")

    if args.other:
        other, _, other_inputs, other_info = read(args.other)
        if other_inputs.shape[:2] != inputs.shape[:2] or not np.array_equal(other_inputs, inputs):
            sys.exit(f"{args.other}: traces of other series; both files must trace the same split")
        _, other_phi = responses(other[-1])
        discrepancy = smooth_l1(other_phi, last_phi)                    # [N, T-1]
        per_step = discrepancy.mean(axis=0)
        print(f"\n{args.other} ({other_info['hidden_size']} units) vs {args.traces}: "
              f"MemKD short-term discrepancy {discrepancy.mean():.5f} (the loss' short term); "
              f"largest at {top_steps(per_step)}; "
              f"per sample: median {np.median(discrepancy.mean(axis=1)):.5f}, "
              f"max {discrepancy.mean(axis=1).max():.5f}")


if __name__ == "__main__":
    main()
