"""A small graph-building library that writes ONNX graphs the way exporters do.

The zoo's models are built here instead of with torch.onnx.export (torch's
Linux wheels pull gigabytes of CUDA packages into every CI venv), but they
should look like what users bring: what matters for a compiler is not the
architecture alone but the exporter's habits around it. So `Graph` and the
layer functions below reproduce those habits, after torch.onnx.export's
TorchScript exporter (torch 1.13 to 2.x) and HuggingFace models:

- every `x.size(i)` is a shape subgraph, Shape -> Gather(Constant i), and
  every `x.view(...)` built from sizes is Unsqueeze -> Concat -> Reshape
  (`Graph.size`, `Graph.shape_slice`, `Graph.view`);
- scalars and small index tensors are separate Constant nodes, one per use;
  weights are initializers named after their module ("layer1.0.conv1.weight"),
  and constant-folded ones are "onnx::MatMul_<n>";
- nn.Linear is Gemm(transB=1) on 2-D inputs and MatMul + Add on others (the
  weight stored transposed); GELU is the Erf formula; SiLU is Sigmoid * x;
  ReLU6 is Clip with Constant bounds; LayerNorm is LayerNormalization from
  opset 17 and its ReduceMean/Pow/Sqrt decomposition before;
- operators take the form of the model's opset: Unsqueeze/Squeeze/Split axes
  as inputs from 13, ReduceMean axes as an input from 18, and so on.

Node names follow the module path ("/layer1/0/conv1/Conv") so that Kiln's
one-line errors point at something recognizable.

Weights come from a generator seeded with the model's name: the same model
is byte-identical on every run and machine (BatchNorm statistics, which
calibrate.py gets from ONNX Runtime, are rounded so that kernel differences
between machines do not show).
"""

import contextlib
import zlib

import numpy as np
from onnx import TensorProto, helper, numpy_helper

FLOAT_MIN = float(np.finfo(np.float32).min)


