"""Inputs and float64-reference outputs for the models in this folder.

Usage: cases.py CASE DIR (CASE: reductions, matmuls, matvec, two_recurrences, lstm_steps,
gru_steps, paddings, grouped_convs, register_tiles, long_tiles, grouped_tiles, vector_stores, register_tiles_tf32, half_matmuls, half_convs, convs, convs_tf32,
partial_tiles, partial_tiles_tf32, split_products, split_products_tf32, tf32_ties,
column_reductions, squeeze_excite, ...) writes DIR/input_<i>.npy and
DIR/expected_<i>.npy in graph order (.pb for bfloat16 tensors).
"""
import os
import sys

import ml_dtypes
import numpy as np
from onnx import numpy_helper


def reductions(rng):
    x = rng.standard_normal(3000).astype(np.float32)
    y = rng.standard_normal((4, 700)).astype(np.float16)
    z = rng.integers(-1000, 1000, size=(5, 300), dtype=np.int32)
    w = rng.standard_normal((3, 1, 4096)).astype(np.float32)
    expected = [
        np.array(x.astype(np.float64).sum(), dtype=np.float32),
        y.max(axis=1),
        z.sum(axis=1, dtype=np.int32),
        w.min(axis=(1, 2)),
        np.array(w.astype(np.float64).mean(), dtype=np.float32),
    ]
    return [x, y, z, w], expected


def matmuls(rng):
    a = rng.standard_normal((64, 48)).astype(np.float32)
    b = rng.standard_normal((48, 80)).astype(np.float32)
    x = rng.standard_normal((3, 32, 64)).astype(np.float32)
    y = rng.standard_normal((3, 64, 16)).astype(np.float32)
    g = rng.standard_normal((32, 48)).astype(np.float32)
    f64 = lambda v: v.astype(np.float64)
    expected = [(f64(a) @ b).astype(np.float32), (f64(x) @ y).astype(np.float32),
                (0.5 * (f64(a) @ g.T)).astype(np.float32)]
    return [a, b, x, y, g], expected


def matvec(rng):
    """A recurrent step's product: one row times a 128x384 weight."""
    h = rng.standard_normal((1, 128)).astype(np.float32)
    r = rng.standard_normal((128, 384)).astype(np.float32)
    return [h, r], [(h.astype(np.float64) @ r).astype(np.float32)]


def two_recurrences(rng):
    """Two independent recurrences of three steps each, h = tanh(h @ w)
    (a bidirectional RNN's two directions)."""
    x, y = (rng.standard_normal((1, 128)).astype(np.float32) for _ in range(2))
    w, v = (rng.standard_normal((128, 128)).astype(np.float32) / 8 for _ in range(2))
    outputs = []
    for h, m in ((x, w), (y, v)):
        h = h.astype(np.float64)
        for _ in range(3):
            h = np.tanh(h @ m)
        outputs.append(h.astype(np.float32))
    return [x, y, w, v], outputs


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def f64(v):
    return v.astype(np.float64)


