#!/usr/bin/env python3
"""`.bin` -> safetensors: `arbor convert` beside torch.load + save_file.

Makes a synthetic Llama-shaped state dict of about --megabytes MB (f32, the
shapes of a small decoder: embedding, per layer q/k/v/o and gate/up/down
projections and two norms, final norm, untied head), saves it with
torch.save as pytorch_model.bin in a temporary directory, then runs
alternating rounds, each side in a fresh process:

  python: torch.load(path, weights_only=True, mmap=...) then
          save_file({k: v.contiguous() ...}, out, metadata={"format": "pt"})
          (the usual conversion script; torch's default eager load)
  arbor:  arbor convert path out

Every side writes a new file: before each timed run, untimed, the side's
previous output is deleted and os.sync() empties the disk's queue, so no
side pays for another side's write-back (Python's plain conversion leaves
its bytes for the kernel to write after it returns) or for freeing the
previous round's output. --replace keeps the previous outputs instead: Arbor
then runs with --force and renames over its old output, Python truncates
its own, and both pay the old file's freeing inside their time.

The report gives per side the median and spread (min..max) of whole-process wall
time, the Python side's time inside the process (after `import torch`), CPU
seconds (Arbor's whole process; Python's conversion after the import),
peak RSS, and the load average before, during (per round) and after the run.
The outputs are compared byte for byte once.

Durability differs: save_file writes the file in place and never fsyncs;
arbor convert writes a temporary sibling, fsyncs it, renames it and fsyncs
the directory. So a third side, "python_durable", runs the same Python
conversion followed by those same steps (os.fsync of the temporary file,
os.replace, os.fsync of the directory); the report gives the ratio against
both ("as each tool does it" and "same durable steps").

The disk's limit is measured in the same rounds ("floor"): the output's size
written to a new file with 8 MiB direct writes and an fsync. A durable
conversion cannot beat it; Python's plain conversion does not reach the disk
within its timing, so "as each tool does it" is bounded by Python's time over
the floor, which the report prints.

  swift build -c release --product arbor
  python3 Benchmarks/pytorch_convert_bench.py --arbor .build/release/arbor [--megabytes 500] [--rounds 3]
"""
import argparse
import filecmp
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import OrderedDict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import MiB, direct_io_buffer, versions  # noqa: E402

