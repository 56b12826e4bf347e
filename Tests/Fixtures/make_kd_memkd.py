#!/usr/bin/env python3
"""Generate Tests/Fixtures/kd_memkd.json: golden values for the MemKD, Base-KD and DKD losses.

Why: the Swift losses (Sources/MemKDCore/Losses/MemKDLoss.swift, KnowledgeDistillationLoss.swift,
DKDLoss.swift) are hand-derived; this script recomputes every loss value and its gradient with
respect to the student's inputs independently, in PyTorch float64 with autograd, from the
definitions in METHODS.md (MemKD) and the reference code (DKD: mdistiller's `dkd_loss`, copied
below with `size_average=False` spelled `reduction="sum"`; Base-KD: `kl_div` with `batchmean`).
It also ports SeededGenerator (SplitMix64 + Lemire's bounded integers) and MemKD's documented
long-pair sampling, so the Swift test can check that `evaluate(_:parameters:generator:)` draws
exactly these pairs. Tests/python/test_kd_fixtures_memkd.py re-runs `build()` and requires the
committed JSON to match to 1e-12.

Usage:  .venv/bin/python Tests/Fixtures/make_kd_memkd.py     (rewrites kd_memkd.json next to it)

Inputs are float32-representable (rounded through float32), so a Float test sees the same values.
JSON layout (nested lists are row-major tensors):
  memkd[]: name, options {terms, normalization, longPairs (null = T - 1), shortWeight, longWeight,
      teacherLayer (null = last)}, batch, length, studentHiddenSize, teacherHiddenSize,
      studentHidden [B][T][Hs], teacherHidden [L][B][T][Ht], seed (the SeededGenerator seed that
      draws longPairs), longPairs [[t1, t2]], loss, gradStudentHidden [B][T][Hs].
  sampling[]: seed, length, count, pairs [[t1, t2]] (the first `count` long pairs drawn from
      SeededGenerator(seed: seed)).
  baseKD[] / dkd[]: name, options (temperature; alpha, beta, temperature, warmupEpochs), epoch,
      batch, classes, labels [B], studentLogits [B][C], teacherLogits [B][C], loss,
      gradStudentLogits [B][C].
"""

import json
import os

import numpy as np
import torch
import torch.nn.functional as F

FIXTURE_NAME = "kd_memkd.json"
MASK64 = (1 << 64) - 1
NORM_FLOOR = 1e-8


# MARK: SeededGenerator and MemKD's long-pair sampling (ports of the documented procedures)

class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def index_below(self, bound):
        """Lemire's unbiased bounded integer, as SeededGenerator.index(below:)."""
        product = self.next() * bound
        if product & MASK64 < bound:
            threshold = ((1 << 64) - bound) % bound
            while product & MASK64 < threshold:
                product = self.next() * bound
        return product >> 64


def admissible_pairs(length):
    """All (t1, t2) with t2 - t1 >= 2, ordered by t1 then t2."""
    return [(t1, t2) for t1 in range(length) for t2 in range(t1 + 2, length)]


def draw_long_pairs(seed, length, count):
    pairs = admissible_pairs(length)
    if length < 3 or count == 0:
        return []
    generator = SplitMix64(seed)
    return [pairs[generator.index_below(len(pairs))] for _ in range(count)]


# MARK: Reference losses (torch float64, autograd gradients)

def memkd_loss(student, teacher, long_pairs, terms, normalization, short_weight, long_weight):
    """student [B, T, Hs], teacher [B, T, Ht] (float64 tensors); METHODS.md, 'MemKD'."""
    length = student.shape[1]

    def phi(hidden, pairs):
        first = torch.tensor([p[0] for p in pairs])
        second = torch.tensor([p[1] for p in pairs])
        delta = torch.linalg.vector_norm(hidden[:, second, :] - hidden[:, first, :], dim=2)
        if normalization == "per-sample-mean":
            mu = delta.mean(dim=1, keepdim=True).clamp_min(NORM_FLOOR)
        elif normalization == "batch-mean":
            mu = delta.mean().clamp_min(NORM_FLOOR)
        elif normalization == "step-norm":
            mu = torch.linalg.vector_norm(hidden[:, first, :], dim=2).clamp_min(NORM_FLOOR)
        else:
            mu = 1.0
        return delta / mu

    total = torch.zeros((), dtype=torch.float64)
    short_pairs = [(t, t + 1) for t in range(length - 1)]
    if terms in ("short", "both") and short_pairs:
        total = total + short_weight * F.smooth_l1_loss(
            phi(student, short_pairs), phi(teacher, short_pairs), beta=1.0)
    if terms in ("long", "both") and long_pairs:
        total = total + long_weight * F.smooth_l1_loss(
            phi(student, long_pairs), phi(teacher, long_pairs), beta=1.0)
    return total


