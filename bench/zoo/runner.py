"""Compiles a zoo model the way users do and runs it.

kilnc writes libNAME.a and NAME.h; the generic C driver
test/e2e/harness/kiln_harness.c links against them with a C compiler
(optionally a cross compiler, the result run under qemu-user), reads the
inputs from .npy files and writes the outputs. check.py (numerics) and
bench/bench.py (timing) share these steps.
"""

import os
import re
import shlex
import subprocess
import sys
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HARNESS = os.path.join(ROOT, "test", "e2e", "harness", "kiln_harness.c")
# kiln_harness's output file names are defined once, beside the harness's
# end-to-end comparison.
sys.path.insert(0, os.path.join(ROOT, "test", "e2e", "Inputs"))
from compare import harness_file_names  # noqa: E402


class Failure(Exception):
    """A step that did not work: `status` is one of compile-error (Kiln's
    one-line diagnostic in `reason`), crash, timeout, link-error,
    run-error."""

    def __init__(self, status, reason):
        super().__init__(f"{status}: {reason}")
        self.status = status
        self.reason = reason


def c_name(name):
    return re.sub(r"\W", "_", name)


def _kilnc_reason(stderr, model_path):
    """Kiln's diagnostic without the 'kilnc: error: <path>: ' prefix."""
    lines = [l for l in stderr.strip().splitlines() if l.strip()]
    if not lines:
        return "no diagnostic"
    errors = [l for l in lines if "error:" in l] or lines
    line = errors[0]
    for prefix in ("kilnc: error: ", model_path + ": "):
        if line.startswith(prefix):
            line = line[len(prefix):]
    return line


def supported_ops(kilnc):
    """{op: (first, last) opset} from `kilnc --list-ops`."""
    result = subprocess.run([kilnc, "--list-ops"], capture_output=True, text=True)
    ops = {}
    for op, first, last in re.findall(r"^(\w+) (\d+)-(\d+)$", result.stdout, re.M):
        ops[op] = (int(first), int(last))
    return ops


def missing_ops(supported, meta):
    """The model's operators that `kilnc --list-ops` does not list at the
    model's opset."""
    opset = meta["opset"]
    return [op for op in meta.get("ops", [])
            if not (op in supported and supported[op][0] <= opset <= supported[op][1])]


def compile_model(kilnc, model_dir, work_dir, name, extra_args=(), timeout=3600):
    """kilnc MODEL -o WORK/libNAME.a; returns (library path, seconds)."""
    os.makedirs(work_dir, exist_ok=True)
    model = os.path.join(model_dir, "model.onnx")
    lib = os.path.join(work_dir, f"lib{c_name(name)}.a")
    command = [kilnc, model, "--name", c_name(name), "-o", lib] + list(extra_args)
    start = time.time()
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("timeout", f"kilnc took more than {timeout} s")
    seconds = time.time() - start
    if result.returncode < 0 or result.returncode > 1:
        raise Failure("crash", f"kilnc exited with {result.returncode}: "
                      + _kilnc_reason(result.stderr, model))
    if result.returncode != 0:
        raise Failure("compile-error", _kilnc_reason(result.stderr, model))
    return lib, seconds


def link_harness(cc, lib, name, cflags=("-O2",)):
    """The generic driver linked against libNAME.a."""
    directory = os.path.dirname(lib)
    exe = os.path.join(directory, "harness")
    header = os.path.join(directory, f"{c_name(name)}.h")
    command = (shlex.split(cc) + ["-std=c11"] + list(cflags)
               + [f"-DKILN_MODEL={c_name(name)}", "-include", header, HARNESS, lib,
                  "-lm", "-lpthread", "-o", exe])
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise Failure("link-error", (result.stderr.strip().splitlines() or ["?"])[-1])
    return exe


def workspace_size(lib, name):
    """NAME_WORKSPACE_SIZE from the generated header."""
    header = os.path.join(os.path.dirname(lib), f"{c_name(name)}.h")
    with open(header) as f:
        m = re.search(rf"#define {re.escape(c_name(name))}_WORKSPACE_SIZE (\d+)", f.read())
    return int(m.group(1)) if m else None


def ort_session(model_dir, threads, arena=True, profile_prefix=None):
    """ONNX Runtime as the benchmarks measure it: CPU provider, ORT_ENABLE_ALL,
    `threads` intra-op threads, one inter-op thread, sequential execution;
    with `profile_prefix`, its profiler on, writing there."""
    import onnxruntime as ort
    options = ort.SessionOptions()
    if profile_prefix:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.enable_cpu_mem_arena = arena
    options.log_severity_level = 3
    return ort.InferenceSession(os.path.join(model_dir, "model.onnx"), options,
                                providers=["CPUExecutionProvider"])


def input_files(model_dir):
    files = []
    while os.path.exists(os.path.join(model_dir, f"input_{len(files)}.npy")):
        files.append(os.path.join(model_dir, f"input_{len(files)}.npy"))
    return files


def run_harness(exe, model_dir, out_dir, run_prefix="", threads=None, benchmark=None,
                timeout=3600):
    """Runs the harness on the model's inputs; returns its stdout."""
    os.makedirs(out_dir, exist_ok=True)
    command = shlex.split(run_prefix) + [exe]
    if threads:
        command += ["--threads", str(threads)]
    if benchmark:
        command += ["--benchmark", str(benchmark)]
    command += [out_dir] + input_files(model_dir)
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise Failure("timeout", f"the harness took more than {timeout} s")
    if result.returncode != 0:
        why = (result.stderr.strip().splitlines() or [f"exit status {result.returncode}"])[-1]
        raise Failure("run-error", why)
    return result.stdout


def compare(model_dir, out_dir, output_names, rel_tol=1e-4):
    """The zoo's criterion, per output: max|diff| <= rel_tol * max(1,
    max|ref|) for floats, exact for integers. Returns (ok, worst ratio of
    max|diff| to the allowed bound, one summary per output)."""
    ok = True
    worst = 0.0
    summaries = []
    for i, file_name in enumerate(harness_file_names(output_names)):
        expected = np.load(os.path.join(model_dir, f"expected_{i}.npy"))
        path = os.path.join(out_dir, file_name)
        if not os.path.exists(path):
            return False, float("inf"), [f"{output_names[i]}: no output file"]
        actual = np.load(path)
        if actual.shape != expected.shape or actual.dtype != expected.dtype:
            ok = False
            summaries.append(f"{output_names[i]}: {actual.dtype}{list(actual.shape)}, "
                             f"expected {expected.dtype}{list(expected.shape)}")
            worst = float("inf")
            continue
        if expected.dtype.kind == "f":
            a = actual.astype(np.float64)
            e = expected.astype(np.float64)
            diff = float(np.abs(a - e).max()) if e.size else 0.0
            if np.isnan(a).any():
                diff = float("inf")
            bound = rel_tol * max(1.0, float(np.abs(e).max()) if e.size else 0.0)
        else:
            diff = float(np.abs(actual.astype(np.float64) - expected).max())
            bound = 0.0
        ratio = diff / bound if bound else (0.0 if diff == 0 else float("inf"))
        worst = max(worst, ratio)
        good = diff <= bound
        ok &= good
        summaries.append(f"{output_names[i]}: max|diff| {diff:.3g} "
                         f"{'<=' if good else '>'} {bound:.3g}")
    return ok, worst, summaries
