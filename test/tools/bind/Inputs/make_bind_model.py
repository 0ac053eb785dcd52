"""Writes a model whose output shape depends on a graph input, for bind.test.

    make_bind_model.py DIR

DIR/model.onnx: y = Reshape(x, shape) * 2 with x float32 [2, 3, 4] and
shape an int64 [2] graph input; DIR/shape.npy holds [4, 6] (the value to
bind), DIR/other_shape.npy [6, 4], DIR/x.npy the input and DIR/y.npy the
expected output for shape [4, 6].
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def main(out):
    os.makedirs(out, exist_ok=True)
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["x", "shape"], ["r"]),
         helper.make_node("Mul", ["r", "two"], ["y"])],
        "bind",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4]),
         helper.make_tensor_value_info("shape", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        [helper.make_tensor("two", TensorProto.FLOAT, [], [2.0])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(out, "model.onnx"))
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "shape.npy"), np.array([4, 6], dtype=np.int64))
    np.save(os.path.join(out, "other_shape.npy"), np.array([6, 4], dtype=np.int64))
    np.save(os.path.join(out, "short_shape.npy"), np.array([24], dtype=np.int64))
    np.save(os.path.join(out, "y.npy"), x.reshape(4, 6) * 2)
    x.astype(np.float32).tofile(os.path.join(out, "x.bin"))


if __name__ == "__main__":
    main(sys.argv[1])
