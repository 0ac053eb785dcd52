#!/usr/bin/env python3
"""Where a model's time goes, node by node, in Kiln and in ONNX Runtime.

  .venv/bin/python bench/profile.py MODEL [--threads 1] [--runs 40]
      [--group REGEX] [--ort] [--top 25] [--kilnc build/bin/kilnc]

MODEL is a zoo model (build/zoo/NAME, prepared by bench/run.sh or
bench/zoo/zoo.py make) or a directory holding model.onnx and input_*.npy.

Kiln: the model is compiled with `kilnc --profile-names`, which gives every
parallel loop a task function of its own named after the ONNX node it
computes, linked into the generic harness (test/e2e/harness/kiln_harness.c)
and run --runs times under `perf record -e cpu-clock`, which samples the
timed runs only (not loading, nor the first run: KILN_HARNESS_PERF_CONTROL
in the harness); each node's share of
the samples times the harness's median run time is its time. Work done in
@main between parallel loops (small serial ops) shows as "(serial)", the
runtime's waiting as "(runtime)".

ONNX Runtime (--ort): the same thread count, ORT_ENABLE_ALL, and its own
profiler (SessionOptions.enable_profiling); each node's time is the median
of its kernel times over --runs runs. ONNX Runtime renames the nodes it
fuses (a Conv with its BatchNormalization and Relu becomes one node named
after an output), so nodes of the two sides are compared in groups: --group
is a regular expression searched in each node name (non-alphanumerics
turned into '_' on both sides) whose first group names the node's group,
e.g. --group '_(layer\\d)_' for ResNet's stages; names that do not match go
to "(other)". Without --group the Kiln nodes are listed one by one (--top
of them).

Times are exact shares of the samples at 1 thread. At more threads they are
shares of all threads' CPU time, scaled to the run's wall time: comparable
between nodes, with the threads' waiting in "(runtime)", but not wall times.

Needs perf (Debian: linux-perf). The host should be quiet: both sides are
measured one after the other, not interleaved.
"""

import argparse
import collections
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "bench", "zoo"))

import runner  # noqa: E402

TASK = re.compile(r"^main_task\d+(?:_(.*))?$")
# The model's code outside its parallel loops, and the runtime's thread pool.
SERIAL = {"main", "model_run", "kiln_model_entry"}
RUNTIME = re.compile(r"^(kiln_rt_|worker_main|wait_for_work|wait_for_chunks|claim|run_share|"
                     r"finish_share|start_workers)")


def sanitized(name):
    return re.sub(r"[^A-Za-z0-9]", "_", name)


def kiln_profile(args, model_dir, work):
    """{node: ms} for one run of the model, and the harness's median ms."""
    lib, _ = runner.compile_model(args.kilnc, model_dir, work, "model",
                                  extra_args=["--profile-names"])
    exe = runner.link_harness(args.cc, lib, "model")
    out = os.path.join(work, "out")
    median = float(re.search(r"median: (\S+) ms", runner.run_harness(
        exe, model_dir, out, threads=args.threads, benchmark=args.runs)).group(1))
    data = os.path.join(work, "perf.data")
    # Only the timed runs are sampled: the harness enables perf's events
    # through a control FIFO after loading and the first run (whose first
    # touches of the weights' pages took eight times a steady run of
    # ResNet-50 on a virtual machine, most of it in a few layers, until the
    # entry point mapped them first; it still loads the model's pages).
    control = os.path.join(work, "perf.control")
    os.mkfifo(control)
    perf = ["perf", "record", "-q", "-e", "cpu-clock", "-D", "-1", "--control",
            f"fifo:{control}", "-o", data, exe, "--threads", str(args.threads),
            "--benchmark", str(args.runs), out] + runner.input_files(model_dir)
    subprocess.run(perf, check=True, capture_output=True,
                   env=dict(os.environ, KILN_HARNESS_PERF_CONTROL=control))
    report = subprocess.run(["perf", "report", "-i", data, "--no-children", "--sort", "symbol",
                             "-F", "sample,symbol"], check=True, capture_output=True,
                            text=True).stdout
    samples = collections.Counter()
    for line in report.splitlines():
        m = re.match(r"\s*(\d+)\s+\[(.)\]\s+(\S+)", line)
        if not m:
            continue
        count, space, symbol = int(m.group(1)), m.group(2), m.group(3)
        task = TASK.match(symbol)
        if task:
            samples[task.group(1) or "(unnamed)"] += count
        elif symbol in SERIAL:
            samples["(serial)"] += count
        elif space == "." and RUNTIME.match(symbol):
            samples["(runtime)"] += count
        else:
            samples["(other)"] += count
    # What is sampled is the timed runs alone; the C library and the kernel
    # go to "(other)".
    total = sum(samples.values()) or 1
    return {node: median * count / total for node, count in samples.items()}, median


