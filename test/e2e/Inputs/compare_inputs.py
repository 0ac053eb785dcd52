"""Files for compare-py.test.

  compare_inputs.py CASE_DIR OUT_DIR

CASE_DIR holds cases.py's multi_io files. Writes into OUT_DIR variants of
expected output 1 ("scores", float32[2, 5, 4]): scores_off.npy (element
[0, 1, 2] 1e-3 off), scores_reshaped.npy, scores_f64.npy; and single-output
models with their files: special.onnx (output "special") with
special_expected.npy ([nan, 1, inf, -inf]), special/special.npy (equal) and
flipped/special.npy (-inf and inf swapped), ints_expected.npy and
ints_off/special.npy (int64, one element 1 off), names.onnx (outputs
"a/b:0", ".hidden", "a_b_0") with names/<file>.npy as kiln_harness names
them.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def output_model(path, names):
    """A model whose only use here is its output names."""
    inputs = [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])]
    nodes = [helper.make_node("Identity", ["x"], [n]) for n in names]
    outputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [4])
               for n in names]
    onnx.save(helper.make_model(helper.make_graph(nodes, "g", inputs, outputs),
                                opset_imports=[helper.make_opsetid("", 17)]),
              path)


def main(case_dir, out_dir):
    def save(name, array):
        path = os.path.join(out_dir, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        np.save(path, array)

    scores = np.load(os.path.join(case_dir, "expected_1.npy"))
    off = scores.copy()
    off[0, 1, 2] += np.float32(1e-3)
    save("scores_off.npy", off)
    save("scores_reshaped.npy", scores.reshape(2, 20))
    save("scores_f64.npy", scores.astype(np.float64))

    output_model(os.path.join(out_dir, "special.onnx"), ["special"])
    special = np.array([np.nan, 1, np.inf, -np.inf], dtype=np.float32)
    save("special_expected.npy", special)
    save("special/special.npy", special)
    save("flipped/special.npy", special[[0, 1, 3, 2]])
    ints = np.array([5, -7, 2**40], dtype=np.int64)
    save("ints_expected.npy", ints)
    save("ints_off/special.npy", ints + np.array([0, 1, 0]))

    output_model(os.path.join(out_dir, "names.onnx"),
                 ["a/b:0", ".hidden", "a_b_0"])
    for file in ["a_b_0", "_hidden", "a_b_0_2"]:
        save(f"names/{file}.npy", special)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2])
