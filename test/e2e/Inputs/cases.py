"""Small deterministic ONNX models for Kiln's end-to-end tests.

  cases.py list               every case name, one per line
  cases.py make CASE DIR      writes DIR/model.onnx, DIR/input_<i>.npy and
                              DIR/expected_<i>.npy (ONNX Runtime's outputs,
                              CPU provider, graph optimizations off; a case
                              whose semantics ONNX Runtime does not share
                              sets its own, Graph.expected)
  cases.py unused TESTDIR     names the cases no .test file under TESTDIR
                              makes; exits 1 if there are any

Each case is a function that builds its graph with a `Graph`; weights and
inputs come from a generator seeded with the case name, so a case's files are
the same on every run and machine. Weights are scaled like a trained model's
(about 1/sqrt(fan-in)) so that outputs stay near 1 and one tolerance fits
every size. Sizes are either odd (7, 13, ...) to catch tail handling, or above
16k elements to reach the multi-threaded paths.
"""

import os
import re
import sys
import zlib

import numpy as np
import onnx
from onnx import helper, numpy_helper

CASES = {}

DEFAULT_OPSET = 17


def case(function):
    """Registers `function(g)` under its name without the leading 'case_'."""
    name = function.__name__[len("case_"):]
    assert name not in CASES, name
    CASES[name] = function
    return function


class Graph:
    """Collects nodes, inputs, weights and outputs of one ONNX graph."""

    def __init__(self, name):
        self.name = name
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.opset = DEFAULT_OPSET
        self.nodes = []
        self.inputs = []  # (name, array)
        self.initializers = []
        self.outputs = []  # names
        # False: outputs are declared with symbolic dimensions only
        # ("out<i>_d<j>"), as an exporter with dynamic axes writes them.
        self.declare_output_shapes = True
        # {input name: {axis: dim_param}}: symbolic input dimensions, which
        # the tests fix with --input-shape.
        self.symbolic_dims = {}
        # The expected outputs, where a case checks semantics Kiln chooses
        # and ONNX Runtime does not share (NaNs through a max pool); None:
        # ONNX Runtime's. Same shapes and types as ONNX Runtime's.
        self.expected = None
        self.counter = 0

    def fresh(self, prefix):
        self.counter += 1
        return f"{prefix}_{self.counter}"

    # Data ---------------------------------------------------------------

    def random(self, shape, dtype=np.float32, low=-1.0, high=1.0):
        dtype = np.dtype(dtype)
        if dtype.kind in "iu":
            return self.rng.integers(int(low), int(high), size=shape,
                                     endpoint=True).astype(dtype)
        if dtype == np.bool_:
            return self.rng.random(shape) < 0.5
        return self.rng.uniform(low, high, size=shape).astype(dtype)

    def nonzero(self, shape, low=0.5, high=2.0):
        """Floats with magnitude in [low, high] and random signs: divisors."""
        magnitude = self.random(shape, low=low, high=high)
        sign = np.where(self.rng.random(shape) < 0.5, -1.0, 1.0)
        return (magnitude * sign).astype(np.float32)

    def input(self, name, shape=None, dtype=np.float32, data=None, **kwargs):
        if data is None:
            data = self.random(shape, dtype, **kwargs)
        self.inputs.append((name, np.asarray(data)))
        return name

    def weight(self, shape, fan_in=None, name=None, data=None,
               dtype=np.float32):
        """An initializer: given `data`, or uniform in +-1/sqrt(fan_in)."""
        if data is None:
            if fan_in is None:
                fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
            bound = 1.0 / np.sqrt(fan_in)
            data = self.random(shape, dtype, low=-bound, high=bound)
        name = name or self.fresh("w")
        self.initializers.append(
            numpy_helper.from_array(np.asarray(data, dtype=dtype), name))
        return name

    def ints(self, values, name=None):
        return self.weight(None, name=name, data=np.asarray(values),
                           dtype=np.int64)

    # Graph --------------------------------------------------------------

    def node(self, op, inputs, outputs=1, name=None, **attrs):
        """Adds a node; returns its output name, or the list of them."""
        node_name = name or self.fresh(op.lower())
        if isinstance(outputs, int):
            outputs = [f"{node_name}_out{i}" if outputs > 1 else node_name
                       for i in range(outputs)]
        self.nodes.append(helper.make_node(op, list(inputs), list(outputs),
                                           name=node_name, **attrs))
        return outputs[0] if len(outputs) == 1 else outputs

    def output(self, *names):
        self.outputs.extend(names)

    def model(self, output_arrays=None):
        """The ModelProto; outputs get their types (and shapes, when known
        and wanted) as an exporter would declare them."""
        def info(name, array):
            return helper.make_tensor_value_info(
                name, helper.np_dtype_to_tensor_dtype(array.dtype),
                list(array.shape))

        outputs = []
        for i, name in enumerate(self.outputs):
            if output_arrays is None:
                outputs.append(helper.make_empty_tensor_value_info(name))
            elif self.declare_output_shapes:
                outputs.append(info(name, output_arrays[i]))
            else:
                outputs.append(helper.make_tensor_value_info(
                    name, helper.np_dtype_to_tensor_dtype(
                        output_arrays[i].dtype),
                    [f"out{i}_d{j}" for j in range(output_arrays[i].ndim)]))
        opsets = [helper.make_opsetid("", self.opset)]
        ir_version = helper.find_min_ir_version_for(opsets)
        inputs = [self.input_info(n, a) for n, a in self.inputs]
        if ir_version < 4:
            # Before IR 4 every initializer had to be a graph input as well
            # (an input with a default value), as old exporters wrote them.
            inputs += [helper.make_tensor_value_info(t.name, t.data_type,
                                                     list(t.dims))
                       for t in self.initializers]
        graph = helper.make_graph(self.nodes, self.name, inputs, outputs,
                                  initializer=self.initializers)
        return helper.make_model(graph, opset_imports=opsets,
                                 producer_name="kiln-e2e-cases",
                                 ir_version=ir_version)

    def input_info(self, name, array):
        dims = list(array.shape)
        for axis, symbol in self.symbolic_dims.get(name, {}).items():
            dims[axis] = symbol
        return helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(array.dtype), dims)


def reference(model, inputs):
    # Imported here: `list` and `unused` do not need ONNX Runtime.
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # errors only: no opset-age warnings
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    return session.run(None, dict(inputs))


def build(name):
    """The model, its inputs and its expected outputs (ONNX Runtime's, or
    the case's g.expected)."""
    g = Graph(name)
    CASES[name](g)
    # ONNX Runtime infers the output types; the final model declares them.
    outputs = reference(g.model(), g.inputs)
    if g.expected is not None:
        for ours, theirs in zip(g.expected, outputs, strict=True):
            assert ours.shape == theirs.shape and ours.dtype == theirs.dtype, g.name
        outputs = g.expected
    model = g.model([np.asarray(o) for o in outputs])
    onnx.checker.check_model(model, full_check=True)
    return model, [a for _, a in g.inputs], outputs


# ===----------------------------------------------------------------------=== #
# Conv
# ===----------------------------------------------------------------------=== #


