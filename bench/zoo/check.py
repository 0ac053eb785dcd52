#!/usr/bin/env python3
"""Numerics of the zoo: every model compiled with kilnc, linked into the C
harness, run, and compared with ONNX Runtime.

  check.py [--models A,B | --ci | --all] [--expected LIST [--accept]]
           [--kilnc PATH] [--kilnc-arg ARG ...] [--cc CC] [--target TRIPLE]
           [--run-prefix CMD] [--cache DIR] [--work DIR] [--output results.json]
           [-j N]

The criterion is max|diff| <= 1e-4 * max(1, max|ref|) per float output
(integers exactly). Prints one line per model: PASS with the largest
difference, or the status and its one-line reason (for a model Kiln cannot
compile yet, Kiln's own diagnostic). --expected is the regression gate, as in
test/conformance: exit 1 when a model listed there does not pass; models
that pass but are not listed are named (--accept rewrites the list to the
models that pass in this run). Without --expected the exit status is 0
whatever the results, 2 on a usage error.

--kilnc-arg passes an option to every kilnc run (repeatable), e.g.
--kilnc-arg=--emulate-gpu checks the GPU code generator's kernels run on the
CPU. --target, --cc and --run-prefix cross-compile and run elsewhere, e.g.
  --target aarch64-linux-gnu --cc aarch64-linux-gnu-gcc
  --run-prefix 'qemu-aarch64 -L /usr/aarch64-linux-gnu'
"""

import argparse
import concurrent.futures
import json
import os
import shutil
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import runner  # noqa: E402
import zoo  # noqa: E402
from models import MODELS  # noqa: E402


def check_model(name, args):
    """One model's result: a dict with status (pass, mismatch, or a
    runner.Failure status), reason, and timings."""
    result = {"model": name}
    start = time.time()
    try:
        model_dir, meta = zoo.ensure(name, args.cache)
        work = os.path.join(args.work, name)
        shutil.rmtree(work, ignore_errors=True)
        extra = (["--target", args.target] if args.target else []) + args.kilnc_arg
        lib, seconds = runner.compile_model(args.kilnc, model_dir, work, name, extra,
                                            timeout=args.timeout)
        result["compile_seconds"] = round(seconds, 2)
        exe = runner.link_harness(args.cc, lib, name)
        out = os.path.join(work, "out")
        runner.run_harness(exe, model_dir, out, args.run_prefix, timeout=args.timeout)
        ok, worst, summaries = runner.compare(model_dir, out, meta["outputs"])
        result["status"] = "pass" if ok else "mismatch"
        result["reason"] = "; ".join(summaries)
        result["worst_ratio"] = worst
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    except runner.Failure as failure:
        result["status"] = failure.status
        result["reason"] = failure.reason
        missing = runner.missing_ops(args.supported, meta)
        if missing:
            result["missing_ops"] = missing
    except Exception as error:  # a generator bug: report it, go on
        result["status"] = "error"
        result["reason"] = f"{type(error).__name__}: {error}"
    result["seconds"] = round(time.time() - start, 2)
    return result


def read_list(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [n for n in (line.split("#", 1)[0].strip() for line in f) if n]


def gate(results, path, accept):
    """Compares with the expected-pass list; returns the exit status. Only
    the listed models this run covers are checked (check-kiln runs the small
    ones; the benchmark all of them)."""
    listed = read_list(path)
    by_name = {r["model"]: r for r in results}
    expected = [n for n in listed if n in by_name]
    regressed = [by_name[n] for n in expected if by_name[n]["status"] != "pass"]
    new = [r["model"] for r in results if r["status"] == "pass" and r["model"] not in listed]
    if accept:
        # Models this run did not cover keep their entries.
        passes = sorted(set(n for n in listed if n not in by_name) |
                        set(r["model"] for r in results if r["status"] == "pass"))
        for r in regressed:
            print(f"  dropping {r['model']}: {r['status']}: {r['reason']}")
        with open(path, "w") as f:
            f.write("# Zoo models that compile and match ONNX Runtime (bench/zoo/check.py "
                    "--accept writes it);\n# check-kiln fails when one of them that it runs "
                    "stops passing.\n")
            f.writelines(n + "\n" for n in passes)
        print(f"wrote {len(passes)} models to {path}")
        return 0
    if new:
        print(f"{len(new)} model(s) pass but are not in {path}; add them "
              f"(--accept does): {', '.join(new)}")
    if regressed:
        print(f"REGRESSION: {len(regressed)} of {len(expected)} expected passes no longer pass:")
        for r in regressed:
            print(f"  {r['model']}: {r['status']}: {r['reason']}")
        return 1
    print(f"ok: all {len(expected)} expected passes run here pass")
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = p.add_mutually_exclusive_group()
    which.add_argument("--models", help="comma-separated model names")
    which.add_argument("--ci", action="store_true", help="the models check-kiln runs")
    which.add_argument("--all", action="store_true", help="every model (the default)")
    p.add_argument("--expected", help="expected-pass list: the regression gate")
    p.add_argument("--accept", action="store_true", help="rewrite --expected")
    p.add_argument("--kilnc", default=os.path.join(zoo.ROOT, "build", "bin", "kilnc"))
    p.add_argument("--kilnc-arg", action="append", default=[], metavar="ARG",
                   help="an extra kilnc option (repeatable), e.g. --kilnc-arg=--emulate-gpu")
    p.add_argument("--cc", default="cc", help="C compiler (a command line)")
    p.add_argument("--target", help="kilnc --target")
    p.add_argument("--run-prefix", default="", help="runs the harness (e.g. qemu)")
    p.add_argument("--cache", default=zoo.DEFAULT_CACHE, help="generated models")
    p.add_argument("--work", default=os.path.join(zoo.ROOT, "build", "zoo-work"),
                   help="libraries and outputs")
    p.add_argument("--keep", action="store_true", help="keep the libraries and outputs")
    p.add_argument("--output", help="write the results as JSON")
    p.add_argument("--timeout", type=int, default=3600, help="seconds per step")
    p.add_argument("-j", "--jobs", type=int, default=1)
    args = p.parse_args(argv)

    if args.models:
        names = [n for n in args.models.split(",") if n]
        unknown = [n for n in names if n not in MODELS]
        if unknown:
            print(f"check.py: unknown model(s) {', '.join(unknown)}", file=sys.stderr)
            return 2
    elif args.ci:
        names = [n for n, s in MODELS.items() if s.ci]
    else:
        names = list(MODELS)

    args.supported = runner.supported_ops(args.kilnc)
    # Generation first, one at a time (it uses ONNX Runtime's threads).
    for name in names:
        try:
            zoo.ensure(name, args.cache)
        except Exception:
            pass  # reported by check_model
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        results = list(pool.map(lambda n: check_model(n, args), names))

    width = max(len(n) for n in names)
    for r in results:
        print(f"{r['status'].upper():13} {r['model']:{width}}  {r['reason']}")
        if r.get("missing_ops"):
            print(f"{'':13} {'':{width}}  (operators kilnc --list-ops lacks: "
                  f"{', '.join(r['missing_ops'])})")
    passed = sum(r["status"] == "pass" for r in results)
    print(f"{passed} of {len(results)} models pass")
    if args.output:
        with open(args.output, "w") as f:
            json.dump({"target": args.target or "host", "results": results}, f, indent=1)
    if args.expected:
        return gate(results, args.expected, args.accept)
    return 0


if __name__ == "__main__":
    sys.exit(main())
