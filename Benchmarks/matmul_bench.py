#!/usr/bin/env python3
"""Square f32 matmul: numpy (OpenBLAS) and Arbor measured in the same run.

Builds `arbor-bench` in release, then alternates rounds: numpy's median for all
sizes, then Arbor's median for all sizes. Each library's figure is its best
round (a shared machine's load hits both alike within a round, and the best
round is the least disturbed one). Prints GFLOPS and the Arbor/numpy ratio.

`--avx2` also builds Arbor for AVX2+FMA CPUs (`-target-cpu haswell
-DARBOR_AVX2`, in its own scratch directory, so the first run compiles every
dependency again) and adds a column for it. The default build targets baseline
x86-64, which is what `swift build` produces.

Usage: python3 Benchmarks/matmul_bench.py [--sizes 256 512 1024] [--runs 9] [--rounds 3] [--avx2]
"""
import argparse
import json
import pathlib
import subprocess
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
AVX2_FLAGS = ["--scratch-path", ".build/avx2", "-Xswiftc", "-target-cpu", "-Xswiftc", "haswell",
              "-Xswiftc", "-DARBOR_AVX2"]


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


def arbor_gflops(binary, sizes, runs):
    out = subprocess.run(
        [binary, "matmul", "--json", "--runs", str(runs), "--sizes", *map(str, sizes)],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout
    return {int(k): v for k, v in json.loads(out)["gflops"].items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 512, 1024])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--avx2", action="store_true", help="also measure the AVX2+FMA build")
    args = parser.parse_args()
    binaries = {"Arbor": build([])}
    if args.avx2:
        binaries["Arbor AVX2"] = build(AVX2_FLAGS)
    best = {name: {n: 0.0 for n in args.sizes} for name in ["numpy", *binaries]}
    for _ in range(args.rounds):
        for n in args.sizes:
            best["numpy"][n] = max(best["numpy"][n], numpy_gflops(n, args.runs))
        for name, binary in binaries.items():
            for n, value in arbor_gflops(binary, args.sizes, args.runs).items():
                best[name][n] = max(best[name][n], value)
    header = f"{'size':>6} {'numpy GFLOPS':>13}"
    for name in binaries:
        header += f" {name + ' GFLOPS':>18} {'ratio':>6}"
    print(header)
    for n in args.sizes:
        line = f"{n:>6} {best['numpy'][n]:>13.1f}"
        for name in binaries:
            line += f" {best[name][n]:>18.1f} {best[name][n] / best['numpy'][n]:>6.2f}"
        print(line)


if __name__ == "__main__":
    main()
