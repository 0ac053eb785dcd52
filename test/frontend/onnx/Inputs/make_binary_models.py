#!/usr/bin/env python3
"""Writes the binary ONNX models the importer tests read.

The ONNX text syntax (libonnx 1.12) cannot name nodes, hold raw or external
tensor data, or spell newer element types, so those cases are binary files.
Run from anywhere with the project's venv; it rewrites the files next to it
deterministically:

    .venv/bin/python test/frontend/onnx/Inputs/make_binary_models.py
"""

import os

import numpy as np
import onnx
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))


def save(model, name):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(model.SerializeToString())


def model(graph, opset=13):
    return helper.make_model(graph, producer_name="kiln-tests",
                             opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=8)


def named_nodes():
    """Named and unnamed nodes, raw-data initializers."""
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 1, 3, 3],
                           np.arange(18, dtype=np.float32).tobytes(), raw=True)
    b = helper.make_tensor("b", TensorProto.FLOAT, [2], [0.5, -0.5])
    nodes = [
        helper.make_node("Conv", ["input", "w", "b"], ["c"], name="conv1",
                         pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c"], ["r"], name="relu1"),
        helper.make_node("GlobalAveragePool", ["r"], ["g"]),
        helper.make_node("Flatten", ["g"], ["probs"], name="flatten"),
    ]
    graph = helper.make_graph(
        nodes, "named",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT,
                                       ["N", 1, 4, 4])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 2])],
        [w, b])
    return model(graph)


def initializer_types():
    """Every supported element type, as raw data and as typed fields."""
    cases = [
        ("f32_raw", TensorProto.FLOAT, np.array([1.5, -2], np.float32), True),
        ("f64_typed", TensorProto.DOUBLE, np.array([0.25, 4], np.float64), False),
        ("f16_raw", TensorProto.FLOAT16, np.array([1, -0.5], np.float16), True),
        ("f16_typed", TensorProto.FLOAT16, np.array([2, 3], np.float16), False),
        ("bf16_typed", TensorProto.BFLOAT16, np.array([1.0, -2.0], np.float32), False),
        ("i8_raw", TensorProto.INT8, np.array([-128, 127], np.int8), True),
        ("i16_typed", TensorProto.INT16, np.array([-300, 300], np.int16), False),
        ("i32_raw", TensorProto.INT32, np.array([-70000, 70000], np.int32), True),
        ("i64_typed", TensorProto.INT64, np.array([-(2**40), 2**40], np.int64), False),
        ("u8_typed", TensorProto.UINT8, np.array([0, 255], np.uint8), False),
        ("u16_raw", TensorProto.UINT16, np.array([0, 65535], np.uint16), True),
        ("u32_typed", TensorProto.UINT32, np.array([1, 4000000000], np.uint32), False),
        ("u64_raw", TensorProto.UINT64, np.array([2, 2**63], np.uint64), True),
        ("bool_raw", TensorProto.BOOL, np.array([True, False]), True),
        ("bool_typed", TensorProto.BOOL, np.array([False, True]), False),
    ]
    inits, outputs = [], []
    for name, dtype, values, raw in cases:
        if raw:
            tensor = helper.make_tensor(name, dtype, values.shape,
                                        values.tobytes(), raw=True)
        else:
            tensor = helper.make_tensor(name, dtype, values.shape,
                                        values.tolist())
        inits.append(tensor)
        outputs.append(helper.make_tensor_value_info(name, dtype, values.shape))
    graph = helper.make_graph([], "initializer_types", [], outputs, inits)
    return model(graph)


def external_data(location, with_file=True):
    """Two initializers in one external file, the second at an offset."""
    a = np.array([1, 2, 3], np.float32)
    b = np.array([[4, 5], [6, 7]], np.int64)
    blob = a.tobytes() + b.tobytes()
    inits = []
    for name, values, dtype, offset in [
            ("a", a, TensorProto.FLOAT, 0),
            ("b", b, TensorProto.INT64, len(a.tobytes()))]:
        t = TensorProto()
        t.name = name
        t.data_type = dtype
        t.dims.extend(values.shape)
        t.data_location = TensorProto.EXTERNAL
        for key, value in [("location", location), ("offset", str(offset)),
                           ("length", str(values.nbytes))]:
            entry = t.external_data.add()
            entry.key, entry.value = key, value
        inits.append(t)
    graph = helper.make_graph(
        [], "external", [],
        [helper.make_tensor_value_info("a", TensorProto.FLOAT, [3]),
         helper.make_tensor_value_info("b", TensorProto.INT64, [2, 2])],
        inits)
    if with_file:
        with open(os.path.join(HERE, location), "wb") as f:
            f.write(blob)
    return model(graph)


def float6_input():
    """An element type newer than libonnx 1.12 knows, which Kiln does not
    support."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "float6",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT6E2M3, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT6E2M3, [4])])
    return model(graph, opset=25)


def untyped_attribute():
    """An attribute without its type field, as IR version 1 models have."""
    node = helper.make_node("Flatten", ["x"], ["y"])
    attr = node.attribute.add()
    attr.name = "axis"
    attr.i = 2
    graph = helper.make_graph(
        [node], "untyped",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 3, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [6, 4])])
    return model(graph)


def sequence_input():
    """A graph input that is not a tensor."""
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])], "sequence",
        [helper.make_tensor_sequence_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])])
    return model(graph)


def named_error():
    """A named node with a bad attribute: errors name the node."""
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], name="conv1",
                          auto_pad="SAME")],
        "named_error",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4]),
         helper.make_tensor_value_info("w", TensorProto.FLOAT, [1, 1, 3, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 4, 4])])
    return model(graph)


def rnn_infinite_r():
    """An RNN whose constant R holds an infinity (the text syntax rejects
    out-of-range numbers)."""
    r = helper.make_tensor("r", TensorProto.FLOAT, [1, 2, 2],
                           np.array([0.5, np.inf, 0.25, 1], dtype=np.float32).tobytes(),
                           raw=True)
    graph = helper.make_graph(
        [helper.make_node("RNN", ["x", "w", "r"], ["y", "yh"], hidden_size=2)],
        "rnn_infinite_r",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 1, 2]),
         helper.make_tensor_value_info("w", TensorProto.FLOAT, [1, 2, 2])],
        [helper.make_tensor_value_info("yh", TensorProto.FLOAT, [1, 1, 2])], [r])
    return model(graph, opset=14)


def main():
    save(named_nodes(), "named_nodes.onnx")
    data = named_nodes().SerializeToString()
    truncated = data[:len(data) // 2]
    try:
        onnx.ModelProto().ParseFromString(truncated)
        raise SystemExit("truncated model still parses; cut elsewhere")
    except Exception as e:  # google.protobuf.message.DecodeError
        if isinstance(e, SystemExit):
            raise
    with open(os.path.join(HERE, "truncated.onnx"), "wb") as f:
        f.write(truncated)
    save(initializer_types(), "initializer_types.onnx")
    save(external_data("external_data.bin"), "external_data.onnx")
    save(external_data("missing.bin", with_file=False),
         "external_data_missing.onnx")
    save(external_data("../outside.bin", with_file=False),
         "external_data_outside.onnx")
    save(float6_input(), "float6_input.onnx")
    save(untyped_attribute(), "untyped_attribute.onnx")
    save(sequence_input(), "sequence_input.onnx")
    save(named_error(), "named_error.onnx")
    save(rnn_infinite_r(), "rnn_infinite_r.onnx")


if __name__ == "__main__":
    main()