class Graph:
    """One ONNX graph under construction, with a module-scope stack."""

    def __init__(self, name, opset):
        self.name = name
        self.opset = opset
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes = []
        self.inputs = []  # ValueInfoProto
        self.input_specs = []  # (name, shape, dtype, sampler)
        self.outputs = []  # names
        self.initializers = {}  # name -> numpy array (kept mutable)
        self.batchnorms = []  # see batchnorm()
        self._scope = []
        self._op_counts = {}
        self._anon = 0

    # Names --------------------------------------------------------------

    @contextlib.contextmanager
    def scope(self, *names):
        """Nodes and weights created inside are named after the module path."""
        self._scope.extend(str(n) for n in names)
        try:
            yield
        finally:
            del self._scope[len(self._scope) - len(names):]

    def _node_name(self, op):
        prefix = "/" + "/".join(self._scope) + "/" if self._scope else "/"
        key = prefix + op
        count = self._op_counts.get(key, 0)
        self._op_counts[key] = count + 1
        return key if count == 0 else f"{key}_{count}"

    def param_name(self, local):
        return ".".join(self._scope + [local])

    # Graph pieces -------------------------------------------------------

    def node(self, op, inputs, outputs=1, **attrs):
        """Adds a node; returns its output name, or the list of them."""
        name = self._node_name(op)
        outs = [f"{name}_output_{i}" for i in range(outputs)]
        self.nodes.append(helper.make_node(op, list(inputs), outs, name=name,
                                           **attrs))
        return outs[0] if outputs == 1 else outs

    def param(self, local, array):
        """A named weight initializer ("encoder.layer.0.dense.weight")."""
        name = self.param_name(local)
        assert name not in self.initializers, name
        self.initializers[name] = np.asarray(array)
        return name

    def folded_param(self, array, op="MatMul"):
        """A weight the exporter's constant folding produced (a transposed
        Linear weight): named "onnx::<Op>_<n>" as torch names them."""
        self._anon += 1
        name = f"onnx::{op}_{self._anon}"
        self.initializers[name] = np.asarray(array)
        return name

    def const(self, value, dtype=np.int64):
        """A Constant node (torch emits one per use, never shared)."""
        array = np.asarray(value, dtype=dtype)
        return self.node("Constant", [],
                         value=numpy_helper.from_array(array))

    def input(self, name, shape, dtype=np.float32, sampler=None):
        """A graph input; `sampler(rng, shape)` draws its test data."""
        self.inputs.append(helper.make_tensor_value_info(
            name, helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), list(shape)))
        self.input_specs.append((name, tuple(shape), np.dtype(dtype), sampler))
        return name

    def output(self, value, name):
        """Makes `value` a graph output called `name` (renaming the tensor,
        as exporters name outputs after the user's output names)."""
        for node in self.nodes:
            for i, n in enumerate(node.input):
                if n == value:
                    node.input[i] = name
            for i, n in enumerate(node.output):
                if n == value:
                    node.output[i] = name
        self.outputs.append(name)
        return name

    # Weights ------------------------------------------------------------

    def normal(self, shape, std):
        return (self.rng.standard_normal(shape) * std).astype(np.float32)

    def uniform(self, shape, bound):
        return self.rng.uniform(-bound, bound, size=shape).astype(np.float32)

    # Shape subgraphs, the way torch traces them -------------------------

    def size(self, x, dim):
        """`x.size(dim)`: Shape -> Gather(Constant dim), a scalar int64."""
        shape = self.node("Shape", [x])
        return self.node("Gather", [shape, self.const(dim)], axis=0)

    def shape_slice(self, x, start, end):
        """`x.size()[start:end]`: Shape -> Slice, a 1-D int64 tensor."""
        shape = self.node("Shape", [x])
        return self.node("Slice", [shape, self.const([start]),
                                   self.const([end]), self.const([0])])

    def unsqueeze(self, x, axes):
        if self.opset >= 13:
            return self.node("Unsqueeze", [x, self.const(axes)])
        return self.node("Unsqueeze", [x], axes=list(axes))

    def squeeze(self, x, axes):
        if self.opset >= 13:
            return self.node("Squeeze", [x, self.const(axes)])
        return self.node("Squeeze", [x], axes=list(axes))

    def shape_vector(self, parts):
        """Concat of shape pieces: ints (Constant 1-D), scalars from size()
        (unsqueezed) and 1-D slices from shape_slice(), as a traced
        `x.view(a, b, ...)` builds its shape operand."""
        pieces = []
        for kind, value in parts:
            if kind == "int":
                pieces.append(self.const([value]))
            elif kind == "scalar":
                pieces.append(self.unsqueeze(value, [0]))
            else:
                pieces.append(value)
        if len(pieces) == 1:
            return pieces[0]
        return self.node("Concat", pieces, axis=0)

    def view(self, x, *parts):
        """`x.view(...)`: each part is an int, ("scalar", name) from size()
        or ("vector", name) from shape_slice()."""
        spec = [("int", p) if isinstance(p, int) else p for p in parts]
        return self.node("Reshape", [x, self.shape_vector(spec)])

    # The model ----------------------------------------------------------

    def model(self, producer="kiln-zoo"):
        graph = helper.make_graph(
            self.nodes, self.name, self.inputs,
            [helper.make_empty_tensor_value_info(n) for n in self.outputs],
            initializer=[numpy_helper.from_array(a, n)
                         for n, a in self.initializers.items()])
        model = helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", self.opset)],
            producer_name=producer, ir_version=8)
        return model

    def sample_inputs(self, seed, batch=None):
        """Test or calibration data for every input, from `seed`; `batch`
        overrides the leading dimension."""
        rng = np.random.default_rng(seed)
        feeds = {}
        for name, shape, dtype, sampler in self.input_specs:
            if batch is not None:
                shape = (batch,) + tuple(shape[1:])
            if sampler is not None:
                data = sampler(rng, shape)
            else:
                data = rng.standard_normal(shape)
            feeds[name] = np.ascontiguousarray(np.asarray(data, dtype=dtype))
        return feeds

    # BatchNorm folding (torch.onnx.export in eval mode fuses Conv+BN) ---

    def fold_batchnorms(self):
        """Folds every BatchNormalization that follows a Conv into it, as
        torch's eval-mode export does; the others stay."""
        producers = {o: n for n in self.nodes for o in n.output}
        users = {}
        for n in self.nodes:
            for i in n.input:
                users.setdefault(i, []).append(n)
        kept = []
        removed = set()
        for bn in self.nodes:
            if bn.op_type != "BatchNormalization":
                continue
            conv = producers.get(bn.input[0])
            if conv is None or conv.op_type != "Conv" or len(users[bn.input[0]]) != 1:
                continue
            gamma, beta, mean, var = (self.initializers[i] for i in bn.input[1:5])
            eps = next((a.f for a in bn.attribute if a.name == "epsilon"), 1e-5)
            scale = gamma / np.sqrt(var + eps)
            w = self.initializers[conv.input[1]]
            self.initializers[conv.input[1]] = (
                w * scale.reshape(-1, *([1] * (w.ndim - 1)))).astype(np.float32)
            b = (self.initializers[conv.input[2]] if len(conv.input) > 2
                 else np.zeros_like(mean))
            bias = ((b - mean) * scale + beta).astype(np.float32)
            bias_name = conv.input[1][:-len("weight")] + "bias" \
                if conv.input[1].endswith("weight") else conv.input[1] + ".bias"
            if len(conv.input) > 2:
                self.initializers[conv.input[2]] = bias
            else:
                self.initializers[bias_name] = bias
                conv.input.append(bias_name)
            for name in bn.input[1:5]:
                del self.initializers[name]
            # The conv now writes what the BN wrote.
            conv.output[0] = bn.output[0]
            removed.add(id(bn))
        for n in self.nodes:
            if id(n) not in removed:
                kept.append(n)
        self.nodes = kept
        self.batchnorms = []


