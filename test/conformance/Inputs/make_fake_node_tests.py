"""Writes a node-test data directory of tiny models for runner-selftest.test.

Each test's name tells fake_kiln_run.py how to behave, so that every way a
kiln-run invocation can end is exercised without a compiler.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1]
F = TensorProto.FLOAT


def tensor_vi(name):
    return helper.make_tensor_value_info(name, F, [2])


def write(name, outputs=("y",), output_vis=None, data_sets=1, model_bytes=None):
    d = os.path.join(out, name)
    os.makedirs(d, exist_ok=True)
    if model_bytes is None:
        nodes = [helper.make_node("Relu", ["x"], [o]) for o in outputs]
        graph = helper.make_graph(nodes, name, [tensor_vi("x")],
                                  output_vis or [tensor_vi(o) for o in outputs])
        model_bytes = helper.make_model(graph).SerializeToString()
    with open(os.path.join(d, "model.onnx"), "wb") as f:
        f.write(model_bytes)
    for i in range(data_sets):
        s = os.path.join(d, f"test_data_set_{i}")
        os.makedirs(s, exist_ok=True)
        x = np.array([1.0, -1.0], np.float32)
        with open(os.path.join(s, "input_0.pb"), "wb") as f:
            f.write(numpy_helper.from_array(x, "x").SerializeToString())
        for j, o in enumerate(outputs):
            with open(os.path.join(s, f"output_{j}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(np.maximum(x, 0), o).SerializeToString())


write("test_fake_pass")
write("test_fake_pass_two_outputs", outputs=("y", "z"))
write("test_fake_pass_two_data_sets", data_sets=2)
write("test_fake_second_data_set_mismatch", data_sets=2)
write("test_fake_silent_exit0")
write("test_fake_one_of_two_reported", outputs=("y", "z"))
write("test_fake_outputs_swapped", outputs=("y", "z"))
write("test_fake_mismatch")
write("test_fake_unsupported_op")
write("test_fake_element_type")
write("test_fake_internal_error")
write("test_fake_segv")
write("test_fake_abort")
write("test_fake_interface")
write("test_fake_bind", data_sets=2)
write("test_fake_bind_refused")
write("test_fake_exit3")
write("test_fake_hang")
write("test_fake_sequence_output", output_vis=[
    helper.make_tensor_sequence_value_info("y", F, [2])])
write("test_fake_no_data_set", data_sets=0)
write("test_fake_unreadable_model", model_bytes=b"\x08\x07garbage\xff\xff")
