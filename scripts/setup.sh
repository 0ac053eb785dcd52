#!/usr/bin/env bash
# Installs everything Kiln needs to build and test, idempotently:
#  - system packages from Debian (LLVM/MLIR 22, ONNX C++, toolchains, ARM cross tools);
#  - a Python venv in .venv with the test dependencies (onnx, onnxruntime, numpy).
# Safe to run again: it only installs what is missing.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

packages=(
  llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools clang-22 lld-22
  libonnx-dev libprotobuf-dev protobuf-compiler
  cmake ninja-build ccache
  g++-aarch64-linux-gnu qemu-user
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x /usr/lib/llvm-22/bin/mlir-tblgen ]; then
  echo "setup: LLVM/MLIR 22 is not installed under /usr/lib/llvm-22" >&2
  exit 1
fi

# Python test dependencies, pinned so the conformance suite is the same everywhere.
venv="$root/.venv"
req="$root/scripts/requirements.txt"
stamp="$venv/.kiln-requirements"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! cmp -s "$req" "$stamp"; then
  echo "setup: installing Python test dependencies into .venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -r "$req"
  cp "$req" "$stamp"
fi
