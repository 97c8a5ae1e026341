#!/usr/bin/env python3
"""Anchor benchmark: Orbax StandardCheckpointer save/restore, beside Arbor in the same run.

Usage
-----
    python3 Benchmarks/orbax_bench.py [--runs 3] [--cases single_512MiB,many_2000_256MiB,tiny_20000]
                                      [--arbor-cmd "swift run -c release arbor-bench checkpoint --json"]
                                      [--array-type numpy|jax] [--json-out results.json] [--tmpdir DIR]

Cases (all float32, a flat dict of 1-D arrays named `a00000`, `a00001`, ...):

    single_512MiB     1 array of 134,217,728 floats (512 MiB)
    many_2000_256MiB  2,000 arrays totalling exactly 256 MiB (67,108,864 floats): arrays
                      0..863 hold 33,555 floats, arrays 864..1999 hold 33,554
    tiny_20000        20,000 arrays of 16 floats (1.22 MiB)

Values are seeded normal floats (numpy PCG64, seed 0). Orbax saves the tree with
`StandardCheckpointer.save` followed by `wait_until_finished()` (timed together) into a
new directory each run, and restores it with `restore(dir, abstract_target)` where the
target is the tree of `jax.ShapeDtypeStruct`s (timed until every array is ready; arrays
come back as the type they were saved as). The leaves are numpy arrays by default, Orbax's
faster path (`--array-type jax` saves `jax.Array`s, which on a 2-core machine is about 3x
slower for many small arrays). Times are medians over --runs runs (default 3) with a warm
page cache; the load average is printed because other work on the machine skews them.

Peak memory of a restore is measured in a fresh subprocess that only imports, restores
and exits: its `VmHWM` (peak resident set, from /proc/self/status) after the restore, with
the same figure after the imports (baseline) beside it. (`ru_maxrss` is not used: on Linux
it carries the parent's resident size across fork+exec, so a child of a big process
reports the parent's size.)

The Arbor command contract (--arbor-cmd)
---------------------------------------
The command is run once through the shell, after the Orbax cases, with these environment
variables it may honour: ARBOR_BENCH_RUNS (the --runs value) and ARBOR_BENCH_CASES (the
comma-separated case names). It must exit 0 and print to stdout one JSON object (either
its whole stdout, or its last non-empty line that starts with `{`; progress and build logs
may go to stderr):

    {"cases": [
       {"name": "single_512MiB",             # one of the case names above
        "save_s": 0.41,                      # median wall seconds: save until durable on disk
        "restore_s": 0.22,                   # median wall seconds: restore until tensors usable
        "restore_peak_rss_bytes": 560000000  # peak RSS (bytes) of a process that only restores
       }, ...]}

Any field may be null or absent when not measured; unknown case names are listed but not
compared. When the command is not given, fails, or prints no such JSON, Orbax's figures
are printed alone (with the reason). The ratio table shows Orbax time / Arbor time (how
many times faster Arbor is) and each tool's restore peak RSS as a multiple of the data size.

Fresh-process save rounds (--save-rounds N, --arbor-bench PATH)
---------------------------------------------------------------
Large writes on these machines swing by up to 10x from one call to the next (fresh pages
from the host), so the save ratio is also measured this way: N rounds, each running, in
fresh processes and in an order that rotates every round, (1) an Orbax save of the case,
(2) `arbor-bench checkpoint --save-once DIR` (one `Checkpointer.save`: temp directory,
every file written, hashed while written and fsync'ed, checkpoint.json, directory fsyncs,
rename) and (3) `dd if=/dev/zero of=F bs=8M count=... conv=fdatasync` of the same number
of bytes (the machine's durable-write limit). Each side times only its save inside its own
process (dd: its own figure). Printed: medians with min-max spreads, Orbax / Arbor, Arbor /
dd, and the load average before and after. Only cases of at least 8 MiB are run this way.
`--baseline-bench OTHER` adds a fourth side, another arbor-bench build (before/after).
"""
import os

os.environ["JAX_PLATFORMS"] = "cpu"
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import argparse
import json
import logging
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_common import fmt_s, ratio, run_arbor, versions, vm_hwm

PACKAGES = ["orbax-checkpoint", "jax", "jaxlib", "numpy", "tensorstore"]

