#!/usr/bin/env python3
"""Runs every Arbor benchmark beside its Python anchor and prints one table.

Each row comes from one script of this folder run in this same invocation
(both sides on the same data, alternating round by round where the script
does, writes in fresh processes), so a ratio is never built from two runs at
different times. The machine's own limits are measured in the same run: memory
copy bandwidth (numpy) and durable write bandwidth (`dd ... conv=fdatasync`),
so a write figure can be read against what the disk allows. The load average
is printed with every row: above about 1.5 per core the ratios of this machine
swing widely and should be rerun.

    python3 Benchmarks/run_all.py              # every benchmark (~20 minutes)
    python3 Benchmarks/run_all.py --quick      # smaller data, fewer rounds (~5 minutes)
    python3 Benchmarks/run_all.py --only matmul,safetensors --markdown-out table.md

Ratios are anchor time / Arbor time (for GFLOPS: Arbor / anchor), so above 1
means Arbor is faster. `Benchmarks/run_all.sh` is the same command.
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


class Row:
    """One measure: the anchor's figure, Arbor's, the ratio (with its spread) and the goal."""

    def __init__(self, measure, anchor, anchor_value, arbor_value, ratio, spread="", goal="", limit=""):
        self.measure, self.anchor = measure, anchor
        self.anchor_value, self.arbor_value = anchor_value, arbor_value
        self.ratio, self.spread, self.goal, self.limit = ratio, spread, goal, limit
        self.load = os.getloadavg()[0]

    def met(self):
        """'yes' / 'no' for a goal of the form '>= X' or '<= X', else ''."""
        if self.ratio is None or not self.goal:
            return ""
        op, value = self.goal.split()
        value = float(value.rstrip("x"))
        return "yes" if (self.ratio >= value if op == ">=" else self.ratio <= value) else "no"


def seconds(x):
    """A duration for humans: µs, ms or s."""
    if x is None:
        return "-"
    if x < 1e-3:
        return f"{x * 1e6:.1f} µs"
    return f"{x * 1e3:.1f} ms" if x < 1 else f"{x:.2f} s"


def span(values, fmt="{:.2f}"):
    """'min-max' of a list of numbers."""
    values = [v for v in values if v is not None]
    return "" if not values else (fmt + "–" + fmt).format(min(values), max(values))


def run_script(name, args, timeout=3600):
    """Runs Benchmarks/NAME with ARGS plus --json-out and returns its JSON (None and the reason on failure)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = f.name
    cmd = [sys.executable, str(HERE / name), *args, "--json-out", out]
    print(f"\n$ {' '.join(cmd[1:])}", flush=True)
    try:
        p = subprocess.run(cmd, cwd=ROOT, timeout=timeout)
        if p.returncode != 0:
            return None, f"{name} exited with status {p.returncode}"
        return json.loads(Path(out).read_text()), None
    except subprocess.TimeoutExpired:
        return None, f"{name} took longer than {timeout} s"
    except (OSError, ValueError) as e:
        return None, f"{name}: {e}"
    finally:
        Path(out).unlink(missing_ok=True)


# --- the machine's limits ------------------------------------------------------------------------

def memcpy_bandwidth(mib=512, runs=5):
    """Best memory-to-memory copy bandwidth in GB/s (numpy.copyto of MIB MiB, pages already touched)."""
    src = np.ones(mib << 18, dtype=np.float32)
    dst = np.empty_like(src)
    best = min(_timed(lambda: np.copyto(dst, src)) for _ in range(runs))
    return src.nbytes / best / 1e9


def dd_bandwidth(directory, mib=512, runs=3):
    """Median durable write bandwidth in MB/s (`dd ... conv=fdatasync` of MIB MiB of zeros into a new file)
    and median cold read bandwidth in MB/s (`dd ... iflag=direct` of that file: no page cache)."""
    rates, reads = [], []
    for i in range(runs):
        path = Path(directory) / f"dd-{i}.bin"
        t = _timed(lambda: subprocess.run(["dd", "if=/dev/zero", f"of={path}", "bs=8M", f"count={mib // 8}",
                                           "conv=fdatasync"], check=True, capture_output=True))
        rates.append((mib << 20) / t / 1e6)
        read = subprocess.run(["dd", f"if={path}", "of=/dev/null", "bs=8M", "iflag=direct"], capture_output=True)
        if read.returncode == 0:  # a file system without O_DIRECT has no cold-read figure
            t = _timed(lambda: subprocess.run(["dd", f"if={path}", "of=/dev/null", "bs=8M", "iflag=direct"],
                                              check=True, capture_output=True))
            reads.append((mib << 20) / t / 1e6)
        path.unlink()
    return statistics.median(rates), rates, (statistics.median(reads) if reads else None)


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


