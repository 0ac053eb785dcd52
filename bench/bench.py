#!/usr/bin/env python3
"""Kiln against ONNX Runtime on the model zoo, on this machine, in one run.

  bench/run.sh [--models A,B] [--threads 1,2] [--budget S] [--no-doc]
               [--kilnc PATH] [--cache DIR] [--work DIR] [--json FILE]
  bench/run.sh --render FILE     rewrite docs/benchmarks.md from a --json

For every zoo model (bench/zoo): generate it (cached), compile it with kilnc
into libNAME.a + NAME.h, link the library into the C driver
test/e2e/harness/kiln_harness.c the way an application links it, check its
outputs against ONNX Runtime's (max|diff| <= 1e-4 * max(1, max|ref|)), then
time both at each thread count: Kiln through the driver's --benchmark (the
median of N runs after a warm-up run, NAME_set_num_threads(T)), ONNX Runtime
in this process (CPU provider, ORT_ENABLE_ALL, intra-op threads T, inter-op
1, the median of N session.run calls after two warm-up calls). N is chosen
so each measurement takes about --budget seconds (at least 3 runs).

It also measures the machine's FP32 FMA peak (bench/peak/fma_peak.c) and
reports each model's achieved GFLOP/s (2 x the multiply-accumulates of
Conv/ConvTranspose/MatMul/Gemm/LSTM/GRU, so a lower bound) as a fraction of
T x the per-core peak. Prints the table and writes docs/benchmarks.md with
the machine description and date (--no-doc: print only). Models Kiln
cannot compile yet get Kiln's one-line reason instead of Kiln's numbers.
"""

import argparse
import collections
import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(HERE, "zoo"))

import numpy as np  # noqa: E402

import ort_memory  # noqa: E402
import runner  # noqa: E402
import zoo  # noqa: E402
from models import MODELS  # noqa: E402


def sh(command):
    try:
        return subprocess.run(command, capture_output=True, text=True,
                              shell=isinstance(command, str)).stdout.strip()
    except OSError:
        return ""


def machine():
    lscpu = sh(["lscpu"])
    fields = dict(re.findall(r"^([^:\n]+):\s*(.*)$", lscpu, re.M))
    flags = fields.get("Flags", "").split()
    isa = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_tile") if f in flags]
    return {
        "cpu": fields.get("Model name", platform.processor() or "unknown"),
        # The model name alone ("AMD EPYC") does not tell a core generation
        # apart (x86 family 25 is Zen 3 and Zen 4, 26 Zen 5); FMA width and
        # caches differ between them.
        "family": fields.get("CPU family", ""),
        "model": fields.get("Model", ""),
        "l1d": fields.get("L1d cache", ""),
        "cpus": fields.get("CPU(s)", "?"),
        "cores_per_socket": fields.get("Core(s) per socket", "?"),
        "threads_per_core": fields.get("Thread(s) per core", "?"),
        "sockets": fields.get("Socket(s)", "?"),
        "hypervisor": fields.get("Hypervisor vendor", ""),
        "l2": fields.get("L2 cache", ""),
        "l3": fields.get("L3 cache", ""),
        "isa": " ".join(isa),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
    }


def load_average():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def measure_peak(cc, work, threads):
    exe = os.path.join(work, "fma_peak")
    subprocess.run([cc, "-O2", "-std=c11", os.path.join(HERE, "peak", "fma_peak.c"),
                    "-lpthread", "-o", exe], check=True)
    out = sh([exe, "--threads", str(threads)])
    per_core = float(re.search(r"^peak_per_core (\S+)", out, re.M).group(1))
    all_cores = float(re.search(r"^peak_threads=\d+ (\S+)", out, re.M).group(1))
    return {"per_core": per_core, "threads": threads, "all": all_cores, "raw": out}


def iterations_for(seconds_per_run, budget):
    return max(3, min(1000, int(math.ceil(budget / max(seconds_per_run, 1e-6)))))


# A timing: the median of `iterations` runs (ms), and the fastest run.
Timing = collections.namedtuple("Timing", "ms iterations min_ms")


def time_ort(model_dir, threads, budget):
    session = runner.ort_session(model_dir, threads)
    names = [i.name for i in session.get_inputs()]
    feeds = {n: np.load(f) for n, f in zip(names, runner.input_files(model_dir))}
    session.run(None, feeds)
    start = time.perf_counter()
    session.run(None, feeds)
    estimate = time.perf_counter() - start
    times = []
    for _ in range(iterations_for(estimate, budget)):
        start = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - start)
    del session
    return Timing(statistics.median(times) * 1e3, len(times), min(times) * 1e3)


