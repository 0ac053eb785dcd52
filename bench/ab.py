#!/usr/bin/env python3
"""A/B timing of two kilnc builds on the same models, interleaved.

  .venv/bin/python bench/ab.py --base OTHER/bin/kilnc [--new build/bin/kilnc]
      [--models resnet50,unet_small] [--cases r50_conv3x3_64_56] [--threads 1,2]
      [--rounds 5] [--budget 0.3] [--copies 3] [--base-env VAR=VALUE ...]

On a shared machine, absolute times drift by 10-15% between runs minutes
apart, more than many code-generation changes are worth. This compiles each
model with both compilers, links both into the generic harness, then
alternates them (base, new, base, new, ...) for --rounds rounds of about
--budget seconds each, and prints each side's median of the per-round
medians and new/base (below 1: the new compiler is faster), then the same
for each side's fastest single run ("min"): on a host whose speed switches
between two levels (a busy sibling hyperthread), the fastest run is the
code's uncontended time and moves less than the median. Models are the
zoo's (--models, bench/zoo) and the GEMM microbenchmark's (--cases,
bench/gemm); both must have been prepared by bench/run.sh or
bench/gemm/run.sh before. Outputs are not checked here: the benchmarks and
tests do that.

--base ort times ONNX Runtime instead of a second kilnc (in this process,
ORT_ENABLE_ALL, the same thread count, --budget seconds of session.run calls
per round), interleaved with the new compiler's library the same way: the
Kiln/ORT ratio of bench/run.sh, but with both sides sampled alternately.

Each side's harness is linked once and run from --copies copies of its
file, one per round in turn. A library's weights are read where the
executable's file is cached in memory, so the physical pages, and with them
the cache sets, that the weights occupy are fixed for as long as that file
stays cached: two copies of one harness took 0.61 and 0.66 ms a run of the
LSTM, steadily, a bias larger than some changes (docs/performance.md,
thirty-fifth round). Copies spread each side over several placements.

--base-env VAR=VALUE runs the base side's harness with VAR set: with the
same kilnc on both sides, it measures what a setting of the harness is
worth (KILN_HARNESS_SMALL_PAGES=1: the workspace on ordinary pages instead
of huge pages).
"""

import argparse
import functools
import os
import re
import shlex
import shutil
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "bench", "zoo"))

import runner  # noqa: E402


def timings_ms(exe, model_dir, out_dir, prefix, threads, iterations):
    """(median, fastest) of one harness run of `iterations` runs."""
    out = runner.run_harness(exe, model_dir, out_dir, run_prefix=prefix, threads=threads,
                             benchmark=iterations)
    return (float(re.search(r"median: (\S+) ms", out).group(1)),
            float(re.search(r"min: (\S+) ms", out).group(1)))


class OrtSide:
    """ONNX Runtime timed like a harness: one session per thread count."""

    def __init__(self, model_dir):
        import numpy as np

        self.model_dir = model_dir
        self.sessions = {}
        self.feeds = None
        self.np = np

    def timings_ms(self, threads, iterations):
        if threads not in self.sessions:
            session = runner.ort_session(self.model_dir, threads)
            names = [i.name for i in session.get_inputs()]
            self.feeds = {n: self.np.load(f)
                          for n, f in zip(names, runner.input_files(self.model_dir))}
            session.run(None, self.feeds)
            self.sessions[threads] = session
        session = self.sessions[threads]
        times = []
        for _ in range(iterations):
            start = time.perf_counter()
            session.run(None, self.feeds)
            times.append((time.perf_counter() - start) * 1e3)
        return statistics.median(times), min(times)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True,
                   help="the kilnc to compare against, or 'ort' for ONNX Runtime")
    p.add_argument("--new", default=os.path.join(ROOT, "build", "bin", "kilnc"))
    p.add_argument("--models", default="", help="zoo models (build/zoo/NAME)")
    p.add_argument("--cases", default="", help="GEMM cases (build/bench-gemm/cases/NAME)")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--budget", type=float, default=0.3, help="seconds per round and side")
    p.add_argument("--copies", type=int, default=3,
                   help="copies of each side's harness file, used one per round in turn")
    p.add_argument("--cc", default="cc")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "bench-ab"))
    p.add_argument("--base-env", action="append", default=[], metavar="VAR=VALUE",
                   help="environment of the base side's harness runs (repeatable)")
    args = p.parse_args(argv)
    if args.copies < 1:
        p.error("--copies wants at least 1")
    for setting in args.base_env:
        if "=" not in setting or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", setting.split("=")[0]):
            p.error(f"--base-env wants VAR=VALUE, got '{setting}'")
    if args.base == "ort" and args.base_env:
        p.error("--base-env applies to a kilnc base's harness, not to ONNX Runtime")
    prefixes = {"base": shlex.join(["env"] + args.base_env) if args.base_env else "",
                "new": ""}

    dirs = [(m, os.path.join(ROOT, "build", "zoo", m)) for m in args.models.split(",") if m]
    dirs += [(c, os.path.join(ROOT, "build", "bench-gemm", "cases", c))
             for c in args.cases.split(",") if c]
    threads = [int(t) for t in args.threads.split(",")]
    print(f"{'model':28} {'T':>2} {'base ms':>9} {'new ms':>9} {'new/base':>8}"
          f" {'base min':>9} {'new min':>9} {'min n/b':>8}")
    for name, model_dir in dirs:
        if not os.path.exists(os.path.join(model_dir, "model.onnx")):
            print(f"{name:28} not prepared ({model_dir})")
            continue
        sides = {}
        for side, kilnc in (("base", args.base), ("new", args.new)):
            if kilnc == "ort":
                ort = OrtSide(model_dir)
                sides[side] = [ort.timings_ms]
                continue
            work = os.path.join(args.work, name, side)
            lib, _ = runner.compile_model(kilnc, model_dir, work, name)
            exe = runner.link_harness(args.cc, lib, name)
            copies = [f"{exe}.{i}" for i in range(args.copies)]
            for copy in copies:
                shutil.copy2(exe, copy)
            out_dir = os.path.join(args.work, name, "out")
            sides[side] = [functools.partial(timings_ms, copy, model_dir, out_dir, prefixes[side])
                           for copy in copies]
        for t in threads:
            first = max(sides["base"][0](t, 3)[0], sides["new"][0](t, 3)[0])
            iterations = max(3, min(1000, int(args.budget * 1e3 / max(first, 1e-3))))
            samples = {"base": [], "new": []}
            for r in range(args.rounds):
                for side in ("base", "new"):
                    run = sides[side][r % len(sides[side])]
                    samples[side].append(run(t, iterations))
            base = statistics.median(s[0] for s in samples["base"])
            new = statistics.median(s[0] for s in samples["new"])
            base_min = min(s[1] for s in samples["base"])
            new_min = min(s[1] for s in samples["new"])
            print(f"{name:28} {t:>2} {base:9.3f} {new:9.3f} {new / base:8.3f}"
                  f" {base_min:9.3f} {new_min:9.3f} {new_min / base_min:8.3f}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