def conv(g, x, in_channels, out_channels, kernel, group=1, bias=True, **attrs):
    """A Conv node with weights; `kernel` is a tuple of spatial extents."""
    fan_in = in_channels // group * int(np.prod(kernel))
    inputs = [x, g.weight((out_channels, in_channels // group) + tuple(kernel),
                          fan_in=fan_in)]
    if bias:
        inputs.append(g.weight((out_channels,), fan_in=fan_in))
    return g.node("Conv", inputs, group=group, kernel_shape=list(kernel),
                  **attrs)


@case
def case_conv2d_basic(g):
    x = g.input("x", (1, 3, 8, 8))
    g.output(conv(g, x, 3, 4, (3, 3), pads=[1, 1, 1, 1]))


@case
def case_conv2d_no_bias(g):
    x = g.input("x", (1, 5, 7, 7))
    g.output(conv(g, x, 5, 6, (3, 3), bias=False))


@case
def case_conv2d_stride2_pads_dilation(g):
    # Asymmetric pads, stride 2 and dilation 2 at once on an odd input.
    x = g.input("x", (1, 4, 13, 13))
    g.output(conv(g, x, 4, 6, (3, 3), strides=[2, 2], pads=[1, 2, 2, 1],
                  dilations=[2, 2]))


@case
def case_conv2d_rect(g):
    # Non-square input, kernel, strides and dilations.
    x = g.input("x", (2, 3, 7, 13))
    g.output(conv(g, x, 3, 5, (2, 5), strides=[1, 2], pads=[0, 2, 1, 1],
                  dilations=[3, 1]))


@case
def case_conv2d_grouped(g):
    x = g.input("x", (1, 8, 9, 9))
    g.output(conv(g, x, 8, 12, (3, 3), group=2, pads=[1, 1, 1, 1]))


@case
def case_conv2d_grouped4_stride2(g):
    x = g.input("x", (2, 12, 11, 11))
    g.output(conv(g, x, 12, 8, (3, 3), group=4, strides=[2, 2],
                  pads=[0, 0, 1, 1]))


@case
def case_conv2d_depthwise(g):
    x = g.input("x", (1, 16, 13, 13))
    g.output(conv(g, x, 16, 16, (3, 3), group=16, pads=[1, 1, 1, 1]))


@case
def case_conv2d_depthwise_stride2(g):
    # MobileNet's downsampling depthwise conv, odd size.
    x = g.input("x", (1, 32, 15, 15))
    g.output(conv(g, x, 32, 32, (3, 3), group=32, strides=[2, 2],
                  pads=[1, 1, 1, 1]))


@case
def case_conv2d_depthwise_multiplier(g):
    # Channel multiplier 2: each input channel feeds two output channels.
    x = g.input("x", (1, 8, 10, 10))
    g.output(conv(g, x, 8, 16, (5, 5), group=8, pads=[2, 2, 2, 2],
                  dilations=[1, 1]))


@case
def case_conv2d_depthwise_large(g):
    # 64 x 48 x 48 = 147k outputs: the multi-threaded path.
    x = g.input("x", (1, 64, 48, 48))
    g.output(conv(g, x, 64, 64, (3, 3), group=64, pads=[1, 1, 1, 1]))


@case
def case_conv2d_depthwise_wide(g):
    # Rows of 112 (two register tiles each) and a 5x5 window: two rows at
    # each border reach into the padding; the taps read around it.
    x = g.input("x", (1, 24, 20, 112))
    g.output(conv(g, x, 24, 24, (5, 5), group=24, pads=[2, 2, 2, 2]))


@case
def case_conv2d_depthwise_small_planes(g):
    # EfficientNet's late layers: 5x5 windows on 7x7 planes, batch 2, with
    # SiLU after (each channel's plane one register tile, multi-threaded),
    # and a stride-2 one from 14x14 planes with end-only padding.
    x = g.input("x", (2, 96, 7, 7))
    c = conv(g, x, 96, 96, (5, 5), group=96, pads=[2, 2, 2, 2])
    y = g.input("y", (1, 48, 14, 14))
    d = conv(g, y, 48, 48, (5, 5), group=48, strides=[2, 2], pads=[1, 1, 2, 2])
    g.output(g.node("Mul", [c, g.node("Sigmoid", [c])]), d)


@case
def case_conv2d_depthwise_stride2_rows(g):
    # Register tiles of two output rows at stride 2 (rows of 28): rows 1-26
    # in tiles, row 27 a piece of its own, row 0 reading the padding.
    x = g.input("x", (1, 32, 56, 56))
    g.output(conv(g, x, 32, 32, (3, 3), group=32, strides=[2, 2],
                  pads=[1, 1, 1, 1]))


@case
def case_conv2d_depthwise_same_upper(g):
    # Stride 2 on an even input: the padding is one column and row at the
    # end only.
    x = g.input("x", (1, 32, 24, 24))
    g.output(conv(g, x, 32, 32, (3, 3), group=32, strides=[2, 2],
                  auto_pad="SAME_UPPER"))


@case
def case_conv2d_depthwise_dilated(g):
    x = g.input("x", (1, 16, 12, 12))
    g.output(conv(g, x, 16, 16, (3, 3), group=16, dilations=[2, 2],
                  pads=[2, 2, 2, 2]))


@case
def case_conv2d_depthwise_big_pads(g):
    # Pads of 3 around a 3x3 window: the first and last three output rows
    # and columns read padding only, in part or (row 0) entirely.
    x = g.input("x", (1, 16, 12, 12))
    g.output(conv(g, x, 16, 16, (3, 3), group=16, pads=[3, 3, 3, 3]))


@case
def case_conv2d_depthwise_many_border_rows(g):
    # Ten output rows reach into the padding: too many to split off one by
    # one, so the padded copy stays.
    x = g.input("x", (1, 16, 12, 12))
    g.output(conv(g, x, 16, 16, (3, 3), group=16, dilations=[2, 2],
                  pads=[5, 5, 5, 5]))


@case
def case_conv2d_auto_pad_same_upper(g):
    x = g.input("x", (1, 3, 7, 7))
    g.output(conv(g, x, 3, 5, (3, 3), strides=[2, 2], auto_pad="SAME_UPPER"))


@case
def case_conv2d_auto_pad_same_lower(g):
    # An even kernel makes SAME_LOWER and SAME_UPPER pad differently.
    x = g.input("x", (1, 3, 8, 8))
    g.output(conv(g, x, 3, 4, (4, 4), auto_pad="SAME_LOWER"))


@case
def case_conv2d_auto_pad_valid(g):
    x = g.input("x", (1, 3, 9, 9))
    g.output(conv(g, x, 3, 4, (3, 3), strides=[2, 2], auto_pad="VALID"))


@case
def case_conv2d_pointwise_large(g):
    # 1x1 conv, 64 x 32 x 32 = 65k outputs.
    x = g.input("x", (1, 32, 32, 32))
    g.output(conv(g, x, 32, 64, (1, 1)))


@case
def case_conv2d_large(g):
    # 2 x 32 x 24 x 24 = 36k outputs, batch 2.
    x = g.input("x", (2, 16, 24, 24))
    g.output(conv(g, x, 16, 32, (3, 3), pads=[1, 1, 1, 1]))


@case
def case_conv2d_stem_7x7(g):
    # ResNet's stem: 7x7, stride 2, pad 3 (smaller image).
    x = g.input("x", (1, 3, 32, 32))
    g.output(conv(g, x, 3, 16, (7, 7), strides=[2, 2], pads=[3, 3, 3, 3]))


@case
def case_conv2d_stem_7x7_pixel_major(g):
    # The same stem with 32 filters, whole panels: pixel-major, its 7 taps a
    # row read in place at stride 2 (not turned into channels).
    x = g.input("x", (1, 3, 32, 32))
    g.output(conv(g, x, 3, 32, (7, 7), strides=[2, 2], pads=[3, 3, 3, 3]))


@case
def case_conv2d_partial_panel(g):
    # 112 filters (the pixel-major product's panels of 32 pad them to 128,
    # whose zero filters must not be written out), 14x14, then a ReLU.
    x = g.input("x", (1, 16, 14, 14))
    g.output(g.node("Relu", [conv(g, x, 16, 112, (3, 3), pads=[1, 1, 1, 1])]))


@case
def case_conv2d_stride2_taps(g):
    # A stride-2 3x3 convolution at 28 -> 14 (ResNet's downsampling): the
    # pixel-major product reads every other input pixel in place.
    x = g.input("x", (1, 16, 28, 28))
    g.output(conv(g, x, 16, 32, (3, 3), strides=[2, 2], pads=[1, 1, 1, 1]))


@case
def case_conv2d_channel_major_taps(g):
    # OW = 64, a multiple of 32: channel-major, the taps read in place as
    # 32-pixel vectors, 24 filters (slivers of 8).
    x = g.input("x", (1, 8, 16, 64))
    g.output(conv(g, x, 8, 24, (3, 3), pads=[1, 1, 1, 1]))


@case
def case_conv2d_dilated_taps(g):
    # Dilation 2, pixel-major (OW = 20, register tiles of 5 pixels).
    x = g.input("x", (1, 8, 20, 20))
    g.output(conv(g, x, 8, 32, (3, 3), pads=[2, 2, 2, 2], dilations=[2, 2]))


@case
def case_conv2d_dilated_channel_major(g):
    # Dilation 2, channel-major (OW = 32), no padding.
    x = g.input("x", (1, 4, 8, 36))
    g.output(conv(g, x, 4, 16, (3, 3), dilations=[2, 2]))


@case
def case_conv2d_banded_taps(g):
    # ResNet's 64-channel 3x3 layer: the pixel-major product in two bands
    # of 28 output rows.
    x = g.input("x", (1, 16, 56, 56))
    g.output(conv(g, x, 16, 64, (3, 3), pads=[1, 1, 1, 1]))


@case
def case_conv2d_channel_major_batch2(g):
    # Channel-major taps in place, batch 2, 21 filters (slivers of 7).
    x = g.input("x", (2, 4, 8, 32))
    g.output(conv(g, x, 4, 21, (3, 3), pads=[1, 1, 1, 1]))


@case
def case_conv2d_width_stride_channel_major(g):
    # Width stride 2 dividing the 4-wide kernel: turned into channels, then
    # channel-major (OW = 32) with the taps read in place.
    x = g.input("x", (1, 4, 8, 66))
    g.output(conv(g, x, 4, 16, (3, 4), strides=[1, 2]))


def conv_transpose(g, x, cin, cout, kernel, strides, bias=True):
    """A ConvTranspose node with weights [cin, cout, k...]."""
    inputs = [x, g.weight((cin, cout) + tuple(kernel), fan_in=cin)]
    if bias:
        inputs.append(g.weight((cout,), fan_in=cin))
    return g.node("ConvTranspose", inputs, kernel_shape=list(kernel), strides=strides)


@case
def case_conv_transpose_patches(g):
    # Kernel = stride (U-Net's upsampling): a 1x1 convolution and a
    # depth-to-space; batch 2, bias.
    x = g.input("x", (2, 8, 5, 7))
    g.output(conv_transpose(g, x, 8, 6, (2, 2), [2, 2]))


@case
def case_conv_transpose_patches_bias_input(g):
    # A bias known only at run time: added after the depth-to-space.
    x = g.input("x", (1, 4, 3, 5))
    b = g.input("b", (6,))
    w = g.weight((4, 6, 2, 2), fan_in=4)
    g.output(g.node("ConvTranspose", [x, w, b], kernel_shape=[2, 2], strides=[2, 2]))


@case
def case_conv_transpose_patches_2x3(g):
    # Non-square patches, no bias.
    x = g.input("x", (1, 5, 4, 3))
    g.output(conv_transpose(g, x, 5, 3, (2, 3), [2, 3], bias=False))


def conv_residual_prelu(g, cin, f, h, w):
    """A 3x3 'same' Conv, a residual Add (an input) and a PRelu with
    per-filter slopes: a bias, a full input and a per-filter input in the
    convolution's epilogue."""
    x = g.input("x", (1, cin, h, w))
    r = g.input("r", (1, f, h, w))
    s = g.node("Add", [conv(g, x, cin, f, (3, 3), pads=[1, 1, 1, 1]), r])
    slopes = np.linspace(0.1, 0.9, f, dtype=np.float32).reshape(f, 1, 1)
    g.output(g.node("PRelu", [s, g.weight((f, 1, 1), data=slopes)]))


@case
def case_conv2d_channel_major_residual(g):
    # Channel-major (OW = 32) with its epilogue in the product's tasks: the
    # accumulator starts from the bias, and the residual and the slopes are
    # read in slivers of filters over the product's layout.
    conv_residual_prelu(g, 8, 16, 8, 32)


@case
def case_conv2d_pixel_major_residual(g):
    # Pixel-major (OW = 14) with whole panels of filters: the epilogue that
    # writes the product out transposed adds the bias and the residual and
    # applies the PRelu, in the product's tasks.
    conv_residual_prelu(g, 16, 64, 14, 14)


@case
def case_conv2d_row_parts_residual(g):
    # Rows of 7 pixels with the bias, a residual and the PRelu in the
    # epilogue. On AVX2 (conv-avx2.test) the pixel-major product splits
    # each row into columns 0-4 and 5-6, two products whose epilogues each
    # write their own columns.
    conv_residual_prelu(g, 16, 64, 7, 7)


@case
def case_conv2d_row_parts_bands(g):
    # The same with 512 filters over 64 rows of 7: the [P, F] product takes
    # more than one band of rows, each split into the two column parts.
    conv_residual_prelu(g, 32, 512, 64, 7)


@case
def case_conv2d_row_parts_1x1_batch2(g):
    # A unit-stride 1x1 convolution at 7x7 (read in place, no padding), two
    # images, 160 filters (five panels), then a ReLU: on AVX2 the row parts
    # instead of the flat form padded to 64 columns.
    x = g.input("x", (2, 96, 7, 7))
    g.output(g.node("Relu", [conv(g, x, 96, 160, (1, 1))]))


@case
def case_conv2d_channel_major_relu_batch2(g):
    # Channel-major with the bias and a ReLU fused, two images.
    x = g.input("x", (2, 4, 8, 32))
    g.output(g.node("Relu", [conv(g, x, 4, 16, (3, 3), pads=[1, 1, 1, 1])]))


@case
def case_conv2d_weights_as_input(g):
    # Weights and bias fed at run time, not baked in.
    x = g.input("x", (1, 4, 9, 9))
    w = g.input("w", (6, 4, 3, 3), low=-0.3, high=0.3)
    b = g.input("b", (6,))
    g.output(g.node("Conv", [x, w, b], pads=[1, 0, 1, 0], strides=[1, 2]))


@case
def case_conv2d_pads_exceed_kernel(g):
    # Pads wider than the kernel: whole output rows see only padding.
    x = g.input("x", (1, 2, 5, 5))
    g.output(conv(g, x, 2, 3, (2, 2), pads=[3, 3, 3, 2]))


@case
def case_conv2d_grouped_batch3_large(g):
    # Batch 3, 4 groups, 38k outputs.
    x = g.input("x", (3, 16, 20, 20))
    g.output(conv(g, x, 16, 32, (3, 3), group=4, pads=[1, 1, 1, 1]))


@case
def case_conv1d(g):
    x = g.input("x", (1, 4, 29))
    g.output(conv(g, x, 4, 8, (5,), strides=[2], pads=[2, 1]))


@case
def case_conv1d_strided_taps(g):
    # The width stride divides the kernel (like an audio front end, but with
    # too few filters for the pixel-major form): compiled as a unit-stride
    # convolution on the input's columns turned into channels.
    x = g.input("x", (2, 2, 203))
    g.output(conv(g, x, 2, 6, (12,), strides=[4], pads=[3, 2]))


@case
def case_conv2d_patchify(g):
    # Non-overlapping 4x4 patches (a vision transformer's embedding), width
    # not a multiple of the stride: the last two columns are never read.
    x = g.input("x", (1, 3, 20, 22))
    g.output(conv(g, x, 3, 8, (4, 4), strides=[4, 4]))


@case
def case_conv2d_width_stride3(g):
    # Height stride 1 with dilation, width stride 3 over a 6-wide kernel.
    x = g.input("x", (1, 2, 9, 31))
    g.output(conv(g, x, 2, 5, (3, 6), strides=[1, 3], dilations=[2, 1],
                  pads=[1, 0, 1, 2]))


@case
def case_conv2d_stride2_kernel7(g):
    # Width stride 2 over 7 taps (a stem): an eighth, zero tap makes the
    # kernel width a multiple of the stride, and its column (16) lies past
    # the 15-wide input.
    x = g.input("x", (1, 3, 11, 15))
    g.output(conv(g, x, 3, 8, (7, 7), strides=[2, 2]))


@case
def case_conv1d_dilated_grouped(g):
    x = g.input("x", (2, 6, 31))
    g.output(conv(g, x, 6, 9, (3,), group=3, dilations=[4], pads=[4, 4]))


@case
def case_conv3d(g):
    x = g.input("x", (1, 2, 5, 6, 7))
    g.output(conv(g, x, 2, 4, (3, 3, 3), strides=[1, 2, 1],
                  pads=[1, 1, 1, 1, 0, 1]))


@case
def case_conv3d_depthwise(g):
    x = g.input("x", (1, 4, 6, 7, 5))
    g.output(conv(g, x, 4, 4, (3, 3, 3), group=4, dilations=[1, 2, 1],
                  pads=[1, 2, 1, 1, 2, 1]))


# ===----------------------------------------------------------------------=== #
# Pools
# ===----------------------------------------------------------------------=== #


@case
def case_maxpool_2x2(g):
    x = g.input("x", (1, 8, 16, 16))
    g.output(g.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2]))