def time_kiln(exe, model_dir, work, threads, estimate, budget):
    n = iterations_for(estimate, budget)
    out = runner.run_harness(exe, model_dir, os.path.join(work, f"bench-out-{threads}"),
                             threads=threads, benchmark=n)
    return Timing(float(re.search(r"median: (\S+) ms", out).group(1)), n,
                  float(re.search(r"min: (\S+) ms", out).group(1)))


def bench_model(name, args, peak):
    row = {"model": name}
    model_dir, meta = zoo.ensure(name, args.cache)
    row.update(flops=meta["flops"], description=meta["description"],
               parameters=meta["parameters"])
    work = os.path.join(args.work, name)
    shutil.rmtree(work, ignore_errors=True)
    exe = None
    try:
        lib, seconds = runner.compile_model(args.kilnc, model_dir, work, name,
                                            timeout=args.timeout)
        row["compile_seconds"] = seconds
        row["library_bytes"] = os.path.getsize(lib)
        row["workspace_bytes"] = runner.workspace_size(lib, name)
        exe = runner.link_harness(args.cc, lib, name)
        start = time.perf_counter()
        runner.run_harness(exe, model_dir, os.path.join(work, "out"), timeout=args.timeout)
        first_run = time.perf_counter() - start
        if first_run < 0.5:
            # Process start and file I/O dominate: time a few runs instead.
            out = runner.run_harness(exe, model_dir, os.path.join(work, "out"), benchmark=3)
            first_run = float(re.search(r"median: (\S+) ms", out).group(1)) / 1e3
        ok, worst, summaries = runner.compare(model_dir, os.path.join(work, "out"),
                                              meta["outputs"])
        row["numerics"] = "match" if ok else "MISMATCH"
        row["numerics_detail"] = "; ".join(summaries)
    except runner.Failure as failure:
        row["status"] = failure.status
        row["reason"] = failure.reason
        row["missing_ops"] = runner.missing_ops(args.supported, meta)
        exe = None
    try:
        row["ort_peak_bytes"] = ort_memory.peak_bytes(model_dir, args.cc, args.work)
    except RuntimeError as error:
        print(f"  {name}: ONNX Runtime's memory not measured: {error}", flush=True)
    row["runs"] = []
    for threads in args.threads:
        entry = {"threads": threads}
        ort = time_ort(model_dir, threads, args.budget)
        entry.update(ort_ms=ort.ms, ort_iterations=ort.iterations, ort_min_ms=ort.min_ms)
        if exe:
            try:
                kiln = time_kiln(exe, model_dir, work, threads, first_run / threads, args.budget)
                entry.update(kiln_ms=kiln.ms, kiln_iterations=kiln.iterations,
                             kiln_min_ms=kiln.min_ms)
            except runner.Failure as failure:
                row["status"], row["reason"] = failure.status, failure.reason
        if "kiln_ms" in entry:
            entry["ratio"] = entry["kiln_ms"] / entry["ort_ms"]
            entry["min_ratio"] = entry["kiln_min_ms"] / entry["ort_min_ms"]
            roof = peak["per_core"] * threads
            entry["kiln_gflops"] = meta["flops"] / entry["kiln_ms"] / 1e6
            entry["kiln_peak_fraction"] = entry["kiln_gflops"] / roof
        entry["ort_gflops"] = meta["flops"] / entry["ort_ms"] / 1e6
        entry["ort_peak_fraction"] = entry["ort_gflops"] / (peak["per_core"] * threads)
        row["runs"].append(entry)
        print(f"  {name} T={threads}: " + ", ".join(
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}"
            for k, v in entry.items() if k != "threads"), flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return row


def ms(x):
    return f"{x:.0f}" if x >= 100 else f"{x:.1f}" if x >= 10 else \
        f"{x:.2f}" if x >= 1 else f"{x:.3f}"


def mib(n):
    return f"{n / 2**20:.1f}"


def short_reason(row):
    """Kiln's diagnostic without the node prefix (the page lists it whole)."""
    reason = re.sub(r"^node '[^']*' \([^)]*\): ", "", row.get("reason", "?"))
    reason = re.sub(r" \(domain 'ai\.onnx', opset \d+\)$", "", reason)
    return f"{row.get('status', 'error')}: {reason}".replace("|", "\\|")


def ort_peak(row):
    return str(row["ort_peak_bytes"]) if "ort_peak_bytes" in row else "?"


