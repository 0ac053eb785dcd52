#!/usr/bin/env python3
"""Models for the GPU run (bench/gpu/run-on-gpu.sh): small ONNX graphs with
fixed inputs and ONNX Runtime's outputs, written to DIR/<name>/.

usage: models.py DIR
"""
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper


def make(name, nodes, inputs, outputs, initializers, feeds, directory, numerics=True,
         reference=None):
    """Writes DIR/NAME/model.onnx and, with `numerics`, the inputs and the
    expected outputs: ONNX Runtime's, or reference(feeds) where ONNX
    Runtime's CPU provider lacks the kernel."""
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = os.path.join(directory, name)
    os.makedirs(path, exist_ok=True)
    onnx.save(model, os.path.join(path, "model.onnx"))
    if not numerics:
        return  # Timed only: its tensors would not fit the bundle.
    if reference:
        results = reference(feeds)
    else:
        session = ort.InferenceSession(model.SerializeToString(),
                                       providers=["CPUExecutionProvider"])
        results = session.run(None, feeds)
    for i, (key, value) in enumerate(feeds.items()):
        np.save(os.path.join(path, f"input_{i}.npy"), value)
    for i, value in enumerate(results):
        np.save(os.path.join(path, f"expected_{i}.npy"), value)


def tensor(name, shape, element=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, element, shape)


def main(directory):
    rng = np.random.default_rng(7)
    f32 = lambda *s: rng.standard_normal(s).astype(np.float32)

    # Square FP32 GEMMs, both operands graph inputs (the cuBLAS comparison).
    for n in (256, 1024, 2048, 4096):
        make(f"gemm{n}", [helper.make_node("MatMul", ["a", "b"], ["c"])],
             [tensor("a", [n, n]), tensor("b", [n, n])], [tensor("c", [n, n])], [],
             {"a": f32(n, n), "b": f32(n, n)}, directory, numerics=n <= 1024)

    # A product with few outputs and a long reduction (128 x 128 of 4096),
    # which the staged kernels cut along k (codegen/gpu/SplitProduct.h);
    # cuBLAS's time on the same shape is the reference.
    m, n, k = 128, 128, 4096
    make(f"gemm{m}x{n}x{k}", [helper.make_node("MatMul", ["a", "b"], ["c"])],
         [tensor("a", [m, k]), tensor("b", [k, n])], [tensor("c", [m, n])], [],
         {"a": f32(m, k), "b": f32(k, n)}, directory)

    # Half-precision GEMMs (tensor cores, f32 accumulation; the cuBLAS
    # comparison is cublasGemmEx in the same types). f16 at 1024 is checked
    # against the float64 product of its inputs rounded once to f16 (ONNX
    # Runtime's CPU provider has no f16 MatMul); bf16 is timed only (.npy
    # has no bfloat16; test/gpu/staged-matmul.test checks its numerics in
    # emulation).
    for n in (1024, 2048, 4096):
        a16, b16 = f32(n, n).astype(np.float16), f32(n, n).astype(np.float16)
        make(f"gemm{n}_f16", [helper.make_node("MatMul", ["a", "b"], ["c"])],
             [tensor("a", [n, n], TensorProto.FLOAT16), tensor("b", [n, n], TensorProto.FLOAT16)],
             [tensor("c", [n, n], TensorProto.FLOAT16)], [], {"a": a16, "b": b16}, directory,
             numerics=n <= 1024,
             reference=lambda f: [(f["a"].astype(np.float64) @ f["b"].astype(np.float64))
                                  .astype(np.float16)])
        make(f"gemm{n}_bf16", [helper.make_node("MatMul", ["a", "b"], ["c"])],
             [tensor("a", [n, n], TensorProto.BFLOAT16),
              tensor("b", [n, n], TensorProto.BFLOAT16)],
             [tensor("c", [n, n], TensorProto.BFLOAT16)], [], {}, directory, numerics=False)

    # A conv block: conv (pads, stride 2) + bias + relu, then a depthwise conv
    # and a global average pool.
    w1 = numpy_helper.from_array(f32(32, 16, 3, 3) * 0.2, "w1")
    b1 = numpy_helper.from_array(f32(32), "b1")
    w2 = numpy_helper.from_array(f32(32, 1, 3, 3) * 0.3, "w2")
    make("convnet",
         [helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], pads=[1, 1, 1, 1], strides=[2, 2]),
          helper.make_node("Relu", ["c1"], ["r1"]),
          helper.make_node("Conv", ["r1", "w2"], ["c2"], pads=[1, 1, 1, 1], group=32),
          helper.make_node("Sigmoid", ["c2"], ["s2"]),
          helper.make_node("MaxPool", ["s2"], ["p2"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1),
          helper.make_node("GlobalAveragePool", ["p2"], ["y"])],
         [tensor("x", [2, 16, 56, 56])], [tensor("y", [2, 32, 1, 1])], [w1, b1, w2],
         {"x": f32(2, 16, 56, 56)}, directory)

    # An MLP with a softmax: gemm with transposed weights, tanh, batch norm.
    wa = numpy_helper.from_array(f32(512, 256) * 0.05, "wa")
    ba = numpy_helper.from_array(f32(512), "ba")
    wb = numpy_helper.from_array(f32(10, 512) * 0.05, "wb")
    make("mlp",
         [helper.make_node("Gemm", ["x", "wa", "ba"], ["h"], transB=1),
          helper.make_node("Tanh", ["h"], ["t"]),
          helper.make_node("Gemm", ["t", "wb"], ["l"], transB=1, alpha=2.0),
          helper.make_node("Softmax", ["l"], ["y"], axis=-1)],
         [tensor("x", [8, 256])], [tensor("y", [8, 10])], [wa, ba, wb],
         {"x": f32(8, 256)}, directory)

    # Batched matmul with broadcasting and a transpose + concat.
    make("attention_like",
         [helper.make_node("MatMul", ["q", "k"], ["s"]),
          helper.make_node("Softmax", ["s"], ["p"], axis=-1),
          helper.make_node("Transpose", ["p"], ["pt"], perm=[0, 2, 1]),
          helper.make_node("Concat", ["p", "pt"], ["y"], axis=2)],
         [tensor("q", [4, 64, 32]), tensor("k", [32, 64])], [tensor("y", [4, 64, 128])], [],
         {"q": f32(4, 64, 32), "k": f32(32, 64)}, directory)


if __name__ == "__main__":
    main(sys.argv[1])