@case
def case_maxpool_3x3_s2_pad1(g):
    # ResNet's stem pool; padding never wins a max.
    x = g.input("x", (1, 4, 13, 13), low=-5, high=-1)
    g.output(g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    pads=[1, 1, 1, 1]))


@case
def case_maxpool_resnet_stem(g):
    # ResNet's 3x3 stride-2 pool at full size: taps read around the padding
    # in two-row register tiles, one row left over, multi-threaded.
    x = g.input("x", (1, 64, 112, 112))
    g.output(g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    pads=[1, 1, 1, 1]))


@case
def case_maxpool_nan(g):
    # A NaN anywhere in a window gives NaN, as IEEE's maximum and PyTorch's
    # pool give. ONNX's reference pool and ONNX Runtime keep a NaN only from
    # a window's first position (`[[nan, 1], [5, 6]]` gives 6 there), so the
    # expected values are numpy's max over each window. Windows hold a NaN
    # at each of their four places, two, or none, along rows of 35 windows
    # (whole vectors and a tail). The elementwise Max of two inputs takes a
    # NaN from either side (numpy's maximum, which is ONNX's reference).
    x = g.random((1, 2, 4, 70))
    for j in range(35):
        rows, cols = {0: ([0], [0]), 1: ([0], [1]), 2: ([1], [0]), 3: ([1], [1]),
                      4: ([0, 1], [1, 0])}.get(j % 6, ([], []))
        for r, c in zip(rows, cols):
            x[0, j % 2, 2 * (j % 2) + r, 2 * j + c] = np.nan
    y = g.random((1, 2, 4, 70))
    y[0, 1, 3, 5::7] = np.nan
    a = g.input("x", data=x)
    b = g.input("y", data=y)
    g.output(g.node("MaxPool", [a], kernel_shape=[2, 2], strides=[2, 2]),
             g.node("Max", [a, b]))
    g.expected = [x.reshape(1, 2, 2, 2, 35, 2).max(axis=(3, 5)), np.maximum(x, y)]


@case
def case_maxpool_ceil(g):
    x = g.input("x", (1, 3, 13, 13))
    g.output(g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    ceil_mode=1))


@case
def case_maxpool_ceil_pads(g):
    x = g.input("x", (2, 3, 10, 11))
    g.output(g.node("MaxPool", [x], kernel_shape=[3, 2], strides=[3, 2],
                    pads=[1, 0, 0, 1], ceil_mode=1))


@case
def case_maxpool_dilation(g):
    x = g.input("x", (1, 3, 11, 12))
    g.output(g.node("MaxPool", [x], kernel_shape=[2, 3], dilations=[2, 2],
                    strides=[1, 2]))


@case
def case_maxpool_default_strides(g):
    # No strides attribute: stride 1.
    x = g.input("x", (1, 5, 7, 7))
    g.output(g.node("MaxPool", [x], kernel_shape=[3, 3]))


@case
def case_maxpool_auto_pad_same(g):
    x = g.input("x", (1, 3, 7, 9))
    g.output(g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    auto_pad="SAME_UPPER"))


@case
def case_maxpool_large(g):
    # 2 x 32 x 32 x 32 = 65k outputs.
    x = g.input("x", (2, 32, 64, 64))
    g.output(g.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2]))


@case
def case_maxpool1d(g):
    x = g.input("x", (2, 3, 17))
    g.output(g.node("MaxPool", [x], kernel_shape=[4], strides=[3],
                    pads=[1, 2]))


@case
def case_maxpool3d(g):
    x = g.input("x", (1, 2, 6, 7, 5))
    g.output(g.node("MaxPool", [x], kernel_shape=[2, 3, 2],
                    strides=[2, 2, 1]))


@case
def case_maxpool_opset8(g):
    g.opset = 8
    x = g.input("x", (1, 3, 9, 9))
    g.output(g.node("MaxPool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    pads=[1, 1, 1, 1]))


@case
def case_averagepool_2x2(g):
    x = g.input("x", (1, 8, 16, 16))
    g.output(g.node("AveragePool", [x], kernel_shape=[2, 2], strides=[2, 2]))


@case
def case_averagepool_pads_exclude(g):
    # count_include_pad=0 (default): border windows divide by fewer.
    x = g.input("x", (1, 3, 7, 7))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 3],
                    pads=[1, 1, 1, 1]))


@case
def case_averagepool_pads_include(g):
    x = g.input("x", (1, 3, 7, 7))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 3],
                    pads=[1, 1, 1, 1], count_include_pad=1))


