#!/usr/bin/env python3
"""Random products, convolutions, means and normalizations around the GPU
path's kernel choices, run emulated and compared with float64 references.

kiln-tile-for-gpu picks a kernel by shape: one output a thread, a block
per output, a column reduction, a staged matmul (whole, or with its k cut
into slices), the tensor cores with --gpu-tf32, a warp per row (a block
past 1024) for a softmax or LayerNorm of rows of 32 to 8192. Each case is
a one-node (or Gemm + Relu) model with sides drawn from values on both
sides of those boundaries (m = 1 or 16, n = 31 or 32, k = 255 or 256, a k
of 1021 with no divisor, rows of 31, 32, 1024, 1025, 8192 or 8193...),
and f16 products on the tensor cores (k and n odd or even, blocks of 32
or 64 columns and more); `kiln-run --emulate-gpu` runs it and compares
with the reference (1e-4 absolute; TF32 builds 2e-2, the rounding of their
inputs; f16 2e-3 absolute and relative, the rounding of the output).

usage: random_shapes.py --kiln-run KILN_RUN --work DIR [--seed N] [--cases N]
                        [--kinds K1,K2...] [--kiln-run-arg FLAG]...
(each --kiln-run-arg is passed to every kiln-run, e.g.
--kiln-run-arg=--gpu-async-copies).
Prints one line a case and "N failures"; exits 1 on any failure.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper


def gemm_relu(rng, a, b, product, label):
    """Gemm (a, b, a bias of b's type) + Relu, B given as it is or (half
    the time) as [n, k], which the staged kernel copies along k; the
    float64 reference from `product` (a b)."""
    bias = rng.standard_normal([b.shape[-1]]).astype(b.dtype)
    trans_b = int(rng.random() < 0.5)
    nodes = [helper.make_node("Gemm", ["a", "b", "c"], ["g"], transB=trans_b),
             helper.make_node("Relu", ["g"], ["y"])]
    inputs = {"a": a, "b": np.ascontiguousarray(b.T) if trans_b else b, "c": bias}
    return (nodes, inputs, np.maximum(product + bias, 0),
            label + (" transB" if trans_b else ""))


def product_case(rng, kind):
    m = int(rng.choice([1, 2, 7, 16, 33, 64, 128]))
    n = int(rng.choice([16, 31, 32, 40, 100, 384, 1000]))
    k = int(rng.choice([17, 64, 128, 255, 256, 300, 512, 1021, 1024, 2048, 4608]))
    batch = int(rng.choice([1, 2, 3])) if kind == "batched" else None
    if m * n * k * (batch or 1) > 40_000_000:
        return None
    a = rng.standard_normal([batch, m, k] if batch else [m, k]).astype(np.float32)
    b = (rng.standard_normal([batch, k, n] if batch else [k, n]) / np.sqrt(k)).astype(np.float32)
    inputs = {"a": a, "b": b}
    product = a.astype(np.float64) @ b.astype(np.float64)
    if kind == "gemm":
        return gemm_relu(rng, a, b, product, f"gemm+relu m={m} n={n} k={k}")
    nodes = [helper.make_node("MatMul", ["a", "b"], ["y"])]
    return nodes, inputs, product, f"matmul batch={batch} m={m} n={n} k={k}"


def half_case(rng):
    """An f16 MatMul, or Gemm (B maybe given as [n, k]) + Relu: the
    tensor-core kernel of f16 inputs, whose copies of A in pairs and of B
    in quads depend on k and n being even and on the block's columns."""
    m = int(rng.choice([1, 16, 33, 64, 100, 128]))
    n = int(rng.choice([8, 31, 32, 40, 64, 100, 128, 200]))
    k = int(rng.choice([15, 16, 17, 32, 40, 64, 130, 256, 1021]))
    a = rng.standard_normal([m, k]).astype(np.float16)
    b = (rng.standard_normal([k, n]) / np.sqrt(k)).astype(np.float16)
    product = a.astype(np.float64) @ b.astype(np.float64)
    if rng.random() < 0.5:
        return ([helper.make_node("MatMul", ["a", "b"], ["y"])], {"a": a, "b": b},
                product.astype(np.float16), f"f16 matmul m={m} n={n} k={k}")
    nodes, inputs, reference, label = gemm_relu(rng, a, b, product,
                                                f"f16 gemm+relu m={m} n={n} k={k}")
    return nodes, inputs, reference.astype(np.float16), label


def conv_case(rng):
    c = int(rng.choice([3, 16, 64, 128, 512]))
    f = int(rng.choice([8, 16, 40, 64, 512]))
    side = int(rng.choice([7, 9, 14]))
    kernel = int(rng.choice([1, 3]))
    pad = kernel // 2
    x = rng.standard_normal([1, c, side, side]).astype(np.float32)
    w = (rng.standard_normal([f, c, kernel, kernel]) / np.sqrt(c * kernel * kernel)).astype(np.float32)
    padded = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    reference = np.zeros([1, f, side, side])
    for i in range(kernel):
        for j in range(kernel):
            reference += np.einsum("nchw,fc->nfhw", padded[:, :, i:i + side, j:j + side],
                                   w[:, :, i, j].astype(np.float64))
    nodes = [helper.make_node("Conv", ["a", "b"], ["y"], pads=[pad] * 4)]
    return nodes, {"a": x, "b": w}, reference, f"conv c={c} f={f} {side}x{side} {kernel}x{kernel}"


