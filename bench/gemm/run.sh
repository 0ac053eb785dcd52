#!/usr/bin/env bash
# GEMM/convolution microbenchmark: Kiln against ONNX Runtime (see
# bench/gemm/gemm_bench.py for the options). Uses the project's .venv and build/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
exec "${KILN_PYTHON:-$root/.venv/bin/python}" "$root/bench/gemm/gemm_bench.py" "$@"