@case
def case_averagepool_asymmetric_pads_include(g):
    x = g.input("x", (1, 2, 8, 9))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 2], strides=[2, 2],
                    pads=[0, 1, 2, 1], count_include_pad=1))


@case
def case_averagepool_ceil(g):
    # The last window in each dimension hangs over the edge.
    x = g.input("x", (1, 3, 13, 13))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    ceil_mode=1))


@case
def case_averagepool_ceil_pads_include(g):
    # ceil_mode with count_include_pad: the window part beyond the padded
    # input is not counted, the padding is.
    x = g.input("x", (1, 2, 10, 10))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1))


@case
def case_averagepool_ceil_pads_exclude(g):
    x = g.input("x", (1, 2, 10, 10))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    pads=[1, 1, 1, 1], ceil_mode=1))


@case
def case_averagepool_dilation(g):
    g.opset = 19  # dilations for AveragePool arrived in opset 19
    x = g.input("x", (1, 3, 11, 11))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    dilations=[2, 2], pads=[1, 1, 1, 1]))


@case
def case_averagepool_auto_pad_same_lower(g):
    x = g.input("x", (1, 3, 8, 8))
    g.output(g.node("AveragePool", [x], kernel_shape=[2, 2],
                    auto_pad="SAME_LOWER"))


@case
def case_averagepool_large(g):
    # 64 x 32 x 32 = 65k outputs.
    x = g.input("x", (1, 64, 34, 34))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 3]))


@case
def case_averagepool1d(g):
    x = g.input("x", (2, 4, 19))
    g.output(g.node("AveragePool", [x], kernel_shape=[3], strides=[2],
                    pads=[1, 1], count_include_pad=1))


@case
def case_averagepool3d(g):
    x = g.input("x", (1, 2, 7, 6, 5))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 2, 2],
                    strides=[2, 2, 2], pads=[1, 0, 1, 0, 0, 1]))


@case
def case_averagepool_opset7(g):
    g.opset = 7
    x = g.input("x", (1, 3, 9, 9))
    g.output(g.node("AveragePool", [x], kernel_shape=[3, 3], strides=[2, 2],
                    pads=[1, 1, 1, 1], count_include_pad=1))


@case
def case_globalaveragepool(g):
    x = g.input("x", (1, 32, 7, 7))
    g.output(g.node("GlobalAveragePool", [x]))


@case
def case_globalaveragepool_large(g):
    # 2 x 64 x 13 x 13 = 21k inputs.
    x = g.input("x", (2, 64, 13, 13))
    g.output(g.node("GlobalAveragePool", [x]))


@case
def case_globalaveragepool1d(g):
    x = g.input("x", (3, 5, 17))
    g.output(g.node("GlobalAveragePool", [x]))


@case
def case_globalaveragepool3d(g):
    x = g.input("x", (1, 4, 3, 5, 7))
    g.output(g.node("GlobalAveragePool", [x]))


# ===----------------------------------------------------------------------=== #
# Gemm and MatMul
# ===----------------------------------------------------------------------=== #


@case
def case_gemm_basic(g):
    a = g.input("a", (7, 13))
    b = g.input("b", (13, 5))
    c = g.input("c", (5,))
    g.output(g.node("Gemm", [a, b, c]))


@case
def case_gemm_alpha_beta(g):
    a = g.input("a", (7, 13))
    b = g.input("b", (13, 5))
    c = g.input("c", (7, 5))
    g.output(g.node("Gemm", [a, b, c], alpha=0.5, beta=2.0))


@case
def case_gemm_trans_a(g):
    a = g.input("a", (13, 7))
    b = g.input("b", (13, 5))
    c = g.input("c", (1, 5))
    g.output(g.node("Gemm", [a, b, c], transA=1, alpha=1.5))


@case
def case_gemm_trans_b(g):
    # The layout of every exported fully connected layer.
    a = g.input("a", (7, 13))
    b = g.weight((5, 13))
    c = g.weight((5,), fan_in=13)
    g.output(g.node("Gemm", [a, b, c], transB=1))


@case
def case_gemm_trans_ab(g):
    a = g.input("a", (13, 7))
    b = g.input("b", (5, 13))
    c = g.input("c", (7, 1))
    g.output(g.node("Gemm", [a, b, c], transA=1, transB=1, alpha=-0.75,
                    beta=0.25))


@case
def case_gemm_no_c(g):
    a = g.input("a", (9, 11))
    b = g.input("b", (11, 3))
    g.output(g.node("Gemm", [a, b], alpha=2.0))


@case
def case_gemm_scalar_c(g):
    a = g.input("a", (6, 4))
    b = g.input("b", (4, 10))
    c = g.weight((), data=np.float32(0.375))
    g.output(g.node("Gemm", [a, b, c], beta=-1.0))


@case
def case_gemm_beta_zero(g):
    # beta 0: C does not contribute, even if it held NaN.
    a = g.input("a", (5, 6))
    b = g.input("b", (6, 7))
    c = g.weight((7,), data=np.full(7, np.nan, dtype=np.float32))
    g.output(g.node("Gemm", [a, b, c], beta=0.0))


@case
def case_gemm_opset7(g):
    g.opset = 7
    a = g.input("a", (7, 13))
    b = g.weight((13, 5))
    c = g.weight((5,), fan_in=13)
    g.output(g.node("Gemm", [a, b, c]))


@case
def case_gemm_large(g):
    # 64 x 300 = 19k outputs, K = 256.
    a = g.input("a", (64, 256))
    b = g.weight((300, 256))
    c = g.weight((300,), fan_in=256)
    g.output(g.node("Gemm", [a, b, c], transB=1))


@case
def case_gemm_1x1(g):
    # M = N = 1.
    a = g.input("a", (1, 13))
    b = g.input("b", (13, 1))
    c = g.input("c", (1,))
    g.output(g.node("Gemm", [a, b, c], alpha=0.5, beta=3.0))


@case
def case_gemm_trans_a_large(g):
    # transA on a 150x200x130 product: 19.5k outputs.
    a = g.input("a", (200, 150))
    b = g.input("b", (200, 130))
    g.output(g.node("Gemm", [a, b], transA=1))


@case
def case_matmul_2d(g):
    a = g.input("a", (13, 7))
    b = g.input("b", (7, 17))
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_weights(g):
    a = g.input("a", (5, 33))
    b = g.weight((33, 19), fan_in=33)
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_row_steps(g):
    # Three one-row products by the same constant 256 x 256 weights, each
    # reading the one before through a Tanh (a recurrent layer's steps):
    # kiln-alternate-panel-order has the second walk its panels backwards
    # when one thread runs it (matmul.test).
    x = g.input("x", (1, 256))
    w = g.weight((256, 256), fan_in=256)
    h = g.node("Tanh", [g.node("MatMul", [x, w])])
    h = g.node("Tanh", [g.node("MatMul", [h, w])])
    g.output(g.node("MatMul", [h, w]))


@case
def case_matmul_batched(g):
    a = g.input("a", (3, 13, 7))
    b = g.input("b", (3, 7, 9))
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_broadcast_rhs(g):
    # A batched left side times one matrix: a linear layer on a sequence.
    a = g.input("a", (2, 3, 5, 7))
    b = g.weight((7, 4), fan_in=7)
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_broadcast_lhs(g):
    a = g.input("a", (5, 7))
    b = g.input("b", (2, 3, 7, 4))
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_broadcast_batch(g):
    # Batch dimensions broadcast against each other: [2,1] with [3].
    a = g.input("a", (2, 1, 5, 7))
    b = g.input("b", (3, 7, 6))
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_1d_lhs(g):
    a = g.input("a", (7,))
    b = g.input("b", (3, 7, 5))
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_1d_rhs(g):
    a = g.input("a", (3, 5, 7))
    b = g.input("b", (7,))
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_1d_both(g):
    # A dot product: the result is a scalar.
    a = g.input("a", (13,))
    b = g.input("b", (13,))
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_k1(g):
    # An outer product: K = 1.
    a = g.input("a", (5, 1))
    b = g.input("b", (1, 7))
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_large(g):
    # 128 x 160 = 20k outputs.
    a = g.input("a", (128, 96))
    b = g.weight((96, 160), fan_in=96)
    g.output(g.node("MatMul", [a, b]))


@case
def case_matmul_batched_large(g):
    # 4 x 64 x 72 = 18k outputs.
    a = g.input("a", (4, 64, 40))
    b = g.input("b", (4, 40, 72))
    g.output(g.node("MatMul", [a, b]))


# ===----------------------------------------------------------------------=== #
# Elementwise
# ===----------------------------------------------------------------------=== #


@case
def case_add_same_shape(g):
    a = g.input("a", (2, 3, 7))
    b = g.input("b", (2, 3, 7))
    g.output(g.node("Add", [a, b]))


@case
def case_add_broadcast_last(g):
    a = g.input("a", (2, 3, 4, 5))
    b = g.weight((5,), fan_in=1)
    g.output(g.node("Add", [a, b]))


@case
def case_add_scalar(g):
    a = g.input("a", (3, 13))
    b = g.weight((), data=np.float32(-1.25))
    g.output(g.node("Add", [b, a]))


@case
def case_sub_broadcast_channel(g):
    # Per-channel mean subtraction: [N,C,H,W] - [C,1,1].
    a = g.input("a", (2, 3, 5, 7))
    b = g.input("b", (3, 1, 1))
    g.output(g.node("Sub", [a, b]))


@case
def case_sub_broadcast_lhs(g):
    # The smaller operand on the left.
    a = g.input("a", (1, 7))
    b = g.input("b", (13, 7))
    g.output(g.node("Sub", [a, b]))


