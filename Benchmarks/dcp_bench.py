#!/usr/bin/env python3
"""Anchor benchmark: PyTorch Distributed Checkpoint (DCP) beside Arbor's sharded checkpoints.

Usage
-----
    swift build -c release --product arbor-bench
    python3 Benchmarks/dcp_bench.py [--ranks 2,4] [--rounds 5] [--tensors 16] [--rows 4096] [--columns 4096]
                                    [--arbor-bench .build/release/arbor-bench] [--tmpdir DIR] [--json-out FILE]

Workload: `tensors` float32 matrices [rows, columns] (default 16 x 4096 x 4096 = 1 GiB),
each row-sharded (FSDP, `Shard(0)` / spec `["fsdp", nil]`) over N processes, N in --ranks.
Every measurement launches N fresh processes on this machine:

* DCP: `torch.distributed` with the gloo backend, a 1-D CPU device mesh, every matrix a
  `DTensor` built from this rank's rows; `dcp.save(state_dict, checkpoint_id=dir)` (its
  default `FileSystemWriter`, which fsyncs), and `dcp.load` into a state dict of empty
  DTensors of the same layout.
* Arbor: `arbor-bench sharded-checkpoint-rank`: each rank's shards as a sharded `State`,
  `Checkpointer(processGroup:).save` (format 2: one file per process, fsync'ed, the
  primary commits `checkpoint.json` with every file's SHA-256) and
  `Checkpoint.state(_:into:options:)` into an abstract target with the same specs over an
  N-process mesh, with `copy: true` so every byte is read into process memory.
  The ranks meet through a `DirectoryProcessGroup` (files in a shared directory).

Save is timed inside each rank from a barrier to the end of the save call (for both
tools the save ends with a collective, so it is complete on every rank); load from a
barrier to a barrier after the load. A measurement's time is the slowest rank's. The
rounds alternate which tool goes first; each load reads the directory its tool has just
saved, after dropping that directory's pages from the page cache (posix_fadvise
DONTNEED on every file), so both loads read from the disk: Arbor's large saves bypass
the page cache (direct I/O), so a load straight after the save would favour DCP. Then
each tool loads again with every file of its directory read into the page cache first
("load, warm"): that measures the software alone, with the disk out of the way.

The disk's own limit is measured in the same rounds for the same layout ("floor"): N
fresh processes each write their share of the bytes with 8 MiB direct writes and an
fsync, starting together, then read them back cold with 8 MiB buffered reads (the
kernel's readahead is faster here than one direct read at a time). The floor's
time is from the common start to the last process's end. A save or cold load cannot
beat it by much (buffered reads get some readahead), so a ratio against DCP is bounded
by DCP's time over the floor; the report prints both. Peak memory is
each process's VmHWM minus its VmHWM just before the work (the runtime and imports),
reported per process as a multiple of its share of the bytes (1.0 = exactly its rows). Medians over rounds, with the min-max
spread and the load average.
"""
import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import MiB, direct_io_buffer, versions, vm_hwm  # noqa: E402


# ---------------------------------------------------------------- DCP worker (one rank)

def dcp_worker(a):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(a.port)
    import torch
    import torch.distributed as dist
    import torch.distributed.checkpoint as dcp
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import DTensor, Shard

    torch.set_num_threads(1)
    dist.init_process_group("gloo", rank=a.rank, world_size=a.ranks)
    mesh = init_device_mesh("cpu", (a.ranks,))
    step = (a.rows + a.ranks - 1) // a.ranks
    lo = min(a.rank * step, a.rows)
    hi = min(lo + step, a.rows)
    shape = torch.Size([a.rows, a.columns])

    def sharded(local):
        return DTensor.from_local(local, mesh, [Shard(0)], run_check=False, shape=shape,
                                  stride=(a.columns, 1))

    if a.role == "save":
        params = {}
        for i in range(a.tensors):
            local = torch.arange((hi - lo) * a.columns, dtype=torch.float32).remainder_(65521).add_(i * 131)
            params[f"layers.{i}.weight"] = sharded(local.view(hi - lo, a.columns))
        baseline = vm_hwm()
        dist.barrier()
        t0 = time.perf_counter()
        dcp.save({"params": params}, checkpoint_id=a.dir)
        seconds = time.perf_counter() - t0
    else:
        params = {f"layers.{i}.weight": sharded(torch.empty(hi - lo, a.columns)) for i in range(a.tensors)}
        baseline = vm_hwm()
        dist.barrier()
        t0 = time.perf_counter()
        dcp.load({"params": params}, checkpoint_id=a.dir)
        dist.barrier()
        seconds = time.perf_counter() - t0
    print(json.dumps({"rank": a.rank, "seconds": seconds, "peak_rss_bytes": vm_hwm(),
                      "baseline_rss_bytes": baseline, "share_bytes": a.tensors * (hi - lo) * a.columns * 4}))
    dist.destroy_process_group()