def lstm_steps(rng):
    """An ONNX LSTM (gates i, o, f, c; sigmoid, tanh, tanh) of 5 steps, batch
    1, 24 inputs, hidden 64, from zero states."""
    x = rng.standard_normal((5, 1, 24)).astype(np.float32)
    w = (rng.standard_normal((1, 256, 24)) / 4).astype(np.float32)
    r = (rng.standard_normal((1, 256, 64)) / 8).astype(np.float32)
    b = (rng.standard_normal((1, 512)) / 4).astype(np.float32)
    h, c, ys = np.zeros((1, 64)), np.zeros((1, 64)), []
    for t in range(5):
        g = f64(x[t]) @ f64(w[0]).T + h @ f64(r[0]).T + f64(b[0, :256]) + f64(b[0, 256:])
        i, o, f, cell = (g[:, 64 * j:64 * (j + 1)] for j in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(cell)
        h = sigmoid(o) * np.tanh(c)
        ys.append(h)
    y = np.stack(ys)[:, None]  # [steps, directions, batch, hidden]
    return [x, w, r, b], [y.astype(np.float32), h[None].astype(np.float32),
                          c[None].astype(np.float32)]


def gru_steps(rng):
    """A bidirectional ONNX GRU (gates z, r, h; linear_before_reset) of 4
    steps, batch 1, 12 inputs, hidden 100, from zero states."""
    x = rng.standard_normal((4, 1, 12)).astype(np.float32)
    w = (rng.standard_normal((2, 300, 12)) / 4).astype(np.float32)
    r = (rng.standard_normal((2, 300, 100)) / 10).astype(np.float32)
    b = (rng.standard_normal((2, 600)) / 4).astype(np.float32)
    y = np.zeros((4, 2, 1, 100))
    finals = []
    for d, steps in ((0, range(4)), (1, reversed(range(4)))):
        h = np.zeros((1, 100))
        wb, rb = f64(b[d, :300]), f64(b[d, 300:])
        for t in steps:
            gx = f64(x[t]) @ f64(w[d]).T + wb
            gh = h @ f64(r[d]).T + rb
            z = sigmoid(gx[:, :100] + gh[:, :100])
            reset = sigmoid(gx[:, 100:200] + gh[:, 100:200])
            candidate = np.tanh(gx[:, 200:] + reset * gh[:, 200:])
            h = (1 - z) * candidate + z * h
            y[t, d] = h
        finals.append(h)
    return [x, w, r, b], [y.astype(np.float32), np.stack(finals).astype(np.float32)]


def register_tiles(rng):
    u = rng.standard_normal((1024, 32)).astype(np.float32)
    v = rng.standard_normal((32, 1024)).astype(np.float32)
    w = rng.standard_normal((512, 32)).astype(np.float32)
    bias = rng.standard_normal(512).astype(np.float32)
    x = rng.standard_normal((3, 512, 16)).astype(np.float32)
    y = rng.standard_normal((3, 16, 768)).astype(np.float32)
    s = rng.standard_normal((2, 2048, 32)).astype(np.float32)
    t = rng.standard_normal((2, 32, 2048)).astype(np.float32)
    f64 = lambda a: a.astype(np.float64)
    expected = [(f64(u) @ v).astype(np.float32), (f64(u) @ w.T + bias).astype(np.float32),
                (f64(x) @ y).astype(np.float32), (f64(s) @ t).astype(np.float32)]
    return [u, v, w, bias, x, y, s, t], expected


def long_tiles(rng):
    """Register tiles of more than 8 outputs over several k steps: 4x4
    tiles over k = 72 (four steps and a short one), 8x8 over k = 48."""
    x = rng.standard_normal((3, 512, 72)).astype(np.float32)
    y = rng.standard_normal((3, 72, 768)).astype(np.float32)
    s = rng.standard_normal((2, 2048, 48)).astype(np.float32)
    t = rng.standard_normal((2, 48, 2048)).astype(np.float32)
    f64 = lambda a: a.astype(np.float64)
    return [x, y, s, t], [(f64(x) @ y).astype(np.float32), (f64(s) @ t).astype(np.float32)]


def vector_stores(rng):
    """Products whose register tiles' runs of 4 columns are stored as one
    16-byte store each, into intermediates that later products read: a
    product's ReLU (taken into its kernel), a product whose tiles pass the
    end of m (498 x 768: the edge's threads store each run under a guard)
    and an int32 product; and a product whose tiles pass the ends of m and
    n (498 x 700), which keeps its 4-byte stores. (Scaled so that the
    second products' outputs are of order 1.)"""
    x = rng.standard_normal((3, 512, 72)).astype(np.float32)
    y = (rng.standard_normal((3, 72, 768)) / 8).astype(np.float32)
    w = (rng.standard_normal((768, 40)) / 16).astype(np.float32)
    p = rng.standard_normal((3, 498, 72)).astype(np.float32)
    q = (rng.standard_normal((3, 72, 768)) / 8).astype(np.float32)
    v = (rng.standard_normal((768, 24)) / 16).astype(np.float32)
    e = (rng.standard_normal((3, 72, 700)) / 8).astype(np.float32)
    f = (rng.standard_normal((700, 24)) / 16).astype(np.float32)
    i = rng.integers(-10, 10, size=(2048, 64), dtype=np.int32)
    j = rng.integers(-10, 10, size=(64, 2048), dtype=np.int32)
    m = rng.integers(-10, 10, size=(2048, 8), dtype=np.int32)
    f64 = lambda a: a.astype(np.float64)
    expected = [(np.maximum(f64(x) @ y, 0) @ w).astype(np.float32),
                ((f64(p) @ q) @ v).astype(np.float32),
                ((f64(p) @ e) @ f).astype(np.float32),
                ((i.astype(np.int64) @ j) @ m).astype(np.int32)]
    return [x, y, w, p, q, v, e, f, i, j, m], expected


def grouped_tiles(rng):
    """A product whose threads read their columns in groups of 4 but not
    their rows (2 x 8 tiles on sm_90), and an int32 one whose rows are read
    in groups (4 x 2: 32-bit values, not a multiply-add of floats)."""
    a = rng.standard_normal((32, 16)).astype(np.float32)
    b = rng.standard_normal((16, 65536)).astype(np.float32)
    x = rng.integers(-100, 100, size=(512, 16), dtype=np.int32)
    y = rng.integers(-100, 100, size=(16, 2048), dtype=np.int32)
    expected = [(a.astype(np.float64) @ b).astype(np.float32),
                (x.astype(np.int64) @ y).astype(np.int32)]
    return [a, b, x, y], expected


def partial_tiles(rng, tf32=False):
    """Products whose sides the tiles do not divide: m, n or k not multiples
    of 16 (k = 7 and 19: one short step; 40 and 72: whole steps and a short
    one), a Gemm with a bias and a ReLU taken in, an int32 product (its body
    cloned, not a multiply-add), a 1000 x 600 product with register tiles,
    a 3x3 convolution (k = 27, 196 pixels), a 1x1 one (49 pixels) and an
    f16 product (tensor cores, k padded with zeros). With `tf32`, the
    references of the f32 products that take the tensor cores (m and n at
    least 32: c, z, p and point) are from TF32-rounded inputs; the others
    (h: n = 24, conv: 20 filters) stay f32."""
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    a, b, x, y, g, bias = f32(50, 40), f32(40, 70), f32(2, 33, 7), f32(2, 7, 100), f32(24, 40), f32(24)
    i = rng.integers(-100, 100, size=(20, 19), dtype=np.int32)
    j = rng.integers(-100, 100, size=(19, 36), dtype=np.int32)
    u, v = f32(1000, 72), f32(72, 600)
    img, w, wb = f32(1, 3, 14, 14), f32(20, 3, 3, 3) / 4, f32(20)
    pix, pw = f32(1, 24, 7, 7), f32(40, 24, 1, 1) / 4
    ha, hb = f32(50, 40).astype(np.float16), f32(40, 70).astype(np.float16)
    t = round_tf32 if tf32 else (lambda m: m)
    r = lambda m: t(m).astype(np.float64)
    f64 = lambda m: m.astype(np.float64)
    expected = [r(a) @ r(b), r(x) @ r(y), np.maximum(0.5 * (f64(a) @ f64(g).T) + bias, 0),
                i.astype(np.int64) @ j, r(u) @ r(v),
                np.maximum(conv2d(img, w, pad=1) + wb[None, :, None, None], 0),
                conv2d(t(pix), t(pw))]
    expected = [e.astype(np.int32 if e.dtype == np.int64 else np.float32) for e in expected]
    expected.append((f64(ha) @ f64(hb)).astype(np.float16))
    return [a, b, x, y, g, bias, i, j, u, v, img, w, wb, pix, pw, ha, hb], expected


def partial_tiles_tf32(rng):
    return partial_tiles(rng, tf32=True)


def split_products(rng, tf32=False):
    """Products with few outputs and long reductions, whose k the staged
    kernels cut into slices: a 128 x 128 product of 512, a Gemm (64 x 96 of
    1024) with its bias and ReLU, a 3x3 convolution (64 filters, 49
    pixels, k = 576) with its ReLU, an int32 32 x 40 of 300 (slices of 75:
    not whole steps of 16), a batched 2 x 48 x 40 of 384 and an f16 64 x 64
    of 512 (tensor cores). With `tf32`, the references of the f32 products,
    all of which then take the tensor cores (m and n at least 32), are from
    TF32-rounded inputs."""
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    a, b = f32(128, 512), f32(512, 128)
    g, gw, bias = f32(64, 1024), f32(96, 1024), f32(96)
    img, w, wb = f32(1, 64, 7, 7), f32(64, 64, 3, 3) / 8, f32(64)
    i = rng.integers(-100, 100, size=(32, 300), dtype=np.int32)
    j = rng.integers(-100, 100, size=(300, 40), dtype=np.int32)
    x, y = f32(2, 48, 384), f32(2, 384, 40)
    ha, hb = f32(64, 512).astype(np.float16), f32(512, 64).astype(np.float16)
    t = round_tf32 if tf32 else (lambda m: m)
    r = lambda m: t(m).astype(np.float64)
    expected = [r(a) @ r(b), np.maximum(0.5 * (r(g) @ r(gw).T) + bias, 0),
                np.maximum(conv2d(t(img), t(w), pad=1) + wb[None, :, None, None], 0),
                i.astype(np.int64) @ j, r(x) @ r(y)]
    expected = [e.astype(np.int32 if e.dtype == np.int64 else np.float32) for e in expected]
    expected.append((ha.astype(np.float64) @ hb.astype(np.float64)).astype(np.float16))
    return [a, b, g, gw, bias, img, w, wb, i, j, x, y, ha, hb], expected


def split_products_tf32(rng):
    return split_products(rng, tf32=True)


def column_reductions(rng):
    """Reductions with few outputs whose inputs run along the outputs: a
    classifier head (1 x 2048 by 2048 x 1000, plus its bias; 1000 is not a
    multiple of 32), a mean over 300 time steps of 200 features, and a
    recurrent step's 1 x 256 by 256 x 1024 product with its sigmoid."""
    f32 = lambda *shape: rng.standard_normal(shape).astype(np.float32)
    x, w, bias = f32(1, 2048), f32(2048, 1000) / 16, f32(1000)
    seq = f32(1, 300, 200)
    h, r = f32(1, 256), f32(256, 1024) / 8
    f64 = lambda m: m.astype(np.float64)
    expected = [f64(x) @ f64(w) + bias, f64(seq).mean(axis=1),
                1 / (1 + np.exp(-(f64(h) @ f64(r))))]
    return [x, w, bias, seq, h, r], [e.astype(np.float32) for e in expected]


def round_tf32(a):
    """a rounded to TF32 (10 mantissa bits), to nearest with ties to even,
    as the tensor-core kernels for sm_90 (what --emulate-gpu runs) stage
    their inputs."""
    a = a.astype(np.float32)
    bits = a.view(np.uint32).astype(np.uint64)
    half = 0xFFF + ((bits >> 13) & 1)
    rounded = (((bits + half) & 0xFFFFE000).astype(np.uint32)).view(np.float32)
    return np.where(np.isnan(a), a, rounded)


def tf32_ties(rng):
    """Inputs/tf32_ties.onnx.txt: products with the tensor cores where one
    side is an identity ([I; 0] or its transpose), so that each output is
    one input element as the kernel rounded it to TF32; half the elements
    lie exactly halfway between two TF32 values (low 13 bits 0x1000). a is
    read as A, t as B along k (transB), u as B along n."""
    def ties(shape):
        bits = rng.standard_normal(shape).astype(np.float32).view(np.uint32)
        tie = rng.random(shape) < 0.5
        bits = np.where(tie, (bits & np.uint32(0xFFFFE000)) | np.uint32(0x1000), bits)
        return bits.astype(np.uint32).view(np.float32)
    a, t, u = ties((64, 32)), ties((64, 32)), ties((32, 64))
    e = np.eye(32, 64, dtype=np.float32)
    f = np.eye(64, 32, dtype=np.float32)
    ra = np.zeros((64, 64), np.float32)
    ra[:, :32] = round_tf32(a)
    rt = np.zeros((64, 64), np.float32)
    rt[:32, :] = round_tf32(t).T
    ru = np.zeros((64, 64), np.float32)
    ru[:32, :] = round_tf32(u)
    return [a, e, f, t, u], [ra, rt, ru]


def register_tiles_tf32(rng):
    """The register_tiles inputs; references from the TF32-rounded inputs
    (the bias, added outside the mma, stays f32)."""
    inputs, _ = register_tiles(rng)
    u, v, w, bias, x, y, s, t = inputs
    f64 = lambda a: round_tf32(a).astype(np.float64)
    expected = [(f64(u) @ f64(v)).astype(np.float32),
                (f64(u) @ f64(w).T + bias).astype(np.float32),
                (f64(x) @ f64(y)).astype(np.float32), (f64(s) @ f64(t)).astype(np.float32)]
    return inputs, expected


def half_matmuls(rng):
    """f16 and bf16 matmuls (accumulated in f32 by the graph lowering):
    references from the float64 products of the inputs as they are, rounded
    once to the output type."""
    f16 = lambda *shape: rng.standard_normal(shape).astype(np.float16)
    a, b, x, y, g, bias = f16(64, 48), f16(48, 96), f16(3, 32, 64), f16(3, 64, 32), f16(32, 48), f16(32)
    bf16 = lambda *shape: rng.standard_normal(shape).astype(ml_dtypes.bfloat16)
    p, q = bf16(64, 48), bf16(48, 96)
    f64 = lambda v: v.astype(np.float64)
    expected = [(f64(a) @ f64(b)).astype(np.float16), (f64(x) @ f64(y)).astype(np.float16),
                (0.5 * (f64(a) @ f64(g).T) + f64(bias)).astype(np.float16),
                (f64(p) @ f64(q)).astype(np.float32).astype(ml_dtypes.bfloat16)]
    return [a, b, x, y, g, bias, p, q], expected


def half_pairs(rng):
    """f16 and bf16 matmuls whose A the tensor-core kernels copy in pairs of
    k values each way: k odd (45: two 2-byte loads a pair, the last pair
    half past k), A computed in the kernel (a negation: two computed
    values), graph inputs (the caller's buffers: two loads), and A a kernel
    allocation with k even but not a multiple of 16 (the product m's 50
    columns: one 4-byte load a pair, the pairs past k read from the last
    one and zeroed). References: the float64 products, rounded once to the
    output type (m too, before r reads it)."""
    f16 = lambda *shape: rng.standard_normal(shape).astype(np.float16)
    bf16 = lambda *shape: rng.standard_normal(shape).astype(ml_dtypes.bfloat16)
    a, b, x, y = f16(40, 45), f16(45, 72), f16(48, 64), f16(64, 40)
    p, w, q = bf16(3, 36, 64), bf16(64, 50), bf16(50, 40)
    f64 = lambda v: v.astype(np.float64)
    m = (f64(p) @ f64(w)).astype(np.float32).astype(ml_dtypes.bfloat16)
    expected = [(f64(a) @ f64(b)).astype(np.float16), (-f64(x) @ f64(y)).astype(np.float16),
                (f64(m) @ f64(q)).astype(np.float32).astype(ml_dtypes.bfloat16)]
    return [a, b, x, y, p, w, q], expected


def half_products(rng, products):
    """Inputs and references of products a b, one (type, m, k, n) each
    (type "f16" or "bf16"): a and b drawn from a normal distribution, the
    reference the float64 product rounded once to the type (bf16 through
    float32, which ml_dtypes converts from)."""
    inputs, expected = [], []
    for kind, m, k, n in products:
        dtype = np.float16 if kind == "f16" else ml_dtypes.bfloat16
        a = rng.standard_normal((m, k)).astype(dtype)
        b = rng.standard_normal((k, n)).astype(dtype)
        product = a.astype(np.float64) @ b.astype(np.float64)
        inputs += [a, b]
        expected.append(product.astype(np.float16) if kind == "f16"
                        else product.astype(np.float32).astype(ml_dtypes.bfloat16))
    return inputs, expected


def half_quads(rng):
    """f16 and bf16 products large enough for blocks of 64 columns or more,
    whose B the tensor-core kernels copy in quads (2 columns of 2 k values,
    Skeleton::columnQuads): n past the blocks' end (1200) and k past the
    last step's (40), the quads there clamped (and past k zeroed); k = 32;
    and k odd (41), copied a value at a time."""
    return half_products(rng, [("f16", 1280, 40, 1200), ("bf16", 1280, 32, 1280),
                               ("f16", 1280, 41, 1280)])


def half_column_pairs(rng):
    """f16 and bf16 products whose blocks have 32 columns (n of 90 to 96),
    whose B the tensor-core kernels copy in pairs of columns
    (Skeleton::columnPairs): n past the blocks' end (90) and k past the
    last step's (40), the pairs there clamped to the last two columns (and
    past k zeroed); bf16 with n = 96 and k odd (33: A copied a value at a
    time); and n odd (95), B copied a value at a time."""
    return half_products(rng, [("f16", 256, 40, 90), ("bf16", 256, 33, 96),
                               ("f16", 256, 40, 95)])


def conv2d(x, w, stride=1, pad=0):
    """float64 NCHW convolution (no bias): the taps' products summed."""
    x = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    f, _, kh, kw = w.shape
    oh = (x.shape[2] - kh) // stride + 1
    ow = (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], f, oh, ow))
    for i in range(kh):
        for j in range(kw):
            taps = x[:, :, i:i + stride * oh:stride, j:j + stride * ow:stride]
            out += np.einsum("nchw,fc->nfhw", taps, w[:, :, i, j].astype(np.float64))
    return out