@case
def case_mul_broadcast_both(g):
    # Both operands broadcast: [3,1,5] * [1,4,1] -> [3,4,5].
    a = g.input("a", (3, 1, 5))
    b = g.input("b", (1, 4, 1))
    g.output(g.node("Mul", [a, b]))


@case
def case_mul_scalar_input(g):
    a = g.input("a", (4, 9))
    s = g.input("s", ())
    g.output(g.node("Mul", [a, s]))


@case
def case_div(g):
    a = g.input("a", (5, 13))
    b = g.input("b", data=g.nonzero((5, 13)))
    g.output(g.node("Div", [a, b]))


@case
def case_div_broadcast(g):
    a = g.input("a", (2, 7, 3))
    b = g.weight((7, 1), data=g.nonzero((7, 1)))
    g.output(g.node("Div", [a, b]))


@case
def case_relu(g):
    x = g.input("x", (3, 7, 13))
    g.output(g.node("Relu", [x]))


@case
def case_sigmoid(g):
    # Includes saturating inputs.
    x = g.input("x", (5, 13), low=-20, high=20)
    g.output(g.node("Sigmoid", [x]))


@case
def case_tanh(g):
    x = g.input("x", (5, 13), low=-12, high=12)
    g.output(g.node("Tanh", [x]))


@case
def case_div_ieee_specials(g):
    # x/0, 0/0, -0.0, inf/inf, NaN: IEEE results, no fast-math shortcuts.
    a = g.input("a", data=np.array(
        [1, -1, 0, 0, 2, np.inf, np.nan, -3, 5], np.float32))
    b = g.input("b", data=np.array(
        [0, 0, 0, -0.0, np.inf, np.inf, 1, -0.0, 1e-30], np.float32))
    g.output(g.node("Div", [a, b]))


@case
def case_activation_specials(g):
    # NaN, infinities, signed zeros, huge and tiny values through each
    # activation.
    x = g.input("x", data=np.array(
        [np.nan, -np.inf, np.inf, -0.0, 0.0, -100, 100, -88.5, 88.5, 1e-8,
         -1e-8, 9, -9], np.float32))
    lo = g.weight((), data=np.float32(-1))
    hi = g.weight((), data=np.float32(1))
    g.opset = 13
    g.output(g.node("Relu", [x]), g.node("Sigmoid", [x]),
             g.node("Tanh", [x]), g.node("Clip", [x, lo, hi]))


@case
def case_clip_opset6(g):
    g.opset = 6
    x = g.input("x", (4, 13), low=-3, high=3)
    g.output(g.node("Clip", [x], min=-0.5, max=1.25))


@case
def case_clip_opset11_relu6(g):
    g.opset = 11
    x = g.input("x", (4, 13), low=-3, high=9)
    lo = g.weight((), data=np.float32(0.0))
    hi = g.weight((), data=np.float32(6.0))
    g.output(g.node("Clip", [x, lo, hi]))


@case
def case_clip_max_only(g):
    # min left out with an empty name.
    g.opset = 13
    x = g.input("x", (3, 11), low=-3, high=3)
    hi = g.weight((), data=np.float32(0.5))
    g.output(g.node("Clip", [x, "", hi]))


@case
def case_clip_min_only(g):
    g.opset = 13
    x = g.input("x", (3, 11), low=-3, high=3)
    lo = g.input("lo", data=np.float32(-0.25))
    g.output(g.node("Clip", [x, lo]))


@case
def case_clip_no_bounds(g):
    g.opset = 13
    x = g.input("x", (2, 9), low=-3, high=3)
    g.output(g.node("Clip", [x]))


@case
def case_unary_chain(g):
    # Elementwise ops in a row, which Kiln fuses.
    x = g.input("x", (6, 7, 5), low=-4, high=4)
    y = g.node("Tanh", [g.node("Sigmoid", [x])])
    z = g.node("Relu", [g.node("Sub", [y, g.weight((), data=np.float32(0.6))])])
    g.output(g.node("Mul", [z, x]))


@case
def case_elementwise_large(g):
    # 64 x 32 x 32 = 65k elements through a fused chain with broadcasting.
    x = g.input("x", (1, 64, 32, 32), low=-3, high=3)
    scale = g.weight((64, 1, 1), fan_in=1)
    shift = g.weight((64, 1, 1), fan_in=1)
    y = g.node("Add", [g.node("Mul", [x, scale]), shift])
    g.output(g.node("Sigmoid", [g.node("Relu", [y])]))


@case
def case_add_large_broadcast(g):
    # [128, 1, 160] + [1, 96, 1]: 123k elements, both sides broadcast.
    a = g.input("a", (128, 1, 160))
    b = g.input("b", (1, 96, 1))
    g.output(g.node("Add", [a, b]))


@case
def case_add_odd_large(g):
    # 16385 elements: just past 16k, with a tail no vector width divides.
    a = g.input("a", (1, 16385))
    b = g.input("b", (1, 1))
    g.output(g.node("Add", [a, b]))


@case
def case_int32_add_mul(g):
    a = g.input("a", (3, 7), dtype=np.int32, low=-1000, high=1000)
    b = g.input("b", (7,), dtype=np.int32, low=-1000, high=1000)
    c = g.input("c", (3, 1), dtype=np.int32, low=-50, high=50)
    g.output(g.node("Mul", [g.node("Add", [a, b]), c]))


@case
def case_int32_sub_large(g):
    # 20k elements.
    a = g.input("a", (160, 128), dtype=np.int32, low=-2**30, high=2**30)
    b = g.input("b", (160, 128), dtype=np.int32, low=-2**30, high=2**30)
    g.output(g.node("Sub", [a, b]))


@case
def case_int32_div(g):
    # Integer division truncates toward zero, as ONNX Runtime does (C's /).
    a = g.input("a", (4, 13), dtype=np.int32, low=-100, high=100)
    b_data = g.random((4, 13), np.int32, low=1, high=9)
    b_data[::2] *= -1
    b = g.input("b", data=b_data)
    g.output(g.node("Div", [a, b]))


@case
def case_int64_elementwise(g):
    # Values beyond 32 bits, a scalar input and a broadcast weight.
    a = g.input("a", (5, 7), dtype=np.int64, low=-2**40, high=2**40)
    b = g.input("b", (), dtype=np.int64, low=-2**20, high=2**20)
    c = g.weight((7,), data=np.arange(-3, 4), dtype=np.int64)
    g.output(g.node("Sub", [g.node("Add", [a, b]), g.node("Mul", [a, c])]))


@case
def case_int32_relu(g):
    # Integer Relu arrived in opset 14.
    a = g.input("a", (3, 13), dtype=np.int32, low=-1000, high=1000)
    g.output(g.node("Relu", [a]))


@case
def case_int32_wrapping(g):
    # Overflow wraps around (two's complement), as in ONNX Runtime.
    a = g.input("a", data=np.array([2**31 - 1, -2**31, 2**30, 7, 65536],
                                   np.int32))
    b = g.input("b", data=np.array([1, -1, 2**30, 3, 65536], np.int32))
    g.output(g.node("Add", [a, b]), g.node("Mul", [a, b]))


@case
def case_int8_int16_elementwise(g):
    # The narrow integer types, with wrap-around and truncating division.
    a = g.input("a", data=np.array([100, -100, 127, -128, 7, -7], np.int8))
    b = g.input("b", data=np.array([2, 2, 1, -1, -2, 2], np.int8))
    c = g.input("c", (3, 6), dtype=np.int16, low=-30000, high=30000)
    d = g.input("d", (6,), dtype=np.int16, low=1, high=300)
    g.output(g.node("Mul", [a, b]), g.node("Add", [a, b]),
             g.node("Div", [c, d]), g.node("Sub", [c, d]))


@case
def case_float64_elementwise(g):
    a = g.input("a", (3, 7), dtype=np.float64)
    b = g.input("b", (7,), dtype=np.float64, low=0.5, high=2)
    g.output(g.node("Div", [g.node("Add", [a, b]), b]))


@case
def case_int64_clip(g):
    a = g.input("a", (3, 11), dtype=np.int64, low=-100, high=100)
    lo = g.weight((), data=np.int64(-20), dtype=np.int64)
    hi = g.weight((), data=np.int64(35), dtype=np.int64)
    g.output(g.node("Clip", [a, lo, hi]))


# ===----------------------------------------------------------------------=== #
# Normalization and softmax
# ===----------------------------------------------------------------------=== #


def batchnorm_weights(g, channels):
    scale = g.weight((channels,), data=g.random((channels,), low=0.5,
                                                high=1.5))
    bias = g.weight((channels,), data=g.random((channels,), low=-0.5,
                                               high=0.5))
    mean = g.weight((channels,), data=g.random((channels,), low=-0.5,
                                               high=0.5))
    var = g.weight((channels,), data=g.random((channels,), low=0.1,
                                              high=2.0))
    return [scale, bias, mean, var]


@case
def case_batchnorm(g):
    x = g.input("x", (2, 16, 7, 7))
    g.output(g.node("BatchNormalization", [x] + batchnorm_weights(g, 16),
                    epsilon=1e-3))


@case
def case_batchnorm_2d_input(g):
    # BatchNorm1d after a linear layer: [N, C].
    x = g.input("x", (5, 13))
    g.output(g.node("BatchNormalization", [x] + batchnorm_weights(g, 13)))


@case
def case_batchnorm_3d_spatial(g):
    x = g.input("x", (1, 3, 4, 5, 6))
    g.output(g.node("BatchNormalization", [x] + batchnorm_weights(g, 3)))


@case
def case_batchnorm_opset9(g):
    g.opset = 9
    x = g.input("x", (1, 5, 9, 9))
    g.output(g.node("BatchNormalization", [x] + batchnorm_weights(g, 5),
                    epsilon=1e-5, momentum=0.9))


