#!/usr/bin/env python3
"""Small models for timing single layers and blocks of the zoo's networks.

  .venv/bin/python bench/layers.py [NAME ...]      (default: all)
  .venv/bin/python bench/ab.py --base ort --models dw5x5_7,maxpool_112

Each layer is written as a model directory under build/zoo/NAME (model.onnx,
input_0.npy, expected_0.npy from ONNX Runtime, meta.json), the layout
bench/ab.py, bench/profile.py and kiln-run read, so a layer can be timed
against ONNX Runtime or another kilnc build, or profiled, on its own. The
layers are those of the zoo models that docs/performance.md measures one
at a time: EfficientNet-B0's and MobileNetV2's depthwise convolutions (with
the SiLU after them), a squeeze-and-excitation block, ResNet-50's max
pool and 1x1 convolutions, U-Net's 3x3 convolutions and the transformers'
feed-forward blocks; grouped convolutions (ResNeXt's, a depthwise one
with a channel multiplier); besides them, a chain of 1x1 layers with more
weights than the L3 holds (and the same chain sharing two sets of weights,
which stay in cache), and ResNet-50's downsampling bottleneck blocks whole.
bench/zoo/check.py does not know them: their outputs are checked with
kiln-run (--expected).
"""

import json
import math
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def save(name, nodes, x_shape, y_shape, weights, rng):
    d = os.path.join(ROOT, "build", "zoo", name)
    os.makedirs(d, exist_ok=True)
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, x_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)],
        [numpy_helper.from_array(a, k) for k, a in weights.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, os.path.join(d, "model.onnx"))
    x = rng.standard_normal(x_shape).astype(np.float32)
    np.save(os.path.join(d, "input_0.npy"), x)
    session = ort.InferenceSession(os.path.join(d, "model.onnx"),
                                   providers=["CPUExecutionProvider"])
    np.save(os.path.join(d, "expected_0.npy"), session.run(None, {"x": x})[0])
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump({"name": name, "batch": 1, "flops": 0, "ci": False}, f)


