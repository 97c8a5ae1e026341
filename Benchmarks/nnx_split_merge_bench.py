#!/usr/bin/env python3
"""Times Flax NNX `nnx.split` / `nnx.merge` on models of N Linear-like layers
(weight [w, w] + bias [w] each) and runs `arbor-bench graph` on the same shapes
in the same run, then prints per-variable times and the Arbor speed-up.

Usage: python3 Benchmarks/nnx_split_merge_bench.py [--layers 10,100,1000,10000] [--width 4]
Run from the package root; builds arbor-bench in release mode if needed.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("JAX_PLATFORMS", "cpu")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from flax import nnx  # noqa: E402


class LinearLike(nnx.Module):
    def __init__(self, width):
        self.weight = nnx.Param(jnp.zeros((width, width), jnp.float32))
        self.bias = nnx.Param(jnp.zeros((width,), jnp.float32))


class Stack(nnx.Module):
    def __init__(self, layers, width):
        self.layers = nnx.List([LinearLike(width) for _ in range(layers)])


def median_time(fn, runs, repeats):
    # Thread CPU time on both sides: robust to other processes on a shared machine.
    fn()  # warm-up (NNX caches per-type metadata on first use)
    samples = []
    for _ in range(runs):
        start = time.thread_time()
        for _ in range(repeats):
            fn()
        samples.append((time.thread_time() - start) / repeats)
    return statistics.median(samples)


def time_nnx(layers, width, runs):
    model = Stack(layers, width)
    variables = 2 * layers
    repeats = max(1, 2_000 // variables)
    graphdef, state = nnx.split(model)
    split = median_time(lambda: nnx.split(model), runs, repeats)
    merge = median_time(lambda: nnx.merge(graphdef, state), runs, repeats)
    rebuilt = nnx.merge(graphdef, state)
    assert len(rebuilt.layers) == layers
    return split, merge


def time_arbor(sizes, width, runs, binary=None):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = binary or os.path.join(root, ".build", "release", "arbor-bench")
    if not os.path.exists(binary):
        subprocess.run(["swift", "build", "-c", "release", "--product", "arbor-bench"], cwd=root, check=True)
    out = subprocess.run(
        [binary, "graph", "--layers", ",".join(map(str, sizes)), "--width", str(width),
         "--runs", str(runs), "--json"],
        cwd=root, check=True, capture_output=True, text=True).stdout
    return {r["layers"]: (r["split_s"], r["merge_s"]) for r in map(json.loads, out.strip().splitlines())}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--layers", default="10,100,1000,10000")
    parser.add_argument("--width", type=int, default=4)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternate Arbor (a fresh process) and NNX this many times; the spread is reported")
    parser.add_argument("--binary", help="the arbor-bench to run (default: .build/release/arbor-bench)")
    parser.add_argument("--json-out", help="also write the figures here as JSON (Benchmarks/run_all.py reads it)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.layers.split(",")]

    print(f"flax {__import__('flax').__version__}, jax {jax.__version__}; width {args.width}, "
          f"median of {args.runs} runs of thread CPU time; per variable (weight and bias each count); "
          f"{args.rounds} alternating rounds; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    rounds = []  # per round: {layers: (nnx_split, nnx_merge, arbor_split, arbor_merge)}
    for _ in range(args.rounds):
        arbor = time_arbor(sizes, args.width, max(args.runs, 7), args.binary)
        result = {}
        for layers in sizes:
            nnx_split, nnx_merge = time_nnx(layers, args.width, args.runs if layers < 10_000 else 3)
            result[layers] = (nnx_split, nnx_merge) + arbor[layers]
        rounds.append(result)

    header = (f"{'layers':>7} {'vars':>6} | {'NNX split':>10} {'NNX merge':>10} | "
              f"{'Arbor split':>11} {'Arbor merge':>11} | {'split x':>8} {'merge x':>8} {'split+merge x (range)':>22}")
    print(header)
    print("-" * len(header))
    rows = []
    for layers in sizes:
        variables = 2 * layers
        med = [statistics.median(r[layers][i] for r in rounds) for i in range(4)]
        nnx_split, nnx_merge, arbor_split, arbor_merge = med
        ratios = [(r[layers][0] + r[layers][1]) / (r[layers][2] + r[layers][3]) for r in rounds]
        us = lambda seconds: f"{seconds / variables * 1e6:8.2f}us"
        print(f"{layers:>7} {variables:>6} | {us(nnx_split):>10} {us(nnx_merge):>10} | "
              f"{us(arbor_split):>11} {us(arbor_merge):>11} | "
              f"{nnx_split / arbor_split:>7.1f}x {nnx_merge / arbor_merge:>7.1f}x "
              f"{statistics.median(ratios):>8.1f}x ({min(ratios):.1f}-{max(ratios):.1f})")
        sys.stdout.flush()
        rows.append({"layers": layers, "variables": variables, "nnx_split_s": nnx_split, "nnx_merge_s": nnx_merge,
                     "arbor_split_s": arbor_split, "arbor_merge_s": arbor_merge, "ratio_rounds": ratios})
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"rows": rows, "loadavg_after": os.getloadavg()}, f, indent=1)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
