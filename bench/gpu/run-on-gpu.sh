#!/usr/bin/env bash
# Runs on the GPU machine, inside a bundle made by bench/gpu/prepare.sh:
#   bash run-on-gpu.sh [RESULTS_DIR]
# Needs a C compiler, nvcc and cuBLAS, python3 with numpy, onnx and
# onnxruntime (CPU), and the NVIDIA driver; no Kiln build.
#
#  1. the runtime's smoke test (kiln-gpu-smoke: a hand-written kernel through
#     runtime/src/cuda.c on the device);
#  2. every model of models/: links the GPU library into the generic harness,
#     runs it on the bundled inputs and compares with ONNX Runtime's outputs
#     (compare.py); times it on device buffers (gpu_bench.cu, CUDA events,
#     the bundled inputs), with the runtime's CUDA graphs and without them
#     (KILN_CUDA_GRAPHS=0); times ONNX Runtime on this machine's CPU (all its
#     cores) for models that carry their .onnx; for the GEMMs, times cuBLAS
#     SGEMM on the same sizes (FP32 without TF32; for gemm<N>_tf32, built
#     with --gpu-tf32, cuBLAS with TF32 tensor cores; for gemm<N>_f16 and
#     gemm<N>_bf16, cublasGemmEx in those types with f32 accumulation;
#     gemm<N>_async, built with --gpu-async-copies, against SGEMM's time);
#  3. the ONNX node tests of node/ (node_tests.py run).
# Prints Markdown tables; RESULTS_DIR gets results.md and node-results.json.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
results_dir="${1:-$here/results}"
mkdir -p "$results_dir"
cc="${CC:-gcc}"
python="${PYTHON:-python3}"
work="$(mktemp -d)"
arch="$(cat "$here/ARCH")"
jobs="$(nproc)"

ort_ms() {  # MODEL_DIR: ONNX Runtime (CPU, all cores) median ms on the inputs
  "$python" - "$1" <<'EOF' 2>/dev/null || echo "-"
import glob, json, os, sys, time
import numpy as np, onnxruntime as ort
d = sys.argv[1]
s = ort.InferenceSession(os.path.join(d, "model.onnx"), providers=["CPUExecutionProvider"])
files = sorted(glob.glob(os.path.join(d, "input_*.npy")), key=lambda p: int(p[:-4].rsplit("_", 1)[1]))
feeds = {i.name: np.load(f) for i, f in zip(s.get_inputs(), files)}
for _ in range(3):
    s.run(None, feeds)
times = []
deadline = time.time() + 5
while len(times) < 50 and (len(times) < 5 or time.time() < deadline):
    t = time.perf_counter(); s.run(None, feeds); times.append((time.perf_counter() - t) * 1e3)
print(f"{sorted(times)[len(times) // 2]:.3f}")
EOF
}