# ---------------------------------------------------------------- disk floor worker (one process)

def floor_worker(a):
    """Writes (role floor-write) this rank's share with 8 MiB direct writes and an fsync, or
    reads it back cold (floor-read) with 8 MiB buffered reads, starting at the wall-clock time
    --start; prints the time it finished."""
    chunk = 8 << 20
    step = (a.rows + a.ranks - 1) // a.ranks
    lo = min(a.rank * step, a.rows)
    share = a.tensors * (min(lo + step, a.rows) - lo) * a.columns * 4
    path = os.path.join(a.dir, f"rank-{a.rank}.bin")
    buffer = direct_io_buffer(chunk)
    while time.time() < a.start:
        time.sleep(0.001)
    if a.role == "floor-write":
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_DIRECT, 0o644)
        for offset in range(0, share - share % chunk, chunk):
            os.pwrite(fd, buffer, offset)
        os.close(fd)
        fd = os.open(path, os.O_WRONLY)   # the unaligned tail, then the fsync a save ends with
        os.pwrite(fd, bytes(share % chunk), share - share % chunk)
        os.fsync(fd)
    else:   # buffered, sequential: the kernel's readahead beats one direct read at a time
        fd = os.open(path, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_SEQUENTIAL)
        while os.readv(fd, [buffer]) > 0:
            pass
    os.close(fd)
    print(json.dumps({"rank": a.rank, "end": time.time()}))


# ---------------------------------------------------------------- driver

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(commands):
    """Starts one process per command, waits for all, returns their JSON reports."""
    procs = [subprocess.Popen(c, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for c in commands]
    reports = []
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(p.args[:3])}… exited {p.returncode}: {err.strip()[-800:]}")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    return reports


def evict(directory):
    """Drops the (clean, fsync'ed) pages of every file under `directory` from the page
    cache, so a load reads from the disk whatever the save left cached."""
    for root, _, names in os.walk(directory):
        for name in names:
            fd = os.open(os.path.join(root, name), os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)


def warm(directory):
    """Reads every file under `directory` once, so a load finds all its pages cached."""
    for root, _, names in os.walk(directory):
        for name in names:
            with open(os.path.join(root, name), "rb", buffering=0) as f:
                while f.read(16 << 20):
                    pass


def measure_floor(n, directory, a):
    """The disk's limit for this layout: seconds for N processes to write their shares
    durably with direct I/O, and to read them back cold."""
    os.makedirs(directory, exist_ok=True)
    common = ["--rows", str(a.rows), "--columns", str(a.columns), "--tensors", str(a.tensors), "--ranks", str(n),
              "--dir", directory]
    result = {}
    for role in ("floor-write", "floor-read"):
        if role == "floor-read":
            evict(directory)
        start = time.time() + 0.5   # every process has started (and filled its buffer) by then
        reports = launch([[sys.executable, __file__, "--worker", "--role", role, "--rank", str(r),
                           "--start", repr(start)] + common for r in range(n)])
        result[role] = max(r["end"] for r in reports) - start
    shutil.rmtree(directory, ignore_errors=True)
    return result


def measure(tool, role, n, directory, a, work):
    if role == "load":
        evict(directory)
    elif role == "load_warm":
        warm(directory)
        role = "load"
    common = ["--rows", str(a.rows), "--columns", str(a.columns), "--tensors", str(a.tensors)]
    if tool == "arbor":
        rendezvous = tempfile.mkdtemp(dir=work, prefix="rendezvous-")
        commands = [[a.arbor_bench, "sharded-checkpoint-rank", "--role", role, "--rank", str(r), "--ranks", str(n),
                     "--dir", directory, "--rendezvous", rendezvous] + common for r in range(n)]
    else:
        port = free_port()
        commands = [[sys.executable, __file__, "--worker", "--role", role, "--rank", str(r), "--ranks", str(n),
                     "--dir", directory, "--port", str(port)] + common for r in range(n)]
    reports = launch(commands)
    return {"seconds": max(r["seconds"] for r in reports),
            "memory_ratio": max((r["peak_rss_bytes"] - r["baseline_rss_bytes"]) / r["share_bytes"] for r in reports),
            "peak_rss_bytes": max(r["peak_rss_bytes"] for r in reports)}


