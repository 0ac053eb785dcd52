#!/usr/bin/env python3
"""Random products, convolutions, pools, means and normalizations around
the GPU path's kernel choices, run emulated and compared with float64
references.

kiln-tile-for-gpu picks a kernel by shape: one output a thread, a block
per output, a column reduction, a staged matmul (whole, or with its k cut
into slices), the tensor cores with --gpu-tf32, a warp per row (a block
past 1024) for a softmax or LayerNorm of rows of 32 to 8192. Each case is
a one-node (or Gemm + Relu) model with sides drawn from values on both
sides of those boundaries (m = 1 or 16, n = 31 or 32, k = 255 or 256, a k
of 1021 with no divisor, rows of 31, 32, 1024, 1025, 8192 or 8193...),
and f16 products on the tensor cores (k and n odd or even, blocks of 32
or 64 columns and more); convolutions with strides, dilations, uneven
paddings, groups and batches, 1-D and 2-D, f32 or f16 (`strided`), max
and average pools (`pool`), transposed convolutions (`transposed`, every
other one with its weights fixed at compile time by `kiln-run --bind`),
reductions over random axes (`reduce`), chains of broadcasting
elementwise nodes (`elementwise`), data movement (`layout`: Transpose,
Slice, Pad, Concat) and indexing (`index`: Gather, ArgMax, ArgMin,
CumSum), and resizes (`resize`, ONNX Runtime's output the reference);
`kiln-run --emulate-gpu` runs it and compares
with the reference (1e-4 absolute; TF32 builds 2e-2, the rounding of their
inputs; f16 2e-3 absolute and relative, the rounding of the output).

usage: random_shapes.py --kiln-run KILN_RUN --work DIR [--seed N] [--cases N]
                        [--kinds K1,K2...] [--kiln-run-arg FLAG]... [--cpu]
(each --kiln-run-arg is passed to every kiln-run, e.g.
--kiln-run-arg=--gpu-async-copies; --cpu runs the same cases' CPU builds
instead, against the same references, with no --gpu-tf32).
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
    """A 2-D convolution, stride 1 and same padding, of channels and maps
    around the staged kernel's tile sizes."""
    c = int(rng.choice([3, 16, 64, 128, 512]))
    f = int(rng.choice([8, 16, 40, 64, 512]))
    side = int(rng.choice([7, 9, 14]))
    kernel = int(rng.choice([1, 3]))
    pad = kernel // 2
    x = rng.standard_normal([1, c, side, side]).astype(np.float32)
    w = (rng.standard_normal([f, c, kernel, kernel]) / np.sqrt(c * kernel * kernel)).astype(np.float32)
    reference = convolution(x, w, [1, 1], [1, 1], [pad] * 4, 1)
    nodes = [helper.make_node("Conv", ["a", "b"], ["y"], pads=[pad] * 4)]
    return nodes, {"a": x, "b": w}, reference, f"conv c={c} f={f} {side}x{side} {kernel}x{kernel}"


def tap_points(tap, dilations, strides, counts):
    """The slices, one a spatial axis, of the `counts` points a window tap
    meets: from the tap's offset (times the dilation), a stride apart."""
    return tuple(slice(t * d, t * d + (n - 1) * s + 1, s)
                 for t, d, s, n in zip(tap, dilations, strides, counts))


def convolution(x, w, strides, dilations, pads, group):
    """ONNX Conv in float64: x [N, C, *spatial], w [F, C / group, *kernel],
    pads as ONNX gives them (all begins, then all ends)."""
    dims = x.ndim - 2
    x = np.pad(x.astype(np.float64),
               [(0, 0), (0, 0)] + [(pads[i], pads[dims + i]) for i in range(dims)])
    kernel = w.shape[2:]
    out = [(x.shape[2 + i] - dilations[i] * (kernel[i] - 1) - 1) // strides[i] + 1
           for i in range(dims)]
    f, cg = w.shape[0], w.shape[1]
    fg = f // group
    y = np.zeros([x.shape[0], f] + out)
    for tap in np.ndindex(*kernel):
        window = x[(slice(None), slice(None)) + tap_points(tap, dilations, strides, out)]
        for g in range(group):
            y[:, g * fg:(g + 1) * fg] += np.einsum(
                "nc...,fc->nf...", window[:, g * cg:(g + 1) * cg],
                w[(slice(g * fg, (g + 1) * fg), slice(None)) + tap].astype(np.float64))
    return y


