#!/usr/bin/env python3
"""Generate Arbor's Flax NNX fixtures with flax + orbax-checkpoint.

Model (NNX, integer-indexed layers in an `nnx.List`, plus a BatchNorm):

    x [5, 4] -> layers[0] Linear(4, 16) -> bn BatchNorm(16) -> relu
             -> layers[1] Linear(16, 16) -> relu -> layers[2] Linear(16, 3)

Outputs (all little-endian safetensors written by `safetensors.numpy`):

  pure_dict.safetensors    nnx.to_pure_dict(nnx.state(model, nnx.Param)), flattened
                           with dotted names: layers.0.kernel [in, out], layers.0.bias, bn.scale, bn.bias
  batch_stats.safetensors  the same for nnx.BatchStat: bn.mean, bn.var (running statistics)
  io.safetensors           x, y_eval (running averages), y_train (batch statistics)
  reference.json           flat paths with key types (int vs str), kinds, shapes, dtypes,
                           sha256 of each tensor, and what Orbax StandardCheckpointer does
                           to integer keys on restore with and without a target

The Orbax checkpoints are written to a temporary directory and deleted.
Run from anywhere:  python3 Tests/Fixtures/flax/make_fixtures.py
"""
import os

os.environ["JAX_PLATFORMS"] = "cpu"
os.environ["CUDA_VISIBLE_DEVICES"] = ""
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import hashlib
import json
import logging
import platform
import sys
import tempfile
import traceback
import warnings
from importlib.metadata import version as dist_version
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import orbax.checkpoint as ocp
import safetensors
from flax import nnx
from safetensors.numpy import save_file

logging.getLogger("absl").setLevel(logging.ERROR)
HERE = Path(__file__).resolve().parent
SEED = 7


class Model(nnx.Module):
    def __init__(self, rngs: nnx.Rngs):
        self.layers = nnx.List([
            nnx.Linear(4, 16, rngs=rngs),
            nnx.Linear(16, 16, rngs=rngs),
            nnx.Linear(16, 3, rngs=rngs),
        ])
        self.bn = nnx.BatchNorm(16, rngs=rngs)

    def __call__(self, x):
        x = nnx.relu(self.bn(self.layers[0](x)))
        x = nnx.relu(self.layers[1](x))
        return self.layers[2](x)


def versions():
    out = {"python": platform.python_version()}
    for d in ["jax", "jaxlib", "flax", "orbax-checkpoint", "numpy", "safetensors", "ml-dtypes", "tensorstore"]:
        try:
            out[d] = dist_version(d)
        except Exception:  # noqa: BLE001
            out[d] = None
    return out


def key_of(k):
    """A jax tree path entry -> (key, 'int' | 'str')."""
    for attr in ("key", "idx", "name"):
        if hasattr(k, attr):
            v = getattr(k, attr)
            return v, type(v).__name__
    return str(k), "other"


def describe(tree):
    """Flat description of a pytree of arrays, in jax's traversal order."""
    rows = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        keys = [key_of(k) for k in path]
        row = {"path": [k for k, _ in keys], "path_types": [t for _, t in keys], "dotted": ".".join(str(k) for k, _ in keys)}
        if hasattr(leaf, "shape"):
            row["shape"] = list(leaf.shape)
            row["dtype"] = str(leaf.dtype)
        rows.append(row)
    return rows


def containers(tree, prefix=()):
    """Container type at every inner node: {'layers': 'dict', ...}."""
    out = {}
    if isinstance(tree, (dict, list, tuple)) or hasattr(tree, "items"):
        out["/".join(map(str, prefix)) or "<root>"] = type(tree).__name__
        items = tree.items() if hasattr(tree, "items") else enumerate(tree)
        for k, v in items:
            out.update(containers(v, prefix + (k,)))
    return out


def flatten_dotted(pure):
    flat = {}
    for path, leaf in jax.tree_util.tree_flatten_with_path(pure)[0]:
        name = ".".join(str(key_of(k)[0]) for k in path)
        flat[name] = np.asarray(leaf)
    return flat


