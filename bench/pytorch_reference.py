#!/usr/bin/env python3
"""PyTorch reference side of `make bench`.

Times one full training epoch of the MemKD teacher and student LSTM
classifiers in PyTorch on CPU, so the Swift engine's numbers can be put next
to them.

Each epoch visits every mini-batch once (fixed shuffle order, last batch may
be smaller) and does: forward, mean cross-entropy, backward,
clip_grad_norm_(1.0), Adam step.

    teacher: nn.LSTM(input, 100, num_layers=3, batch_first=True) + Linear(100, C), Adam lr 0.01
    student: nn.LSTM(input, 8,   num_layers=1, batch_first=True) + Linear(8, C),   Adam lr 0.1

One warm-up epoch is run first, then `--repeats` timed epochs (`--student-repeats`
for the two student workloads, whose millisecond epochs need more samples to get
past scheduler noise); best (min) and
median wall-clock seconds (time.perf_counter) are reported, together with the
analytic FLOP count per epoch and achieved GFLOP/s (flop / best epoch time).

FLOP model (matrix products only, elementwise gate math ignored):
    per LSTM layer with input D, hidden H, per sample-step:
        forward  2 * (D + H) * 4H
        backward 2 * forward
    head Linear(H, C), applied once per sample (last step):
        forward  2 * H * C, backward 2 * forward
    epoch flop = 3 * (samples * length * sum_layers 2*(D+H)*4H + samples * 2*H*C)

student_gru and student_rnn train the same 1 x 8 student with nn.GRU / nn.RNN (tanh) in place
of the LSTM (FLOP model: 3H / 1H gate rows instead of 4H).

A third workload, student_memkd, trains the student with CE + 10 x MemKD (short and long
terms, per-sample-mean normalisation, K = T - 1 long pairs per step) against cached teacher
hidden states [B, T, 100] (prepared before timing, like the batches): the teacher never runs.

With --json exactly one JSON object is written to stdout:
    {"torch_version", "threads", "samples", "length", "batch_size", "classes",
     "teacher": {"epoch_s_best", "epoch_s_median", "flop", "gflops"},
     "student": {...}, "student_memkd": {...}, "student_gru": {...}, "student_rnn": {...},
     "stream": {"step_ns_best", "steps", "cells": {"lstm", "gru", "rnn"}},
     "inference": {"student": seconds, "teacher": seconds}}

The stream workload times streaming inference of the student: one nn.LSTMCell(1, 8) step plus
Linear + softmax per time step (torch.no_grad, batch 1), and the same with nn.GRUCell and
nn.RNNCell under "cells".
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

import numpy as np

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:  # pragma: no cover - reported to the caller
    print("pytorch_reference.py: torch is not importable", file=sys.stderr)
    sys.exit(2)

DATA_SEED = 1234
SHUFFLE_SEED = 4321
INIT_SEED = 0


# Each cell's module, step module and gate blocks (MemKD's RecurrentCell: lstm, gru, rnn).
CELLS = {"lstm": (nn.LSTM, nn.LSTMCell, 4), "gru": (nn.GRU, nn.GRUCell, 3),
         "rnn": (nn.RNN, nn.RNNCell, 1)}


class LSTMClassifier(nn.Module):
    """Stacked recurrent layers (batch_first; an LSTM unless `cell` says otherwise) + Linear head
    on the last step of the last layer."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int, num_classes: int,
                 cell: str = "lstm"):
        super().__init__()
        module = CELLS[cell][0]
        self.lstm = module(input_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)  # zero initial state
        return self.head(out[:, -1, :])


def epoch_flop(samples: int, length: int, input_size: int, hidden: int, layers: int,
               classes: int, cell: str = "lstm") -> int:
    per_step = 0
    d = input_size
    for _ in range(layers):
        per_step += 2 * (d + hidden) * CELLS[cell][2] * hidden
        d = hidden
    forward = samples * length * per_step + samples * 2 * hidden * classes
    return 3 * forward  # forward + backward (2x forward)


def make_batches(x: torch.Tensor, y: torch.Tensor, batch_size: int):
    n = x.shape[0]
    order = torch.from_numpy(np.random.default_rng(SHUFFLE_SEED).permutation(n))
    batches = []
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        # contiguous copies so indexing cost is not part of the timed loop
        batches.append((x[idx].contiguous(), y[idx].contiguous()))
    return batches


def train_epoch(model: nn.Module, opt: torch.optim.Optimizer, batches) -> float:
    last = 0.0
    for xb, yb in batches:
        opt.zero_grad(set_to_none=True)
        logits = model(xb)
        loss = F.cross_entropy(logits, yb)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        last = loss.detach()
    return float(last)