@case
def case_batchnorm_opset7(g):
    g.opset = 7
    x = g.input("x", (1, 5, 9, 9))
    g.output(g.node("BatchNormalization", [x] + batchnorm_weights(g, 5),
                    spatial=1))


@case
def case_batchnorm_large(g):
    # 32 x 32 x 32 = 32k elements.
    x = g.input("x", (1, 32, 32, 32))
    g.output(g.node("BatchNormalization", [x] + batchnorm_weights(g, 32)))


@case
def case_softmax_last_axis(g):
    x = g.input("x", (3, 13), low=-4, high=4)
    g.output(g.node("Softmax", [x], axis=-1))


@case
def case_softmax_axis1_4d(g):
    # Opset 13: along one (non-innermost) axis only.
    x = g.input("x", (2, 5, 3, 7), low=-4, high=4)
    g.output(g.node("Softmax", [x], axis=1))


@case
def case_softmax_default_axis(g):
    # Opset 13's default axis is -1.
    x = g.input("x", (2, 3, 11), low=-4, high=4)
    g.output(g.node("Softmax", [x]))


@case
def case_softmax_opset11_axis1(g):
    # Opset 11: the input is coerced to 2-D at `axis` and the softmax spans
    # all trailing dimensions together.
    g.opset = 11
    x = g.input("x", (2, 3, 4, 5), low=-4, high=4)
    g.output(g.node("Softmax", [x], axis=1))


@case
def case_softmax_opset11_axis2(g):
    g.opset = 11
    x = g.input("x", (2, 3, 4, 5), low=-4, high=4)
    g.output(g.node("Softmax", [x], axis=2))


@case
def case_softmax_opset7_default(g):
    # Opset 1-12 default axis is 1: [2, 3x5] rows.
    g.opset = 7
    x = g.input("x", (2, 3, 5), low=-4, high=4)
    g.output(g.node("Softmax", [x]))


@case
def case_softmax_opset1_axis0(g):
    # Axis 0: one softmax over the whole tensor.
    g.opset = 1
    x = g.input("x", (3, 7), low=-4, high=4)
    g.output(g.node("Softmax", [x], axis=0))


@case
def case_softmax_large_values(g):
    # Inputs that overflow exp() without the max subtraction.
    x = g.input("x", (4, 9), low=-100, high=300)
    g.output(g.node("Softmax", [x], axis=1))


@case
def case_softmax_infinities(g):
    # -inf entries get probability 0; a row with +inf gives NaN, as in ONNX
    # Runtime.
    x = g.input("x", data=np.array([[-np.inf, 0, 1], [-np.inf, -np.inf, 5],
                                    [np.inf, 1, 2]], np.float32))
    g.output(g.node("Softmax", [x], axis=-1))


@case
def case_softmax_axis_size1(g):
    x = g.input("x", (4, 1, 3))
    g.output(g.node("Softmax", [x], axis=1))


@case
def case_softmax_large(g):
    # 64 rows of 1000 classes: 64k elements.
    x = g.input("x", (64, 1000), low=-8, high=8)
    g.output(g.node("Softmax", [x], axis=-1))


# ===----------------------------------------------------------------------=== #
# Shape ops
# ===----------------------------------------------------------------------=== #


@case
def case_reshape_zero_neg1(g):
    # 0 copies the input dimension, -1 is inferred.
    x = g.input("x", (2, 3, 4, 5))
    g.output(g.node("Reshape", [x, g.ints([0, -1, 5])]))


@case
def case_reshape_neg1_first(g):
    x = g.input("x", (3, 7, 2))
    g.output(g.node("Reshape", [x, g.ints([-1, 2, 7])]))


@case
def case_reshape_constant_node(g):
    # The shape comes from a Constant node, as exporters often write it.
    x = g.input("x", (2, 12))
    shape = g.node("Constant", [], value=numpy_helper.from_array(
        np.array([2, 3, 2, 2], dtype=np.int64), "shape"))
    y = g.node("Reshape", [x, shape])
    g.output(g.node("Relu", [y]))


@case
def case_reshape_opset5(g):
    g.opset = 5
    x = g.input("x", (4, 6))
    g.output(g.node("Reshape", [x, g.ints([2, 0, -1])]))


@case
def case_reshape_allowzero_opset14(g):
    # allowzero=0 explicitly at opset 14: 0 still copies.
    g.opset = 14
    x = g.input("x", (3, 4, 5))
    g.output(g.node("Reshape", [x, g.ints([0, 0, -1])], allowzero=0))


@case
def case_flatten_default(g):
    x = g.input("x", (2, 3, 4, 5))
    g.output(g.node("Flatten", [x]))


@case
def case_flatten_axis0(g):
    x = g.input("x", (2, 3, 5))
    g.output(g.node("Flatten", [x], axis=0))


@case
def case_flatten_axis_negative(g):
    x = g.input("x", (2, 3, 4, 5))
    g.output(g.node("Flatten", [x], axis=-2))


@case
def case_flatten_axis_rank(g):
    # axis == rank: [N*C*..., 1].
    x = g.input("x", (2, 3, 5))
    g.output(g.node("Flatten", [x], axis=3))


@case
def case_transpose_default(g):
    # No perm: the dimensions are reversed.
    x = g.input("x", (2, 3, 5))
    g.output(g.node("Transpose", [x]))


@case
def case_transpose_nchw_to_nhwc(g):
    x = g.input("x", (1, 3, 7, 13))
    g.output(g.node("Transpose", [x], perm=[0, 2, 3, 1]))


@case
def case_transpose_large(g):
    # 64 x 32 x 16 = 32k elements.
    x = g.input("x", (1, 64, 32, 16))
    g.output(g.node("Transpose", [x], perm=[0, 3, 1, 2]))


@case
def case_transpose_5d(g):
    x = g.input("x", (2, 3, 1, 4, 5))
    g.output(g.node("Transpose", [x], perm=[4, 0, 3, 2, 1]))


@case
def case_concat_channels(g):
    a = g.input("a", (1, 3, 5, 5))
    b = g.input("b", (1, 7, 5, 5))
    c = g.input("c", (1, 1, 5, 5))
    g.output(g.node("Concat", [a, b, c], axis=1))


@case
def case_concat_negative_axis_weight(g):
    # One operand is an initializer; axis counts from the end.
    a = g.input("a", (2, 3, 4))
    w = g.weight((2, 3, 9), fan_in=1)
    g.output(g.node("Concat", [w, a], axis=-1))


@case
def case_concat_axis0_single(g):
    # A single operand is legal and is a copy.
    a = g.input("a", (3, 7))
    b = g.node("Concat", [a], axis=0)
    g.output(g.node("Add", [b, b]))


@case
def case_concat_int64(g):
    a = g.input("a", (2, 3), dtype=np.int64, low=-2**40, high=2**40)
    b = g.input("b", (4, 3), dtype=np.int64, low=-2**40, high=2**40)
    g.output(g.node("Concat", [a, b], axis=0))


@case
def case_identity_constant(g):
    # Identity and a Constant operand.
    x = g.input("x", (3, 5))
    c = g.node("Constant", [], value=numpy_helper.from_array(
        g.random((3, 5)), "c"))
    g.output(g.node("Identity", [g.node("Add", [x, c])]))


@case
def case_identity_output(g):
    # A graph output that is an Identity of the input.
    x = g.input("x", (4, 6))
    g.output(g.node("Identity", [x]))


@case
def case_output_is_input(g):
    # A graph output that is a graph input, with no node in between.
    g.output(g.input("x", (3, 5)))


@case
def case_output_is_initializer(g):
    # A constant graph output, next to a computed one.
    x = g.input("x", (2,))
    g.output(g.node("Relu", [x]), g.weight((3, 4), fan_in=1, name="table"))


@case
def case_duplicate_outputs(g):
    # The same tensor listed twice as a graph output.
    x = g.input("x", (3, 5))
    y = g.node("Relu", [x])
    g.output(y, y)


@case
def case_input_feeds_two_outputs(g):
    x = g.input("x", (3, 5))
    g.output(g.node("Relu", [x]), g.node("Sigmoid", [x]))


# ===----------------------------------------------------------------------=== #
# Data movement
# ===----------------------------------------------------------------------=== #


@case
def case_shape_subgraph(g):
    # An exporter's shape computation (Shape, Gather, Unsqueeze, Slice,
    # Squeeze, Concat, ConstantOfShape, Range) feeding Reshape: folded at
    # import.
    x = g.input("x", (2, 3, 8))
    shape = g.node("Shape", [x])
    batch = g.node("Gather", [shape, g.weight(None, data=np.array(0), dtype=np.int64)])
    batch = g.node("Unsqueeze", [batch, g.ints([0])])
    rows = g.node("Slice", [shape, g.ints([1]), g.ints([2])])
    cols = g.node("Squeeze", [g.node("Slice", [shape, g.ints([-1]), g.ints([2**63 - 1])])])
    size = g.node("Mul", [rows, cols])
    y = g.node("Reshape", [x, g.node("Concat", [batch, g.ints([-1])], axis=0)])
    ones = g.node("ConstantOfShape", [g.node("Concat", [batch, size], axis=0)],
                  value=numpy_helper.from_array(np.array([2.0], np.float32)))
    steps = g.node("Cast", [g.node("Range", [g.weight(None, data=np.array(0), dtype=np.int64),
                                             g.weight(None, data=np.array(24), dtype=np.int64),
                                             g.weight(None, data=np.array(1), dtype=np.int64)])],
                   to=onnx.TensorProto.FLOAT)
    g.output(g.node("Add", [g.node("Mul", [y, ones]), steps]))


@case
def case_split_weight(g):
    # A weight split into blocks (as exported LSTM gates are): the slices
    # fold at import.
    w = g.weight((12, 5))
    x = g.input("x", (4, 5))
    a, b, c = g.node("Split", [w], outputs=3, axis=0)
    g.output(g.node("Add", [x, a]), g.node("Mul", [x, c]))


