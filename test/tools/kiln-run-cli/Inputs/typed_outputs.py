"""Inputs and checks for output-dir.test.

  typed_outputs.py input DIR   writes DIR/x.npy
  typed_outputs.py check DIR   checks the files kiln-run --output-dir wrote

The check reads the .pb file as an ONNX TensorProto with onnx's own parser
and compares its raw bits with numpy's: bfloat16 as float32 rounded to
nearest even (Cast's rounding). (kiln-tensorio-test's unit checks cover the
packed 4- and 2-bit types.)
"""
import os
import sys

import numpy as np
import onnx

X = np.array([[1.0, -2.5, 3.14159], [7.9, -100.0, 0.0]], dtype=np.float32)


def bfloat16_bits(values):
    bits = values.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype(np.uint16)


def check(directory):
    print("files:", " ".join(sorted(os.listdir(directory))))
    relu = np.load(os.path.join(directory, "relu_out.npy"))
    assert np.array_equal(relu, np.maximum(X, 0)), relu
    half = onnx.load_tensor(os.path.join(directory, "half.pb"))
    assert half.name == "half" and list(half.dims) == [2, 3], half
    assert half.data_type == onnx.TensorProto.BFLOAT16
    got = np.frombuffer(half.raw_data, dtype=np.uint16)
    assert np.array_equal(got, bfloat16_bits(X).ravel()), (got, bfloat16_bits(X))
    print("relu_out.npy and half.pb hold the expected bits")


if __name__ == "__main__":
    if sys.argv[1] == "input":
        np.save(os.path.join(sys.argv[2], "x.npy"), X)
    else:
        check(sys.argv[2])