def base_kd_loss(student_logits, teacher_logits, temperature):
    log_student = F.log_softmax(student_logits / temperature, dim=1)
    teacher = F.softmax(teacher_logits / temperature, dim=1)
    return F.kl_div(log_student, teacher, reduction="batchmean") * temperature**2


def _get_gt_mask(logits, target):
    target = target.reshape(-1)
    return torch.zeros_like(logits).scatter_(1, target.unsqueeze(1), 1).bool()


def _get_other_mask(logits, target):
    target = target.reshape(-1)
    return torch.ones_like(logits).scatter_(1, target.unsqueeze(1), 0).bool()


def cat_mask(t, mask1, mask2):
    t1 = (t * mask1).sum(dim=1, keepdims=True)
    t2 = (t * mask2).sum(1, keepdims=True)
    return torch.cat([t1, t2], dim=1)


def dkd_loss(logits_student, logits_teacher, target, alpha, beta, temperature):
    """mdistiller/distillers/DKD.py `dkd_loss`, verbatim except reduction="sum"."""
    gt_mask = _get_gt_mask(logits_student, target)
    other_mask = _get_other_mask(logits_student, target)
    pred_student = F.softmax(logits_student / temperature, dim=1)
    pred_teacher = F.softmax(logits_teacher / temperature, dim=1)
    pred_student = cat_mask(pred_student, gt_mask, other_mask)
    pred_teacher = cat_mask(pred_teacher, gt_mask, other_mask)
    log_pred_student = torch.log(pred_student)
    tckd_loss = (F.kl_div(log_pred_student, pred_teacher, reduction="sum")
                 * (temperature**2) / target.shape[0])
    pred_teacher_part2 = F.softmax(logits_teacher / temperature - 1000.0 * gt_mask, dim=1)
    log_pred_student_part2 = F.log_softmax(logits_student / temperature - 1000.0 * gt_mask, dim=1)
    nckd_loss = (F.kl_div(log_pred_student_part2, pred_teacher_part2, reduction="sum")
                 * (temperature**2) / target.shape[0])
    return alpha * tckd_loss + beta * nckd_loss


def dkd_with_warmup(logits_student, logits_teacher, target, options, epoch):
    """mdistiller's DKD.forward_train: min(epoch / warmup, 1) * dkd_loss(...)."""
    factor = min(epoch / options["warmupEpochs"], 1.0)
    return factor * dkd_loss(logits_student, logits_teacher, target, options["alpha"],
                             options["beta"], options["temperature"])


# MARK: Cases

def _f32(array):
    """Round through float32 so Float and Double tests read identical inputs."""
    return np.asarray(array, dtype=np.float32).astype(np.float64)


def _hidden(rng, batch, length, size, spikes=True):
    """LSTM-like states in (-1, 1): a random walk, with a few large jumps so that some
    normalised differences exceed 1 (both branches of smoothL1)."""
    steps = rng.normal(scale=0.25, size=(batch, length, size))
    if spikes:
        steps += (rng.random((batch, length, 1)) < 0.15) * rng.normal(scale=1.5, size=(batch, length, size))
    return _f32(np.tanh(np.cumsum(steps, axis=1)))


def _grad(fn, tensor):
    x = torch.tensor(tensor, dtype=torch.float64, requires_grad=True)
    value = fn(x)
    value.backward()
    return float(value.item()), x.grad.numpy()


