"""The zoo's architectures, written as their PyTorch/HuggingFace modules
export (see exporter.py for the exporter habits reproduced).

Each entry of MODELS builds one model: `build(batch) -> Graph`. The `ci`
flag marks the models small enough to generate, compile and run in check-kiln
(a few seconds each); the others run in the benchmark command.
"""

import numpy as np
from onnx import numpy_helper

from exporter import (FLOAT_MIN, Graph, batchnorm, conv, conv_transpose,
                      embedding, gelu, gelu_tanh, layernorm, linear, maxpool,
                      reduce_mean, relu, relu6, silu, split, torch_pad)

MODELS = {}


class Spec:
    def __init__(self, name, build, opset, batch, ci, description, fold_bn):
        self.name = name
        self.fold_bn = fold_bn
        self.build_fn = build
        self.opset = opset
        self.batch = batch
        self.ci = ci
        self.description = description

    def build(self):
        g = Graph(self.name, self.opset)
        self.build_fn(g, self.batch)
        return g


def register(name, opset, batch=1, ci=False, description="", fold_bn=False):
    """`fold_bn`: BatchNormalization folded into the convs after calibration,
    as torch.onnx.export does in eval mode (the other BN models keep the node,
    as exports with training=PRESERVE and other exporters do)."""
    def wrap(fn):
        assert name not in MODELS, name
        MODELS[name] = Spec(name, fn, opset, batch, ci, description, fold_bn)
        return fn
    return wrap


def image_input(g, batch, channels=3, size=224):
    return g.input("input", [batch, channels, size, size])


def token_sampler(vocab):
    return lambda rng, shape: rng.integers(0, vocab, size=shape)


# ===------------------------------------------------------------------=== #
# A small MLP (MNIST-sized)
# ===------------------------------------------------------------------=== #


def mlp(g, batch):
    x = g.input("input", [batch, 1, 28, 28])
    h = g.node("Flatten", [x], axis=1)
    for i, (fin, fout) in enumerate([(784, 512), (512, 256)]):
        h = relu(g, linear(g, h, fin, fout, name=f"fc{i + 1}"))
    g.output(linear(g, h, 256, 10, name="fc3"), "logits")


register("mlp", opset=13, ci=True,
         description="MLP 784-512-256-10 (Flatten, Gemm transB=1, Relu)")(mlp)


# ===------------------------------------------------------------------=== #
# ResNet-50 (torchvision v1.5, BatchNormalization kept as its own node)
# ===------------------------------------------------------------------=== #


def conv_bn(g, x, cin, cout, k, stride=1, pad=0, groups=1, act=None,
            conv_name="conv", bn_name="bn", gamma=(0.8, 1.2)):
    y = conv(g, x, cin, cout, k, stride, pad, groups, bias=False, name=conv_name)
    y = batchnorm(g, y, cout, gamma=gamma, name=bn_name)
    return act(g, y) if act else y


def bottleneck(g, x, cin, width, stride, downsample):
    cout = width * 4
    h = conv_bn(g, x, cin, width, 1, act=relu, conv_name="conv1", bn_name="bn1")
    h = conv_bn(g, h, width, width, 3, stride, 1, act=relu,
                conv_name="conv2", bn_name="bn2")
    h = conv_bn(g, h, width, cout, 1, conv_name="conv3", bn_name="bn3",
                gamma=(0.1, 0.3))
    if downsample:
        with g.scope("downsample"):
            x = conv_bn(g, x, cin, cout, 1, stride, conv_name="0", bn_name="1")
    return relu(g, g.node("Add", [h, x]))


