#!/usr/bin/env python3
"""ONNX node tests on a real GPU, in two steps on two machines.

  node_tests.py prepare BUNDLE/node [--arch sm_90] [--kilnc PATH] [-j N]
                [--tests-from FILE] [--every N]
  node_tests.py run BUNDLE/node [--cc CC] [-j N] [--output results.json]

`prepare` runs where Kiln is built. For every test listed in --tests-from
(default: test/conformance/expected_passes_gpu_emulation.txt, the tests whose
GPU kernels pass when emulated on the CPU) it compiles the model with
`kilnc --gpu ARCH` into libm.a + m.h, binding the graph inputs Kiln must know
at compile time as the conformance runner does (then one library per data
set), and writes each data set's inputs and expected outputs as .npy files
with a meta.json (output names, tolerances). Tests whose tensors have no .npy
form (bfloat16, float8, 4- and 2-bit types) are recorded as not run, as on
AArch64. No GPU is needed for this step.

`run` runs on the GPU machine (a C compiler, python3 with numpy and onnx,
the NVIDIA driver; no Kiln build): links every library into the generic
harness (test/e2e/harness/kiln_harness.c built with -DKILN_HARNESS_GPU: the
model runs through its GPU context, inputs copied to the device and outputs
back), runs each data set and compares every output with ONNX's expected
values under the rule kiln-run uses (test/e2e/Inputs/compare.py). Prints one
line per test that does not pass and a summary; --output writes all results
as JSON.
"""

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CONFORMANCE = os.path.join(ROOT, "test", "conformance")
E2E_INPUTS = os.path.join(ROOT, "test", "e2e", "Inputs")
HARNESS = os.path.join(ROOT, "test", "e2e", "harness", "kiln_harness.c")
BIND_HINT = re.compile(r"--bind (\S+?)=FILE")


# ----------------------------------------------------------------------------
# prepare (needs kilnc, onnx)
# ----------------------------------------------------------------------------

def compile_gpu(args, model_path, out_dir, tag, input_files, input_names):
    """kilnc --gpu into out_dir/lib<tag>.a, binding inputs while Kiln asks
    for them. Returns (bound names, None) or (names, one-line error)."""
    binds = []
    while True:
        cmd = [args.kilnc, model_path, "--gpu", args.arch, "--name", tag,
               "-o", os.path.join(out_dir, f"lib{tag}.a")]
        cmd += [f"--bind={n}={input_files[input_names.index(n)]}" for n in binds]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout)
        if proc.returncode == 0:
            return binds, None
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        first = lines[0] if lines else f"kilnc exited with {proc.returncode}"
        m = BIND_HINT.search(first)
        if not m or m.group(1) in binds or m.group(1) not in input_names:
            return binds, first.replace(model_path, "model.onnx")[:300]
        binds.append(m.group(1))


def prepare_test(name, data_dir, out_root, args):
    import numpy as np
    import onnx
    from onnx import numpy_helper
    import cross_run
    import run_node_tests as rnt

    test_dir = os.path.join(data_dir, name)
    out = os.path.join(out_root, name)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    model_path = os.path.join(test_dir, "model.onnx")
    model = onnx.load(model_path, load_external_data=False)
    initializers = {t.name for t in model.graph.initializer}
    input_names = [i.name for i in model.graph.input if i.name not in initializers]
    meta = {"outputs": [o.name for o in model.graph.output], "rtol": rnt.DEFAULT_RTOL,
            "atol": rnt.DEFAULT_ATOL, "sets": []}
    tolerance_file = os.path.join(test_dir, "data.json")
    if os.path.exists(tolerance_file):
        with open(tolerance_file) as f:
            tolerances = json.load(f)
        meta["rtol"] = tolerances.get("rtol", meta["rtol"])
        meta["atol"] = tolerances.get("atol", meta["atol"])

    sets = rnt.data_sets(test_dir)
    if not sets:
        shutil.rmtree(out, ignore_errors=True)
        return {"status": "not-run", "reason": "no test data set"}
    arrays = []
    for set_dir in sets:
        files = {}
        for kind in ("input", "output"):
            files[kind] = rnt.numbered(set_dir, kind)
            for path in files[kind]:
                tensor = onnx.TensorProto()
                with open(path, "rb") as f:
                    tensor.ParseFromString(f.read())
                if tensor.data_type not in cross_run.NPY_TYPES:
                    shutil.rmtree(out, ignore_errors=True)
                    return {"status": "not-run", "reason":
                            f"{onnx.TensorProto.DataType.Name(tensor.data_type)} tensors "
                            "have no .npy form for the harness"}
        arrays.append(files)

    # One library for the test, unless Kiln binds inputs (then one per set,
    # each with that set's values fixed at compile time).
    binds, error = compile_gpu(args, model_path, out, "m", arrays[0]["input"], input_names)
    if error:
        shutil.rmtree(out, ignore_errors=True)
        return {"status": "compile-error", "reason": error}
    for i, (set_dir, files) in enumerate(zip(sets, arrays)):
        tag = "m"
        if binds and i > 0:
            tag = f"m{i}"
            _, error = compile_gpu(args, model_path, out, tag, files["input"], input_names)
            if error:
                shutil.rmtree(out, ignore_errors=True)
                return {"status": "compile-error", "reason": f"data set {i}: {error}"}
        set_out = os.path.join(out, f"set_{i}")
        os.makedirs(set_out)
        for kind, prefix in (("input", "input"), ("output", "expected")):
            for j, path in enumerate(files[kind]):
                value = numpy_helper.to_array(_load_tensor(path))
                np.save(os.path.join(set_out, f"{prefix}_{j}.npy"), value, allow_pickle=False)
        meta["sets"].append({"dir": f"set_{i}", "lib": tag})
    if binds:
        meta["bound_inputs"] = binds
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f)
    return {"status": "ready", "reason": ""}