def depthwise(c, h, k, stride=1, silu=True):
    """Depthwise k x k convolution with bias, 'same' padding, then SiLU."""
    def build(name, rng):
        w = (rng.standard_normal((c, 1, k, k)) * 0.2).astype(np.float32)
        b = (rng.standard_normal(c) * 0.1).astype(np.float32)
        out = (h + 2 * (k // 2) - k) // stride + 1
        nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c" if silu else "y"], group=c,
                                  kernel_shape=[k, k], pads=[k // 2] * 4, strides=[stride] * 2)]
        if silu:
            nodes += [helper.make_node("Sigmoid", ["c"], ["s"]),
                      helper.make_node("Mul", ["c", "s"], ["y"])]
        save(name, nodes, [1, c, h, h], [1, c, out, out], {"w": w, "b": b}, rng)
    return build


def conv_weights(rng, c, f, k):
    """Weights (scaled like a trained model's) and bias of a k x k
    convolution from c to f channels."""
    w = (rng.standard_normal((f, c, k, k)) / math.sqrt(c * k * k)).astype(np.float32)
    b = (rng.standard_normal(f) * 0.1).astype(np.float32)
    return w, b


def conv(c, h, f, k, silu=False, stride=1):
    """k x k convolution with bias, 'same' padding (at `stride`), then ReLU
    (or SiLU)."""
    def build(name, rng):
        w, b = conv_weights(rng, c, f, k)
        nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[k, k],
                                  pads=[k // 2] * 4, strides=[stride] * 2)]
        if silu:
            nodes += [helper.make_node("Sigmoid", ["c"], ["s"]),
                      helper.make_node("Mul", ["c", "s"], ["y"])]
        else:
            nodes += [helper.make_node("Relu", ["c"], ["y"])]
        save(name, nodes, [1, c, h, h], [1, f, h // stride, h // stride], {"w": w, "b": b}, rng)
    return build


def grouped_conv(c, h, f, k, groups):
    """k x k convolution of `groups` groups (c / groups input channels a
    group) with bias, 'same' padding, then ReLU."""
    def build(name, rng):
        w = (rng.standard_normal((f, c // groups, k, k)) /
             math.sqrt(c // groups * k * k)).astype(np.float32)
        b = (rng.standard_normal(f) * 0.1).astype(np.float32)
        nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], kernel_shape=[k, k],
                                  pads=[k // 2] * 4, group=groups),
                 helper.make_node("Relu", ["c"], ["y"])]
        save(name, nodes, [1, c, h, h], [1, f, h, h], {"w": w, "b": b}, rng)
    return build


def depthwise_upsampler(c, h, k=4, stride=2):
    """A depthwise k x k ConvTranspose at `stride` (a learned bilinear
    upsampler: one group a channel) with bias."""
    def build(name, rng):
        w = (rng.standard_normal((c, 1, k, k)) / k).astype(np.float32)
        b = (rng.standard_normal(c) * 0.1).astype(np.float32)
        pad = (k - stride) // 2
        nodes = [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"], kernel_shape=[k, k],
                                  strides=[stride] * 2, pads=[pad] * 4, group=c)]
        save(name, nodes, [1, c, h, h], [1, c, h * stride, h * stride], {"w": w, "b": b}, rng)
    return build


def pool_then_conv(c, h, f):
    """U-Net's way down a level: a 2x2 stride-2 max pool, then a 3x3
    convolution with ReLU whose padded input the pool writes."""
    def build(name, rng):
        w, b = conv_weights(rng, c, f, 3)
        nodes = [helper.make_node("MaxPool", ["x"], ["p"], kernel_shape=[2, 2],
                                  strides=[2, 2], name="pool"),
                 helper.make_node("Conv", ["p", "w", "b"], ["c"], kernel_shape=[3, 3],
                                  pads=[1] * 4, name="conv"),
                 helper.make_node("Relu", ["c"], ["y"], name="relu")]
        save(name, nodes, [1, c, h, h], [1, f, h // 2, h // 2], {"w": w, "b": b}, rng)
    return build


def squeeze_excitation(c, h, r):
    """EfficientNet's squeeze-and-excitation: pool, two 1x1 convolutions
    (SiLU, then sigmoid), and the scale of the input by the result."""
    def build(name, rng):
        w1 = (rng.standard_normal((r, c, 1, 1)) / math.sqrt(c)).astype(np.float32)
        w2 = (rng.standard_normal((c, r, 1, 1)) / math.sqrt(r)).astype(np.float32)
        nodes = [helper.make_node("GlobalAveragePool", ["x"], ["g"]),
                 helper.make_node("Conv", ["g", "w1", "b1"], ["f1"]),
                 helper.make_node("Sigmoid", ["f1"], ["s1"]),
                 helper.make_node("Mul", ["f1", "s1"], ["m1"]),
                 helper.make_node("Conv", ["m1", "w2", "b2"], ["f2"]),
                 helper.make_node("Sigmoid", ["f2"], ["s2"]),
                 helper.make_node("Mul", ["s2", "x"], ["y"])]
        save(name, nodes, [1, c, h, h], [1, c, h, h],
             {"w1": w1, "b1": np.zeros(r, np.float32), "w2": w2,
              "b2": np.zeros(c, np.float32)}, rng)
    return build


def max_pool(c, h, k=3, pad=1):
    """A k x k stride-2 max pool with `pad` on every side: ResNet's 3x3
    with a padding of 1, U-Net's 2x2 without."""
    def build(name, rng):
        nodes = [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[k, k],
                                  strides=[2, 2], pads=[pad] * 4)]
        save(name, nodes, [1, c, h, h], [1, c, h // 2, h // 2], {}, rng)
    return build


def global_pool(c, h):
    """GlobalAveragePool (a squeeze-and-excitation's squeeze)."""
    def build(name, rng):
        nodes = [helper.make_node("GlobalAveragePool", ["x"], ["y"])]
        save(name, nodes, [1, c, h, h], [1, c, 1, 1], {}, rng)
    return build


def bottleneck_chain(c, h, e, pairs, shared=False):
    """`pairs` pairs of 1x1 convolutions c -> e -> c with ReLU at h x h, each
    with weights of its own: together more weights than the L3 holds, so
    (unlike a one-layer model timed in a loop) each layer reads its weights
    from memory, as the layers of a large model do. With `shared`, the pairs
    share one pair's weights, which then stay in cache: the same work
    without the memory traffic."""
    def build(name, rng):
        nodes, weights, prev = [], {}, "x"
        for i in range(2 * pairs):
            cin, cout = (c, e) if i % 2 == 0 else (e, c)
            w = i % 2 if shared else i
            if f"w{w}" not in weights:
                weights[f"w{w}"] = (rng.standard_normal((cout, cin, 1, 1))
                                    / math.sqrt(cin)).astype(np.float32)
                weights[f"b{w}"] = (rng.standard_normal(cout) * 0.1).astype(np.float32)
            out = "y" if i == 2 * pairs - 1 else f"r{i}"
            nodes += [helper.make_node("Conv", [prev, f"w{w}", f"b{w}"], [f"c{i}"],
                                       name=f"conv{i}"),
                      helper.make_node("Relu", [f"c{i}"], [out], name=f"relu{i}")]
            prev = out
        save(name, nodes, [1, c, h, h], [1, c, h, h], weights, rng)
    return build


def fc_chain(c, layers):
    """`layers` fully connected layers c -> c with ReLU on one row (a
    batch-1 MLP), each with weights of its own, more than the L3 holds: the
    one-row product (x W^T) reading its weights from memory once per run,
    where an LSTM's or GRU's recurrent step reads its own from cache."""
    def build(name, rng):
        nodes, weights, prev = [], {}, "x"
        for i in range(layers):
            weights[f"w{i}"] = (rng.standard_normal((c, c)) / math.sqrt(c)).astype(np.float32)
            weights[f"b{i}"] = (rng.standard_normal(c) * 0.1).astype(np.float32)
            out = "y" if i == layers - 1 else f"r{i}"
            nodes += [helper.make_node("Gemm", [prev, f"w{i}", f"b{i}"], [f"g{i}"],
                                       name=f"fc{i}", transB=1),
                      helper.make_node("Relu", [f"g{i}"], [out], name=f"relu{i}")]
            prev = out
        save(name, nodes, [1, c], [1, c], weights, rng)
    return build


def transformer_ffn(s, d, f, gelu):
    """A transformer's feed-forward block on one sequence of s tokens, as
    the exporters write it: MatMul d -> f, Add bias, GELU (BERT's erf form,
    or GPT-2's tanh approximation), MatMul f -> d, Add bias, Add the
    residual."""
    def build(name, rng):
        weights = {
            "w1": (rng.standard_normal((d, f)) / math.sqrt(d)).astype(np.float32),
            "b1": (rng.standard_normal(f) * 0.1).astype(np.float32),
            "w2": (rng.standard_normal((f, d)) / math.sqrt(f)).astype(np.float32),
            "b2": (rng.standard_normal(d) * 0.1).astype(np.float32),
            "half": np.array(0.5, np.float32), "one": np.array(1.0, np.float32),
        }
        nodes = [helper.make_node("MatMul", ["x", "w1"], ["m1"], name="fc1"),
                 helper.make_node("Add", ["m1", "b1"], ["h"], name="fc1_bias")]
        if gelu == "erf":
            weights["sqrt2"] = np.array(math.sqrt(2.0), np.float32)
            nodes += [helper.make_node("Div", ["h", "sqrt2"], ["g0"], name="gelu_div"),
                      helper.make_node("Erf", ["g0"], ["g1"], name="gelu_erf")]
        else:
            weights.update({"three": np.array(3.0, np.float32),
                            "c0": np.array(0.044715, np.float32),
                            "c1": np.array(math.sqrt(2.0 / math.pi), np.float32)})
            nodes += [helper.make_node("Pow", ["h", "three"], ["p"], name="gelu_pow"),
                      helper.make_node("Mul", ["p", "c0"], ["q"], name="gelu_mul"),
                      helper.make_node("Add", ["h", "q"], ["r"], name="gelu_add"),
                      helper.make_node("Mul", ["r", "c1"], ["g0"], name="gelu_scale"),
                      helper.make_node("Tanh", ["g0"], ["g1"], name="gelu_tanh")]
        nodes += [helper.make_node("Add", ["g1", "one"], ["g2"], name="gelu_add1"),
                  helper.make_node("Mul", ["h", "g2"], ["g3"], name="gelu_mul1"),
                  helper.make_node("Mul", ["g3", "half"], ["g"], name="gelu_half"),
                  helper.make_node("MatMul", ["g", "w2"], ["m2"], name="fc2"),
                  helper.make_node("Add", ["m2", "b2"], ["o"], name="fc2_bias"),
                  helper.make_node("Add", ["o", "x"], ["y"], name="residual")]
        save(name, nodes, [1, s, d], [1, s, d], weights, rng)
    return build


def bottleneck_blocks(c, h, m, blocks):
    """`blocks` of ResNet-50's identity bottlenecks at h x h, each with
    weights of its own: 1x1 c -> m, 3x3 m -> m, 1x1 m -> c, the block's
    input added before the last ReLU (batch norms folded into the
    convolutions' biases). By the time the last convolution adds it, the
    block's input has been pushed out of L2 by the weights read since."""
    def build(name, rng):
        nodes, weights, prev = [], {}, "x"
        def conv_node(i, x, cin, cout, k, out):
            weights[f"w{i}"] = (rng.standard_normal((cout, cin, k, k))
                                / math.sqrt(cin * k * k)).astype(np.float32)
            weights[f"b{i}"] = (rng.standard_normal(cout) * 0.1).astype(np.float32)
            return helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [out], name=f"conv{i}",
                                    kernel_shape=[k, k], pads=[k // 2] * 4)
        for b in range(blocks):
            out = "y" if b == blocks - 1 else f"y{b}"
            nodes += [conv_node(3 * b + 1, prev, c, m, 1, f"c{b}_1"),
                      helper.make_node("Relu", [f"c{b}_1"], [f"r{b}_1"], name=f"relu{b}_1"),
                      conv_node(3 * b + 2, f"r{b}_1", m, m, 3, f"c{b}_2"),
                      helper.make_node("Relu", [f"c{b}_2"], [f"r{b}_2"], name=f"relu{b}_2"),
                      conv_node(3 * b + 3, f"r{b}_2", m, c, 1, f"c{b}_3"),
                      helper.make_node("Add", [f"c{b}_3", prev], [f"s{b}"], name=f"add{b}"),
                      helper.make_node("Relu", [f"s{b}"], [out], name=f"relu{b}_3")]
            prev = out
        save(name, nodes, [1, c, h, h], [1, c, h, h], weights, rng)
    return build


def downsampling_bottleneck(c, h, m, e):
    """ResNet-50 v1.5's first block of a stage: 1x1 c -> m, 3x3 stride 2,
    1x1 m -> e, and the projection shortcut (1x1 stride 2, c -> e) added
    before the last ReLU (batch norms folded into the convolutions' biases,
    the nodes in the exported model's order: main branch first)."""
    def build(name, rng):
        def conv_node(i, x, cin, cout, k, stride, out):
            weights[f"w{i}"] = (rng.standard_normal((cout, cin, k, k))
                                / math.sqrt(cin * k * k)).astype(np.float32)
            weights[f"b{i}"] = (rng.standard_normal(cout) * 0.1).astype(np.float32)
            return helper.make_node("Conv", [x, f"w{i}", f"b{i}"], [out], name=f"conv{i}",
                                    kernel_shape=[k, k], pads=[k // 2] * 4,
                                    strides=[stride] * 2)
        weights = {}
        nodes = [conv_node(1, "x", c, m, 1, 1, "c1"),
                 helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
                 conv_node(2, "r1", m, m, 3, 2, "c2"),
                 helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
                 conv_node(3, "r2", m, e, 1, 1, "c3"),
                 conv_node(4, "x", c, e, 1, 2, "shortcut"),
                 helper.make_node("Add", ["c3", "shortcut"], ["s"], name="add"),
                 helper.make_node("Relu", ["s"], ["y"], name="relu3")]
        save(name, nodes, [1, c, h, h], [1, e, h // 2, h // 2], weights, rng)
    return build


LAYERS = {
    "dw5x5_7": depthwise(1152, 7, 5),        # EfficientNet-B0 features.6
    "dw5x5_14": depthwise(672, 14, 5),       # features.5
    "dw5x5_28": depthwise(240, 28, 5),       # features.3.1
    "dw5x5_s2_56": depthwise(144, 56, 5, 2),  # features.3.0
    "dw3x3_56": depthwise(144, 56, 3),
    "dw3x3_s2_112": depthwise(96, 112, 3, 2),  # features.2.0
    "dw3x3_s2_28": depthwise(192, 28, 3, 2),   # MobileNetV2 features.7
    "dw3x3_s2_14": depthwise(576, 14, 3, 2),   # MobileNetV2 features.14
    "dw3x3_14": depthwise(384, 14, 3),         # MobileNetV2 features.8-10
    # The same depthwise convolutions without their SiLU ("linear").
    "dw3x3_14_lin": depthwise(384, 14, 3, silu=False),
    "dw5x5_14_lin": depthwise(672, 14, 5, silu=False),
    "dw3x3_s2_14_lin": depthwise(576, 14, 3, 2, silu=False),
    "dw3x3_s2_28_lin": depthwise(192, 28, 3, 2, silu=False),
    "dw3x3_s2_56_lin": depthwise(144, 56, 3, 2, silu=False),  # MobileNetV2 features.4
    "dw3x3_s2_112_lin": depthwise(96, 112, 3, 2, silu=False),  # MobileNetV2 features.2
    "se_7": squeeze_excitation(1152, 7, 48),  # features.6's block 2
    "gap_7": global_pool(1152, 7),            # features.6's squeeze
    "gap_14": global_pool(672, 14),           # features.5's squeeze
    "maxpool_112": max_pool(64, 112),         # ResNet-50
    "maxpool2_256": max_pool(32, 256, 2, 0),  # U-Net down1
    "pool_conv3x3_256": pool_then_conv(32, 256, 64),  # U-Net down1 with its first conv
    "conv3x3_96to48_256": conv(96, 256, 48, 3),  # U-Net up4
    "conv3x3_32_256": conv(32, 256, 32, 3),      # U-Net inc
    "expand1x1_112to672_14": conv(112, 14, 672, 1, silu=True),  # EfficientNet-B0 features.5
    "expand1x1_80to480_14": conv(80, 14, 480, 1, silu=True),    # features.4
    # 1x1 layers (with ReLU) of EfficientNet-B0's and MobileNetV2's small planes.
    "pw112to672_14": conv(112, 14, 672, 1),    # EfficientNet-B0 features.5, expanding
    "pw672to112_14": conv(672, 14, 112, 1),    # features.5, projecting
    "pw192to1152_7": conv(192, 7, 1152, 1),    # features.6, expanding
    "pw1152to192_7": conv(1152, 7, 192, 1),    # features.6, projecting
    "pw160to960_7": conv(160, 7, 960, 1),      # MobileNetV2 features.15-16, expanding
    "pw960to160_7": conv(960, 7, 160, 1),      # features.15-16, projecting
    "pw960to320_7": conv(960, 7, 320, 1),      # features.17, projecting
    "pw320to1280_7": conv(320, 7, 1280, 1),    # features.18
    "chain1x1_512to2048_7": bottleneck_chain(512, 7, 2048, 8),  # ResNet-50 layer4, 64 MB
    "chain1x1_512to2048_7_shared": bottleneck_chain(512, 7, 2048, 8, shared=True),  # 8 MB
    "fc_chain_2048": fc_chain(2048, 4),  # a batch-1 MLP, 64 MB of weights
    "r50_1x1_256to64_56": conv(256, 56, 64, 1),       # ResNet-50 layer1.1's conv1
    "r50_1x1_64to256_56": conv(64, 56, 256, 1),       # layer1's conv3 (without the residual)
    "r50_1x1_256to128_56": conv(256, 56, 128, 1),     # layer2.0's conv1
    "r50_conv3x3_64_56": conv(64, 56, 64, 3),         # layer1's conv2
    "r50_conv3x3_128_28": conv(128, 28, 128, 3),      # layer2.1-3's conv2
    "r50_conv3x3_256_14": conv(256, 14, 256, 3),      # layer3.1-5's conv2
    "r50_conv3x3_512_7": conv(512, 7, 512, 3),        # layer4.1-2's conv2
    "r50_1x1_1024to256_14": conv(1024, 14, 256, 1),   # layer3.1-5's conv1
    "r50_conv3x3_s2_128_56": conv(128, 56, 128, 3, stride=2),  # layer2.0's conv2
    "r50_1x1_128to512_28": conv(128, 28, 512, 1),     # layer2's conv3 (without the residual)
    "r50_shortcut_s2_56": conv(256, 56, 512, 1, stride=2),  # layer2.0's projection shortcut
    "r50_layer2_0": downsampling_bottleneck(256, 56, 128, 512),    # ResNet-50 layer2.0
    "r50_layer3_0": downsampling_bottleneck(512, 28, 256, 1024),   # ResNet-50 layer3.0
    "r50_layer1_1to2": bottleneck_blocks(256, 56, 64, 2),          # ResNet-50 layer1.1-2
    "r50_layer3_1to5": bottleneck_blocks(1024, 14, 256, 5),        # ResNet-50 layer3.1-5
    # Grouped convolutions: ResNeXt-50 (32x4d)'s 3x3 layers, 4 to 32
    # channels a group; 32 groups of 2; depthwise ones with a channel
    # multiplier of 2; two groups of 8 channels.
    "resnext_g32_128_56": grouped_conv(128, 56, 128, 3, 32),    # conv2 of layer1
    "resnext_g32_256_28": grouped_conv(256, 28, 256, 3, 32),    # layer2
    "resnext_g32_512_14": grouped_conv(512, 14, 512, 3, 32),    # layer3
    "resnext_g32_1024_7": grouped_conv(1024, 7, 1024, 3, 32),   # layer4
    "grouped_g32_64_56": grouped_conv(64, 56, 64, 3, 32),
    "dw_multiplier2_32_112": grouped_conv(32, 112, 64, 3, 32),
    "dw5_multiplier2_32_56": grouped_conv(32, 56, 64, 5, 32),
    "grouped_g2_16_28": grouped_conv(16, 28, 16, 3, 2),
    "upsample_dw_64_32": depthwise_upsampler(64, 32),  # 64 channels, 32x32 -> 64x64
    "bert_ffn_128": transformer_ffn(128, 768, 3072, "erf"),   # BERT-base's feed-forward block
    "gpt2_ffn_32": transformer_ffn(32, 128, 512, "tanh"),     # gpt2_tiny's
}


def main(argv):
    names = argv or list(LAYERS)
    unknown = [n for n in names if n not in LAYERS]
    if unknown:
        print(f"layers.py: unknown layer(s) {', '.join(unknown)}; known: {', '.join(LAYERS)}",
              file=sys.stderr)
        return 2
    for name in names:
        LAYERS[name](name, np.random.default_rng(0))
        print(f"build/zoo/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
