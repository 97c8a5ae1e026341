#!/usr/bin/env python3
"""Writes Arbor's safetensors fixtures with the reference Python library.

valid/<name>.safetensors   files written by safetensors (numpy save_file, or
                           serialize_file for dtypes numpy cannot hold), each with
                           valid/<name>.json: names, dtypes, shapes, offsets,
                           SHA-256 of every tensor's bytes, the exact header and
                           the file's SHA-256.
invalid/<name>.safetensors one file per reader rule (plus edge cases the
                           reference accepts), listed in invalid/index.json with
                           what the reference library says of each.

Run from anywhere: python3 make_fixtures.py  (needs safetensors, numpy, ml_dtypes)
"""
import hashlib
import json
import os
import shutil
import struct
import sys

import ml_dtypes
import numpy as np
import safetensors
from safetensors import TensorSpec, safe_open, serialize_file
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
VALID = os.path.join(HERE, "valid")
INVALID = os.path.join(HERE, "invalid")

NUMPY_DTYPES = {
    "BOOL": np.bool_, "U8": np.uint8, "I8": np.int8, "U16": np.uint16, "I16": np.int16,
    "U32": np.uint32, "I32": np.int32, "U64": np.uint64, "I64": np.int64,
    "F16": np.float16, "BF16": ml_dtypes.bfloat16, "F32": np.float32, "F64": np.float64,
    "F8_E4M3": ml_dtypes.float8_e4m3fn, "F8_E5M2": ml_dtypes.float8_e5m2,
    "F8_E8M0": ml_dtypes.float8_e8m0fnu, "F8_E4M3FNUZ": ml_dtypes.float8_e4m3fnuz,
    "F8_E5M2FNUZ": ml_dtypes.float8_e5m2fnuz, "C64": np.complex64,
}

rng = np.random.default_rng(20240601)


