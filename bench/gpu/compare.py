#!/usr/bin/env python3
"""Compares outputs with expected .npy files and prints one line:
"match ..." or "MISMATCH ...". Exit 0 on match, 1 otherwise.

Two criteria, both reported: ONNX's elementwise rule (|a - e| <= atol +
rtol * |e|, NaN equals NaN) and the model-level rule Kiln uses for whole
networks, max|a - e| <= 1e-4 * max(1, max|e|). Long FP32 reductions (a
GEMM with K = 1024) differ from ONNX Runtime's summation order by more
than the elementwise rule allows near zero, so a result matches when either
rule holds; the line says which.

A GEMM built with --gpu-tf32 (FLAGS in EXPECTED_DIR) is compared with the
product of its TF32-rounded inputs instead (tf32_matmul). f16 outputs may
differ by one f16 rounding step, plus 1e-4 x max|e| where sums cancel.

usage: compare.py OUT_DIR EXPECTED_DIR [RTOL ATOL]
"""
import glob
import json
import os
import sys

import numpy as np


def tf32(x):
    """x rounded to TF32 (10-bit mantissa) as Kiln's tensor-core matmuls
    for sm_90 (the bundle's target) round their inputs: to nearest, ties to
    even (sm_80's round ties away from zero)."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    half = 0xFFF + ((bits >> 13) & 1)
    rounded = ((bits + half) & 0xFFFFE000).astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), x, rounded)


def tf32_matmul(out_dir, expected_dir):
    """For a GEMM built with --gpu-tf32: the output against the float64
    product of the TF32-rounded inputs (the tensor cores' exact result up to
    FP32 accumulation), with the model-level rule; ONNX Runtime's FP32
    result differs by TF32's rounding, reported beside it."""
    a = np.load(os.path.join(expected_dir, "input_0.npy"))
    b = np.load(os.path.join(expected_dir, "input_1.npy"))
    want = tf32(a).astype(np.float64) @ tf32(b).astype(np.float64)
    outputs = glob.glob(os.path.join(out_dir, "*.npy"))
    if len(outputs) != 1:
        print(f"MISMATCH {len(outputs)} outputs, 1 expected")
        return 1
    got = np.load(outputs[0]).astype(np.float64)
    fp32 = np.load(os.path.join(expected_dir, "expected_0.npy")).astype(np.float64)
    diff = float(np.abs(got - want).max())
    ok = diff <= 1e-4 * max(1.0, float(np.abs(want).max()))
    print(("match" if ok else "MISMATCH") + f" (TF32 inputs, model-level) "
          f"max_abs_diff={diff:.3g}; vs FP32 max_abs_diff="
          f"{float(np.abs(got - fp32).max()):.3g}")
    return 0 if ok else 1


def main(out_dir, expected_dir, rtol=1e-3, atol=1e-5):
    flags = os.path.join(expected_dir, "FLAGS")
    if os.path.exists(flags) and "--gpu-tf32" in open(flags).read():
        return tf32_matmul(out_dir, expected_dir)
    outputs = sorted(glob.glob(os.path.join(out_dir, "*.npy")))
    meta = os.path.join(expected_dir, "meta.json")
    if os.path.exists(meta):
        # The zoo's models name their outputs: compare in the model's order.
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from e2e_compare import harness_file_names
        with open(meta) as f:
            names = json.load(f)["outputs"]
        outputs = [os.path.join(out_dir, n) for n in harness_file_names(names)]
    expected = sorted(glob.glob(os.path.join(expected_dir, "expected_*.npy")),
                      key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
    if len(outputs) != len(expected):
        print(f"MISMATCH {len(outputs)} outputs, {len(expected)} expected")
        return 1
    worst, ok_elementwise, ok_model = 0.0, True, True
    # Output files are named after the model's outputs; without a meta.json
    # multi-output models compare in name order.
    for out, exp in zip(outputs, expected):
        if not os.path.exists(out):
            print(f"MISMATCH no output {os.path.basename(out)}")
            return 1
        a, e = np.load(out), np.load(exp)
        if a.shape != e.shape:
            print(f"MISMATCH shape {a.shape} vs {e.shape}")
            return 1
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64))
        both_nan = np.isnan(a) & np.isnan(e)
        scale = max(1.0, float(np.nanmax(np.abs(e)))) if e.size else 1.0
        r, t = rtol, atol
        if e.dtype == np.float16:
            # A half-precision result rounds once from an f32 accumulator: one
            # rounding step of f16 apart (a relative eps), plus the
            # accumulator's own error where a sum cancels (near zero).
            r, t = max(rtol, float(np.finfo(np.float16).eps)), max(atol, 1e-4 * scale)
        bad = ~(both_nan | (diff <= t + r * np.abs(e)))
        largest = float(np.nanmax(np.where(both_nan, 0, diff))) if diff.size else 0.0
        worst = max(worst, largest)
        ok_elementwise &= not bad.any()
        ok_model &= largest <= 1e-4 * scale
    rule = "elementwise" if ok_elementwise else "model-level" if ok_model else ""
    print(("match" if rule else "MISMATCH") + f" ({rule or 'both rules fail'}) "
          f"max_abs_diff={worst:.3g}")
    return 0 if rule else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0], args[1], *(float(x) for x in args[2:])))
