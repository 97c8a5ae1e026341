#!/usr/bin/env python3
"""Generate Arbor's autodiff reference: small MLPs, their losses and gradients, from PyTorch.

Two cases, each written twice with the same tensor names:

  <case>.safetensors      float32 (F32; targets I64 or F32)
  <case>_f64.safetensors  float64 (F64; targets I64 or F64)

Case `mlp` (cross-entropy):
    layers.0 Linear(3, 8) -> tanh -> layers.1 Linear(8, 8) -> gelu (erf form)
    -> layers.2 Linear(8, 2);  loss = cross_entropy(logits, targets), mean over the batch
Case `mlp_ln_mse` (mean squared error, with a LayerNorm):
    layers.0 Linear(3, 8) -> norm LayerNorm(8, eps=1e-5) -> tanh -> layers.1 Linear(8, 8)
    -> gelu (erf form) -> layers.2 Linear(8, 2);  loss = mean((out - targets)^2) over all elements

How the numbers are made: parameters and inputs are drawn in float64 with a
fixed seed and rounded to float32; everything (forward, loss, backward) is
then computed in float64 from those float32-representable values. The f64
file holds the float64 results; the f32 file holds the same parameters and
inputs (exactly) and the float64 results rounded to float32. So an
implementation computing in f32 from the f32 file should match the f32 (or
better, f64) loss and gradients to ~1e-5 relative.

Tensor names: parameters use PyTorch state-dict names in PyTorch's
`[out, in]` layout (`layers.0.weight` [8, 3], `layers.0.bias` [8]); inputs
`x`, `targets`; forward output `out` (logits for `mlp`); `loss` (shape []);
`grad.<param name>` for every parameter (same shape as the parameter).

Run from anywhere:  python3 Tests/Fixtures/mlp/make_fixtures.py
"""
import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""

import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
SEED = 31337


class MLP(nn.Module):
    def __init__(self, layer_norm: bool):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(3, 8), nn.Linear(8, 8), nn.Linear(8, 2)])
        self.norm = nn.LayerNorm(8, eps=1e-5) if layer_norm else None

    def forward(self, x):
        h = self.layers[0](x)
        if self.norm is not None:
            h = self.norm(h)
        h = torch.tanh(h)
        h = F.gelu(self.layers[1](h), approximate="none")
        return self.layers[2](h)


def round_to_f32(t):
    return t.to(torch.float32).to(torch.float64)


