#!/usr/bin/env python3
"""Generate Tests/Fixtures/gru_torch.json and rnn_torch.json: PyTorch reference values for the
MemKD Swift GRU and vanilla-RNN cells, in the format of lstm_torch.json
(make_lstm_fixtures.py) minus the CE-only gradients.

Models (PyTorch semantics), each followed by nn.Linear(hidden, classes) on the LAST time step of
the LAST layer, zero initial state, batch_first=True:
  gru: nn.GRU(input, hidden, num_layers): gate blocks r, z, n,
       n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h
  rnn: nn.RNN(input, hidden, num_layers, nonlinearity="tanh"):
       h' = tanh(W_ih x + b_ih + W_hh h + b_hh)

All arithmetic is float64 (model.double()). Every *input* to the computation (weights, biases,
inputs, hidden projections) is drawn in float32 from a seeded torch.Generator and only then
widened to float64, so a Float32 engine can load bit-identical inputs.

Per case, draws happen in this order from torch.Generator().manual_seed(seed):
  1. for each layer k: weight_ih_l{k}, weight_hh_l{k}, bias_ih_l{k}, bias_hh_l{k}
     each uniform(-0.6, 0.6) (float32: rand * 1.2 - 0.6)
  2. head.weight, head.bias, uniform(-0.6, 0.6)
  3. inputs [B, T, in], standard normal (float32)
  4. labels [B], randint(0, classes)
  5. for each layer k: hidden_projections R_k [B, T, H], uniform(-1, 1) (float32)

Expected values:
  logits      [B, C]    model(inputs), with the real multi-layer module
  hidden[k]   [B, T, H] output sequence of layer k (via a stack of single-layer modules sharing
              the weights; asserted to reproduce the module's last-layer output and logits)
  loss_ce     F.cross_entropy(logits, labels)   (mean over batch)
  loss_total  loss_ce + sum_k sum(R_k * hidden[k])
  grads       d loss_total / d parameter  (PyTorch parameter names/shapes)
  grad_inputs d loss_total / d inputs     [B, T, in]
The CE-only gradients of the stack are checked against the real module's here and not written.

Cases put H on both sides of the engine's small-H limit (32): H = 33 takes the BLAS recurrent
product, the others the hand-written kernel.

Floats are written with Python's repr (json's default), so they round-trip exactly. `build(cell)`
returns the dict; running this file writes both JSON files next to it.
"""

from __future__ import annotations

import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "memkd-cell-torch-fixture"
FORMAT_VERSION = 1
WEIGHT_RANGE = 0.6

# cell -> (torch module factory, gate blocks, gate order)
CELLS = {
    "gru": (lambda d, h, layers: nn.GRU(d, h, num_layers=layers, batch_first=True),
            3, ["r", "z", "n"]),
    "rnn": (lambda d, h, layers: nn.RNN(d, h, num_layers=layers, nonlinearity="tanh",
                                        batch_first=True),
            1, ["h"]),
}

# (name, seed, input_size, hidden_size, num_layers, num_classes, batch, length)
CASES = [
    ("a_in1_h8_l1_c3", 101, 1, 8, 1, 3, 4, 7),
    ("b_in2_h5_l3_c4", 202, 2, 5, 3, 4, 3, 6),
    ("c_in1_h1_l2_c2", 303, 1, 1, 2, 2, 2, 5),
    ("d_in2_h33_l1_c3", 404, 2, 33, 1, 3, 3, 4),
]

HERE = os.path.dirname(os.path.abspath(__file__))


def out_path(cell: str) -> str:
    return os.path.join(HERE, f"{cell}_torch.json")


