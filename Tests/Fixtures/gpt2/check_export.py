#!/usr/bin/env python3
"""Check a GPT-2 directory written by Arbor's exporter against transformers.

    python3 Tests/Fixtures/gpt2/check_export.py EXPORT_DIR [--reference logits|logits_bf16|logits_f16]
                                                [--tol 1e-4] [--allow-extra-file-keys]

Loads EXPORT_DIR with `GPT2LMHeadModel.from_pretrained(..., output_loading_info=True)`
in float32, reports missing / unexpected / mismatched keys, runs the fixture's
`input_ids` (from reference.safetensors next to this script) and prints the max
absolute difference of the logits against the reference, then the greedy
continuation of the fixture prompt against the reference tokens.

Which reference: `logits` for float32 weights, `logits_bf16` when the weights
in the directory are bfloat16, `logits_f16` when float16 (detected from the
files unless --reference is given).

transformers silently ignores some extra keys (a tied `lm_head.weight`,
`attn.bias` buffers), so the script also compares the tensor names in the
files (and the index's weight_map, when sharded) with the fixture's
`single/model.safetensors`: a name the fixture does not have fails the check
unless --allow-extra-file-keys is given.

Exit status: 0 when no key is missing, unexpected or mis-shaped, the file
names match, the max abs difference is <= tol (default 1e-4) and the greedy
tokens match; 1 otherwise; 2 when the directory cannot be loaded at all.
"""
import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import argparse
import json
import sys
from pathlib import Path

import torch
import transformers
from safetensors import safe_open
from safetensors.torch import load_file

HERE = Path(__file__).resolve().parent


def file_tensors(d):
    """name -> (dtype, file) over every *.safetensors file in d."""
    out = {}
    for p in sorted(Path(d).glob("*.safetensors")):
        with safe_open(str(p), framework="pt") as f:
            for k in f.keys():
                out[k] = (str(f.get_slice(k).get_dtype()), p.name)
    return out


def check_files(d, allow_extra):
    ok = True
    have = file_tensors(d)
    want = set(file_tensors(HERE / "single"))
    extra, missing = sorted(set(have) - want), sorted(want - set(have))
    print(f"file tensors: {len(have)}; not in the fixture: {extra or 'none'}; fixture names absent: {missing or 'none'}")
    if extra and not allow_extra:
        ok = False
    if missing:
        ok = False
    idx = Path(d) / "model.safetensors.index.json"
    if idx.exists():
        wm = json.loads(idx.read_text()).get("weight_map", {})
        bad = sorted(k for k in set(wm) | set(have) if wm.get(k) != have.get(k, (None, None))[1])
        print(f"index weight_map: {len(wm)} entries; disagreeing with the files: {bad or 'none'}")
        if bad:
            ok = False
    elif len(list(Path(d).glob("*.safetensors"))) > 1:
        print("FAIL: several safetensors files but no model.safetensors.index.json")
        ok = False
    return ok, {v[0] for v in have.values()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("export_dir")
    ap.add_argument("--reference", choices=["logits", "logits_bf16", "logits_f16"], default=None)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--allow-extra-file-keys", action="store_true")
    args = ap.parse_args()

    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    ref = load_file(str(HERE / "reference.safetensors"))
    d = Path(args.export_dir)
    print(f"directory: {d}")
    print(f"files: {sorted(p.name for p in d.iterdir())}")
    files_ok, dts = check_files(d, args.allow_extra_file_keys)
    which = args.reference or {frozenset({"BF16"}): "logits_bf16", frozenset({"F16"}): "logits_f16"}.get(frozenset(dts), "logits")
    print(f"weight dtypes in files: {sorted(dts)}; comparing against reference '{which}'")

    try:
        model, info = transformers.GPT2LMHeadModel.from_pretrained(d, dtype=torch.float32, output_loading_info=True)
    except Exception as e:  # noqa: BLE001
        print(f"FAIL: from_pretrained raised {type(e).__name__}: {e}")
        return 2
    model.eval()
    ok = files_ok
    for kind in ["missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"]:
        items = sorted(map(str, info.get(kind, []) or []))
        print(f"{kind}: {items if items else 'none'}")
        if items:
            ok = False
    if model.lm_head.weight.data_ptr() != model.transformer.wte.weight.data_ptr():
        print("FAIL: lm_head.weight is not tied to transformer.wte.weight")
        ok = False

    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"]).logits
    diff = float((logits - ref[which]).abs().max())
    print(f"max |logits - reference.{which}| = {diff:.3e} (tol {args.tol:g})")
    if not diff <= args.tol:
        ok = False

    prompt = ref["prompt_ids"].view(1, -1)
    with torch.no_grad():
        gen = model.generate(prompt, do_sample=False, max_new_tokens=ref["greedy_tokens"].numel(),
                             attention_mask=torch.ones_like(prompt), pad_token_id=255)
    new = gen[0, prompt.shape[1]:].tolist()
    want = ref["greedy_tokens" + ("_bf16" if which == "logits_bf16" else "")].tolist()
    print(f"greedy {new} (reference {want}) {'ok' if new == want else 'DIFFERENT'}")
    if new != want:
        ok = False

    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
