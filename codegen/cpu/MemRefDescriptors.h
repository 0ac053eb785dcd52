//===- MemRefDescriptors.h - Memrefs across the C boundary ------*- C++ -*-===//
//
// Host code passes buffers to generated functions as plain pointers and
// through untyped task contexts. These helpers build and take apart memrefs
// as their standard LLVM descriptors (allocated ptr, aligned ptr, offset,
// sizes, strides) before the LLVM lowering runs; the
// unrealized_conversion_casts they insert cancel out during that lowering.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_CPU_MEMREFDESCRIPTORS_H
#define KILN_CODEGEN_CPU_MEMREFDESCRIPTORS_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace kiln::cpu {

/// The type a value of `type` has after the standard LLVM lowering: memref
/// descriptors become their struct, index becomes i64, others stay.
mlir::Type loweredType(mlir::Type type);

/// `value` as its lowered type (see loweredType).
mlir::Value toLowered(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);

/// The inverse of toLowered: a value of `type` from its lowered form.
mlir::Value fromLowered(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value lowered, mlir::Type type);

/// A memref of the static, identity-layout `type` over the dense buffer at
/// the `!llvm.ptr` `pointer`.
mlir::Value memrefFromPointer(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::Value pointer, mlir::MemRefType type);

/// The operands for a call of the bufferized @main from an entry point:
/// for each of its first `numBuffers` arguments, by its role (input, output, workspace, weights), a
/// memref over the pointer loaded from `inputs[i]` / `outputs[i]` or given as
/// `workspace` / `weights`. `weights` may be null when @main has none. Fails
/// (with an error) on an argument that is not a dense static buffer.
/// With an i64 `image` (a model split by kiln-split-batch, whose @main
/// computes one image), each input and output memref starts `image` times
/// its own size into its buffer, and the workspace `workspaceOffset` bytes
/// into it.
mlir::FailureOr<llvm::SmallVector<mlir::Value>>
buildModelArguments(mlir::OpBuilder &b, mlir::Location loc, mlir::func::FuncOp main,
                    unsigned numBuffers, mlir::Value inputs, mlir::Value outputs,
                    mlir::Value workspace, mlir::Value weights,
                    mlir::Value image = {}, mlir::Value workspaceOffset = {});

} // namespace kiln::cpu

#endif // KILN_CODEGEN_CPU_MEMREFDESCRIPTORS_H
