#!/usr/bin/env python3
"""Check a BERT directory written by Arbor's exporter against transformers.

    python3 Tests/Fixtures/bert/check_export.py EXPORT_DIR [--tol 1e-4]

Loads EXPORT_DIR with `BertModel.from_pretrained(..., output_loading_info=True)`
in float32, reports missing / unexpected / mismatched keys, compares the file
tensor names with the fixture's single/model.safetensors, and compares
last_hidden_state and pooler_output on the fixture's padded batch with
reference.safetensors (the _bf16 references when the files are bfloat16).

Exit status: 0 when everything matches, 1 otherwise, 2 when the directory
cannot be loaded.
"""
import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import argparse
import sys
from pathlib import Path

import torch
import transformers
from safetensors import safe_open
from safetensors.torch import load_file

HERE = Path(__file__).resolve().parent


def file_tensors(d):
    out = {}
    for p in sorted(Path(d).glob("*.safetensors")):
        with safe_open(str(p), framework="pt") as f:
            for k in f.keys():
                out[k] = str(f.get_slice(k).get_dtype())
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("export_dir")
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    ref = load_file(str(HERE / "reference.safetensors"))
    d = Path(args.export_dir)
    have, want = file_tensors(d), set(file_tensors(HERE / "single"))
    extra, absent = sorted(set(have) - want), sorted(want - set(have))
    print(f"directory: {d}; files: {sorted(p.name for p in d.iterdir())}")
    print(f"file tensors: {len(have)}; not in the fixture: {extra or 'none'}; fixture names absent: {absent or 'none'}")
    ok = not extra and not absent
    suffix = "_bf16" if set(have.values()) == {"BF16"} else ""
    try:
        model, info = transformers.BertModel.from_pretrained(d, dtype=torch.float32, output_loading_info=True)
    except Exception as e:  # noqa: BLE001
        print(f"FAIL: from_pretrained raised {type(e).__name__}: {e}")
        return 2
    model.eval()
    for kind in ["missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"]:
        items = sorted(map(str, info.get(kind, []) or []))
        print(f"{kind}: {items if items else 'none'}")
        ok = ok and not items
    with torch.no_grad():
        out = model(input_ids=ref["input_ids"], token_type_ids=ref["token_type_ids"],
                    attention_mask=ref["attention_mask"])
    for name, value in [("last_hidden_state", out.last_hidden_state), ("pooler_output", out.pooler_output)]:
        diff = float((value - ref[name + suffix]).abs().max())
        print(f"max |{name} - reference.{name}{suffix}| = {diff:.3e} (tol {args.tol:g})")
        ok = ok and diff <= args.tol
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