def strided_conv_case(rng):
    """A 1-D or 2-D convolution with what conv_case leaves out: strides,
    dilations, uneven paddings, groups (depthwise among them), a batch of
    two, rectangular maps, a bias and a Relu after it; f32 or f16."""
    dims = int(rng.choice([1, 2]))
    group = int(rng.choice([1, 1, 2, 4, 0]))  # 0: depthwise
    cg = int(rng.choice([1, 3, 8, 16, 48]))
    if group == 0:
        cg = 1
        group = int(rng.choice([8, 32, 96]))
    c = cg * group
    f = group * int(rng.choice([1, 2, 8, 24]))
    batch = int(rng.choice([1, 1, 2]))
    if dims == 1:
        kernel = [int(rng.choice([1, 3, 5, 11, 80]))]
        sizes = [int(rng.choice([20, 57, 400, 1600]))]
        strides = [int(rng.choice([1, 2, 3, 16]))]
    else:
        kernel = [int(rng.choice([1, 2, 3, 5, 7])) for _ in range(2)]
        sizes = [int(rng.choice([5, 8, 13, 28, 56])) for _ in range(2)]
        strides = [int(rng.choice([1, 1, 2, 3])) for _ in range(2)]
    dilations = [int(rng.choice([1, 1, 2])) if k > 1 else 1 for k in kernel]
    pads = [int(rng.integers(0, k)) for k in kernel] + [int(rng.integers(0, k)) for k in kernel]
    out = [(sizes[i] + pads[i] + pads[dims + i] - dilations[i] * (kernel[i] - 1) - 1) // strides[i] + 1
           for i in range(dims)]
    work = batch * f * int(np.prod(out)) * cg * int(np.prod(kernel))
    if min(out) < 1 or work > 30_000_000:
        return None
    half = rng.random() < 0.25
    element = np.float16 if half else np.float32
    x = rng.standard_normal([batch, c] + sizes).astype(element)
    w = (rng.standard_normal([f, cg] + kernel) / np.sqrt(cg * np.prod(kernel))).astype(element)
    reference = convolution(x, w, strides, dilations, pads, group)
    inputs = {"a": x, "b": w}
    names = ["a", "b"]
    if rng.random() < 0.5:
        inputs["c"] = rng.standard_normal([f]).astype(element)
        names.append("c")
        reference += inputs["c"].astype(np.float64).reshape([1, f] + [1] * dims)
    relu = rng.random() < 0.5
    conv = helper.make_node("Conv", names, ["r" if relu else "y"], kernel_shape=kernel,
                            strides=strides, dilations=dilations, pads=pads, group=group)
    nodes = [conv] + ([helper.make_node("Relu", ["r"], ["y"])] if relu else [])
    if relu:
        reference = np.maximum(reference, 0)
    if half:
        reference = reference.astype(np.float16)
    described = "x".join(map(str, sizes))
    return nodes, inputs, reference, (
        f"{'f16 ' if half else ''}conv{dims}d n={batch} c={c} f={f} group={group} {described} "
        f"kernel={kernel} strides={strides} dilations={dilations} pads={pads}"
        + (" +bias" if "c" in inputs else "") + (" +relu" if relu else ""))


