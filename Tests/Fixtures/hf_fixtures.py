"""Helpers the Llama-family and BERT fixture scripts share (make_fixtures.py,
check_export.py in llama/ and bert/): directories, versions, seeded noise, and
the checks of an exported directory."""
import platform
import shutil
from pathlib import Path

import safetensors
import torch
import transformers
from safetensors import safe_open


def versions():
    return {"python": platform.python_version(), "torch": torch.__version__,
            "transformers": transformers.__version__, "safetensors": safetensors.__version__}


def fresh(d):
    """An empty directory d (removed first if there)."""
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    return d


def perturb(model, seed, is_norm_weight, weight_scale):
    """Seeded noise on every parameter, in named_parameters() order, so that a
    loader swapping or ignoring one fails: norm weights := 1 + 0.1*n, biases :=
    0.05*n, other weights += weight_scale*n. Returns the model in eval mode."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if is_norm_weight(name):
                p.copy_(1.0 + 0.1 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.05 * noise)
            else:
                p.add_(weight_scale * noise)
    return model.eval()


def file_tensors(d):
    """name -> dtype over every *.safetensors file in d."""
    out = {}
    for p in sorted(Path(d).glob("*.safetensors")):
        with safe_open(str(p), framework="pt") as f:
            for k in f.keys():
                out[k] = str(f.get_slice(k).get_dtype())
    return out


def check_names(d, fixture):
    """Prints how the tensor names in d differ from the fixture directory's;
    returns (ok, the dtypes in d)."""
    have, want = file_tensors(d), set(file_tensors(fixture))
    extra, absent = sorted(set(have) - want), sorted(want - set(have))
    print(f"directory: {d}; files: {sorted(p.name for p in Path(d).iterdir())}")
    print(f"file tensors: {len(have)}; not in the fixture: {extra or 'none'}; fixture names absent: {absent or 'none'}")
    return not extra and not absent, set(have.values())


def load_checked(cls, d):
    """cls.from_pretrained(d) in float32 with its loading info printed;
    returns (model or None, ok)."""
    try:
        model, info = cls.from_pretrained(d, dtype=torch.float32, output_loading_info=True)
    except Exception as e:  # noqa: BLE001
        print(f"FAIL: from_pretrained raised {type(e).__name__}: {e}")
        return None, False
    ok = True
    for kind in ["missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs"]:
        items = sorted(map(str, info.get(kind, []) or []))
        print(f"{kind}: {items if items else 'none'}")
        ok = ok and not items
    return model.eval(), ok
