#!/usr/bin/env python3
"""Generate Arbor's GPT-2 interop fixtures with torch + transformers.

A tiny GPT2LMHeadModel is built from a config (no download), seeded, put in
eval mode, and saved by `save_pretrained` three ways:

  single/   one model.safetensors (float32)
  sharded/  the same weights in 4 shards + model.safetensors.index.json
  bf16/     the model cast to bfloat16, one model.safetensors

Reference outputs (float32 unless noted) go to reference.safetensors and a
description of everything (config, ids, the exact keys in the files, greedy
continuations, versions) to reference.json.

Run from anywhere:  python3 Tests/Fixtures/gpt2/make_fixtures.py
Re-running gives the same bytes (single-threaded CPU, fixed seeds).
"""
import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ["TOKENIZERS_PARALLELISM"] = "false"

import hashlib
import json
import platform
import shutil
import sys
from pathlib import Path

import numpy as np
import safetensors
import torch
import transformers
from safetensors import safe_open
from safetensors.torch import save_file
from transformers import GPT2Config, GPT2LMHeadModel

HERE = Path(__file__).resolve().parent
SEED = 20240611
INPUT_IDS = [
    [5, 17, 42, 99, 3, 250, 128, 7],
    [200, 1, 64, 64, 13, 77, 255, 31],
]
PROMPT = [5, 17, 42]
MAX_NEW_TOKENS = 8
SHARD_SIZE = "150KB"


def versions():
    return {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "safetensors": safetensors.__version__,
        "numpy": np.__version__,
    }


def make_config():
    return GPT2Config(
        vocab_size=256,
        n_positions=64,
        n_embd=64,
        n_layer=2,
        n_head=4,
        activation_function="gelu_new",
        tie_word_embeddings=True,
        # Token ids inside the 256-token vocabulary (the GPT-2 default 50256 is
        # outside it and transformers warns about that).
        bos_token_id=255,
        eos_token_id=255,
    )


def build_model():
    torch.manual_seed(SEED)
    model = GPT2LMHeadModel(make_config())
    # transformers' init leaves every bias at 0 and every LayerNorm at
    # (weight 1, bias 0), which would let a loader that swaps or ignores them
    # pass. Perturb every parameter with seeded noise so each one matters, and
    # widen the weights so the logits are not all near zero.
    g = torch.Generator().manual_seed(SEED + 1)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or name.endswith("ln_f.weight"):
                p.copy_(1.0 + 0.1 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.05 * noise)
            else:
                p.add_(0.05 * noise)
    model.eval()
    return model


def file_entries(path):
    """Every tensor in a safetensors file as saved: name, dtype, shape, sha256 of the raw bytes."""
    out = []
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
        for k in f.keys():  # safe_open lists keys sorted
            t = f.get_tensor(k)
            raw = t.contiguous().reshape(-1).view(torch.uint8).numpy().tobytes()
            out.append(
                {
                    "name": k,
                    "dtype": {torch.float32: "F32", torch.bfloat16: "BF16", torch.float16: "F16"}[t.dtype],
                    "shape": list(t.shape),
                    "sha256": hashlib.sha256(raw).hexdigest(),
                }
            )
    return out, meta


def sha256_file(p):
    return hashlib.sha256(Path(p).read_bytes()).hexdigest()


def save(model, d):
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def forward_with_blocks(model, ids):
    """Logits plus the residual stream after the embeddings and after each block."""
    captured = []
    hooks = [blk.register_forward_hook(lambda m, i, o: captured.append(o[0] if isinstance(o, tuple) else o)) for blk in model.transformer.h]
    with torch.no_grad():
        out = model(input_ids=ids, output_hidden_states=True)
    for h in hooks:
        h.remove()
    hs = out.hidden_states
    hidden = [hs[0]] + captured  # hs[0] = wte[ids] + wpe[pos] (dropout off in eval)
    # transformers' hidden_states[-1] has ln_f applied; hs[1..n-1] equal the block outputs.
    for i in range(1, len(hs) - 1):
        assert torch.equal(hs[i], captured[i - 1])
    return out.logits, hidden, hs[-1]


