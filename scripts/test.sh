#!/usr/bin/env bash
# Sets up, builds, and runs the whole test suite (lit: dialects, passes,
# importer, codegen, runtime, end-to-end numerics on x86-64 and AArch64).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/build.sh"
cmake --build "${KILN_BUILD_DIR:-$root/build}" --target check-kiln
