"""Runs torch.optim optimizers for a few steps on fixed tensors and gradients and
writes optim.json, which OptimizerFixtureTests compares Arbor's optimizers with.

The parameters and the gradient of every step are fixed numbers (not computed from
a model), so the file checks only the update rules. Everything is float32 on the CPU.
Run from the repository root: python3 Tests/Fixtures/optim/make_optim_fixtures.py
"""
import json
import os
import platform

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
import torch  # noqa: E402

SHAPE = [2, 3]
INITIAL = [0.5, -1.25, 2.0, 0.75, -0.3, 1.1]
GRADIENTS = [
    [0.1, -0.2, 0.3, -0.4, 0.5, -0.6],
    [-0.05, 0.25, 0.12, 0.33, -0.41, 0.07],
    [0.2, 0.2, -0.15, 0.0, 0.09, -0.3],
    [0.6, -0.11, 0.02, -0.27, 0.18, 0.44],
    [-0.31, 0.05, 0.26, 0.13, -0.08, 0.21],
]

# name, torch class, keyword arguments (torch names).
CASES = [
    ("sgd", "SGD", {"lr": 0.1}),
    ("sgd_momentum_dampening_decay", "SGD", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
    ("sgd_nesterov_decay", "SGD", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.02, "nesterov": True}),
    ("adam", "Adam", {"lr": 0.1}),
    ("adam_l2", "Adam", {"lr": 0.1, "weight_decay": 0.01}),
    ("adam_betas_eps", "Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("adamw", "AdamW", {"lr": 0.1, "weight_decay": 0.01}),
    ("adamw_default_decay", "AdamW", {"lr": 0.05}),
]


def run(cls_name, kwargs):
    param = torch.nn.Parameter(torch.tensor(INITIAL, dtype=torch.float32).reshape(SHAPE))
    opt = getattr(torch.optim, cls_name)([param], foreach=False, **kwargs)
    after = []
    for grad in GRADIENTS:
        param.grad = torch.tensor(grad, dtype=torch.float32).reshape(SHAPE)
        opt.step()
        after.append([float(v) for v in param.detach().reshape(-1)])
    return after


def main():
    torch.use_deterministic_algorithms(True)
    cases = []
    for name, cls_name, kwargs in CASES:
        options = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()}
        cases.append({"name": name, "optimizer": cls_name, "options": options, "params_after_step": run(cls_name, kwargs)})
    out = {
        "versions": {"python": platform.python_version(), "torch": torch.__version__},
        "shape": SHAPE,
        "initial": INITIAL,
        "gradients": GRADIENTS,
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optim.json")
    # One line per value and per case: small, and diffs stay readable.
    lines = [f' "{key}": {json.dumps(out[key])},' for key in ("versions", "shape", "initial", "gradients")]
    lines.append(' "cases": [')
    lines.append(",\n".join("  " + json.dumps(case) for case in cases))
    lines.append(" ]")
    with open(path, "w") as f:
        f.write("{\n" + "\n".join(lines) + "\n}\n")


if __name__ == "__main__":
    main()
