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
from safetensors.torch import load_file

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from hf_fixtures import check_names, load_checked  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("export_dir")
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    ref = load_file(str(HERE / "reference.safetensors"))
    d = Path(args.export_dir)
    ok, dtypes = check_names(d, HERE / "single")
    suffix = "_bf16" if dtypes == {"BF16"} else ""
    model, loaded = load_checked(transformers.BertModel, d)
    if model is None:
        return 2
    ok = ok and loaded
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
