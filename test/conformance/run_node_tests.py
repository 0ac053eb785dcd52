#!/usr/bin/env python3
"""Runs ONNX's backend node tests through kiln-run and classifies each one.

Every node test the installed `onnx` package defines is counted, including the
ones whose inputs or outputs are sequences, optionals or maps: those can never
pass through kiln-run (it reads and compares tensors only), so they are
reported as unsupported with that reason, never skipped.

Each test data set runs as

    kiln-run model.onnx --inputs input_*.pb --expected output_*.pb
             --rtol 1e-3 --atol 1e-7 --threads 1

(ONNX's own tolerances; kiln-run matches NaN with NaN and integers exactly).
When Kiln needs a graph input's value at compile time (it determines a
shape: Reshape's shape, Slice's starts, a reduction's axes ...), its error
says `--bind NAME=FILE`; the runner then binds that input to the data set's
value and runs again (the compiled code checks at run time that the input
has that value). Such tests record `bound_inputs`; --no-bind turns this off.
A test passes only if every data set exits 0 *and* kiln-run reports a match
for every output; each test ends up with exactly one status:

  pass         every output of every data set matched
  mismatch     kiln-run ran the model but an output differs (exit 1)
  unsupported  kiln-run could not compile or run it (exit 2 with a one-line
               diagnostic), or the test needs non-tensor inputs/outputs
  crash        a signal, an internal error, an unexpected exit status,
               output that contradicts the exit status, or a failure after
               Kiln accepted the model (its compiled interface differs from
               the model's, the object does not load, the run returns an
               error): compiler bugs
  timeout      ran past --timeout (the process group is killed)
  error        the runner itself could not prepare the test (unreadable
               test data); never expected, always reported

onnx >= 1.19 wheels no longer ship the node tests' data files, only the Python
that defines them; the runner then writes them once (as `python -m
onnx.backend.test.cmd_tools generate-data` would, seeded identically) into a
cache directory keyed by the onnx and numpy versions.

Usage:
  run_node_tests.py [--filter REGEX] [--tests-from FILE] [--jobs N]
                    [--kiln-run PATH] [--timeout S] [--output results.json]
"""

import argparse
import concurrent.futures
import contextlib
import datetime
import hashlib
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import onnx
from onnx import numpy_helper

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STATUSES = ("pass", "mismatch", "unsupported", "crash", "timeout", "error")
DEFAULT_RTOL = 1e-3
DEFAULT_ATOL = 1e-7
# Bumped whenever the layout of generated test data changes.
DATA_FORMAT = 1


# ----------------------------------------------------------------------------
# Test data
# ----------------------------------------------------------------------------

def shipped_node_data_dir():
    """The node tests' data directory inside the onnx package, if it has one."""
    path = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "node")
    return path if os.path.isdir(path) and os.listdir(path) else None


def _data_stamp():
    """What generated test data depends on: a cache with another stamp is stale."""
    import numpy  # noqa: PLC0415 (only needed to key the cache)
    return f"onnx {onnx.__version__} numpy {numpy.__version__} format {DATA_FORMAT}"


def default_cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "kiln", "onnx-node-tests")


def _serialize_value(value, value_info):
    """A test input/output as the .pb file ONNX's generate-data writes."""
    kind = value_info.type.WhichOneof("value")
    if kind == "map_type":
        return numpy_helper.from_dict(value, value_info.name).SerializeToString()
    if kind == "sequence_type":
        return numpy_helper.from_list(value, value_info.name).SerializeToString()
    if kind == "optional_type":
        return numpy_helper.from_optional(value, value_info.name).SerializeToString()
    if isinstance(value, onnx.TensorProto):
        return value.SerializeToString()
    return numpy_helper.from_array(value, value_info.name).SerializeToString()


_SUBBYTE_CAST = re.compile(
    r"test_cast(like)?_(FLOAT16|FLOAT|BFLOAT16|DOUBLE)_to_(U?INT[24])(_expanded)?$")


