"""BatchNorm statistics re-estimated on random data, with ONNX Runtime.

A deep net with random weights and running statistics of 0/1 vanishes or
explodes; trained statistics are what keeps activations O(1). We recover
that property the way BN's own training does: in a copy of the model every
BatchNormalization becomes its training-mode formula (normalize with the
batch's own mean and variance) with the mean and variance as extra outputs.
One ONNX Runtime run over a calibration batch then gives every layer's
statistics at once, each computed downstream of already-normalized layers,
which is exactly what layer-by-layer calibration would give: with those
statistics as running_mean/running_var, inference on the calibration batch
reproduces the training-mode activations.
"""

import numpy as np
import onnx
from onnx import helper, numpy_helper, shape_inference


def _ranks(model):
    inferred = shape_inference.infer_shapes(model)
    ranks = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input):
        if vi.type.tensor_type.HasField("shape"):
            ranks[vi.name] = len(vi.type.tensor_type.shape.dim)
    return ranks


def calibration_model(model, batch_dim="N"):
    """The training-mode copy: returns (model, [(mean name, var name,
    mean output, var output)])."""
    model = onnx.ModelProto.FromString(model.SerializeToString())
    graph = model.graph
    opset = next(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    ranks = _ranks(model)
    nodes = []
    stats = []
    count = 0

    def mean_over(x, axes, out):
        if opset >= 18:
            axes_name = out + "_axes"
            nodes.append(helper.make_node("Constant", [], [axes_name],
                                          value=numpy_helper.from_array(
                                              np.asarray(axes, np.int64))))
            nodes.append(helper.make_node("ReduceMean", [x, axes_name], [out],
                                          keepdims=1))
        else:
            nodes.append(helper.make_node("ReduceMean", [x], [out], axes=axes,
                                          keepdims=1))

    for node in graph.node:
        if node.op_type != "BatchNormalization":
            nodes.append(node)
            continue
        x, gamma, beta, mean, var = node.input[:5]
        rank = ranks[x]
        eps = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-5)
        p = f"calib{count}"
        count += 1
        axes = [0] + list(range(2, rank))
        mean_over(x, axes, p + "_mean")
        nodes.append(helper.make_node("Sub", [x, p + "_mean"], [p + "_d"]))
        nodes.append(helper.make_node("Mul", [p + "_d", p + "_d"], [p + "_sq"]))
        mean_over(p + "_sq", axes, p + "_var")
        nodes.append(helper.make_node("Constant", [], [p + "_eps"],
                                      value=numpy_helper.from_array(
                                          np.asarray(eps, np.float32))))
        nodes.append(helper.make_node("Add", [p + "_var", p + "_eps"], [p + "_ve"]))
        nodes.append(helper.make_node("Sqrt", [p + "_ve"], [p + "_std"]))
        nodes.append(helper.make_node("Div", [p + "_d", p + "_std"], [p + "_n"]))
        nodes.append(helper.make_node("Constant", [], [p + "_shape"],
                                      value=numpy_helper.from_array(
                                          np.asarray([-1] + [1] * (rank - 2), np.int64))))
        nodes.append(helper.make_node("Reshape", [gamma, p + "_shape"], [p + "_g"]))
        nodes.append(helper.make_node("Reshape", [beta, p + "_shape"], [p + "_b"]))
        nodes.append(helper.make_node("Mul", [p + "_n", p + "_g"], [p + "_s"]))
        nodes.append(helper.make_node("Add", [p + "_s", p + "_b"], [node.output[0]]))
        stats.append((mean, var, p + "_mean", p + "_var"))
    del graph.node[:]
    graph.node.extend(nodes)
    for _, _, m, v in stats:
        graph.output.append(helper.make_empty_tensor_value_info(m))
        graph.output.append(helper.make_empty_tensor_value_info(v))
    for vi in graph.input:
        vi.type.tensor_type.shape.dim[0].dim_param = batch_dim
    del graph.value_info[:]
    return model, stats


def calibrate_batchnorms(g, batch=4, seed=12345):
    """Sets every BN's running_mean/running_var in `g` (an exporter.Graph)
    to the statistics of a random calibration batch."""
    import onnxruntime as ort
    model, stats = calibration_model(g.model())
    feeds = g.sample_inputs(seed, batch=batch)
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    # One thread: the same statistics whatever the number of cores.
    options.intra_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    names = [n for _, _, m, v in stats for n in (m, v)]
    values = dict(zip(names, session.run(names, feeds)))
    for mean, var, m, v in stats:
        g.initializers[mean] = coarse(values[m].reshape(-1))
        g.initializers[var] = coarse(values[v].reshape(-1))


def coarse(x, bits=11):
    """`x` rounded to `bits` significant bits. ONNX Runtime's kernels differ
    between machines (AVX-512 or AVX2 code) in the last bits of a float;
    rounded statistics make the generated model byte-identical across
    machines but for values within that noise of a rounding boundary."""
    mantissa, exponent = np.frexp(x.astype(np.float64))
    return np.ldexp(np.round(mantissa * 2.0**bits) / 2.0**bits, exponent).astype(np.float32)