def convs(rng, rounding=lambda a: a):
    """Three convolutions of one input: 3x3 with a bias and a ReLU, 1x1,
    and 3x3 at stride 2; `rounding` applies to their inputs (TF32)."""
    x = rng.standard_normal((2, 16, 16, 16)).astype(np.float32)
    w = (rng.standard_normal((32, 16, 3, 3)) / 12).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    v = (rng.standard_normal((64, 16, 1, 1)) / 4).astype(np.float32)
    s = (rng.standard_normal((32, 16, 3, 3)) / 12).astype(np.float32)
    y = np.maximum(conv2d(rounding(x), rounding(w), pad=1) + b[None, :, None, None], 0)
    z = conv2d(rounding(x), rounding(v))
    t = conv2d(rounding(x), rounding(s), stride=2, pad=1)
    return [x, w, b, v, s], [a.astype(np.float32) for a in (y, z, t)]


def convs_tf32(rng):
    return convs(rng, round_tf32)


def conv2d_grouped(x, w, groups, pad=0):
    """float64 grouped NCHW convolution: one conv2d per channel group."""
    cg, fg = x.shape[1] // groups, w.shape[0] // groups
    return np.concatenate([conv2d(x[:, i * cg:(i + 1) * cg], w[i * fg:(i + 1) * fg], pad=pad)
                           for i in range(groups)], axis=1)