def mean_case(rng):
    steps = int(rng.choice([16, 64, 300, 1000, 5000]))
    n = int(rng.choice([20, 32, 200, 1000]))
    x = rng.standard_normal([1, steps, n]).astype(np.float32)
    nodes = [helper.make_node("ReduceMean", ["a"], ["y"], axes=[1], keepdims=0)]
    return nodes, {"a": x}, x.astype(np.float64).mean(axis=1), f"mean over {steps} of {n}"


def norm_case(rng):
    rows = int(rng.choice([1, 3, 8, 13, 100, 1000]))
    length = int(rng.choice([16, 31, 32, 33, 100, 128, 768, 1024, 1025, 2048, 3000, 8192,
                             8193]))
    x = (rng.standard_normal([rows, length]) * 3).astype(np.float32)
    x64 = x.astype(np.float64)
    op = str(rng.choice(["Softmax", "LogSoftmax", "LayerNormalization"]))
    if op == "LayerNormalization":
        scale = rng.standard_normal([length]).astype(np.float32)
        bias = rng.standard_normal([length]).astype(np.float32)
        centred = x64 - x64.mean(axis=-1, keepdims=True)
        reference = centred / np.sqrt((centred ** 2).mean(axis=-1, keepdims=True) + 1e-5)
        reference = reference * scale + bias
        nodes = [helper.make_node(op, ["a", "b", "c"], ["y"], axis=-1, epsilon=1e-5)]
        return nodes, {"a": x, "b": scale, "c": bias}, reference, f"layernorm {rows} rows of {length}"
    shifted = x64 - x64.max(axis=-1, keepdims=True)
    logs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
    reference = logs if op == "LogSoftmax" else np.exp(logs)
    nodes = [helper.make_node(op, ["a"], ["y"], axis=-1)]
    return nodes, {"a": x}, reference, f"{op.lower()} {rows} rows of {length}"


KINDS = ["matmul", "gemm", "batched", "conv", "mean", "norm", "half"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiln-run", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--kiln-run-arg", action="append", default=[])
    parser.add_argument("--kinds", default=",".join(KINDS),
                        help="the kinds of case to draw from (comma-separated; default all: "
                        + ", ".join(KINDS) + ")")
    args = parser.parse_args()
    kinds = args.kinds.split(",")
    if not kinds or any(kind not in KINDS for kind in kinds):
        parser.error(f"--kinds takes names among {', '.join(KINDS)}")
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.work, exist_ok=True)
    failures = 0
    case = 0
    while case < args.cases:
        kind = str(rng.choice(kinds))
        made = (conv_case(rng) if kind == "conv" else mean_case(rng) if kind == "mean"
                else norm_case(rng) if kind == "norm" else half_case(rng) if kind == "half"
                else product_case(rng, kind))
        if made is None:
            continue
        nodes, inputs, reference, description = made
        tf32 = kind not in ("mean", "norm", "half") and rng.random() < 0.3
        half = kind == "half"
        element = TensorProto.FLOAT16 if half else TensorProto.FLOAT
        graph = helper.make_graph(
            nodes, "random_shape",
            [helper.make_tensor_value_info(name, element, list(value.shape))
             for name, value in inputs.items()],
            [helper.make_tensor_value_info("y", element, list(reference.shape))])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        path = os.path.join(args.work, f"case{case}.onnx")
        onnx.save(model, path)
        command = ([args.kiln_run, path, "--emulate-gpu"] + (["--gpu-tf32"] if tf32 else []) +
                   args.kiln_run_arg)
        for i, value in enumerate(inputs.values()):
            np.save(os.path.join(args.work, f"case{case}_input{i}.npy"), value)
            command += ["--inputs", os.path.join(args.work, f"case{case}_input{i}.npy")]
        expected = os.path.join(args.work, f"case{case}_expected.npy")
        np.save(expected, reference if half else reference.astype(np.float32))
        command += ["--expected", expected]
        # (f16: the reference and the kernel each round once to f16, a
        # relative 2^-11, from sums of f32 products that differ in order.)
        command += (["--rtol", "2e-2", "--atol", "2e-2"] if tf32 else
                    ["--rtol", "2e-3", "--atol", "2e-3"] if half else ["--atol", "1e-4"])
        run = subprocess.run(command, capture_output=True, text=True)
        label = description + (" --gpu-tf32" if tf32 else "")
        if run.returncode != 0 or "MISMATCH" in run.stdout:
            failures += 1
            print(f"FAIL {label}: {(run.stdout + run.stderr).strip()[-300:]}")
        else:
            print(f"ok   {label}")
        case += 1
    print(f"{failures} failures")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
