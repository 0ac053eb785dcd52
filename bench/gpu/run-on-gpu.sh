#!/usr/bin/env bash
# Runs on the GPU machine, inside a bundle made by bench/gpu/prepare.sh:
#   bash run-on-gpu.sh [RESULTS_FILE]
# For every model: links the GPU library into the generic harness, runs it on
# the bundled inputs and compares with ONNX Runtime's outputs; times it on
# device buffers (gpu_bench.cu, CUDA events); for the GEMMs, times cuBLAS
# SGEMM on the same sizes (FP32 without TF32; for gemm<N>_tf32, built with
# --gpu-tf32, cuBLAS with TF32 tensor cores). Prints a Markdown table.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
results="${1:-/dev/stdout}"
cc="${CC:-gcc}"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
arch="$(cat "$here/ARCH")"

{
  echo "Device: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)"
  echo "Date: $(date -u +%Y-%m-%d)"
  echo "Kiln GPU target: $arch"
  echo
  nvcc -O3 -o "$work/cublas" "$here/cublas_sgemm.cu" -lcublas >/dev/null 2>&1 || echo "(cuBLAS benchmark did not build)"
  declare -A cublas
  if [ -x "$work/cublas" ]; then
    while read -r _ n ms _ gflops _; do cublas[$n]="$ms"; done < <("$work/cublas" 256 1024 2048)
    while read -r _ n ms _ gflops _; do cublas[${n}_tf32]="$ms"; done < <("$work/cublas" --tf32 256 1024 2048)
  fi
  echo "| model | numerics vs ONNX Runtime | Kiln ms (device buffers) | cuBLAS ms | Kiln/cuBLAS |"
  echo "|---|---|---|---|---|"
  for dir in "$here"/models/*/; do
    name="$(basename "$dir")"
    inputs=$(ls "$dir"/input_*.npy 2>/dev/null | sort -V)
    numerics="build failed"
    if [ -z "$inputs" ]; then
      numerics="(timed only)"
    elif "$cc" -std=c11 -O2 -DKILN_HARNESS_GPU -DKILN_MODEL="$name" -include "$dir/$name.h" \
         "$here/kiln_harness.c" "$dir/lib$name.a" -lm -lpthread -o "$work/$name" 2>"$work/$name.cc.log"; then
      mkdir -p "$work/$name.out"
      if "$work/$name" "$work/$name.out" $inputs >"$work/$name.run.log" 2>&1; then
        numerics="$("$python" "$here/compare.py" "$work/$name.out" "$dir")"
      else
        numerics="run failed: $(tail -1 "$work/$name.run.log")"
      fi
    fi
    kiln_ms="-"
    if nvcc -O2 -DKILN_MODEL="$name" -include "$dir/$name.h" "$here/gpu_bench.cu" \
         "$dir/lib$name.a" -o "$work/$name.bench" >"$work/$name.nvcc.log" 2>&1; then
      kiln_ms="$("$work/$name.bench" 50 2>&1 | awk '/^kiln/ {print $3}')"
      [ -n "$kiln_ms" ] || kiln_ms="failed"
    fi
    ref="-"; ratio="-"
    if [[ "$name" == gemm* ]]; then
      n="${name#gemm}"
      ref="${cublas[$n]:--}"
      if [[ "$ref" != "-" && "$kiln_ms" =~ ^[0-9.]+$ ]]; then
        ratio="$(awk -v a="$kiln_ms" -v b="$ref" 'BEGIN {printf "%.1fx", a / b}')"
      fi
    fi
    echo "| $name | $numerics | $kiln_ms | $ref | $ratio |"
  done
  echo
  echo "ptxas register/spill summary (sm of the bundle):"
  for dir in "$here"/models/*/; do
    name="$(basename "$dir")"
    ptxas -arch="$arch" -v "$dir/$name.ptx" -o /dev/null 2>&1 |
      awk -v m="$name" '/Used/ {regs[$5]++; n++; if ($5+0 > max) max = $5+0} /spill/ {if ($5+0 > 0 || $9+0 > 0) spills++}
        END {printf "  %s: %d kernels, max %d registers, %d with spills\n", m, n, max, spills}'
  done
} | tee "$results"
rm -rf "$work"