def _defined_casts_only(name, inputs, outputs):
    """Casts from floats to 4- and 2-bit integers, with the inputs clamped to
    the target's range and the outputs recomputed from them. ONNX's Cast
    leaves out-of-range float-to-integer conversion undefined ("fixed point:
    undefined if OOR"), and onnx's generator computes those elements with a
    conversion whose result changes between runs on one host (-9 to INT4 gave
    7 in one generation and 0 in another), so only the defined elements are
    checked."""
    match = _SUBBYTE_CAST.match(name)
    if not match:
        return inputs, outputs
    import ml_dtypes  # noqa: PLC0415
    import numpy as np  # noqa: PLC0415
    target = getattr(ml_dtypes, match.group(3).lower())
    info = ml_dtypes.iinfo(target)
    source = inputs[0]
    if isinstance(source, onnx.TensorProto):
        source = numpy_helper.to_array(source)
    value = np.clip(source.astype(np.float32), info.min, info.max)
    return ([value.astype(source.dtype)] + list(inputs[1:]),
            [value.astype(target)])


def generate_node_data(data_dir, log):
    """Writes every node test of the onnx package under data_dir.

    Written into a sibling temporary directory and renamed into place, so an
    interrupted or concurrent generation never leaves a half-written cache.
    """
    import warnings  # noqa: PLC0415
    from onnx.backend.test.case import node as node_cases  # noqa: PLC0415

    parent = os.path.dirname(os.path.abspath(data_dir))
    os.makedirs(parent, exist_ok=True)
    log(f"generating the onnx {onnx.__version__} node test data into {data_dir} "
        "(once; about 20 s)")
    start = time.monotonic()
    with warnings.catch_warnings(), open(os.devnull, "w") as devnull, \
            contextlib.redirect_stdout(devnull):
        # The reference computations warn about divisions by zero and the like.
        warnings.simplefilter("ignore")
        cases = node_cases.collect_testcases()
    staging = tempfile.mkdtemp(prefix=".node-", dir=parent)
    stale = None  # set before anything can fail: the cleanup below reads it
    try:
        for case in cases:
            case_dir = os.path.join(staging, case.name)
            os.makedirs(case_dir)
            with open(os.path.join(case_dir, "model.onnx"), "wb") as f:
                f.write(case.model.SerializeToString())
            if (case.rtol, case.atol) != (DEFAULT_RTOL, DEFAULT_ATOL):
                with open(os.path.join(case_dir, "data.json"), "w") as f:
                    json.dump({"rtol": case.rtol, "atol": case.atol}, f)
            for i, (inputs, outputs) in enumerate(case.data_sets):
                inputs, outputs = _defined_casts_only(case.name, inputs, outputs)
                set_dir = os.path.join(case_dir, f"test_data_set_{i}")
                os.makedirs(set_dir)
                for prefix, values, infos in (("input", inputs, case.model.graph.input),
                                              ("output", outputs, case.model.graph.output)):
                    for j, value in enumerate(values):
                        with open(os.path.join(set_dir, f"{prefix}_{j}.pb"), "wb") as f:
                            f.write(_serialize_value(value, infos[j]))
        with open(os.path.join(staging, "STAMP"), "w") as f:
            f.write(_data_stamp() + "\n")
        if os.path.exists(data_dir):
            stale = tempfile.mkdtemp(prefix=".stale-", dir=parent)
            os.rename(data_dir, os.path.join(stale, "node"))
        try:
            os.rename(staging, data_dir)
        except OSError:
            if _read_stamp(data_dir) != _data_stamp():
                raise
            # A concurrent run finished first: its data is identical.
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if stale:
            shutil.rmtree(stale, ignore_errors=True)
    log(f"generated {len(cases)} node tests in {time.monotonic() - start:.0f} s")


def _read_stamp(data_dir):
    try:
        with open(os.path.join(data_dir, "STAMP")) as f:
            return f.read().strip()
    except OSError:
        return None