def _load_tensor(path):
    import onnx
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        tensor.ParseFromString(f.read())
    return tensor


def prepare(args):
    sys.path.insert(0, CONFORMANCE)
    import run_node_tests as rnt

    data_dir = rnt.find_node_data(args.data_dir, lambda m: print(m, file=sys.stderr))
    with open(args.tests_from) as f:
        tests = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    tests = tests[::args.every]
    os.makedirs(args.bundle, exist_ok=True)
    start = time.monotonic()
    manifest = {"arch": args.arch, "tests": {}}
    manifest_path = os.path.join(args.bundle, "manifest.json")
    if os.path.exists(manifest_path):
        # Preparing more tests into a bundle adds to (or redoes) its list.
        with open(manifest_path) as f:
            earlier = json.load(f)
        if earlier.get("arch") == args.arch:
            manifest = earlier

    def one(name):
        try:
            return name, prepare_test(name, data_dir, args.bundle, args)
        except Exception as e:  # noqa: BLE001 - one odd test must not stop the rest
            return name, {"status": "error", "reason": f"{type(e).__name__}: {e}"[:300]}

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for name, record in pool.map(one, tests):
            manifest["tests"][name] = record
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
    shutil.copy(HARNESS, os.path.join(args.bundle, "kiln_harness.c"))
    shutil.copy(os.path.join(E2E_INPUTS, "compare.py"), os.path.join(args.bundle, "compare.py"))
    counts = {}
    for name in tests:
        status = manifest["tests"][name]["status"]
        counts[status] = counts.get(status, 0) + 1
    print(f"prepared {len(tests)} node tests for {args.arch} in "
          f"{time.monotonic() - start:.0f} s: {counts}")
    for name in tests:
        record = manifest["tests"][name]
        if record["status"] in ("compile-error", "error"):
            print(f"  {record['status']:13} {name}: {record['reason']}")
    return 0


# ----------------------------------------------------------------------------
# run (on the GPU machine: cc, numpy, onnx)
# ----------------------------------------------------------------------------

