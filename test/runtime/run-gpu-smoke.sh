#!/bin/sh
# The GPU runtime on a real device: builds test/runtime/gpu_smoke.c against
# the runtime and runs it, once JIT-compiling the PTX and, where ptxas is
# found, once more loading a cubin built for the GPU. Not part of the lit
# suite (which runs the same program against a fake driver,
# test/runtime/gpu-smoke-fake.test); run it on a machine with an NVIDIA GPU
# and driver:
#
#   test/runtime/run-gpu-smoke.sh [BUILD_DIR]
#
# With BUILD_DIR (a configured Kiln build tree), links the kiln_runtime
# static library built there (`ninja -C BUILD_DIR kiln_runtime`). Without
# it, compiles the runtime's sources directly, which needs only a C11
# compiler: handy on a GPU box without LLVM. CC picks the compiler (cc);
# SM picks the cubin's architecture (default: the GPU's, from nvidia-smi),
# PTXAS the assembler (ptxas on PATH or /usr/local/cuda/bin/ptxas).
#
# Prints PASS and exits 0 when every check passed; exits 1 on a failure
# (each "FAIL:" line says what and the runtime's message) and 2 when the
# machine has no usable GPU.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-}
cc=${CC:-cc}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if [ -n "$build" ]; then
  ninja -C "$build" kiln_runtime
  "$cc" -std=c11 -O2 -Wall -Wextra -I"$root/runtime/include" \
    "$here/gpu_smoke.c" "$build/lib/libkiln_runtime.a" \
    -lm -lpthread -o "$work/gpu_smoke"
else
  "$cc" -std=c11 -O2 -Wall -Wextra -I"$root/runtime/include" \
    "$here/gpu_smoke.c" "$root"/runtime/src/*.c \
    -lm -lpthread -o "$work/gpu_smoke"
fi

echo "== PTX, compiled by the driver"
"$work/gpu_smoke"

ptxas=${PTXAS:-$(command -v ptxas || echo /usr/local/cuda/bin/ptxas)}
sm=${SM:-$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null |
  head -n 1 | tr -d ' .' || true)}
if [ ! -x "$ptxas" ] || [ -z "$sm" ]; then
  echo "== no ptxas or no compute capability: skipping the cubin run"
  exit 0
fi
"$work/gpu_smoke" --print-ptx >"$work/axpb.ptx"
"$ptxas" -arch="sm_$sm" "$work/axpb.ptx" -o "$work/axpb.cubin"
echo "== cubin for sm_$sm"
"$work/gpu_smoke" "$work/axpb.cubin" "$sm"