def find_node_data(requested, log):
    """The directory holding one folder per node test.

    --data-dir DIR: a directory without a STAMP is used as it is (e.g. a
    checkout's onnx/backend/test/data/node); one this runner generated is
    regenerated when onnx or numpy changed; a missing one is generated.
    Without --data-dir: the onnx package's own data, else the user cache.
    """
    if not requested:
        shipped = shipped_node_data_dir()
        if shipped:
            return shipped
        requested = default_cache_dir()
    stamp = _read_stamp(requested)
    if not os.path.isdir(requested) or (stamp is not None and stamp != _data_stamp()):
        generate_node_data(requested, log)
    return requested


def list_tests(data_dir):
    return sorted(name for name in os.listdir(data_dir)
                  if name.startswith("test_") and
                  os.path.isfile(os.path.join(data_dir, name, "model.onnx")))


# ----------------------------------------------------------------------------
# Which operator a test is about
# ----------------------------------------------------------------------------

def _op_name_keys():
    """Normalized spellings of every ONNX operator name -> the name.

    Test names spell operators in snake_case (reduce_sum, layer_normalization)
    or as one lower-case word (matmulinteger, globalaveragepool).
    """
    keys = {}
    for schema in onnx.defs.get_all_schemas_with_history():
        name = schema.name
        snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()
        for key in (snake, name.lower()):
            keys.setdefault(key, name)
    # Test-name abbreviations that match no spelling of the operator's name.
    keys.update({"batchnorm": "BatchNormalization", "instancenorm": "InstanceNormalization",
                 "basic_conv": "Conv", "conv_with": "Conv", "convtranspose": "ConvTranspose",
                 "basic_deform_conv": "DeformConv", "deform_conv": "DeformConv",
                 "logsoftmax": "LogSoftmax", "dft": "DFT", "stft": "STFT",
                 "mvn": "MeanVarianceNormalization", "nllloss": "NegativeLogLikelihoodLoss",
                 "sce": "SoftmaxCrossEntropyLoss", "greater_equal": "GreaterOrEqual",
                 "less_equal": "LessOrEqual"})
    return keys


_OP_KEYS = None


def op_from_test_name(name):
    """The operator a test is named after: the longest operator spelling that
    is a prefix of the name (at a word boundary)."""
    global _OP_KEYS  # noqa: PLW0603
    if _OP_KEYS is None:
        _OP_KEYS = _op_name_keys()
    stem = name[len("test_"):] if name.startswith("test_") else name
    best = None
    for key, op in _OP_KEYS.items():
        if (stem == key or stem.startswith(key + "_")) and (best is None or len(key) > len(best[0])):
            best = (key, op)
    return best[1] if best else stem.split("_")[0]


def _qualified_op(node):
    return (node.domain + "." if node.domain not in ("", "ai.onnx") else "") + node.op_type


def describe_model(model, name, data_dir):
    """(op the test is named after, sorted op types of the graph).

    A one-node test is about that node's operator. The multi-node tests are
    function expansions (test_X_expanded[_verN]) of a one-node test X: they
    are about X's operator, whatever operators the expansion uses.
    """
    ops = sorted({_qualified_op(n) for n in model.graph.node})
    if len(model.graph.node) == 1:
        return _qualified_op(model.graph.node[0]), ops
    base = re.sub(r"_expanded(_ver\d+)?$", "", name)
    base_model = os.path.join(data_dir, base, "model.onnx")
    if base != name and os.path.isfile(base_model):
        base_graph = onnx.load(base_model, load_external_data=False).graph
        if len(base_graph.node) == 1:
            return _qualified_op(base_graph.node[0]), ops
    return op_from_test_name(name), ops


def non_tensor_values(model):
    """'sequence output y', ... for every graph input/output kiln-run cannot take."""
    found = []
    for role, values in (("input", model.graph.input), ("output", model.graph.output)):
        for v in values:
            kind = v.type.WhichOneof("value")
            if kind != "tensor_type":
                found.append(f"{(kind or 'untyped').replace('_type', '')} {role} '{v.name}'")
    return found


# ----------------------------------------------------------------------------
# Running kiln-run and reading its verdict
# ----------------------------------------------------------------------------

