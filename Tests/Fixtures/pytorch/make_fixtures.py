#!/usr/bin/env python3
"""Generate Arbor's PyTorch `.bin` fixtures with torch, safetensors and pickle.

  valid/<case>.pt              torch.save of a small state dict
  valid/<case>.safetensors     what the Python path writes for it:
                               save_file({k: v.contiguous().clone() for k, v in
                               torch.load(path, weights_only=True).items()},
                               metadata={"format": "pt"})
  sharded/                     config.json + two pytorch_model-0000i-of-00002.bin
                               + pytorch_model.bin.index.json (as save_pretrained
                               with safe_serialization=False lays them out)
  sharded.safetensors          the Python path for the merged shards
  legacy.pt                    _use_new_zipfile_serialization=False (refused)
  corrupt_crc.pt               a valid torch.save whose storage data/0 (the
                               first written, so the next is read ahead when
                               it fails) has one byte flipped after writing:
                               its CRC-32 no longer matches (refused by name)
  expanded_4tib.pt             one float expanded (stride 0) to 2^30 x 2^10: 4 TiB
                               gathered (refused: more than the machine's memory)
  expanded_huge.pt             one float expanded to 2^40 x 2^20 (refused: too
                               many elements to address)
  malicious/<case>.pt          pickles made with `pickle` itself (or by hand),
                               each inside a valid torch zip so it reaches the
                               pickle reader; loading any with torch.load
                               (weights_only=False) would run code or fail
  manifest.json                versions, and per malicious case what Arbor must
                               name (opcode, global)

Run from anywhere:  python3 Tests/Fixtures/pytorch/make_fixtures.py
Nothing here is ever unpickled; re-running gives the same bytes.
"""
import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""

import builtins
import io
import json
import pickle
import shutil
import subprocess
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import safetensors
import torch
from safetensors.torch import save_file

HERE = Path(__file__).resolve().parent
torch.manual_seed(20261201)


def python_path(source: Path, target: Path, tensors=None):
    """The reference conversion: load with torch (weights only), clone, save_file."""
    if tensors is None:
        tensors = torch.load(source, weights_only=True)
    save_file({k: v.contiguous().clone() for k, v in tensors.items()}, str(target), metadata={"format": "pt"})


def valid_cases():
    base = torch.randn(6, 8)
    shared = torch.randn(5, 4)
    cases = {
        "dtypes": OrderedDict(
            f32=torch.randn(3, 4),
            f16=torch.randn(2, 5).half(),
            bf16=torch.randn(7).bfloat16(),
            f64=torch.randn(2, 2, dtype=torch.float64),
            i64=torch.arange(-3, 9, dtype=torch.int64).reshape(3, 4),
            i32=torch.tensor([1, -2, 2**31 - 1], dtype=torch.int32),
            i16=torch.tensor([-5, 7], dtype=torch.int16),
            i8=torch.tensor([-128, 127, 0], dtype=torch.int8),
            u8=torch.tensor([0, 255, 17], dtype=torch.uint8),
            bool=torch.tensor([True, False, True]),
            scalar=torch.tensor(3.5),
            empty=torch.zeros(0, 3),
            # written by _rebuild_tensor_v3 with an UntypedStorage and a dtype global
            f8_e4m3=torch.randn(4).to(torch.float8_e4m3fn),
            f8_e5m2=torch.randn(4).to(torch.float8_e5m2),
            u16=torch.tensor([1, 65535], dtype=torch.uint16),
        ),
        "views": OrderedDict(
            transposed=base.t(),                 # non-contiguous
            offset=base[2:],                     # contiguous, storage offset 16
            stepped=base[1::2, ::3],             # offset and strides
            column=base[:, 5],                   # stride 8
            expanded=torch.randn(3, 1).expand(3, 4),  # stride 0
            tied=shared,                         # two names, one tensor
            tied_copy=shared,
            tied_tail=shared[1:],                # a view of the same storage
        ),
        "module": torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.BatchNorm1d(3), torch.nn.Linear(3, 2)).state_dict(),
        "parameters": OrderedDict(
            weight=torch.nn.Parameter(torch.randn(2, 3)),
            bias=torch.nn.Parameter(torch.randn(2), requires_grad=False),
        ),
    }
    return cases