def transposed_convolution(x, w, strides, dilations, pads, output_padding, group):
    """ONNX ConvTranspose in float64: x [N, C, *spatial], w [C, F / group,
    *kernel]; each input pixel adds its weighted kernel into the output at
    its position times the stride, less the begin padding."""
    dims = x.ndim - 2
    kernel = w.shape[2:]
    full = [(x.shape[2 + i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 +
            output_padding[i] for i in range(dims)]
    c, fg = w.shape[0], w.shape[1]
    cg = c // group
    y = np.zeros([x.shape[0], fg * group] + full)
    x = x.astype(np.float64)
    for tap in np.ndindex(*kernel):
        points = tap_points(tap, dilations, strides, x.shape[2:])
        for g in range(group):
            y[(slice(None), slice(g * fg, (g + 1) * fg)) + points] += np.einsum(
                "nc...,cf->nf...", x[:, g * cg:(g + 1) * cg],
                w[(slice(g * cg, (g + 1) * cg), slice(None)) + tap].astype(np.float64))
    return y[(slice(None), slice(None)) + tuple(
        slice(pads[i], full[i] - pads[dims + i]) for i in range(dims))]


def transposed_case(rng):
    """A 1-D or 2-D ConvTranspose: strides, dilations, paddings,
    output_padding, groups (depthwise ones among them), a bias; f32 or
    f16."""
    dims = int(rng.choice([1, 2]))
    group = int(rng.choice([1, 1, 2, 4, 0]))  # 0: depthwise
    cg = int(rng.choice([1, 3, 8, 16]))
    if group == 0:
        cg = 1
        group = int(rng.choice([8, 21, 64]))
    c = cg * group
    fg = int(rng.choice([1, 2, 8]))
    batch = int(rng.choice([1, 1, 2]))
    kernel = [int(rng.choice([1, 2, 3, 4, 5])) for _ in range(dims)]
    sizes = [int(rng.choice([3, 7, 16, 30] if dims == 2 else [5, 50, 200])) for _ in range(dims)]
    strides = [int(rng.choice([1, 2, 3])) for _ in range(dims)]
    dilations = [int(rng.choice([1, 1, 2])) for _ in range(dims)]
    output_padding = [int(rng.integers(0, max(strides[i], dilations[i]))) for i in range(dims)]
    pads = [int(rng.integers(0, k)) for k in kernel * 2]
    full = [(sizes[i] - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 + output_padding[i]
            for i in range(dims)]
    if any(full[i] - pads[i] - pads[dims + i] < 1 for i in range(dims)):
        return None
    element = np.float16 if rng.random() < 0.25 else np.float32
    x = rng.standard_normal([batch, c] + sizes).astype(element)
    w = (rng.standard_normal([c, fg] + kernel) / np.sqrt(cg * np.prod(kernel))).astype(element)
    reference = transposed_convolution(x, w, strides, dilations, pads, output_padding, group)
    inputs = {"a": x, "b": w}
    if rng.random() < 0.5:
        inputs["c"] = rng.standard_normal([fg * group]).astype(element)
        reference += inputs["c"].astype(np.float64).reshape([1, fg * group] + [1] * dims)
    nodes = [helper.make_node("ConvTranspose", list(inputs), ["y"], kernel_shape=kernel,
                              strides=strides, dilations=dilations, pads=pads,
                              output_padding=output_padding, group=group)]
    if element == np.float16:
        reference = reference.astype(np.float16)
    return nodes, inputs, reference, (
        f"{'f16 ' if element == np.float16 else ''}convtranspose{dims}d n={batch} c={c} f={fg * group} group={group} "
        f"{'x'.join(map(str, sizes))} kernel={kernel} strides={strides} dilations={dilations} "
        f"pads={pads} output_padding={output_padding}" + (" +bias" if "c" in inputs else ""))


def pool_case(rng):
    """MaxPool or AveragePool, 1-D or 2-D: strides, uneven paddings,
    ceil_mode, count_include_pad, MaxPool's dilations."""
    dims = int(rng.choice([1, 2]))
    op = str(rng.choice(["MaxPool", "AveragePool"]))
    c = int(rng.choice([1, 3, 16, 64]))
    sizes = [int(rng.choice([4, 7, 13, 28, 57])) for _ in range(dims)]
    kernel = [int(rng.choice([1, 2, 3, 5])) for _ in range(dims)]
    strides = [int(rng.choice([1, 2, 3])) for _ in range(dims)]
    dilations = ([int(rng.choice([1, 1, 2])) for _ in range(dims)] if op == "MaxPool"
                 else [1] * dims)
    # (At most half the window: every window meets the input.)
    pads = [int(rng.integers(0, (k + 1) // 2)) for k in kernel * 2]
    ceil = int(rng.random() < 0.3)
    include = int(rng.random() < 0.5) if op == "AveragePool" else 0
    reach = [dilations[i] * (kernel[i] - 1) + 1 for i in range(dims)]
    out = []
    for i in range(dims):
        span = sizes[i] + pads[i] + pads[dims + i] - reach[i]
        if span < 0:
            return None
        o = (-(-span // strides[i]) if ceil else span // strides[i]) + 1
        # (ONNX: a last window that starts in the end padding is dropped.)
        if ceil and (o - 1) * strides[i] >= sizes[i] + pads[i]:
            o -= 1
        out.append(o)
    x = (rng.standard_normal([1, c] + sizes) * 2).astype(np.float32)
    x64 = x.astype(np.float64)
    reference = np.zeros([1, c] + out)
    for position in np.ndindex(*out):
        taken, count = [], 0
        for tap in np.ndindex(*kernel):
            at = [position[i] * strides[i] - pads[i] + tap[i] * dilations[i] for i in range(dims)]
            inside = all(0 <= at[i] < sizes[i] for i in range(dims))
            # (count_include_pad counts the explicit padding, not what
            # ceil_mode adds past it.)
            padded = all(-pads[i] <= at[i] < sizes[i] + pads[dims + i] for i in range(dims))
            if inside:
                taken.append(x64[(0, slice(None)) + tuple(at)])
            count += inside or (include and padded)
        values = np.stack(taken)
        reference[(0, slice(None)) + position] = (values.max(axis=0) if op == "MaxPool"
                                                  else values.sum(axis=0) / count)
    attributes = dict(kernel_shape=kernel, strides=strides, pads=pads, ceil_mode=ceil)
    if op == "MaxPool":
        attributes["dilations"] = dilations
    else:
        attributes["count_include_pad"] = include
    nodes = [helper.make_node(op, ["a"], ["y"], **attributes)]
    return nodes, {"a": x}, reference, (
        f"{op.lower()} c={c} {'x'.join(map(str, sizes))} kernel={kernel} strides={strides} "
        f"dilations={dilations} pads={pads} ceil_mode={ceil}"
        + (f" count_include_pad={include}" if op == "AveragePool" else ""))


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


def random_shape(rng, limit):
    """A shape of rank 1 to 4, its sides around vector widths and tails (1,
    3, 7, 8, 15, 16, 17, 33, 64, 65, 127...), its largest side halved until
    it has at most `limit` elements."""
    rank = int(rng.integers(1, 5))
    shape = [int(rng.choice([1, 2, 3, 7, 8, 15, 16, 17, 33, 64, 65, 127])) for _ in range(rank)]
    while np.prod(shape) > limit:
        shape[int(np.argmax(shape))] //= 2
    return shape


def made(nodes, inputs, reference, element, name, shape, label):
    """A case as main takes it: the reference, rounded to f16 for an f16
    case, and a description of the op `name` on `shape`."""
    reference = np.asarray(reference)
    if element == np.float16:
        reference = reference.astype(np.float16)
    return nodes, inputs, reference, (
        f"{'f16 ' if element == np.float16 else ''}{name} {'x'.join(map(str, shape))} " + label)


def reduce_case(rng):
    """A ReduceSum, ReduceMean, ReduceMax, ReduceMin or ReduceL2 over a
    random set of axes (all of them, some, a middle one, the last),
    keepdims or not, of a tensor of rank 1 to 4 (at most 2^16 elements),
    f32 or f16."""
    shape = random_shape(rng, 1 << 16)
    rank = len(shape)
    count = int(rng.integers(1, rank + 1))
    axes = sorted(int(a) for a in rng.choice(rank, size=count, replace=False))
    keep = int(rng.random() < 0.5)
    op = str(rng.choice(["ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin", "ReduceL2"]))
    element = np.float16 if rng.random() < 0.25 else np.float32
    x = rng.standard_normal(shape).astype(element)
    x64 = x.astype(np.float64)
    reduce = {"ReduceSum": np.sum, "ReduceMean": np.mean, "ReduceMax": np.max,
              "ReduceMin": np.min,
              "ReduceL2": lambda v, axis, keepdims: np.sqrt(np.sum(v * v, axis=axis,
                                                                 keepdims=keepdims))}[op]
    reference = reduce(x64, axis=tuple(axes), keepdims=bool(keep))
    inputs = {"a": x}
    if op == "ReduceSum":  # (opset 13 and later: the axes as an input)
        nodes = [helper.make_node("Constant", [], ["axes"],
                                  value=helper.make_tensor("axes_value", TensorProto.INT64,
                                                           [len(axes)], axes)),
                 helper.make_node(op, ["a", "axes"], ["y"], keepdims=keep)]
    else:
        nodes = [helper.make_node(op, ["a"], ["y"], axes=axes, keepdims=keep)]
    return made(nodes, inputs, reference, element, op.lower(), shape,
                f"axes={axes} keepdims={keep}")


def elementwise_case(rng):
    """A chain of two or three elementwise nodes over inputs of rank 1 to
    4 that broadcast against each other (sides of 1, dropped leading
    axes): binary Add, Sub, Mul, Div, Max, Min and unary Relu, Sigmoid,
    Tanh, Exp, Abs, Neg; f32 or f16."""
    shape = random_shape(rng, 1 << 16)
    rank = len(shape)
    element = np.float16 if rng.random() < 0.25 else np.float32

    def operand():
        # A broadcastable view of `shape`: sides kept or 1, leading axes dropped.
        drop = int(rng.integers(0, rank))
        sides = [side if rng.random() < 0.6 else 1 for side in shape[drop:]]
        return (rng.standard_normal(sides) * 2).astype(element)

    inputs = {"a": (rng.standard_normal(shape) * 2).astype(element)}
    values = {"a": inputs["a"].astype(np.float64)}
    nodes, labels, current = [], [], "a"
    binary = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Max": np.maximum,
              "Min": np.minimum, "Div": np.divide}
    unary = {"Relu": lambda v: np.maximum(v, 0), "Sigmoid": lambda v: 1 / (1 + np.exp(-v)),
             "Tanh": np.tanh, "Exp": np.exp, "Abs": np.abs, "Neg": np.negative}
    for step in range(int(rng.integers(2, 4))):
        out = "y" if step == 2 else f"t{step}"
        if rng.random() < 0.6:
            op = str(rng.choice(list(binary)))
            name = "bcdef"[step]
            inputs[name] = operand()
            if op == "Div":  # (the divisor, away from zero)
                inputs[name] = (np.abs(inputs[name]) + 0.5).astype(element)
            other = inputs[name].astype(np.float64)
            ordered = [current, name] if op == "Div" or rng.random() < 0.5 else [name, current]
            nodes.append(helper.make_node(op, ordered, [out]))
            arguments = [values[current] if n == current else other for n in ordered]
            values[out] = binary[op](*arguments)
            labels.append(f"{op}{list(inputs[name].shape)}")
        else:
            op = str(rng.choice(list(unary)))
            nodes.append(helper.make_node(op, [current], [out]))
            values[out] = unary[op](np.minimum(values[current], 10) if op == "Exp"
                                    else values[current])
            if op == "Exp":  # (bounded, as the f16 result must be)
                nodes.insert(len(nodes) - 1, helper.make_node(
                    "Min", [current, "ten"], [current + "_bounded"]))
                nodes[-1].input[0] = current + "_bounded"
                inputs["ten"] = np.array([10], dtype=element)
            labels.append(op)
        current = out
    if current != "y":
        nodes[-1].output[0] = "y"
        values["y"] = values.pop(current)
    reference = values["y"]
    atol = None
    if element == np.float16:
        # The reference rounds to f16 once, at the end; ONNX Runtime rounds
        # each node's result, and Kiln may keep a fused chain's
        # intermediates in f32: they may differ by half an f16 ulp of the
        # largest intermediate a node.
        largest = max(float(np.max(np.abs(v))) for v in values.values())
        atol = max(2e-3, 2 ** -11 * largest * len(nodes))
        if "Exp" in labels:
            # (exp turns its input's rounding, up to 2^-11 x 10 here, into
            # a relative error of its result.)
            atol = max(atol, 2 ** -11 * 10 * 2 * float(np.max(np.abs(values["y"]))))
        reference = reference.astype(np.float16)
    return nodes, inputs, reference, (
        f"{'f16 ' if element == np.float16 else ''}elementwise {'x'.join(map(str, shape))} "
        + " ".join(labels)), atol


def layout_case(rng):
    """Data movement on a tensor of rank 1 to 4: a Transpose (a random
    permutation), a Slice (random starts, ends and steps, negative ones
    among them, on random axes), a Pad (constant, reflect or edge, uneven
    amounts; reflect within the side) or a Concat along a random axis
    with a second input, then a Relu so that it is computed; f32 or f16.
    The reference is numpy's."""
    shape = random_shape(rng, 1 << 15)
    rank = len(shape)
    element = np.float16 if rng.random() < 0.25 else np.float32
    x = rng.standard_normal(shape).astype(element)
    inputs = {"a": x}
    op = str(rng.choice(["Transpose", "Slice", "Pad", "Concat"]))
    def constant(name, values):
        return helper.make_node("Constant", [], [name], value=helper.make_tensor(
            name + "_value", TensorProto.INT64, [len(values)], values))
    if op == "Transpose":
        perm = [int(p) for p in rng.permutation(rank)]
        nodes = [helper.make_node("Transpose", ["a"], ["t"], perm=perm)]
        moved, label = np.transpose(x, perm), f"perm={perm}"
    elif op == "Slice":
        axes = sorted(int(a) for a in rng.choice(rank, size=int(rng.integers(1, rank + 1)),
                                                  replace=False))
        starts, ends, steps, index = [], [], [], [slice(None)] * rank
        for axis in axes:
            side = shape[axis]
            step = int(rng.choice([1, 1, 2, 3, -1, -2]))
            start = int(rng.integers(-side, side))
            end = int(rng.choice([int(rng.integers(-side - 1, side + 1)),
                                  2 ** 62 if step > 0 else -(2 ** 62)]))
            starts.append(start)
            ends.append(end)
            steps.append(step)
            index[axis] = slice(start, max(min(end, side), -side - 1) if step > 0 else
                                (None if end < -side else end), step)
        moved = x[tuple(index)]
        if moved.size == 0:
            return None
        nodes = [constant("starts", starts), constant("ends", ends), constant("axes", axes),
                 constant("steps", steps),
                 helper.make_node("Slice", ["a", "starts", "ends", "axes", "steps"], ["t"])]
        label = f"starts={starts} ends={ends} axes={axes} steps={steps}"
    elif op == "Pad":
        mode = str(rng.choice(["constant", "reflect", "edge"]))
        low = [int(rng.integers(0, 4)) for _ in range(rank)]
        high = [int(rng.integers(0, 4)) for _ in range(rank)]
        if mode == "reflect":
            low = [min(p, side - 1) for p, side in zip(low, shape)]
            high = [min(p, side - 1) for p, side in zip(high, shape)]
        value = np.array(1.5, dtype=element)
        nodes = [constant("pads", low + high)]
        pad_inputs = ["a", "pads"]
        if mode == "constant":
            nodes.append(helper.make_node("Constant", [], ["value"],
                                          value=helper.make_tensor(
                                              "value_value",
                                              TensorProto.FLOAT16 if element == np.float16
                                              else TensorProto.FLOAT, [], [1.5])))
            pad_inputs.append("value")
        nodes.append(helper.make_node("Pad", pad_inputs, ["t"], mode=mode))
        widths = list(zip(low, high))
        moved = (np.pad(x, widths, mode="constant", constant_values=value) if mode == "constant"
                 else np.pad(x, widths, mode=mode))
        label = f"mode={mode} pads={low + high}"
    else:
        axis = int(rng.integers(0, rank))
        other = list(shape)
        other[axis] = int(rng.choice([1, 3, 16, 17]))
        inputs["b"] = rng.standard_normal(other).astype(element)
        nodes = [helper.make_node("Concat", ["a", "b"], ["t"], axis=axis)]
        moved = np.concatenate([x, inputs["b"]], axis=axis)
        label = f"axis={axis} with {'x'.join(map(str, other))}"
    nodes.append(helper.make_node("Relu", ["t"], ["y"]))
    reference = np.ascontiguousarray(np.maximum(moved.astype(np.float64), 0))
    return made(nodes, inputs, reference, element, op.lower(), shape, label)


def index_case(rng):
    """Indexing along a random axis of a tensor of rank 1 to 4: Gather
    with indices of rank 0 to 2 (negative ones among them), ArgMax or
    ArgMin (keepdims or not), or CumSum (exclusive, reverse); f32, or f16
    for Gather."""
    shape = random_shape(rng, 1 << 15)
    rank = len(shape)
    axis = int(rng.integers(0, rank))
    op = str(rng.choice(["Gather", "ArgMax", "ArgMin", "CumSum"]))
    element = np.float16 if op == "Gather" and rng.random() < 0.25 else np.float32
    x = rng.standard_normal(shape).astype(element)
    inputs = {"a": x}
    side = shape[axis]
    if op == "Gather":
        index_shape = [int(rng.choice([1, 3, 5])) for _ in range(int(rng.integers(0, 3)))]
        indices = rng.integers(-side, side, size=index_shape).astype(np.int64)
        nodes = [helper.make_node("Constant", [], ["i"], value=helper.make_tensor(
                     "i_value", TensorProto.INT64, index_shape, indices.flatten().tolist())),
                 helper.make_node("Gather", ["a", "i"], ["y"], axis=axis)]
        reference = np.take(x.astype(np.float64), indices, axis=axis)
        label = f"axis={axis} indices={'x'.join(map(str, index_shape)) or 'scalar'}"
    elif op in ("ArgMax", "ArgMin"):
        keep = int(rng.random() < 0.5)
        nodes = [helper.make_node(op, ["a"], ["i"], axis=axis, keepdims=keep),
                 helper.make_node("Cast", ["i"], ["y"], to=TensorProto.FLOAT)]
        found = (np.argmax if op == "ArgMax" else np.argmin)(x, axis=axis)
        reference = np.expand_dims(found, axis) if keep else found
        label = f"axis={axis} keepdims={keep}"
    else:
        exclusive, reverse = int(rng.random() < 0.5), int(rng.random() < 0.5)
        nodes = [helper.make_node("Constant", [], ["axis"], value=helper.make_tensor(
                     "axis_value", TensorProto.INT64, [], [axis])),
                 helper.make_node("CumSum", ["a", "axis"], ["y"], exclusive=exclusive,
                                  reverse=reverse)]
        v = x.astype(np.float64)
        if reverse:
            v = np.flip(v, axis)
        total = np.cumsum(v, axis=axis)
        if exclusive:
            total = total - v
        reference = np.flip(total, axis) if reverse else total
        label = f"axis={axis} exclusive={exclusive} reverse={reverse}"
    reference = np.array(reference, dtype=np.float64, order="C")
    return made(nodes, inputs, reference, element, op.lower(), shape, label)


def resize_case(rng):
    """A Resize of an NCHW tensor's spatial sides by random scales (up or
    down), in a random mode (nearest with each rounding, linear, cubic) and
    coordinate transformation; ONNX Runtime's output is the reference."""
    import onnxruntime
    shape = [int(rng.choice([1, 2])), int(rng.choice([1, 3, 8]))] + \
        [int(rng.choice([1, 4, 7, 16, 33])) for _ in range(2)]
    sizes = shape[:2] + [int(rng.choice([1, 2, 5, 8, 14, 31, 64])) for _ in range(2)]
    mode = str(rng.choice(["nearest", "linear", "cubic"]))
    transform = str(rng.choice(["half_pixel", "asymmetric", "align_corners",
                                "pytorch_half_pixel"]))
    attributes = {"mode": mode, "coordinate_transformation_mode": transform}
    if mode == "nearest":
        attributes["nearest_mode"] = str(rng.choice(["round_prefer_floor", "round_prefer_ceil",
                                                     "floor", "ceil"]))
    x = rng.standard_normal(shape).astype(np.float32)
    nodes = [helper.make_node("Constant", [], ["sizes"], value=helper.make_tensor(
                 "sizes_value", TensorProto.INT64, [4], sizes)),
             helper.make_node("Resize", ["a", "", "", "sizes"], ["y"], **attributes)]
    graph = helper.make_graph(
        nodes, "resize", [helper.make_tensor_value_info("a", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, sizes)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    reference = onnxruntime.InferenceSession(model.SerializeToString()).run(None, {"a": x})[0]
    return nodes, {"a": x}, reference.astype(np.float64), (
        f"resize {'x'.join(map(str, shape))} -> {'x'.join(map(str, sizes))} "
        + " ".join(f"{k}={v}" for k, v in attributes.items()))


KINDS = ["matmul", "gemm", "batched", "conv", "mean", "norm", "half", "strided", "pool",
         "transposed", "reduce", "elementwise", "layout", "index", "resize"]
CASES = {"conv": conv_case, "mean": mean_case, "norm": norm_case, "half": half_case,
         "strided": strided_conv_case, "pool": pool_case, "transposed": transposed_case,
         "reduce": reduce_case, "elementwise": elementwise_case, "layout": layout_case,
         "index": index_case, "resize": resize_case}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kiln-run", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--kiln-run-arg", action="append", default=[])
    parser.add_argument("--cpu", action="store_true",
                        help="run the cases' CPU builds instead of the emulated GPU's")
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
        made = CASES[kind](rng) if kind in CASES else product_case(rng, kind)
        if made is None:
            continue
        nodes, inputs, reference, description = made[:4]
        # (A case may give its own absolute tolerance, a fifth item.)
        atol = made[4] if len(made) > 4 else None
        half = inputs["a"].dtype == np.float16
        tf32 = kind not in ("mean", "norm", "pool", "transposed", "reduce", "elementwise",
                            "layout", "index", "resize") and not half and rng.random() < 0.3
        tf32 = tf32 and not args.cpu
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
        command = ([args.kiln_run, path] + ([] if args.cpu else ["--emulate-gpu"]) +
                   (["--gpu-tf32"] if tf32 else []) +
                   args.kiln_run_arg)
        for i, value in enumerate(inputs.values()):
            np.save(os.path.join(args.work, f"case{case}_input{i}.npy"), value)
            command += ["--inputs", os.path.join(args.work, f"case{case}_input{i}.npy")]
        # Every other transposed case has its weights fixed at compile time
        # (a trained model's constants, which the lowering reorders then).
        constant = kind == "transposed" and case % 2 == 1
        if constant:
            command.append("--bind=b=" + os.path.join(args.work, f"case{case}_input1.npy"))
        expected = os.path.join(args.work, f"case{case}_expected.npy")
        np.save(expected, reference if half else reference.astype(np.float32))
        command += ["--expected", expected]
        # (f16: the reference and the kernel each round once to f16, a
        # relative 2^-11, from sums of f32 products that differ in order.)
        command += (["--rtol", "2e-2", "--atol", "2e-2"] if tf32 else
                    ["--rtol", "2e-3", "--atol", str(atol or 2e-3)] if half else
                    ["--atol", str(atol or 1e-4)])
        run = subprocess.run(command, capture_output=True, text=True)
        label = description + (" --gpu-tf32" if tf32 else "") + (" (constant weights)" if constant else "")
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
