#!/usr/bin/env python3
"""Tiny GPT-2 forward+backward: PyTorch CPU and Arbor measured in the same run.

The model is Arbor's `GPT2(.tiny)` (vocab 256, 64 positions, width 64, 2 blocks,
4 heads, tanh GELU, LM head tied to the token embedding) built again in torch,
on ids and labels `arange(32).reshape(2, 16)`. One step is the forward pass, the
mean token cross-entropy and the backward pass to every parameter's gradient:
Arbor's `grad(of: model) { m in m(ids).crossEntropy(labels: targets) }`.

Both sides use the same thread count (`--threads`, default 2: torch's
`set_num_threads`; Arbor's GEMM uses the machine's cores). Rounds alternate:
torch's median, then Arbor's median (`arbor-bench train --gpt2-only --json`, a
fresh process). Each side's figure is its best round; the spread over rounds
and the load average are printed beside the ratio (torch time / Arbor time, so
> 1 means Arbor is faster).

Usage: python3 Benchmarks/gpt2_step_bench.py [--runs 51] [--rounds 5] [--threads 2]
"""
import argparse
import json
import math
import os
import pathlib
import subprocess
import time

import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parent.parent
VOCAB, POSITIONS, WIDTH, LAYERS, HEADS = 256, 64, 64, 2, 4


class Block(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.ln_1 = torch.nn.LayerNorm(WIDTH, eps=1e-5)
        self.c_attn = torch.nn.Linear(WIDTH, 3 * WIDTH)
        self.attn_proj = torch.nn.Linear(WIDTH, WIDTH)
        self.ln_2 = torch.nn.LayerNorm(WIDTH, eps=1e-5)
        self.c_fc = torch.nn.Linear(WIDTH, 4 * WIDTH)
        self.mlp_proj = torch.nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, x):
        b, t, w = x.shape
        hw = w // HEADS
        q, k, v = self.c_attn(self.ln_1(x)).split(w, dim=2)
        q, k, v = (z.view(b, t, HEADS, hw).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) * (1 / math.sqrt(hw))
        mask = torch.ones(t, t, dtype=torch.bool).triu(1)
        attended = scores.masked_fill(mask, float("-inf")).softmax(-1) @ v
        x = x + self.attn_proj(attended.transpose(1, 2).reshape(b, t, w))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class TinyGPT2(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = torch.nn.Embedding(VOCAB, WIDTH)
        self.wpe = torch.nn.Embedding(POSITIONS, WIDTH)
        self.h = torch.nn.ModuleList(Block() for _ in range(LAYERS))
        self.ln_f = torch.nn.LayerNorm(WIDTH, eps=1e-5)

    def forward(self, ids):
        x = self.wte(ids) + self.wpe(torch.arange(ids.shape[1]))
        for block in self.h:
            x = block(x)
        return self.ln_f(x) @ self.wte.weight.t()


def torch_step_seconds(model, ids, labels, runs):
    def step():
        for p in model.parameters():
            p.grad = None
        logits = model(ids)
        F.cross_entropy(logits.reshape(-1, VOCAB), labels.reshape(-1)).backward()

    for _ in range(3):
        step()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        step()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return samples[len(samples) // 2]


def arbor_step_seconds(binary, runs):
    out = subprocess.run([binary, "train", "--gpt2-only", "--json", "--runs", str(runs)],
                         cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["gpt2_step_seconds"]


def build():
    command = ["swift", "build", "-c", "release", "--product", "arbor-bench"]
    subprocess.run(command, cwd=ROOT, check=True)
    path = subprocess.run([*command, "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True)
    return f"{path.stdout.strip()}/arbor-bench"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=51)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--arbor-bench", help="a built arbor-bench (skips the release build)")
    parser.add_argument("--json-out", help="also write the figures here as JSON (Benchmarks/run_all.py reads it)")
    args = parser.parse_args()
    binary = args.arbor_bench or build()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = TinyGPT2()
    ids = torch.arange(32, dtype=torch.int64).reshape(2, 16)
    labels = ids.clone()
    load_before = os.getloadavg()
    torch_times, arbor_times = [], []
    for _ in range(args.rounds):
        torch_times.append(torch_step_seconds(model, ids, labels, args.runs))
        arbor_times.append(arbor_step_seconds(binary, args.runs))
    load_after = os.getloadavg()
    ms = lambda xs: f"{min(xs) * 1e3:.2f} ms (rounds {min(xs) * 1e3:.2f}-{max(xs) * 1e3:.2f})"
    print(f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}; "
          f"torch {torch.__version__}, {args.threads} threads")
    print(f"tiny GPT-2 forward+backward [2, 16]")
    print(f"  torch  {ms(torch_times)}")
    print(f"  Arbor  {ms(arbor_times)}")
    print(f"  ratio (torch / Arbor, best rounds) {min(torch_times) / min(arbor_times):.2f}x; "
          f"round by round {min(t / a for t, a in zip(torch_times, arbor_times)):.2f}-"
          f"{max(t / a for t, a in zip(torch_times, arbor_times)):.2f}x")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"torch_s": min(torch_times), "arbor_s": min(arbor_times),
                       "ratio_rounds": [t / a for t, a in zip(torch_times, arbor_times)],
                       "loadavg_before": load_before, "loadavg_after": load_after}, f, indent=1)


if __name__ == "__main__":
    main()
