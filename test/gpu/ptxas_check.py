#!/usr/bin/env python3
"""Runs ptxas on the PTX Kiln generates for zoo models and ONNX node tests
(all of a list, or a sample of it), for each GPU architecture, and records every kernel's registers,
spills, barriers and shared memory.

A case whose PTX ptxas rejects fails the check, as does a kilnc crash; a
model kilnc refuses with a diagnostic (an operator not supported yet) is
reported as unsupported. With --max-spill-bytes, spilling beyond it fails
too. The sample of node tests is deterministic: evenly spaced over the list
given, so the same tests run every time.
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "test", "conformance"))
import run_node_tests as node_tests  # noqa: E402

_ENTRY = re.compile(r"Compiling entry function '([^']+)' for '([^']+)'")
_FRAME = re.compile(r"(\d+) bytes stack frame, (\d+) bytes spill stores, (\d+) bytes spill loads")
_USED = re.compile(r"Used (\d+) registers(?:, used (\d+) barriers)?(?:, (\d+) bytes smem)?")


def parse_ptxas(log):
    """Per-kernel figures from `ptxas -v` output, in the order it prints them."""
    kernels, current = [], None
    for line in log.splitlines():
        m = _ENTRY.search(line)
        if m:
            current = {"kernel": m.group(1), "registers": 0, "barriers": 0, "smem": 0,
                       "stack": 0, "spill_stores": 0, "spill_loads": 0}
            kernels.append(current)
            continue
        if current is None:
            continue
        m = _FRAME.search(line)
        if m:
            current["stack"], current["spill_stores"], current["spill_loads"] = map(int, m.groups())
            continue
        m = _USED.search(line)
        if m:
            current["registers"] = int(m.group(1))
            current["barriers"] = int(m.group(2) or 0)
            current["smem"] = int(m.group(3) or 0)
    return kernels


def first_error(text):
    for line in text.splitlines():
        if "error" in line:
            return line.strip()
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


def compile_ptx(kilnc, model, arch, ptx, inputs, timeout):
    """kilnc --gpu ARCH --emit=ptx, binding the graph inputs kilnc asks for
    (`--bind NAME=FILE`) to the given files. Returns (status, reason)."""
    bound = []
    while True:
        cmd = [kilnc, model, f"--gpu={arch}", "--emit=ptx", "-o", ptx]
        cmd += [f"--bind={n}={inputs[n]}" for n in bound]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return "fail", f"kilnc timed out after {timeout} s"
        if p.returncode == 0:
            return "ok", ""
        if p.returncode != 1:
            return "fail", f"kilnc exited with {p.returncode}: {first_error(p.stderr)}"
        m = node_tests._BIND_HINT.search(p.stderr)
        if m and m.group(1) in inputs and m.group(1) not in bound:
            bound.append(m.group(1))
            continue
        return "unsupported", first_error(p.stderr)


def check_case(case, args, work):
    """Compiles one model for every architecture and runs ptxas on each PTX."""
    results = []
    for arch in args.arch:
        ptx = os.path.join(work, f"{case['name'].replace('/', '_')}.{arch}.ptx")
        record = {"case": case["name"], "arch": arch, "kernels": []}
        status, reason = compile_ptx(args.kilnc, case["model"], arch, ptx, case["inputs"],
                                     args.timeout)
        if status == "ok":
            p = subprocess.run([args.ptxas, f"-arch={arch}", "-v", ptx, "-o", os.devnull],
                               capture_output=True, text=True, timeout=args.timeout)
            record["kernels"] = parse_ptxas(p.stdout + p.stderr)
            if p.returncode != 0:
                status, reason = "fail", "ptxas: " + first_error(p.stdout + p.stderr)
            else:
                spilled = max((k["spill_stores"] + k["spill_loads"] for k in record["kernels"]),
                              default=0)
                if args.max_spill_bytes is not None and spilled > args.max_spill_bytes:
                    status, reason = "fail", f"{spilled} bytes spilled"
                else:
                    status = "pass"
        record["status"], record["reason"] = status, reason
        results.append(record)
    return results


def zoo_cases(args):
    if not args.zoo_models:
        return []
    zoo = os.path.join(ROOT, "bench", "zoo", "zoo.py")
    models = args.zoo_models.split(",")
    if models == ["ci"]:
        models = subprocess.run([sys.executable, zoo, "list", "--ci"], check=True,
                                capture_output=True, text=True).stdout.split()
    subprocess.run([sys.executable, zoo, "make", *models, "--cache", args.zoo_cache],
                   check=True, capture_output=True, text=True)
    return [{"name": f"zoo/{m}", "model": os.path.join(args.zoo_cache, m, "model.onnx"),
             "inputs": {}} for m in models]


def node_cases(args):
    if not args.node_tests_from or args.node_sample == 0:
        return []
    with open(args.node_tests_from) as f:
        names = sorted(l.strip() for l in f if l.strip() and not l.startswith("#"))
    count = len(names) if args.node_sample is None else min(args.node_sample, len(names))
    sample = [names[(i * len(names)) // count] for i in range(count)]
    data_dir = node_tests.find_node_data(args.data_dir, lambda m: print(m, file=sys.stderr))
    cases = []
    for name in sample:
        test_dir = os.path.join(data_dir, name)
        model = os.path.join(test_dir, "model.onnx")
        inputs = {}
        sets = node_tests.data_sets(test_dir)
        if sets:
            import onnx
            graph = onnx.load(model, load_external_data=False).graph
            initializers = {i.name for i in graph.initializer}
            input_names = [i.name for i in graph.input if i.name not in initializers]
            files = node_tests.numbered(sets[0], "input")
            inputs = dict(zip(input_names, files))
        cases.append({"name": f"node/{name}", "model": model, "inputs": inputs})
    return cases


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--kilnc", default="kilnc")
    p.add_argument("--ptxas", default="ptxas")
    p.add_argument("--arch", default="sm_80,sm_90",
                   help="comma-separated architectures (default: sm_80,sm_90)")
    p.add_argument("--zoo-models", default="",
                   help="comma-separated zoo models, or 'ci' for zoo.py list --ci")
    p.add_argument("--zoo-cache", default=os.path.join(ROOT, "build", "zoo"),
                   help="where zoo.py make writes the models (default: build/zoo)")
    p.add_argument("--node-tests-from", metavar="FILE",
                   help="node test names, one a line; a sample of them is checked")
    p.add_argument("--node-sample", default="24",
                   help="how many node tests, evenly spaced over the list, or 'all' "
                        "(default: 24)")
    p.add_argument("--data-dir", help="node test data (see run_node_tests.py --data-dir)")
    p.add_argument("--max-spill-bytes", type=int, default=None,
                   help="fail a case whose kernel spills more bytes (stores + loads)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds per tool run")
    p.add_argument("--jobs", "-j", type=int, default=2)
    p.add_argument("--output", "-o", help="JSON report of every kernel")
    args = p.parse_args(argv)
    args.arch = [a for a in args.arch.split(",") if a]
    args.node_sample = None if args.node_sample == "all" else int(args.node_sample)
    return args


def main(argv=None):
    args = parse_args(argv)
    cases = zoo_cases(args) + node_cases(args)
    with tempfile.TemporaryDirectory(prefix="kiln-ptxas-") as work:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            records = [r for rs in pool.map(lambda c: check_case(c, args, work), cases)
                       for r in rs]
    kernels = [k for r in records for k in r["kernels"] if r["status"] == "pass"]
    for r in records:
        ks = r["kernels"]
        figures = "kernels 0" if r["status"] == "pass" else ""
        if ks:
            figures = (f"kernels {len(ks)}, registers max {max(k['registers'] for k in ks)}, "
                       f"smem max {max(k['smem'] for k in ks)} B, "
                       f"spilling {sum(1 for k in ks if k['spill_stores'] or k['spill_loads'])}")
        print(f"{r['status'].upper():<12} {r['arch']:<6} {r['case']:<48} {figures}"
              f"{'  ' + r['reason'] if r['reason'] else ''}")
    failed = [r for r in records if r["status"] == "fail"]
    passed = [r for r in records if r["status"] == "pass"]
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"arch": args.arch, "results": records}, f, indent=1)
    spilling = sum(1 for k in kernels if k["spill_stores"] or k["spill_loads"])
    print(f"summary: {len(passed)} of {len(records)} compilations accepted by ptxas, "
          f"{len(records) - len(passed) - len(failed)} unsupported, {len(failed)} failed; "
          f"{len(kernels)} kernels, registers max "
          f"{max((k['registers'] for k in kernels), default=0)}, {spilling} spilling")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
