#!/usr/bin/env bash
# The benchmark command: Kiln against ONNX Runtime on the model zoo (see
# bench/bench.py for the options). Uses the project's .venv and build/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
exec "${KILN_PYTHON:-$root/.venv/bin/python}" "$root/bench/bench.py" "$@"
