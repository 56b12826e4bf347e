#!/usr/bin/env python3
"""Generate Tests/Fixtures/kd_vid_dt2w.json: reference values for MemKD's VIDLoss ("vid") and
DT2WLoss ("dt2w"), computed independently of the Swift code, in float64.

VID (time-distributed regressor Hs -> Ht -> Ht -> Ht, no bias, ReLU between layers;
var_d = softplus(a_d) + 1e-5; loss = mean over (b, t, d) of
0.5 * ((r(Hs) - Ht)^2 / var + log var)):
  * loss: numpy, the formula as written, per time step.
  * loss and gradients: torch autograd on RepDistiller's formulation
    (distiller_zoo/VID.py: 1x1 Conv2d regressor without bias on [B, C, H, W] maps,
    pred_var = log(1 + exp(log_scale)) + eps, mean of the negative log-likelihood), with the
    sequence laid out as a [B, Hs, T, 1] map. The script asserts that both agree, i.e. that a
    time-distributed linear map is RepDistiller's 1x1 convolution.

DT2W (soft-DTW, Cuturi & Blondel 2017, gamma > 0, squared Euclidean cost, no normalisation, no
divergence correction, between x = Hs W^T + b and the teacher layer y, mean over the batch):
  * loss and per-sample values: numpy, a plain triple loop over the cost matrix and the
    recursion R[i][j] = D[i][j] + softmin(R[i-1][j-1], R[i-1][j], R[i][j-1]) with +inf borders
    and R[-1][-1] = 0.
  * gradients: torch autograd through the same recursion (torch.logsumexp per cell).
  * soft_dtw: hand examples (1-D sequences) at several gammas, with the hard DTW value.

Every input is drawn in float32 from numpy.random.default_rng(seed) and then widened to
float64, so a Float engine can load bit-identical inputs. Arrays are nested lists in
row-major order ([B, T, H] sequences; PyTorch [out, in] weights). `build()` returns the dict;
running this file writes the JSON next to it (floats via repr, so they round-trip exactly).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import torch

EPS = 1e-5


def _uniform(rng, shape, low, high):
    return rng.uniform(low, high, size=shape).astype(np.float32).astype(np.float64)


def _teacher(rng, layers, batch, length, hidden):
    return [_uniform(rng, (batch, length, hidden), -1.0, 1.0) for _ in range(layers)]


# ----------------------------------------------------------------------------------------- VID

def vid_numpy(hs, ht, w1, w2, w3, a):
    """Loss by the formula, one time step at a time."""
    var = np.log1p(np.exp(a)) + EPS
    total = 0.0
    batch, length, _ = hs.shape
    for b in range(batch):
        for t in range(length):
            h1 = np.maximum(w1 @ hs[b, t], 0.0)
            h2 = np.maximum(w2 @ h1, 0.0)
            r = w3 @ h2
            total += float(np.sum(0.5 * ((r - ht[b, t]) ** 2 / var + np.log(var))))
    return total / (batch * length * ht.shape[2])


def vid_torch(hs, ht, w1, w2, w3, a):
    """RepDistiller's formulation: 1x1 convolutions on [B, C, T, 1] maps, autograd gradients."""
    x = torch.tensor(hs, dtype=torch.float64).permute(0, 2, 1).unsqueeze(-1).requires_grad_()
    target = torch.tensor(ht, dtype=torch.float64).permute(0, 2, 1).unsqueeze(-1)
    ws = [torch.tensor(w, dtype=torch.float64).requires_grad_() for w in (w1, w2, w3)]
    log_scale = torch.tensor(a, dtype=torch.float64).requires_grad_()
    h = torch.nn.functional.conv2d(x, ws[0][:, :, None, None])
    h = torch.nn.functional.conv2d(torch.relu(h), ws[1][:, :, None, None])
    pred_mean = torch.nn.functional.conv2d(torch.relu(h), ws[2][:, :, None, None])
    pred_var = (torch.log(1.0 + torch.exp(log_scale)) + EPS).view(1, -1, 1, 1)
    loss = torch.mean(0.5 * ((pred_mean - target) ** 2 / pred_var + torch.log(pred_var)))
    loss.backward()
    grad_hidden = x.grad.squeeze(-1).permute(0, 2, 1)
    return float(loss.detach()), grad_hidden.numpy(), [w.grad.numpy() for w in ws] + [log_scale.grad.numpy()]