def resnet50(g, batch):
    x = image_input(g, batch)
    h = conv_bn(g, x, 3, 64, 7, 2, 3, act=relu, conv_name="conv1", bn_name="bn1")
    h = maxpool(g, h, 3, 2, 1)
    cin = 64
    for stage, (width, blocks, stride) in enumerate(
            [(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)]):
        for b in range(blocks):
            with g.scope(f"layer{stage + 1}", b):
                h = bottleneck(g, h, cin, width, stride if b == 0 else 1, b == 0)
            cin = width * 4
    h = g.node("GlobalAveragePool", [h])
    h = g.node("Flatten", [h], axis=1)
    g.output(linear(g, h, 2048, 1000), "logits")


register("resnet50", opset=13,
         description="ResNet-50 v1.5, 224x224, BatchNormalization nodes kept")(resnet50)


# ===------------------------------------------------------------------=== #
# MobileNetV2 (torchvision; BN folded into the convs as eval export does)
# ===------------------------------------------------------------------=== #


def mobilenetv2(g, batch):
    x = image_input(g, batch)
    with g.scope("features", 0):
        h = conv_bn(g, x, 3, 32, 3, 2, 1, act=relu6, conv_name="0", bn_name="1")
    cin = 32
    index = 1
    for t, c, n, s in [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                       (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]:
        for i in range(n):
            stride = s if i == 0 else 1
            hidden = cin * t
            with g.scope("features", index, "conv"):
                y = h
                layer = 0
                if t != 1:
                    with g.scope(layer):
                        y = conv_bn(g, y, cin, hidden, 1, act=relu6,
                                    conv_name="0", bn_name="1")
                    layer += 1
                with g.scope(layer):
                    y = conv_bn(g, y, hidden, hidden, 3, stride, 1, groups=hidden,
                                act=relu6, conv_name="0", bn_name="1")
                y = conv_bn(g, y, hidden, c, 1, conv_name=str(layer + 1),
                            bn_name=str(layer + 2), gamma=(0.3, 0.6))
            h = g.node("Add", [h, y]) if stride == 1 and cin == c else y
            cin = c
            index += 1
    with g.scope("features", index):
        h = conv_bn(g, h, cin, 1280, 1, act=relu6, conv_name="0", bn_name="1")
    h = g.node("GlobalAveragePool", [h])
    h = g.node("Flatten", [h], axis=1)
    with g.scope("classifier"):
        g.output(linear(g, h, 1280, 1000, name="1"), "logits")


register("mobilenetv2", opset=15, fold_bn=True,
         description="MobileNetV2 1.0, 224x224, ReLU6 as Clip, BN folded")(mobilenetv2)
register("mobilenetv2_b8", opset=15, batch=8, fold_bn=True,
         description="MobileNetV2 at batch 8")(mobilenetv2)


# ===------------------------------------------------------------------=== #
# EfficientNet-B0 (torchvision: SiLU, squeeze-excitation)
# ===------------------------------------------------------------------=== #


def squeeze_excitation(g, x, channels, squeeze):
    s = g.node("GlobalAveragePool", [x])
    s = silu(g, conv(g, s, channels, squeeze, 1, std=1 / np.sqrt(channels), name="fc1"))
    s = g.node("Sigmoid", [conv(g, s, squeeze, channels, 1, name="fc2")])
    return g.node("Mul", [s, x])


def efficientnet_b0(g, batch):
    x = image_input(g, batch)
    with g.scope("features", 0):
        h = conv_bn(g, x, 3, 32, 3, 2, 1, act=silu, conv_name="0", bn_name="1")
    cin = 32
    for stage, (expand, k, stride, cout, layers) in enumerate(
            [(1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
             (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1)]):
        for i in range(layers):
            s = stride if i == 0 else 1
            hidden = cin * expand
            with g.scope("features", stage + 1, i, "block"):
                y = h
                layer = 0
                if expand != 1:
                    with g.scope(layer):
                        y = conv_bn(g, y, cin, hidden, 1, act=silu, conv_name="0",
                                    bn_name="1")
                    layer += 1
                with g.scope(layer):
                    y = conv_bn(g, y, hidden, hidden, k, s, k // 2, groups=hidden,
                                act=silu, conv_name="0", bn_name="1")
                with g.scope(layer + 1):
                    y = squeeze_excitation(g, y, hidden, max(1, cin // 4))
                with g.scope(layer + 2):
                    y = conv_bn(g, y, hidden, cout, 1, conv_name="0", bn_name="1",
                                gamma=(0.3, 0.6))
            h = g.node("Add", [y, h]) if s == 1 and cin == cout else y
            cin = cout
    with g.scope("features", 8):
        h = conv_bn(g, h, cin, 1280, 1, act=silu, conv_name="0", bn_name="1")
    h = g.node("GlobalAveragePool", [h])
    h = g.node("Flatten", [h], axis=1)
    with g.scope("classifier"):
        g.output(linear(g, h, 1280, 1000, name="1"), "logits")


register("efficientnet_b0", opset=16,
         description="EfficientNet-B0, 224x224: SiLU, squeeze-excitation")(efficientnet_b0)


# ===------------------------------------------------------------------=== #
# BERT-base encoder (HuggingFace BertModel)
# ===------------------------------------------------------------------=== #


def bert_self_attention(g, x, mask, hidden, heads):
    head = hidden // heads

    def transpose_for_scores(t):
        # x.size()[:-1] + (heads, head_size) -> view -> permute(0, 2, 1, 3)
        t = g.view(t, ("vector", g.shape_slice(t, 0, -1)), heads, head)
        return g.node("Transpose", [t], perm=[0, 2, 1, 3])

    with g.scope("self"):
        q = transpose_for_scores(linear(g, x, hidden, hidden, rank=3, std=0.02, name="query"))
        k = transpose_for_scores(linear(g, x, hidden, hidden, rank=3, std=0.02, name="key"))
        v = transpose_for_scores(linear(g, x, hidden, hidden, rank=3, std=0.02, name="value"))
        scores = g.node("MatMul", [q, g.node("Transpose", [k], perm=[0, 1, 3, 2])])
        scores = g.node("Div", [scores, g.const(float(np.sqrt(head)), np.float32)])
        scores = g.node("Add", [scores, mask])
        probs = g.node("Softmax", [scores], axis=-1)
        context = g.node("MatMul", [probs, v])
        context = g.node("Transpose", [context], perm=[0, 2, 1, 3])
        return g.view(context, ("vector", g.shape_slice(context, 0, -2)), hidden)


def bert(g, batch, layers=12, hidden=768, heads=12, intermediate=3072,
         vocab=30522, max_positions=512, seq=128):
    ids = g.input("input_ids", [batch, seq], np.int64, token_sampler(vocab))
    mask_in = g.input("attention_mask", [batch, seq], np.int64,
                      lambda rng, shape: (np.arange(shape[1]) <
                                          shape[1] - 1 - np.arange(shape[0])[:, None] * 7))
    types = g.input("token_type_ids", [batch, seq], np.int64,
                    lambda rng, shape: np.broadcast_to(
                        np.arange(shape[1]) >= shape[1] // 2, shape))
    with g.scope("embeddings"):
        # position_ids[:, 0:seq_length], from a registered buffer
        positions = g.param("position_ids",
                            np.arange(max_positions, dtype=np.int64)[None, :])
        seq_len = g.size(ids, 1)
        positions = g.node("Slice", [positions, g.const([0]), g.unsqueeze(seq_len, [0]),
                                     g.const([1]), g.const([1])])
        e = embedding(g, ids, vocab, hidden, name="word_embeddings")
        e = g.node("Add", [e, embedding(g, types, 2, hidden, name="token_type_embeddings")])
        e = g.node("Add", [e, embedding(g, positions, max_positions, hidden,
                                        name="position_embeddings")])
        h = layernorm(g, e, hidden, eps=1e-12)
    # get_extended_attention_mask: mask[:, None, None, :], (1 - m) * finfo.min
    m = g.unsqueeze(g.unsqueeze(mask_in, [1]), [2])
    m = g.node("Cast", [m], to=1)
    m = g.node("Sub", [g.const(1.0, np.float32), m])
    mask = g.node("Mul", [m, g.const(FLOAT_MIN, np.float32)])
    for i in range(layers):
        with g.scope("encoder", "layer", i):
            with g.scope("attention"):
                a = bert_self_attention(g, h, mask, hidden, heads)
                with g.scope("output"):
                    a = linear(g, a, hidden, hidden, rank=3, std=0.02, name="dense")
                    h = layernorm(g, g.node("Add", [a, h]), hidden, eps=1e-12)
            with g.scope("intermediate"):
                f = gelu(g, linear(g, h, hidden, intermediate, rank=3, std=0.02,
                                   name="dense"))
            with g.scope("output"):
                f = linear(g, f, intermediate, hidden, rank=3, std=0.02, name="dense")
                h = layernorm(g, g.node("Add", [f, h]), hidden, eps=1e-12)
    last = h
    with g.scope("pooler"):
        first = g.node("Gather", [h, g.const(0)], axis=1)
        pooled = g.node("Tanh", [linear(g, first, hidden, hidden, std=0.02, name="dense")])
    g.output(last, "last_hidden_state")
    g.output(pooled, "pooler_output")


register("bert_base", opset=17,
         description="BERT-base encoder, 12 layers, hidden 768, seq 128, "
         "LayerNormalization, GELU via Erf")(bert)


def bert_tiny(g, batch):
    bert(g, batch, layers=2, hidden=128, heads=2, intermediate=512, vocab=1000,
         max_positions=128, seq=32)


register("bert_tiny", opset=17, ci=True,
         description="BERT encoder, 2 layers, hidden 128, seq 32")(bert_tiny)


# ===------------------------------------------------------------------=== #
# GPT-2 small (HuggingFace GPT2LMHeadModel, use_cache=False)
# ===------------------------------------------------------------------=== #


def conv1d(g, x, fin, fout, name):
    """HF's Conv1D: x.view(-1, x.size(-1)) -> addmm(bias, x, W[in, out])
    -> view(x.size()[:-1] + (nf,))."""
    with g.scope(name):
        out_shape = g.shape_vector([("vector", g.shape_slice(x, 0, -1)), ("int", fout)])
        flat = g.view(x, -1, ("scalar", g.size(x, -1)))
        w = g.param("weight", g.normal([fin, fout], 0.02))
        b = g.param("bias", g.uniform([fout], 0.02))
        y = g.node("Gemm", [flat, w, b], alpha=1.0, beta=1.0)
        return g.node("Reshape", [y, out_shape])


def gpt2_attention(g, x, hidden, heads, max_positions):
    head = hidden // heads
    qkv = conv1d(g, x, hidden, 3 * hidden, "c_attn")
    q, k, v = split(g, qkv, [hidden] * 3, axis=2)

    def split_heads(t, perm):
        t = g.view(t, ("vector", g.shape_slice(t, 0, -1)), heads, head)
        return g.node("Transpose", [t], perm=perm)

    q = split_heads(q, [0, 2, 1, 3])
    k = split_heads(k, [0, 2, 3, 1])
    v = split_heads(v, [0, 2, 1, 3])
    w = g.node("MatMul", [q, k])
    w = g.node("Div", [w, g.const(float(np.sqrt(head)), np.float32)])
    # causal_mask = bias[:, :, key_length - query_length:key_length, :key_length]
    q_len = g.size(q, -2)
    k_len = g.size(k, -1)
    bias = g.param("bias", np.tril(np.ones((max_positions, max_positions), np.bool_))
                   [None, None])
    start = g.node("Sub", [k_len, q_len])
    causal = g.node("Slice", [bias, g.unsqueeze(start, [0]), g.unsqueeze(k_len, [0]),
                              g.const([2]), g.const([1])])
    causal = g.node("Slice", [causal, g.const([0]), g.unsqueeze(k_len, [0]),
                              g.const([3]), g.const([1])])
    w = g.node("Where", [causal, w, g.const(FLOAT_MIN, np.float32)])
    w = g.node("Softmax", [w], axis=-1)
    a = g.node("MatMul", [w, v])
    a = g.node("Transpose", [a], perm=[0, 2, 1, 3])
    a = g.view(a, ("vector", g.shape_slice(a, 0, -2)), hidden)
    return conv1d(g, a, hidden, hidden, "c_proj")


def gpt2(g, batch, layers=12, hidden=768, heads=12, vocab=50257,
         max_positions=1024, seq=128):
    ids = g.input("input_ids", [batch, seq], np.int64, token_sampler(vocab))
    with g.scope("transformer"):
        # position_ids = torch.arange(0, input_shape[-1]).unsqueeze(0)
        length = g.size(ids, -1)
        positions = g.node("Range", [g.const(0), length, g.const(1)])
        positions = g.unsqueeze(positions, [0])
        wte = g.normal([vocab, hidden], 0.02)
        with g.scope("wte"):
            tokens = g.node("Gather", [g.param("weight", wte), ids])
        h = g.node("Add", [tokens, embedding(g, positions, max_positions, hidden,
                                             std=0.01, name="wpe")])
        for i in range(layers):
            with g.scope("h", i):
                with g.scope("attn"):
                    a = gpt2_attention(g, layernorm(g, h, hidden, name="ln_1"), hidden,
                                       heads, max_positions)
                h = g.node("Add", [a, h])
                with g.scope("mlp"):
                    f = conv1d(g, layernorm(g, h, hidden, name="ln_2"), hidden,
                               4 * hidden, "c_fc")
                    f = conv1d(g, gelu_tanh(g, f), 4 * hidden, hidden, "c_proj")
                h = g.node("Add", [h, f])
        h = layernorm(g, h, hidden, name="ln_f")
    # The LM head shares wte; constant folding writes its transpose.
    with g.scope("lm_head"):
        logits = g.node("MatMul", [h, g.folded_param(np.ascontiguousarray(wte.T))])
    g.output(logits, "logits")


register("gpt2", opset=14,
         description="GPT-2 small LM, 12 layers, seq 128, causal mask, "
         "LayerNorm decomposed, GELU via Tanh")(gpt2)


def gpt2_tiny(g, batch):
    gpt2(g, batch, layers=2, hidden=128, heads=4, vocab=1000, max_positions=64, seq=32)


register("gpt2_tiny", opset=14, ci=True,
         description="GPT-2-style LM, 2 layers, hidden 128, seq 32")(gpt2_tiny)


# ===------------------------------------------------------------------=== #
# Recurrent models
# ===------------------------------------------------------------------=== #


def zeros_state(g, x, layers_dirs, hidden):
    """torch.zeros(layers * dirs, x.size(batch), hidden) for a missing h0."""
    b = g.size(x, 1)
    shape = g.shape_vector([("int", layers_dirs), ("scalar", b), ("int", hidden)])
    return g.node("ConstantOfShape", [shape],
                  value=numpy_helper.from_array(np.zeros(1, np.float32)))


def lstm_classifier(g, batch, features=40, steps=50, hidden=256, layers=2,
                    classes=12):
    """nn.LSTM(batch_first=True), two layers, then Linear on the last step
    (a keyword-spotting model on filterbank frames)."""
    x = g.input("input", [batch, steps, features])
    h = g.node("Transpose", [x], perm=[1, 0, 2])
    with g.scope("lstm"):
        h0 = zeros_state(g, h, layers, hidden)
        c0 = zeros_state(g, h, layers, hidden)
        fin = features
        # Larger than torch's U(+-1/sqrt(hidden)) initialization: trained
        # recurrent weights drive the gates well away from 0.5, and the
        # outputs should be O(1).
        for layer in range(layers):
            w = g.param(f"weight_ih_l{layer}",
                        g.uniform([1, 4 * hidden, fin], 2 / np.sqrt(fin)))
            r = g.param(f"weight_hh_l{layer}",
                        g.uniform([1, 4 * hidden, hidden], 2 / np.sqrt(hidden)))
            b = g.param(f"bias_l{layer}", g.uniform([1, 8 * hidden], 0.5))
            hs = g.node("Slice", [h0, g.const([layer]), g.const([layer + 1]), g.const([0])])
            cs = g.node("Slice", [c0, g.const([layer]), g.const([layer + 1]), g.const([0])])
            y, _, _ = g.node("LSTM", [h, w, r, b, "", hs, cs], outputs=3,
                             hidden_size=hidden)
            h = g.squeeze(y, [1])
            fin = hidden
    h = g.node("Transpose", [h], perm=[1, 0, 2])
    last = g.node("Gather", [h, g.const(-1)], axis=1)
    g.output(linear(g, last, hidden, classes, std=2 / np.sqrt(hidden)), "logits")


register("lstm", opset=13, ci=True,
         description="2-layer LSTM (hidden 256) over 50x40 frames, Linear")(lstm_classifier)


def gru_classifier(g, batch, vocab=5000, dim=128, steps=64, hidden=128, classes=4):
    """Embedding -> bidirectional nn.GRU(batch_first=True) -> mean over time
    -> Linear (a text classifier)."""
    ids = g.input("input_ids", [batch, steps], np.int64, token_sampler(vocab))
    e = embedding(g, ids, vocab, dim, std=1.0, name="embedding")
    h = g.node("Transpose", [e], perm=[1, 0, 2])
    with g.scope("gru"):
        h0 = zeros_state(g, h, 2, hidden)
        # Larger than torch's initialization (see lstm_classifier).
        w = g.param("weight_ih_l0", g.uniform([2, 3 * hidden, dim], 2 / np.sqrt(dim)))
        r = g.param("weight_hh_l0", g.uniform([2, 3 * hidden, hidden], 2 / np.sqrt(hidden)))
        b = g.param("bias_l0", g.uniform([2, 6 * hidden], 0.5))
        y, _ = g.node("GRU", [h, w, r, b, "", h0], outputs=2, hidden_size=hidden,
                      direction="bidirectional", linear_before_reset=1)
        # [T, 2, B, H] -> [T, B, 2H]
        y = g.node("Transpose", [y], perm=[0, 2, 1, 3])
        y = g.node("Reshape", [y, g.const([0, 0, -1])])
    y = g.node("Transpose", [y], perm=[1, 0, 2])
    pooled = reduce_mean(g, y, [1], keepdims=0)
    g.output(linear(g, pooled, 2 * hidden, classes, std=4 / np.sqrt(hidden)), "logits")


register("gru", opset=18, ci=True,
         description="Embedding + bidirectional GRU (hidden 128, 64 steps), "
         "mean over time, Linear")(gru_classifier)


# ===------------------------------------------------------------------=== #
# U-Net (milesial/Pytorch-UNet: DoubleConv, MaxPool, ConvTranspose or
# bilinear Resize, the F.pad size fix-up, Concat)
# ===------------------------------------------------------------------=== #


def double_conv(g, x, cin, cout, mid=None):
    mid = mid or cout
    with g.scope("double_conv"):
        h = conv_bn(g, x, cin, mid, 3, 1, 1, act=relu, conv_name="0", bn_name="1")
        return conv_bn(g, h, mid, cout, 3, 1, 1, act=relu, conv_name="3", bn_name="4")


def unet_up(g, x1, x2, cin, skip_channels, cout, bilinear):
    if bilinear:
        x1 = g.node("Resize", [x1, "", g.const([1.0, 1.0, 2.0, 2.0], np.float32)],
                    coordinate_transformation_mode="align_corners",
                    cubic_coeff_a=-0.75, mode="linear", nearest_mode="floor")
        up_channels = cin
    else:
        up_channels = cin // 2
        x1 = conv_transpose(g, x1, cin, up_channels, 2, 2)
    # diffY = x2.size()[2] - x1.size()[2]; diffX likewise; then
    # F.pad(x1, [diffX // 2, diffX - diffX // 2, diffY // 2, diffY - diffY // 2])
    dy = g.node("Sub", [g.size(x2, 2), g.size(x1, 2)])
    dx = g.node("Sub", [g.size(x2, 3), g.size(x1, 3)])
    pads = []
    for d in (dx, dy):
        pads.append(g.node("Div", [d, g.const(2)]))
        pads.append(g.node("Sub", [d, g.node("Div", [d, g.const(2)])]))
    x1 = torch_pad(g, x1, 4, pads)
    x = g.node("Concat", [x2, x1], axis=1)
    channels = skip_channels + up_channels
    with g.scope("conv"):
        return double_conv(g, x, channels, cout, channels // 2 if bilinear else None)


def unet(g, batch, size=256, base=32, depth=4, classes=2):
    x = image_input(g, batch, 3, size)
    with g.scope("inc"):
        h = double_conv(g, x, 3, base)
    skips = [(h, base)]
    c = base
    for i in range(depth):
        with g.scope(f"down{i + 1}", "maxpool_conv"):
            h = maxpool(g, h, 2, 2)
            h = double_conv(g, h, c, 2 * c)
        c *= 2
        skips.append((h, c))
    skips.pop()
    for i in range(depth):
        skip, sc = skips.pop()
        # Alternate both upsampling kinds (the first ConvTranspose).
        bilinear = i % 2 == 1
        with g.scope(f"up{i + 1}"):
            h = unet_up(g, h, skip, c, sc, sc, bilinear)
        c = sc
    with g.scope("outc"):
        g.output(conv(g, h, c, classes, 1, name="conv"), "masks")


register("unet", opset=18,
         description="U-Net, 256x256, 4 levels from 32 channels, "
         "ConvTranspose and bilinear Resize, F.pad, Concat")(unet)


def unet_small(g, batch):
    unet(g, batch, size=64, base=8, depth=2)


register("unet_small", opset=18, ci=True,
         description="U-Net, 64x64, 2 levels from 8 channels")(unet_small)


# ===------------------------------------------------------------------=== #
# 1-D audio CNN (M5, torchaudio's speech-command tutorial)
# ===------------------------------------------------------------------=== #


def audio_cnn(g, batch, samples=16000, channels=32, classes=35):
    x = g.input("waveform", [batch, 1, samples],
                sampler=lambda rng, shape: 0.3 * rng.standard_normal(shape))
    h = x
    cin = 1
    length = samples
    for i, (cout, k, stride) in enumerate([(channels, 80, 16), (channels, 3, 1),
                                           (2 * channels, 3, 1), (2 * channels, 3, 1)]):
        h = conv(g, h, cin, cout, k, stride, dims=1, name=f"conv{i + 1}")
        h = relu(g, batchnorm(g, h, cout, name=f"bn{i + 1}"))
        h = maxpool(g, h, 4, 4, dims=1)
        cin = cout
        length = ((length - k) // stride + 1) // 4
    # F.avg_pool1d(x, x.shape[-1]): the traced kernel size is a constant;
    # then permute(0, 2, 1), fc1 and log_softmax(dim=2).
    h = g.node("AveragePool", [h], ceil_mode=0, kernel_shape=[length], pads=[0, 0],
               strides=[length])
    h = g.node("Transpose", [h], perm=[0, 2, 1])
    h = linear(g, h, cin, classes, rank=3, name="fc1")
    g.output(g.node("LogSoftmax", [h], axis=2), "log_probs")


register("audio_cnn", opset=14, ci=True,
         description="M5 1-D CNN on 16000 samples: Conv1d, BN, MaxPool1d, "
         "AveragePool, MatMul, LogSoftmax")(audio_cnn)
