#!/usr/bin/env python3
"""Memory profile of the GPU kernels, in emulation: a table per model.

Runs `kiln-run MODEL --emulate-gpu --emulate-gpu-profile-memory` (the very
kernels `kilnc --gpu` builds, emulated on the CPU, each access to shared
or global memory counted per warp-level request; see docs/architecture.md,
"GPU path") and summarizes what it prints: for each model, the shared-
memory wavefronts and global 32-byte sectors in all (and per warp-level
request) against their ideal, and the access descriptions that waste the
most.

  bench/gpu/memory_profile.py --kiln-run build/bin/kiln-run [--blocks N]
      [--kiln-arg=--gpu-tf32 ...] [--worst K] MODEL...

MODEL is an ONNX file, or a directory holding model.onnx (a zoo model:
bench/zoo/zoo.py make NAME); a name=path form names the row. --blocks N
profiles the first N blocks of each launch only (every block runs the
same code; the emulation still runs them all).
"""

import argparse
import os
import re
import subprocess
import sys
import time

LINE = re.compile(
    r"^\s*(?P<site>\d+)\s+(?P<sites>\d+)\s+(?P<memory>shared|global)\s+(?P<op>load|store)\s+"
    r"(?P<bytes>\d+)\s+(?P<requests>\d+)\s+(?P<per>[\d.]+)\s+(?P<ideal>[\d.]+)\s+"
    r"(?P<excess>-?[\d.]+)%\s+(?P<access>.*)$")


def profile(kiln_run, model, blocks, extra):
    command = [kiln_run, model, "--emulate-gpu", "--emulate-gpu-profile-memory",
               f"--emulate-gpu-profile-blocks={blocks}"] + extra
    start = time.time()
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"memory_profile.py: {' '.join(command)} failed:\n{result.stderr.strip()}")
    rows = []
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        if not match:
            continue
        row = match.groupdict()
        requests = int(row["requests"])
        rows.append({
            "memory": row["memory"], "op": row["op"], "bytes": int(row["bytes"]),
            "requests": requests,
            "transactions": round(float(row["per"]) * requests),
            "ideal": round(float(row["ideal"]) * requests),
            "access": row["access"],
        })
    return rows, time.time() - start


def summary(rows, memory):
    chosen = [r for r in rows if r["memory"] == memory]
    requests = sum(r["requests"] for r in chosen)
    transactions = sum(r["transactions"] for r in chosen)
    ideal = sum(r["ideal"] for r in chosen)
    if not requests:
        return "-"
    return (f"{transactions} / {ideal} (+{100.0 * (transactions - ideal) / ideal:.1f}%), "
            f"{transactions / requests:.2f} a request")


def worst(rows, count):
    ranked = sorted(rows, key=lambda r: r["transactions"] - r["ideal"], reverse=True)
    lines = []
    for r in ranked[:count]:
        extra = r["transactions"] - r["ideal"]
        if extra <= 0:
            break
        lines.append(f"{r['memory']} {r['op']} of {r['bytes']} bytes: "
                     f"{r['transactions'] / r['requests']:.2f} per request, ideal "
                     f"{r['ideal'] / r['requests']:.2f}, {extra} extra: {r['access']}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kiln-run", default="build/bin/kiln-run")
    parser.add_argument("--blocks", type=int, default=0,
                        help="profile the first N blocks of each launch (0: all)")
    parser.add_argument("--kiln-arg", action="append", default=[],
                        help="another kiln-run flag (--gpu-tf32, --gpu-async-copies)")
    parser.add_argument("--worst", type=int, default=3,
                        help="list the K access descriptions with the most extra transactions")
    parser.add_argument("models", nargs="+")
    args = parser.parse_args()

    print("| model | shared wavefronts / ideal | global sectors / ideal | seconds |")
    print("|---|---|---|---|")
    details = []
    for spec in args.models:
        name, _, path = spec.rpartition("=")
        if os.path.isdir(path):
            path = os.path.join(path, "model.onnx")
        name = name or os.path.basename(os.path.dirname(path) if path.endswith("model.onnx")
                                        else path)
        rows, seconds = profile(args.kiln_run, path, args.blocks, args.kiln_arg)
        print(f"| {name} | {summary(rows, 'shared')} | {summary(rows, 'global')} "
              f"| {seconds:.0f} |", flush=True)
        details.append((name, worst(rows, args.worst)))
    for name, lines in details:
        if lines:
            print(f"\n{name}, most extra transactions:")
            for line in lines:
                print(f"  {line}")


if __name__ == "__main__":
    main()