@case
def case_slice_negative_steps(g):
    # Both axes walk backwards; INT64_MIN ends at the front.
    x = g.input("x", (7, 9, 4))
    g.output(g.node("Slice", [x, g.ints([-1, 8]), g.ints([-2**63, 0]), g.ints([0, 1]),
                              g.ints([-2, -3])]))


@case
def case_slice_float16_large(g):
    # Strided, 16-bit, multi-threaded (33k elements out).
    x = g.input("x", (4, 130, 260), dtype=np.float16)
    g.output(g.node("Slice", [x, g.ints([1, 3]), g.ints([2**63 - 1, 260]), g.ints([1, 2]),
                              g.ints([2, 1])]))


@case
def case_gather_embedding(g):
    # Run-time int32 ids, negative ones counting from the back of the table.
    table = g.weight((50, 8))
    ids = g.input("ids", (3, 4), dtype=np.int32, low=-50, high=49)
    g.output(g.node("Gather", [table, ids], axis=0))


def resize(g, shape, scales, **attrs):
    x = g.input("x", shape)
    s = g.weight(None, data=np.asarray(scales, dtype=np.float32))
    g.output(g.node("Resize", [x, "", s], **attrs))


# Resizes whose innermost axis is resampled in vectors of outputs, each tap
# a shuffle of two vector loads (kiln-tile-and-vectorize's
# vectorizeResampleRow): rows of 40 -> 80 (whole vectors), 37 -> 62 (a
# partial last vector), cubic taps (four), nearest (one tap, no weights);
# and downsampling by 4, whose vectors' taps span too many inputs (scalar).
@case
def case_resize_linear_align_corners(g):
    resize(g, (1, 8, 20, 40), [1, 1, 2, 2], mode="linear",
           coordinate_transformation_mode="align_corners")


@case
def case_resize_linear_half_pixel_partial(g):
    resize(g, (1, 3, 9, 37), [1, 1, 1, 1.7], mode="linear",
           coordinate_transformation_mode="half_pixel")


@case
def case_resize_cubic_asymmetric(g):
    resize(g, (1, 2, 5, 48), [1, 1, 1, 1.5], mode="cubic",
           coordinate_transformation_mode="asymmetric")


@case
def case_resize_nearest(g):
    resize(g, (1, 2, 6, 33), [1, 1, 2, 3], mode="nearest")


@case
def case_resize_linear_down4(g):
    resize(g, (1, 2, 4, 96), [1, 1, 1, 0.25], mode="linear")


# Rows of 24 -> 48 (one vector load per window on AVX-512, whose rows under
# 32 floats cannot take two), 3 -> 6 (shorter than a vector: scalar), and
# a 16-bit Resize of the innermost axis alone, computed in f32 and fused
# with its rounding (scalar: the vectors are of the output's type).
@case
def case_resize_linear_row24(g):
    resize(g, (1, 4, 3, 24), [1, 1, 1, 2], mode="linear")


@case
def case_resize_linear_row3(g):
    resize(g, (1, 4, 3, 3), [1, 1, 1, 2], mode="linear")


@case
def case_resize_linear_float16(g):
    x = g.input("x", (1, 2, 3, 40), dtype=np.float16)
    s = g.weight(None, data=np.asarray([1, 1, 1, 2], dtype=np.float32))
    g.output(g.node("Resize", [x, "", s], mode="linear"))


@case
def case_gather_large(g):
    x = g.input("x", (64, 300, 3))
    i = g.input("i", (100,), dtype=np.int64, low=-300, high=299)
    g.output(g.node("Gather", [x, i], axis=1))


@case
def case_gather_bool(g):
    x = g.input("x", (4, 5), dtype=np.bool_)
    i = g.input("i", (2, 2), dtype=np.int64, low=-5, high=4)
    g.output(g.node("Gather", [x, i], axis=-1))


@case
def case_gather_elements_negative(g):
    x = g.input("x", (4, 6))
    i = g.input("i", (4, 3), dtype=np.int64, low=-6, high=5)
    g.output(g.node("GatherElements", [x, i], axis=1))


@case
def case_gather_nd_batch(g):
    x = g.input("x", (2, 5, 3, 4))
    i = g.input("i", (2, 6, 2), dtype=np.int64, low=-3, high=2)
    g.output(g.node("GatherND", [x, i], batch_dims=1))


@case
def case_scatter_elements_add(g):
    # Duplicate indices accumulate.
    g.opset = 18
    x = g.input("x", (5, 6))
    i = g.input("i", (3, 6), dtype=np.int64, low=-5, high=4)
    u = g.input("u", (3, 6))
    g.output(g.node("ScatterElements", [x, i, u], axis=0, reduction="add"))


@case
def case_scatter_elements_partial_max(g):
    # The indices cover only part of the data on the other axis.
    g.opset = 18
    x = g.input("x", (4, 7), dtype=np.int32, low=-50, high=50)
    i = g.input("i", (2, 3), dtype=np.int64, low=-4, high=3)
    u = g.input("u", (2, 3), dtype=np.int32, low=-50, high=50)
    g.output(g.node("ScatterElements", [x, i, u], axis=0, reduction="max"))


@case
def case_scatter_nd_rows(g):
    # Distinct rows, so overwriting is well defined.
    x = g.input("x", (6, 4, 3))
    i = g.input("i", data=np.array([[[5], [-6]], [[2], [3]]], dtype=np.int64))
    u = g.input("u", (2, 2, 4, 3))
    g.output(g.node("ScatterND", [x, i, u]))


@case
def case_scatter_nd_mul(g):
    g.opset = 18
    x = g.input("x", (4, 3))
    i = g.input("i", data=np.array([[0, 1], [-1, 2], [0, 1], [3, -3]], dtype=np.int64))
    u = g.input("u", (4,))
    g.output(g.node("ScatterND", [x, i, u], reduction="mul"))


@case
def case_pad_reflect_crop(g):
    # Negative pads crop; reflection reads what remains.
    g.opset = 18
    x = g.input("x", (1, 3, 10, 12))
    g.output(g.node("Pad", [x, g.ints([0, 0, 3, -2, 0, 0, -1, 4])], mode="reflect"))


@case
def case_pad_wrap(g):
    g.opset = 19
    x = g.input("x", (2, 3, 5))
    g.output(g.node("Pad", [x, g.ints([1, 2, 0, 0, 3, 4])], mode="wrap"))


@case
def case_pad_edge_large(g):
    g.opset = 18
    x = g.input("x", (1, 8, 60, 60))
    g.output(g.node("Pad", [x, g.ints([0, 0, 2, 2, 0, 0, 3, 1])], mode="edge"))


@case
def case_pad_value_axes(g):
    # A run-time padding value; pads for one (negative) axis.
    g.opset = 18
    x = g.input("x", (3, 4), dtype=np.int32, low=-9, high=9)
    value = g.input("value", data=np.array(7, dtype=np.int32))
    g.output(g.node("Pad", [x, g.ints([2, 1]), value, g.ints([-1])]))


@case
def case_expand_tile(g):
    x = g.input("x", (3, 1))
    y = g.node("Expand", [x, g.ints([2, 1, 4])])
    g.output(g.node("Tile", [y, g.ints([1, 2, 3])]))


@case
def case_trilu_runtime_k(g):
    g.opset = 14
    x = g.input("x", (2, 5, 6))
    k = g.input("k", data=np.array(-2, dtype=np.int64))
    g.output(g.node("Trilu", [x, k], upper=1), g.node("Trilu", [x, k], upper=0))


@case
def case_one_hot_axis(g):
    # Out-of-range indices give only the off value.
    g.opset = 11
    i = g.input("i", (3, 4), dtype=np.int64, low=-6, high=5)
    depth = g.weight(None, data=np.array(5), dtype=np.int64)
    values = g.input("values", data=np.array([-1.0, 2.0], dtype=np.float32))
    g.output(g.node("OneHot", [i, depth, values], axis=1))


@case
def case_depth_space_roundtrip(g):
    x = g.input("x", (1, 8, 3, 5))
    y = g.node("DepthToSpace", [x], blocksize=2, mode="CRD")
    g.output(y, g.node("SpaceToDepth", [y], blocksize=2))


@case
def case_reverse_sequence(g):
    g.opset = 10
    x = g.input("x", (6, 3, 2))
    lens = g.input("lens", data=np.array([6, 0, 3], dtype=np.int64))
    g.output(g.node("ReverseSequence", [x, lens], batch_axis=1, time_axis=0))


@case
def case_squeeze_unsqueeze_eye(g):
    # Squeeze without axes, Unsqueeze with negative axes, EyeLike as a mask.
    x = g.input("x", (1, 4, 1, 4))
    y = g.node("Squeeze", [x])
    mask = g.node("EyeLike", [y], k=1)
    g.output(g.node("Unsqueeze", [g.node("Mul", [y, mask]), g.ints([-1, 0])]))


# ===----------------------------------------------------------------------=== #
# Models
# ===----------------------------------------------------------------------=== #


def linear(g, x, in_features, out_features):
    """torch.nn.Linear as exported: Gemm with transB=1."""
    w = g.weight((out_features, in_features))
    b = g.weight((out_features,), fan_in=in_features)
    return g.node("Gemm", [x, w, b], alpha=1.0, beta=1.0, transB=1)


def conv_bn_relu(g, x, cin, cout, kernel, stride=1, pad=None, group=1):
    pad = kernel // 2 if pad is None else pad
    y = conv(g, x, cin, cout, (kernel, kernel), group=group, bias=False,
             strides=[stride, stride], pads=[pad] * 4)
    y = g.node("BatchNormalization", [y] + batchnorm_weights(g, cout),
               epsilon=1e-5)
    return g.node("Relu", [y])