def paddings(rng):
    """Of one input, all with padding 1: a depthwise 3x3 convolution and a
    ReLU, a 3x3 max pool at stride 2, and 3x3 convolutions of 16 channels
    into 32 at strides 1 and 2."""
    x = rng.standard_normal((1, 16, 20, 20)).astype(np.float32)
    w = rng.standard_normal((16, 1, 3, 3)).astype(np.float32)
    v, u = (rng.standard_normal((32, 16, 3, 3)).astype(np.float32) / 12 for _ in range(2))
    y = np.maximum(conv2d_grouped(x, w, 16, pad=1), 0)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), constant_values=-np.inf)
    m = np.full((1, 16, 10, 10), -np.inf, dtype=np.float32)
    for i in range(3):
        for j in range(3):
            m = np.maximum(m, padded[:, :, i:i + 20:2, j:j + 20:2])
    return [x, w, v, u], [y.astype(np.float32), m, conv2d(x, v, pad=1).astype(np.float32),
                          conv2d(x, u, stride=2, pad=1).astype(np.float32)]


def grouped_convs(rng):
    """Grouped convolutions, batch 2, padding 1: with short reductions per
    group (each one generic over the groups), 8 groups of 4 channels (36
    products) with a bias and a ReLU, and a depthwise convolution with a
    channel multiplier of 2 at stride 2 with a bias; and 4 groups of 8
    channels into 16 filters each (a product over the groups) with a bias
    and a ReLU."""
    x = rng.standard_normal((2, 32, 14, 14)).astype(np.float32)
    w = (rng.standard_normal((32, 4, 3, 3)) / 6).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    v = (rng.standard_normal((64, 1, 3, 3)) / 3).astype(np.float32)
    c = rng.standard_normal(64).astype(np.float32)
    u = (rng.standard_normal((64, 8, 3, 3)) / 8).astype(np.float32)
    d = rng.standard_normal(64).astype(np.float32)
    y = np.maximum(conv2d_grouped(x, w, 8, pad=1) + b[None, :, None, None], 0)
    z = conv2d_grouped(x, v, 32, pad=1)[:, :, ::2, ::2] + c[None, :, None, None]
    s = np.maximum(conv2d_grouped(x, u, 4, pad=1) + d[None, :, None, None], 0)
    return [x, w, b, v, c, u, d], [a.astype(np.float32) for a in (y, z, s)]


