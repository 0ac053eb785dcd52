//===- Passes.h - Buffers and the workspace plan ----------------*- C++ -*-===//

#ifndef KILN_PASSES_DISPATCH_PASSES_H
#define KILN_PASSES_DISPATCH_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace kiln::dispatch {

#define GEN_PASS_DECL
#include "passes/dispatch/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "passes/dispatch/Passes.h.inc"

/// Attribute names shared by the passes that shape the model's calling
/// convention and the driver that reads it.
inline constexpr llvm::StringLiteral kNameAttr = "kiln.name";
inline constexpr llvm::StringLiteral kWorkspaceArgAttr = "kiln.workspace";
inline constexpr llvm::StringLiteral kWorkspaceSizeAttr = "kiln.workspace_size";
/// The most stack bytes one task of a parallel loop takes for its private
/// tiles (kiln-plan-workspace puts the small ones on the stack); absent when
/// none does.
inline constexpr llvm::StringLiteral kTaskStackSizeAttr = "kiln.task_stack_size";
inline constexpr llvm::StringLiteral kResultArgAttr = "bufferize.result";
/// GPU builds: kernels of one wave (the same integer) run as one launch
/// (kiln-gpu-schedule-waves): the workspace plan counts them as one point in
/// time, so no two of them share bytes.
inline constexpr llvm::StringLiteral kWaveAttr = "kiln.wave";
/// GPU builds: the argument holding all constant tensors.
inline constexpr llvm::StringLiteral kWeightsArgAttr = "kiln.weights";

} // namespace kiln::dispatch

#endif // KILN_PASSES_DISPATCH_PASSES_H