CASES = ["single_512MiB", "many_2000_256MiB", "tiny_20000"]
MiB = 1 << 20


def case_sizes(name):
    if name == "single_512MiB":
        return [512 * MiB // 4]
    if name == "many_2000_256MiB":
        total = 256 * MiB // 4
        base, extra = divmod(total, 2000)
        return [base + 1 if i < extra else base for i in range(2000)]
    if name == "tiny_20000":
        return [16] * 20000
    raise SystemExit(f"unknown case {name!r}; known: {', '.join(CASES)}")


def make_numpy_tree(name):
    import numpy as np

    rng = np.random.default_rng(0)
    sizes = case_sizes(name)
    width = max(5, len(str(len(sizes) - 1)))
    return {f"a{i:0{width}d}": rng.standard_normal(n, dtype=np.float32) for i, n in enumerate(sizes)}


def abstract_of(name):
    import jax
    import numpy as np

    sizes = case_sizes(name)
    width = max(5, len(str(len(sizes) - 1)))
    return {f"a{i:0{width}d}": jax.ShapeDtypeStruct((n,), np.float32) for i, n in enumerate(sizes)}


def quiet():
    logging.getLogger("absl").setLevel(logging.ERROR)
    try:
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)
    except Exception:  # noqa: BLE001
        pass


def restore_child(directory, name):
    """Run in a fresh process: restore once, report time and peak RSS as JSON on stdout."""
    quiet()
    import jax
    import orbax.checkpoint as ocp

    target = abstract_of(name)
    ckptr = ocp.StandardCheckpointer()
    base = vm_hwm()
    t0 = time.perf_counter()
    tree = ckptr.restore(directory, target)
    jax.block_until_ready(tree)
    dt = time.perf_counter() - t0
    peak = vm_hwm()
    nbytes = sum(a.nbytes for a in jax.tree_util.tree_leaves(tree))
    ckptr.close()
    print(json.dumps({"restore_s": dt, "peak_rss_bytes": peak, "baseline_rss_bytes": base, "restored_bytes": nbytes}))


def save_child(directory, name):
    """Run in a fresh process: build the case, save it once with Orbax, report the save time."""
    quiet()
    import orbax.checkpoint as ocp

    tree = make_numpy_tree(name)
    ckptr = ocp.StandardCheckpointer()
    t0 = time.perf_counter()
    ckptr.save(directory, tree)
    ckptr.wait_until_finished()
    dt = time.perf_counter() - t0
    ckptr.close()
    print(json.dumps({"save_s": dt}))


def last_json(stdout):
    return json.loads([line for line in stdout.strip().splitlines() if line.startswith("{")][-1])


def save_rounds(name, rounds, arbor_bench, tmproot, baseline=None):
    """Alternating fresh-process saves: Orbax, Arbor and dd of the same bytes (see the docstring);
    with `baseline`, a second arbor-bench binary (e.g. an older build) as a fourth side."""
    import re

    data_bytes = sum(case_sizes(name)) * 4
    block = 8 * MiB
    sides = ["orbax", "arbor", "dd"] + (["baseline"] if baseline else [])
    samples = {side: [] for side in sides}
    load_before = os.getloadavg()[0]
    for r in range(rounds):
        order = sides[r % len(sides):] + sides[:r % len(sides)]
        for side in order:
            target = Path(tmproot) / f"save-{side}-{r}"
            if side == "orbax":
                out = subprocess.run([sys.executable, os.path.abspath(__file__), "--save-child", str(target), "--case", name],
                                     capture_output=True, text=True, check=True)
                samples[side].append(last_json(out.stdout)["save_s"])
            elif side in ("arbor", "baseline"):
                out = subprocess.run([arbor_bench if side == "arbor" else baseline, "checkpoint", "--save-once", str(target), "--cases", name],
                                     capture_output=True, text=True, check=True)
                samples[side].append(last_json(out.stdout)["save_s"])
            else:
                out = subprocess.run(["dd", "if=/dev/zero", f"of={target}", f"bs={block}", f"count={data_bytes // block}",
                                      "conv=fdatasync"], capture_output=True, text=True, check=True)
                samples[side].append(float(re.search(r"copied, ([0-9.]+) s", out.stderr).group(1)))
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            else:
                target.unlink(missing_ok=True)
    med = {k: statistics.median(v) for k, v in samples.items()}
    print(f"\n{name}: {rounds} fresh-process save rounds (order rotating), load average {load_before:.2f} -> "
          f"{os.getloadavg()[0]:.2f}")
    for side in sides:
        v = samples[side]
        print(f"  {side:6} median {fmt_s(med[side]):>9}  spread {fmt_s(min(v))}-{fmt_s(max(v))}  "
              f"runs {', '.join(f'{x:.2f}' for x in v)}")
    if baseline:
        print(f"  baseline / Arbor {med['baseline'] / med['arbor']:.2f}x   Orbax / baseline {med['orbax'] / med['baseline']:.2f}x")
    print(f"  Orbax / Arbor {med['orbax'] / med['arbor']:.2f}x   Arbor / dd {med['arbor'] / med['dd']:.2f}x   "
          f"per round Orbax / Arbor {min(o / a for o, a in zip(samples['orbax'], samples['arbor'])):.2f}-"
          f"{max(o / a for o, a in zip(samples['orbax'], samples['arbor'])):.2f}x")
    return {"name": name, "data_bytes": data_bytes, "samples": samples, "medians": med, "loadavg_before": load_before,
            "loadavg_after": os.getloadavg()[0]}