def summary(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--role", default="save")
    p.add_argument("--rank", type=int, default=0)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--start", type=float, default=0)
    p.add_argument("--dir", default="")
    p.add_argument("--ranks", default="2,4")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--tensors", type=int, default=16)
    p.add_argument("--rows", type=int, default=4096)
    p.add_argument("--columns", type=int, default=4096)
    p.add_argument("--arbor-bench", default=".build/release/arbor-bench")
    p.add_argument("--tmpdir", default=None)
    p.add_argument("--json-out", default=None)
    a = p.parse_args()
    if a.worker:
        a.ranks = int(a.ranks)
        return floor_worker(a) if a.role.startswith("floor") else dcp_worker(a)

    work = tempfile.mkdtemp(dir=a.tmpdir, prefix="dcp-bench-")
    total = a.tensors * a.rows * a.columns * 4
    print(f"versions: {versions(['torch'])}; {a.tensors} x [{a.rows}, {a.columns}] float32 = {total / MiB:.0f} MiB, "
          f"row-sharded; {a.rounds} rounds; load average before: {os.getloadavg()[0]:.2f}")
    results = {}
    try:
        for n in [int(x) for x in a.ranks.split(",")]:
            roles = ("save", "load", "load_warm")
            samples = {(t, r): [] for t in ("dcp", "arbor") for r in roles}
            floors = {"floor-write": [], "floor-read": []}
            for round_index in range(a.rounds):
                order = ("arbor", "dcp") if round_index % 2 == 0 else ("dcp", "arbor")
                for tool in order:
                    directory = os.path.join(work, f"{tool}-{n}-{round_index}")
                    if tool == "arbor":
                        os.makedirs(work, exist_ok=True)
                    for role in roles:
                        samples[(tool, role)].append(measure(tool, role, n, directory, a, work))
                    shutil.rmtree(directory, ignore_errors=True)
                for role, seconds in measure_floor(n, os.path.join(work, f"floor-{n}-{round_index}"), a).items():
                    floors[role].append(seconds)
            results[n] = {f"{t}_{r}": {"seconds": summary([s["seconds"] for s in v]),
                                       "memory_ratio": summary([s["memory_ratio"] for s in v]),
                                       "ratios": [d["seconds"] / b["seconds"]
                                                  for d, b in zip(samples[("dcp", r)], samples[("arbor", r)])]}
                          for (t, r), v in samples.items()}
            res = results[n]
            res["floor_write"] = {"seconds": summary(floors["floor-write"])}
            res["floor_read"] = {"seconds": summary(floors["floor-read"])}
            print(f"\n{n} processes ({total / n / MiB:.0f} MiB each); load average now {os.getloadavg()[0]:.2f}")
            print(f"{'':14}{'DCP':>22}{'Arbor':>22}{'DCP / Arbor':>14}")
            for role in roles:
                d, b = res[f"dcp_{role}"]["seconds"], res[f"arbor_{role}"]["seconds"]
                r = res[f"dcp_{role}"]["ratios"]
                print(f"{role.replace('_', ' ') + ' time':14}{d['median']:>9.3f} s ({d['min']:.2f}-{d['max']:.2f})"
                      f"{b['median']:>9.3f} s ({b['min']:.2f}-{b['max']:.2f}){d['median'] / b['median']:>13.2f}x"
                      f"  (per round {min(r):.2f}-{max(r):.2f})")
            for role, label in (("floor_write", "save"), ("floor_read", "load")):
                f = res[role]["seconds"]
                print(f"{'disk floor':14}{label:>6} {f['median']:.3f} s ({f['min']:.2f}-{f['max']:.2f}): "
                      f"DCP {res[f'dcp_{label}']['seconds']['median'] / f['median']:.2f}x the floor, "
                      f"Arbor {res[f'arbor_{label}']['seconds']['median'] / f['median']:.2f}x")
            for role in roles:
                d, b = res[f"dcp_{role}"]["memory_ratio"], res[f"arbor_{role}"]["memory_ratio"]
                print(f"{role + ' peak/share':14}{d['median']:>20.2f}x{b['median']:>20.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if a.json_out:
        Path(a.json_out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
