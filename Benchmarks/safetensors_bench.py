#!/usr/bin/env python3
"""Times Python `safetensors` (numpy) and Arbor on the same files in one run.

    swift build -c release --product arbor-bench
    python3 Benchmarks/safetensors_bench.py [--size-mib 1024] [--runs 5]

Python writes the large file; Arbor opens and reads that same file (`--input`)
and writes its own. Both read warm from the page cache and touch every byte
(a 64-bit word sum). Ratios are Python time / Arbor time: above 1 means Arbor
is faster. Arbor's write is shown twice: durable (fsync of the file and its
directory, the default) and with `durable: false`, which like Python's writer
still renames a temporary file into place but does not fsync. All files live in a temporary
directory that is removed at the end.

    python3 Benchmarks/safetensors_bench.py --open-only [--rounds 5] [--before-binary OLD]

times only the two opens (1 GiB header only, and 20,000 tiny tensors) on the
same Python-written files: Python `safe_open` + `keys()` + `metadata()` and a
fresh `arbor-bench safetensors --open-only` process (open, `names`,
`metadata`) alternate round by round; it prints each side's median over the
rounds, the range, and the ratio's range, with the load average.
`--before-binary` adds an older arbor-bench to every round (before/after in one
run); ARBOR_BENCH_RAW=1 also prints every sample.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def median(runs, body, warmup=1):
    for _ in range(warmup):
        body()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def fmt(seconds):
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def open_and_list(path):
    # Parse and validate the header, map the file, list the names.
    with safe_open(path, "np") as f:
        f.keys()
        f.metadata()


def open_only_rounds(args):
    """Both opens, Python and Arbor alternating round by round on the same files."""
    work = tempfile.mkdtemp(prefix="arbor-st-bench-")
    try:
        big_path = os.path.join(work, "py_big.safetensors")
        tiny_path = os.path.join(work, "py_tiny.safetensors")
        save_file({"weight": np.zeros(args.size_mib << 18, dtype=np.float32)}, big_path)
        save_file({f"layers.{i // 10}.param_{i % 10}": np.array([1, 2, 3, 4], dtype=np.float32)
                   for i in range(20_000)}, tiny_path)
        sides = [("Arbor", args.binary)] + ([("before", args.before_binary)] if args.before_binary else [])
        samples = {key: {"Python": []} | {name: [] for name, _ in sides} for key in ("open_big", "tiny_open")}
        load_before = os.getloadavg()
        for _ in range(args.rounds):
            samples["open_big"]["Python"].append(median(max(args.runs, 50), lambda: open_and_list(big_path)))
            samples["tiny_open"]["Python"].append(median(args.runs, lambda: open_and_list(tiny_path)))
            for name, binary in sides:
                command = [binary, "safetensors", "--open-only", "--input", big_path, "--tiny-input", tiny_path,
                           "--runs", str(args.runs)]
                if name == "before":  # an arbor-bench without --open-only: it opens its own (identical) tiny file
                    command = [binary, "safetensors", "--size-mib", "1", "--input", big_path, "--dir", work,
                               "--runs", str(args.runs), "--json"]
                output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
                result = json.loads(output.strip().splitlines()[-1])
                for key in samples:
                    samples[key][name].append(result[key])
        load_after = os.getloadavg()
        if os.environ.get("ARBOR_BENCH_RAW"):
            print(json.dumps(samples))
        print(f"safetensors open, {args.rounds} alternating rounds (each a median of {max(args.runs, 50)} / {args.runs} opens); "
              f"load average {load_before[0]:.2f} {load_before[1]:.2f} before, {load_after[0]:.2f} {load_after[1]:.2f} after")
        print(f"{'measure':<30}{'side':<8}{'median':>10}{'range':>24}{'ratio Py/side':>16}{'ratio range':>16}")
        labels = {"open_big": f"open {args.size_mib} MiB (header)", "tiny_open": "open 20,000 tiny tensors"}
        for key, label in labels.items():
            python = samples[key]["Python"]
            for side, values in samples[key].items():
                ratios = [p / v for p, v in zip(python, values)]
                print(f"{label:<30}{side:<8}{fmt(statistics.median(values)):>10}"
                      f"{fmt(min(values)) + ' - ' + fmt(max(values)):>24}"
                      f"{statistics.median(ratios):>15.2f}x{f'{min(ratios):.2f}-{max(ratios):.2f}':>16}")
        write_json(args.json_out, labels, {k: statistics.median(v["Python"]) for k, v in samples.items()},
                   {k: statistics.median(v["Arbor"]) for k, v in samples.items()},
                   {k: [p / a for p, a in zip(v["Python"], v["Arbor"])] for k, v in samples.items()},
                   load_before, load_after)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_json(path, labels, python, arbor, ratio_rounds, load_before, load_after):
    """The medians (seconds) per measure, and the per-round ratios where rounds alternate."""
    if path:
        with open(path, "w") as f:
            json.dump({"labels": labels, "python": python, "arbor": {k: arbor[k] for k in labels},
                       "ratio_rounds": ratio_rounds, "loadavg_before": load_before, "loadavg_after": load_after}, f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build", "release", "arbor-bench"))
    parser.add_argument("--open-only", action="store_true",
                        help="only the two opens, Python and Arbor (a fresh process) alternating for --rounds rounds")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before-binary", help="with --open-only: also time this (older) arbor-bench in each round")
    parser.add_argument("--json-out", help="also write the figures here as JSON (Benchmarks/run_all.py reads it)")
    args = parser.parse_args()
    if args.open_only:
        return open_only_rounds(args)

    work = tempfile.mkdtemp(prefix="arbor-st-bench-")
    try:
        big = {"weight": (np.arange(args.size_mib << 18, dtype=np.uint32) & 0xFFFF).astype(np.float32)}
        big_path = os.path.join(work, "py_big.safetensors")
        py = {}
        py["write_big"] = median(args.runs, lambda: save_file(big, big_path))

        def open_only():
            with safe_open(big_path, "np") as f:
                f.keys()
        py["open_big"] = median(max(args.runs, 50), open_only)

        def read_all():
            loaded = load_file(big_path)
            total = 0
            for array in loaded.values():
                raw = array.view(np.uint8).reshape(-1)
                words = raw[: raw.size // 8 * 8].view(np.uint64)
                total += int(words.sum(dtype=np.uint64)) + int(raw[raw.size // 8 * 8:].sum())
            return total
        py["read_big"] = median(args.runs, read_all)

        tiny = {f"layers.{i // 10}.param_{i % 10}": np.array([1, 2, 3, 4], dtype=np.float32) for i in range(20_000)}
        tiny_path = os.path.join(work, "py_tiny.safetensors")
        py["tiny_save"] = median(args.runs, lambda: save_file(tiny, tiny_path))

        def tiny_open():
            with safe_open(tiny_path, "np") as f:
                f.keys()
        py["tiny_open"] = median(args.runs, tiny_open)
        del big, tiny

        load_before = os.getloadavg()
        output = subprocess.run(
            [args.binary, "safetensors", "--size-mib", str(args.size_mib), "--runs", str(args.runs),
             "--dir", work, "--input", big_path, "--json"],
            check=True, capture_output=True, text=True).stdout
        arbor = json.loads(output.strip().splitlines()[-1])

        print(f"safetensors {args.size_mib} MiB, medians of {args.runs} runs (ratio = Python / Arbor, >1 is Arbor faster)")
        print(f"{'measure':<34}{'Python':>12}{'Arbor':>12}{'ratio':>9}")
        labels = {
            "open_big": f"open {args.size_mib} MiB file (header only)",
            "read_big": f"read {args.size_mib} MiB, touch every byte",
            "write_big": f"write {args.size_mib} MiB (Arbor: fsync)",
            "write_big_nosync": f"write {args.size_mib} MiB (no fsync)",
            "tiny_save": "save 20,000 tiny tensors",
            "tiny_open": "open 20,000 tiny tensors",
        }
        py["write_big_nosync"] = py["write_big"]  # Python never fsyncs
        for key, label in labels.items():
            print(f"{label:<34}{fmt(py[key]):>12}{fmt(arbor[key]):>12}{py[key] / arbor[key]:>8.2f}x")
        write_json(args.json_out, labels, py, arbor, {}, load_before, os.getloadavg())
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