def half_convs(rng):
    """f16 and bf16 convolutions (accumulated in f32 by the graph lowering):
    a 3x3 with a bias and a ReLU, a 1x1, a bf16 3x3 at stride 2 and a 3x3
    in two groups. References from the float64 sums of the inputs as they
    are, rounded once to the output type."""
    f16 = lambda scale, *shape: (rng.standard_normal(shape) * scale).astype(np.float16)
    bf16 = lambda scale, *shape: (rng.standard_normal(shape) * scale).astype(ml_dtypes.bfloat16)
    x, w, b, v = f16(1, 2, 16, 16, 16), f16(1 / 12, 32, 16, 3, 3), f16(1, 32), f16(1 / 4, 64, 16, 1, 1)
    p, s = bf16(1, 2, 16, 16, 16), bf16(1 / 12, 32, 16, 3, 3)
    g = f16(1 / 8, 32, 8, 3, 3)
    y = np.maximum(conv2d(x, w, pad=1) + b.astype(np.float64)[None, :, None, None], 0)
    t = conv2d(p, s, stride=2, pad=1)
    # bf16 through f32 (as half_matmuls): a double rounding at worst.
    expected = [y.astype(np.float16), conv2d(x, v).astype(np.float16),
                t.astype(np.float32).astype(ml_dtypes.bfloat16),
                conv2d_grouped(x, g, 2, pad=1).astype(np.float16)]
    return [x, w, b, v, p, s, g], expected