def run_test(name, bundle, work, args):
    import compare

    test_dir = os.path.join(bundle, name)
    with open(os.path.join(test_dir, "meta.json")) as f:
        meta = json.load(f)
    out_root = os.path.join(work, name)
    os.makedirs(out_root, exist_ok=True)
    exes = {}
    for entry in meta["sets"]:
        tag = entry["lib"]
        if tag in exes:
            continue
        exe = os.path.join(out_root, f"harness_{tag}")
        proc = subprocess.run(
            [*args.cc.split(), "-std=c11", "-O2", "-DKILN_HARNESS_GPU", f"-DKILN_MODEL={tag}",
             "-include", os.path.join(test_dir, f"{tag}.h"), os.path.join(bundle, "kiln_harness.c"),
             os.path.join(test_dir, f"lib{tag}.a"), "-lm", "-lpthread", "-ldl", "-o", exe],
            capture_output=True, text=True)
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
            return {"status": "link-error", "reason": (lines or ["?"])[-1][:300]}
        exes[tag] = exe
    for entry in meta["sets"]:
        set_dir = os.path.join(test_dir, entry["dir"])
        inputs = sorted((p for p in os.listdir(set_dir) if p.startswith("input_")),
                        key=lambda p: int(p[6:-4]))
        expected = sorted((p for p in os.listdir(set_dir) if p.startswith("expected_")),
                          key=lambda p: int(p[9:-4]))
        out = os.path.join(out_root, entry["dir"])
        os.makedirs(out, exist_ok=True)
        try:
            proc = subprocess.run([exes[entry["lib"]], out,
                                   *(os.path.join(set_dir, p) for p in inputs)],
                                  capture_output=True, text=True, timeout=args.timeout)
        except subprocess.TimeoutExpired:
            return {"status": "timeout", "reason": f"{entry['dir']}: over {args.timeout} s"}
        if proc.returncode != 0:
            lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
            why = lines[-1] if lines else f"exit status {proc.returncode}"
            return {"status": "run-error", "reason": f"{entry['dir']}: {why}"[:300]}
        import numpy as np
        # compare.compare per output, as compare.report does, without its
        # printing (redirecting stdout is not safe across threads).
        names = meta["outputs"]
        if len(expected) != len(names):
            return {"status": "run-error", "reason": f"{entry['dir']}: {len(expected)} "
                    f"expected files for {len(names)} outputs"}
        try:
            for out_name, file, path in zip(names, compare.harness_file_names(names), expected):
                actual = np.load(os.path.join(out, file), allow_pickle=False)
                want = np.load(os.path.join(set_dir, path), allow_pickle=False)
                ok, summary = compare.compare(actual, want, meta["rtol"], meta["atol"])
                if not ok:
                    return {"status": "mismatch",
                            "reason": f"{entry['dir']}: output '{out_name}': {summary}"[:300]}
        except (OSError, ValueError) as e:
            return {"status": "run-error", "reason": f"{entry['dir']}: outputs: {e}"[:300]}
    shutil.rmtree(out_root, ignore_errors=True)
    return {"status": "pass", "reason": ""}


def run(args):
    sys.path.insert(0, args.bundle)
    with open(os.path.join(args.bundle, "manifest.json")) as f:
        manifest = json.load(f)
    work = args.work or os.path.join(args.bundle, "work")
    os.makedirs(work, exist_ok=True)
    start = time.monotonic()
    results = {}
    ready = [n for n, r in manifest["tests"].items() if r["status"] == "ready"]

    def one(name):
        try:
            return name, run_test(name, args.bundle, work, args)
        except Exception as e:  # noqa: BLE001
            return name, {"status": "error", "reason": f"{type(e).__name__}: {e}"[:300]}

    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        for name, record in pool.map(one, ready):
            results[name] = record
    for name, record in manifest["tests"].items():
        if record["status"] != "ready":
            results[name] = record
    counts = {}
    for record in results.values():
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    for name in sorted(results):
        if results[name]["status"] not in ("pass", "not-run"):
            print(f"  {results[name]['status']:12} {name}: {results[name]['reason']}")
    passed = counts.get("pass", 0)
    print(f"node tests on the GPU ({manifest['arch']}): {passed} of {len(ready)} run pass, "
          f"{len(results)} listed; {counts}; {time.monotonic() - start:.0f} s")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"arch": manifest["arch"], "counts": counts, "tests": results}, f,
                      indent=1, sort_keys=True)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("bundle")
    pp.add_argument("--arch", default="sm_90")
    pp.add_argument("--kilnc", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    pp.add_argument("--tests-from",
                    default=os.path.join(CONFORMANCE, "expected_passes_gpu_emulation.txt"))
    pp.add_argument("--data-dir")
    pp.add_argument("--every", type=int, default=1, metavar="N",
                    help="only every Nth test of the list (a quicker sample)")
    pp.add_argument("--timeout", type=float, default=300)
    pp.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    rp = sub.add_parser("run")
    rp.add_argument("bundle")
    rp.add_argument("--cc", default=os.environ.get("CC", "gcc"))
    rp.add_argument("--work")
    rp.add_argument("--output")
    rp.add_argument("--timeout", type=float, default=120)
    rp.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = p.parse_args(argv)
    args.bundle = os.path.abspath(args.bundle)
    return prepare(args) if args.command == "prepare" else run(args)


if __name__ == "__main__":
    sys.exit(main())
