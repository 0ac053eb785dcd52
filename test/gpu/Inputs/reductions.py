"""Inputs and expected outputs for reductions.onnx.txt (float64 references)."""
import os
import sys

import numpy as np

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(7)
x = rng.standard_normal(3000).astype(np.float32)
y = rng.standard_normal((4, 700)).astype(np.float16)
z = rng.integers(-1000, 1000, size=(5, 300), dtype=np.int32)
w = rng.standard_normal((3, 1, 4096)).astype(np.float32)
inputs = [x, y, z, w]
expected = [
    np.array(x.astype(np.float64).sum(), dtype=np.float32),
    y.max(axis=1),
    z.sum(axis=1, dtype=np.int32),
    w.min(axis=(1, 2)),
    np.array(w.astype(np.float64).mean(), dtype=np.float32),
]
for i, a in enumerate(inputs):
    np.save(os.path.join(out, f"input_{i}.npy"), a)
for i, a in enumerate(expected):
    np.save(os.path.join(out, f"expected_{i}.npy"), a)
