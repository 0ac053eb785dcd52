#!/usr/bin/env bash
# Runs every ONNX backend node test through kiln-run twice (the CPU path, then
# the GPU path's kernels emulated on the CPU with --emulate-gpu), regenerates
# docs/onnx-coverage.md and checks both runs against expected_passes.txt and
# expected_passes_gpu_emulation.txt; with --accept, rewrites those lists (what
# CI requires to keep passing) to the tests that pass now. With --aarch64 it
# also runs every test as an AArch64 artifact under qemu (cross_run.py; about
# 0.5 s a test) for the page's AArch64 section, and --accept then rewrites
# expected_passes_aarch64.txt to a sample of at most 2 passes per operator.
#
#   test/conformance/update.sh [--accept] [--aarch64] [--jobs N] [--timeout S]
#                              [--kiln-run PATH]
#
# KILN_BUILD_DIR picks the build (default: build/; kiln-run from its bin/,
# results in its conformance/results.json); KILN_PYTHON the Python with onnx
# (default: .venv/bin/python).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${KILN_BUILD_DIR:-$root/build}"
python="${KILN_PYTHON:-$root/.venv/bin/python}"

accept=()
aarch64=0
kiln_run="$build/bin/kiln-run"
runner_args=()
while (($#)); do
  case "$1" in
    --accept) accept=(--accept) ;;
    --aarch64) aarch64=1 ;;
    --kiln-run) kiln_run="$2"; shift ;;
    --jobs|-j|--timeout) runner_args+=("$1" "$2"); shift ;;
    *) sed -n '2,17p' "$0" >&2; exit 2 ;;
  esac
  shift
done

results="$build/conformance/results.json"
gpu_results="$build/conformance/results-gpu-emulation.json"
mkdir -p "$(dirname "$results")"
"$python" "$here/run_node_tests.py" --kiln-run "$kiln_run" --output "$results" \
  ${runner_args[@]+"${runner_args[@]}"}
"$python" "$here/run_node_tests.py" --kiln-run "$kiln_run" --output "$gpu_results" \
  --kiln-arg=--emulate-gpu ${runner_args[@]+"${runner_args[@]}"}
report_args=(--gpu-emulation "$gpu_results")
a64_results="$build/conformance/results-aarch64.json"
if ((aarch64)); then
  "$python" "$here/run_node_tests.py" --kiln-run "$kiln_run" --output "$a64_results" \
    --target aarch64-linux-gnu --cc aarch64-linux-gnu-gcc \
    --run-prefix "qemu-aarch64 -L /usr/aarch64-linux-gnu" ${runner_args[@]+"${runner_args[@]}"}
  report_args+=(--aarch64 "$a64_results")
fi
"$python" "$here/coverage_report.py" "$results" "${report_args[@]}" \
  > "$root/docs/onnx-coverage.md"
echo "wrote docs/onnx-coverage.md"
status=0
"$python" "$here/check_regressions.py" "$results" "$here/expected_passes.txt" \
  ${accept[@]+"${accept[@]}"} || status=1
"$python" "$here/check_regressions.py" "$gpu_results" \
  "$here/expected_passes_gpu_emulation.txt" ${accept[@]+"${accept[@]}"} || status=1
if ((aarch64)); then
  "$python" "$here/check_regressions.py" "$a64_results" "$here/expected_passes_aarch64.txt" \
    --sample-per-op 2 ${accept[@]+"${accept[@]}"} || status=1
fi
exit $status
