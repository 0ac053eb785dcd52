#!/usr/bin/env bash
# The main job: set up, build, compile examples/mnist/mnist.onnx into
# libmnist.a with kilnc, build examples/mnist/main.c against it, and run it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
cmake --build "${KILN_BUILD_DIR:-$root/build}" --target run-example
