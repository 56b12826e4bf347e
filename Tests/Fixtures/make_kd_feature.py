#!/usr/bin/env python3
"""Generate Tests/Fixtures/kd_feature.json: PyTorch reference values for MemKD's feature-based
distillation losses (AttentionTransferLoss "at", RKDLoss "rkd", NSTLoss "nst", FitNetLoss
"fitnet"; definitions in ../shared/spec/METHODS.md).

Why: the Swift losses are hand-differentiated. Here each loss is written the way RepDistiller
(HobbitLong/RepDistiller, distiller_zoo/AT.py, RKD.py, NST.py, FitNet.py) writes it, adapted from
CNN feature maps [B, C, H, W] to hidden sequences [B, T, H] (units play the channels, time steps
the spatial positions), and differentiated by torch autograd in float64. The Swift tests
(Tests/MemKDCoreTests/KDFeatureFixtureTests.swift) compare values and gradients to 1e-6 relative;
Tests/python/test_kd_fixtures_feature.py re-runs `build()` and checks the committed JSON to 1e-12.

Adaptations (the Swift implementation states the same):
  * AT: attention map mean over units of H^2, F.normalize over time; loss mean (q_s - q_t)^2.
  * RKD: on the last hidden state h_T of the student and of the teacher's last layer; pdist,
    normalisation by the mean of positive distances, angles via bmm exactly as RepDistiller.
  * NST: time courses [B, H, T] F.normalize'd over time, poly kernel, full_loss (or not).
  * FitNet: F.linear(h, W, b) at every step (RepDistiller's ConvReg has conv + BN + ReLU),
    MSE (mean) against teacher layer `teacherLayer` (None = count // 2, the middle layer).
The clamps differ (PyTorch eps 1e-12, Swift 1e-8), which no input here comes near.

Inputs are drawn from numpy's default_rng(seed), hidden states uniform(-1, 1) like LSTM outputs.

Usage:  python Tests/Fixtures/make_kd_feature.py      (rewrites kd_feature.json next to it)

JSON layout: {"format", "formatVersion", "provenance": {"torch", "numpy", "seed"}, "cases": [
  {name, loss, batch, length, studentHiddenSize, teacherHiddenSize,
   teacherLayer (null = the loss's default), distanceWeight, angleWeight (rkd, else null),
   includeTeacherKernel (nst, else null),
   studentHidden [B*T*Hs], teacherHidden [layers][B*T*Ht] (row-major [B, T, H]),
   parameters [[W [Ht*Hs]], [b [Ht]]] (fitnet, else []),
   value, studentHiddenGradient [B*T*Hs], parameterGradients (same layout as parameters)}]}
"""

from __future__ import annotations

import json
import os

import numpy as np
import torch
import torch.nn.functional as F

FORMAT = "memkd-kd-feature-fixture"
FORMAT_VERSION = 1
SEED = 20250611
OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kd_feature.json")


# ---- the losses, in RepDistiller's form ------------------------------------------------------

def at_loss(hs, ht_layers, teacher_layer=None):
    ht = ht_layers[-1 if teacher_layer is None else teacher_layer]

    def at(f):  # RepDistiller: F.normalize(f.pow(p).mean(1).view(B, -1)), channels -> units
        return F.normalize(f.pow(2).mean(2).view(f.size(0), -1))

    return (at(hs) - at(ht)).pow(2).mean()


def _pdist(e, squared=False, eps=1e-12):
    e_square = e.pow(2).sum(dim=1)
    prod = e @ e.t()
    res = (e_square.unsqueeze(1) + e_square.unsqueeze(0) - 2 * prod).clamp(min=eps)
    if not squared:
        res = res.sqrt()
    res = res.clone()
    res[range(len(e)), range(len(e))] = 0
    return res


def rkd_loss(hs, ht_layers, w_d=25.0, w_a=50.0):
    student = hs[:, -1, :]
    teacher = ht_layers[-1][:, -1, :]
    with torch.no_grad():
        t_d = _pdist(teacher)
        t_d = t_d / t_d[t_d > 0].mean()
    d = _pdist(student)
    d = d / d[d > 0].mean()
    loss_d = F.smooth_l1_loss(d, t_d)
    with torch.no_grad():
        td = teacher.unsqueeze(0) - teacher.unsqueeze(1)
        norm_td = F.normalize(td, p=2, dim=2)
        t_angle = torch.bmm(norm_td, norm_td.transpose(1, 2)).view(-1)
    sd = student.unsqueeze(0) - student.unsqueeze(1)
    norm_sd = F.normalize(sd, p=2, dim=2)
    s_angle = torch.bmm(norm_sd, norm_sd.transpose(1, 2)).view(-1)
    loss_a = F.smooth_l1_loss(s_angle, t_angle)
    return w_d * loss_d + w_a * loss_a


def nst_loss(hs, ht_layers, teacher_layer=None, full_loss=True):
    ht = ht_layers[-1 if teacher_layer is None else teacher_layer]
    f_s = F.normalize(hs.transpose(1, 2), dim=2)  # [B, Hs, T]
    f_t = F.normalize(ht.transpose(1, 2), dim=2)  # [B, Ht, T]

    def poly_kernel(a, b):
        return (a.unsqueeze(1) * b.unsqueeze(2)).sum(-1).pow(2)

    if full_loss:
        return (poly_kernel(f_t, f_t).mean().detach() + poly_kernel(f_s, f_s).mean()
                - 2 * poly_kernel(f_s, f_t).mean())
    return poly_kernel(f_s, f_s).mean() - 2 * poly_kernel(f_s, f_t).mean()


