#!/usr/bin/env python3
"""Compares outputs with expected .npy files and prints one line:
"match ..." or "MISMATCH ...". Exit 0 on match, 1 otherwise.

Two criteria, both reported: ONNX's elementwise rule (|a - e| <= atol +
rtol * |e|, NaN equals NaN) and the model-level rule Kiln uses for whole
networks, max|a - e| <= 1e-4 * max(1, max|e|). Long FP32 reductions (a
GEMM with K = 1024) differ from ONNX Runtime's summation order by more
than the elementwise rule allows near zero, so a result matches when either
rule holds; the line says which.

usage: compare.py OUT_DIR EXPECTED_DIR [RTOL ATOL]
"""
import glob
import os
import sys

import numpy as np


def main(out_dir, expected_dir, rtol=1e-3, atol=1e-5):
    outputs = sorted(glob.glob(os.path.join(out_dir, "*.npy")))
    expected = sorted(glob.glob(os.path.join(expected_dir, "expected_*.npy")),
                      key=lambda p: int(p.rsplit("_", 1)[1].split(".")[0]))
    if len(outputs) != len(expected):
        print(f"MISMATCH {len(outputs)} outputs, {len(expected)} expected")
        return 1
    worst, ok_elementwise, ok_model = 0.0, True, True
    # Output files are named after the model's outputs; a single-output model
    # is the common case, multi-output models compare in name order.
    for out, exp in zip(outputs, expected):
        a, e = np.load(out), np.load(exp)
        if a.shape != e.shape:
            print(f"MISMATCH shape {a.shape} vs {e.shape}")
            return 1
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64))
        both_nan = np.isnan(a) & np.isnan(e)
        bad = ~(both_nan | (diff <= atol + rtol * np.abs(e)))
        largest = float(np.nanmax(np.where(both_nan, 0, diff))) if diff.size else 0.0
        worst = max(worst, largest)
        ok_elementwise &= not bad.any()
        scale = max(1.0, float(np.nanmax(np.abs(e)))) if e.size else 1.0
        ok_model &= largest <= 1e-4 * scale
    rule = "elementwise" if ok_elementwise else "model-level" if ok_model else ""
    print(("match" if rule else "MISMATCH") + f" ({rule or 'both rules fail'}) "
          f"max_abs_diff={worst:.3g}")
    return 0 if rule else 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0], args[1], *(float(x) for x in args[2:])))
