//===- TileForGpu.cpp - Block and thread tiling for NVIDIA GPUs -----------===//
//
// The first GPU strategy is deliberately simple and always correct: one
// kernel per linalg op, one output element per thread, up to 256 threads
// per block, reductions sequential in each thread. Shared-memory staging and
// tensor-core matmuls build on the same block/thread structure.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Passes.h"

#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_TILEFORGPU
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

/// Threads per block: a multiple of the warp size that leaves room for
/// several resident blocks per multiprocessor.
constexpr int64_t kThreadsPerBlock = 256;

/// Block tiles over the parallel loops, innermost first, holding at most
/// kThreadsPerBlock elements; 0 (untiled) for reductions.
SmallVector<int64_t> planBlockTiles(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> tiles(ranges.size(), 0);
  int64_t budget = kThreadsPerBlock;
  for (int64_t i = static_cast<int64_t>(ranges.size()) - 1; i >= 0; --i) {
    if (iterators[i] != utils::IteratorType::parallel)
      continue;
    tiles[i] = cpu::largestDivisorAtMost(ranges[i], budget);
    budget = std::max<int64_t>(1, budget / tiles[i]);
  }
  return tiles;
}

SmallVector<Attribute> mapping(MLIRContext *ctx, size_t n, bool blocks) {
  SmallVector<Attribute> attrs;
  for (size_t i = 0; i < n; ++i) {
    auto id = static_cast<mlir::gpu::MappingId>(
        static_cast<unsigned>(mlir::gpu::MappingId::LinearDim0) + i);
    attrs.push_back(blocks ? Attribute(mlir::gpu::GPUBlockMappingAttr::get(ctx, id))
                           : Attribute(mlir::gpu::GPUThreadMappingAttr::get(ctx, id)));
  }
  return attrs;
}

/// Tiles `op` into an scf.forall with `tiles` (one per loop) and returns the
/// tiled op.
FailureOr<linalg::LinalgOp> tileWithForall(RewriterBase &rewriter, linalg::LinalgOp op,
                                           ArrayRef<int64_t> tiles, bool blocks) {
  size_t tiledLoops = llvm::count_if(tiles, [](int64_t t) { return t != 0; });
  scf::SCFTilingOptions options;
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  options.setTileSizes(llvm::map_to_vector(tiles, [&](int64_t t) -> OpFoldResult {
    return rewriter.getIndexAttr(t);
  }));
  options.setMapping(mapping(rewriter.getContext(), tiledLoops, blocks));
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result = scf::tileUsingSCF(
      rewriter, llvm::cast<TilingInterface>(op.getOperation()), options);
  if (failed(result))
    return failure();
  if (op->getNumResults() > 0)
    rewriter.replaceOp(op, result->replacements);
  else
    rewriter.eraseOp(op);
  return llvm::cast<linalg::LinalgOp>(result->tiledOps.back());
}

struct TileForGpuPass : impl::TileForGpuBase<TileForGpuPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    {
      RewritePatternSet patterns(&getContext());
      linalg::populateDecomposePadPatterns(patterns);
      (void)applyPatternsGreedily(func, std::move(patterns));
    }
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<scf::ForallOp>())
        ops.push_back(op);
    });
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      if (llvm::any_of(ranges, ShapedType::isDynamic)) {
        op.emitError("internal error: dynamic loop ranges on the GPU path");
        return signalPassFailure();
      }
      if (op.getNumParallelLoops() == 0) {
        op.emitError("a reduction to a single value is not supported on the GPU yet");
        return signalPassFailure();
      }
      if (llvm::any_of(ranges, [](int64_t r) { return r == 0; })) {
        // Nothing to compute: an empty tensor.
        continue;
      }
      SmallVector<int64_t> blockTiles = planBlockTiles(op);
      FailureOr<linalg::LinalgOp> inBlock = tileWithForall(rewriter, op, blockTiles, true);
      if (failed(inBlock)) {
        op.emitError("internal error: block tiling failed");
        return signalPassFailure();
      }
      SmallVector<int64_t> threadTiles;
      for (auto it : inBlock->getIteratorTypesArray())
        threadTiles.push_back(it == utils::IteratorType::parallel ? 1 : 0);
      if (failed(tileWithForall(rewriter, *inBlock, threadTiles, false))) {
        op.emitError("internal error: thread tiling failed");
        return signalPassFailure();
      }
    }
  }
};

} // namespace
} // namespace kiln::gpu
