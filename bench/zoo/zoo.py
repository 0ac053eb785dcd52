#!/usr/bin/env python3
"""Kiln's model zoo: real architectures as exporters write them.

  zoo.py list [--ci]                 model names (--ci: those check-kiln runs)
  zoo.py describe                    names, opsets, FLOPs and descriptions
  zoo.py make NAME... [--cache DIR]  generate into DIR/NAME/ (default build/zoo)

DIR/NAME/ receives model.onnx, input_<i>.npy (fixed test inputs),
expected_<i>.npy (ONNX Runtime's outputs, CPU provider, optimizations off)
and meta.json (opset, batch, FLOPs, output names). A model is regenerated
only when the generator's sources or the onnx/onnxruntime/numpy versions
change (meta.json records a stamp of them): big models take a while.
Generation is deterministic: weights and inputs come from generators seeded
with the model's name.
"""

import argparse
import hashlib
import json
import os
import shutil
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import numpy as np  # noqa: E402
import onnx  # noqa: E402

from calibrate import calibrate_batchnorms  # noqa: E402
from models import MODELS  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))
DEFAULT_CACHE = os.path.join(ROOT, "build", "zoo")
SOURCES = ["exporter.py", "models.py", "calibrate.py", "zoo.py"]

# Operators whose work is counted: 2 x multiply-accumulates. Elementwise
# ops, pooling and normalizations are not, so the figures are lower bounds.
COUNTED = ("Conv", "ConvTranspose", "MatMul", "Gemm", "LSTM", "GRU")


def stamp():
    import onnxruntime
    h = hashlib.sha256()
    for name in SOURCES:
        with open(os.path.join(HERE, name), "rb") as f:
            h.update(f.read())
    h.update(f"{onnx.__version__} {onnxruntime.__version__} {np.__version__}".encode())
    return h.hexdigest()[:16]


def count_flops(model, shapes):
    """2 x MACs of the counted operators; `shapes` maps tensor names to
    shapes (ONNX Runtime's, initializers included)."""
    total = 0
    for node in model.graph.node:
        op = node.op_type
        if op not in COUNTED:
            continue
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        ins = [shapes.get(n) for n in node.input]
        out = shapes.get(node.output[0])
        if op == "Conv":
            total += 2 * int(np.prod(out)) * int(np.prod(ins[1][1:]))
        elif op == "ConvTranspose":
            total += 2 * int(np.prod(ins[0])) * int(np.prod(ins[1][1:]))
        elif op == "MatMul":
            total += 2 * int(np.prod(out)) * ins[0][-1]
        elif op == "Gemm":
            k = ins[0][0] if attrs.get("transA", 0) else ins[0][1]
            total += 2 * int(np.prod(out)) * k
        else:  # LSTM, GRU: gates x (input + recurrent) per step
            steps, batch, features = ins[0]
            dirs, gates_h, hidden = ins[2]
            total += 2 * steps * batch * dirs * gates_h * (features + hidden)
    return total


