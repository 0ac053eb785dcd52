# lit configuration for Kiln's regression tests.
import os
import platform
import shutil

import lit.formats
from lit.llvm import llvm_config

config.name = "Kiln"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnx.txt", ".test", ".c"]
config.excludes = ["lit.cfg.py", "lit.site.cfg.py", "Inputs", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.kiln_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMPDIR", "LANG"])
llvm_config.use_default_substitutions()

# Kiln's tools first, then LLVM's (FileCheck, not, count).
# (append_path=True puts the directories in front of the existing PATH, which
# the shell needs for rm, mkdir, ...)
llvm_config.with_environment("PATH", [config.kiln_tools_dir,
                                      config.llvm_tools_dir], append_path=True)
for tool in ["kiln-opt", "kiln-import", "kilnc", "kiln-run", "kiln-runtime-test",
             "kiln-tensorio-test", "kiln-target-test", "kiln-narrow-arithmetic-test",
             "kiln-gpu-runtime-test",
             "kiln-gpu-smoke"]:
    path = os.path.join(config.kiln_tools_dir, tool)
    if os.path.exists(path):
        config.available_features.add(tool)

# Tests that build generated LLVM IR into programs with LLVM's own clang,
# mlir-translate and opt (test/gpu/workgroup-races.test).
if all(os.path.exists(os.path.join(config.llvm_tools_dir, tool))
       for tool in ("clang", "mlir-translate", "opt")):
    config.available_features.add("clang")

# use_default_substitutions() maps %python to the Python running lit; tests
# need the venv's, which has numpy and onnx.
config.substitutions = [(key, value) for key, value in config.substitutions
                        if key != "%python"]
config.substitutions.append(("%python", config.kiln_python))
config.substitutions.append(("%kiln_src", config.kiln_src_root))
config.substitutions.append(("%cc", config.kiln_c_compiler))
# The runtime as a native library, for tests that link generated code directly.
config.substitutions.append(("%kiln_runtime_lib", config.kiln_runtime_lib))
config.substitutions.append(("%runtime_include",
                             os.path.join(config.kiln_src_root, "runtime", "include")))

if os.path.exists(config.kiln_python):
    config.available_features.add("python")

# Tests that compile for the host with x86 target features.
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86_64-host")
    # Tests that run AVX2 code (kiln-run --features=-avx512f) here.
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next((line.split(":", 1)[1].split() for line in cpuinfo
                          if line.startswith("flags")), [])
    except OSError:
        flags = []
    if "avx2" in flags and "fma" in flags:
        config.available_features.add("avx2-host")
    # The AVX-512 probes of bench/peak run here.
    if "avx512f" in flags:
        config.available_features.add("avx512-host")

# Cross-target testing: AArch64 artifacts link with the cross compiler and
# run under qemu-user.
if config.kiln_aarch64_cc and config.kiln_qemu_aarch64:
    config.available_features.add("aarch64")
    config.substitutions.append(("%aarch64_cc", config.kiln_aarch64_cc))
    config.substitutions.append(
        ("%qemu_aarch64", config.kiln_qemu_aarch64 + " -L /usr/aarch64-linux-gnu"))

if config.kiln_ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", config.kiln_ptxas))
    # FileCheck of `ptxas -v` output: fails where any function spills. A
    # CHECK-NOT after a "Used N registers" line would look only past it,
    # but ptxas prints a function's spill counts before that line.
    config.substitutions.append(
        ("%nospills", "--implicit-check-not='{{[1-9][0-9]*}} bytes spill'"))

# GPU runtime tests without a GPU load a fake libcuda.so.1 from here
# (test/runtime/gpu_fake_driver.c) through LD_LIBRARY_PATH.
config.substitutions.append(("%fake_cuda_dir", os.path.join(
    config.kiln_obj_root, "test", "runtime", "fake-cuda")))
# The same fake as a driver for CUDA 11.0-11.3 (no cuGraphInstantiateWithFlags).
config.substitutions.append(("%fake_cuda_11_0_dir", os.path.join(
    config.kiln_obj_root, "test", "runtime", "fake-cuda-11.0")))
# Tests of the no-driver path can only run where no real driver is found.
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
# The toolkit's cuda.h, to check the runtime's hand-written driver ABI.
if config.kiln_ptxas:
    cuda_include = os.path.join(os.path.dirname(os.path.dirname(
        os.path.realpath(config.kiln_ptxas))), "include")
    if os.path.exists(os.path.join(cuda_include, "cuda.h")):
        config.available_features.add("cuda-headers")
        config.substitutions.append(("%cuda_include", cuda_include))
