#!/usr/bin/env bash
# Prepares what the GPU machine runs (bench/gpu/run-on-gpu.sh), on a machine
# that has Kiln built: compiles every model of models.py and the example with
# `kilnc --gpu ARCH` into BUNDLE/<name>/lib<name>.a + <name>.h, next to its
# inputs and ONNX Runtime's expected outputs, and copies the C/CUDA sources
# the GPU machine compiles. The GPU machine needs only a C compiler, nvcc,
# python3 with numpy, and the NVIDIA driver.
#
# usage: bench/gpu/prepare.sh [BUNDLE_DIR] [ARCH]   (defaults: gpu-bundle sm_90)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="${1:-$root/gpu-bundle}"
arch="${2:-sm_90}"
kilnc="${KILNC:-$root/build/bin/kilnc}"
python="${PYTHON:-$root/.venv/bin/python}"

rm -rf "$bundle"
mkdir -p "$bundle/models"
"$python" "$root/bench/gpu/models.py" "$bundle/models"
mkdir -p "$bundle/models/mnist"
cp "$root/examples/mnist/mnist.onnx" "$bundle/models/mnist/model.onnx"
cp "$root/examples/mnist/digit.npy" "$bundle/models/mnist/input_0.npy"
cp "$root/examples/mnist/expected_probs.npy" "$bundle/models/mnist/expected_0.npy"

# The GEMMs again with --gpu-tf32 (tensor cores), as gemm<N>_tf32.
for dir in "$bundle"/models/gemm*/; do
  name="$(basename "$dir")"
  cp -r "$dir" "$bundle/models/${name}_tf32"
  echo "--gpu-tf32" > "$bundle/models/${name}_tf32/FLAGS"
done

for dir in "$bundle"/models/*/; do
  name="$(basename "$dir")"
  flags="$(cat "$dir/FLAGS" 2>/dev/null || true)"
  start=$(date +%s.%N)
  "$kilnc" "$dir/model.onnx" --gpu "$arch" $flags --name "$name" -o "$dir/lib$name.a"
  "$kilnc" "$dir/model.onnx" --gpu "$arch" $flags --name "$name" --emit=ptx -o "$dir/$name.ptx"
  end=$(date +%s.%N)
  echo "compiled $name for $arch in $(echo "$end - $start" | bc) s"
done
cp "$root/test/e2e/harness/kiln_harness.c" "$root/bench/gpu/gpu_bench.cu" \
   "$root/bench/gpu/cublas_sgemm.cu" "$root/bench/gpu/run-on-gpu.sh" \
   "$root/bench/gpu/compare.py" "$bundle/"
echo "$arch" > "$bundle/ARCH"
echo "bundle ready in $bundle"
