#!/usr/bin/env bash
# Prepares what the GPU machine runs (bench/gpu/run-on-gpu.sh), on a machine
# that has Kiln built, into BUNDLE (default build/gpu-bundle):
#  - models/<name>/: the models of models.py, the bundled example and the CI
#    zoo models (zoo_<name>, with their .onnx for ONNX Runtime's CPU timing;
#    ZOO_MODELS="mlp mobilenetv2 ..." picks others: bench/zoo/zoo.py list),
#    each compiled with `kilnc --gpu ARCH` into lib<name>.a + <name>.h and
#    <name>.ptx, next to its inputs and ONNX Runtime's expected outputs;
#  - with BASE_KILNC=PATH (a kilnc built at an earlier commit), each model
#    compiled by it too, as models/<name>_base (same inputs), so that one
#    GPU run times the kernels before and after a change side by side;
#    BASE_MODELS="gemm4096 zoo_gru ..." limits that to the models named;
#  - node/: the ONNX node tests whose GPU kernels pass emulated, compiled the
#    same way (node_tests.py prepare; NODE_TESTS=0 leaves them out,
#    NODE_TESTS_EVERY=N takes every Nth);
#  - the C/CUDA and Python sources the GPU machine builds and runs, and the
#    runtime's smoke test binary.
# The GPU machine then needs only a C compiler, nvcc and cuBLAS, python3 with
# numpy, onnx and onnxruntime, and the NVIDIA driver.
#
# usage: bench/gpu/prepare.sh [BUNDLE_DIR] [ARCH]   (defaults: build/gpu-bundle sm_90)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
bundle="${1:-$root/build/gpu-bundle}"
arch="${2:-sm_90}"
kilnc="${KILNC:-$root/build/bin/kilnc}"
python="${PYTHON:-$root/.venv/bin/python}"
jobs="${JOBS:-$(nproc)}"

rm -rf "$bundle"
mkdir -p "$bundle/models"
"$python" "$root/bench/gpu/models.py" "$bundle/models"
mkdir -p "$bundle/models/mnist"
cp "$root/examples/mnist/mnist.onnx" "$bundle/models/mnist/model.onnx"
cp "$root/examples/mnist/digit.npy" "$bundle/models/mnist/input_0.npy"
cp "$root/examples/mnist/expected_probs.npy" "$bundle/models/mnist/expected_0.npy"

# The CI zoo models (or ZOO_MODELS), generated (or taken from the cache) by
# bench/zoo/zoo.py. Larger ones make a larger bundle: mobilenetv2 adds
# about 28 MB (its .onnx and its library each hold the weights).
zoo_cache="${ZOO_CACHE:-$root/build/zoo}"
zoo_models="${ZOO_MODELS:-$("$python" "$root/bench/zoo/zoo.py" list --ci)}"
for model in $zoo_models; do
  "$python" "$root/bench/zoo/zoo.py" make "$model" --cache "$zoo_cache" >/dev/null
  mkdir -p "$bundle/models/zoo_$model"
  cp "$zoo_cache/$model"/{model.onnx,meta.json} "$zoo_cache/$model"/input_*.npy \
     "$zoo_cache/$model"/expected_*.npy "$bundle/models/zoo_$model/"
done

# Each FP32 GEMM again as gemm<N>SUFFIX, built with FLAG (the same data,
# linked).
gemm_variant() {
  local suffix="$1" flag="$2" dir name
  for dir in "$bundle"/models/gemm*/; do
    name="$(basename "$dir")"
    [[ "$name" =~ ^gemm[0-9x]+$ ]] || continue
    mkdir "$bundle/models/${name}${suffix}"
    cp "$dir/model.onnx" "$bundle/models/${name}${suffix}/"
    for data in "$dir"/*.npy; do
      [ -e "$data" ] && ln -s "../$name/$(basename "$data")" "$bundle/models/${name}${suffix}/"
    done
    echo "$flag" > "$bundle/models/${name}${suffix}/FLAGS"
  done
}
# With --gpu-tf32 (tensor cores); with --gpu-async-copies (tiles staged
# with cp.async, not yet the default): the same cuBLAS references.
gemm_variant _tf32 --gpu-tf32
gemm_variant _async --gpu-async-copies

# With BASE_KILNC, the same models for the earlier kilnc, as <name>_base
# (not the _async ones: an earlier kilnc may not know the flag).
if [ -n "${BASE_KILNC:-}" ]; then
  for dir in "$bundle"/models/*/; do
    name="$(basename "$dir")"
    [[ "$name" == *_async ]] && continue
    if [ -n "${BASE_MODELS:-}" ] && [[ " $BASE_MODELS " != *" $name "* ]]; then
      continue
    fi
    mkdir "$bundle/models/${name}_base"
    cp "$dir/model.onnx" "$bundle/models/${name}_base/"
    [ -e "$dir/FLAGS" ] && cp "$dir/FLAGS" "$bundle/models/${name}_base/"
    for data in "$dir"/*.npy "$dir"/meta.json; do  # the same data, linked
      [ -e "$data" ] && ln -s "../$name/$(basename "$data")" "$bundle/models/${name}_base/"
    done
  done
fi

for dir in "$bundle"/models/*/; do
  name="$(basename "$dir")"
  flags="$(cat "$dir/FLAGS" 2>/dev/null || true)"
  compiler="$kilnc"
  [[ "$name" == *_base ]] && compiler="$BASE_KILNC"
  start=$(date +%s.%N)
  "$compiler" "$dir/model.onnx" --gpu "$arch" $flags --name "$name" -o "$dir/lib$name.a"
  "$compiler" "$dir/model.onnx" --gpu "$arch" $flags --name "$name" --emit=ptx -o "$dir/$name.ptx"
  end=$(date +%s.%N)
  echo "compiled $name for $arch in $(echo "$end - $start" | bc) s"
  # The GEMMs' .onnx stay behind (ONNX Runtime's CPU time is not their
  # reference; cuBLAS is), as do the bench models' own and the base
  # builds' (their model's row has ONNX Runtime's time).
  [[ "$name" == zoo_* && "$name" != *_base ]] || rm -f "$dir/model.onnx"
done
if [ "${NODE_TESTS:-1}" != 0 ]; then
  "$python" "$root/bench/gpu/node_tests.py" prepare "$bundle/node" --arch "$arch" \
    --kilnc "$kilnc" -j "$jobs" --every "${NODE_TESTS_EVERY:-1}"
fi
cp "$root/test/e2e/harness/kiln_harness.c" "$root/bench/gpu/gpu_bench.cu" \
   "$root/bench/gpu/cublas_sgemm.cu" "$root/bench/gpu/run-on-gpu.sh" \
   "$root/bench/gpu/compare.py" "$root/bench/gpu/node_tests.py" "$bundle/"
cp "$root/test/e2e/Inputs/compare.py" "$bundle/e2e_compare.py"
[ -x "$root/build/bin/kiln-gpu-smoke" ] && cp "$root/build/bin/kiln-gpu-smoke" "$bundle/"
echo "$arch" > "$bundle/ARCH"
echo "bundle ready in $bundle ($(du -sh "$bundle" | cut -f1))"
