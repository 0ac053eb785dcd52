//===- LowerVectorOps.cpp - Vector ops down to LLVM-convertible forms -----===//
//
// Two stages, as the upstream lowerings expect: first the ops that produce
// other vector ops (contractions, multi-reductions, transposes), then the
// forms those leave behind (broadcasts, shape casts, masks, transfers).
//
// Reads of every s-th element (a strided convolution's or pool's window tap,
// strides 2 to 4) are rewritten first into one contiguous load and a shuffle:
// the upstream lowering turns them into one scalar load per element. ReLU's
// and Clip's zero bounds take the sign that makes them one max/min
// instruction.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_LOWERVECTOROPS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

/// Innermost strides up to this are read contiguously and shuffled; beyond
/// it the wasted bandwidth outweighs the scalar loads it saves.
constexpr int64_t kMaxShuffledStride = 4;

/// vector.transfer_read of W elements along a memref dimension of static
/// stride s in [2, kMaxShuffledStride] (in bounds, unmasked, the innermost
/// memref dimension) -> a unit-stride view of the same buffer at the first
/// element, a load of s*(W-1)+1 elements and a shuffle of every s-th one.
struct StridedReadToShuffle : OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto memrefType = llvm::dyn_cast<MemRefType>(read.getBase().getType());
    VectorType vectorType = read.getVectorType();
    if (!memrefType || vectorType.getRank() != 1 || vectorType.isScalable() ||
        read.getMask() || !read.getPermutationMap().isMinorIdentity() ||
        !read.isDimInBounds(0))
      return failure();
    int64_t width = vectorType.getDimSize(0);
    SmallVector<int64_t> strides;
    int64_t offset;
    if (width < 2 || failed(memrefType.getStridesAndOffset(strides, offset)))
      return failure();
    int64_t stride = strides.back();
    if (ShapedType::isDynamic(stride) || stride < 2 || stride > kMaxShuffledStride)
      return failure();

    Location loc = read.getLoc();
    auto metadata = memref::ExtractStridedMetadataOp::create(rewriter, loc, read.getBase());
    // Linear position of the first element: offset + sum(index_i * stride_i).
    Value first = metadata.getOffset();
    for (auto [index, memrefStride] : llvm::zip(read.getIndices(), metadata.getStrides())) {
      Value term = arith::MulIOp::create(rewriter, loc, index, memrefStride);
      first = arith::AddIOp::create(rewriter, loc, first, term);
    }
    int64_t span = stride * (width - 1) + 1;
    auto flatType = MemRefType::get(
        {span}, memrefType.getElementType(),
        StridedLayoutAttr::get(rewriter.getContext(), ShapedType::kDynamic, {1}),
        memrefType.getMemorySpace());
    Value flat = memref::ReinterpretCastOp::create(
        rewriter, loc, flatType, metadata.getBaseBuffer(), first,
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(span)},
        ArrayRef<OpFoldResult>{rewriter.getIndexAttr(1)});
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value loaded = vector::LoadOp::create(
        rewriter, loc, VectorType::get({span}, vectorType.getElementType()), flat,
        ValueRange{zero});
    SmallVector<int64_t> picks;
    for (int64_t i = 0; i < width; ++i)
      picks.push_back(i * stride);
    rewriter.replaceOpWithNewOp<vector::ShuffleOp>(read, loaded, loaded, picks);
    return success();
  }
};