def layer_norm(x, g, bias, eps):
    """LayerNormalization over the last axis, in float64."""
    x = f64(x)
    centred = x - x.mean(axis=-1, keepdims=True)
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + eps) * f64(g) + f64(bias)


def softmax(x):
    """Softmax over the last axis, in float64."""
    x = f64(x)
    exps = np.exp(x - x.max(axis=-1, keepdims=True))
    return exps / exps.sum(axis=-1, keepdims=True)


def row_kernels(rng):
    """Normalizations of a row a warp (RowKernel.h): a LayerNormalization of
    13 rows of 100 (neither a multiple of the 8 rows of a block nor of the
    32 lanes), a Softmax and a LogSoftmax, a LayerNorm written out as
    ReduceMean, Sub, Mul, ReduceMean, Add, Sqrt, Div, Mul, Add (as exporters
    write it), and a softmax written out whose row maxima are an output as
    well."""
    a = rng.standard_normal((13, 100)).astype(np.float32) * 3 + 1
    gamma, beta = (rng.standard_normal(100).astype(np.float32) for _ in range(2))
    b = rng.standard_normal((2, 5, 64)).astype(np.float32) * 4
    c = rng.standard_normal((3, 40)).astype(np.float32) * 4
    d = rng.standard_normal((1, 6, 256)).astype(np.float32) * 2 - 1
    dg, db = (rng.standard_normal(256).astype(np.float32) for _ in range(2))
    e = rng.standard_normal((10, 48)).astype(np.float32) * 4
    lsm = f64(c) - f64(c).max(axis=-1, keepdims=True)
    lsm = lsm - np.log(np.exp(lsm).sum(axis=-1, keepdims=True))
    expected = [layer_norm(a, gamma, beta, 1e-3), softmax(b), lsm,
                layer_norm(d, dg, db, 1e-5), softmax(e), e.max(axis=-1, keepdims=True)]
    return [a, gamma, beta, b, c, d, dg, db, e], [x.astype(np.float32) for x in expected]


