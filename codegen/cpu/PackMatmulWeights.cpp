//===- PackMatmulWeights.cpp - Weights packed into micro-kernel panels ----===//
//
// A matmul C[M, N] += A[M, K] x B[K, N] whose B is a constant (a layer's
// weights) gets B rearranged at compile time into panels as wide as the
// micro-kernel's register tile:
//   Bp[N / NR, K, NR],  Bp[j, k, r] = B[k, j * NR + r]
// and becomes a linalg.generic over (m, j, r, k) on Bp and C viewed as
// [M, N / NR, NR] (a free reshape). The micro-kernel then reads B as one
// contiguous stream (NR floats per k step) instead of NR floats every N*4
// bytes, which with power-of-two N maps every row to the same L1 set and a
// new page per step. The packing costs nothing at run time; the weights'
// size does not change.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cstring>

namespace kiln::cpu {
#define GEN_PASS_DEF_PACKMATMULWEIGHTS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

/// `b` [K, N] rearranged into [N / nr, K, nr] panels.
DenseElementsAttr packPanels(DenseElementsAttr b, int64_t nr) {
  auto type = llvm::cast<RankedTensorType>(b.getType());
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  auto packedType = RankedTensorType::get({n / nr, k, nr}, type.getElementType());
  if (b.isSplat())
    return b.resizeSplat(packedType);
  ArrayRef<char> raw = b.getRawData();
  size_t bytes = raw.size() / (k * n);
  SmallVector<char> packed(raw.size());
  for (int64_t j = 0; j < n / nr; ++j)
    for (int64_t kk = 0; kk < k; ++kk)
      std::memcpy(&packed[((j * k + kk) * nr) * bytes], &raw[(kk * n + j * nr) * bytes],
                  nr * bytes);
  return DenseElementsAttr::getFromRawBuffer(packedType, packed);
}

struct PackConstantRhs : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "not on tensors");
    // Only the default (row-major, no cast) form.
    if (!op.getIndexingMaps().getValue().empty() &&
        op.getIndexingMapsArray() != linalg::MatmulOp::getDefaultIndexingMaps(getContext()))
      return rewriter.notifyMatchFailure(op, "transposed or broadcast operands");
    Value a = op.getInputs()[0], b = op.getInputs()[1], c = op.getOutputs()[0];
    DenseElementsAttr weights;
    if (!matchPattern(b, m_Constant(&weights)))
      return rewriter.notifyMatchFailure(op, "B is not a constant");
    auto aType = llvm::cast<RankedTensorType>(a.getType());
    auto bType = llvm::cast<RankedTensorType>(b.getType());
    auto cType = llvm::cast<RankedTensorType>(c.getType());
    if (!aType.hasStaticShape() || !bType.hasStaticShape() || !cType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "dynamic shapes");
    Type elementType = cType.getElementType();
    if (aType.getElementType() != elementType || bType.getElementType() != elementType ||
        !elementType.isF32())
      return rewriter.notifyMatchFailure(op, "not an f32 matmul");
    int64_t m = cType.getDimSize(0), n = cType.getDimSize(1), k = aType.getDimSize(1);
    int64_t nr = kPackedPanelWidth;
    if (n % nr != 0)
      return rewriter.notifyMatchFailure(op, "N not a multiple of the panel width");

    Location loc = op.getLoc();
    Value packed = arith::ConstantOp::create(rewriter, loc, packPanels(weights, nr));
    auto c3Type = RankedTensorType::get({m, n / nr, nr}, elementType);
    Value c3 = tensor::ExpandShapeOp::create(rewriter, loc, c3Type, c,
                                             SmallVector<ReassociationIndices>{{0}, {1, 2}});
    MLIRContext *ctx = getContext();
    AffineExpr dm, dj, dr, dk;
    bindDims(ctx, dm, dj, dr, dk);
    SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {dm, dk}, ctx),
                                   AffineMap::get(4, 0, {dj, dk, dr}, ctx),
                                   AffineMap::get(4, 0, {dm, dj, dr}, ctx)};
    SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, c3Type, ValueRange{a, packed}, c3, maps, iterators,
        [](OpBuilder &nb, Location l, ValueRange args) {
          Value prod = arith::MulFOp::create(nb, l, args[0], args[1]);
          linalg::YieldOp::create(nb, l,
                                  Value(arith::AddFOp::create(nb, l, args[2], prod)));
        });
    generic->setAttr(kPackedMatmulAttr, rewriter.getUnitAttr());
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        op, cType, generic.getResult(0), SmallVector<ReassociationIndices>{{0}, {1, 2}});
    return success();
  }
};

struct PackMatmulWeightsPass : impl::PackMatmulWeightsBase<PackMatmulWeightsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PackConstantRhs>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::cpu