def memkd_loss(hs: torch.Tensor, ht: torch.Tensor, pairs: torch.Tensor, k: int,
               gen: torch.Generator) -> torch.Tensor:
    """MemKD (METHODS.md defaults): short + long terms, per-sample-mean normalisation.

    hs [B, T, Hs], ht [B, T, Ht]; long pairs: k draws from `pairs` (all t1 < t2 - 1) per call.
    """
    def phi(h, t1, t2):
        d = torch.linalg.vector_norm(h[:, t2] - h[:, t1], dim=-1)
        return d / d.mean(dim=1, keepdim=True).clamp_min(1e-8)

    steps = hs.shape[1]
    t1 = torch.arange(steps - 1)
    short = F.smooth_l1_loss(phi(hs, t1, t1 + 1), phi(ht, t1, t1 + 1))
    chosen = pairs[torch.randint(len(pairs), (k,), generator=gen)]
    long = F.smooth_l1_loss(phi(hs, chosen[:, 0], chosen[:, 1]), phi(ht, chosen[:, 0], chosen[:, 1]))
    return short + long


def train_epoch_memkd(model: nn.Module, opt: torch.optim.Optimizer, batches, beta: float,
                      gen: torch.Generator) -> float:
    """CE + beta * MemKD against cached teacher hidden states (the teacher never runs)."""
    last = 0.0
    steps = batches[0][0].shape[1]
    pairs = torch.tensor([(a, b) for a in range(steps) for b in range(a + 2, steps)])
    for xb, yb, hb in batches:
        opt.zero_grad(set_to_none=True)
        out, _ = model.lstm(xb)
        logits = model.head(out[:, -1, :])
        loss = F.cross_entropy(logits, yb) + beta * memkd_loss(out, hb, pairs, steps - 1, gen)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        last = loss.detach()
    return float(last)


def bench_memkd(batches, args) -> dict:
    """The student (1 x 8) trained with CE + 10 x MemKD on cached 3 x 100 teacher traces."""
    torch.manual_seed(INIT_SEED)
    model = LSTMClassifier(args.input_size, 8, 1, args.classes)
    opt = torch.optim.Adam(model.parameters(), lr=0.1)
    gen = torch.Generator().manual_seed(INIT_SEED)
    rng = np.random.default_rng(DATA_SEED + 1)
    traced = [(xb, yb, torch.from_numpy(
        rng.uniform(-0.9, 0.9, size=(xb.shape[0], args.length, 100)).astype(np.float32)))
        for xb, yb in batches]
    train_epoch_memkd(model, opt, traced, 10.0, gen)  # warm-up
    times = []
    for _ in range(args.student_repeats):
        t0 = time.perf_counter()
        train_epoch_memkd(model, opt, traced, 10.0, gen)
        times.append(time.perf_counter() - t0)
    best = min(times)
    flop = epoch_flop(args.samples, args.length, args.input_size, 8, 1, args.classes)
    return {"epoch_s_best": best, "epoch_s_median": statistics.median(times), "flop": flop,
            "gflops": flop / best / 1e9}


def bench_model(name: str, hidden: int, layers: int, lr: float, batches, args,
                repeats: int, cell: str = "lstm") -> dict:
    torch.manual_seed(INIT_SEED)
    model = LSTMClassifier(args.input_size, hidden, layers, args.classes, cell)
    model.train()
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    train_epoch(model, opt, batches)  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        train_epoch(model, opt, batches)
        times.append(time.perf_counter() - t0)

    best = min(times)
    flop = epoch_flop(args.samples, args.length, args.input_size, hidden, layers, args.classes,
                      cell)
    return {
        "epoch_s_best": best,
        "epoch_s_median": statistics.median(times),
        "flop": flop,
        "gflops": flop / best / 1e9,
    }


def stream_ns(args, kind: str, steps: int, rounds: int) -> float:
    """ns per step of one `kind` cell step (1 x 8) plus the head's softmax, best of `rounds`."""
    torch.manual_seed(INIT_SEED)
    cell = CELLS[kind][1](args.input_size, 8)
    head = nn.Linear(8, args.classes)
    xs = torch.from_numpy(
        (np.arange(steps) % 97 / 48.5 - 1).astype(np.float32)).reshape(steps, 1, args.input_size)
    best = float("inf")
    with torch.no_grad():
        for _ in range(rounds):
            h = torch.zeros(1, 8)
            state = (h, torch.zeros(1, 8)) if kind == "lstm" else h
            t0 = time.perf_counter()
            for t in range(steps):
                state = cell(xs[t], state)
                h = state[0] if kind == "lstm" else state
                probabilities = torch.softmax(head(h), dim=1)
            best = min(best, (time.perf_counter() - t0) / steps * 1e9)
    return best


