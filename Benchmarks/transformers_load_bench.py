#!/usr/bin/env python3
"""Anchor benchmark: transformers `GPT2LMHeadModel.from_pretrained` load time and peak memory,
beside Arbor in the same run.

Usage
-----
    python3 Benchmarks/transformers_load_bench.py [--runs 3] [--synthetic medium|small|none]
                        [--synthetic-dir DIR] [--max-shard-size 2GB]
                        [--arbor-cmd "swift run -c release arbor-bench load --json"] [--json-out results.json]

Cases
-----
    gpt2_fixture_single   Tests/Fixtures/gpt2/single (the tiny committed GPT-2, 0.5 MB)
    gpt2_synthetic_medium a GPT-2-medium-shaped model made from a config (n_embd 1024, n_layer 24,
                          n_head 16, vocab 50257, n_positions 1024: 354.8M parameters, 1.42 GB
                          float32), random-initialised with torch.manual_seed(0) and written once
                          by save_pretrained (--max-shard-size, default 2GB, so one file) into a
                          temporary directory that is deleted at the end (or into --synthetic-dir,
                          which is kept and reused when it already holds a model).
    gpt2_synthetic_small  (--synthetic small) GPT-2-small shape: 124.4M parameters, 0.50 GB.
    llama_synthetic       (--synthetic llama) a Llama-shaped LlamaForCausalLM (hidden 1024, 6 layers,
                          16 heads / 4 key-value heads, intermediate 2816, vocab 32000, untied head):
                          132.4M parameters, 0.53 GB float32; loaded into Arbor's `Llama`.

Each timed load runs in a fresh Python process (imports not timed, including the lazy
import of the GPT-2 modeling module, which alone takes seconds) with a warm page cache
(one untimed warm-up load first): `GPT2LMHeadModel.from_pretrained(dir)` (float32, CPU),
wall time until it returns (`load`). transformers 5 can return weights that are still lazy
views of the memory-mapped file, so the process then touches every 4 KiB page of every
parameter (reads one element per page, and the last one) and `load+read` is the wall time
until that finishes. Peak memory is the process's
`VmHWM` (peak resident set, file-backed pages included, from /proc/self/status) after the
read (`peak RSS`; `peak@load` is the same just after `from_pretrained` returned); its value
after the imports (baseline) is printed beside it. Figures are medians over --runs (default 3). The load average is printed because other
work on the machine skews them.

The Arbor command contract (--arbor-cmd)
---------------------------------------
The command is run once through the shell after the transformers cases, before the
temporary directory is removed. It learns where the models are from the environment:
ARBOR_BENCH_RUNS (the --runs value) and ARBOR_BENCH_CASES, a comma-separated list of
`name=directory` pairs (e.g. `gpt2_fixture_single=/abs/path,gpt2_synthetic_medium=/tmp/x`);
`{fixture_dir}` and `{synthetic_dir}` in the command string are replaced by those paths too.
It must exit 0 and print to stdout one JSON object (its whole stdout, or its last non-empty
line starting with `{`; build logs may go to stderr):

    {"cases": [
       {"name": "gpt2_synthetic_medium",   # a case name from ARBOR_BENCH_CASES
        "load_s": 0.35,                     # median wall seconds: config + weights into an Arbor GPT2, usable
        "peak_rss_bytes": 1600000000,       # peak RSS (bytes, VmHWM) of a process that only loads and
                                            # then touches every 4 KiB page of every weight
        "load_touch_s": 0.60                # optional: wall seconds for load plus that touch
       }, ...]}

Any field may be null or absent when not measured. When the command is not given, fails or
prints no such JSON, the transformers figures are printed alone (with the reason). The ratio
table shows transformers time / Arbor time (how many times faster Arbor is) and both peaks
as a multiple of the weights' size on disk.
"""
import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import bench_common
from bench_common import fmt_s, ratio, versions, vm_hwm

PACKAGES = ["torch", "transformers", "safetensors", "numpy"]

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "Tests" / "Fixtures" / "gpt2" / "single"
MiB = 1 << 20
CONFIGS = {
    "medium": dict(vocab_size=50257, n_positions=1024, n_embd=1024, n_layer=24, n_head=16),
    "small": dict(vocab_size=50257, n_positions=1024, n_embd=768, n_layer=12, n_head=12),
}
# Llama-shaped (grouped-query attention, SwiGLU, untied head): 132.4M parameters, 0.53 GB float32.
LLAMA_CONFIG = dict(vocab_size=32000, hidden_size=1024, intermediate_size=2816, num_hidden_layers=6,
                    num_attention_heads=16, num_key_value_heads=4, max_position_embeddings=2048,
                    tie_word_embeddings=False)


