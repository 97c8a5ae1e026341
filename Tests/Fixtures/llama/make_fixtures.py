#!/usr/bin/env python3
"""Generate Arbor's Llama-family interop fixtures with torch + transformers.

Two tiny decoders are built from configs (no download), seeded, put in eval
mode and saved by `save_pretrained`:

  llama/  LlamaForCausalLM: grouped-query attention (4 query heads, 2 key/value
          heads), untied lm_head, rope_theta 1000
  qwen2/  Qwen2ForCausalLM: q/k/v biases, lm_head tied to embed_tokens,
          rope_theta 1000000

each three ways: single/ (one model.safetensors, float32), sharded/ (the same
weights in several shards + model.safetensors.index.json) and bf16/ (the model
cast to bfloat16). Reference outputs go to <family>/reference.safetensors and a
description (config, ids, greedy continuations, versions) to reference.json.

Also bin/ (config.json + pytorch_model.bin: torch.save of single/'s tensors,
no safetensors, for loading .bin-only directories) and padded.safetensors
(a padded batch: PADDED_IDS with PADDED_MASK, left- and right-padded rows,
and transformers' logits for it).

Run from anywhere:  python3 Tests/Fixtures/llama/make_fixtures.py [llama|qwen2 ...]
Re-running gives the same bytes (single-threaded CPU, fixed seeds).
"""
import os

os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import json
import sys
from pathlib import Path

import safetensors
import torch
import transformers
from safetensors.torch import save_file
from transformers import LlamaConfig, LlamaForCausalLM, Qwen2Config, Qwen2ForCausalLM

FIXTURES = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(FIXTURES))
from hf_fixtures import fresh, perturb, versions  # noqa: E402
SEED = 20261201
INPUT_IDS = [
    [5, 17, 42, 99, 3, 250, 128, 7],
    [200, 1, 64, 64, 13, 77, 254, 31],
]
PROMPT = [5, 17, 42]
MAX_NEW_TOKENS = 8
SHARD_SIZE = "40KB"
EOS = 255
PADDED_IDS = [
    [EOS, EOS, EOS, 5, 17, 42, 99, 3],   # left-padded
    [200, 1, 64, 64, 13, EOS, EOS, EOS],  # right-padded
    [9, 8, 7, 6, 5, 4, 3, 2],             # no padding
]
PADDED_MASK = [[0, 0, 0, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0], [1] * 8]

SIZES = dict(vocab_size=256, hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
             max_position_embeddings=64, rms_norm_eps=1e-6, bos_token_id=EOS, eos_token_id=EOS)

FAMILIES = {
    "llama": (LlamaForCausalLM, lambda: LlamaConfig(**SIZES, num_key_value_heads=2, tie_word_embeddings=False,
                                                    rope_parameters={"rope_type": "default", "rope_theta": 1000.0})),
    "qwen2": (Qwen2ForCausalLM, lambda: Qwen2Config(**SIZES, num_key_value_heads=4, tie_word_embeddings=True,
                                                     rope_parameters={"rope_type": "default", "rope_theta": 1000000.0})),
}


def build_model(family):
    cls, make_config = FAMILIES[family]
    torch.manual_seed(SEED)
    return perturb(cls(make_config()), SEED + 1, lambda name: name.endswith("norm.weight"), 0.15)


def greedy(model, prompt):
    ids = torch.tensor([prompt], dtype=torch.long)
    with torch.no_grad():
        gen = model.generate(ids, do_sample=False, max_new_tokens=MAX_NEW_TOKENS, attention_mask=torch.ones_like(ids),
                             pad_token_id=EOS)
        last = model(input_ids=ids).logits[0, -1]
    new = gen[0, len(prompt):].tolist()
    assert len(new) == MAX_NEW_TOKENS and EOS not in new, f"generation stopped early or hit eos: {new}"
    return new, last