def random_array(dtype, shape):
    """Random bit patterns of the dtype (NaNs and all), except BOOL (0 or 1)."""
    itemsize = np.dtype(dtype).itemsize
    count = int(np.prod(shape, dtype=np.int64)) if shape else 1
    if dtype is np.bool_:
        return rng.integers(0, 2, size=shape).astype(np.bool_)
    raw = rng.integers(0, 256, size=count * itemsize, dtype=np.uint8)
    return raw.view(dtype).reshape(shape)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def sidecar(path, writer, extra=None):
    """Describes a file written by the reference library, read back with safe_open."""
    data = open(path, "rb").read()
    n = struct.unpack("<Q", data[:8])[0]
    header = data[8:8 + n]
    parsed = json.loads(header)
    metadata = parsed.pop("__metadata__", None)
    tensors = []
    for name, info in sorted(parsed.items(), key=lambda kv: tuple(kv[1]["data_offsets"])):
        begin, end = info["data_offsets"]
        tensors.append({
            "name": name, "dtype": info["dtype"], "shape": info["shape"],
            "data_offsets": [begin, end], "nbytes": end - begin,
            "sha256": sha256(data[8 + n + begin:8 + n + end]),
        })
    with safe_open(path, "np") as reference:  # the reference must accept it
        assert sorted(reference.keys()) == sorted(t["name"] for t in tensors)
    out = {
        "file": os.path.basename(path), "file_size": len(data), "file_sha256": sha256(data),
        "header_len": n, "header": header.decode("utf-8"), "metadata": metadata,
        "tensor_count": len(tensors), "tensors": tensors, "writer": writer,
        "safetensors_version": safetensors.__version__,
    }
    out.update(extra or {})
    with open(path[:-len(".safetensors")] + ".json", "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


def save_valid(name, tensors, metadata=None):
    path = os.path.join(VALID, name + ".safetensors")
    save_file(tensors, path, metadata=metadata)
    sidecar(path, "safetensors.numpy.save_file")


def make_valid():
    shapes = {"scalar": [], "vector": [7], "matrix": [3, 5], "tensor3": [2, 3, 4], "empty": [0], "empty_2d": [4, 0]}
    for code, dtype in NUMPY_DTYPES.items():
        save_valid("dtype_" + code, {k: random_array(dtype, s) for k, s in shapes.items()})

    # F4 is only writable through TensorSpec (packed pairs: the last dim doubles).
    packed = rng.integers(0, 256, size=6, dtype=np.uint8)
    path = os.path.join(VALID, "dtype_F4.safetensors")
    serialize_file({"packed": TensorSpec(dtype="float4_e2m1fn_x2", shape=[2, 3], data_ptr=packed.ctypes.data,
                                         data_len=packed.nbytes)}, path)
    sidecar(path, "safetensors.serialize_file")

    mixed = {f"t_{code.lower()}": random_array(dtype, [2, 3]) for code, dtype in NUMPY_DTYPES.items()}
    mixed["z_scalar"] = np.array(1.5, dtype=np.float32)
    mixed["a_empty"] = np.zeros([0, 3], dtype=np.int16)
    save_valid("all_dtypes", mixed, metadata={"format": "pt"})

    save_valid("metadata_escapes", {"w": random_array(np.float32, [2])},
               metadata={"note": 'a/b "q" \\ back\nline\ttab\x01\x1f\x7f é 😀 </script>'})
    save_valid("metadata_empty_map", {"w": random_array(np.float32, [2])}, metadata={})
    names = ["layers.0/weight", "naïve", "tab\tname", 'quote"d', "back\\slash", "emoji😀", "ctrl\x07bell",
             "", "Z10", "Z2", "a", "B", "é", "z", "\u00e9\u0301", "e\u0301", "ünï"]
    save_valid("tricky_names", {n: random_array(np.float16, [i % 3 + 1]) for i, n in enumerate(names)})
    save_valid("empty", {})
    save_valid("empty_with_metadata", {}, metadata={"format": "np"})
    save_valid("only_zero_size", {"a": np.zeros([0], np.float32), "b": np.zeros([3, 0, 2], np.uint8),
                                  "c": np.zeros([0], ml_dtypes.bfloat16)})
    save_valid("scalars", {f"s_{code.lower()}": random_array(dtype, []) for code, dtype in NUMPY_DTYPES.items()})
    many = {}
    dtypes = list(NUMPY_DTYPES.values())
    for i in range(2000):
        dtype = dtypes[i % len(dtypes)]
        many[f"model.layers.{i // 10}.block.{i % 10}.param"] = random_array(dtype, [i % 4 + 1, 2])
    save_valid("many_tensors_2000", many, metadata={"format": "pt"})
    save_valid("medium_f32", {"weight": random_array(np.float32, [256, 512]),
                              "bias": random_array(np.float32, [512])})


# -- malformed files -------------------------------------------------------

F32x4 = '"dtype":"F32","shape":[4],"data_offsets":[0,16]'
D16 = b"\0" * 16


def header_file(header, data=b"", length=None):
    raw = header.encode("utf-8") if isinstance(header, str) else header
    return struct.pack("<Q", len(raw) if length is None else length) + raw + data


# (name, rule, description, bytes). `rule` is the SafeTensorsError case Arbor must
# report, or "accepted" when the reference loads the file.
CASES = [
    ("empty_file", "headerTooSmall", "0-byte file", b""),
    ("header_too_small", "headerTooSmall", "5 bytes, fewer than the 8-byte length", b"\x05\0\0\0\0"),
    ("header_too_large", "headerTooLarge", "header length 100,000,001", header_file("{}", length=100_000_001)),
    ("header_len_u64_max", "headerTooLarge", "header length 2^64-1", header_file("{}", length=2**64 - 1)),
    ("header_past_end", "headerPastEnd", "header length 1000 in a 10-byte file", header_file("{}", length=1000)),
    ("header_not_utf8", "headerNotUTF8", "header bytes are not UTF-8", header_file(b'{"\xff\xfe":1}')),
    ("header_overlong_utf8", "headerNotUTF8", "overlong UTF-8 encoding of '/'", header_file(b'{"\xc0\xaf":1}')),
    ("header_len_zero", "invalidJSON", "header length 0", header_file("")),
    ("invalid_json_truncated", "invalidJSON", "truncated JSON", header_file('{"a":{"dtype":"F32",')),
    ("trailing_characters", "invalidJSON", "characters after the object", header_file("{" + '"a":{%s}' % F32x4 + "}x", D16)),
    ("trailing_comma", "invalidJSON", "trailing comma in the object", header_file('{"a":{%s},}' % F32x4, D16)),
    ("control_char_in_name", "invalidJSON", "raw control character in a key", header_file('{"a\x01":{%s}}' % F32x4, D16)),
    ("invalid_escape", "invalidJSON", "\\q escape in a key", header_file('{"a\\q":{%s}}' % F32x4, D16)),
    ("lone_surrogate", "invalidJSON", "\\ud800 without its pair", header_file('{"a\\ud800":{%s}}' % F32x4, D16)),
    ("leading_zero_number", "invalidJSON", "shape [04]", header_file('{"a":{"dtype":"F32","shape":[04],"data_offsets":[0,16]}}', D16)),
    ("number_out_of_range", "invalidJSON", "1e400 in an ignored field", header_file('{"a":{%s,"x":1e400}}' % F32x4, D16)),
    ("deep_nesting", "invalidJSON", "128 nested containers", header_file('{"a":{%s,"x":%s}}' % (F32x4, "[" * 126 + "]" * 126), D16)),
    ("header_is_array", "headerNotObject", "header is a JSON list", header_file("[]")),
    ("header_is_null", "headerNotObject", "header is JSON null", header_file("null")),
    ("header_is_string", "headerNotObject", "header is a JSON string", header_file('"abc"   ')),
    ("metadata_is_string", "invalidMetadata", "__metadata__ is a string", header_file('{"__metadata__":"x"}')),
    ("metadata_value_number", "invalidMetadata", "__metadata__ value is a number", header_file('{"__metadata__":{"k":1}}')),
    ("metadata_nested_object", "invalidMetadata", "__metadata__ value is an object", header_file('{"__metadata__":{"k":{}}}')),
    ("metadata_twice", "invalidMetadata", "__metadata__ key appears twice", header_file('{"__metadata__":{},"__metadata__":{}}')),
    ("missing_dtype", "malformedEntry", "entry without dtype", header_file('{"a":{"shape":[4],"data_offsets":[0,16]}}', D16)),
    ("missing_shape", "malformedEntry", "entry without shape", header_file('{"a":{"dtype":"F32","data_offsets":[0,16]}}', D16)),
    ("missing_offsets", "malformedEntry", "entry without data_offsets", header_file('{"a":{"dtype":"F32","shape":[4]}}', D16)),
    ("negative_shape", "malformedEntry", "shape [-1,4]", header_file('{"a":{"dtype":"F32","shape":[-1,4],"data_offsets":[0,16]}}', D16)),
    ("float_shape", "malformedEntry", "shape [4.0]", header_file('{"a":{"dtype":"F32","shape":[4.0],"data_offsets":[0,16]}}', D16)),
    ("exponent_shape", "malformedEntry", "shape [4e0]", header_file('{"a":{"dtype":"F32","shape":[4e0],"data_offsets":[0,16]}}', D16)),
    ("huge_shape", "malformedEntry", "shape [2^64] (not a u64)", header_file('{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,16]}}', D16)),
    ("shape_not_list", "malformedEntry", "shape 4", header_file('{"a":{"dtype":"F32","shape":4,"data_offsets":[0,16]}}', D16)),
    ("negative_offsets", "malformedEntry", "data_offsets [-16,0]", header_file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[-16,0]}}', D16)),
    ("offsets_one_element", "malformedEntry", "data_offsets [16]", header_file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[16]}}', D16)),
    ("offsets_three_elements", "malformedEntry", "data_offsets [0,16,0]", header_file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16,0]}}', D16)),
    ("offsets_float", "malformedEntry", "data_offsets [0,16.0]", header_file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16.0]}}', D16)),
    ("dtype_not_string", "malformedEntry", "dtype 5", header_file('{"a":{"dtype":5,"shape":[4],"data_offsets":[0,16]}}', D16)),
    ("dtype_null", "malformedEntry", "dtype null", header_file('{"a":{"dtype":null,"shape":[4],"data_offsets":[0,16]}}', D16)),
    ("entry_is_string", "malformedEntry", "entry is a string", header_file('{"a":"F32"}')),
    ("entry_list_too_short", "malformedEntry", "entry is a 2-element list", header_file('{"a":["F32",[4]]}', D16)),
    ("duplicate_field", "malformedEntry", "dtype given twice in one entry", header_file('{"a":{%s,"dtype":"F32"}}' % F32x4, D16)),
    ("unknown_dtype", "unknownDType", "dtype F128", header_file('{"a":{"dtype":"F128","shape":[4],"data_offsets":[0,16]}}', D16)),
    ("lowercase_dtype", "unknownDType", "dtype f32", header_file('{"a":{"dtype":"f32","shape":[4],"data_offsets":[0,16]}}', D16)),
    ("hole_at_start", "invalidOffsets", "single tensor at [8,24)", header_file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}', D16 + b"\0" * 8)),
    ("hole_between", "invalidOffsets", "[0,16) then [24,40)", header_file('{"a":{%s},"b":{"dtype":"F32","shape":[4],"data_offsets":[24,40]}}' % F32x4, D16 * 2 + b"\0" * 8)),
    ("offsets_overlap", "invalidOffsets", "[0,16) and [8,24)", header_file('{"a":{%s},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}' % F32x4, D16 + b"\0" * 8)),
    ("offsets_identical", "invalidOffsets", "two tensors at [0,16)", header_file('{"a":{%s},"b":{%s}}' % (F32x4, F32x4), D16)),
    ("begin_gt_end", "invalidOffsets", "data_offsets [16,0] after [0,16)", header_file('{"a":{%s},"b":{"dtype":"F32","shape":[0],"data_offsets":[16,0]}}' % F32x4, D16)),
    ("overflow_elements", "sizeOverflow", "shape [2^32, 2^32]", header_file('{"a":{"dtype":"U8","shape":[4294967296,4294967296],"data_offsets":[0,16]}}', D16)),
    ("overflow_bits", "sizeOverflow", "2^62 F32 elements", header_file('{"a":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,16]}}', D16)),
    ("f4_odd_count", "subByteRemainder", "F4 shape [3] in 2 bytes", header_file('{"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}', b"\0\0")),
    ("f6_remainder", "subByteRemainder", "F6_E2M3 shape [3] (18 bits)", header_file('{"a":{"dtype":"F6_E2M3","shape":[3],"data_offsets":[0,3]}}', b"\0\0\0")),
    ("size_mismatch_long", "sizeMismatch", "F32 [2] with 16 bytes of offsets", header_file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}', D16)),
    ("size_mismatch_short", "sizeMismatch", "F32 [4] with 8 bytes of offsets", header_file('{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,8]}}', b"\0" * 8)),
    ("trailing_bytes", "trailingBytes", "tensor covers [0,16) but 24 data bytes follow", header_file('{"a":{%s}}' % F32x4, D16 + b"\0" * 8)),
    ("truncated_data", "dataPastEnd", "tensor covers [0,16) but 8 data bytes follow", header_file('{"a":{%s}}' % F32x4, b"\0" * 8)),
    ("no_tensors_but_data", "trailingBytes", "empty header object with 4 data bytes", header_file("{}", b"\0" * 4)),
    # The reference accepts these; so must Arbor.
    ("duplicate_names_same", "accepted", "name 'a' twice with identical entries", header_file('{"a":{%s},"a":{%s}}' % (F32x4, F32x4), D16)),
    ("duplicate_names_last_wins", "accepted", "name 'a' twice; the second entry is the valid one", header_file('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{%s}}' % F32x4, D16)),
    ("entry_as_list", "accepted", "entry written as [dtype, shape, offsets]", header_file('{"a":["F32",[4],[0,16]]}', D16)),
    ("dtype_as_map", "accepted", "dtype written as {\"F32\": null}", header_file('{"a":{"dtype":{"F32":null},"shape":[4],"data_offsets":[0,16]}}', D16)),
    ("metadata_null", "accepted", "__metadata__ is null", header_file('{"__metadata__":null,"a":{%s}}' % F32x4, D16)),
    ("metadata_empty", "accepted", "__metadata__ is {}", header_file('{"__metadata__":{},"a":{%s}}' % F32x4, D16)),
    ("metadata_duplicate_key", "accepted", "metadata key twice, last wins", header_file('{"__metadata__":{"k":"1","k":"2"},"a":{%s}}' % F32x4, D16)),
    ("leading_whitespace", "accepted", "whitespace before and inside the header", header_file(' \n\t{ "a" : { "dtype" : "F32" , "shape" : [ 4 ] , "data_offsets" : [ 0 , 16 ] } }\r\n', D16)),
    ("unknown_field", "accepted", "an extra field in an entry", header_file('{"a":{%s,"extra":[1,{"q":null,"r":-2.5e3}]}}' % F32x4, D16)),
    ("empty_name", "accepted", "tensor named ''", header_file('{"":{%s}}' % F32x4, D16)),
    ("escaped_name", "accepted", "name with \\u escapes and a surrogate pair", header_file('{"a\\u0041\\/\\ud83d\\ude00":{%s}}' % F32x4, D16)),
    ("unaligned_offsets", "accepted", "F32 at odd offset [1,17) after a U8", header_file('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"F32","shape":[4],"data_offsets":[1,17]}}', b"\0" * 17)),
    ("unsorted_offsets", "accepted", "entries not in offset order", header_file('{"b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]},"a":{%s}}' % F32x4, D16 * 2)),
    ("zero_dim_huge", "accepted", "shape [0, 2^63-1]: zero elements", header_file('{"a":{"dtype":"F32","shape":[0,9223372036854775807],"data_offsets":[0,0]}}')),
    ("nesting_at_limit", "accepted", "127 nested containers", header_file('{"a":{%s,"x":%s}}' % (F32x4, "[" * 125 + "]" * 125), D16)),
    ("f4_even_count", "accepted", "F4 shape [4] in 2 bytes", header_file('{"a":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}', b"\0\0")),
]


def reference_outcome(path):
    try:
        with safe_open(path, "np") as f:
            return {"outcome": "ok", "names": sorted(f.keys()), "metadata": f.metadata()}
    except Exception as error:  # the message is what a Python user would see
        return {"outcome": "error", "exception_type": type(error).__name__, "message": str(error)}


def make_invalid():
    cases = []
    for name, rule, description, data in CASES:
        path = os.path.join(INVALID, name + ".safetensors")
        with open(path, "wb") as f:
            f.write(data)
        reference = reference_outcome(path)
        if (reference["outcome"] == "ok") != (rule == "accepted"):
            sys.exit(f"{name}: expected {rule} but the reference says {reference}")
        cases.append({"name": name, "file": name + ".safetensors", "description": description, "rule": rule,
                      "size": len(data), "sha256": sha256(data), "reference": reference})
    with open(os.path.join(INVALID, "index.json"), "w") as f:
        json.dump({"safetensors_version": safetensors.__version__, "loader": "safe_open(np)", "cases": cases},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    for folder in (VALID, INVALID):
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
    make_valid()
    make_invalid()
    print("wrote", len(os.listdir(VALID)) // 2, "valid files and", len(CASES), "malformed cases")