_MATCH_LINE = re.compile(r"^output '(.*)': (match|MISMATCH) \((.*)\)$")
# kiln-run's errors after a successful compile (tools/kiln-run/kiln-run.cpp).
_AFTER_COMPILE = re.compile(r"input files given but the model has|expected files given but the "
                            r"model has|: input '.*' must be |cannot load the compiled model|"
                            r"the model returned ")


def failure_class(status, reason, ops=()):
    """A short, stable class for a failure reason, for counting.

    Names, numbers and shapes are dropped so that tests failing for the same
    reason share a class; unsupported operators keep the operator's name.
    """
    if status == "pass":
        return ""
    if status == "timeout":
        return "timeout"
    if status == "error":
        return "runner error"
    r = reason
    if status == "mismatch":
        if "shape mismatch" in r:
            return "wrong output shape"
        if "element type mismatch" in r:
            return "wrong output element type"
        return "wrong values"
    if status == "crash":
        m = re.match(r"signal (\w+)", r)
        if m:
            return f"crash: {m.group(1)}"
        if "internal error" in r or "LLVM ERROR" in r or "Assertion" in r:
            return "crash: internal error"
        if r.startswith("exit status 0 but"):
            return "crash: exit status 0 without a match for every output"
        if re.search(r"files given but the model has|: input '.*' must be ", r):
            return "crash: compiled interface differs from the model's"
        if "cannot load the compiled model" in r:
            return "crash: compiled object does not load"
        if "the model returned " in r:
            return "crash: compiled model returned an error"
        if r.startswith("exit status"):
            return "crash: unexpected exit status"
        return "crash: " + _generic(r)
    # unsupported
    m = re.search(r"unsupported operator '([^']+)'", r)
    if m:
        return f"unsupported operator '{m.group(1)}'"
    m = re.search(r"operator '([^']+)' of domain '([^']+)' is not supported", r)
    if m:
        return f"unsupported domain '{m.group(2)}'"
    if "imports no opset of the default ONNX domain" in r:
        domains = sorted({op.rsplit(".", 1)[0] for op in ops if "." in op})
        return (f"unsupported domain '{domains[0]}'" if len(domains) == 1
                else "no opset of the default ONNX domain")
    if re.search(r"'[\w.]+' op .*(must|expects|requires|failed to verify)", r):
        # An op verifier rejected what the importer built: the importer should
        # have refused (or handled) the case with a proper diagnostic.
        return "IR verifier error (importer accepted an unsupported case)"
    if re.search(r"operator '[^']+' at opset \d+ is not supported", r):
        return "unsupported opset version"
    if r.startswith(("sequence ", "optional ", "map ", "sparse_tensor ", "untyped ")) or \
            "kiln-run compares tensors only" in r or "is not a tensor" in r:
        return "non-tensor input/output (sequence, optional, map)"
    if re.search(r"element type|dtype|data type|data_type", r, re.I):
        return "unsupported element type"
    if re.search(r"attribute", r):
        return "unsupported attribute"
    if "must be known at compile time" in r:
        return "input needed at compile time"
    if re.search(r"dynamic|symbolic|has no shape|unknown (dimension|shape|rank)|--input-shape|"
                 r"is not static|known at run time", r, re.I):
        return "dynamic shape"
    return _generic(r)


def _generic(message):
    """A message with its specifics (names, numbers) replaced."""
    m = re.sub(r"^.*?\.onnx(:\d+:\d+)?: ", "", message)  # file location
    m = re.sub(r"^(node '[^']*' \([^)]*\)|tensor '[^']*'): ", "", m)  # node/tensor location
    m = re.sub(r"'[^']*'", "'…'", m)
    m = re.sub(r"\[[-\d, x?]*\]", "[…]", m)
    m = re.sub(r"\b\d+(\.\d+)?(e[-+]?\d+)?\b", "N", m)
    return m[:100]