{
  echo "Device: $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)"
  echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores"
  echo "Date: $(date -u +%Y-%m-%d)"
  echo "Kiln GPU target: $arch; nvcc: $(nvcc --version | grep -o 'release [0-9.]*')"
  echo "ONNX Runtime (CPU): $("$python" -c 'import onnxruntime; print(onnxruntime.__version__)' 2>&1)"
  echo
  if [ -x "$here/kiln-gpu-smoke" ]; then
    echo "Runtime smoke test (kiln-gpu-smoke): $("$here/kiln-gpu-smoke" 2>&1 | tail -1)"
    echo
  fi
  nvcc -O3 -o "$work/cublas" "$here/cublas_sgemm.cu" -lcublas >/dev/null 2>&1 || echo "(cuBLAS benchmark did not build)"
  declare -A cublas
  if [ -x "$work/cublas" ]; then
    while read -r _ n ms _ gflops _; do cublas[$n]="$ms"; done < <("$work/cublas" 256 1024 2048 4096 128x128x4096)
    while read -r _ n ms _ gflops _; do cublas[${n}_tf32]="$ms"; done < <("$work/cublas" --tf32 256 1024 2048 4096 128x128x4096)
    for half in f16 bf16; do
      while read -r _ n ms _ gflops _; do cublas[${n}_$half]="$ms"; done < <("$work/cublas" --$half 1024 2048 4096)
    done
  fi
  # Every model's two programs, built in parallel before anything is timed.
  build_model() {
    local dir="$1" name; name="$(basename "$1")"
    "$cc" -std=c11 -O2 -DKILN_HARNESS_GPU -DKILN_MODEL="$name" -include "$dir/$name.h" \
      "$here/kiln_harness.c" "$dir/lib$name.a" -lm -lpthread -ldl -o "$work/$name" \
      2>"$work/$name.cc.log" || rm -f "$work/$name"
    nvcc -O2 -DKILN_MODEL="$name" -include "$dir/$name.h" "$here/gpu_bench.cu" \
      "$dir/lib$name.a" -ldl -o "$work/$name.bench" >"$work/$name.nvcc.log" 2>&1 ||
      rm -f "$work/$name.bench"
  }
  export -f build_model; export here work cc
  printf '%s\0' "$here"/models/*/ | xargs -0 -P "$jobs" -n1 bash -c 'build_model "$1"' _
  echo "| model | numerics vs ONNX Runtime | Kiln GPU ms (device buffers) | same, KILN_CUDA_GRAPHS=0 | cuBLAS ms | Kiln/cuBLAS | ORT CPU ms | Kiln GPU/ORT CPU |"
  echo "|---|---|---|---|---|---|---|---|"
  for dir in "$here"/models/*/; do
    name="$(basename "$dir")"
    inputs=$(ls "$dir"/input_*.npy 2>/dev/null | sort -V)
    numerics="build failed: $(grep -m1 error "$work/$name.cc.log")"
    if [ -z "$inputs" ]; then
      numerics="(timed only)"
    elif [ -x "$work/$name" ]; then
      mkdir -p "$work/$name.out"
      if timeout 120 "$work/$name" "$work/$name.out" $inputs >"$work/$name.run.log" 2>&1; then
        numerics="$("$python" "$here/compare.py" "$work/$name.out" "$dir")"
      else
        numerics="run failed: $(tail -1 "$work/$name.run.log")"
      fi
    fi
    raw=""
    for f in $inputs; do
      "$python" -c "import numpy as np, sys; np.ascontiguousarray(np.load(sys.argv[1])).tofile(sys.argv[2])" \
        "$f" "$work/$name.$(basename "$f" .npy).bin" && raw="$raw $work/$name.$(basename "$f" .npy).bin"
    done
    kiln_ms="-"; direct_ms="-"
    if [ -x "$work/$name.bench" ]; then
      kiln_ms="$(timeout 120 "$work/$name.bench" 50 $raw 2>&1 | awk '/^kiln/ {print $3}')"
      [ -n "$kiln_ms" ] || kiln_ms="failed: $(timeout 60 "$work/$name.bench" 5 $raw 2>&1 | tail -1)"
      direct_ms="$(KILN_CUDA_GRAPHS=0 timeout 120 "$work/$name.bench" 50 $raw 2>&1 | awk '/^kiln/ {print $3}')"
    else
      kiln_ms="bench build failed: $(grep -m1 error "$work/$name.nvcc.log")"
    fi
    ref="-"; ratio="-"
    if [[ "$name" == gemm* ]]; then
      n="${name%_base}"  # (an earlier kilnc's build: the same cuBLAS time)
      n="${n%_async}"    # (--gpu-async-copies: the same cuBLAS time)
      n="${n#gemm}"
      ref="${cublas[$n]:--}"
      if [[ "$ref" != "-" && "$kiln_ms" =~ ^[0-9.]+$ ]]; then
        ratio="$(awk -v a="$kiln_ms" -v b="$ref" 'BEGIN {printf "%.2fx", a / b}')"
      fi
    fi
    ort="-"; ort_ratio="-"
    if [ -f "$dir/model.onnx" ] && [ -n "$inputs" ]; then
      ort="$(ort_ms "$dir")"
      if [[ "$ort" =~ ^[0-9.]+$ && "$kiln_ms" =~ ^[0-9.]+$ ]]; then
        ort_ratio="$(awk -v a="$kiln_ms" -v b="$ort" 'BEGIN {printf "%.2f", a / b}')"
      fi
    fi
    echo "| $name | $numerics | $kiln_ms | ${direct_ms:--} | $ref | $ratio | $ort | $ort_ratio |"
  done
  echo
  echo "ptxas register/spill summary ($arch):"
  for dir in "$here"/models/*/; do
    name="$(basename "$dir")"
    ptxas -arch="$arch" -v "$dir/$name.ptx" -o /dev/null 2>&1 |
      awk -v m="$name" '/Used/ {regs[$5]++; n++; if ($5+0 > max) max = $5+0} /spill/ {if ($5+0 > 0 || $9+0 > 0) spills++}
        END {printf "  %s: %d kernels, max %d registers, %d with spills\n", m, n, max, spills}'
  done
  if [ -d "$here/node" ]; then
    echo
    echo "ONNX node tests on the GPU:"
    CC="$cc" "$python" "$here/node_tests.py" run "$here/node" -j "$jobs" \
      --work "$work/node" --output "$results_dir/node-results.json"
  fi
} 2>&1 | tee "$results_dir/results.md"
rm -rf "$work"