def make_case(name, layer_norm, loss_kind, seed):
    torch.manual_seed(seed)
    model = MLP(layer_norm).double()
    g = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for pname, p in model.named_parameters():
            if pname.startswith("norm.weight"):
                p.copy_(1.0 + 0.3 * torch.randn(p.shape, generator=g, dtype=torch.float64))
            elif pname.endswith("bias"):
                p.copy_(0.3 * torch.randn(p.shape, generator=g, dtype=torch.float64))
            p.copy_(round_to_f32(p))
    x = round_to_f32(torch.randn(5, 3, generator=g, dtype=torch.float64) * 1.5)
    if loss_kind == "cross_entropy":
        targets = torch.tensor([0, 1, 1, 0, 1], dtype=torch.long)
    else:
        targets = round_to_f32(torch.randn(5, 2, generator=g, dtype=torch.float64))

    out = model(x)
    if loss_kind == "cross_entropy":
        loss = F.cross_entropy(out, targets, reduction="mean")
    else:
        loss = F.mse_loss(out, targets, reduction="mean")
    params = dict(model.named_parameters())
    grads = torch.autograd.grad(loss, list(params.values()))
    # The gradients themselves, checked once more against central differences in f64.
    worst = 0.0
    with torch.no_grad():
        for (pname, p), gr in zip(params.items(), grads):
            for idx in [0, p.numel() // 2, p.numel() - 1]:
                flat = p.view(-1)
                old = flat[idx].item()
                eps = 1e-6
                flat[idx] = old + eps
                lp = (F.cross_entropy if loss_kind == "cross_entropy" else F.mse_loss)(model(x), targets)
                flat[idx] = old - eps
                lm = (F.cross_entropy if loss_kind == "cross_entropy" else F.mse_loss)(model(x), targets)
                flat[idx] = old
                fd = (lp - lm).item() / (2 * eps)
                worst = max(worst, abs(fd - gr.view(-1)[idx].item()))
    assert worst < 1e-7, worst

    t64 = {}
    for pname, p in params.items():
        t64[pname] = p.detach().clone()
    t64["x"] = x
    t64["targets"] = targets
    t64["out"] = out.detach()
    t64["loss"] = loss.detach().reshape(())
    for (pname, _), gr in zip(params.items(), grads):
        t64[f"grad.{pname}"] = gr.detach()
    t32 = {k: (v.to(torch.float32) if v.dtype == torch.float64 else v).contiguous() for k, v in t64.items()}
    t64 = {k: v.contiguous() for k, v in t64.items()}
    # One metadata key only: the reference writer keeps __metadata__ in a hash map, so the
    # order of several keys (and hence the file bytes) changes from run to run.
    meta = {"producer": f"Arbor Tests/Fixtures/mlp/make_fixtures.py case {name}"}
    save_file(t32, str(HERE / f"{name}.safetensors"), metadata=meta)
    save_file(t64, str(HERE / f"{name}_f64.safetensors"), metadata=meta)

    def entry(k, v):
        return {"name": k, "dtype": {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[v.dtype], "shape": list(v.shape)}

    return {
        "files": [f"{name}.safetensors", f"{name}_f64.safetensors"],
        "seed": seed,
        "architecture": (
            "layers.0 Linear(3,8) -> " + ("norm LayerNorm(8, eps=1e-5, elementwise affine) -> " if layer_norm else "")
            + "tanh -> layers.1 Linear(8,8) -> gelu erf form 0.5*x*(1+erf(x/sqrt(2))) -> layers.2 Linear(8,2)"
        ),
        "linear": "y = x @ weight.T + bias, weight [out, in]",
        "layer_norm": "biased variance over the last axis; (h - mean) / sqrt(var + eps) * weight + bias" if layer_norm else None,
        "loss": (
            "cross_entropy(out, targets) = mean over the 5 rows of logsumexp(out[i]) - out[i, targets[i]]"
            if loss_kind == "cross_entropy"
            else "mse = mean over all 5x2 elements of (out - targets)^2"
        ),
        "parameters_in_order": list(params),
        "tensors_f32_file": [entry(k, v) for k, v in t32.items()],
        "tensors_f64_file": [entry(k, v) for k, v in t64.items()],
        "loss_f64": float(loss.detach()),
        "finite_difference_max_abs_error_f64": worst,
        "grad_abs_max": {f"grad.{p}": float(gr.abs().max()) for p, gr in zip(params, grads)},
    }


def main():
    torch.set_num_threads(1)
    cases = {
        "mlp": make_case("mlp", layer_norm=False, loss_kind="cross_entropy", seed=SEED),
        "mlp_ln_mse": make_case("mlp_ln_mse", layer_norm=True, loss_kind="mse", seed=SEED + 100),
    }
    ref = {
        "producer": "Tests/Fixtures/mlp/make_fixtures.py",
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "safetensors": safetensors.__version__, "numpy": np.__version__},
        "precision": "parameters and inputs drawn in f64 and rounded to f32; forward/loss/backward computed in f64 by torch "
        "from those exactly-f32 values; *_f64.safetensors holds the f64 results, *.safetensors the same values rounded to f32 "
        "(parameters, x and integer targets are identical in both).",
        "naming": "PyTorch state-dict names (nn.ModuleList 'layers' + 'norm'), weights [out, in]; 'grad.<name>' is d loss / d <name>; "
        "'out' is the network output before the loss; 'loss' has shape [].",
        "tolerance_hint": "compare an f32 implementation to the f64 file at 1e-5 relative (plus ~1e-7 absolute for near-zero entries)",
        "cases": cases,
    }
    (HERE / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    for n, c in cases.items():
        print(n, "loss", c["loss_f64"], "fd err", c["finite_difference_max_abs_error_f64"])


if __name__ == "__main__":
    sys.exit(main())
