#!/usr/bin/env python3
"""Square f32 matmul: numpy (OpenBLAS) and Arbor measured in the same run.

Builds `arbor-bench` in release, then alternates rounds: numpy's median for all
sizes, then Arbor's median for all sizes. Each library's figure is its best
round (a shared machine's load hits both alike within a round, and the best
round is the least disturbed one). Prints GFLOPS and the Arbor/numpy ratio.
Usage: python3 Benchmarks/matmul_bench.py [--sizes 256 512 1024] [--runs 9] [--rounds 3]
"""
import argparse
import json
import pathlib
import subprocess
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent


def numpy_gflops(n: int, runs: int) -> float:
    rng = np.random.default_rng(0)
    a = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    b = rng.uniform(-1, 1, (n, n)).astype(np.float32)
    for _ in range(2):
        a @ b
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        a @ b
        samples.append(time.perf_counter() - start)
    samples.sort()
    return 2 * n**3 / samples[len(samples) // 2] / 1e9


def arbor_gflops(binary, sizes, runs):
    out = subprocess.run(
        [f"{binary}/arbor-bench", "matmul", "--json", "--runs", str(runs), "--sizes", *map(str, sizes)],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return {int(k): v for k, v in json.loads(out)["gflops"].items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--product", "arbor-bench"], cwd=ROOT, check=True)
    binary = subprocess.run(
        ["swift", "build", "-c", "release", "--product", "arbor-bench", "--show-bin-path"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    numpy = {n: 0.0 for n in args.sizes}
    arbor = {n: 0.0 for n in args.sizes}
    for _ in range(args.rounds):
        for n in args.sizes:
            numpy[n] = max(numpy[n], numpy_gflops(n, args.runs))
        for n, value in arbor_gflops(binary, args.sizes, args.runs).items():
            arbor[n] = max(arbor[n], value)
    print(f"{'size':>6} {'numpy GFLOPS':>13} {'Arbor GFLOPS':>13} {'Arbor/numpy':>12}")
    for n in args.sizes:
        print(f"{n:>6} {numpy[n]:>13.1f} {arbor[n]:>13.1f} {arbor[n] / numpy[n]:>12.2f}")


if __name__ == "__main__":
    main()