def long_rows(rng):
    """Rows longer than a warp's 1024 elements, a block a row (RowKernel.h):
    a LayerNormalization of 3 rows of 3000 (12 elements a thread, the last
    for some threads only), a Softmax of 2 rows of 8192 (the longest a
    block takes, 32 a thread), and one of 2 rows of 9000 (block
    reductions)."""
    a = rng.standard_normal((3, 3000)).astype(np.float32) * 3 + 1
    gamma, beta = (rng.standard_normal(3000).astype(np.float32) for _ in range(2))
    b = rng.standard_normal((2, 8192)).astype(np.float32) * 4
    c = rng.standard_normal((2, 9000)).astype(np.float32) * 4
    expected = [layer_norm(a, gamma, beta, 1e-3), softmax(b), softmax(c)]
    return [a, gamma, beta, b, c], [x.astype(np.float32) for x in expected]


def half_rows(rng):
    """f16 softmaxes whose row maxima are folded in f16 (shuffled in the
    low half of a 32-bit register): 5 rows of 300, a warp a row, and 3 of
    2000, a block a row; and an f16 maximum of 2 rows of 5000, a block
    reduction. Inputs are multiples of 1/16 in [-4, 4], so that x - max is
    exact in f16 and the outputs differ from float64's by the roundings
    of exp, the sum and the quotient only. Then maxima of a bf16 and an
    int8 tensor, block reductions shuffling bf16 and i8 values."""
    a, b, c = (rng.integers(-64, 65, size=shape).astype(np.float16) / np.float16(16)
               for shape in ((5, 300), (3, 2000), (2, 5000)))
    d = rng.standard_normal((2, 3000)).astype(ml_dtypes.bfloat16)
    e = rng.integers(-128, 128, size=(3, 700)).astype(np.int8)
    expected = [x.astype(np.float16) for x in (softmax(a), softmax(b), c.max(axis=-1))]
    return [a, b, c, d, e], expected + [d.max(axis=-1), e.max(axis=-1)]


def residual_stream(rng):
    """A transformer layer's products without its normalizations: a
    projection and a two-layer MLP, each added to the residual stream."""
    x = rng.standard_normal((32, 128)).astype(np.float32)
    w1 = (rng.standard_normal((128, 128)) / 11).astype(np.float32)
    w2 = (rng.standard_normal((128, 512)) / 11).astype(np.float32)
    w3 = (rng.standard_normal((512, 128)) / 23).astype(np.float32)
    b1, b2, b3 = (rng.standard_normal(n).astype(np.float32) for n in (128, 512, 128))
    r1 = f64(x) @ f64(w1) + f64(b1) + f64(x)
    h = np.maximum(r1 @ f64(w2) + f64(b2), 0)
    y = h @ f64(w3) + f64(b3) + r1
    return [x, w1, b1, w2, b2, w3, b3], [y.astype(np.float32)]


def heads(rng):
    """Self-attention of 32 tokens with 2 heads of 64: the products read the
    queries, keys, values and context through their heads' transposes in
    place (kiln-gpu-conv-to-staged-matmul). The result,
    split into two sequences of 16, gets a per-position input added (taken
    into the last product's kernel through the composed map)."""
    x = rng.standard_normal((32, 128)).astype(np.float32)
    ws = [(rng.standard_normal((128, 128)) / 11).astype(np.float32) for _ in range(4)]
    q, k, v = (f64(x) @ f64(w) for w in ws[:3])
    qh, kh, vh = (a.reshape(32, 2, 64).transpose(1, 0, 2) for a in (q, k, v))
    scores = qh @ kh.transpose(0, 2, 1) / 8
    exps = np.exp(scores - scores.max(axis=-1, keepdims=True))
    context = exps / exps.sum(axis=-1, keepdims=True) @ vh
    out = context.transpose(1, 0, 2).reshape(32, 128) @ f64(ws[3])
    pos = rng.standard_normal((16, 128)).astype(np.float32)
    out = out.reshape(2, 16, 128) + f64(pos)
    return [x] + ws + [pos], [out.astype(np.float32)]