def bench_orbax(name, runs, tmproot, array_type):
    import jax
    import jax.numpy as jnp
    import numpy as np
    import orbax.checkpoint as ocp

    host = make_numpy_tree(name)
    data_bytes = sum(a.nbytes for a in host.values())
    if array_type == "jax":
        tree = {k: jnp.asarray(v) for k, v in host.items()}
        jax.block_until_ready(tree)
        del host
    else:
        tree = host
    target = abstract_of(name)
    ckptr = ocp.StandardCheckpointer()
    saves, restores = [], []
    last_dir = None
    for r in range(runs):
        d = Path(tmproot) / f"{name}_run{r}"
        t0 = time.perf_counter()
        ckptr.save(d, tree)
        ckptr.wait_until_finished()
        saves.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        back = ckptr.restore(d, target)
        jax.block_until_ready(back)
        restores.append(time.perf_counter() - t0)
        if r == 0:  # check once that the data came back
            for k in list(tree)[:3] + list(tree)[-3:]:
                assert np.array_equal(np.asarray(back[k]), np.asarray(tree[k])), k
        del back
        if last_dir is not None:
            shutil.rmtree(last_dir, ignore_errors=True)
        last_dir = d
    ckptr.close()
    del tree
    disk = sum(f.stat().st_size for f in Path(last_dir).rglob("*") if f.is_file())
    child = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--restore-child", str(last_dir), "--case", name],
        capture_output=True, text=True,
    )
    if child.returncode != 0:
        raise RuntimeError(f"restore subprocess failed:\n{child.stderr[-2000:]}")
    mem = json.loads(child.stdout.strip().splitlines()[-1])
    shutil.rmtree(last_dir, ignore_errors=True)
    return {
        "name": name,
        "arrays": len(case_sizes(name)),
        "data_bytes": data_bytes,
        "disk_bytes": disk,
        "save_s": statistics.median(saves),
        "restore_s": statistics.median(restores),
        "save_runs_s": saves,
        "restore_runs_s": restores,
        "restore_peak_rss_bytes": mem["peak_rss_bytes"],
        "restore_baseline_rss_bytes": mem["baseline_rss_bytes"],
        "restore_subprocess_s": mem["restore_s"],
    }


def fmt_b(x):
    return "-" if x is None else f"{x / MiB:.0f} MiB"


