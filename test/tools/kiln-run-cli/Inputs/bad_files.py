"""Broken inputs and expected outputs for kiln-run's command line tests.

  bad_files.py CASE_DIR OUT_DIR

CASE_DIR holds cases.py's multi_io files (inputs "left" and "right",
float32[2, 5, 6]; outputs "features" and "scores", float32[2, 5, 4]). Writes
into OUT_DIR:
  left_f64.npy         input 0 as float64
  left_transposed.npy  input 0 as [2, 6, 5]
  left_flat.npy        input 0 as [60]
  garbage.npy          not a .npy file
  scores_off.npy       expected output 1 with element [1, 2, 3] 0.01 off
  scores_within.npy    expected output 1 with element [1, 2, 3] 1e-5 off
  scores_reshaped.npy  expected output 1 as [2, 20]
  scores_int.npy       expected output 1 as int32
"""

import os
import sys

import numpy as np


def main(case_dir, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    left = np.load(os.path.join(case_dir, "input_0.npy"))
    scores = np.load(os.path.join(case_dir, "expected_1.npy"))

    def save(name, array):
        np.save(os.path.join(out_dir, name), array)

    save("left_f64.npy", left.astype(np.float64))
    save("left_transposed.npy", np.ascontiguousarray(left.transpose(0, 2, 1)))
    save("left_flat.npy", left.reshape(-1))
    with open(os.path.join(out_dir, "garbage.npy"), "wb") as f:
        f.write(b"not numpy\n")
    off = scores.copy()
    off[1, 2, 3] += np.float32(0.01)
    save("scores_off.npy", off)
    within = scores.copy()
    within[1, 2, 3] += np.float32(1e-5)
    save("scores_within.npy", within)
    save("scores_reshaped.npy", scores.reshape(2, 20))
    save("scores_int.npy", scores.astype(np.int32))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
