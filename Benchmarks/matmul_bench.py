#!/usr/bin/env python3
"""Square f32 matmul: numpy (OpenBLAS) and Arbor measured in the same run.

Builds `arbor-bench` in release, then alternates rounds: numpy's median for all
sizes, then Arbor's median for all sizes. Each library's figure is its best
round (a shared machine's load hits both alike within a round, and the best
round is the least disturbed one). Prints GFLOPS and the Arbor/numpy ratio.

Arbor's default build picks its GEMM kernel at run time from the CPU (AVX-512
where present, else AVX2+FMA, the portable SIMD kernel elsewhere); `--kernels`
measures the others too, forced with `ARBOR_GEMM_KERNEL`, one column each.

Usage: python3 Benchmarks/matmul_bench.py [--sizes 256 512 1024] [--runs 9] [--rounds 3]
                                          [--kernels portable avx2 avx512]
"""
import argparse
import json
import os
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


def build(extra):
    command = ["swift", "build", "-c", "release", "--product", "arbor-bench", *extra]
    subprocess.run(command, cwd=ROOT, check=True)
    path = subprocess.run([*command, "--show-bin-path"], cwd=ROOT, check=True, capture_output=True, text=True)
    return f"{path.stdout.strip()}/arbor-bench"


def arbor_gflops(binary, sizes, runs, kernel=None):
    env = dict(os.environ)
    if kernel:
        env["ARBOR_GEMM_KERNEL"] = kernel
    out = subprocess.run(
        [binary, "matmul", "--json", "--runs", str(runs), "--sizes", *map(str, sizes)],
        cwd=ROOT, check=True, capture_output=True, text=True, env=env).stdout
    return {int(k): v for k, v in json.loads(out)["gflops"].items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--kernels", nargs="*", default=[],
                        help="also force these GEMM kernels (portable, avx2, avx512)")
    parser.add_argument("--json-out", help="also write the figures here as JSON (Benchmarks/run_all.py reads it)")
    args = parser.parse_args()
    binary = build([])
    binaries = {"Arbor": None, **{f"Arbor {k}": k for k in args.kernels}}
    best = {name: {n: 0.0 for n in args.sizes} for name in ["numpy", *binaries]}
    every = {name: {n: [] for n in args.sizes} for name in best}  # every round's figure, for the spread
    load_before = os.getloadavg()
    for _ in range(args.rounds):
        for n in args.sizes:
            every["numpy"][n].append(numpy_gflops(n, args.runs))
            best["numpy"][n] = max(best["numpy"][n], every["numpy"][n][-1])
        for name, kernel in binaries.items():
            for n, value in arbor_gflops(binary, args.sizes, args.runs, kernel).items():
                every[name][n].append(value)
                best[name][n] = max(best[name][n], value)
    print(f"load average before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")
    header = f"{'size':>6} {'numpy GFLOPS':>13}"
    for name in binaries:
        header += f" {name + ' GFLOPS':>18} {'ratio':>6}"
    print(header)
    for n in args.sizes:
        line = f"{n:>6} {best['numpy'][n]:>13.1f}"
        for name in binaries:
            line += f" {best[name][n]:>18.1f} {best[name][n] / best['numpy'][n]:>6.2f}"
        print(line)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"sizes": {n: {"numpy": best["numpy"][n], "arbor": best["Arbor"][n],
                                     "numpy_rounds": every["numpy"][n], "arbor_rounds": every["Arbor"][n]}
                                 for n in args.sizes},
                       "loadavg_before": load_before, "loadavg_after": os.getloadavg()}, f, indent=1)


if __name__ == "__main__":
    main()