def table(rows):
    """The markdown table: one line per model and thread count."""
    head = ("| model | GFLOP | threads | Kiln ms | ORT ms | Kiln/ORT | Kiln/ORT fastest "
            "| Kiln GFLOP/s "
            "(% peak) | ORT GFLOP/s (% peak) | compile s | .a MiB | workspace bytes "
            "| ORT peak bytes | numerics |")
    lines = [head, "|" + "|".join(["---"] * (head.count("|") - 1)) + "|"]
    for row in rows:
        for i, run in enumerate(row["runs"]):
            first = i == 0
            cells = [row["model"] if first else "",
                     f"{row['flops'] / 1e9:.3g}" if first else "",
                     str(run["threads"])]
            if "kiln_ms" in run:
                cells += [ms(run["kiln_ms"]), ms(run["ort_ms"]),
                          f"{run['ratio']:.2f}",
                          f"{run['min_ratio']:.2f}" if "min_ratio" in run else "-",
                          f"{run['kiln_gflops']:.1f} ({100 * run['kiln_peak_fraction']:.0f}%)",
                          f"{run['ort_gflops']:.1f} ({100 * run['ort_peak_fraction']:.0f}%)"]
                cells += ([f"{row['compile_seconds']:.1f}", mib(row["library_bytes"]),
                           str(row["workspace_bytes"]), ort_peak(row), row["numerics"]]
                          if first else ["", "", "", "", ""])
            else:
                cells += [short_reason(row) if first else "",
                          ms(run["ort_ms"]), "", "",
                          "",
                          f"{run['ort_gflops']:.1f} ({100 * run['ort_peak_fraction']:.0f}%)",
                          "", "", "", ort_peak(row) if first else "", ""]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_doc(path, results):
    m = results["machine"]
    peak = results["peak"]
    rows = results["rows"]
    not_compiling = [r for r in rows if "reason" in r]
    with open(path, "w") as f:
        f.write("# Benchmarks: Kiln and ONNX Runtime on the model zoo\n\n")
        f.write("<!-- Generated by bench/run.sh; rerun it to refresh this page. -->\n\n")
        f.write(f"Measured {results['date']} by `bench/run.sh` (Kiln {results['commit']}, "
                f"ONNX Runtime {results['onnxruntime']}), both in the same run on the same "
                "machine:\n\n")
        family = (f" (x86 family {m['family']}, model {m.get('model', '?')})"
                  if m.get("family") else "")
        f.write(f"- CPU: {m['cpu']}{family}, {m['cpus']} CPUs ({m['sockets']} socket(s) x "
                f"{m['cores_per_socket']} cores x {m['threads_per_core']} threads)"
                + (f", under {m['hypervisor']}" if m["hypervisor"] else "") + "\n")
        l1d = f"L1d {m['l1d']}, " if m.get("l1d") else ""
        f.write(f"- caches: {l1d}L2 {m['l2']}, L3 {m['l3']}; vector ISA: {m['isa']}; "
                f"memory {m['memory_gib']} GiB; Linux {m['kernel']}\n")
        f.write(f"- FP32 FMA peak (bench/peak/fma_peak.c): {peak['per_core']:.1f} GFLOP/s "
                f"per core; {peak['all']:.1f} GFLOP/s measured with {peak['threads']} "
                "threads at once\n")
        f.write(f"- load average before/after: {results['load_before']} / "
                f"{results['load_after']}"
                f"{'; ' + results['note'] if results.get('note') else ''}\n\n")
        f.write("How: Kiln is `kilnc model.onnx` -> `libNAME.a` linked into the C driver "
                "`test/e2e/harness/kiln_harness.c` (median of N runs after a warm-up, "
                "`NAME_set_num_threads(T)`, a workspace of 2 MiB or more on transparent "
                "huge pages as the generated header advises); ONNX Runtime is the CPU provider with "
                "ORT_ENABLE_ALL, T intra-op threads and 1 inter-op thread (median of N "
                "`run` calls from Python after two warm-ups; the Python call adds some "
                "microseconds, which matters for the smallest models only). GFLOP counts "
                "2 x the multiply-accumulates of Conv, ConvTranspose, MatMul, Gemm, LSTM "
                "and GRU (a lower bound: elementwise work is not counted); % peak is of "
                "T x the per-core FMA peak. Kiln/ORT above 1 means Kiln is slower; "
                "\"fastest\" is the ratio of the two fastest runs, steadier than the "
                "medians' on a shared host whose speed changes from minute to minute. "
                "Workspace bytes is `NAME_workspace_size()`, all the memory a Kiln run "
                "uses besides inputs, outputs, weights and the up to 32 KiB of stack per thread "
                "that its tasks' private tiles take (the header states how many); ORT peak bytes is the most heap "
                "memory ONNX Runtime held during three runs beyond what it held once the "
                "session was created, its arena off, inputs and outputs bound in advance "
                "(`bench/ort_memory.py`, which counts every malloc); numerics compares Kiln's "
                "outputs with ONNX Runtime's (optimizations off) on fixed random inputs: "
                "max|diff| <= 1e-4 x max(1, max|ref|). For models Kiln cannot compile yet "
                "the Kiln columns hold the reason, and ONNX Runtime's numbers still "
                "show.\n\n")
        f.write(table(rows) + "\n\n")
        if not_compiling:
            f.write("## Not compiled yet\n\n")
            f.write("Kiln's diagnostic (it stops at the first unsupported node), then every "
                    "operator of the model that `kilnc --list-ops` lacks:\n\n")
            for r in not_compiling:
                f.write(f"- `{r['model']}`: {r['status']}: {r['reason']}")
                if r.get("missing_ops"):
                    f.write(f" (lacks {', '.join(r['missing_ops'])})")
                f.write("\n")
            f.write("\n")
        f.write("## Models\n\n")
        for r in rows:
            f.write(f"- `{r['model']}`: {r['description']}; {r['parameters'] / 1e6:.2f} M "
                    "parameters\n")
        f.write("\nThe models come from `bench/zoo` (see [zoo.md](zoo.md)).\n")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", help="comma-separated zoo models (default: all)")
    p.add_argument("--threads", default="1,2", help="thread counts (default 1,2)")
    p.add_argument("--budget", type=float, default=2.0,
                   help="seconds per measurement (default 2)")
    p.add_argument("--kilnc", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    p.add_argument("--cc", default="cc")
    p.add_argument("--cache", default=zoo.DEFAULT_CACHE)
    p.add_argument("--work", default=os.path.join(ROOT, "build", "bench-work"))
    p.add_argument("--keep", action="store_true", help="keep libraries and outputs")
    p.add_argument("--timeout", type=int, default=3600, help="seconds per compile or run")
    p.add_argument("--doc", default=os.path.join(ROOT, "docs", "benchmarks.md"))
    p.add_argument("--no-doc", action="store_true")
    p.add_argument("--json", help="also write the results as JSON")
    p.add_argument("--note", default="", help="a remark for the page (e.g. other load)")
    p.add_argument("--render", metavar="JSON",
                   help="only rewrite the page from an earlier run's --json")
    args = p.parse_args(argv)
    if args.render:
        with open(args.render) as f:
            results = json.load(f)
        print(table(results["rows"]))
        write_doc(args.doc, results)
        print(f"wrote {os.path.relpath(args.doc)}")
        return 0
    args.threads = [int(t) for t in args.threads.split(",")]
    names = args.models.split(",") if args.models else list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        print(f"bench: unknown model(s) {', '.join(unknown)}", file=sys.stderr)
        return 2
    if not os.path.exists(args.kilnc):
        print(f"bench: no kilnc at {args.kilnc} (build Kiln first or pass --kilnc)",
              file=sys.stderr)
        return 2
    os.makedirs(args.work, exist_ok=True)

    started = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    commit = sh(["git", "-C", ROOT, "describe", "--always", "--dirty"]) or "?"
    load_before = load_average()
    info = machine()
    peak = measure_peak(args.cc, args.work, max(args.threads))
    print(f"{info['cpu']}, {info['cpus']} CPUs; FP32 FMA peak {peak['per_core']:.1f} "
          f"GFLOP/s per core, {peak['all']:.1f} with {peak['threads']} threads", flush=True)
    args.supported = runner.supported_ops(args.kilnc)
    rows = []
    for name in names:
        print(f"{name}:", flush=True)
        rows.append(bench_model(name, args, peak))
    load_after = load_average()
    print()
    print(table(rows))
    for r in rows:
        if "reason" in r:
            print(f"{r['model']}: {r['status']}: {r['reason']}"
                  + (f" (lacks {', '.join(r['missing_ops'])})" if r.get("missing_ops") else ""))
    import onnxruntime
    results = {"machine": info, "peak": peak, "date": started, "commit": commit,
               "onnxruntime": onnxruntime.__version__, "load_before": load_before,
               "load_after": load_after, "note": args.note, "rows": rows}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    if not args.no_doc:
        write_doc(args.doc, results)
        print(f"wrote {os.path.relpath(args.doc)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