def _first_error_line(stderr):
    """The line of kiln-run's stderr that says what went wrong."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in lines:
        if "error:" in ln or "Assertion" in ln or "LLVM ERROR" in ln:
            return ln
    # A crash without a message: LLVM's stack dump names the pass that ran.
    for ln in lines:
        if re.match(r"\d+\.\s", ln) and "Program arguments" not in ln:
            return ln
    noise = ("PLEASE submit", "Stack dump", "#")
    rest = [ln for ln in lines if not ln.startswith(noise) and not re.match(r"\d+\.\s", ln)]
    return rest[0] if rest else ""


def _shorten(line, model_path):
    """kiln-run's diagnostic without the tool prefix and the model's path."""
    line = line.replace(model_path + ": ", "").replace(model_path, "model.onnx")
    line = re.sub(r"^kiln-run: (error|internal error): ", lambda m: "" if m.group(1) == "error"
                  else "internal error: ", line)
    return line[:400]


def run_kiln(kiln_run, model_path, inputs, expected, args, output_names=None, extra=()):
    """Runs kiln-run once (`kiln_run` is its command: kiln-run itself, or
    cross_run.py's for another target). Returns (status, reason, stderr tail
    for a crash).

    A pass needs exit status 0 *and* one "match" line per expected file, for
    the model's outputs in order: kiln-run also exits 0 when it compared
    nothing.
    """
    cmd = [*kiln_run, model_path]
    if inputs:
        cmd += ["--inputs", *inputs]
    if expected:
        cmd += ["--expected", *expected]
    cmd += [f"--rtol={args.rtol}", f"--atol={args.atol}", f"--threads={args.kiln_threads}",
            *args.kiln_arg, *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=args.timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        return ("timeout", f"no result after {args.timeout:g} s",
                err.decode("utf-8", "replace")[-2000:])
    out = out.decode("utf-8", "replace")
    err = err.decode("utf-8", "replace")
    status, reason = _verdict(proc.returncode, out, err, model_path, expected, output_names)
    # Enough of stderr to start debugging a crash without rerunning it.
    return status, reason, err[-2000:] if status in ("crash", "timeout") else ""


def _verdict(rc, out, err, model_path, expected, output_names):
    """(status, reason) from kiln-run's exit status and output."""
    first = _shorten(_first_error_line(err), model_path)

    if rc < 0:
        try:
            sig = signal.Signals(-rc).name
        except ValueError:
            sig = str(-rc)
        return "crash", f"signal {sig}" + (f": {first}" if first else "")
    if rc == 2:
        if "internal error" in err or "LLVM ERROR" in err or "Assertion" in err:
            return "crash", first or "internal error"
        if not first:
            return "crash", "exit status 2 without a diagnostic"
        if _AFTER_COMPILE.search(first):
            # Kiln accepted the model, then the compiled code's interface
            # or its run failed: a compiler bug, not a missing feature.
            return "crash", first
        return "unsupported", first
    # (verdict, output name) per output line kiln-run printed.
    verdicts = [(m.group(2), m.group(1)) for m in map(_MATCH_LINE.match, out.splitlines()) if m]
    if rc == 1:
        bad = [v for v in verdicts if v[0] == "MISMATCH"]
        if not bad:
            return "crash", "exit status 1 without a MISMATCH line" + (f": {first}" if first else "")
        lines = [ln for ln in out.splitlines() if "MISMATCH" in ln]
        return "mismatch", lines[0][:400] + (f" (+{len(lines) - 1} more)" if len(lines) > 1 else "")
    if rc == 0:
        if len(verdicts) != len(expected) or any(v[0] != "match" for v in verdicts):
            return "crash", (f"exit status 0 but {sum(v[0] == 'match' for v in verdicts)} of "
                             f"{len(expected)} outputs reported as matching")
        names = [v[1] for v in verdicts]
        if output_names is not None and names != list(output_names):
            return "crash", (f"exit status 0 but the outputs compared were {names}, "
                             f"the model's are {list(output_names)}")
        return "pass", ""
    return "crash", f"exit status {rc}" + (f": {first}" if first else "")


def data_sets(test_dir):
    sets = sorted((d for d in os.listdir(test_dir) if d.startswith("test_data_set_")),
                  key=lambda d: int(d.rsplit("_", 1)[1]) if d.rsplit("_", 1)[1].isdigit() else -1)
    return [os.path.join(test_dir, d) for d in sets]


