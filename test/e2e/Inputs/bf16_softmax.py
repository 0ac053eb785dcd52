"""Writes the model bf16-library.test compiles: y = Cast<f32>(Softmax(Cast<bf16>(x)))
over the last axis of x [4, 16]. ONNX Runtime has no bf16 Softmax on the CPU,
so Inputs/bf16_library.c computes the expected values itself."""

import sys

import onnx
from onnx import TensorProto, helper

nodes = [
    helper.make_node("Cast", ["x"], ["xb"], to=TensorProto.BFLOAT16),
    helper.make_node("Softmax", ["xb"], ["sb"], axis=-1),
    helper.make_node("Cast", ["sb"], ["y"], to=TensorProto.FLOAT),
]
graph = helper.make_graph(
    nodes, "bf16_softmax",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 16])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 16])])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.checker.check_model(model, full_check=True)
onnx.save(model, sys.argv[1])