PY_CONVERT = r"""
import json, os, resource, sys, time
t0 = time.perf_counter()
import torch
from safetensors.torch import save_file
t1 = time.perf_counter()
r1 = resource.getrusage(resource.RUSAGE_SELF)
durable = sys.argv[3] == "durable"
out = sys.argv[2] + ".tmp" if durable else sys.argv[2]
sd = torch.load(sys.argv[1], weights_only=True)
save_file({k: v.contiguous() for k, v in sd.items()}, out, metadata={"format": "pt"})
if durable:
    fd = os.open(out, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    os.replace(out, sys.argv[2])
    fd = os.open(os.path.dirname(sys.argv[2]) or ".", os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
t2 = time.perf_counter()
r2 = resource.getrusage(resource.RUSAGE_SELF)
cpu = (r2.ru_utime - r1.ru_utime) + (r2.ru_stime - r1.ru_stime)
print(json.dumps({"import_s": t1 - t0, "convert_s": t2 - t1, "convert_cpu_s": cpu,
                  "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def make_state_dict(megabytes):
    import torch
    torch.manual_seed(0)
    width, inter, vocab = 1024, 2816, 16384
    per_layer = 4 * width * width + 3 * width * inter + 2 * width
    fixed = 2 * vocab * width + width
    layers = max(1, round((megabytes * 1e6 / 4 - fixed) / per_layer))
    sd = OrderedDict()
    sd["model.embed_tokens.weight"] = torch.randn(vocab, width)
    for i in range(layers):
        p = f"model.layers.{i}."
        for name in ("q_proj", "k_proj", "v_proj", "o_proj"):
            sd[p + f"self_attn.{name}.weight"] = torch.randn(width, width)
        sd[p + "mlp.gate_proj.weight"] = torch.randn(inter, width)
        sd[p + "mlp.up_proj.weight"] = torch.randn(inter, width)
        sd[p + "mlp.down_proj.weight"] = torch.randn(width, inter)
        sd[p + "input_layernorm.weight"] = torch.ones(width)
        sd[p + "post_attention_layernorm.weight"] = torch.ones(width)
    sd["model.norm.weight"] = torch.ones(width)
    sd["lm_head.weight"] = torch.randn(vocab, width)
    return sd, layers


def timed(cmd):
    """Wall seconds, peak RSS of the child (bytes), its stdout and its CPU seconds (user + system)."""
    start = time.perf_counter()
    p = subprocess.run(["/usr/bin/env", "time", "-f", "%M %U %S"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed: {p.stderr[-800:]}")
    rss, user, system = p.stderr.strip().splitlines()[-1].split()
    return wall, int(rss) * 1024, p.stdout, float(user) + float(system)


def disk_floor(path, size):
    """Seconds to write `size` bytes durably with 8 MiB direct writes (the disk's limit)."""
    chunk = 8 << 20
    buffer = direct_io_buffer(chunk)
    start = time.perf_counter()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
    for offset in range(0, size - size % chunk, chunk):
        os.pwrite(fd, buffer, offset)
    os.close(fd)
    fd = os.open(path, os.O_WRONLY)
    os.pwrite(fd, bytes(size % chunk), size - size % chunk)
    os.fsync(fd)
    os.close(fd)
    seconds = time.perf_counter() - start
    os.unlink(path)
    return seconds


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--arbor", required=True, help="the arbor executable (a release build)")
    ap.add_argument("--megabytes", type=float, default=500)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--replace", action="store_true",
                    help="overwrite each side's previous output (arbor convert --force) instead of writing a new file")
    ap.add_argument("--json-out", help="also write the report here (Benchmarks/run_all.py reads it)")
    args = ap.parse_args()
    import torch

    with tempfile.TemporaryDirectory(prefix="arbor-bin-bench") as tmp:
        tmp = Path(tmp)
        sd, layers = make_state_dict(args.megabytes)
        src = tmp / "pytorch_model.bin"
        torch.save(sd, src)
        size = src.stat().st_size
        del sd
        out_py, out_ar = tmp / "python.safetensors", tmp / "arbor.safetensors"
        load_before = os.getloadavg()
        sides = ["python", "python_durable", "arbor", "floor"]
        results = {side: {"wall": [], "inside": [], "rss": [], "cpu": []} for side in sides}
        load_rounds = []

        out_size = None

        def run(side):
            if not args.replace:  # untimed: a new file, and nobody else's bytes still on their way to the disk
                for stale in {"arbor": [out_ar], "floor": [tmp / "floor.bin"]}.get(side, [out_py]):
                    stale.unlink(missing_ok=True)
                os.sync()
            if side == "floor":
                results[side]["wall"].append(disk_floor(tmp / "floor.bin", out_size))
                return
            if side == "arbor":
                wall, rss, _, cpu = timed([args.arbor, "convert", str(src), str(out_ar)] +
                                          (["--force"] if args.replace else []))
            else:
                mode = "durable" if side == "python_durable" else "plain"
                wall, rss, stdout, _ = timed([sys.executable, "-c", PY_CONVERT, str(src), str(out_py), mode])
                inside = json.loads(stdout)
                results[side]["inside"].append(inside["convert_s"])
                cpu = inside["convert_cpu_s"]
            results[side]["cpu"].append(cpu)
            results[side]["wall"].append(wall)
            results[side]["rss"].append(rss)

        # One warm-up of each (page cache, dynamic loading), then rounds that rotate the order.
        timed([sys.executable, "-c", PY_CONVERT, str(src), str(out_py), "plain"])
        timed([args.arbor, "convert", str(src), str(out_ar), "--force"])
        if not filecmp.cmp(out_py, out_ar, shallow=False):
            raise SystemExit("outputs differ")
        out_size = out_ar.stat().st_size
        for r in range(args.rounds):
            for side in sides[r % 4:] + sides[:r % 4]:
                run(side)
            load_rounds.append(os.getloadavg()[0])
        report = {
            "versions": versions(["torch", "safetensors"]),
            "file_bytes": size, "layers": layers, "rounds": args.rounds,
            "outputs": "replaced each round" if args.replace else "new file each round, os.sync() before each side",
            "loadavg_before": load_before, "loadavg_after": os.getloadavg(), "loadavg_1min_per_round": load_rounds,
            "cpus": os.cpu_count(),
        }
        report["floor_s"] = summary(results["floor"]["wall"])
        report["ratio_rounds"] = {
            "python_inside / arbor_wall": [p / b for p, b in zip(results["python"]["inside"], results["arbor"]["wall"])],
            "python_durable_inside / arbor_wall": [p / b for p, b in zip(results["python_durable"]["inside"],
                                                                         results["arbor"]["wall"])],
            "arbor_wall / floor": [b / f for b, f in zip(results["arbor"]["wall"], results["floor"]["wall"])],
            # The bound on "as each tool does it": a durable conversion takes at least the floor.
            "python_inside / floor": [p / f for p, f in zip(results["python"]["inside"], results["floor"]["wall"])]}
        for side in sides[:3]:
            report[side + "_wall_s"] = summary(results[side]["wall"])
            if results[side]["inside"]:
                report[side + "_inside_s"] = summary(results[side]["inside"])
            report[side + "_peak_rss_mib"] = max(results[side]["rss"]) / MiB
            # CPU seconds: Arbor's whole process, Python's conversion only (after the import).
            report[side + "_cpu_s"] = summary(results[side]["cpu"])
        arbor = report["arbor_wall_s"]["median"]
        report["ratio_as_each_tool_does_it"] = {
            "python_wall / arbor_wall": report["python_wall_s"]["median"] / arbor,
            "python_inside / arbor_wall": report["python_inside_s"]["median"] / arbor,
            "python_inside_cpu / arbor_cpu": report["python_cpu_s"]["median"] / report["arbor_cpu_s"]["median"]}
        report["ratio_same_durable_steps"] = {
            "python_durable_wall / arbor_wall": report["python_durable_wall_s"]["median"] / arbor,
            "python_durable_inside / arbor_wall": report["python_durable_inside_s"]["median"] / arbor,
            "python_durable_inside_cpu / arbor_cpu": report["python_durable_cpu_s"]["median"] / report["arbor_cpu_s"]["median"]}
        print(json.dumps(report, indent=2))
        if args.json_out:
            Path(args.json_out).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