def numbered(set_dir, prefix):
    files = {}
    for f in os.listdir(set_dir):
        m = re.fullmatch(prefix + r"_(\d+)\.pb", f)
        if m:
            files[int(m.group(1))] = os.path.join(set_dir, f)
    if sorted(files) != list(range(len(files))):
        raise ValueError(f"{set_dir}: {prefix} files are not numbered 0..N-1")
    return [files[i] for i in range(len(files))]


# Kiln's diagnostic for an input that must be known at compile time names the
# graph input and the flag that fixes its value.
_BIND_HINT = re.compile(r"--bind (\S+?)=FILE")


def run_with_bindings(kiln_run, model_path, inputs, outputs, args, output_names,
                      input_names, bound):
    """Runs one data set; while Kiln asks for a graph input's value at compile
    time (`--bind NAME=FILE`), binds it to this data set's value of that input
    and runs again. Adds the names it bound to `bound`."""
    names = []
    while True:
        extra = [f"--bind={n}={inputs[input_names.index(n)]}" for n in names]
        status, reason, log = run_kiln(kiln_run, model_path, inputs, outputs, args,
                                       output_names, extra)
        m = _BIND_HINT.search(reason) if status == "unsupported" and args.bind else None
        if not m or m.group(1) in names or m.group(1) not in input_names:
            bound.update(names)
            return status, reason, log
        names.append(m.group(1))


def run_test(name, data_dir, kiln_run, args):
    """Runs one test; returns its result record. Never raises."""
    start = time.monotonic()
    record = {"test": name, "op": op_from_test_name(name), "ops": [], "non_tensor_io": [],
              "status": "error", "reason": "", "class": "", "seconds": 0.0}
    try:
        test_dir = os.path.join(data_dir, name)
        model_path = os.path.join(test_dir, "model.onnx")
        model = onnx.load(model_path, load_external_data=False)
        record["op"], record["ops"] = describe_model(model, name, data_dir)
        rtol, atol = args.rtol, args.atol
        tolerance_file = os.path.join(test_dir, "data.json")
        if os.path.exists(tolerance_file):
            with open(tolerance_file) as f:
                tolerances = json.load(f)
            rtol, atol = tolerances.get("rtol", rtol), tolerances.get("atol", atol)
        run_args = argparse.Namespace(**{**vars(args), "rtol": rtol, "atol": atol})

        non_tensor = non_tensor_values(model)
        record["non_tensor_io"] = non_tensor
        sets = data_sets(test_dir)
        if non_tensor:
            # kiln-run can neither read these nor compare them; it still gets
            # to compile the model (on zero inputs), so that a crash shows.
            status, reason, log = run_kiln(kiln_run, model_path, [], [], run_args)
            if status in ("pass", "mismatch"):
                status, reason = "unsupported", (
                    f"{', '.join(non_tensor)}: kiln-run compares tensors only")
        elif not sets:
            status, reason, log = "error", "the test has no test_data_set_N directory", ""
        else:
            status, reason, log = "pass", "", ""
            initializers = {t.name for t in model.graph.initializer}
            input_names = [i.name for i in model.graph.input if i.name not in initializers]
            bound = set()
            for set_dir in sets:
                inputs, outputs = numbered(set_dir, "input"), numbered(set_dir, "output")
                if len(outputs) != len(model.graph.output):
                    status, log = "error", ""
                    reason = (f"{os.path.basename(set_dir)} has {len(outputs)} output files for "
                              f"{len(model.graph.output)} outputs")
                    break
                status, reason, log = run_with_bindings(
                    kiln_run, model_path, inputs, outputs, run_args,
                    [o.name for o in model.graph.output], input_names, bound)
                if status != "pass":
                    if len(sets) > 1:
                        reason = f"{os.path.basename(set_dir)}: {reason}"
                    break
        record["status"], record["reason"] = status, reason
        if sets and not non_tensor and bound:
            record["bound_inputs"] = sorted(bound)
        if log:
            record["stderr_tail"] = log
    except Exception as e:  # noqa: BLE001 - an odd test must not stop the run
        record["status"], record["reason"] = "error", f"runner: {type(e).__name__}: {e}"[:400]
    record["class"] = failure_class(record["status"], record["reason"], record["ops"])
    record["seconds"] = round(time.monotonic() - start, 3)
    return record