class Classifier(nn.Module):
    def __init__(self, cell: str, input_size: int, hidden: int, layers: int, classes: int):
        super().__init__()
        # The attribute name is the state_dict prefix (gru.weight_ih_l0, rnn.weight_ih_l0).
        setattr(self, cell, CELLS[cell][0](input_size, hidden, layers))
        self.cell = cell
        self.head = nn.Linear(hidden, classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = getattr(self, self.cell)(x)
        return self.head(out[:, -1, :])


def _uniform_f32(gen: torch.Generator, shape, lo: float, hi: float) -> torch.Tensor:
    u = torch.rand(shape, generator=gen, dtype=torch.float32)
    return (u * (hi - lo) + lo).to(torch.float32)


def _param_names(cell: str, num_layers: int):
    names = []
    for k in range(num_layers):
        names += [f"{cell}.weight_ih_l{k}", f"{cell}.weight_hh_l{k}",
                  f"{cell}.bias_ih_l{k}", f"{cell}.bias_hh_l{k}"]
    return names + ["head.weight", "head.bias"]


def _nested(t: torch.Tensor):
    """float64 tensor -> nested lists of Python floats (repr round-trips)."""
    return t.detach().to(torch.float64).tolist()


def _draw(cell, gen, input_size, H, layers, classes, batch, length):
    """The case's float32 draws in the documented order, widened to float64."""
    rows = CELLS[cell][1] * H
    state32 = {}
    d = input_size
    for k in range(layers):
        for tensor, shape in (("weight_ih", (rows, d)), ("weight_hh", (rows, H)),
                              ("bias_ih", (rows,)), ("bias_hh", (rows,))):
            state32[f"{cell}.{tensor}_l{k}"] = _uniform_f32(gen, shape, -WEIGHT_RANGE, WEIGHT_RANGE)
        d = H
    state32["head.weight"] = _uniform_f32(gen, (classes, H), -WEIGHT_RANGE, WEIGHT_RANGE)
    state32["head.bias"] = _uniform_f32(gen, (classes,), -WEIGHT_RANGE, WEIGHT_RANGE)
    x32 = torch.randn((batch, length, input_size), generator=gen, dtype=torch.float32)
    labels = torch.randint(0, classes, (batch,), generator=gen, dtype=torch.int64)
    proj32 = [_uniform_f32(gen, (batch, length, H), -1.0, 1.0) for _ in range(layers)]
    state = {k: v.to(torch.float64) for k, v in state32.items()}
    for k, v in state.items():  # widening is exact
        assert torch.equal(v.to(torch.float32), state32[k]), k
    return state, x32.to(torch.float64), labels, [r.to(torch.float64) for r in proj32]


def _stack(cell, state, input_size, H, layers, classes):
    """Single-layer modules sharing the weights (every layer's sequence exposed), and the head."""
    modules = []
    d = input_size
    for k in range(layers):
        m = CELLS[cell][0](d, H, 1).double()
        m.load_state_dict({f"{t}_l0": state[f"{cell}.{t}_l{k}"]
                           for t in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}, strict=True)
        modules.append(m)
        d = H
    head = nn.Linear(H, classes).double()
    head.load_state_dict({"weight": state["head.weight"], "bias": state["head.bias"]}, strict=True)
    return modules, head


def build_case(cell, name, seed, input_size, hidden, layers, classes, batch, length) -> dict:
    gen = torch.Generator().manual_seed(seed)
    H = hidden
    state, x, labels, proj = _draw(cell, gen, input_size, H, layers, classes, batch, length)
    names = _param_names(cell, layers)

    # ---- real PyTorch module: logits, CE loss and its gradients ----
    model = Classifier(cell, input_size, H, layers, classes).double()
    loaded = model.load_state_dict(state, strict=True)
    assert not loaded.missing_keys and not loaded.unexpected_keys
    assert sorted(dict(model.named_parameters())) == sorted(names)
    x_ce = x.clone().requires_grad_(True)
    full_out, _ = getattr(model, cell)(x_ce)
    logits = model.head(full_out[:, -1, :])
    loss_ce = F.cross_entropy(logits, labels)
    params = dict(model.named_parameters())
    g_ce = torch.autograd.grad(loss_ce, [params[n] for n in names] + [x_ce])

    # ---- stack of single-layer modules to expose every layer's sequence ----
    modules, head = _stack(cell, state, input_size, H, layers, classes)
    x_st = x.clone().requires_grad_(True)
    seq = x_st
    hidden_seqs = []
    for m in modules:
        seq, _ = m(seq)
        hidden_seqs.append(seq)
    logits_st = head(seq[:, -1, :])
    loss_ce_st = F.cross_entropy(logits_st, labels)
    torch.testing.assert_close(hidden_seqs[-1], full_out, rtol=0, atol=1e-14)
    torch.testing.assert_close(logits_st, logits, rtol=0, atol=1e-14)
    torch.testing.assert_close(loss_ce_st, loss_ce, rtol=0, atol=1e-14)

    loss_total = loss_ce_st + sum((r * h).sum() for r, h in zip(proj, hidden_seqs))
    st_params = []
    for m in modules:
        st_params += [m.weight_ih_l0, m.weight_hh_l0, m.bias_ih_l0, m.bias_hh_l0]
    st_params += [head.weight, head.bias]
    g_tot = torch.autograd.grad(loss_total, st_params + [x_st], retain_graph=True)
    grads_total = dict(zip(names, g_tot[:-1]))

    # cross-check: CE-only gradients through the stack equal the module's
    g_ce_st = torch.autograd.grad(loss_ce_st, st_params + [x_st])
    for n, g, ref in zip(names + ["inputs"], g_ce_st, g_ce):
        torch.testing.assert_close(g, ref, rtol=1e-12, atol=1e-14, msg=f"ce grad {n}")
    for n in names:
        assert grads_total[n].shape == state[n].shape, n

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
        "grad_inputs": _nested(g_tot[-1]),
    }


def build(cell: str) -> dict:
    """Return the fixture of `cell` ("gru" or "rnn") as a JSON-serialisable dict
    (deterministic)."""
    prev_threads = torch.get_num_threads()
    torch.set_num_threads(1)  # fixed reduction order
    try:
        cases = [build_case(cell, *c) for c in CASES]
    finally:
        torch.set_num_threads(prev_threads)
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "cell": cell,
        "dtype": "float64",
        "inputs_float32_exact": True,
        "gate_order": CELLS[cell][2],
        "weight_init": f"uniform(-{WEIGHT_RANGE}, {WEIGHT_RANGE}) drawn in float32",
        "generator": "Tests/Fixtures/make_cell_fixtures.py",
        "torch_version": torch.__version__,
        "cases": cases,
    }


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    cells = argv or sorted(CELLS)
    for cell in cells:
        data = build(cell)
        path = out_path(cell)
        with open(path, "w") as f:
            json.dump(data, f, indent=1, allow_nan=False)
            f.write("\n")
        print(f"wrote {path} ({len(data['cases'])} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