@case
def case_mlp(g):
    x = g.input("input", (4, 1, 7, 7))
    h = g.node("Flatten", [x], axis=1)
    h = g.node("Relu", [linear(g, h, 49, 32)])
    h = g.node("Relu", [linear(g, h, 32, 32)])
    g.output(g.node("Softmax", [linear(g, h, 32, 10)], axis=1,
                    name="probabilities"))


@case
def case_lenet(g):
    x = g.input("image", (1, 1, 28, 28))
    h = g.node("Relu", [conv(g, x, 1, 6, (5, 5), pads=[2, 2, 2, 2])])
    h = g.node("MaxPool", [h], kernel_shape=[2, 2], strides=[2, 2])
    h = g.node("Relu", [conv(g, h, 6, 16, (5, 5))])
    h = g.node("MaxPool", [h], kernel_shape=[2, 2], strides=[2, 2])
    h = g.node("Flatten", [h])
    h = g.node("Relu", [linear(g, h, 400, 120)])
    h = g.node("Relu", [linear(g, h, 120, 84)])
    g.output(linear(g, h, 84, 10))


@case
def case_small_cnn(g, batch=1):
    # conv-bn-relu, pool, strided conv, global pool, classifier, softmax.
    x = g.input("input", (batch, 3, 32, 32))
    h = conv_bn_relu(g, x, 3, 16, 3)
    h = g.node("MaxPool", [h], kernel_shape=[3, 3], strides=[2, 2],
               pads=[1, 1, 1, 1])
    h = conv_bn_relu(g, h, 16, 32, 3, stride=2)
    h = g.node("GlobalAveragePool", [h])
    h = g.node("Flatten", [h], axis=1)
    logits = linear(g, h, 32, 10)
    g.output(g.node("Softmax", [logits], axis=-1, name="probs"))


@case
def case_small_cnn_batch3(g):
    # The same at batch 3: compiled for one image (kiln-split-batch), called
    # per image.
    case_small_cnn(g, batch=3)


@case
def case_resnet_block(g):
    # Basic residual block with a projection shortcut.
    x = g.input("x", (1, 16, 14, 14))
    h = conv_bn_relu(g, x, 16, 32, 3, stride=2)
    h = conv(g, h, 32, 32, (3, 3), bias=False, pads=[1, 1, 1, 1])
    h = g.node("BatchNormalization", [h] + batchnorm_weights(g, 32))
    s = conv(g, x, 16, 32, (1, 1), bias=False, strides=[2, 2])
    s = g.node("BatchNormalization", [s] + batchnorm_weights(g, 32))
    g.output(g.node("Relu", [g.node("Add", [h, s])]))


@case
def case_bottleneck_blocks(g):
    # Two ResNet-50 bottlenecks at 8x8 (64 pixels, whole micro-kernel
    # columns): the first with a projection shortcut, the second with the
    # identity. Each 1x1 expansion accumulates onto its shortcut in place
    # (kiln-conv-to-matmul) and applies the ReLU in its register tiles.
    x = g.input("x", (1, 16, 8, 8))

    def bottleneck(h, cin, shortcut, name=None):
        t = conv_bn_relu(g, h, cin, 8, 1)
        t = conv_bn_relu(g, t, 8, 8, 3)
        t = conv(g, t, 8, 32, (1, 1), bias=False)
        t = g.node("BatchNormalization", [t] + batchnorm_weights(g, 32))
        return g.node("Relu", [g.node("Add", [t, shortcut])], name=name)

    s = conv(g, x, 16, 32, (1, 1), bias=False)
    s = g.node("BatchNormalization", [s] + batchnorm_weights(g, 32))
    h = bottleneck(x, 16, s)
    g.output(bottleneck(h, 32, h, name="y"))


@case
def case_mobilenet_block(g):
    # Inverted residual: expand 1x1, ReLU6, depthwise 3x3, ReLU6, project.
    g.opset = 13
    x = g.input("x", (1, 8, 15, 15))
    lo = g.weight((), data=np.float32(0.0))
    hi = g.weight((), data=np.float32(6.0))
    h = conv(g, x, 8, 48, (1, 1))
    h = g.node("Clip", [h, lo, hi])
    h = conv(g, h, 48, 48, (3, 3), group=48, pads=[1, 1, 1, 1])
    h = g.node("Clip", [h, lo, hi])
    h = conv(g, h, 48, 8, (1, 1))
    g.output(g.node("Add", [x, h], name="residual"))


@case
def case_attention(g):
    # One multi-head self-attention layer: projections, head split with
    # Reshape/Transpose, scaled scores, softmax, merge, output projection.
    seq, dim, heads = 7, 16, 2
    head_dim = dim // heads
    x = g.input("hidden", (1, seq, dim))

    def heads_of(t):
        t = g.node("Reshape", [t, g.ints([1, seq, heads, head_dim])])
        return g.node("Transpose", [t], perm=[0, 2, 1, 3])

    q = heads_of(g.node("MatMul", [x, g.weight((dim, dim), fan_in=dim)]))
    k = heads_of(g.node("MatMul", [x, g.weight((dim, dim), fan_in=dim)]))
    v = heads_of(g.node("MatMul", [x, g.weight((dim, dim), fan_in=dim)]))
    kt = g.node("Transpose", [k], perm=[0, 1, 3, 2])
    scores = g.node("Div", [g.node("MatMul", [q, kt]),
                            g.weight((), data=np.float32(np.sqrt(head_dim)))])
    probs = g.node("Softmax", [scores], axis=-1)
    ctx = g.node("Transpose", [g.node("MatMul", [probs, v])],
                 perm=[0, 2, 1, 3])
    ctx = g.node("Reshape", [ctx, g.ints([1, seq, dim])])
    out = g.node("Add", [g.node("MatMul", [ctx, g.weight((dim, dim))]),
                         g.weight((dim,), fan_in=dim)])
    g.output(out)


@case
def case_multi_io(g):
    # Two inputs, two outputs, one of which also feeds the other.
    a = g.input("left", (2, 5, 6))
    b = g.input("right", (2, 5, 6))
    s = g.node("Concat", [a, b], axis=2, name="joined")
    h = g.node("Tanh", [g.node("MatMul", [s, g.weight((12, 4))])],
               name="features")
    g.output(h, g.node("Softmax", [h], axis=-1, name="scores"))


@case
def case_symbolic_output_shape(g):
    # The graph output's dimensions are symbolic: Kiln infers them.
    g.declare_output_shapes = False
    x = g.input("x", (3, 8))
    g.output(g.node("Relu", [linear(g, x, 8, 5)]))


@case
def case_dynamic_batch(g):
    # Exported with a dynamic batch axis; the test fixes it with
    # --input-shape input=3x1x8x8.
    g.declare_output_shapes = False
    g.symbolic_dims = {"input": {0: "batch"}}
    x = g.input("input", (3, 1, 8, 8))
    h = g.node("Relu", [conv(g, x, 1, 4, (3, 3), pads=[1, 1, 1, 1])])
    h = g.node("GlobalAveragePool", [h])
    g.output(linear(g, g.node("Flatten", [h]), 4, 3))


@case
def case_c_api_model(g):
    # The model c-api.test links into Inputs/c_api_user.c, which recomputes
    # the outputs in C: keep the two in sync. Three inputs and outputs of two
    # element types, a name that is not a C identifier, over 16k elements for
    # the thread pool, and an intermediate that needs workspace.
    x = g.input("x:0", (2, 96, 128), low=-2, high=2)
    bias = g.input("bias", (128,))
    ids = g.input("ids", (5,), dtype=np.int64, low=-2**40, high=2**40)
    h = g.node("Relu", [g.node("Add", [x, bias])], name="activation")
    # Row sums of h, as (2h) x 0.5: exact, and 2h is the intermediate (a
    # matmul's operand, not fused into it, and no output).
    twice = g.node("Mul", [h, g.weight((1,), data=np.full((1,), 2.0))])
    halves = g.weight((128, 3), data=np.full((128, 3), 0.5))
    t = g.node("Transpose", [twice], perm=[0, 2, 1])
    sums = g.node("MatMul", [g.node("Transpose", [t], perm=[0, 2, 1]), halves],
                  name="row_sums")
    doubled = g.node("Add", [ids, ids], name="ids_doubled")
    g.output(h, sums, doubled)


# ===----------------------------------------------------------------------=== #
# Command line
# ===----------------------------------------------------------------------=== #


def make(name, directory):
    model, inputs, outputs = build(name)
    os.makedirs(directory, exist_ok=True)
    onnx.save(model, os.path.join(directory, "model.onnx"))
    for i, array in enumerate(inputs):
        np.save(os.path.join(directory, f"input_{i}.npy"), array)
    for i, array in enumerate(outputs):
        np.save(os.path.join(directory, f"expected_{i}.npy"), np.asarray(array))


def unused(test_dir):
    made = set()
    pattern = re.compile(r"cases\.py make (\w+)")
    for root, _, files in os.walk(test_dir):
        for file in files:
            if file.endswith(".test"):
                with open(os.path.join(root, file)) as f:
                    made.update(pattern.findall(f.read()))
    unknown = sorted(made - CASES.keys())
    missing = [name for name in CASES if name not in made]
    for name in unknown:
        print(f"unknown case: {name}")
    for name in missing:
        print(f"unused case: {name}")
    if unknown or missing:
        return 1
    print(f"all {len(CASES)} cases are used")
    return 0


def main(argv):
    if len(argv) == 2 and argv[1] == "list":
        print("\n".join(CASES))
        return 0
    if len(argv) == 4 and argv[1] == "make":
        if argv[2] not in CASES:
            print(f"cases.py: unknown case '{argv[2]}'", file=sys.stderr)
            return 2
        make(argv[2], argv[3])
        return 0
    if len(argv) == 3 and argv[1] == "unused":
        return unused(argv[2])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