# ----------------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------------

def default_jobs():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def resolve_kiln_run(path):
    if path:
        found = shutil.which(path) if os.sep not in path else path
        if not found or not os.access(found, os.X_OK):
            sys.exit(f"run_node_tests: kiln-run not found or not executable: {path}")
        return os.path.abspath(found)
    for candidate in (shutil.which("kiln-run"), os.path.join(REPO_ROOT, "build", "bin", "kiln-run")):
        if candidate and os.access(candidate, os.X_OK):
            return os.path.abspath(candidate)
    sys.exit("run_node_tests: no kiln-run in PATH or build/bin; pass --kiln-run PATH")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def git_revision():
    try:
        rev = subprocess.run(["git", "-C", REPO_ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", REPO_ROOT, "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--filter", metavar="REGEX",
                   help="run only tests whose name matches REGEX (re.search)")
    p.add_argument("--tests-from", metavar="FILE",
                   help="run only the tests named in FILE (one a line, # comments)")
    p.add_argument("--jobs", "-j", type=int, default=default_jobs(),
                   help="parallel kiln-run processes (default: CPUs available, %(default)s)")
    p.add_argument("--kiln-run", metavar="PATH",
                   help="kiln-run to test (default: from PATH, else build/bin/kiln-run)")
    p.add_argument("--output", "-o", metavar="FILE", default="results.json",
                   help="JSON results file (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds per kiln-run process (default: %(default)s)")
    p.add_argument("--data-dir", metavar="DIR",
                   help="node test data; generated there if missing (default: the onnx "
                        "package's, else generated into ~/.cache/kiln/onnx-node-tests)")
    p.add_argument("--target", metavar="TRIPLE",
                   help="run the tests as artifacts for another target: kilnc --target TRIPLE, "
                        "the harness linked with --cc and run with --run-prefix "
                        "(cross_run.py; default: the host, through kiln-run)")
    p.add_argument("--kilnc", metavar="PATH",
                   help="kilnc for --target (default: beside kiln-run)")
    p.add_argument("--cc", metavar="CMD", help="C compiler for --target, e.g. aarch64-linux-gnu-gcc")
    p.add_argument("--run-prefix", metavar="CMD", default="",
                   help="how to run a --target program, e.g. 'qemu-aarch64 -L /usr/aarch64-linux-gnu'")
    p.add_argument("--kiln-threads", type=int, default=1,
                   help="--threads for each kiln-run; the runner's jobs are the parallelism "
                        "(default: %(default)s)")
    p.add_argument("--kiln-arg", metavar="ARG", action="append", default=[],
                   help="an extra kiln-run argument for every test, e.g. --kiln-arg=--emulate-gpu "
                        "(repeatable)")
    p.add_argument("--no-bind", dest="bind", action="store_false",
                   help="do not bind graph inputs that Kiln needs at compile time to the "
                        "test's values (kiln-run --bind); such tests then stay unsupported")
    p.add_argument("--memory-limit-mb", type=int, default=8192,
                   help="address-space limit per kiln-run, 0 for none (default: %(default)s)")
    p.add_argument("--rtol", type=float, default=DEFAULT_RTOL, help=argparse.SUPPRESS)
    p.add_argument("--atol", type=float, default=DEFAULT_ATOL, help=argparse.SUPPRESS)
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.jobs < 1:
        sys.exit("run_node_tests: --jobs must be at least 1")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    kiln_run = resolve_kiln_run(args.kiln_run)
    if args.target:
        if not args.cc:
            sys.exit("run_node_tests: --target needs --cc")
        kilnc = args.kilnc or os.path.join(os.path.dirname(kiln_run), "kilnc")
        if os.sep not in kilnc:
            kilnc = shutil.which(kilnc) or kilnc
        if not os.access(kilnc, os.X_OK):
            sys.exit(f"run_node_tests: kilnc not found or not executable: {kilnc}")
    data_dir = find_node_data(args.data_dir, log)
    all_tests = list_tests(data_dir)
    tests = all_tests
    missing = []
    if args.tests_from:
        with open(args.tests_from) as f:
            wanted = [ln.split("#", 1)[0].strip() for ln in f]
        wanted = [w for w in wanted if w]
        available = set(all_tests)
        missing = sorted(w for w in set(wanted) if w not in available)
        tests = sorted(set(wanted) & available)
    if args.filter:
        pattern = re.compile(args.filter)
        tests = [t for t in tests if pattern.search(t)]

    if args.memory_limit_mb:
        # Inherited by every kiln-run (a preexec_fn is unsafe with threads);
        # the runner itself needs far less.
        soft = args.memory_limit_mb * 2**20
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))

    with tempfile.TemporaryDirectory(prefix="kiln-conformance-") as tmp:
        # A private copy: a rebuild of kiln-run during the run cannot mix two
        # compilers in one result (kiln-run needs nothing beside itself).
        tool = kilnc if args.target else kiln_run
        snapshot = os.path.join(tmp, os.path.basename(tool))
        shutil.copy2(tool, snapshot)
        tool_hash = sha256(snapshot)
        command = [snapshot]
        if args.target:
            command = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "cross_run.py"),
                       "--kilnc", snapshot, "--target", args.target, "--cc", args.cc,
                       "--run-prefix", args.run_prefix, "--work", tmp]
        log(f"running {len(tests)} of {len(all_tests)} node tests with {tool} "
            f"({args.target or 'host'}; {args.jobs} jobs, {args.timeout:g} s timeout)")
        start = time.monotonic()
        results = []
        counts = dict.fromkeys(STATUSES, 0)
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futures = [pool.submit(run_test, t, data_dir, command, args) for t in tests]
            for done, future in enumerate(concurrent.futures.as_completed(futures), 1):
                record = future.result()
                results.append(record)
                counts[record["status"]] += 1
                if not args.quiet and (record["status"] in ("crash", "timeout", "error")
                                       or done % 100 == 0 or done == len(tests)):
                    if record["status"] in ("crash", "timeout", "error"):
                        log(f"  {record['status'].upper()}: {record['test']}: {record['reason']}")
                    log(f"[{done}/{len(tests)}] " +
                        " ".join(f"{s} {n}" for s, n in counts.items() if n))
        wall = time.monotonic() - start

    # Tests named in --tests-from that this onnx does not define cannot pass.
    for name in missing:
        results.append({"test": name, "op": op_from_test_name(name), "ops": [],
                        "non_tensor_io": [],
                        "status": "error", "reason": "no such node test in this onnx version",
                        "class": "runner error", "seconds": 0.0})
        counts["error"] += 1
    results.sort(key=lambda r: r["test"])
    report = {
        "generated": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "onnx_version": onnx.__version__,
        "kiln_run": tool,
        "kiln_run_sha256": tool_hash,
        "target": args.target or "host",
        "kiln_revision": git_revision(),
        "data_dir": data_dir,
        "total_defined": len(all_tests),
        "selection": {"filter": args.filter, "tests_from": args.tests_from,
                      "complete": not args.filter and not args.tests_from},
        "kiln_threads": args.kiln_threads,
        "kiln_args": args.kiln_arg,
        "bind": args.bind,
        "rtol": args.rtol, "atol": args.atol, "timeout": args.timeout, "jobs": args.jobs,
        "wall_seconds": round(wall, 1),
        "counts": counts,
        "results": results,
    }
    tmp_out = args.output + ".tmp"
    with open(tmp_out, "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")
    os.replace(tmp_out, args.output)
    total = len(results)
    log(f"{counts['pass']}/{total} passed ({100.0 * counts['pass'] / max(total, 1):.1f}%) in "
        f"{wall:.0f} s; results in {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
