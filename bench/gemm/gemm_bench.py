#!/usr/bin/env python3
"""GEMM and convolution microbenchmark: Kiln against ONNX Runtime, one run.

  bench/gemm/run.sh [--cases A,B] [--threads 1,2] [--budget S] [--kilnc PATH]

Each case is a one-node ONNX model (MatMul, Gemm or Conv) whose weights are
initializers, as in the zoo (so Kiln may pack them at compile time and ONNX
Runtime may prepack them too). For each case: build the model, compile it
with kilnc into libNAME.a, link the generic C driver
(test/e2e/harness/kiln_harness.c), check Kiln's output against ONNX
Runtime's (max|diff| <= 1e-4 x max(1, max|ref|) x sqrt(K / 64), a looser
bound for long reductions), then time both at each thread count (median of
N runs, about --budget seconds each) and print GFLOP/s, the fraction of
T x the measured per-core FP32 FMA peak (bench/peak/fma_peak.c), and
Kiln/ORT (above 1: Kiln slower). The shapes are 1024^3 and the zoo's hot
contractions: BERT-base's projections (128 tokens, hidden 768, FFN 3072)
and ResNet-50's main convolutions.
"""

import argparse
import math
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "bench"))
sys.path.insert(0, os.path.join(ROOT, "bench", "zoo"))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

import bench  # noqa: E402  (peak probe, ORT timing)
import runner  # noqa: E402


def matmul_case(m, k, n, batch=None):
    """MatMul of an activation [batch?, m, k] by a weight [k, n]."""
    def build(rng):
        a_shape = ([batch] if batch else []) + [m, k]
        w = numpy_helper.from_array((rng.standard_normal((k, n)) / math.sqrt(k))
                                    .astype(np.float32), "w")
        node = helper.make_node("MatMul", ["a", "w"], ["y"])
        y_shape = a_shape[:-1] + [n]
        graph = helper.make_graph(
            [node], "g", [helper.make_tensor_value_info("a", TensorProto.FLOAT, a_shape)],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, y_shape)], [w])
        return graph, [rng.standard_normal(a_shape).astype(np.float32)]
    return build, 2 * (batch or 1) * m * k * n, k


def gemm_case(m, k, n):
    """Gemm(transB=1) with bias, what torch exports for nn.Linear on 2-D input."""
    def build(rng):
        w = numpy_helper.from_array((rng.standard_normal((n, k)) / math.sqrt(k))
                                    .astype(np.float32), "w")
        bias = numpy_helper.from_array(rng.standard_normal(n).astype(np.float32), "b")
        node = helper.make_node("Gemm", ["a", "w", "b"], ["y"], transB=1)
        graph = helper.make_graph(
            [node], "g", [helper.make_tensor_value_info("a", TensorProto.FLOAT, [m, k])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n])], [w, bias])
        return graph, [rng.standard_normal((m, k)).astype(np.float32)]
    return build, 2 * m * k * n, k


def conv_case(c, h, f, kernel, stride=1, relu=True):
    """Conv (bias, 'same' padding) [+ Relu] on a 1 x c x h x h input."""
    pad = kernel // 2
    out = (h + 2 * pad - kernel) // stride + 1

    def build(rng):
        w = numpy_helper.from_array(
            (rng.standard_normal((f, c, kernel, kernel)) / math.sqrt(c * kernel * kernel))
            .astype(np.float32), "w")
        bias = numpy_helper.from_array(rng.standard_normal(f).astype(np.float32), "b")
        nodes = [helper.make_node("Conv", ["x", "w", "b"], ["y" if not relu else "t"],
                                  kernel_shape=[kernel, kernel], pads=[pad] * 4,
                                  strides=[stride, stride])]
        if relu:
            nodes.append(helper.make_node("Relu", ["t"], ["y"]))
        graph = helper.make_graph(
            nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, h])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, f, out, out])],
            [w, bias])
        return graph, [rng.standard_normal((1, c, h, h)).astype(np.float32)]
    return build, 2 * f * out * out * c * kernel * kernel, c * kernel * kernel


CASES = {
    "sgemm_1024": matmul_case(1024, 1024, 1024),
    "bert_qkv_128x768x768": matmul_case(128, 768, 768, batch=1),
    "bert_ffn1_128x768x3072": matmul_case(128, 768, 3072, batch=1),
    "bert_ffn2_128x3072x768": matmul_case(128, 3072, 768, batch=1),
    # GPT-2's LM head: N = 50257 (not a multiple of 32), 154 MB of weights.
    "gpt2_lm_head_128x768x50257": matmul_case(128, 768, 50257, batch=1),
    "linear_gemm_256x1024x1024": gemm_case(256, 1024, 1024),
    "r50_conv1x1_64to256_56": conv_case(64, 56, 256, 1),
    "r50_conv3x3_64_56": conv_case(64, 56, 64, 3),
    "r50_conv3x3_128_28": conv_case(128, 28, 128, 3),
    "r50_conv3x3_256_14": conv_case(256, 14, 256, 3),
    "r50_conv1x1_1024to256_14": conv_case(1024, 14, 256, 1),
    "r50_conv1x1_64to64_56": conv_case(64, 56, 64, 1),
    "r50_conv1x1_256to64_56": conv_case(256, 56, 64, 1),
    "r50_conv1x1_256to128_56": conv_case(256, 56, 128, 1),
    "r50_conv1x1_128to512_28": conv_case(128, 28, 512, 1),
    "r50_conv1x1_512to128_28": conv_case(512, 28, 128, 1),
    "r50_conv1x1_512to256_28": conv_case(512, 28, 256, 1),
    "r50_conv1x1_256to1024_14": conv_case(256, 14, 1024, 1),
    "r50_conv1x1_1024to512_14": conv_case(1024, 14, 512, 1),
    "r50_conv1x1_512to2048_7": conv_case(512, 7, 2048, 1),
    "r50_conv1x1_2048to512_7": conv_case(2048, 7, 512, 1),
    "r50_conv3x3_512_7": conv_case(512, 7, 512, 3),
    # The projection shortcuts: 1x1 at stride 2, no activation.
    "r50_down1x1_256to512_s2_56": conv_case(256, 56, 512, 1, stride=2, relu=False),
    "r50_down1x1_512to1024_s2_28": conv_case(512, 28, 1024, 1, stride=2, relu=False),
    "r50_down1x1_1024to2048_s2_14": conv_case(1024, 14, 2048, 1, stride=2, relu=False),
    "r50_stem_7x7s2": conv_case(3, 224, 64, 7, stride=2),
    "unet_conv3x3_32_256": conv_case(32, 256, 32, 3),
    "unet_conv3x3_256_32": conv_case(256, 32, 256, 3),
    "unet_conv3x3_384to192_64": conv_case(384, 64, 192, 3),
    "unet_conv3x3_96to48_256": conv_case(96, 256, 48, 3),
}


