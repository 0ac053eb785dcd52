"""Models for kilnc's error tests.

  models.py DIR    writes into DIR:
    good.onnx          Relu on x: float32[3, 7, 13] (compiles)
    depthwise_silu.onnx  a 3x3 depthwise Conv of x: float32[1, 8, 12, 12],
                       then x * Sigmoid(x) (compiles)
    dynamic.onnx       Relu on x: float32[batch, 7] (needs --input-shape)
    unsupported.onnx   a MaxRoiPool node (an operator Kiln does not support)
    unique.onnx        a Unique node on a graph input (its result shape
                       depends on the data, needed at compile time)
    string_input.onnx  Identity on a string input (an unsupported type)
    custom_domain.onnx a node of domain com.example
    bad_attribute.onnx Conv with auto_pad "SIDEWAYS"
    empty.onnx         zero bytes
    truncated.onnx     the first 40 bytes of a Conv model with a weight
    text.onnx          a text file
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs,
                              initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                             ir_version=8)


def main(directory):
    os.makedirs(directory, exist_ok=True)

    def save(name, proto):
        onnx.save(proto, os.path.join(directory, name))

    def write(name, data):
        with open(os.path.join(directory, name), "wb") as f:
            f.write(data)

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [3, 7, 13])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [3, 7, 13])
    save("good.onnx", model([helper.make_node("Relu", ["x"], ["y"],
                                              name="relu")], [x], [y]))
    dw_weights = numpy_helper.from_array(
        np.linspace(-1, 1, 8 * 9, dtype=np.float32).reshape(8, 1, 3, 3), "w")
    save("depthwise_silu.onnx", model(
        [helper.make_node("Conv", ["x", "w"], ["c"], name="depthwise", group=8,
                          kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
         helper.make_node("Sigmoid", ["c"], ["s"], name="sigmoid"),
         helper.make_node("Mul", ["c", "s"], ["y"], name="silu")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8, 12, 12])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 12, 12])],
        [dw_weights]))
    save("dynamic.onnx", model(
        [helper.make_node("Relu", ["x"], ["y"], name="relu")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 7])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 7])]))

    image = helper.make_tensor_value_info("image", TensorProto.FLOAT,
                                          [1, 4, 5, 5])
    out = helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 4, 5, 5])
    rois = helper.make_tensor_value_info("rois", TensorProto.FLOAT, [2, 5])
    pooled = helper.make_tensor_value_info("pooled", TensorProto.FLOAT, [2, 4, 1, 1])
    save("unsupported.onnx", model(
        [helper.make_node("MaxRoiPool", ["image", "rois"], ["pooled"], name="roipool1",
                          pooled_shape=[1, 1])],
        [image, rois], [pooled]))
    save("unique.onnx", model(
        [helper.make_node("Relu", ["image"], ["r"], name="relu"),
         helper.make_node("Unique", ["r"], ["out"], name="unique1")],
        [image], [out]))

    text = helper.make_tensor_value_info("text", TensorProto.STRING, [2])
    copy = helper.make_tensor_value_info("copy", TensorProto.STRING, [2])
    save("string_input.onnx", model(
        [helper.make_node("Identity", ["text"], ["copy"], name="copy")],
        [text], [copy]))

    save("custom_domain.onnx", model(
        [helper.make_node("FancyRelu", ["x"], ["y"], name="fancy",
                          domain="com.example")], [x], [y]))

    w = numpy_helper.from_array(np.ones((2, 4, 3, 3), np.float32), "w")
    save("bad_attribute.onnx", model(
        [helper.make_node("Conv", ["image", "w"], ["c"], name="conv1",
                          auto_pad="SIDEWAYS")],
        [image], [helper.make_tensor_value_info("c", TensorProto.FLOAT, None)],
        [w]))

    write("empty.onnx", b"")
    whole = model([helper.make_node("Conv", ["image", "w"], ["c"],
                                    name="conv1")],
                  [image], [helper.make_tensor_value_info(
                      "c", TensorProto.FLOAT, [1, 2, 3, 3])], [w])
    write("truncated.onnx", whole.SerializeToString()[:40])
    write("text.onnx", b"this is not a model\n")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1])
