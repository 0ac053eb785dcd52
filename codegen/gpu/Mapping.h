//===- Mapping.h - scf.forall mappings for GPU blocks/threads ---*- C++ -*-===//

#ifndef KILN_CODEGEN_GPU_MAPPING_H
#define KILN_CODEGEN_GPU_MAPPING_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace kiln::gpu {

/// Threads per warp on every NVIDIA GPU Kiln targets.
inline constexpr int64_t kWarpSize = 32;

/// The mapping of an `n`-dimensional scf.forall onto linear block or thread
/// ids, outermost loop first (MapForallToGpu delinearizes them back).
inline mlir::ArrayAttr linearGpuMapping(mlir::MLIRContext *ctx, size_t n, bool blocks) {
  llvm::SmallVector<mlir::Attribute> attrs;
  for (size_t i = 0; i < n; ++i) {
    auto id = static_cast<mlir::gpu::MappingId>(
        static_cast<unsigned>(mlir::gpu::MappingId::LinearDim0) + i);
    attrs.push_back(blocks ? mlir::Attribute(mlir::gpu::GPUBlockMappingAttr::get(ctx, id))
                           : mlir::Attribute(mlir::gpu::GPUThreadMappingAttr::get(ctx, id)));
  }
  return mlir::ArrayAttr::get(ctx, attrs);
}

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_MAPPING_H