def squeeze_excite(rng):
    """EfficientNet's squeeze-and-excitation at 480 channels: the channels'
    means, a 1x1 convolution into 20 with its bias and a swish, one back
    into 480 with its bias and a sigmoid, which scales the input."""
    x = rng.standard_normal((1, 480, 14, 14)).astype(np.float32)
    w1 = (rng.standard_normal((20, 480, 1, 1)) / 4).astype(np.float32)
    b1 = rng.standard_normal(20).astype(np.float32)
    w2 = (rng.standard_normal((480, 20, 1, 1)) / 3).astype(np.float32)
    b2 = rng.standard_normal(480).astype(np.float32)
    pooled = f64(x).mean(axis=(2, 3))
    reduced = pooled @ f64(w1)[:, :, 0, 0].T + f64(b1)
    swish = reduced * sigmoid(reduced)
    gate = sigmoid(swish @ f64(w2)[:, :, 0, 0].T + f64(b2))
    y = f64(x) * gate[:, :, None, None]
    return [x, w1, b1, w2, b2], [y.astype(np.float32)]


def gemm_starts(rng):
    """Two Gemms whose C (the start of their sums) is computed: a ReLU of a
    Gemm with its bias, and the product of two slices of a [1, 3000]
    product."""
    x = rng.standard_normal((1, 64)).astype(np.float32)
    w1 = (rng.standard_normal((64, 1000)) / 8).astype(np.float32)
    b1 = rng.standard_normal(1000).astype(np.float32)
    x2 = rng.standard_normal((1, 32)).astype(np.float32)
    w2 = (rng.standard_normal((32, 1000)) / 6).astype(np.float32)
    x3 = rng.standard_normal((1, 100)).astype(np.float32)
    w3 = (rng.standard_normal((100, 3000)) / 10).astype(np.float32)
    w4 = (rng.standard_normal((32, 1000)) / 6).astype(np.float32)
    y = f64(x2) @ f64(w2) + np.maximum(f64(x) @ f64(w1) + f64(b1), 0)
    r = f64(x3) @ f64(w3)
    z = f64(x2) @ f64(w4) + r[:, :1000] * r[:, 1000:2000]
    return [x, w1, b1, x2, w2, x3, w3, w4], [y.astype(np.float32), z.astype(np.float32)]


def computed_inputs(rng):
    """A squeeze-and-excitation's scaling read by a 1x1 convolution with a
    bias; a sigmoid read by a product; a sum read by two products."""
    x = rng.standard_normal((1, 64, 14, 14)).astype(np.float32)
    g = rng.standard_normal((1, 64, 1, 1)).astype(np.float32)
    w = (rng.standard_normal((32, 64, 1, 1)) / 8).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    a = rng.standard_normal((128, 96)).astype(np.float32)
    v = (rng.standard_normal((96, 80)) / 10).astype(np.float32)
    u = (rng.standard_normal((96, 80)) / 10).astype(np.float32)
    y = conv2d(f64(x) * f64(g), w) + f64(b)[None, :, None, None]
    p = sigmoid(f64(a)) @ f64(v)
    q = (f64(a) + f64(a)) @ f64(v)
    r = (f64(a) + f64(a)) @ f64(u)
    return [x, g, w, b, a, v, u], [t.astype(np.float32) for t in (y, p, q, r)]


def main():
    case, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    inputs, expected = {"reductions": reductions, "matmuls": matmuls, "matvec": matvec,
                        "two_recurrences": two_recurrences, "lstm_steps": lstm_steps,
                        "gru_steps": gru_steps, "paddings": paddings,
                        "register_tiles": register_tiles, "long_tiles": long_tiles,
                        "grouped_tiles": grouped_tiles, "vector_stores": vector_stores,
                        "register_tiles_tf32": register_tiles_tf32,
                        "tf32_ties": tf32_ties,
                        "half_matmuls": half_matmuls, "half_convs": half_convs,
                        "grouped_convs": grouped_convs,
                        "half_pairs": half_pairs,
                        "half_quads": half_quads,
                        "half_column_pairs": half_column_pairs,
                        "convs": convs,
                        "convs_tf32": convs_tf32, "partial_tiles": partial_tiles,
                        "partial_tiles_tf32": partial_tiles_tf32,
                        "split_products": split_products,
                        "split_products_tf32": split_products_tf32,
                        "column_reductions": column_reductions,
                        "row_kernels": row_kernels, "long_rows": long_rows,
                        "half_rows": half_rows, "residual_stream": residual_stream,
                        "heads": heads, "squeeze_excite": squeeze_excite,
                        "gemm_starts": gemm_starts,
                        "computed_inputs": computed_inputs}[case](
        np.random.default_rng(7))
    for name, tensors in (("input", inputs), ("expected", expected)):
        for i, a in enumerate(tensors):
            if a.dtype == ml_dtypes.bfloat16:  # .npy has no bfloat16: ONNX .pb
                with open(os.path.join(out, f"{name}_{i}.pb"), "wb") as f:
                    f.write(numpy_helper.from_array(a).SerializeToString())
            else:
                np.save(os.path.join(out, f"{name}_{i}.npy"), a)


if __name__ == "__main__":
    main()