def make(family):
    cls, _ = FAMILIES[family]
    here = FIXTURES / family
    here.mkdir(exist_ok=True)
    model = build_model(family)
    model.save_pretrained(fresh(here / "single"))
    model.save_pretrained(fresh(here / "sharded"), max_shard_size=SHARD_SIZE)
    shards = sorted(p.name for p in (here / "sharded").glob("*.safetensors"))
    assert len(shards) >= 3, shards
    build_model(family).to(torch.bfloat16).save_pretrained(fresh(here / "bf16"))

    ref32 = cls.from_pretrained(here / "single", dtype=torch.float32).eval()
    ref_sh = cls.from_pretrained(here / "sharded", dtype=torch.float32).eval()
    ref16 = cls.from_pretrained(here / "bf16", dtype=torch.float32).eval()
    # Round the parameters only: .half() on the module would round the rotary
    # inv_freq buffer too, which no f16 checkpoint stores.
    ref_f16 = build_model(family)
    ref_f16.load_state_dict({k: v.half().float() for k, v in ref_f16.state_dict().items()})
    ids = torch.tensor(INPUT_IDS, dtype=torch.long)
    with torch.no_grad():
        logits = ref32(input_ids=ids).logits
        assert torch.equal(logits, ref_sh(input_ids=ids).logits)
        logits_bf16 = ref16(input_ids=ids).logits
        logits_f16 = ref_f16(input_ids=ids).logits
    gen32, last32 = greedy(ref32, PROMPT)
    gen16, last16 = greedy(ref16, PROMPT)
    tensors = {
        "input_ids": ids,
        "logits": logits,
        "logits_bf16": logits_bf16,
        "logits_f16": logits_f16,
        "prompt_ids": torch.tensor(PROMPT, dtype=torch.long),
        "prompt_last_logits": last32,
        "prompt_last_logits_bf16": last16,
        "greedy_tokens": torch.tensor(gen32, dtype=torch.long),
        "greedy_tokens_bf16": torch.tensor(gen16, dtype=torch.long),
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(here / "reference.safetensors"),
              metadata={"producer": f"Arbor Tests/Fixtures/llama/make_fixtures.py {family}"})
    saved = sorted(safetensors.safe_open(str(here / "single" / "model.safetensors"), framework="pt").keys())
    ref = {
        "producer": f"Tests/Fixtures/llama/make_fixtures.py {family}",
        "versions": versions(),
        "class": cls.__name__,
        "seed": SEED,
        "init": "from_config under torch.manual_seed(seed), then every parameter perturbed with torch.randn from "
                "Generator(seed+1) in named_parameters() order: norm weights := 1 + 0.1*n, biases := 0.05*n, "
                "other weights += 0.15*n. eval() mode.",
        "config": json.loads((here / "single" / "config.json").read_text()),
        "input_ids": INPUT_IDS,
        "prompt": PROMPT,
        "greedy": {"f32": gen32, "bf16_weights_in_f32": gen16,
                   "call": f"generate(prompt, do_sample=False, max_new_tokens={MAX_NEW_TOKENS})"},
        "saved_keys": saved,
        "shards": shards,
        "shard_size_arg": SHARD_SIZE,
        "reference_notes": {
            "logits": "f32 model loaded from single/, [batch, seq, vocab], no attention mask (plain causal)",
            "logits_bf16": "weights from bf16/ upcast to f32, computed in f32",
            "logits_f16": "the f32 weights rounded to float16 and back, computed in f32 (no f16 directory is saved)",
            "greedy_tokens": "new token ids of the greedy continuation of prompt_ids",
        },
        "max_abs_diff_f32_vs_bf16_weights": float((logits - logits_bf16).abs().max()),
    }
    (here / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    make_bin(here)
    make_padded(here, ref32)
    print(f"{family}: shards {shards}; greedy f32 {gen32} bf16 {gen16}; saved {len(saved)} tensors")


def make_bin(here):
    """bin/: single/'s config and tensors, the weights as torch.save writes them."""
    import shutil
    from safetensors.torch import load_file
    out = fresh(here / "bin")
    for name in ("config.json", "generation_config.json"):
        shutil.copy(here / "single" / name, out / name)
    torch.save(load_file(str(here / "single" / "model.safetensors")), out / "pytorch_model.bin")


def make_padded(here, model):
    """padded.safetensors: a padded batch and transformers' logits for it (with the attention mask)."""
    ids = torch.tensor(PADDED_IDS, dtype=torch.long)
    mask = torch.tensor(PADDED_MASK, dtype=torch.long)
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=mask).logits
    save_file({"input_ids": ids, "attention_mask": mask, "logits": logits.contiguous()}, str(here / "padded.safetensors"),
              metadata={"producer": f"Arbor Tests/Fixtures/llama/make_fixtures.py {here.name}",
                        "note": "logits at padded positions are not meaningful; compare where attention_mask is 1"})


def main():
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    for family in sys.argv[1:] or list(FAMILIES):
        make(family)


if __name__ == "__main__":
    sys.exit(main())