def prepare(name, cache):
    """Writes CACHE/NAME/model.onnx, input_*.npy and ORT's output (expected_0.npy)."""
    import onnxruntime as ort
    d = os.path.join(cache, name)
    if os.path.exists(os.path.join(d, "expected_0.npy")):
        return d
    os.makedirs(d, exist_ok=True)
    build, _, _ = CASES[name]
    graph, inputs = build(np.random.default_rng(0))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.save(model, os.path.join(d, "model.onnx"))
    for i, x in enumerate(inputs):
        np.save(os.path.join(d, f"input_{i}.npy"), x)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(os.path.join(d, "model.onnx"), options,
                                   providers=["CPUExecutionProvider"])
    feeds = {i.name: x for i, x in zip(session.get_inputs(), inputs)}
    np.save(os.path.join(d, "expected_0.npy"), session.run(None, feeds)[0])
    return d


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cases", help="comma-separated cases (default: all): " + ", ".join(CASES))
    p.add_argument("--threads", default="1,2")
    p.add_argument("--budget", type=float, default=1.0, help="seconds per timing")
    p.add_argument("--kilnc", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    p.add_argument("--kilnc-args", default="", help="extra kilnc arguments")
    p.add_argument("--cc", default="cc")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "bench-gemm"))
    p.add_argument("--peak", type=float, help="per-core GFLOP/s (default: measure)")
    args = p.parse_args(argv)
    names = args.cases.split(",") if args.cases else list(CASES)
    for n in names:
        if n not in CASES:
            p.error(f"unknown case {n}")
    threads = [int(t) for t in args.threads.split(",")]
    os.makedirs(args.work, exist_ok=True)
    per_core = args.peak or bench.measure_peak(args.cc, args.work, max(threads))["per_core"]
    print(f"FP32 FMA peak per core: {per_core:.1f} GFLOP/s "
          f"({'given' if args.peak else 'bench/peak/fma_peak.c'}); load average "
          f"{bench.load_average()}")
    header = (f"{'case':28} {'T':>2} {'kiln ms':>9} {'GFLOP/s':>8} {'%peak':>6} "
              f"{'ORT ms':>9} {'GFLOP/s':>8} {'%peak':>6} {'kiln/ORT':>8} "
              f"{'compile s':>9} numerics")
    print(header)
    for name in names:
        _, flops, k = CASES[name]
        model_dir = prepare(name, os.path.join(args.work, "cases"))
        work = os.path.join(args.work, name)
        shutil.rmtree(work, ignore_errors=True)
        try:
            lib, seconds = runner.compile_model(args.kilnc, model_dir, work, name,
                                                extra_args=args.kilnc_args.split())
            exe = runner.link_harness(args.cc, lib, name)
            start = time.perf_counter()
            runner.run_harness(exe, model_dir, os.path.join(work, "out"))
            first = time.perf_counter() - start
            ref = np.load(os.path.join(model_dir, "expected_0.npy")).astype(np.float64)
            got = np.load(os.path.join(work, "out", "y.npy")).astype(np.float64)
            bound = 1e-4 * max(1.0, np.abs(ref).max()) * max(1.0, math.sqrt(k / 64))
            diff = float(np.abs(got - ref).max())
            numerics = "match" if diff <= bound else f"MISMATCH {diff:.3g}"
        except runner.Failure as failure:
            print(f"{name:28} kiln {failure.status}: {failure.reason}")
            exe = None
        for t in threads:
            ort_ms = bench.time_ort(model_dir, t, args.budget).ms
            roof = per_core * t
            ort_g = flops / ort_ms / 1e6
            if exe:
                kiln_ms = bench.time_kiln(exe, model_dir, work, t, first / t, args.budget).ms
                kiln_g = flops / kiln_ms / 1e6
                print(f"{name:28} {t:2d} {kiln_ms:9.3f} {kiln_g:8.1f} {kiln_g / roof:6.0%} "
                      f"{ort_ms:9.3f} {ort_g:8.1f} {ort_g / roof:6.0%} "
                      f"{kiln_ms / ort_ms:8.2f} {seconds:9.1f} {numerics}", flush=True)
            else:
                print(f"{name:28} {t:2d} {'-':>9} {'-':>8} {'-':>6} {ort_ms:9.3f} "
                      f"{ort_g:8.1f} {ort_g / roof:6.0%}", flush=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
