#!/usr/bin/env python3
"""Writes the dtype-conversion fixtures Arbor's tests check bit-exactly.

Every case is an input array of one dtype and the array `astype` (numpy +
ml_dtypes) makes of it in another dtype, stored as raw little-endian bytes:

    manifest.json          list of cases: name, from, to, count, input, output
    in/<set>.bin           inputs, shared by the cases that convert them
    out/<set>.<TO>.bin     expected outputs

Float -> integer conversions of NaN or out-of-range values are
implementation-defined in numpy (C casts); for those the expected value is
Arbor's documented rule instead (truncate toward zero, saturate to the
integer's range, NaN -> 0). The script asserts numpy agrees wherever the value
is in range.

Run from anywhere: `python3 make_fixtures.py` (needs numpy and ml_dtypes).
"""
import json
import os
import warnings

import ml_dtypes
import numpy as np

warnings.simplefilter("ignore")  # casts of NaN/inf warn; they are the point

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240611)

DTYPES = {
    "BOOL": np.dtype(np.bool_), "U8": np.dtype(np.uint8), "I8": np.dtype(np.int8),
    "U16": np.dtype(np.uint16), "I16": np.dtype(np.int16), "U32": np.dtype(np.uint32),
    "I32": np.dtype(np.int32), "U64": np.dtype(np.uint64), "I64": np.dtype(np.int64),
    "F8_E4M3": np.dtype(ml_dtypes.float8_e4m3fn), "F8_E5M2": np.dtype(ml_dtypes.float8_e5m2),
    "F16": np.dtype(np.float16), "BF16": np.dtype(ml_dtypes.bfloat16),
    "F32": np.dtype(np.float32), "F64": np.dtype(np.float64),
}
INTS = ["U8", "I8", "U16", "I16", "U32", "I32", "U64", "I64"]
FLOATS = ["F8_E4M3", "F8_E5M2", "F16", "BF16", "F32", "F64"]
BITS = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}

cases = []


def from_bits(bits, name):
    dtype = DTYPES[name]
    return np.asarray(bits, dtype=BITS[dtype.itemsize]).view(dtype)


def float_to_int_rule(values, name):
    """Arbor's rule: truncate toward zero, saturate, NaN -> 0."""
    info = np.iinfo(DTYPES[name])
    exact = values.astype(np.float64)
    out = []
    for x in exact:
        if np.isnan(x):
            out.append(0)
        elif np.isinf(x):
            out.append(info.max if x > 0 else info.min)
        else:
            t = int(np.trunc(x))  # exact: Python ints are unbounded
            out.append(min(max(t, int(info.min)), int(info.max)))
    result = np.array(out, dtype=DTYPES[name])
    # numpy must agree wherever the C cast is defined.
    with np.errstate(all="ignore"):
        finite = np.isfinite(exact)
        trunc = np.where(finite, np.trunc(np.where(finite, exact, 0)), 0)
        in_range = finite & (trunc >= float(info.min)) & (trunc <= float(info.max))
        if name == "U64":
            in_range &= trunc < 2.0**64
        if name == "I64":
            in_range &= trunc < 2.0**63
        numpy = values.astype(DTYPES[name])
    assert np.array_equal(numpy[in_range], result[in_range]), name
    return result


def convert(values, to):
    src = values.dtype
    if to in INTS and (src.kind == "f" or src in [DTYPES[f] for f in FLOATS]):
        return float_to_int_rule(values, to)
    return values.astype(DTYPES[to])


def add_set(set_name, source, values, targets):
    values = np.ascontiguousarray(values)
    assert values.dtype == DTYPES[source]
    os.makedirs(os.path.join(HERE, "in"), exist_ok=True)
    os.makedirs(os.path.join(HERE, "out"), exist_ok=True)
    input_file = f"in/{set_name}.bin"
    values.tofile(os.path.join(HERE, input_file))
    for to in targets:
        if to == source:
            continue
        out = np.ascontiguousarray(convert(values, to))
        assert out.dtype == DTYPES[to] and out.shape == values.shape
        output_file = f"out/{set_name}.{to}.bin"
        out.tofile(os.path.join(HERE, output_file))
        cases.append({"name": f"{set_name}->{to}", "from": source, "to": to,
                      "count": int(values.size), "input": input_file, "output": output_file})


def f32(bits):
    return np.array(bits, dtype=np.uint32).view(np.float32)


