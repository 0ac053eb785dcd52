//===- SplitProduct.cpp - Staged products cut along k ---------------------===//
//
// The partial products are the op's staged kernel with one more block loop,
// the slice (buildStagedPartials). The combining kernel is a thread per
// output element, in blocks of kThreadsPerBlock.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/SplitProduct.h"

#include "codegen/cpu/ForallUtils.h"
#include "codegen/gpu/BlockReduction.h"
#include "codegen/gpu/Mapping.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln::gpu {

/// The blocks of `matmul`'s grid for `op`, with its k cut into `splits`.
static int64_t gridBlocks(linalg::LinalgOp op, const StagedMatmul &matmul, int64_t splits) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t blocks = splits;
  for (auto [dim, iterator] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (iterator != utils::IteratorType::parallel)
      continue;
    if (dim == matmul.m)
      blocks *= llvm::divideCeil(ranges[dim], blockRows(matmul));
    else if (dim == matmul.n)
      blocks *= llvm::divideCeil(ranges[dim], blockColumns(matmul));
    else
      blocks *= ranges[dim];
  }
  return blocks;
}

std::optional<StagedMatmul> matchSplitProduct(linalg::LinalgOp op, int64_t minBlocks, bool tf32,
                                              bool halfTensorCores) {
  std::optional<StagedMatmul> best = matchStagedMatmul(op, minBlocks, tf32, halfTensorCores);
  // (A body that reads its loop indices would see k's within the slice.)
  if (!best || gridBlocks(op, *best, 1) >= minBlocks || !matchBlockReduction(op) ||
      op.hasIndexSemantics())
    return best;
  const int64_t k = op.getStaticLoopRanges()[best->k];
  for (int64_t splits = 2; splits <= kMaxSplits && k / splits >= kMinSliceK; ++splits) {
    int64_t slice = k / splits;
    if (k % splits != 0 || (k % kStagedTile == 0 && slice % kStagedTile != 0))
      continue;
    std::optional<StagedMatmul> cut =
        matchStagedMatmul(op, minBlocks, tf32, halfTensorCores, splits);
    if (!cut)
      break;
    cut->splits = splits;
    best = cut;
    if (gridBlocks(op, *cut, splits) >= minBlocks)
      break;
  }
  return best;
}

void buildSplitProduct(RewriterBase &rewriter, linalg::LinalgOp op, const StagedMatmul &matmul,
                       const StagedFusion &fusion) {
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  BlockReduction reduction = *matchBlockReduction(op);
  const int64_t splits = matmul.splits;
  OpOperand *init = op.getDpsInitOperand(0);
  auto outType = llvm::cast<MemRefType>(init->get().getType());
  rewriter.setInsertionPoint(op);

  // The partial products.
  SmallVector<int64_t> partialShape{splits};
  llvm::append_range(partialShape, outType.getShape());
  Value partials =
      memref::AllocOp::create(rewriter, loc, MemRefType::get(partialShape, outType.getElementType()));
  buildStagedPartials(rewriter, op, matmul, PartialResults{partials, reduction.neutral}, fusion);
  rewriter.setInsertionPoint(op);

  // The combining kernel, a thread per output element.
  cpu::StaticForallBounds outputs;
  for (int64_t size : outType.getShape()) {
    outputs.lowerBounds.push_back(0);
    outputs.steps.push_back(1);
    outputs.counts.push_back(size);
    outputs.total *= size;
  }
  const int64_t threads = std::min(kThreadsPerBlock, outputs.total);
  auto blockLoop = scf::ForallOp::create(
      rewriter, loc,
      ArrayRef<OpFoldResult>{rewriter.getIndexAttr(llvm::divideCeil(outputs.total, threads))},
      ValueRange{}, linearGpuMapping(ctx, 1, true));
  rewriter.setInsertionPoint(blockLoop.getBody()->getTerminator());
  auto threadLoop =
      scf::ForallOp::create(rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(threads)},
                            ValueRange{}, linearGpuMapping(ctx, 1, false));
  rewriter.setInsertionPoint(threadLoop.getBody()->getTerminator());
  auto constant = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  Value linear = arith::AddIOp::create(
      rewriter, loc,
      arith::MulIOp::create(rewriter, loc, blockLoop.getInductionVars()[0],
                            constant(rewriter, threads)),
      threadLoop.getInductionVars()[0]);
  auto combineAll = [&](OpBuilder &b) {
    SmallVector<Value> indices = cpu::delinearizeIteration(b, loc, linear, outputs);
    Value value = fusion.start ? elementAt(b, loc, fusion.start, indices)
                               : Value(memref::LoadOp::create(b, loc, init->get(), indices));
    auto sum = scf::ForOp::create(
        b, loc, constant(b, 0), constant(b, splits), constant(b, 1), ValueRange{value},
        [&](OpBuilder &b, Location loc, Value s, ValueRange acc) {
          SmallVector<Value> at{s};
          llvm::append_range(at, indices);
          scf::YieldOp::create(
              b, loc,
              combineWith(b, reduction, memref::LoadOp::create(b, loc, partials, at), acc[0]));
        });
    storeResult(b, loc, fusion.consumer, init->get(), sum.getResult(0), indices);
  };
  if (outputs.total % threads == 0) {
    combineAll(rewriter);
  } else {
    Value inside = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult, linear,
                                         constant(rewriter, outputs.total));
    auto guard = scf::IfOp::create(rewriter, loc, inside, /*withElseRegion=*/false);
    OpBuilder then = guard.getThenBodyBuilder();
    combineAll(then);
  }

  eraseWithTakenIn(rewriter, op, fusion);
}

} // namespace kiln::gpu