def memkd_cases():
    rng = np.random.default_rng(20250301)
    specs = [
        # name, B, T, Hs, Ht, layers, options, seed
        ("default", 3, 6, 3, 4, 3, {}, 11),
        ("batch-mean", 3, 6, 3, 4, 3, {"normalization": "batch-mean"}, 12),
        ("step-norm", 3, 6, 3, 4, 3, {"normalization": "step-norm"}, 13),
        ("none", 3, 6, 3, 4, 3, {"normalization": "none"}, 14),
        ("short only", 2, 7, 2, 5, 2, {"terms": "short"}, 15),
        ("long only, K = 9", 2, 7, 2, 5, 2, {"terms": "long", "longPairs": 9}, 16),
        ("weights, teacher layer 0", 3, 5, 3, 4, 3,
         {"shortWeight": 0.5, "longWeight": 2.5, "teacherLayer": 0}, 17),
        ("T = 2: short pairs only", 2, 2, 3, 4, 1, {"normalization": "batch-mean"}, 18),
        ("T = 3: one admissible long pair", 2, 3, 3, 4, 1, {"longPairs": 4}, 19),
        ("B = 1, long K = 1", 1, 8, 3, 6, 3, {"longPairs": 1, "normalization": "step-norm"}, 20),
        ("larger", 4, 12, 8, 10, 3, {"longPairs": 20}, 21),
        ("wide teacher (Ht 41, Hs 9)", 2, 7, 9, 41, 2, {"normalization": "step-norm"}, 24),
        # Guards: sample 1 of the student is constant in time (every delta 0, so its per-sample
        # means are clamped to 1e-8 and ||D|| has gradient 0); step-norm with H[b, 0] = 0.
        ("constant student sample (clamped mean)", 3, 6, 3, 4, 1, {}, 22),
        ("step-norm, zero state (clamped norm)", 2, 5, 3, 4, 1, {"normalization": "step-norm"}, 23),
    ]
    cases = []
    for name, batch, length, hs, ht, layers, extra, seed in specs:
        options = {"terms": "both", "normalization": "per-sample-mean", "longPairs": None,
                   "shortWeight": 1.0, "longWeight": 1.0, "teacherLayer": None}
        options.update(extra)
        student = _hidden(rng, batch, length, hs)
        if name.startswith("constant student sample"):
            student[1] = student[1, 0]
        if name.startswith("step-norm, zero state"):
            student[:, 0] = 0.0
        teacher = [_hidden(rng, batch, length, ht) for _ in range(layers)]
        layer = options["teacherLayer"] if options["teacherLayer"] is not None else layers - 1
        count = options["longPairs"] if options["longPairs"] is not None else length - 1
        long_pairs = draw_long_pairs(seed, length, count) if options["terms"] != "short" else []
        teacher_tensor = torch.tensor(teacher[layer])
        loss, grad = _grad(lambda s: memkd_loss(
            s, teacher_tensor, long_pairs, options["terms"], options["normalization"],
            options["shortWeight"], options["longWeight"]), student)
        cases.append({
            "name": name, "options": options, "batch": batch, "length": length,
            "studentHiddenSize": hs, "teacherHiddenSize": ht,
            "studentHidden": student.tolist(), "teacherHidden": [t.tolist() for t in teacher],
            "seed": seed, "longPairs": [list(p) for p in long_pairs],
            "loss": loss, "gradStudentHidden": grad.tolist(),
        })
    return cases


def sampling_cases():
    return [{"seed": seed, "length": length, "count": count,
             "pairs": [list(p) for p in draw_long_pairs(seed, length, count)]}
            for seed, length, count in [(1, 3, 5), (7, 5, 12), (2024, 100, 99), (0xFFFF_FFFF_FFFF, 17, 40)]]


def logit_cases(kind):
    rng = np.random.default_rng(20250302 if kind == "baseKD" else 20250303)
    specs = [
        # name, B, C, logit scale, options, epoch
        ("C = 3", 4, 3, 3.0, {}, 25),
        ("C = 2", 5, 2, 3.0, {}, 25),
        ("C = 6", 3, 6, 2.0, {}, 25),
        ("large logits", 3, 4, 40.0, {}, 25),
        ("B = 1", 1, 5, 1.5, {}, 25),
    ]
    if kind == "baseKD":
        specs += [("T = 1", 3, 4, 3.0, {"temperature": 1.0}, 1),
                  ("T = 20", 3, 4, 3.0, {"temperature": 20.0}, 1)]
    else:
        specs += [("epoch 5 of 20 (warm-up 0.25)", 3, 4, 3.0, {}, 5),
                  ("epoch 1, C = 2", 3, 2, 3.0, {}, 1),
                  ("alpha 0.5, beta 2, T = 2, warm-up 4", 4, 5, 3.0,
                   {"alpha": 0.5, "beta": 2.0, "temperature": 2.0, "warmupEpochs": 4}, 3)]
    cases = []
    for name, batch, classes, scale, extra, epoch in specs:
        options = ({"temperature": 4.0} if kind == "baseKD" else
                   {"alpha": 1.0, "beta": 8.0, "temperature": 4.0, "warmupEpochs": 20})
        options.update(extra)
        student = _f32(rng.normal(scale=scale, size=(batch, classes)))
        teacher = _f32(rng.normal(scale=scale, size=(batch, classes)))
        labels = rng.integers(0, classes, size=batch)
        teacher_tensor = torch.tensor(teacher)
        if kind == "baseKD":
            loss, grad = _grad(lambda s: base_kd_loss(s, teacher_tensor, options["temperature"]), student)
        else:
            target = torch.tensor(labels)
            loss, grad = _grad(lambda s: dkd_with_warmup(s, teacher_tensor, target, options, epoch), student)
        cases.append({
            "name": name, "options": options, "epoch": epoch, "batch": batch, "classes": classes,
            "labels": labels.tolist(), "studentLogits": student.tolist(),
            "teacherLogits": teacher.tolist(), "loss": loss, "gradStudentLogits": grad.tolist(),
        })
    return cases


def build():
    torch.set_default_dtype(torch.float64)
    return {
        "memkd": memkd_cases(),
        "sampling": sampling_cases(),
        "baseKD": logit_cases("baseKD"),
        "dkd": logit_cases("dkd"),
    }


def main():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), FIXTURE_NAME)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(build(), f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