def bench_stream(args, steps: int = 20_000, rounds: int = 5) -> dict:
    """Streaming latency of the 1 x 8 student: one nn.LSTMCell step (and, under "cells", one
    GRUCell / RNNCell step) plus the head's softmax, per time step, under torch.no_grad (best of
    `rounds` runs, ns per step)."""
    cells = {kind: stream_ns(args, kind, steps, rounds) for kind in CELLS}
    return {"step_ns_best": cells["lstm"], "steps": steps, "cells": cells}


def bench_inference(args) -> dict:
    """Batch inference (predict_proba): softmax of the head on the last step for
    `--inference-series` series of T steps under torch.no_grad, for the 1 x 8 student and the
    3 x 100 teacher; best seconds of several runs per model."""
    rng = np.random.default_rng(DATA_SEED + 2)
    x = torch.from_numpy(rng.normal(0.0, 1.0, size=(args.inference_series, args.length,
                                                    args.input_size)).astype(np.float32))
    result = {}
    for name, hidden, layers, repeats in (("student", 8, 1, 20), ("teacher", 100, 3, 3)):
        torch.manual_seed(INIT_SEED)
        model = LSTMClassifier(args.input_size, hidden, layers, args.classes).eval()
        times = []
        with torch.no_grad():
            for run in range(repeats + 1):
                t0 = time.perf_counter()
                probabilities = torch.softmax(model(x), dim=1)
                if run > 0:
                    times.append(time.perf_counter() - t0)
        assert probabilities.shape == (args.inference_series, args.classes)
        result[name] = min(times)
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--samples", type=int, default=448)
    p.add_argument("--length", type=int, default=100)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--classes", type=int, default=14)
    p.add_argument("--input-size", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--student-repeats", type=int, default=60)
    p.add_argument("--inference-series", type=int, default=1029)
    p.add_argument("--workloads",
                   default="teacher,student,student-memkd,student-gru,student-rnn,stream,inference",
                   help="comma-separated subset of teacher, student, student-memkd, "
                        "student-gru, student-rnn, stream, inference")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object")
    args = p.parse_args(argv)
    if args.repeats < 1 or args.student_repeats < 1:
        p.error("--repeats and --student-repeats must be >= 1")

    torch.set_num_threads(args.threads)

    rng = np.random.default_rng(DATA_SEED)
    x = rng.normal(0.0, 1.0, size=(args.samples, args.length, args.input_size)).astype(np.float32)
    y = rng.integers(0, args.classes, size=args.samples).astype(np.int64)
    batches = make_batches(torch.from_numpy(x), torch.from_numpy(y), args.batch_size)

    chosen = set(args.workloads.split(","))
    unknown = chosen - {"teacher", "student", "student-memkd", "student-gru", "student-rnn",
                        "stream", "inference"}
    if unknown:
        p.error(f"--workloads: unknown {sorted(unknown)}")
    workloads = {
        "teacher": lambda: bench_model("teacher", 100, 3, 0.01, batches, args, args.repeats),
        "student": lambda: bench_model("student", 8, 1, 0.1, batches, args,
                                       args.student_repeats),
        "student_memkd": lambda: bench_memkd(batches, args),
        "student_gru": lambda: bench_model("student", 8, 1, 0.1, batches, args,
                                           args.student_repeats, "gru"),
        "student_rnn": lambda: bench_model("student", 8, 1, 0.1, batches, args,
                                           args.student_repeats, "rnn"),
        "stream": lambda: bench_stream(args),
        "inference": lambda: bench_inference(args),
    }
    result = {
        "torch_version": torch.__version__,
        "threads": args.threads,
        "samples": args.samples,
        "length": args.length,
        "batch_size": args.batch_size,
        "classes": args.classes,
    }
    for key, run in workloads.items():
        if key.replace("_", "-") in chosen:
            result[key] = run()

    if args.json:
        sys.stdout.write(json.dumps(result) + "\n")
        return 0

    print(f"PyTorch {result['torch_version']}  threads={args.threads}  "
          f"samples={args.samples} length={args.length} batch={args.batch_size} "
          f"classes={args.classes} input={args.input_size} repeats={args.repeats}/{args.student_repeats}")
    print(f"{'model':<14} {'epoch best (s)':>15} {'epoch median (s)':>17} "
          f"{'GFLOP/epoch':>12} {'GFLOP/s':>9}")
    for name in ("teacher", "student", "student_memkd", "student_gru", "student_rnn"):
        if name not in result:
            continue
        r = result[name]
        print(f"{name:<14} {r['epoch_s_best']:>15.4f} {r['epoch_s_median']:>17.4f} "
              f"{r['flop'] / 1e9:>12.4f} {r['gflops']:>9.3f}")
    if "stream" in result:
        for kind, ns in result["stream"]["cells"].items():
            print(f"stream: {ns:.0f} ns per {kind} cell step + head")
    for name, seconds in result.get("inference", {}).items():
        print(f"inference {name}: {seconds:.4f} s for {args.inference_series} series")
    return 0


if __name__ == "__main__":
    sys.exit(main())
