#!/usr/bin/env python3
"""Races in the GPU kernels of the models in Inputs/, found without a GPU.

For each case (a model of Inputs/ and its inputs from Inputs/cases.py, with
or without --gpu-tf32), runs `kiln-run MODEL --emulate-gpu`:
- with --emulate-gpu-check-races, which checks every access to workgroup
  memory against the other threads' accesses since the last barrier, and
  every access to global memory against its view's bounds, the other
  blocks' accesses in the same launch and its block's since the last
  barrier (the model's run then fails with KILN_ERROR_RACE, naming the
  first race or access out of bounds);
- forward and with --emulate-gpu-reversed (blocks and threads from the last
  id down), on one thread, and compares the outputs bit for bit: a thread that reads global
  memory another thread writes in the same segment, or a block that reads
  another's output, sees it in one order and not in the other (bfloat16
  outputs are compared as the .pb files kiln-run writes for them).

usage: check_races.py --kiln-run KILN_RUN --work DIR [CASE ...]
Prints one line a case and "N failures"; exits 1 on any failure.
"""
import argparse
import filecmp
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (case, model in Inputs/, kiln-run flags[, its data: case in cases.py if
# not the case itself]): every case whose
# kernels use workgroup memory (staged products and convolutions, FP32, TF32,
# f16 and bf16; block, column and row reductions; recurrent steps).
CASES = [
    ("matmuls", "matmuls", []),
    ("register_tiles", "register_tiles", []),
    ("register_tiles_tf32", "register_tiles", ["--gpu-tf32"]),
    ("grouped_tiles", "grouped_tiles", []),
    ("convs", "convs", []),
    ("convs_tf32", "convs", ["--gpu-tf32"]),
    ("paddings", "paddings", []),
    ("partial_tiles", "partial_tiles", []),
    ("partial_tiles_tf32", "partial_tiles", ["--gpu-tf32"]),
    ("split_products", "split_products", []),
    ("split_products_tf32", "split_products", ["--gpu-tf32"]),
    ("half_matmuls", "half_matmuls", []),
    ("half_convs", "half_convs", []),
    ("half_pairs", "half_pairs", []),
    ("half_quads", "half_quads", []),
    ("half_column_pairs", "half_column_pairs", []),
    ("gemm_starts", "gemm_starts", []),
    ("computed_inputs", "computed_inputs", []),
    ("heads", "heads", []),
    ("reductions", "reductions", []),
    ("column_reductions", "column_reductions", []),
    ("row_kernels", "row_kernels", []),
    ("long_rows", "long_rows", []),
    ("half_rows", "half_rows", []),
    ("residual_stream", "residual_stream", []),
    ("squeeze_excite", "squeeze_excite", []),
    ("matvec", "matvec", []),
    ("two_recurrences", "two_recurrences", []),
    ("lstm_steps", "lstm_steps", []),
    ("gru_steps", "gru_steps", []),
    ("long_tiles", "long_tiles", []),
    ("tf32_ties", "tf32_ties", ["--gpu-tf32"]),
    # The FP32 staged kernels again with asynchronous copies (cp.async).
    ("matmuls_async", "matmuls", ["--gpu-async-copies"], "matmuls"),
    ("register_tiles_async", "register_tiles", ["--gpu-async-copies"], "register_tiles"),
    ("grouped_tiles_async", "grouped_tiles", ["--gpu-async-copies"], "grouped_tiles"),
    ("convs_async", "convs", ["--gpu-async-copies"], "convs"),
    ("partial_tiles_async", "partial_tiles", ["--gpu-async-copies"], "partial_tiles"),
    ("split_products_async", "split_products", ["--gpu-async-copies"], "split_products"),
    ("long_tiles_async", "long_tiles", ["--gpu-async-copies"], "long_tiles"),
]


def run(cmd):
    """(exit status, stdout and stderr)."""
    done = subprocess.run(cmd, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def check(kiln_run, work, case, model, flags, data):
    """A failure's one-line reason, or None."""
    folder = os.path.join(work, case)
    code, out = run([sys.executable, os.path.join(HERE, "Inputs", "cases.py"), data,
                     os.path.join(folder, "data")])
    if code:
        return "cases.py failed: " + out.strip().splitlines()[-1]
    inputs = sorted((f for f in os.listdir(os.path.join(folder, "data"))
                     if f.startswith("input_")),
                    key=lambda f: int(f.split("_")[1].split(".")[0]))
    base = [kiln_run, os.path.join(HERE, "Inputs", model + ".onnx.txt"), "--emulate-gpu",
            *flags]
    for f in inputs:
        base += ["--inputs", os.path.join(folder, "data", f)]
    code, out = run(base + ["--emulate-gpu-check-races"])
    if code:
        return "race check: " + (out.strip().splitlines() or ["exit %d" % code])[-1]
    outputs = {}
    for order, extra in (("forward", []), ("reversed", ["--emulate-gpu-reversed"])):
        # One thread: the blocks run in the order asked for.
        code, out = run(base + extra + ["--threads", "1",
                                        "--output-dir", os.path.join(folder, order)])
        if code:
            return "%s run: %s" % (order, out.strip().splitlines()[-1])
        outputs[order] = sorted(os.listdir(os.path.join(folder, order)))
    if not outputs["forward"] or outputs["forward"] != outputs["reversed"]:
        return "reversed run: outputs %s, forward %s" % (outputs["reversed"], outputs["forward"])
    differing = [name for name in outputs["forward"]
                 if not filecmp.cmp(os.path.join(folder, "forward", name),
                                    os.path.join(folder, "reversed", name), shallow=False)]
    if differing:
        return "reversed order changes " + ", ".join(differing)
    return "no race; reversed order: same bits in %d outputs" % len(outputs["forward"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kiln-run", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("cases", nargs="*", help="cases to run (default: all)")
    args = parser.parse_args()
    chosen = [c for c in CASES if not args.cases or c[0] in args.cases]
    failures = 0
    for case, model, flags, *data in chosen:
        result = check(args.kiln_run, args.work, case, model, flags, data[0] if data else case)
        ok = result.startswith("no race")
        failures += not ok
        print("%s %s: %s" % ("ok  " if ok else "FAIL", case, result), flush=True)
    print("%d failures" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
