#!/usr/bin/env python3
"""Generate Tests/Fixtures/lstm_torch.json: PyTorch reference values for the
MemKD Swift LSTM engine.

Model (PyTorch semantics): nn.LSTM(input, hidden, num_layers, batch_first=True)
with gate order i, f, g, o and zero initial state, followed by
nn.Linear(hidden, classes) on the LAST time step of the LAST layer.

All arithmetic is float64 (model.double()). Every *input* to the computation
(weights, biases, inputs, hidden projections) is drawn in float32 from a
seeded torch.Generator and only then widened to float64, so a Float32 engine
can load bit-identical inputs.

Per case, draws happen in this order from torch.Generator().manual_seed(seed):
  1. for each layer k: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}
     each uniform(-0.6, 0.6) (float32: rand * 1.2 - 0.6)
  2. head.weight, head.bias, uniform(-0.6, 0.6)
  3. inputs [B, T, in], standard normal (float32)
  4. labels [B], randint(0, classes)
  5. for each layer k: hidden_projections R_k [B, T, H], uniform(-1, 1) (float32)

Expected values:
  logits      [B, C]   model(inputs)
  hidden[k]   [B, T, H] output sequence of layer k (via a stack of
              single-layer nn.LSTMs sharing the weights; asserted to reproduce
              nn.LSTM's final-layer output and the logits)
  loss_ce     F.cross_entropy(logits, labels)   (mean over batch)
  loss_total  loss_ce + sum_k sum(R_k * hidden[k])
  grads       d loss_total / d parameter  (PyTorch parameter names/shapes)
  grad_inputs d loss_total / d inputs     [B, T, in]
  grads_ce_only, grad_inputs_ce_only: the same for loss_ce alone, computed
              with the real multi-layer nn.LSTM module.

Floats are written with Python's repr (json's default), so they round-trip
exactly. `build()` returns the dict; running this file writes the JSON next to it.
"""

from __future__ import annotations

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "memkd-lstm-torch-fixture"
FORMAT_VERSION = 1
WEIGHT_RANGE = 0.6

# (name, seed, input_size, hidden_size, num_layers, num_classes, batch, length)
CASES = [
    ("a_in1_h8_l1_c3", 101, 1, 8, 1, 3, 4, 7),
    ("b_in2_h5_l3_c4", 202, 2, 5, 3, 4, 3, 6),
    ("c_in1_h1_l2_c2", 303, 1, 1, 2, 2, 2, 5),
]

OUT_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "lstm_torch.json")


class LSTMClassifier(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, num_layers: int, num_classes: int):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.lstm(x)
        return self.head(out[:, -1, :])


def _uniform_f32(gen: torch.Generator, shape, lo: float, hi: float) -> torch.Tensor:
    u = torch.rand(shape, generator=gen, dtype=torch.float32)
    return (u * (hi - lo) + lo).to(torch.float32)


def _param_names(num_layers: int):
    names = []
    for k in range(num_layers):
        names += [f"lstm.weight_ih_l{k}", f"lstm.weight_hh_l{k}",
                  f"lstm.bias_ih_l{k}", f"lstm.bias_hh_l{k}"]
    return names + ["head.weight", "head.bias"]


def _nested(t: torch.Tensor):
    """float64 tensor -> nested lists of Python floats (repr round-trips)."""
    return t.detach().to(torch.float64).tolist()