def ort_profile(args, model_dir, work):
    """{node: median ms} from ONNX Runtime's profiler."""
    import numpy as np

    session = runner.ort_session(model_dir, args.threads, profile_prefix=os.path.join(work, "ort"))
    feeds = {i.name: np.load(f)
             for i, f in zip(session.get_inputs(), runner.input_files(model_dir))}
    session.run(None, feeds)
    for _ in range(args.runs):
        session.run(None, feeds)
    with open(session.end_profiling()) as f:
        events = json.load(f)
    times = collections.defaultdict(list)
    for e in events:
        if e.get("cat") == "Node" and e["name"].endswith("_kernel_time"):
            times[sanitized(e["name"][:-len("_kernel_time")])].append(e["dur"] / 1000.0)
    return {node: statistics.median(t) for node, t in times.items()}


def grouped(times, pattern):
    groups = collections.Counter()
    for node, ms in times.items():
        m = pattern.search(node) if not node.startswith("(") else None
        groups[(m.group(1) if m.groups() and m.group(1) else m.group(0)) if m else
               (node if node.startswith("(") else "(other)")] += ms
    return groups


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="zoo model name or model directory")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=40)
    p.add_argument("--group", help="regular expression whose first group names a node's group")
    p.add_argument("--ort", action="store_true", help="also profile ONNX Runtime")
    p.add_argument("--top", type=int, default=25)
    p.add_argument("--kilnc", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    p.add_argument("--cc", default="cc")
    args = p.parse_args(argv)
    if args.runs < 1 or args.threads < 1:
        p.error("--runs and --threads must be at least 1")

    model_dir = args.model if os.path.isdir(args.model) else os.path.join(
        ROOT, "build", "zoo", args.model)
    if not os.path.exists(os.path.join(model_dir, "model.onnx")):
        sys.exit(f"profile.py: {model_dir}/model.onnx not found (prepare it with "
                 "bench/zoo/zoo.py make NAME)")
    if not shutil.which("perf"):
        sys.exit("profile.py: perf not found (Debian: apt-get install linux-perf)")
    pattern = re.compile(args.group) if args.group else None

    with tempfile.TemporaryDirectory(prefix="kiln-profile-") as work:
        try:
            kiln, median = kiln_profile(args, model_dir, work)
        except (runner.Failure, subprocess.CalledProcessError) as e:
            sys.exit(f"profile.py: Kiln: {e}")
        ort = ort_profile(args, model_dir, work) if args.ort else {}

    print(f"{os.path.basename(os.path.normpath(model_dir))}, {args.threads} thread(s), "
          f"{args.runs} runs: Kiln {median:.3f} ms a run (median)"
          + (f", ONNX Runtime {sum(ort.values()):.3f} ms summed over its nodes" if ort else ""))
    if pattern:
        k, o = grouped(kiln, pattern), grouped(ort, pattern)
        print(f"{'group':32} {'Kiln ms':>9}" + (f" {'ORT ms':>9} {'Kiln/ORT':>8}" if ort else ""))
        for g in sorted(set(k) | set(o), key=lambda g: -k.get(g, 0.0)):
            line = f"{g:32} {k.get(g, 0.0):9.3f}"
            if ort:
                ratio = f"{k.get(g, 0.0) / o[g]:8.2f}" if o.get(g) else f"{'-':>8}"
                line += f" {o.get(g, 0.0):9.3f} {ratio}"
            print(line)
        return
    print(f"{'node':60} {'Kiln ms':>9} {'share':>6}")
    for node, ms in sorted(kiln.items(), key=lambda kv: -kv[1])[:args.top]:
        print(f"{node[:60]:60} {ms:9.3f} {100 * ms / median:5.1f}%")


if __name__ == "__main__":
    main()
