#!/usr/bin/env python3
"""A/B timing of two kilnc builds on the same models, interleaved.

  .venv/bin/python bench/ab.py --base OTHER/bin/kilnc [--new build/bin/kilnc]
      [--models resnet50,unet_small] [--cases r50_conv3x3_64_56] [--threads 1,2]
      [--rounds 5] [--budget 0.3]

On a shared machine, absolute times drift by 10-15% between runs minutes
apart, more than many code-generation changes are worth. This compiles each
model with both compilers, links both into the generic harness, then
alternates them (base, new, base, new, ...) for --rounds rounds of about
--budget seconds each, and prints each side's median of the per-round
medians and new/base (below 1: the new compiler is faster). Models are the
zoo's (--models, bench/zoo) and the GEMM microbenchmark's (--cases,
bench/gemm); both must have been prepared by bench/run.sh or
bench/gemm/run.sh before. Outputs are not checked here: the benchmarks and
tests do that.
"""

import argparse
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "bench", "zoo"))

import runner  # noqa: E402


def median_ms(exe, model_dir, out_dir, threads, iterations):
    out = runner.run_harness(exe, model_dir, out_dir, threads=threads, benchmark=iterations)
    return float(re.search(r"median: (\S+) ms", out).group(1))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="the kilnc to compare against")
    p.add_argument("--new", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    p.add_argument("--models", default="", help="zoo models (build/zoo/NAME)")
    p.add_argument("--cases", default="", help="GEMM cases (build/bench-gemm/cases/NAME)")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--budget", type=float, default=0.3, help="seconds per round and side")
    p.add_argument("--cc", default="cc")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "bench-ab"))
    args = p.parse_args(argv)

    dirs = [(m, os.path.join(ROOT, "build", "zoo", m)) for m in args.models.split(",") if m]
    dirs += [(c, os.path.join(ROOT, "build", "bench-gemm", "cases", c))
             for c in args.cases.split(",") if c]
    threads = [int(t) for t in args.threads.split(",")]
    print(f"{'model':28} {'T':>2} {'base ms':>9} {'new ms':>9} {'new/base':>8}")
    for name, model_dir in dirs:
        if not os.path.exists(os.path.join(model_dir, "model.onnx")):
            print(f"{name:28} not prepared ({model_dir})")
            continue
        exes = {}
        for side, kilnc in (("base", args.base), ("new", args.new)):
            work = os.path.join(args.work, name, side)
            lib, _ = runner.compile_model(kilnc, model_dir, work, name)
            exes[side] = runner.link_harness(args.cc, lib, name)
        out_dir = os.path.join(args.work, name, "out")
        for t in threads:
            first = median_ms(exes["base"], model_dir, out_dir, t, 3)
            iterations = max(3, min(1000, int(args.budget * 1e3 / max(first, 1e-3))))
            samples = {"base": [], "new": []}
            for _ in range(args.rounds):
                for side in ("base", "new"):
                    samples[side].append(median_ms(exes[side], model_dir, out_dir, t, iterations))
            base = statistics.median(samples["base"])
            new = statistics.median(samples["new"])
            print(f"{name:28} {t:>2} {base:9.3f} {new:9.3f} {new / base:8.3f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