def build_case(name, seed, input_size, hidden, layers, classes, batch, length) -> dict:
    gen = torch.Generator().manual_seed(seed)
    H = hidden

    # 1-2. parameters, drawn in float32
    state32 = {}
    d = input_size
    for k in range(layers):
        state32[f"lstm.weight_ih_l{k}"] = _uniform_f32(gen, (4 * H, d), -WEIGHT_RANGE, WEIGHT_RANGE)
        state32[f"lstm.weight_hh_l{k}"] = _uniform_f32(gen, (4 * H, H), -WEIGHT_RANGE, WEIGHT_RANGE)
        state32[f"lstm.bias_ih_l{k}"] = _uniform_f32(gen, (4 * H,), -WEIGHT_RANGE, WEIGHT_RANGE)
        state32[f"lstm.bias_hh_l{k}"] = _uniform_f32(gen, (4 * H,), -WEIGHT_RANGE, WEIGHT_RANGE)
        d = H
    state32["head.weight"] = _uniform_f32(gen, (classes, H), -WEIGHT_RANGE, WEIGHT_RANGE)
    state32["head.bias"] = _uniform_f32(gen, (classes,), -WEIGHT_RANGE, WEIGHT_RANGE)
    # 3-5. data
    x32 = torch.randn((batch, length, input_size), generator=gen, dtype=torch.float32)
    labels = torch.randint(0, classes, (batch,), generator=gen, dtype=torch.int64)
    proj32 = [_uniform_f32(gen, (batch, length, H), -1.0, 1.0) for _ in range(layers)]

    state = {k: v.to(torch.float64) for k, v in state32.items()}
    x = x32.to(torch.float64)
    proj = [r.to(torch.float64) for r in proj32]
    for k, v in state.items():  # widening is exact
        assert torch.equal(v.to(torch.float32), state32[k]), k

    # ---- real PyTorch module: logits, CE loss and its gradients ----
    model = LSTMClassifier(input_size, H, layers, classes).double()
    missing = model.load_state_dict(state, strict=True)
    assert not missing.missing_keys and not missing.unexpected_keys
    assert sorted(dict(model.named_parameters())) == sorted(_param_names(layers))

    x_ce = x.clone().requires_grad_(True)
    full_out, _ = model.lstm(x_ce)
    logits = model.head(full_out[:, -1, :])
    loss_ce = F.cross_entropy(logits, labels)
    params = dict(model.named_parameters())
    names = _param_names(layers)
    g_ce = torch.autograd.grad(loss_ce, [params[n] for n in names] + [x_ce])
    grads_ce = dict(zip(names, g_ce[:-1]))
    grad_inputs_ce = g_ce[-1]

    # ---- stack of single-layer LSTMs to expose every layer's sequence ----
    cells = []
    d = input_size
    for k in range(layers):
        m = nn.LSTM(d, H, num_layers=1, batch_first=True).double()
        m.load_state_dict({
            "weight_ih_l0": state[f"lstm.weight_ih_l{k}"],
            "weight_hh_l0": state[f"lstm.weight_hh_l{k}"],
            "bias_ih_l0": state[f"lstm.bias_ih_l{k}"],
            "bias_hh_l0": state[f"lstm.bias_hh_l{k}"],
        }, strict=True)
        cells.append(m)
        d = H
    head = nn.Linear(H, classes).double()
    head.load_state_dict({"weight": state["head.weight"], "bias": state["head.bias"]}, strict=True)

    x_st = x.clone().requires_grad_(True)
    seq = x_st
    hidden_seqs = []
    for m in cells:
        seq, _ = m(seq)
        hidden_seqs.append(seq)
    logits_st = head(seq[:, -1, :])
    loss_ce_st = F.cross_entropy(logits_st, labels)

    # the stack must reproduce nn.LSTM exactly (same kernels, same order)
    torch.testing.assert_close(hidden_seqs[-1], full_out, rtol=0, atol=1e-14)
    torch.testing.assert_close(logits_st, logits, rtol=0, atol=1e-14)
    torch.testing.assert_close(loss_ce_st, loss_ce, rtol=0, atol=1e-14)

    loss_total = loss_ce_st + sum((r * h).sum() for r, h in zip(proj, hidden_seqs))

    st_params = []
    for m in cells:
        st_params += [m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0]
    st_params += [head.weight, head.bias]
    g_tot = torch.autograd.grad(loss_total, st_params + [x_st], retain_graph=True)
    grads_total = dict(zip(names, g_tot[:-1]))
    grad_inputs_total = g_tot[-1]

    # cross-check: CE-only gradients through the stack equal the module's
    g_ce_st = torch.autograd.grad(loss_ce_st, st_params + [x_st])
    for n, g in zip(names + ["inputs"], g_ce_st):
        ref = grad_inputs_ce if n == "inputs" else grads_ce[n]
        torch.testing.assert_close(g, ref, rtol=1e-12, atol=1e-14, msg=f"ce grad {n}")

    for n in names:
        assert grads_total[n].shape == state[n].shape, n
        assert grads_ce[n].shape == state[n].shape, n

    return {
        "name": name,
        "seed": seed,
        "config": {
            "input_size": input_size,
            "hidden_size": H,
            "num_layers": layers,
            "num_classes": classes,
            "batch": batch,
            "length": length,
        },
        "state_dict": {n: _nested(state[n]) for n in names},
        "inputs": _nested(x),
        "labels": [int(v) for v in labels.tolist()],
        "hidden_projections": [_nested(r) for r in proj],
        "logits": _nested(logits),
        "hidden": [_nested(h) for h in hidden_seqs],
        "loss_ce": float(loss_ce.item()),
        "loss_total": float(loss_total.item()),
        "grads": {n: _nested(grads_total[n]) for n in names},
        "grad_inputs": _nested(grad_inputs_total),
        "grads_ce_only": {n: _nested(grads_ce[n]) for n in names},
        "grad_inputs_ce_only": _nested(grad_inputs_ce),
    }


def build() -> dict:
    """Return the full fixture as a JSON-serialisable dict (deterministic)."""
    prev_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # fixed reduction order
    try:
        cases = [build_case(*c) for c in CASES]
    finally:
        torch.set_num_threads(prev_threads)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "dtype": "float64",
        "inputs_float32_exact": True,
        "gate_order": ["i", "f", "g", "o"],
        "weight_init": f"uniform(-{WEIGHT_RANGE}, {WEIGHT_RANGE}) drawn in float32",
        "generator": "Tests/Fixtures/make_lstm_fixtures.py",
        "torch_version": torch.__version__,
        "cases": cases,
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    out = argv[0] if argv else OUT_PATH
    data = build()
    with open(out, "w") as f:
        json.dump(data, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {out} ({len(data['cases'])} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