# --- one adapter per benchmark script --------------------------------------------------------------

def bench_matmul(a):
    data, why = run_script("matmul_bench.py", ["--sizes", "256", "512", "1024", "2048",
                                               "--rounds", "2" if a.quick else "3"])
    if data is None:
        return [], why
    rows = []
    for n, r in sorted(data["sizes"].items(), key=lambda kv: int(kv[0])):
        rows.append(Row(f"f32 matmul {n}³ (GFLOPS, 2 threads)", "numpy/OpenBLAS", f"{r['numpy']:.1f}",
                        f"{r['arbor']:.1f}", r["arbor"] / r["numpy"],
                        span([x / y for x, y in zip(r["arbor_rounds"], r["numpy_rounds"])]), ">= 0.8x"))
    return rows, None


def bench_gpt2_step(a):
    data, why = run_script("gpt2_step_bench.py", ["--rounds", "3" if a.quick else "5", "--arbor-bench", a.arbor_bench])
    if data is None:
        return [], why
    return [Row("tiny GPT-2 forward+backward [2,16], best rounds", "PyTorch CPU", seconds(data["torch_s"]),
                seconds(data["arbor_s"]), data["torch_s"] / data["arbor_s"], span(data.get("ratio_rounds", [])),
                ">= 1.0x")], None


def bench_safetensors(a):
    size = ["--size-mib", "256" if a.quick else "1024", "--binary", a.arbor_bench]
    opens, why = run_script("safetensors_bench.py", size + ["--open-only", "--rounds", "5", "--runs", "15"])
    if opens is None:
        return [], why
    rest, why = run_script("safetensors_bench.py", size + ["--runs", "3" if a.quick else "5"])
    goals = {"open_big": ">= 1.0x", "tiny_open": ">= 1.0x", "read_big": ">= 1.0x"}
    rows = []
    for data in [opens] + ([rest] if rest else []):
        for key, label in data["labels"].items():
            if data is rest and key in opens["labels"]:
                continue
            py, ar = data["python"][key], data["arbor"][key]
            rounds = data["ratio_rounds"].get(key, [])
            rows.append(Row(label, "safetensors (Python)", seconds(py), seconds(ar),
                            statistics.median(rounds) if rounds else py / ar, span(rounds),
                            goal=goals.get(key, ""), limit=a.limit_for(key)))
    return rows, why


def bench_graph(a):
    layers = "10,100,1000" if a.quick else "10,100,1000,10000"
    data, why = run_script("nnx_split_merge_bench.py", ["--layers", layers, "--rounds", "3",
                                                        "--binary", a.arbor_bench])
    if data is None:
        return [], why
    rows = []
    for r in data["rows"]:
        per = lambda s: s / r["variables"]
        nnx, arbor = r["nnx_split_s"] + r["nnx_merge_s"], r["arbor_split_s"] + r["arbor_merge_s"]
        rows.append(Row(f"split+merge per variable, {r['layers']} layers", "Flax NNX", seconds(per(nnx)),
                        seconds(per(arbor)), statistics.median(r["ratio_rounds"]), span(r["ratio_rounds"], "{:.1f}"),
                        goal=">= 50x"))
    return rows, None


