#!/usr/bin/env python3
"""Check a Llama-family directory written by Arbor's exporter against transformers.

    python3 Tests/Fixtures/llama/check_export.py EXPORT_DIR [--family llama|qwen2] [--tol 1e-4]

Loads EXPORT_DIR with `LlamaForCausalLM` / `Qwen2ForCausalLM.from_pretrained(...,
output_loading_info=True)` in float32 (the family from config.json's model_type
unless given), reports missing / unexpected / mismatched keys, compares the file
tensor names with the fixture's single/model.safetensors, runs the fixture's
input_ids and compares the logits with <family>/reference.safetensors
(logits, logits_bf16 or logits_f16 from the files' dtype), then the greedy
continuation of the fixture prompt.

Exit status: 0 when everything matches, 1 otherwise, 2 when the directory
cannot be loaded.
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
from safetensors.torch import load_file

FIXTURES = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(FIXTURES))
from hf_fixtures import check_names, load_checked  # noqa: E402

CLASSES = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM"}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("export_dir")
    ap.add_argument("--family", choices=sorted(CLASSES))
    ap.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    d = Path(args.export_dir)
    family = args.family or json.loads((d / "config.json").read_text()).get("model_type")
    if family not in CLASSES:
        print(f"FAIL: model_type {family!r} is not one of {sorted(CLASSES)}")
        return 2
    here = FIXTURES / family
    ref = load_file(str(here / "reference.safetensors"))
    print(f"family: {family}")
    ok, dtypes = check_names(d, here / "single")
    which = {frozenset({"BF16"}): "logits_bf16", frozenset({"F16"}): "logits_f16"}.get(frozenset(dtypes), "logits")
    model, loaded = load_checked(getattr(transformers, CLASSES[family]), d)
    if model is None:
        return 2
    ok = ok and loaded
    tied = model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    print(f"lm_head tied to embed_tokens: {tied} (config says {model.config.tie_word_embeddings})")
    ok = ok and tied == bool(model.config.tie_word_embeddings)
    with torch.no_grad():
        logits = model(input_ids=ref["input_ids"]).logits
    diff = float((logits - ref[which]).abs().max())
    print(f"max |logits - reference.{which}| = {diff:.3e} (tol {args.tol:g})")
    ok = ok and diff <= args.tol
    prompt = ref["prompt_ids"].view(1, -1)
    with torch.no_grad():
        gen = model.generate(prompt, do_sample=False, max_new_tokens=ref["greedy_tokens"].numel(),
                             attention_mask=torch.ones_like(prompt), pad_token_id=255)
    new = gen[0, prompt.shape[1]:].tolist()
    want_tokens = ref["greedy_tokens" + ("_bf16" if which == "logits_bf16" else "")].tolist()
    print(f"greedy {new} (reference {want_tokens}) {'ok' if new == want_tokens else 'DIFFERENT'}")
    ok = ok and new == want_tokens
    print("OK" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