/// maximumf(x, +0.0) -> maximumf(x, -0.0) and minimumf(x, -0.0) ->
/// minimumf(x, +0.0), scalar or splat: ReLU and Clip at zero. x86's vmaxps /
/// vminps return their second operand when both are zeros or either is a
/// NaN, which is exactly maximum(x, -0.0) (and minimum(x, +0.0)) with x
/// second: one instruction, where maximum(x, +0.0) also needs a NaN check
/// and a blend. (AArch64's fmax is one instruction either way.) The results
/// differ only for x = -0.0 (maximum) or +0.0 (minimum), a zero of the other
/// sign, as numpy (the reference of the ONNX operators) gives too; NaNs
/// still propagate.
template <typename OpTy, bool fromNegativeZero>
struct ZeroBoundTakesOperandSign : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    auto zeroToFlip = fromNegativeZero ? m_NegZeroFloat() : m_PosZeroFloat();
    for (unsigned i = 0; i < 2; ++i) {
      Value bound = op->getOperand(i);
      if (!matchPattern(bound, zeroToFlip))
        continue;
      Type elementType = getElementTypeOrSelf(bound.getType());
      TypedAttr flipped = rewriter.getFloatAttr(elementType, fromNegativeZero ? 0.0 : -0.0);
      if (auto shaped = llvm::dyn_cast<ShapedType>(bound.getType()))
        flipped = SplatElementsAttr::get(shaped, ArrayRef<Attribute>{flipped});
      Value other = arith::ConstantOp::create(rewriter, op.getLoc(), flipped);
      rewriter.modifyOpInPlace(op, [&] { op->setOperand(i, other); });
      return success();
    }
    return failure();
  }
};

/// How many K steps ahead the micro-kernel prefetches its B panel.
constexpr int64_t kPanelPrefetchSteps = 64;

/// Software prefetch for the micro-kernel's B panels: a read of one panel row
/// (vector<NR> from a [J, K, NR] buffer) inside the K loop gets a prefetch of
/// the row kPanelPrefetchSteps ahead. Weights streamed from memory once per
/// run (BERT-base's 340 MB) are consumed at a row of 128 bytes every few
/// cycles; the hardware prefetchers, which stop at page boundaries, do not
/// run far enough ahead to hide memory latency at that rate. Prefetches do
/// not fault, so rows past a panel's end need no guard.
void prefetchPanels(func::FuncOp func) {
  SmallVector<vector::TransferReadOp> reads;
  func.walk([&](vector::TransferReadOp read) {
    auto type = llvm::dyn_cast<MemRefType>(read.getBase().getType());
    VectorType vectorType = read.getVectorType();
    if (!type || type.getRank() != 3 || !type.hasStaticShape() ||
        type.getDimSize(2) != kPackedPanelWidth || vectorType.getRank() != 1 ||
        vectorType.getDimSize(0) != kPackedPanelWidth)
      return;
    auto loop = llvm::dyn_cast<scf::ForOp>(read->getParentOp());
    if (!loop)
      return;
    Value k = read.getIndices()[1];
    Operation *def = k.getDefiningOp();
    bool alongLoop = k == loop.getInductionVar() ||
                     (def && llvm::is_contained(def->getOperands(), loop.getInductionVar()));
    if (alongLoop)
      reads.push_back(read);
  });
  for (vector::TransferReadOp read : reads) {
    OpBuilder b(read);
    Location loc = read.getLoc();
    SmallVector<Value> indices(read.getIndices());
    indices[1] = arith::AddIOp::create(
        b, loc, indices[1], arith::ConstantIndexOp::create(b, loc, kPanelPrefetchSteps));
    memref::PrefetchOp::create(b, loc, read.getBase(), indices, /*isWrite=*/false,
                               /*localityHint=*/3, /*isDataCache=*/true);
  }
}

struct LowerVectorOpsPass : impl::LowerVectorOpsBase<LowerVectorOpsPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    prefetchPanels(getOperation());
    {
      RewritePatternSet patterns(ctx);
      patterns.add<StridedReadToShuffle>(ctx, /*benefit=*/2);
      patterns.add<ZeroBoundTakesOperandSign<arith::MaximumFOp, /*fromNegativeZero=*/false>,
                   ZeroBoundTakesOperandSign<arith::MinimumFOp, /*fromNegativeZero=*/true>>(ctx);
      vector::populateVectorContractLoweringPatterns(
          patterns, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorMultiReductionLoweringPatterns(
          patterns, vector::VectorMultiReductionLowering::InnerParallel);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, vector::VectorTransposeLowering::EltWise);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorOuterProductLoweringPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      vector::populateVectorStepLoweringPatterns(patterns);
      vector::populateVectorTransferLoweringPatterns(patterns, /*maxTransferRank=*/1);
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }
  }
};

} // namespace
} // namespace kiln::cpu