def vid_case(name, seed, batch, length, hs_size, ht_size, layers, teacher_layer, init_variance):
    rng = np.random.default_rng(seed)
    hs = _uniform(rng, (batch, length, hs_size), -1.0, 1.0)
    teacher = _teacher(rng, layers, batch, length, ht_size)
    w1 = _uniform(rng, (ht_size, hs_size), -0.9, 0.9)
    w2 = _uniform(rng, (ht_size, ht_size), -0.7, 0.7)
    w3 = _uniform(rng, (ht_size, ht_size), -0.7, 0.7)
    if init_variance:
        # RepDistiller's initialisation log(exp(5 - eps) - 1), rounded to float32.
        a = np.full(ht_size, np.float32(np.log(np.expm1(5.0 - EPS)))).astype(np.float64)
    else:
        a = _uniform(rng, (ht_size,), -1.5, 2.0)
    layer = layers - 1 if teacher_layer is None else teacher_layer
    loss_np = vid_numpy(hs, teacher[layer], w1, w2, w3, a)
    loss, grad_hidden, grads = vid_torch(hs, teacher[layer], w1, w2, w3, a)
    assert abs(loss - loss_np) <= 1e-13 * max(1.0, abs(loss)), (name, loss, loss_np)
    return {
        "name": name,
        "batch": batch, "length": length,
        "student_hidden_size": hs_size, "teacher_hidden_size": ht_size,
        "teacher_layer": teacher_layer,
        "student_hidden": hs.tolist(),
        "teacher_hidden": [t.tolist() for t in teacher],
        "parameters": [w1.tolist(), w2.tolist(), w3.tolist(), a.tolist()],
        "loss": loss_np,
        "grad_student_hidden": grad_hidden.tolist(),
        "grad_parameters": [g.tolist() for g in grads],
    }


# ---------------------------------------------------------------------------------------- DT2W

