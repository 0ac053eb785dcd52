//===- Passes.h - NVIDIA GPU code generation passes -------------*- C++ -*-===//

#ifndef KILN_CODEGEN_GPU_PASSES_H
#define KILN_CODEGEN_GPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

#include "passes/dispatch/Passes.h"

namespace llvm {
class Module;
} // namespace llvm

namespace kiln::gpu {

using dispatch::kWaveAttr;
using dispatch::kWeightsArgAttr;

#define GEN_PASS_DECL
#include "codegen/gpu/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "codegen/gpu/Passes.h.inc"

/// Computes the integer arithmetic of `module` narrower than 32 bits (sums,
/// products, shifts, bitwise operations, unsigned divisions and remainders,
/// selects, truncations) in 32 bits (kiln-gpu-module-to-binary's fix-up of
/// the optimized device IR); returns how many narrow instructions it
/// replaced.
unsigned widenNarrowArithmetic(llvm::Module &module);

/// Module attributes the GPU passes leave for the driver.
inline constexpr llvm::StringLiteral kPtxAttr = "kiln.gpu_ptx";
inline constexpr llvm::StringLiteral kKernelsAttr = "kiln.gpu_kernels";
inline constexpr llvm::StringLiteral kWeightsAttr = "kiln.weights";
inline constexpr llvm::StringLiteral kGpuEntryName = "kiln_model_gpu_entry";

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_PASSES_H