def main():
    ap = argparse.ArgumentParser(description="Orbax StandardCheckpointer anchor benchmark (see the module docstring).")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--arbor-cmd", default=None)
    ap.add_argument("--array-type", choices=["numpy", "jax"], default="numpy")
    ap.add_argument("--json-out", default=None)
    ap.add_argument("--tmpdir", default=None)
    ap.add_argument("--save-rounds", type=int, default=0, help="fresh-process save rounds beside Arbor and dd")
    ap.add_argument("--arbor-bench", default=".build/release/arbor-bench", help="arbor-bench binary for --save-rounds")
    ap.add_argument("--baseline-bench", default=None, help="another arbor-bench (e.g. an older build) as a fourth side")
    ap.add_argument("--restore-child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--save-child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--case", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.restore_child:
        return restore_child(args.restore_child, args.case)
    if args.save_child:
        return save_child(args.save_child, args.case)

    quiet()
    cases = [c for c in args.cases.split(",") if c]
    for c in cases:
        case_sizes(c)
    load_before = os.getloadavg()
    print(f"Orbax StandardCheckpointer benchmark; {args.array_type} arrays; {args.runs} runs per case, medians; "
          f"{os.cpu_count()} CPUs; load average {load_before[0]:.2f}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions(PACKAGES).items()))
    results = []
    tmproot = tempfile.mkdtemp(prefix="orbax_bench_", dir=args.tmpdir)
    if args.save_rounds:
        try:
            rounds = [save_rounds(c, args.save_rounds, args.arbor_bench, tmproot, args.baseline_bench)
                      for c in cases if sum(case_sizes(c)) * 4 >= 8 * MiB]
        finally:
            shutil.rmtree(tmproot, ignore_errors=True)
        if args.json_out:
            Path(args.json_out).write_text(json.dumps({"versions": versions(PACKAGES), "save_rounds": rounds}, indent=1) + "\n")
        return 0
    try:
        for c in cases:
            print(f"  {c} ...", flush=True)
            results.append(bench_orbax(c, args.runs, tmproot, args.array_type))
    finally:
        shutil.rmtree(tmproot, ignore_errors=True)

    load_after = os.getloadavg()
    print(f"\nload average at the end {load_after[0]:.2f}")
    print(f"{'case':18} {'arrays':>7} {'data':>9} {'save':>10} {'restore':>10} {'restore peak RSS':>17} {'(baseline)':>11} {'peak/data':>9}")
    for r in results:
        print(
            f"{r['name']:18} {r['arrays']:>7} {fmt_b(r['data_bytes']):>9} {fmt_s(r['save_s']):>10} {fmt_s(r['restore_s']):>10} "
            f"{fmt_b(r['restore_peak_rss_bytes']):>17} {fmt_b(r['restore_baseline_rss_bytes']):>11} "
            f"{r['restore_peak_rss_bytes'] / r['data_bytes']:>8.2f}x"
        )

    arbor, why = (None, "no --arbor-cmd given")
    if args.arbor_cmd:
        print(f"\nrunning Arbor: {args.arbor_cmd}", flush=True)
        arbor, why = run_arbor(args.arbor_cmd, args.runs, cases)
    if arbor is None:
        print(f"\nArbor figures: none ({why}); Orbax figures above stand alone.")
    else:
        print("\nArbor beside Orbax (speed-up = Orbax time / Arbor time; peak/data = restore peak RSS / data size)")
        print(f"{'case':18} {'Arbor save':>11} {'speed-up':>9} {'Arbor restore':>14} {'speed-up':>9} {'Arbor peak':>11} {'peak/data':>10} {'Orbax peak/data':>16}")
        for r in results:
            a = arbor.get(r["name"], {})
            peak = a.get("restore_peak_rss_bytes")
            peak_ratio = f"{peak / r['data_bytes']:.2f}x" if peak else "-"
            print(
                f"{r['name']:18} {fmt_s(a.get('save_s')):>11} {ratio(r['save_s'], a.get('save_s')):>9} "
                f"{fmt_s(a.get('restore_s')):>14} {ratio(r['restore_s'], a.get('restore_s')):>9} {fmt_b(peak):>11} "
                f"{peak_ratio:>10} {r['restore_peak_rss_bytes'] / r['data_bytes']:>15.2f}x"
            )
        extra = sorted(set(arbor) - {r["name"] for r in results})
        if extra:
            print(f"Arbor cases with no Orbax counterpart: {', '.join(extra)}")

    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"versions": versions(PACKAGES), "runs": args.runs, "array_type": args.array_type,
                                                    "cpus": os.cpu_count(), "loadavg_before": load_before, "loadavg_after": load_after, "orbax": results, "arbor": arbor, "arbor_note": why}, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main())
