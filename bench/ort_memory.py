#!/usr/bin/env python3
"""Run-time memory: Kiln's static workspace against ONNX Runtime's peak.

  .venv/bin/python bench/ort_memory.py [--models A,B] [--kilnc PATH]

For each zoo model: Kiln's workspace is NAME_WORKSPACE_SIZE from the header
kilnc writes (every byte a run needs besides the caller's inputs and
outputs, the weights in the library and the up to 32 KiB of stack its tasks'
private tiles take per thread, which the header states; Kiln allocates nothing at run
time). ONNX Runtime's figure is the most heap memory it holds during runs
beyond what it held once the session was created (weights, prepacked
weights and the session itself): the activation buffers its memory planner
lays out, its kernels' scratch (im2col and packing buffers) and anything
it caches on first use. It is measured by preloading bench/peak/alloc_peak.c,
which counts the live bytes of every malloc, into a child process that
creates a session (CPU provider, ORT_ENABLE_ALL, one thread, its memory
arena off so each buffer is its own allocation, memory patterns on as by
default), binds the inputs and preallocated outputs (so neither is
counted), and runs the model three times. With the arena on, ONNX Runtime
would hold more: its arena grows in power-of-two steps.

bench/bench.py calls peak_bytes() for the zoo table's "ORT peak bytes".
"""

import argparse
import ctypes
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "zoo"))

import runner  # noqa: E402
import zoo  # noqa: E402
from models import MODELS  # noqa: E402

PRELOAD_SOURCE = os.path.join(HERE, "peak", "alloc_peak.c")


def build_preload(cc, work):
    """Compiles the allocation counter into WORK; returns its path."""
    os.makedirs(work, exist_ok=True)
    lib = os.path.join(work, "libkiln_alloc_peak.so")
    if (not os.path.exists(lib)
            or os.path.getmtime(lib) < os.path.getmtime(PRELOAD_SOURCE)):
        subprocess.run([cc, "-O2", "-shared", "-fPIC", PRELOAD_SOURCE, "-o", lib],
                       check=True)
    return lib


def peak_bytes(model_dir, cc="cc", work=os.path.join(ROOT, "build", "bench-work")):
    """ONNX Runtime's peak run-time bytes for the model in MODEL_DIR."""
    lib = build_preload(cc, work)
    env = dict(os.environ, LD_PRELOAD=lib)
    result = subprocess.run([sys.executable, os.path.abspath(__file__), "--measure",
                             model_dir, "--preload", lib],
                            env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"measuring {model_dir} failed: "
                           + (result.stderr.strip().splitlines() or ["?"])[-1])
    return json.loads(result.stdout.strip().splitlines()[-1])["peak_bytes"]


def measure(model_dir, preload):
    """Runs in the preloaded child: prints {"peak_bytes": N} as JSON."""
    import numpy as np

    counter = ctypes.CDLL(preload)
    counter.kiln_alloc_live.restype = ctypes.c_size_t
    counter.kiln_alloc_peak.restype = ctypes.c_size_t
    session = runner.ort_session(model_dir, threads=1, arena=False)
    binding = session.io_binding()
    inputs = [np.load(f) for f in runner.input_files(model_dir)]
    for info, value in zip(session.get_inputs(), inputs):
        binding.bind_cpu_input(info.name, value)
    outputs = []
    for info in session.get_outputs():
        if not all(isinstance(d, int) for d in info.shape):
            raise SystemExit(f"output '{info.name}' has a dynamic shape {info.shape}")
        dtype = {"tensor(float)": np.float32, "tensor(int64)": np.int64,
                 "tensor(int32)": np.int32}[info.type]
        value = np.empty(info.shape, dtype=dtype)
        outputs.append(value)
        binding.bind_output(info.name, "cpu", 0, dtype, list(value.shape),
                            value.ctypes.data)
    baseline = counter.kiln_alloc_live()
    counter.kiln_alloc_reset_peak()
    for _ in range(3):
        session.run_with_iobinding(binding)
    print(json.dumps({"peak_bytes": counter.kiln_alloc_peak() - baseline}))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", help="comma-separated zoo models (default: all)")
    p.add_argument("--kilnc", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    p.add_argument("--cc", default="cc")
    p.add_argument("--cache", default=zoo.DEFAULT_CACHE)
    p.add_argument("--work", default=os.path.join(ROOT, "build", "bench-work"))
    p.add_argument("--measure", help=argparse.SUPPRESS)
    p.add_argument("--preload", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.measure:
        measure(args.measure, args.preload)
        return 0
    names = args.models.split(",") if args.models else list(MODELS)
    print(f"{'model':<18}{'Kiln workspace':>16}{'ORT peak':>14}{'Kiln/ORT':>10}")
    for name in names:
        model_dir, _ = zoo.ensure(name, args.cache)
        lib, _ = runner.compile_model(args.kilnc, model_dir, os.path.join(args.work, name),
                                      name)
        kiln = runner.workspace_size(lib, name)
        ort_bytes = peak_bytes(model_dir, args.cc, args.work)
        print(f"{name:<18}{kiln:>16}{ort_bytes:>14}{kiln / max(ort_bytes, 1):>10.2f}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
