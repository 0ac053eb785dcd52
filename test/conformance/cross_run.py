#!/usr/bin/env python3
"""kiln-run for another target: compile with kilnc, link, run under an emulator.

  cross_run.py --kilnc PATH --target TRIPLE --cc CC [--run-prefix CMD]
               [--work DIR] MODEL --inputs F... --expected F...
               [--rtol R] [--atol A] [--threads N] [--bind NAME=FILE]...

The conformance runner (run_node_tests.py --target) calls this in place of
kiln-run, so a node test on AArch64 goes the way a user's program does:

  1. `kilnc MODEL --target TRIPLE` writes libm.a and m.h (with the --bind
     values fixed at compile time, as kiln-run would);
  2. test/e2e/harness/kiln_harness.c is linked against it with CC;
  3. the inputs (ONNX TensorProto .pb or .npy) become .npy files and the
     harness runs under --run-prefix (e.g. qemu-aarch64 -L SYSROOT);
  4. each output is compared with ONNX's rules by test/e2e/Inputs/compare.py.

It speaks kiln-run's protocol, so run_node_tests.py classifies the result
unchanged: one "output 'NAME': match (...)" or "... MISMATCH (...)" line per
output on stdout; exit 0 when all match, 1 on a mismatch, 2 when the model
could not be compiled or run, with a one-line reason on stderr (kilnc's own
diagnostic when it refused the model; "internal error: ..." when linking or
the run failed after kilnc accepted it, which the runner counts as a crash).
"""

import argparse
import os
import shlex
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS = os.path.join(ROOT, "test", "e2e", "harness", "kiln_harness.c")
sys.path.insert(0, os.path.join(ROOT, "test", "e2e", "Inputs"))
import compare  # noqa: E402

# Element types kiln_harness reads and writes as .npy (numpy's own dtypes);
# the others (bfloat16, float8, 4-bit and 2-bit types) have no standard .npy
# form, so tests that use them are run on the host only.
NPY_TYPES = {
    onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16,
    onnx.TensorProto.INT8, onnx.TensorProto.INT16, onnx.TensorProto.INT32,
    onnx.TensorProto.INT64, onnx.TensorProto.UINT8, onnx.TensorProto.UINT16,
    onnx.TensorProto.UINT32, onnx.TensorProto.UINT64, onnx.TensorProto.BOOL,
}


def fail(message, code=2):
    print(f"kiln-run: error: {message}", file=sys.stderr)
    sys.exit(code)


def read_tensor(path):
    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False)
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    if tensor.data_type not in NPY_TYPES:
        fail(f"{os.path.basename(path)}: element type "
             f"{onnx.TensorProto.DataType.Name(tensor.data_type)} has no .npy form "
             f"for the cross-target harness")
    return numpy_helper.to_array(tensor)


def run(cmd, what, timeout=None):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        fail(f"internal error: {what} failed (exit {proc.returncode}): "
             f"{lines[0] if lines else 'no message'}")
    return proc


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kilnc", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--cc", required=True)
    p.add_argument("--run-prefix", default="")
    p.add_argument("--work", help="directory for the build (default: a temporary one)")
    p.add_argument("model")
    p.add_argument("--inputs", nargs="*", default=[])
    p.add_argument("--expected", nargs="*", default=[])
    p.add_argument("--rtol", type=float, default=1e-3)
    p.add_argument("--atol", type=float, default=1e-7)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--bind", action="append", default=[])
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=args.work) as work:
        lib = os.path.join(work, "libm.a")
        cmd = [args.kilnc, args.model, "--target", args.target, "--name", "m", "-o", lib]
        cmd += [f"--bind={b}" for b in args.bind]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            # kilnc's diagnostic is the reason, as kiln-run would print it.
            lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
            line = lines[0] if lines else f"kilnc exited with {proc.returncode}"
            print(line.replace("kilnc: ", "kiln-run: ", 1), file=sys.stderr)
            return 2

        exe = os.path.join(work, "harness")
        run([*shlex.split(args.cc), "-std=c11", "-O2", "-DKILN_MODEL=m", "-include",
             os.path.join(work, "m.h"), HARNESS, lib, "-lm", "-lpthread", "-o", exe],
            "linking the harness")

        inputs = []
        for i, path in enumerate(args.inputs):
            npy = os.path.join(work, f"input_{i}.npy")
            np.save(npy, read_tensor(path), allow_pickle=False)
            inputs.append(npy)
        expected = [read_tensor(path) for path in args.expected]

        out = os.path.join(work, "out")
        os.makedirs(out)
        run([*shlex.split(args.run_prefix), exe, "--threads", str(args.threads), out, *inputs],
            "running the compiled model")

        names = [o.name for o in onnx.load(args.model, load_external_data=False).graph.output]
        if expected and len(expected) != len(names):
            fail(f"expected files given but the model has {len(names)} outputs")
        try:
            return 0 if compare.report(names, out, expected, args.rtol, args.atol) else 1
        except (OSError, ValueError) as error:
            fail(f"internal error: the harness's outputs: {error}")


if __name__ == "__main__":
    sys.exit(main())
