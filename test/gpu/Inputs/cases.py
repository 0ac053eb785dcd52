"""Inputs and float64-reference outputs for the models in this folder.

Usage: cases.py CASE DIR (CASE: reductions, matmuls) writes DIR/input_<i>.npy
and DIR/expected_<i>.npy in graph order.
"""
import os
import sys

import numpy as np


def reductions(rng):
    x = rng.standard_normal(3000).astype(np.float32)
    y = rng.standard_normal((4, 700)).astype(np.float16)
    z = rng.integers(-1000, 1000, size=(5, 300), dtype=np.int32)
    w = rng.standard_normal((3, 1, 4096)).astype(np.float32)
    expected = [
        np.array(x.astype(np.float64).sum(), dtype=np.float32),
        y.max(axis=1),
        z.sum(axis=1, dtype=np.int32),
        w.min(axis=(1, 2)),
        np.array(w.astype(np.float64).mean(), dtype=np.float32),
    ]
    return [x, y, z, w], expected


def matmuls(rng):
    a = rng.standard_normal((64, 48)).astype(np.float32)
    b = rng.standard_normal((48, 80)).astype(np.float32)
    x = rng.standard_normal((3, 32, 64)).astype(np.float32)
    y = rng.standard_normal((3, 64, 16)).astype(np.float32)
    g = rng.standard_normal((32, 48)).astype(np.float32)
    f64 = lambda v: v.astype(np.float64)
    expected = [(f64(a) @ b).astype(np.float32), (f64(x) @ y).astype(np.float32),
                (0.5 * (f64(a) @ g.T)).astype(np.float32)]
    return [a, b, x, y, g], expected


def main():
    case, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    inputs, expected = {"reductions": reductions, "matmuls": matmuls}[case](
        np.random.default_rng(7))
    for i, a in enumerate(inputs):
        np.save(os.path.join(out, f"input_{i}.npy"), a)
    for i, a in enumerate(expected):
        np.save(os.path.join(out, f"expected_{i}.npy"), a)


if __name__ == "__main__":
    main()