# ===------------------------------------------------------------------=== #
# Layers: torch modules as their export looks
# ===------------------------------------------------------------------=== #


def conv(g, x, cin, cout, kernel, stride=1, pad=0, groups=1, dilation=1,
         bias=True, dims=2, std=None, name="conv"):
    """nn.Conv{1,2}d: Conv with every attribute written out, as torch does."""
    k = [kernel] * dims if isinstance(kernel, int) else list(kernel)
    fan_in = cin // groups * int(np.prod(k))
    with g.scope(name):
        w = g.param("weight", g.normal([cout, cin // groups] + k,
                                       std or np.sqrt(2.0 / fan_in)))
        inputs = [x, w]
        if bias:
            inputs.append(g.param("bias", g.uniform([cout], 1 / np.sqrt(fan_in))))
        pads = [pad] * (2 * dims) if isinstance(pad, int) else list(pad)
        return g.node("Conv", inputs, dilations=[dilation] * dims, group=groups,
                      kernel_shape=k, pads=pads, strides=[stride] * dims)


def conv_transpose(g, x, cin, cout, kernel, stride=1, pad=0, bias=True,
                   name="up"):
    """nn.ConvTranspose2d (weight [cin, cout, k, k])."""
    k = [kernel] * 2
    fan_in = cin * kernel * kernel // (stride * stride)
    with g.scope(name):
        w = g.param("weight", g.normal([cin, cout] + k, np.sqrt(2.0 / fan_in)))
        inputs = [x, w]
        if bias:
            inputs.append(g.param("bias", g.uniform([cout], 1 / np.sqrt(fan_in))))
        return g.node("ConvTranspose", inputs, dilations=[1, 1], group=1,
                      kernel_shape=k, pads=[pad] * 4, strides=[stride] * 2)


def batchnorm(g, x, channels, gamma=(0.8, 1.2), name="bn"):
    """nn.BatchNorm (eval). Running statistics start at 0/1; the zoo
    re-estimates them on random data (calibrate.py), which keeps deep nets'
    activations O(1) the way trained statistics do. `gamma` is the range of
    the random scales (small for the last BN of a residual branch, as in
    trained ResNets)."""
    with g.scope(name):
        weight = g.param("weight", g.rng.uniform(*gamma, size=channels).astype(np.float32))
        bias = g.param("bias", g.uniform([channels], 0.1))
        mean = g.param("running_mean", np.zeros(channels, np.float32))
        var = g.param("running_var", np.ones(channels, np.float32))
        y = g.node("BatchNormalization", [x, weight, bias, mean, var],
                   epsilon=1e-5, momentum=0.9)
    g.batchnorms.append({"input": x, "mean": mean, "var": var})
    return y


def relu(g, x):
    return g.node("Relu", [x])


def relu6(g, x):
    """nn.ReLU6: Clip with Constant bounds (opset 11+)."""
    return g.node("Clip", [x, g.const(0.0, np.float32), g.const(6.0, np.float32)])


def silu(g, x):
    """nn.SiLU: torch writes x * Sigmoid(x)."""
    return g.node("Mul", [x, g.node("Sigmoid", [x])])


def gelu(g, x):
    """nn.GELU (exact): x * 0.5 * (1 + erf(x / sqrt(2))), torch's node order."""
    div = g.node("Div", [x, g.const(1.4142135381698608, np.float32)])
    erf = g.node("Erf", [div])
    add = g.node("Add", [erf, g.const(1.0, np.float32)])
    mul = g.node("Mul", [x, add])
    return g.node("Mul", [mul, g.const(0.5, np.float32)])


def gelu_tanh(g, x):
    """GPT-2's NewGELUActivation:
    0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))."""
    half = g.node("Mul", [g.const(0.5, np.float32), x])
    cube = g.node("Pow", [x, g.const(3.0, np.float32)])
    inner = g.node("Add", [x, g.node("Mul", [g.const(0.044715, np.float32), cube])])
    scaled = g.node("Mul", [g.const(0.7978845608028654, np.float32), inner])
    one_plus = g.node("Add", [g.const(1.0, np.float32), g.node("Tanh", [scaled])])
    return g.node("Mul", [half, one_plus])


def linear(g, x, fin, fout, bias=True, rank=2, std=None, name="fc"):
    """nn.Linear: Gemm(transB=1) for 2-D inputs; for others MatMul with the
    transposed weight the exporter folded into "onnx::MatMul_<n>", then
    Add(bias, .)."""
    std = std or 1 / np.sqrt(fin)
    with g.scope(name):
        weight = g.normal([fout, fin], std)
        b = g.uniform([fout], 1 / np.sqrt(fin)) if bias else None
        if rank == 2:
            inputs = [x, g.param("weight", weight)]
            if bias:
                inputs.append(g.param("bias", b))
            return g.node("Gemm", inputs, alpha=1.0, beta=1.0, transB=1)
        y = g.node("MatMul", [x, g.folded_param(np.ascontiguousarray(weight.T))])
        if bias:
            y = g.node("Add", [g.param("bias", b), y])
        return y


def layernorm(g, x, dim, eps=1e-5, name="LayerNorm"):
    """nn.LayerNorm over the last axis: LayerNormalization from opset 17,
    torch's decomposition before it."""
    with g.scope(name):
        weight = g.param("weight", g.rng.uniform(0.8, 1.2, size=dim).astype(np.float32))
        bias = g.param("bias", g.uniform([dim], 0.1))
        if g.opset >= 17:
            return g.node("LayerNormalization", [x, weight, bias], axis=-1,
                          epsilon=eps)
        mean = reduce_mean(g, x, [-1])
        centered = g.node("Sub", [x, mean])
        var = reduce_mean(g, g.node("Pow", [centered, g.const(2.0, np.float32)]), [-1])
        std = g.node("Sqrt", [g.node("Add", [var, g.const(eps, np.float32)])])
        normed = g.node("Div", [centered, std])
        return g.node("Add", [g.node("Mul", [normed, weight]), bias])


def reduce_mean(g, x, axes, keepdims=1):
    """ReduceMean, axes an attribute before opset 18 and an input from it."""
    if g.opset >= 18:
        return g.node("ReduceMean", [x, g.const(axes)], keepdims=keepdims)
    return g.node("ReduceMean", [x], axes=list(axes), keepdims=keepdims)


def embedding(g, ids, num, dim, std=0.02, name="embeddings"):
    """nn.Embedding: Gather(weight, ids)."""
    with g.scope(name):
        weight = g.param("weight", g.normal([num, dim], std))
        return g.node("Gather", [weight, ids])


def maxpool(g, x, kernel, stride, pad=0, dims=2, ceil_mode=0):
    return g.node("MaxPool", [x], ceil_mode=ceil_mode, kernel_shape=[kernel] * dims,
                  pads=[pad] * (2 * dims), strides=[stride] * dims)


def split(g, x, sizes, axis):
    """Tensor.split: Split with the sizes as an input from opset 13."""
    if g.opset >= 13:
        return g.node("Split", [x, g.const(sizes)], outputs=len(sizes), axis=axis)
    return g.node("Split", [x], outputs=len(sizes), axis=axis, split=list(sizes))


def torch_pad(g, x, rank, pads_scalars):
    """F.pad(x, [left, right, top, bottom, ...]) with pads computed at run
    time (scalars from size()): torch turns its last-axis-first pairs into
    ONNX's all-begins-then-all-ends layout with this shape subgraph."""
    pieces = [g.unsqueeze(p, [0]) for p in pads_scalars]
    pads = g.node("Concat", pieces, axis=0)
    missing = g.node("ConstantOfShape", [g.const([2 * rank - len(pads_scalars)])],
                     value=numpy_helper.from_array(np.zeros(1, np.int64)))
    full = g.node("Concat", [pads, missing], axis=0)
    pairs = g.node("Reshape", [full, g.const([-1, 2])])
    reversed_pairs = g.node("Slice", [pairs, g.const([-1]), g.const([-(2 ** 63 - 1)]),
                                      g.const([0]), g.const([-1])])
    onnx_order = g.node("Transpose", [reversed_pairs], perm=[1, 0])
    flat = g.node("Reshape", [onnx_order, g.const([-1])])
    flat = g.node("Cast", [flat], to=TensorProto.INT64)
    return g.node("Pad", [x, flat, g.const(0.0, np.float32)], mode="constant")