def load_child(directory):
    """Fresh process: load once, print load time and peak RSS as JSON."""
    import torch
    import transformers
    import transformers.modeling_utils  # noqa: F401
    from transformers import GPT2LMHeadModel, LlamaForCausalLM  # resolve lazy imports before timing

    transformers.utils.logging.disable_progress_bar()
    llama = json.loads((Path(directory) / "config.json").read_text()).get("model_type") == "llama"
    cls = LlamaForCausalLM if llama else GPT2LMHeadModel
    base = vm_hwm()
    t0 = time.perf_counter()
    model = cls.from_pretrained(directory, dtype=torch.float32)
    dt = time.perf_counter() - t0
    peak_load = vm_hwm()
    # transformers may leave weights as lazily-read views of the mapped file; touch every
    # 4 KiB page of every parameter once (one element per page) so the memory they take
    # when used is counted without timing a full reduction.
    with torch.no_grad():
        checksum = 0.0
        for p in model.parameters():
            flat = p.detach().reshape(-1)
            step = max(1, 4096 // flat.element_size())
            checksum += float(flat[::step].sum(dtype=torch.float64)) + float(flat[-1])
    dt_touch = time.perf_counter() - t0
    peak = vm_hwm()
    n = sum(p.numel() for p in model.parameters())
    print(json.dumps({"load_s": dt, "load_touch_s": dt_touch, "peak_rss_bytes": peak, "peak_rss_after_load_bytes": peak_load,
                      "baseline_rss_bytes": base, "parameters": n, "checksum": checksum}))


def make_synthetic(directory, which, max_shard_size):
    import torch
    import transformers
    from transformers import GPT2Config, GPT2LMHeadModel, LlamaConfig, LlamaForCausalLM

    transformers.utils.logging.disable_progress_bar()
    directory = Path(directory)
    if (directory / "config.json").exists():
        return False
    directory.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    if which == "llama":
        model = LlamaForCausalLM(LlamaConfig(**LLAMA_CONFIG)).eval()
    else:
        cfg = GPT2Config(**CONFIGS[which], activation_function="gelu_new", tie_word_embeddings=True)
        model = GPT2LMHeadModel(cfg).eval()
    model.save_pretrained(directory, max_shard_size=max_shard_size)
    return True


def weights_bytes(d):
    return sum(p.stat().st_size for p in Path(d).glob("*.safetensors"))


def bench_case(name, directory, runs):
    def once():
        p = subprocess.run([sys.executable, os.path.abspath(__file__), "--load-child", str(directory)], capture_output=True, text=True)
        if p.returncode != 0:
            raise RuntimeError(f"load subprocess failed for {name}:\n{p.stderr[-2000:]}")
        return json.loads(p.stdout.strip().splitlines()[-1])

    once()  # warm-up: page cache, Python bytecode caches
    rs = [once() for _ in range(runs)]
    return {
        "name": name,
        "directory_files": sorted(p.name for p in Path(directory).iterdir()),
        "weights_bytes": weights_bytes(directory),
        "parameters": rs[0]["parameters"],
        "load_s": statistics.median(r["load_s"] for r in rs),
        "load_runs_s": [r["load_s"] for r in rs],
        "load_touch_s": statistics.median(r["load_touch_s"] for r in rs),
        "peak_rss_bytes": int(statistics.median(r["peak_rss_bytes"] for r in rs)),
        "peak_rss_after_load_bytes": int(statistics.median(r["peak_rss_after_load_bytes"] for r in rs)),
        "baseline_rss_bytes": int(statistics.median(r["baseline_rss_bytes"] for r in rs)),
    }


def run_arbor(cmd, runs, dirs):
    """bench_common.run_arbor with {fixture_dir} and {synthetic_dir} filled in."""
    cmd = cmd.replace("{fixture_dir}", str(dirs.get("gpt2_fixture_single", ""))).replace(
        "{synthetic_dir}", str(next((v for k, v in dirs.items() if "synthetic" in k), ""))
    )
    return bench_common.run_arbor(cmd, runs, [f"{k}={v}" for k, v in dirs.items()])


def fmt_b(x):
    return "-" if x is None else (f"{x / MiB:.0f} MiB" if x >= 10 * MiB else f"{x / MiB:.2f} MiB")


def main():
    ap = argparse.ArgumentParser(description="transformers from_pretrained anchor benchmark (see the module docstring).")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--synthetic", choices=["medium", "small", "llama", "none"], default="medium")
    ap.add_argument("--synthetic-dir", default=None)
    ap.add_argument("--max-shard-size", default="2GB")
    ap.add_argument("--arbor-cmd", default=None)
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--load-child", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.load_child:
        return load_child(args.load_child)

    load_before = os.getloadavg()
    print(f"transformers from_pretrained benchmark; {args.runs} runs per case, medians; {os.cpu_count()} CPUs; "
          f"load average {load_before[0]:.2f}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions(PACKAGES).items()))
    dirs = {"gpt2_fixture_single": FIXTURE}
    tmp = None
    made = None
    if args.synthetic != "none":
        if args.synthetic_dir:
            sdir = Path(args.synthetic_dir).resolve()
        else:
            tmp = tempfile.mkdtemp(prefix="transformers_bench_")
            sdir = Path(tmp) / (f"gpt2_{args.synthetic}" if args.synthetic != "llama" else "llama")
        t0 = time.perf_counter()
        made = make_synthetic(sdir, args.synthetic, args.max_shard_size)
        print(f"  synthetic {'Llama' if args.synthetic == 'llama' else 'GPT-2 ' + args.synthetic}: {'written' if made else 'reused'} "
              f"({weights_bytes(sdir) / 1e9:.2f} GB in {len(list(sdir.glob('*.safetensors')))} file(s), {time.perf_counter() - t0:.1f} s)")
        dirs["llama_synthetic" if args.synthetic == "llama" else f"gpt2_synthetic_{args.synthetic}"] = sdir
    results = []
    arbor, why = None, "no --arbor-cmd given"
    try:
        for name, d in dirs.items():
            print(f"  {name} ...", flush=True)
            results.append(bench_case(name, d, args.runs))
        if args.arbor_cmd:
            print(f"running Arbor: {args.arbor_cmd}", flush=True)
            arbor, why = run_arbor(args.arbor_cmd, args.runs, dirs)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)

    load_after = os.getloadavg()
    print(f"\nload average at the end {load_after[0]:.2f}")
    print(f"{'case':24} {'params':>8} {'weights':>10} {'load':>10} {'load+read':>10} {'peak@load':>10} {'peak RSS':>10} {'(baseline)':>11} {'(peak-base)/weights':>20}")
    for r in results:
        print(f"{r['name']:24} {r['parameters'] / 1e6:>7.1f}M {fmt_b(r['weights_bytes']):>10} {fmt_s(r['load_s']):>10} "
              f"{fmt_s(r['load_touch_s']):>10} {fmt_b(r['peak_rss_after_load_bytes']):>10} "
              f"{fmt_b(r['peak_rss_bytes']):>10} {fmt_b(r['baseline_rss_bytes']):>11} "
              f"{(r['peak_rss_bytes'] - r['baseline_rss_bytes']) / r['weights_bytes']:>19.2f}x")
    if arbor is None:
        print(f"\nArbor figures: none ({why}); transformers figures above stand alone.")
    else:
        print("\nArbor beside transformers (speed-up = transformers time / Arbor time; peak/weights = peak RSS / weights on disk)")
        print(f"{'case':24} {'Arbor load':>11} {'speed-up':>9} {'Arbor load+read':>16} {'speed-up':>9} {'Arbor peak':>11} {'peak/weights':>13} {'transformers peak/weights':>26}")
        for r in results:
            a = arbor.get(r["name"], {})
            ls, lt, pk = a.get("load_s"), a.get("load_touch_s"), a.get("peak_rss_bytes")
            sp, st = ratio(r["load_s"], ls), ratio(r["load_touch_s"], lt)
            pw = f"{pk / r['weights_bytes']:.2f}x" if pk else "-"
            print(f"{r['name']:24} {fmt_s(ls):>11} {sp:>9} {fmt_s(lt):>16} {st:>9} {fmt_b(pk):>11} {pw:>13} {r['peak_rss_bytes'] / r['weights_bytes']:>25.2f}x")
        extra = sorted(set(arbor) - {r["name"] for r in results})
        if extra:
            print(f"Arbor cases with no transformers counterpart: {', '.join(extra)}")
    if args.json_out:
        for r in results:
            r["directory"] = "<temporary>" if tmp and "synthetic" in r["name"] else str(dirs[r["name"]])
        Path(args.json_out).write_text(json.dumps({"versions": versions(PACKAGES), "runs": args.runs, "cpus": os.cpu_count(),
                                                   "loadavg_before": load_before, "loadavg_after": load_after,
                                                   "transformers": results, "arbor": arbor, "arbor_note": why}, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