def sha(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()


def attempt(fn):
    try:
        return {"outcome": "ok", **(fn() or {})}
    except Exception as e:  # noqa: BLE001
        return {"outcome": "error", "exception_type": f"{type(e).__module__}.{type(e).__name__}", "message": str(e).strip().splitlines()[0] if str(e).strip() else ""}


def build():
    model = Model(nnx.Rngs(SEED))
    # Linear biases start at 0 and BatchNorm at scale 1 / bias 0; give every
    # parameter seeded non-trivial values so a swapped or ignored one shows.
    key = jax.random.key(SEED + 1)
    params = nnx.state(model, nnx.Param)
    flat = nnx.to_flat_state(params)
    new = {}
    for i, (path, var) in enumerate(flat):
        k = jax.random.fold_in(key, i)
        noise = jax.random.normal(k, var.get_value().shape, jnp.float32)
        if path[-1] == "scale":
            new[path] = 1.0 + 0.2 * noise
        elif path[-1] == "bias":
            new[path] = 0.1 * noise
        else:
            new[path] = var.get_value()
    for path, var in flat:
        var.set_value(new[path])
    nnx.update(model, nnx.from_flat_state(flat))
    # Give the running statistics non-trivial values: a few train-mode calls.
    model.train()
    for i in range(4):
        xb = jax.random.normal(jax.random.key(100 + i), (16, 4), jnp.float32) * 2.0 + 0.5
        model(xb)
    model.eval()
    return model


def orbax_experiments(model):
    params_pure = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    out = {}
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ckptr = ocp.StandardCheckpointer()

        # (a) the pure dict (plain nested dicts with int keys under 'layers').
        pdir = Path(tmp) / "pure_dict"
        ckptr.save(pdir, params_pure)
        ckptr.wait_until_finished()
        restored = ckptr.restore(pdir)
        out["pure_dict_restore_without_target"] = {
            "restored_type": type(restored).__name__,
            "containers": containers(restored),
            "leaves": describe(restored),
            "values_equal": all(
                np.array_equal(np.asarray(a), np.asarray(b))
                for a, b in zip(jax.tree_util.tree_leaves(params_pure), jax.tree_util.tree_leaves(restored))
            ),
        }
        abstract = jax.tree_util.tree_map(lambda a: jax.ShapeDtypeStruct(a.shape, a.dtype), params_pure)
        restored_t = ckptr.restore(pdir, abstract)
        out["pure_dict_restore_with_abstract_target"] = {
            "restored_type": type(restored_t).__name__,
            "containers": containers(restored_t),
            "leaves": describe(restored_t),
        }

        # Putting the untargeted restore back into a model.
        def replace_into_state():
            st = nnx.state(build(), nnx.Param)
            nnx.replace_by_pure_dict(st, restored)
            nnx.update(m2 := build(), st)
            return {"layers_keys_after": [[k, type(k).__name__] for k in nnx.to_pure_dict(nnx.state(m2, nnx.Param))["layers"].keys()]}

        out["replace_by_pure_dict_with_untargeted_restore"] = attempt(replace_into_state)

        def update_with_pure_dict():
            m2 = build()
            nnx.update(m2, restored)
            return {"layers_keys_after": [[k, type(k).__name__] for k in nnx.to_pure_dict(nnx.state(m2, nnx.Param))["layers"].keys()]}

        out["nnx_update_with_untargeted_restore"] = attempt(update_with_pure_dict)

        def update_with_original_pure_dict():
            m2 = build()
            nnx.update(m2, params_pure)
            return {"layers_keys_after": [[k, type(k).__name__] for k in nnx.to_pure_dict(nnx.state(m2, nnx.Param))["layers"].keys()]}

        out["nnx_update_with_original_int_key_pure_dict"] = attempt(update_with_original_pure_dict)

        # (b) the nnx.State object itself (not a pure dict).
        sdir = Path(tmp) / "state"
        state = nnx.state(model, nnx.Param)
        ckptr.save(sdir, state)
        ckptr.wait_until_finished()
        r2 = ckptr.restore(sdir)
        out["state_restore_without_target"] = {
            "restored_type": type(r2).__name__,
            "containers": containers(r2),
            "leaves": describe(r2),
        }
        abstract_state = nnx.state(nnx.eval_shape(lambda: Model(nnx.Rngs(0))), nnx.Param)
        r3 = ckptr.restore(sdir, abstract_state)
        out["state_restore_with_abstract_target"] = {
            "restored_type": type(r3).__name__,
            "leaves": describe(nnx.to_pure_dict(r3)),
        }
        ckptr.close()
        out["warnings"] = sorted({str(w.message).splitlines()[0] for w in caught})
    out["summary"] = (
        "StandardCheckpointer.restore without a target returns plain nested dicts whose integer keys (layers/0) come "
        "back as strings ('0'); saving the nnx.State itself and restoring without a target gives plain dicts with "
        "every Variable turned into a {'value': array} dict (paths gain a trailing 'value'), also with '0' strings. "
        "With a target (abstract pure dict, or nnx.State from nnx.eval_shape) the integer keys are kept. "
        "flax 0.12.8's replace_by_pure_dict accepts the stringified keys; nnx.update with them raises. "
        "See the entries above for the exact outcomes recorded by this run."
    )
    return out


def main():
    model = build()
    params_pure = nnx.to_pure_dict(nnx.state(model, nnx.Param))
    stats_pure = nnx.to_pure_dict(nnx.state(model, nnx.BatchStat))
    pflat = flatten_dotted(params_pure)
    sflat = flatten_dotted(stats_pure)
    save_file(pflat, str(HERE / "pure_dict.safetensors"))
    save_file(sflat, str(HERE / "batch_stats.safetensors"))

    x = np.asarray(jax.random.normal(jax.random.key(SEED + 2), (5, 4), jnp.float32))
    y_eval = np.asarray(model(jnp.asarray(x)))
    m_train = nnx.clone(model)
    m_train.train()
    y_train = np.asarray(m_train(jnp.asarray(x)))
    save_file({"x": x, "y_eval": y_eval, "y_train": y_train}, str(HERE / "io.safetensors"))

    full = nnx.state(model)
    flat_state = []
    for path, var in nnx.to_flat_state(full):
        v = var.get_value()
        flat_state.append({
            "path": list(path),
            "path_types": [type(p).__name__ for p in path],
            "dotted": ".".join(map(str, path)),
            "kind": type(var).__name__,
            "shape": list(np.shape(v)),
            "dtype": str(np.asarray(v).dtype),
        })

    ref = {
        "producer": "Tests/Fixtures/flax/make_fixtures.py",
        "versions": versions(),
        "seed": SEED,
        "model": {
            "code": "layers = nnx.List([Linear(4,16), Linear(16,16), Linear(16,3)]); bn = BatchNorm(16); "
            "y = layers[2](relu(layers[1](relu(bn(layers[0](x))))))",
            "batchnorm": {"epsilon": float(model.bn.epsilon), "momentum": float(model.bn.momentum),
                          "eval": "(x - mean) / sqrt(var + eps) * scale + bias with running mean/var",
                          "train": "batch mean and biased batch variance over axis 0; running stats updated as "
                                   "momentum*old + (1-momentum)*batch"},
            "linear": "y = x @ kernel + bias, kernel [in, out]",
            "init": "Model(nnx.Rngs(seed)); then every Param re-drawn in nnx.to_flat_state order with "
                    "jax.random.normal(fold_in(key(seed+1), i)): scale := 1 + 0.2n, bias := 0.1n, kernels kept; "
                    "then 4 train-mode calls on normal(key(100+i), [16,4])*2+0.5 to move the running stats; eval()",
        },
        "files": {
            "pure_dict.safetensors": {k: {"shape": list(v.shape), "dtype": str(v.dtype), "sha256": sha(v)} for k, v in pflat.items()},
            "batch_stats.safetensors": {k: {"shape": list(v.shape), "dtype": str(v.dtype), "sha256": sha(v)} for k, v in sflat.items()},
            "io.safetensors": {
                "x": {"shape": list(x.shape), "dtype": str(x.dtype)},
                "y_eval": {"shape": list(y_eval.shape), "dtype": str(y_eval.dtype), "note": "model in eval mode (running averages)"},
                "y_train": {"shape": list(y_train.shape), "dtype": str(y_train.dtype), "note": "model in train mode (batch statistics) on a clone"},
            },
        },
        "pure_dict_params": describe(params_pure),
        "pure_dict_params_containers": containers(params_pure),
        "pure_dict_batch_stats": describe(stats_pure),
        "flat_state_all": flat_state,
        "dotted_name_rule": "'.'.join(str(k) for k in path); integer keys print as digits (layers.0.kernel)",
        "orbax": orbax_experiments(model),
    }
    (HERE / "reference.json").write_text(json.dumps(ref, indent=1) + "\n")
    o = ref["orbax"]
    print("pure_dict:", list(pflat))
    print("no-target restore key types:", [r["path_types"] for r in o["pure_dict_restore_without_target"]["leaves"]][:2])
    print("target restore key types:", [r["path_types"] for r in o["pure_dict_restore_with_abstract_target"]["leaves"]][:2])
    print("replace_by_pure_dict:", o["replace_by_pure_dict_with_untargeted_restore"])
    print("nnx.update:", o["nnx_update_with_untargeted_restore"])
    print("state no target:", o["state_restore_without_target"]["restored_type"], o["state_restore_without_target"]["containers"])


if __name__ == "__main__":
    sys.exit(main())