def soft_dtw_numpy(x, y, gamma):
    """Soft-DTW value of x [n, d] against y [m, d]: straightforward loops, +inf borders."""
    n, m = len(x), len(y)
    cost = np.zeros((n, m))
    for i in range(n):
        for j in range(m):
            cost[i, j] = float(np.sum((x[i] - y[j]) ** 2))
    r = np.full((n + 1, m + 1), np.inf)
    r[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            previous = np.array([r[i - 1, j - 1], r[i - 1, j], r[i, j - 1]])
            low = previous.min()
            softmin = low - gamma * math.log(float(np.sum(np.exp(-(previous - low) / gamma))))
            r[i, j] = cost[i - 1, j - 1] + softmin
    return float(r[n, m])


def dtw_numpy(x, y):
    n, m = len(x), len(y)
    r = np.full((n + 1, m + 1), np.inf)
    r[0, 0] = 0.0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            r[i, j] = float(np.sum((x[i - 1] - y[j - 1]) ** 2)) + min(
                r[i - 1, j - 1], r[i - 1, j], r[i, j - 1])
    return float(r[n, m])


def soft_dtw_torch(x, y, gamma):
    n, m = x.shape[0], y.shape[0]
    inf = torch.tensor(float("inf"), dtype=torch.float64)
    r = [[inf] * (m + 1) for _ in range(n + 1)]
    r[0][0] = torch.tensor(0.0, dtype=torch.float64)
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            previous = torch.stack([r[i - 1][j - 1], r[i - 1][j], r[i][j - 1]])
            softmin = -gamma * torch.logsumexp(-previous / gamma, dim=0)
            r[i][j] = torch.sum((x[i - 1] - y[j - 1]) ** 2) + softmin
    return r[n][m]


def dt2w_case(name, seed, batch, length, hs_size, ht_size, layers, teacher_layer, gamma):
    rng = np.random.default_rng(seed)
    hs = _uniform(rng, (batch, length, hs_size), -1.0, 1.0)
    teacher = _teacher(rng, layers, batch, length, ht_size)
    weight = _uniform(rng, (ht_size, hs_size), -0.8, 0.8)
    bias = _uniform(rng, (ht_size,), -0.5, 0.5)
    layer = layers - 1 if teacher_layer is None else teacher_layer
    y = teacher[layer]
    samples = [soft_dtw_numpy(hs[b] @ weight.T + bias, y[b], gamma) for b in range(batch)]
    loss_np = float(np.mean(samples))

    x_t = torch.tensor(hs, dtype=torch.float64, requires_grad=True)
    w_t = torch.tensor(weight, dtype=torch.float64, requires_grad=True)
    b_t = torch.tensor(bias, dtype=torch.float64, requires_grad=True)
    y_t = torch.tensor(y, dtype=torch.float64)
    projected = x_t @ w_t.T + b_t
    loss = torch.stack([soft_dtw_torch(projected[b], y_t[b], gamma) for b in range(batch)]).mean()
    loss.backward()
    assert abs(float(loss.detach()) - loss_np) <= 1e-12 * max(1.0, abs(loss_np)), (name, float(loss.detach()), loss_np)
    return {
        "name": name,
        "batch": batch, "length": length,
        "student_hidden_size": hs_size, "teacher_hidden_size": ht_size,
        "teacher_layer": teacher_layer, "gamma": gamma,
        "student_hidden": hs.tolist(),
        "teacher_hidden": [t.tolist() for t in teacher],
        "parameters": [weight.tolist(), bias.tolist()],
        "loss": loss_np,
        "sample_values": samples,
        "grad_student_hidden": x_t.grad.numpy().tolist(),
        "grad_parameters": [w_t.grad.numpy().tolist(), b_t.grad.numpy().tolist()],
    }


def soft_dtw_examples():
    """1-D hand examples: x = y = [0, 1] (value -log(1 + 2/e) at gamma 1), and the DTW example
    x = [0, 1, 2], y = [0, 0, 2] (hard DTW 1) at decreasing gamma."""
    cases = []
    pairs = [("identical-0-1", [0.0, 1.0], [0.0, 1.0], [1.0]),
             ("dtw-0-1-2", [0.0, 1.0, 2.0], [0.0, 0.0, 2.0], [1.0, 0.1, 0.01, 0.001])]
    for name, x, y, gammas in pairs:
        xa, ya = np.array(x)[:, None], np.array(y)[:, None]
        for gamma in gammas:
            cases.append({"name": name, "x": x, "y": y, "gamma": gamma,
                          "value": soft_dtw_numpy(xa, ya, gamma), "dtw": dtw_numpy(xa, ya)})
    return cases


def build() -> dict:
    return {
        "generator": "Tests/Fixtures/make_kd_vid_dt2w.py",
        "torch_version": torch.__version__,
        "vid": {"cases": [
            vid_case("vid-b3-t5", 101, 3, 5, 3, 4, 2, None, False),
            vid_case("vid-layer0", 102, 2, 4, 2, 3, 3, 0, False),
            vid_case("vid-initial-variance", 103, 2, 3, 3, 5, 1, None, True),
        ]},
        "dt2w": {"cases": [
            dt2w_case("dt2w-b3-t5", 201, 3, 5, 3, 4, 2, None, 1.0),
            dt2w_case("dt2w-t1", 202, 2, 1, 3, 4, 1, None, 1.0),
            dt2w_case("dt2w-t2", 203, 2, 2, 2, 3, 1, None, 1.0),
            dt2w_case("dt2w-t17-layer1", 204, 2, 17, 3, 4, 3, 1, 1.0),
            dt2w_case("dt2w-b9-gamma0.1", 205, 9, 4, 2, 3, 1, None, 0.1),
        ]},
        "soft_dtw": {"cases": soft_dtw_examples()},
    }


if __name__ == "__main__":
    out = Path(__file__).resolve().parent / "kd_vid_dt2w.json"
    with open(out, "w") as f:
        json.dump(build(), f, indent=1)
        f.write("\n")
    print(f"wrote {out}")