def fitnet_loss(hs, ht_layers, weight, bias, teacher_layer=None):
    ht = ht_layers[len(ht_layers) // 2 if teacher_layer is None else teacher_layer]
    return F.mse_loss(F.linear(hs, weight, bias), ht)


# ---- cases -----------------------------------------------------------------------------------

# (name, loss, seed offset, B, T, Hs, Ht, layers, options)
CASES = [
    ("at-default", "at", 1, 3, 5, 3, 4, 3, {}),
    ("at-layer0", "at", 2, 3, 5, 3, 4, 3, {"teacherLayer": 0}),
    ("at-wide", "at", 3, 4, 7, 8, 10, 3, {}),
    ("rkd-default", "rkd", 4, 4, 3, 3, 4, 3, {}),
    ("rkd-distance", "rkd", 5, 5, 2, 3, 4, 3, {"distanceWeight": 1.0, "angleWeight": 0.0}),
    ("rkd-angle", "rkd", 6, 5, 2, 3, 4, 3, {"distanceWeight": 0.0, "angleWeight": 1.0}),
    ("rkd-pair", "rkd", 7, 2, 3, 3, 4, 3, {}),
    ("rkd-outlier", "rkd", 8, 5, 2, 3, 4, 3, {"outlier": 40.0}),
    ("nst-default", "nst", 9, 3, 5, 3, 4, 3, {}),
    ("nst-layer1", "nst", 10, 3, 5, 3, 4, 3, {"teacherLayer": 1}),
    ("nst-no-teacher-kernel", "nst", 11, 3, 5, 3, 4, 3, {"includeTeacherKernel": False}),
    ("nst-wide-teacher", "nst", 12, 2, 3, 4, 6, 3, {}),
    ("fitnet-default", "fitnet", 13, 3, 5, 3, 4, 3, {}),
    ("fitnet-layer2", "fitnet", 14, 3, 5, 3, 4, 3, {"teacherLayer": 2}),
    ("fitnet-two-layers", "fitnet", 15, 2, 4, 4, 3, 2, {}),
    ("fitnet-one-layer", "fitnet", 16, 2, 3, 2, 5, 1, {}),
]


def _flat(tensor):
    return [float(v) for v in tensor.detach().reshape(-1).tolist()]


def _case(name, loss, offset, batch, length, hs_size, ht_size, layers, options):
    rng = np.random.default_rng(SEED + offset)
    hs_np = rng.uniform(-1, 1, size=(batch, length, hs_size))
    ht_np = [rng.uniform(-1, 1, size=(batch, length, ht_size)) for _ in range(layers)]
    if "outlier" in options:  # one teacher sample far away: smoothL1's linear branch
        ht_np[-1][0, -1, :] += options["outlier"]
    params_np = []
    if loss == "fitnet":
        bound = 1 / np.sqrt(hs_size)
        params_np = [rng.uniform(-bound, bound, size=(ht_size, hs_size)),
                     rng.uniform(-bound, bound, size=(ht_size,))]

    hs = torch.tensor(hs_np, dtype=torch.float64, requires_grad=True)
    ht = [torch.tensor(layer, dtype=torch.float64) for layer in ht_np]
    params = [torch.tensor(p, dtype=torch.float64, requires_grad=True) for p in params_np]
    teacher_layer = options.get("teacherLayer")
    if loss == "at":
        value = at_loss(hs, ht, teacher_layer)
    elif loss == "rkd":
        value = rkd_loss(hs, ht, options.get("distanceWeight", 25.0), options.get("angleWeight", 50.0))
    elif loss == "nst":
        value = nst_loss(hs, ht, teacher_layer, options.get("includeTeacherKernel", True))
    else:
        value = fitnet_loss(hs, ht, params[0], params[1], teacher_layer)
    gradients = torch.autograd.grad(value, [hs] + params)

    return {
        "name": name,
        "loss": loss,
        "batch": batch,
        "length": length,
        "studentHiddenSize": hs_size,
        "teacherHiddenSize": ht_size,
        "teacherLayer": teacher_layer,
        "distanceWeight": options.get("distanceWeight", 25.0) if loss == "rkd" else None,
        "angleWeight": options.get("angleWeight", 50.0) if loss == "rkd" else None,
        "includeTeacherKernel": options.get("includeTeacherKernel", True) if loss == "nst" else None,
        "studentHidden": _flat(hs),
        "teacherHidden": [_flat(layer) for layer in ht],
        "parameters": [_flat(p) for p in params],
        "value": value.detach().item(),
        "studentHiddenGradient": _flat(gradients[0]),
        "parameterGradients": [_flat(g) for g in gradients[1:]],
    }


def build() -> dict:
    return {
        "format": FORMAT,
        "formatVersion": FORMAT_VERSION,
        "provenance": {"torch": torch.__version__, "numpy": np.__version__, "seed": SEED},
        "cases": [_case(*case) for case in CASES],
    }


def main():
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        json.dump(build(), f, indent=1)
        f.write("\n")
    print(f"wrote {OUT_PATH}")


if __name__ == "__main__":
    main()
