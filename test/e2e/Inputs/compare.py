"""Compares the outputs kiln_harness wrote with the expected ones.

  compare.py [--rtol R] [--atol A] [--model MODEL] OUT_DIR EXPECTED...

EXPECTED are the graph outputs in order (cases.py's expected_<i>.npy). Output
i is read from OUT_DIR/<name>.npy, with <name> the model's output name made
file-system safe as kiln_harness does it; the names come from MODEL, by
default the model.onnx beside the first expected file.

The rules are ONNX's backend-test rules: |actual - expected| <= atol +
rtol * |expected| for floats (defaults rtol 1e-3, atol 1e-7), NaN equals NaN,
an infinity only itself; integers and bools exactly; dtype and shape exactly.
Prints one line per output, "output 'NAME': match (...)" or
"output 'NAME': MISMATCH (...)", and exits 0 if all match, 1 on a mismatch,
2 on an error (a missing file, bad arguments).
"""

import argparse
import os
import sys

import numpy as np
import onnx


def harness_file_names(names):
    """kiln_harness's file names: characters other than letters, digits,
    '_', '-' and a non-leading '.' become '_'; an empty name is output<i>;
    a name taken by an earlier output gets "_<i>" appended."""
    files = []
    for i, name in enumerate(names):
        safe = "".join(
            chr(b) if (chr(b).isascii() and chr(b).isalnum()) or
            chr(b) in "_-" or (chr(b) == "." and j > 0) else "_"
            for j, b in enumerate(name.encode("utf-8")[:200]))
        if not safe:
            safe = f"output{i}"
        while safe in files:
            safe += f"_{i}"
        files.append(safe)
    return [f + ".npy" for f in files]


def compare(actual, expected, rtol, atol):
    """(ok, summary) under the ONNX rules."""
    if actual.dtype != expected.dtype:
        return False, f"dtype {actual.dtype}, expected {expected.dtype}"
    if actual.shape != expected.shape:
        return False, (f"shape {list(actual.shape)}, expected "
                       f"{list(expected.shape)}")
    count = expected.size
    if expected.dtype.kind in "biu":
        bad = actual != expected
        tolerance = "exact"
        diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
    else:
        a = actual.astype(np.float64)
        e = expected.astype(np.float64)
        both_nan = np.isnan(a) & np.isnan(e)
        same_inf = np.isinf(e) & (a == e)
        with np.errstate(invalid="ignore"):
            diff = np.where(both_nan | same_inf, 0.0, np.abs(a - e))
        diff = np.where(np.isnan(diff), np.inf, diff)
        bad = diff > atol + rtol * np.abs(np.where(np.isinf(e), 0.0, e))
        bad |= np.isnan(a) != np.isnan(e)
        tolerance = f"rtol {rtol:g}, atol {atol:g}"
    worst = float(diff.max()) if count else 0.0
    summary = (f"max |diff| {worst:.3g}, {int(bad.sum())} of {count} "
               f"elements out of tolerance ({tolerance})")
    if not bad.any():
        return True, summary
    index = tuple(int(i) for i in np.argwhere(bad)[0])
    summary += (f"; first at index {list(index)}: actual {actual[index]}, "
                f"expected {expected[index]}")
    return False, summary


def report(names, out_dir, expected, rtol, atol):
    """Compares the harness's output files in out_dir (one per name) with the
    expected arrays; prints one line per output and returns whether all
    match. A missing or unreadable output raises OSError or ValueError."""
    all_match = True
    for name, file, want in zip(names, harness_file_names(names), expected):
        actual = np.load(os.path.join(out_dir, file), allow_pickle=False)
        ok, summary = compare(actual, want, rtol, atol)
        print(f"output '{name}': {'match' if ok else 'MISMATCH'} ({summary})")
        all_match &= ok
    return all_match


def main():
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0])
    parser.add_argument("--rtol", type=float, default=1e-3)
    parser.add_argument("--atol", type=float, default=1e-7)
    parser.add_argument("--model")
    parser.add_argument("out_dir")
    parser.add_argument("expected", nargs="+")
    args = parser.parse_args()

    model_path = args.model or os.path.join(
        os.path.dirname(args.expected[0]), "model.onnx")
    try:
        graph = onnx.load(model_path, load_external_data=False).graph
    except Exception as error:  # onnx raises several kinds
        print(f"compare.py: error: {model_path}: {error}", file=sys.stderr)
        return 2
    names = [o.name for o in graph.output]
    if len(names) != len(args.expected):
        print(f"compare.py: error: the model has {len(names)} outputs, "
              f"{len(args.expected)} expected files given", file=sys.stderr)
        return 2

    try:
        expected = [np.load(path, allow_pickle=False) for path in args.expected]
        return 0 if report(names, args.out_dir, expected, args.rtol, args.atol) else 1
    except (OSError, ValueError) as error:
        print(f"compare.py: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