def bench_checkpoint(a):
    rows = []
    saves, why = run_script("orbax_bench.py", ["--cases", "single_512MiB", "--save-rounds", "3" if a.quick else "5",
                                               "--arbor-bench", a.arbor_bench])
    if saves is not None:
        for r in saves["save_rounds"]:
            s, med = r["samples"], r["medians"]
            per_round = [o / b for o, b in zip(s["orbax"], s["arbor"])]
            rows.append(Row(f"checkpoint save, one 512 MiB tensor (fresh processes)", "Orbax", seconds(med["orbax"]),
                            seconds(med["arbor"]), med["orbax"] / med["arbor"], span(per_round), ">= 2.0x",
                            f"dd: {seconds(med['dd'])}"))
            rows.append(Row("checkpoint save ÷ dd conv=fdatasync, same bytes", "dd", seconds(med["dd"]),
                            seconds(med["arbor"]), med["arbor"] / med["dd"],
                            span([b / d for b, d in zip(s["arbor"], s["dd"])]), "<= 1.2x"))
    data, why2 = run_script("orbax_bench.py", ["--runs", "3", "--cases", "tiny_20000,single_512MiB",
                                               "--arbor-cmd", f"{a.arbor_bench} checkpoint --json"])
    if data is not None and data.get("arbor"):
        for r in data["orbax"]:
            b = data["arbor"].get(r["name"], {})
            if r["name"] != "single_512MiB":
                rows.append(Row(f"checkpoint save, {r['name']}", "Orbax", seconds(r["save_s"]),
                                seconds(b.get("save_s")), _ratio(r["save_s"], b.get("save_s"))))
            rows.append(Row(f"checkpoint restore, {r['name']}", "Orbax", seconds(r["restore_s"]),
                            seconds(b.get("restore_s")), _ratio(r["restore_s"], b.get("restore_s"))))
            peak = b.get("restore_peak_rss_bytes")
            if peak:
                rows.append(Row(f"checkpoint restore peak RSS / data, {r['name']}", "Orbax",
                                f"{r['restore_peak_rss_bytes'] / r['data_bytes']:.2f}", f"{peak / r['data_bytes']:.2f}",
                                peak / r["data_bytes"]))
    elif data is not None:
        why2 = f"Arbor side of orbax_bench.py: {data.get('arbor_note')}"
    return rows, "; ".join(w for w in (why, why2) if w) or None


def bench_sharded(a):
    args = ["--ranks", "2,4", "--rounds", "3" if a.quick else "5", "--arbor-bench", a.arbor_bench]
    if a.quick:
        args += ["--tensors", "8", "--rows", "2048"]
    data, why = run_script("dcp_bench.py", args)
    if data is None:
        return [], why
    rows = []
    for n, r in data.items():
        if not isinstance(r, dict) or "dcp_save" not in r:
            continue
        floors = {"save": r.get("floor_write"), "load": r.get("floor_read")}
        for role, label in (("save", "save"), ("load", "load (cold)"), ("load_warm", "load (warm: files cached)")):
            if f"dcp_{role}" not in r:
                continue
            d, b = r[f"dcp_{role}"]["seconds"], r[f"arbor_{role}"]["seconds"]
            floor = floors.get(role)
            limit = (f"disk: {seconds(floor['seconds']['median'])} (DCP {d['median'] / floor['seconds']['median']:.2f}x it)"
                     if floor else "")
            rows.append(Row(f"sharded checkpoint {label}, {n} processes", "PyTorch DCP (gloo)",
                            seconds(d["median"]), seconds(b["median"]), d["median"] / b["median"],
                            span(r[f"dcp_{role}"].get("ratios", [])) or f"{d['min'] / b['max']:.2f}–{d['max'] / b['min']:.2f}",
                            ">= 2.0x", limit))
        m = r["arbor_load"]["memory_ratio"]["median"]
        rows.append(Row(f"sharded restore peak memory / share, {n} processes", "(share)", "1.00",
                        f"{m:.2f}", m, goal="<= 1.1x"))
    return rows, None


def bench_load(a):
    data, why = run_script("transformers_load_bench.py", ["--runs", "3", "--synthetic", "llama",
                                                          "--arbor-cmd", f"{a.arbor_bench} load --json"])
    if data is None:
        return [], why
    rows = []
    for r in data["transformers"]:
        b = (data.get("arbor") or {}).get(r["name"], {})
        rows.append(Row(f"load {r['name']}", "transformers", seconds(r["load_s"]), seconds(b.get("load_s")),
                        _ratio(r["load_s"], b.get("load_s")), goal=">= 1.0x"))
        if b.get("peak_rss_bytes") and "synthetic" in r["name"]:  # the fixture's weights are too small to compare
            m = b["peak_rss_bytes"] / r["weights_bytes"]
            rows.append(Row(f"load {r['name']}, peak RSS / weights", "transformers",
                            f"{r['peak_rss_bytes'] / r['weights_bytes']:.2f}", f"{m:.2f}", m, goal="<= 1.1x"))
    return rows, None