def f64(bits):
    return np.array(bits, dtype=np.uint64).view(np.float64)


def neighbours32(values):
    """Each float32 value with the float32 just below and just above it."""
    v = np.asarray(values, dtype=np.float32)
    return np.concatenate([v, np.nextafter(v, np.float32(-np.inf)), np.nextafter(v, np.float32(np.inf))])


def midpoints(name, patterns):
    """Exact midpoints between consecutive finite values of a narrow float format,
    plus the midpoint between its largest finite value and the next power step."""
    dtype = DTYPES[name]
    bits = np.asarray(patterns, dtype=BITS[dtype.itemsize])
    a = bits.view(dtype).astype(np.float64)
    b = (bits + 1).view(dtype).astype(np.float64)
    ok = np.isfinite(a) & np.isfinite(b)
    return ((a[ok] + b[ok]) / 2)


F32_SPECIAL = f32([
    0x00000000, 0x80000000, 0x7F800000, 0xFF800000,              # zeros, infinities
    0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0x7FBFFFFF,   # NaNs: quiet, signalling,
    0xFFFFFFFF, 0x7FA00000, 0x7F802000, 0x7F801FFF, 0x7FC00001,   # payloads kept/lost
    0x7F7FFFFF, 0xFF7FFFFF, 0x00800000, 0x80800000, 0x00000001,   # max, min normal, min sub
    0x807FFFFF, 0x007FFFFF, 0x3F800000, 0xBF800000,
])


