#!/usr/bin/env python3
"""Generate Arbor's BERT interop fixtures with torch + transformers.

A tiny BertModel (exact-erf "gelu", 2 layers, width 32, 2 token types, with a
pooler) is built from a config (no download), seeded, put in eval mode, and
saved by `save_pretrained`:

  single/   one model.safetensors (float32)
  sharded/  the same weights in several shards + model.safetensors.index.json
  bf16/     the model cast to bfloat16
  task/     BertForSequenceClassification holding the same encoder: every
            encoder name carries the `bert.` prefix, plus a `classifier` head

Reference outputs go to reference.safetensors, a description to reference.json.

Run from anywhere:  python3 Tests/Fixtures/bert/make_fixtures.py
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
from transformers import BertConfig, BertForSequenceClassification, BertModel

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from hf_fixtures import fresh, perturb, versions  # noqa: E402
SEED = 20261202
INPUT_IDS = [
    [2, 17, 42, 99, 3, 250, 128, 3],
    [2, 1, 64, 64, 3, 0, 0, 0],
]
TOKEN_TYPE_IDS = [
    [0, 0, 0, 0, 0, 1, 1, 1],
    [0, 0, 0, 1, 1, 0, 0, 0],
]
ATTENTION_MASK = [
    [1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 0, 0, 0],
]
SHARD_SIZE = "40KB"


def make_config():
    return BertConfig(vocab_size=256, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                      intermediate_size=64, max_position_embeddings=64, type_vocab_size=2, hidden_act="gelu",
                      layer_norm_eps=1e-12, pad_token_id=0, num_labels=3)


def build_model():
    torch.manual_seed(SEED)
    return perturb(BertModel(make_config()), SEED + 1, lambda name: "LayerNorm.weight" in name, 0.1)


def main():
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    model = build_model()
    model.save_pretrained(fresh(HERE / "single"))
    model.save_pretrained(fresh(HERE / "sharded"), max_shard_size=SHARD_SIZE)
    shards = sorted(p.name for p in (HERE / "sharded").glob("*.safetensors"))
    assert len(shards) >= 3, shards
    build_model().to(torch.bfloat16).save_pretrained(fresh(HERE / "bf16"))
    torch.manual_seed(SEED + 2)
    task = BertForSequenceClassification(make_config()).eval()
    task.bert.load_state_dict(model.state_dict())
    task.save_pretrained(fresh(HERE / "task"))

    ref32 = BertModel.from_pretrained(HERE / "single", dtype=torch.float32).eval()
    ref_sh = BertModel.from_pretrained(HERE / "sharded", dtype=torch.float32).eval()
    ref16 = BertModel.from_pretrained(HERE / "bf16", dtype=torch.float32).eval()
    ids = torch.tensor(INPUT_IDS)
    types = torch.tensor(TOKEN_TYPE_IDS)
    mask = torch.tensor(ATTENTION_MASK)
    with torch.no_grad():
        out = ref32(input_ids=ids, token_type_ids=types, attention_mask=mask)
        out_sh = ref_sh(input_ids=ids, token_type_ids=types, attention_mask=mask)
        assert torch.equal(out.last_hidden_state, out_sh.last_hidden_state)
        out16 = ref16(input_ids=ids, token_type_ids=types, attention_mask=mask)
        plain = ref32(input_ids=ids)  # no mask, token types all 0
    tensors = {
        "input_ids": ids,
        "token_type_ids": types,
        "attention_mask": mask,
        "last_hidden_state": out.last_hidden_state,
        "pooler_output": out.pooler_output,
        "last_hidden_state_bf16": out16.last_hidden_state,
        "pooler_output_bf16": out16.pooler_output,
        "last_hidden_state_plain": plain.last_hidden_state,
        "pooler_output_plain": plain.pooler_output,
    }
    save_file({k: v.contiguous() for k, v in tensors.items()}, str(HERE / "reference.safetensors"),
              metadata={"producer": "Arbor Tests/Fixtures/bert/make_fixtures.py"})
    ref = {
        "producer": "Tests/Fixtures/bert/make_fixtures.py",
        "versions": versions(),
        "seed": SEED,
        "config": json.loads((HERE / "single" / "config.json").read_text()),
        "input_ids": INPUT_IDS,
        "token_type_ids": TOKEN_TYPE_IDS,
        "attention_mask": ATTENTION_MASK,
        "shards": shards,
        "task_keys": sorted(safetensors.safe_open(str(HERE / "task" / "model.safetensors"), framework="pt").keys()),
        "reference_notes": {
            "last_hidden_state / pooler_output": "f32 model from single/ with token_type_ids and attention_mask "
                                                 "(row 2 padded after 5 tokens)",
            "_bf16": "weights from bf16/ upcast to f32, same inputs",
            "_plain": "input_ids only: token types 0, no mask",
        },
    }
    (HERE / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    print(f"shards {shards}; task keys not under bert.: "
          f"{[k for k in ref['task_keys'] if not k.startswith('bert.')]}")


if __name__ == "__main__":
    sys.exit(main())