def greedy(model, prompt):
    ids = torch.tensor([prompt], dtype=torch.long)
    with torch.no_grad():
        gen = model.generate(ids, do_sample=False, max_new_tokens=MAX_NEW_TOKENS, attention_mask=torch.ones_like(ids), pad_token_id=255)
        last = model(input_ids=ids).logits[0, -1]
    new = gen[0, len(prompt):].tolist()
    assert len(new) == MAX_NEW_TOKENS, f"generation stopped early: {new}"
    assert 255 not in new, "greedy continuation hit eos; pick another prompt"
    return new, last


def main():
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = build_model()
    cfg = model.config

    single = save(model, HERE / "single")
    model.save_pretrained(single)
    sharded = save(model, HERE / "sharded")
    model.save_pretrained(sharded, max_shard_size=SHARD_SIZE)
    shards = sorted(p.name for p in sharded.glob("*.safetensors"))
    assert 3 <= len(shards) <= 4, shards

    bf16_model = build_model().to(torch.bfloat16).eval()
    bf16 = save(bf16_model, HERE / "bf16")
    bf16_model.save_pretrained(bf16)

    # Reload each directory to prove it round-trips; use the f32 reload for references.
    ref32 = GPT2LMHeadModel.from_pretrained(single, dtype=torch.float32).eval()
    ref_sh = GPT2LMHeadModel.from_pretrained(sharded, dtype=torch.float32).eval()
    # bf16 weights, upcast to f32, computed in f32.
    ref16 = GPT2LMHeadModel.from_pretrained(bf16, dtype=torch.float32).eval()
    for (k, a), (k2, b) in zip(model.state_dict().items(), ref32.state_dict().items()):
        assert k == k2 and torch.equal(a, b), k
    for (k, a), (k2, b) in zip(model.state_dict().items(), ref_sh.state_dict().items()):
        assert k == k2 and torch.equal(a, b), k
    for (k, a), (k2, b) in zip(model.state_dict().items(), ref16.state_dict().items()):
        assert k == k2 and torch.equal(a.to(torch.bfloat16).float(), b), k
    assert ref32.lm_head.weight.data_ptr() == ref32.transformer.wte.weight.data_ptr()

    ids = torch.tensor(INPUT_IDS, dtype=torch.long)
    logits, hidden, ln_f_out = forward_with_blocks(ref32, ids)
    logits_bf16, hidden16, _ = forward_with_blocks(ref16, ids)
    # float16 weights (not saved as a directory; for exports with --dtype f16), computed in f32.
    ref_f16 = build_model().half().float().eval()
    with torch.no_grad():
        logits_f16 = ref_f16(input_ids=ids).logits
    with torch.no_grad():
        logits_sh = ref_sh(input_ids=ids).logits
    assert torch.equal(logits, logits_sh)

    gen32, last32 = greedy(ref32, PROMPT)
    gen16, last16 = greedy(ref16, PROMPT)

    tensors = {
        "input_ids": ids.contiguous(),
        "logits": logits.contiguous(),
        "logits_bf16": logits_bf16.contiguous(),
        "logits_f16": logits_f16.contiguous(),
        "ln_f_out": ln_f_out.contiguous(),
        "prompt_ids": torch.tensor(PROMPT, dtype=torch.long),
        "prompt_last_logits": last32.contiguous(),
        "prompt_last_logits_bf16": last16.contiguous(),
        "greedy_tokens": torch.tensor(gen32, dtype=torch.long),
        "greedy_tokens_bf16": torch.tensor(gen16, dtype=torch.long),
    }
    for i, h in enumerate(hidden):
        tensors[f"hidden_{i}"] = h.contiguous()
    save_file(tensors, str(HERE / "reference.safetensors"), metadata={"producer": "Arbor Tests/Fixtures/gpt2/make_fixtures.py"})

    # What is in the files, exactly.
    files = {}
    for sub in ["single", "sharded", "bf16"]:
        d = HERE / sub
        for p in sorted(d.glob("*.safetensors")):
            entries, meta = file_entries(p)
            files[f"{sub}/{p.name}"] = {"metadata": meta, "tensors": entries, "sha256": sha256_file(p), "bytes": p.stat().st_size}
    index = json.loads((sharded / "model.safetensors.index.json").read_text())

    in_memory = [{"name": k, "dtype": str(v.dtype).replace("torch.", ""), "shape": list(v.shape)} for k, v in model.state_dict().items()]
    saved_names = {e["name"] for e in files["single/model.safetensors"]["tensors"]}
    dropped = [e["name"] for e in in_memory if e["name"] not in saved_names]
    named_params = [n for n, _ in model.named_parameters()]  # deduplicated: shared tensors listed once
    named_buffers = [n for n, _ in model.named_buffers()]

    ref = {
        "producer": "Tests/Fixtures/gpt2/make_fixtures.py",
        "versions": versions(),
        "seed": SEED,
        "init": "GPT2LMHeadModel(config) under torch.manual_seed(seed), then every parameter perturbed with "
        "torch.randn from Generator(seed+1), in named_parameters() order: LayerNorm weights := 1 + 0.1*n, "
        "biases := 0.05*n, other weights += 0.05*n. eval() mode (dropout off).",
        "config": json.loads((single / "config.json").read_text()),
        "input_ids": INPUT_IDS,
        "prompt": PROMPT,
        "greedy": {
            "call": f"generate(prompt, do_sample=False, max_new_tokens={MAX_NEW_TOKENS})",
            "f32": {"new_tokens": gen32, "all_tokens": PROMPT + gen32},
            "bf16_weights_in_f32": {"new_tokens": gen16, "all_tokens": PROMPT + gen16},
            "note": "new tokens only, prompt excluded; eos (255) never appears so generation runs the full length",
        },
        "prompt_last_logits": {"f32": last32.tolist(), "bf16_weights_in_f32": last16.tolist()},
        "reference_safetensors": {
            k: {"dtype": {torch.float32: "F32", torch.int64: "I64"}[v.dtype], "shape": list(v.shape)} for k, v in tensors.items()
        },
        "reference_notes": {
            "logits": "f32 model (loaded from single/) on input_ids, shape [batch, seq, vocab]",
            "logits_bf16": "weights from bf16/ upcast to f32 (from_pretrained(dtype=float32)), computed in f32",
            "logits_f16": "the f32 weights rounded to float16 and back to f32, computed in f32 (no f16 directory is saved)",
            "hidden_0": "wte[input_ids] + wpe[positions] (the residual stream entering block 0)",
            "hidden_i (i>=1)": "output of block i-1 (before ln_f for the last block)",
            "ln_f_out": "ln_f(hidden_{n_layer}); this is what transformers returns as hidden_states[-1]",
            "prompt_last_logits": "logits at the last prompt position, f32 weights; _bf16: bf16 weights in f32",
            "greedy_tokens": "new token ids of the greedy continuation of prompt_ids",
            "attention": "no attention mask and no padding: plain causal attention over all positions",
        },
        "logits_summary": {
            "abs_max": float(logits.abs().max()),
            "std": float(logits.std()),
            "max_abs_diff_f32_vs_bf16_weights": float((logits - logits_bf16).abs().max()),
        },
        "state_dict_in_memory": in_memory,
        "named_parameters": named_params,
        "named_buffers": named_buffers,
        "tied": {
            "lm_head.weight": "transformer.wte.weight",
            "same_storage_in_memory": model.lm_head.weight.data_ptr() == model.transformer.wte.weight.data_ptr(),
            "model._tied_weights_keys": getattr(model, "_tied_weights_keys", None),
        },
        "dropped_by_save_pretrained": dropped,
        "keys_ignored_on_load_unexpected": sorted(getattr(model, "_keys_to_ignore_on_load_unexpected", None) or []),
        "buffers_note": "transformers 5 GPT2Attention registers no attn.bias / attn.masked_bias buffers (causal masking "
        "is computed), so the in-memory state dict has none; older files may still carry them and loaders ignore "
        "'attn.bias' as unexpected. The only key save_pretrained drops is the tied lm_head.weight.",
        "files": files,
        "sharded_index": index,
        "shard_size_arg": SHARD_SIZE,
        "weight_layout": "Conv1D weights (attn.c_attn, attn.c_proj, mlp.c_fc, mlp.c_proj) are [in, out]; wte [vocab, n_embd]; wpe [n_positions, n_embd]; lm_head = wte (y = h @ wte.T).",
    }
    (HERE / "reference.json").write_text(json.dumps(ref, indent=1, sort_keys=False) + "\n")
    print(f"shards: {shards}")
    print(f"dropped by save_pretrained: {dropped}")
    print(f"greedy f32: {gen32}  bf16: {gen16}")
    print(f"max |logits - logits_bf16| = {ref['logits_summary']['max_abs_diff_f32_vs_bf16_weights']:.4g}")


if __name__ == "__main__":
    sys.exit(main())