def main():
    # --- every bit pattern of the narrow float formats ---------------------------
    f16_all = from_bits(np.arange(65536), "F16")
    bf16_all = from_bits(np.arange(65536), "BF16")
    add_set("f16_all", "F16", f16_all, ["F32", "BF16", "F8_E4M3", "F8_E5M2"])
    add_set("bf16_all", "BF16", bf16_all, ["F32", "F16", "F8_E4M3", "F8_E5M2"])
    add_set("e4m3_all", "F8_E4M3", from_bits(np.arange(256), "F8_E4M3"), list(DTYPES))
    add_set("e5m2_all", "F8_E5M2", from_bits(np.arange(256), "F8_E5M2"), list(DTYPES))
    # Wide outputs (F64, integers, bool) of the 16-bit formats from a sample:
    # every pattern whose low six bits are 0 or 0b101011 (every exponent, both
    # signs) plus the edges of the subnormal, infinity and NaN ranges.
    edges16 = [0x0001, 0x0002, 0x0003, 0x03FF, 0x7BFF, 0x7C00, 0x7C01, 0x7D00, 0x7DFF,
               0x7E00, 0x7E01, 0x7F7F, 0x7F80, 0x7F81, 0x7FC0, 0x7FC1, 0x7FFF]
    edges16 += [e | 0x8000 for e in edges16]

    def sample16(name):
        picked = sorted({b for b in range(65536) if b & 0x3F in (0x00, 0x2B)} | set(edges16))
        return from_bits(np.array(picked, dtype=np.uint16), name)

    add_set("f16_sample", "F16", sample16("F16"), ["F64", "BOOL"] + INTS)
    add_set("bf16_sample", "BF16", sample16("BF16"), ["F64", "BOOL"] + INTS)

    # --- float32 inputs: ties, their neighbours, specials, random patterns -------
    f16_pos = np.concatenate([np.arange(0, 0x400, 5), np.arange(0x400, 0x7C00, 53), np.arange(0x7BC0, 0x7C00)])
    bf16_pos = np.concatenate([np.arange(0, 0x80, 3), np.arange(0x80, 0x7F80, 59), np.arange(0x7F40, 0x7F80)])
    f8_pos = np.arange(0, 0x80)
    ties = np.concatenate([
        midpoints("F16", f16_pos), midpoints("BF16", bf16_pos),
        midpoints("F8_E4M3", f8_pos), midpoints("F8_E5M2", f8_pos),
        [65520.0, 2.0**128 - 2.0**119, 464.0, 61440.0, 2.0**-25, 2.0**-134, 2.0**-10, 2.0**-17],
    ]).astype(np.float32)
    ties = np.concatenate([ties, -ties[::5]])  # rounding is sign-symmetric; spot-check it
    f32_cases = np.concatenate([
        F32_SPECIAL, neighbours32(ties),
        f32(rng.integers(0, 2**32, 512, dtype=np.uint64).astype(np.uint32)),
        rng.normal(0, 3, 256).astype(np.float32),
    ])
    add_set("f32_cases", "F32", f32_cases, ["F64", "F16", "BF16", "F8_E4M3", "F8_E5M2", "BOOL"])

    # --- float64 inputs: double-rounding traps, f32 boundaries, NaN payloads ------
    t64 = ties.astype(np.float64)
    eps = np.abs(t64) * 2.0**-40
    f64_cases = np.concatenate([
        f64([0, 0x8000000000000000, 0x7FF0000000000000, 0xFFF0000000000000,
             0x7FF8000000000000, 0xFFF8000000000000, 0x7FF0000000000001, 0xFFF0000000000001,
             0x7FF4000000000000, 0x7FF0020000000000, 0x7FF0000020000000, 0x7FFFFFFFFFFFFFFF,
             0x7FEFFFFFFFFFFFFF, 0x0010000000000000, 0x0000000000000001, 0x8000000000000001]),
        t64, t64 + eps, t64 - eps,
        # float32 rounding: ties between float32 neighbours, overflow and underflow
        [float(np.float32(3.4028234663852886e38)) + 2.0**103, 3.4028234663852886e38 + 2.0**103 - 2.0**60,
         2.0**-150, 2.0**-150 + 2.0**-200, 2.0**-149 * 1.5, 1.0 + 2.0**-24, 1.0 + 2.0**-24 + 2.0**-60,
         1.0 + 3 * 2.0**-24, 1e300, -1e300, 1e-300],
        f64(rng.integers(0, 2**63, 512, dtype=np.uint64) * np.uint64(2) + rng.integers(0, 2, 512, dtype=np.uint64)),
        rng.normal(0, 1000, 512),
    ])
    add_set("f64_cases", "F64", f64_cases, ["F32", "F16", "BF16", "F8_E4M3", "F8_E5M2", "BOOL"])

    # --- float -> integer: truncation, range edges, NaN ---------------------------
    edges = []
    for name in INTS:
        info = np.iinfo(DTYPES[name])
        for v in (int(info.min), int(info.max)):
            edges += [v - 1.0, v - 0.5, float(v), v + 0.5, v + 1.0]
    to_int64 = np.array(edges + [0.0, -0.0, 0.4, -0.4, 0.5, -0.5, 0.99, -0.99, 1.5, -1.5, 2.5, -2.5, 255.9,
                                 -128.9, 1e10, -1e10, 1e19, 2.0**63, -2.0**63, 2.0**64, -2.0**64, 1e30,
                                 np.inf, -np.inf, np.nan, -np.nan, 9007199254740993.0, 4294967295.5],
                        dtype=np.float64)
    add_set("f64_to_int", "F64", to_int64, INTS)
    add_set("f32_to_int", "F32", to_int64.astype(np.float32), INTS)

    # --- integers -> everything: boundaries and rounding ties ----------------------
    for name in INTS:
        info = np.iinfo(DTYPES[name])
        lo, hi = int(info.min), int(info.max)
        picks = {lo, lo + 1, hi, hi - 1, 0, 1, 2, 3, 7, 127, 128, 255, 256, 257, 300, 448, 449, 464, 465,
                 57344, 61439, 61440, 65504, 65519, 65520, 65535, 65536,
                 2**24 - 1, 2**24, 2**24 + 1, 2**24 + 3, 2**24 + 2**16 + 1, 2**31 - 1, 2**31, 2**32 - 1,
                 2**53 + 1, 2**60 + 2**36 + 1, 2**63 - 2**39 + 1, 2**64 - 2**39}
        picks |= {-p for p in list(picks)}
        values = sorted(p for p in picks if lo <= p <= hi)
        values += [int(x) for x in rng.integers(lo, hi, 200, dtype=DTYPES[name], endpoint=True)]
        add_set(f"{name.lower()}_cases", name, np.array(values, dtype=DTYPES[name]), list(DTYPES))
    add_set("bool_cases", "BOOL", np.array([False, True, True, False]), list(DTYPES))

    manifest = {
        "generator": f"numpy {np.__version__}, ml_dtypes {ml_dtypes.__version__}",
        "float_to_int_rule": "truncate toward zero, saturate to the integer range, NaN -> 0",
        "cases": cases,
    }
    with open(os.path.join(HERE, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
