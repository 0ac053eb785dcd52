//===- Mapping.h - scf.forall mappings for GPU blocks/threads ---*- C++ -*-===//

#ifndef KILN_CODEGEN_GPU_MAPPING_H
#define KILN_CODEGEN_GPU_MAPPING_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "passes/dispatch/Passes.h"

namespace kiln::gpu {

/// Threads per warp on every NVIDIA GPU Kiln targets.
inline constexpr int64_t kWarpSize = 32;

/// The alignment (bytes) of every workgroup buffer, on the GPU (each
/// kernel's workgroup attributions, kiln-merge-gpu-modules) and emulated:
/// vector loads of 16 bytes from a buffer may rely on it.
inline constexpr int64_t kWorkgroupAlignment = 16;

/// Threads per block of kiln-tile-for-gpu's kernels: a multiple of the warp
/// size that leaves room for several resident blocks per multiprocessor.
inline constexpr int64_t kThreadsPerBlock = 256;

/// Blocks the staged matmuls' grids are planned to give each
/// multiprocessor at least: their register tiles stop growing below that.
/// (Two blocks of 256 threads fit where a thread uses at most 128
/// registers; ptxas is not told, since a bound makes it use more registers
/// in kernels that need fewer: gemm1024's 32 became 70.)
inline constexpr int64_t kBlocksPerMultiprocessor = 2;

/// Marks an integer arith op that kiln-narrow-marked-indices computes in
/// 32 bits where integer range analysis bounds it (a staged kernel's
/// arithmetic for reads whose maps divide along k).
inline constexpr llvm::StringLiteral kNarrowAttr = "kiln.narrow";

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

/// Whether `loop` is mapped to blocks (`blocks`) or to threads.
inline bool isMappedTo(mlir::scf::ForallOp loop, bool blocks) {
  std::optional<mlir::ArrayAttr> mapping = loop.getMapping();
  if (!mapping || mapping->empty())
    return false;
  return blocks ? llvm::isa<mlir::gpu::GPUBlockMappingAttr>((*mapping)[0])
                : llvm::isa<mlir::gpu::GPUThreadMappingAttr>((*mapping)[0]);
}

/// Ops that every thread of a block (a barrier) or of a warp (a shuffle, a
/// tensor-core mma) must reach together.
inline bool needsAllThreads(mlir::Operation *op) {
  return llvm::isa<mlir::gpu::BarrierOp, mlir::gpu::ShuffleOp, mlir::nvgpu::MmaSyncOp>(op);
}

/// Whether `root` or an op nested in it needs all threads.
inline bool containsAllThreadsOp(mlir::Operation *root) {
  return root
      ->walk([](mlir::Operation *op) {
        return needsAllThreads(op) ? mlir::WalkResult::interrupt() : mlir::WalkResult::advance();
      })
      .wasInterrupted();
}

/// The indices `map` gives for the loop indices `ivs`, one affine.apply per
/// result (folded later).
inline llvm::SmallVector<mlir::Value> applyIndexingMap(mlir::OpBuilder &b, mlir::Location loc,
                                                       mlir::AffineMap map, mlir::ValueRange ivs) {
  llvm::SmallVector<mlir::Value> indices;
  for (unsigned i = 0; i < map.getNumResults(); ++i)
    indices.push_back(mlir::affine::AffineApplyOp::create(b, loc, map.getSubMap({i}), ivs));
  return indices;
}

/// The row-major linear index of `indices` into an array of `sizes`.
inline mlir::AffineExpr linearizeIndices(mlir::MLIRContext *ctx,
                                         llvm::ArrayRef<mlir::AffineExpr> indices,
                                         llvm::ArrayRef<int64_t> sizes) {
  mlir::AffineExpr linear = mlir::getAffineConstantExpr(0, ctx);
  for (auto [index, size] : llvm::zip(indices, sizes))
    linear = linear * size + index;
  return linear;
}

/// The indices of the dimensions `group` of `shape` (a reassociation group)
/// whose row-major linear index within the group is `linear`: 0 for a
/// dimension of size 1, `linear` itself for the group's only other one,
/// divisions and remainders otherwise.
inline llvm::SmallVector<mlir::AffineExpr> delinearizeGroup(mlir::AffineExpr linear,
                                                            llvm::ArrayRef<int64_t> shape,
                                                            llvm::ArrayRef<int64_t> group) {
  int64_t inner = 1, wide = 0;
  for (int64_t t : group) {
    inner *= shape[t];
    wide += shape[t] != 1;
  }
  llvm::SmallVector<mlir::AffineExpr> indices;
  for (int64_t t : group) {
    inner /= shape[t];
    indices.push_back(shape[t] == 1 ? mlir::getAffineConstantExpr(0, linear.getContext())
                      : wide == 1   ? linear
                                    : linear.floorDiv(inner) % shape[t]);
  }
  return indices;
}

/// Clones the body of `op` at `b`, its block arguments already given
/// values in `mapping`, each linalg.index of loop `d` as `index(d)`;
/// returns the values it yields (one per output).
inline llvm::SmallVector<mlir::Value>
cloneLinalgBodyResults(mlir::OpBuilder &b, mlir::linalg::LinalgOp op, mlir::IRMapping &mapping,
                       llvm::function_ref<mlir::Value(unsigned)> index) {
  mlir::Block *body = op.getBlock();
  for (mlir::Operation &bodyOp : body->without_terminator()) {
    if (auto indexOp = llvm::dyn_cast<mlir::linalg::IndexOp>(bodyOp)) {
      mapping.map(indexOp.getResult(), index(indexOp.getDim()));
      continue;
    }
    b.clone(bodyOp, mapping);
  }
  return llvm::map_to_vector(body->getTerminator()->getOperands(),
                             [&](mlir::Value v) { return mapping.lookupOrDefault(v); });
}

/// The same for an op with one output: the value its body yields.
inline mlir::Value cloneLinalgBody(mlir::OpBuilder &b, mlir::linalg::LinalgOp op,
                                   mlir::IRMapping &mapping,
                                   llvm::function_ref<mlir::Value(unsigned)> index) {
  return cloneLinalgBodyResults(b, op, mapping, index).front();
}

/// Whether `op` is one of the accesses to workgroup memory the emulation and
/// its race checks handle (any other op on a workgroup buffer is refused).
inline bool isWorkgroupAccess(mlir::Operation *op) {
  return llvm::isa<mlir::memref::LoadOp, mlir::memref::StoreOp, mlir::vector::LoadOp,
                   mlir::vector::StoreOp>(op);
}

/// The linear id x + X (y + Y z) of ids (x, y, z) in a grid or block of
/// sizes (X, Y, Z).
inline mlir::Value linearId(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value y,
                            mlir::Value z, mlir::Value sizeX, mlir::Value sizeY) {
  mlir::Value inner =
      mlir::arith::AddIOp::create(b, loc, y, mlir::arith::MulIOp::create(b, loc, sizeY, z));
  return mlir::arith::AddIOp::create(b, loc, x, mlir::arith::MulIOp::create(b, loc, sizeX, inner));
}

/// The buffer `memref` is a view of (through subviews, reshapes and
/// casts): an allocation, a global, or a function argument.
inline mlir::Value viewRoot(mlir::Value memref) {
  while (auto view = memref.getDefiningOp<mlir::ViewLikeOpInterface>())
    memref = view.getViewSource();
  return memref;
}

/// Whether `buffer` (a viewRoot) is a graph input: an argument of the
/// model's function that is neither an output nor the workspace. Nothing
/// writes such a buffer while the model runs.
inline bool isGraphInput(mlir::Value buffer) {
  auto argument = llvm::dyn_cast<mlir::BlockArgument>(buffer);
  auto function = argument
                      ? llvm::dyn_cast<mlir::func::FuncOp>(argument.getOwner()->getParentOp())
                      : mlir::func::FuncOp();
  if (!function || argument.getOwner() != &function.getBody().front())
    return false;
  unsigned index = argument.getArgNumber();
  return !function.getArgAttr(index, dispatch::kResultArgAttr) &&
         !function.getArgAttr(index, dispatch::kWorkspaceArgAttr);
}

} // namespace kiln::gpu

#endif // KILN_CODEGEN_GPU_MAPPING_H