def reference(model, feeds, extra_outputs=()):
    """ONNX Runtime's outputs (optimizations off: the plainest reference),
    and the values of `extra_outputs` (for their shapes)."""
    import onnxruntime as ort
    model = onnx.ModelProto.FromString(model.SerializeToString())
    outputs = [o.name for o in model.graph.output]
    for name in extra_outputs:
        if name not in outputs:
            model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.log_severity_level = 3
    session = ort.InferenceSession(model.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    names = [o.name for o in model.graph.output]
    values = dict(zip(names, session.run(names, feeds)))
    return [values[n] for n in outputs], values


def generate(name, directory):
    """Builds model NAME into DIRECTORY (replacing what is there)."""
    spec = MODELS[name]
    start = time.time()
    g = spec.build()
    if g.batchnorms:
        calibrate_batchnorms(g)
        if spec.fold_bn:
            g.fold_batchnorms()
    model = g.model()
    feeds = g.sample_inputs(zlib.crc32(name.encode()) + 1)
    counted = [n for node in model.graph.node if node.op_type in COUNTED
               for n in list(node.input) + [node.output[0]]
               if n and n not in g.initializers and n not in feeds]
    outputs, values = reference(model, feeds, counted)
    shapes = {n: list(v.shape) for n, v in values.items()}
    shapes.update({n: list(a.shape) for n, a in g.initializers.items()})
    shapes.update({n: list(a.shape) for n, a in feeds.items()})
    # Exporters declare the outputs' types and shapes.
    del model.graph.output[:]
    for out_name, value in zip(g.outputs, outputs):
        model.graph.output.append(onnx.helper.make_tensor_value_info(
            out_name, onnx.helper.np_dtype_to_tensor_dtype(value.dtype),
            list(value.shape)))
    onnx.checker.check_model(model)

    tmp = directory + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    onnx.save(model, os.path.join(tmp, "model.onnx"))
    for i, value in enumerate(feeds.values()):
        np.save(os.path.join(tmp, f"input_{i}.npy"), value)
    for i, value in enumerate(outputs):
        np.save(os.path.join(tmp, f"expected_{i}.npy"), value)
        if value.dtype.kind == "f":
            magnitude = float(np.abs(value).max())
            assert np.isfinite(magnitude) and 1e-3 < magnitude < 1e3, (
                f"{name}: output {i} has max |value| {magnitude}: not O(1)")
    meta = {
        "name": name,
        "description": spec.description,
        "opset": spec.opset,
        "batch": spec.batch,
        "ci": spec.ci,
        "flops": count_flops(model, shapes),
        "parameters": int(sum(a.size for a in g.initializers.values())),
        "nodes": len(model.graph.node),
        "ops": sorted(set(n.op_type for n in model.graph.node)),
        "inputs": list(feeds),
        "outputs": list(g.outputs),
        "stamp": stamp(),
        "generation_seconds": round(time.time() - start, 2),
    }
    with open(os.path.join(tmp, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    shutil.rmtree(directory, ignore_errors=True)
    os.rename(tmp, directory)
    return meta


def ensure(name, cache=DEFAULT_CACHE):
    """DIR/NAME with an up-to-date model (generated if needed); returns the
    directory and its meta.json."""
    directory = os.path.join(cache, name)
    meta_path = os.path.join(directory, "meta.json")
    if os.path.exists(meta_path):
        with open(meta_path) as f:
            meta = json.load(f)
        if meta.get("stamp") == stamp():
            return directory, meta
    os.makedirs(cache, exist_ok=True)
    return directory, generate(name, directory)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list")
    ls.add_argument("--ci", action="store_true")
    sub.add_parser("describe")
    mk = sub.add_parser("make")
    mk.add_argument("names", nargs="+")
    mk.add_argument("--cache", default=DEFAULT_CACHE)
    mk.add_argument("--force", action="store_true", help="regenerate even if up to date")
    args = p.parse_args(argv)
    if args.command == "list":
        print("\n".join(n for n, s in MODELS.items() if s.ci or not args.ci))
        return 0
    if args.command == "describe":
        for n, s in MODELS.items():
            print(f"{n:16} opset {s.opset:2} batch {s.batch} {'ci ' if s.ci else '   '}"
                  f"{s.description}")
        return 0
    for name in args.names:
        if name not in MODELS:
            print(f"zoo.py: unknown model '{name}' (zoo.py list names them)", file=sys.stderr)
            return 2
    for name in args.names:
        if args.force:
            shutil.rmtree(os.path.join(args.cache, name), ignore_errors=True)
        directory, meta = ensure(name, args.cache)
        print(f"{name}: {directory} ({meta['flops'] / 1e9:.3f} GFLOP, "
              f"{meta['parameters'] / 1e6:.2f} M parameters, "
              f"{meta['generation_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
