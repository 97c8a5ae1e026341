"""Helpers shared by the anchor benchmarks that run Arbor beside a Python library
(orbax_bench.py, transformers_load_bench.py): package versions, peak memory, the
`--arbor-cmd` JSON contract and number formatting."""
import json
import os
import platform
import resource
import subprocess
from importlib.metadata import version as dist_version
from pathlib import Path

MiB = 1 << 20


def versions(packages):
    """Python's version and each distribution's installed version (None when absent)."""
    out = {"python": platform.python_version()}
    for d in packages:
        try:
            out[d] = dist_version(d)
        except Exception:  # noqa: BLE001
            out[d] = None
    return out


def vm_hwm():
    """Peak resident set of this process in bytes (VmHWM), falling back to ru_maxrss."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def run_arbor(cmd, runs, cases):
    """Runs the Arbor side through the shell with ARBOR_BENCH_RUNS and
    ARBOR_BENCH_CASES (the `cases` strings joined by commas) and returns
    ({case name: figures}, None), or (None, why) when it failed or printed no
    JSON object with a "cases" list (its whole stdout or its last line starting
    with "{")."""
    env = dict(os.environ, ARBOR_BENCH_RUNS=str(runs), ARBOR_BENCH_CASES=",".join(cases))
    try:
        p = subprocess.run(cmd, shell=True, capture_output=True, text=True, env=env)
    except Exception as e:  # noqa: BLE001
        return None, f"could not run: {e}"
    if p.returncode != 0:
        return None, f"exit status {p.returncode}: {p.stderr.strip()[-500:]}"
    text = p.stdout.strip()
    for c in [text] + [ln for ln in reversed(text.splitlines()) if ln.strip().startswith("{")]:
        try:
            obj = json.loads(c)
        except Exception:  # noqa: BLE001
            continue
        if isinstance(obj, dict) and isinstance(obj.get("cases"), list):
            return {c["name"]: c for c in obj["cases"] if isinstance(c, dict) and "name" in c}, None
    return None, "no JSON object with a 'cases' list on stdout"


def fmt_s(x):
    """Seconds as ms below one second."""
    return "-" if x is None else (f"{x * 1000:.1f} ms" if x < 1 else f"{x:.2f} s")


def ratio(a, b):
    """a / b as "1.23x", or "-" when either is missing or zero."""
    return "-" if not a or not b else f"{a / b:.2f}x"


def direct_io_buffer(nbytes):
    """A writable buffer for O_DIRECT, filled with random bytes, as Arbor's `TransferBuffers`
    makes its own: private anonymous memory aligned to 2 MiB and advised to use huge pages.

    From 4 KiB pages a direct write reaches the device as many small requests, which on a
    virtual disk takes about twice as long, so a floor measured from them is no floor."""
    import ctypes
    import mmap
    huge = 2 << 20
    region = mmap.mmap(-1, nbytes + huge, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    offset = -ctypes.addressof(ctypes.c_char.from_buffer(region)) % huge
    if hasattr(mmap, "MADV_HUGEPAGE"):
        region.madvise(mmap.MADV_HUGEPAGE, offset, nbytes)
    view = memoryview(region)[offset:offset + nbytes]
    pattern = os.urandom(1 << 16)
    for start in range(0, nbytes, len(pattern)):
        view[start:start + len(pattern)] = pattern[:nbytes - start]
    return view