def bench_convert(a):
    data, why = run_script("pytorch_convert_bench.py", ["--arbor", a.arbor, "--megabytes", "128" if a.quick else "500",
                                                         "--rounds", "3" if a.quick else "5"])
    if data is None:
        return [], why
    rows = []
    ar = data["arbor_wall_s"]
    floor = data.get("floor_s", {}).get("median")
    rounds = data.get("ratio_rounds", {})
    for side, label in [("python_inside_s", "as each tool does it"), ("python_durable_inside_s", "same durable steps")]:
        py = data[side]
        per_round = rounds.get(side.replace("_s", "").replace("inside", "inside / arbor_wall"), [])
        limit = f"disk: {seconds(floor)} (Python {py['median'] / floor:.2f}x it)" if floor else ""
        rows.append(Row(f".bin → safetensors, {label}", "torch.load + save_file", seconds(py["median"]),
                        seconds(ar["median"]), py["median"] / ar["median"],
                        span(per_round) or f"{py['min'] / ar['max']:.2f}–{py['max'] / ar['min']:.2f}", ">= 2.0x", limit))
    py_wall = data["python_wall_s"]["median"]
    rows.append(Row(".bin → safetensors, whole process (Python's includes `import torch`)", "python convert script",
                    seconds(py_wall), seconds(ar["median"]), py_wall / ar["median"],
                    f"{data['python_wall_s']['min'] / ar['max']:.2f}–{data['python_wall_s']['max'] / ar['min']:.2f}",
                    ">= 2.0x"))
    if floor:
        rows.append(Row(".bin → safetensors ÷ durable direct write of the output's bytes", "disk", seconds(floor),
                        seconds(ar["median"]), ar["median"] / floor, span(rounds.get("arbor_wall / floor", []))))
    return rows, None


def _ratio(anchor, arbor):
    return None if not anchor or not arbor else anchor / arbor


BENCHES = {
    "matmul": bench_matmul,
    "gpt2": bench_gpt2_step,
    "safetensors": bench_safetensors,
    "graph": bench_graph,
    "checkpoint": bench_checkpoint,
    "sharded": bench_sharded,
    "load": bench_load,
    "convert": bench_convert,
}


def table(rows, limits):
    """The markdown table of every row, then the limits line."""
    lines = ["| measure | anchor | anchor figure | Arbor | ratio | spread (per round) | goal | met | machine limit | load |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        lines.append(f"| {r.measure} | {r.anchor} | {r.anchor_value} | {r.arbor_value} | {ratio} | {r.spread} | "
                     f"{r.goal} | {r.met()} | {r.limit} | {r.load:.2f} |")
    lines.append("")
    lines.append(limits)
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=",".join(BENCHES), help="comma-separated subset of: " + ", ".join(BENCHES))
    ap.add_argument("--quick", action="store_true", help="smaller data and fewer rounds")
    ap.add_argument("--arbor-bench", default=str(ROOT / ".build/release/arbor-bench"))
    ap.add_argument("--arbor", default=str(ROOT / ".build/release/arbor"))
    ap.add_argument("--tmpdir", default=None, help="where the write limit is measured (the benchmarks' disk)")
    ap.add_argument("--markdown-out", default=None)
    a = ap.parse_args()
    chosen = [n for n in a.only.split(",") if n]
    unknown = [n for n in chosen if n not in BENCHES]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    if not (Path(a.arbor_bench).exists() and Path(a.arbor).exists()):
        print("building the release products (swift build -c release) ...", flush=True)
        subprocess.run(["swift", "build", "-c", "release"], cwd=ROOT, check=True)

    started, load_before = time.time(), os.getloadavg()
    with tempfile.TemporaryDirectory(dir=a.tmpdir, prefix="arbor-run-all-") as tmp:
        memcpy = memcpy_bandwidth()
        a.dd_mbps, dd_rates, dd_read = dd_bandwidth(tmp, 128 if a.quick else 512)
    a.limit_for = lambda key: (f"dd: {seconds((256 if a.quick else 1024) * 2**20 / (a.dd_mbps * 1e6))}"
                               if key.startswith("write") else "")
    rows, failures = [], []
    for name in chosen:
        got, why = BENCHES[name](a)
        rows += got
        if why:
            failures.append(f"{name}: {why}")
    load_after = os.getloadavg()
    limits = (f"Machine limits measured in this run: memcpy {memcpy:.1f} GB/s; `dd conv=fdatasync` "
              f"{a.dd_mbps:.0f} MB/s (runs {span(dd_rates, '{:.0f}')}); cold read (`dd iflag=direct`) "
              f"{'-' if dd_read is None else f'{dd_read:.0f}'} MB/s. {os.cpu_count()} CPUs; load average "
              f"{load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end; {(time.time() - started) / 60:.1f} min.")
    text = table(rows, limits)
    if failures:
        text += "\n\nNot measured: " + "; ".join(failures)
    print("\n" + text)
    if a.markdown_out:
        Path(a.markdown_out).write_text(text + "\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