def write_zip(path: Path, pickle_bytes: bytes, storages=None):
    """A torch-style zip (stored entries under archive/) around any pickle bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in [("archive/data.pkl", pickle_bytes), ("archive/byteorder", b"little")] + [
            (f"archive/data/{key}", data) for key, data in (storages or {}).items()
        ] + [("archive/version", b"3\n")]:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, data)


class RunsCommand:
    """What an attacker pickles: unpickling calls callable(*args)."""

    def __init__(self, callable_, args):
        self.callable_, self.args = callable_, args

    def __reduce__(self):
        return self.callable_, self.args


class UnknownPersistentId(pickle.Pickler):
    def persistent_id(self, obj):
        return ("module", "os.system") if isinstance(obj, RunsCommand) else None


def malicious_cases():
    """(name, pickle bytes, expected opcode, expected global or None)."""
    command = "touch PWNED"
    good = io.BytesIO()
    torch.save({"w": torch.ones(2)}, good)
    good_pickle = zipfile.ZipFile(good).read("archive/data.pkl")
    unknown = io.BytesIO()
    UnknownPersistentId(unknown, protocol=2).dump({"w": RunsCommand(print, ())})
    os_module = os.system.__module__  # "posix" on Linux and macOS
    return [
        ("os_system", pickle.dumps({"w": RunsCommand(os.system, (command,))}, protocol=2), "GLOBAL", f"{os_module}.system"),
        # fix_imports=False: protocol 2 would otherwise spell them __builtin__.eval and commands.Popen.
        ("builtins_eval", pickle.dumps(RunsCommand(builtins.eval, (f"__import__('os').system({command!r})",)),
                                       protocol=2, fix_imports=False), "GLOBAL", "builtins.eval"),
        ("subprocess_popen", pickle.dumps(RunsCommand(subprocess.Popen, (command.split(),)), protocol=2,
                                          fix_imports=False), "GLOBAL", "subprocess.Popen"),
        ("stack_global_exec", pickle.dumps(RunsCommand(builtins.exec, ("open('PWNED','w')",)), protocol=4),
         "STACK_GLOBAL", "builtins.exec"),
        # INST: protocol 0's "call module.name with the marked arguments".
        ("inst", b"\x80\x02(X\x0b\x00\x00\x00touch PWNEDios\nsystem\n.", "INST", None),
        ("newobj", b"\x80\x02})\x81.", "NEWOBJ", None),
        ("unknown_persistent_id", unknown.getvalue(), "BINPERSID", None),
        # A whole module object, as torch.save(model) writes it.
        ("whole_module", b"\x80\x02ctorch.nn.modules.linear\nLinear\nq\x00)\x81q\x01.", "GLOBAL",
         "torch.nn.modules.linear.Linear"),
        ("reduce_non_callable", b"\x80\x02X\x01\x00\x00\x00x)R.", "REDUCE", None),
        ("deep_lists", b"\x80\x02" + b"]" * 100_000 + b"a" * 99_999 + b".", "APPEND", None),
        ("deep_tuples", b"\x80\x02)" + b"\x85" * 100_000 + b".", "TUPLE1", None),
        ("huge_memo_index", b"\x80\x02}r\xff\xff\xff\xffj\xfe\xff\xff\xff.", "LONG_BINGET", None),
        ("truncated", good_pickle[: len(good_pickle) // 2], None, None),
    ]


def make_corrupt_crc(path: Path):
    """A torch.save archive with one byte of storage data/0 flipped (the CRC-32 in the archive is left as it was)."""
    import zipfile
    torch.save(OrderedDict(a=torch.arange(4, dtype=torch.float32), b=torch.arange(6, dtype=torch.float32)), path)
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = next(i for i in archive.infolist() if i.filename.endswith("/data/0"))
    # The data starts after the 30-byte local header, its name and its extra field.
    name_length = int.from_bytes(data[info.header_offset + 26:info.header_offset + 28], "little")
    extra_length = int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
    start = info.header_offset + 30 + name_length + extra_length
    data[start + 5] ^= 0x40
    path.write_bytes(bytes(data))


def main():
    for folder in ("valid", "sharded", "malicious"):
        shutil.rmtree(HERE / folder, ignore_errors=True)
        (HERE / folder).mkdir()
    for name, tensors in valid_cases().items():
        path = HERE / "valid" / f"{name}.pt"
        torch.save(tensors, path)
        python_path(path, HERE / "valid" / f"{name}.safetensors")

    # A sharded checkpoint as save_pretrained(safe_serialization=False) lays it out.
    layers = OrderedDict()
    for index in range(3):
        layers[f"model.layers.{index}.weight"] = torch.randn(8, 8)
        layers[f"model.layers.{index}.bias"] = torch.randn(8)
    names = list(layers)
    shards = [OrderedDict((k, layers[k]) for k in names[:3]), OrderedDict((k, layers[k]) for k in names[3:])]
    weight_map = {}
    for number, shard in enumerate(shards, start=1):
        file = f"pytorch_model-{number:05d}-of-{len(shards):05d}.bin"
        torch.save(shard, HERE / "sharded" / file)
        weight_map.update({k: file for k in shard})
    total = sum(t.numel() * t.element_size() for t in layers.values())
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (HERE / "sharded" / "pytorch_model.bin.index.json").write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    (HERE / "sharded" / "config.json").write_text(json.dumps({"model_type": "toy", "hidden_size": 8}, indent=2) + "\n")
    merged = {}
    for file in sorted(set(weight_map.values())):
        merged.update(torch.load(HERE / "sharded" / file, weights_only=True))
    python_path(None, HERE / "sharded.safetensors", merged)

    torch.save(OrderedDict(w=torch.ones(2)), HERE / "legacy.pt", _use_new_zipfile_serialization=False)
    make_corrupt_crc(HERE / "corrupt_crc.pt")
    # A few hundred bytes asking for terabytes: one stored float, viewed with stride 0.
    torch.save(OrderedDict(w=torch.ones(1).expand(2**30, 2**10)), HERE / "expanded_4tib.pt")
    torch.save(OrderedDict(w=torch.ones(1).expand(2**40, 2**20)), HERE / "expanded_huge.pt")

    manifest = {"versions": {"python": sys.version.split()[0], "torch": torch.__version__.split("+")[0],
                             "safetensors": safetensors.__version__}, "malicious": {}}
    for name, data, opcode, global_name in malicious_cases():
        write_zip(HERE / "malicious" / f"{name}.pt", data, {"0": b"\0" * 8})
        manifest["malicious"][name] = {"opcode": opcode, "global": global_name}
    (HERE / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
