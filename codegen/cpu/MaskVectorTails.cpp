//===- MaskVectorTails.cpp - Odd-width vector accesses as masked ones -----===//
//
// A contiguous load or store of N elements whose last partial register
// holds a lane count that is not a power of two (7, 14 or 28 floats: the
// rows of 7x7, 14x14 and 28x28 planes, a pixel-major tile's runs of 7
// pixels) is split by LLVM into one access per power of two (7 = 4 + 2 + 1)
// and the pieces shuffled together. With AVX-512's masked moves the tail
// is one access of the next power of two under a constant mask: lanes
// outside it are neither read (no fault, no dependence) nor written.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_MASKVECTORTAILS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

/// How an access of `type` to `base` splits: `full` leading elements in
/// whole registers, then a tail of `tail` lanes done as a masked access of
/// `padded` lanes. std::nullopt when LLVM's own split is as good (no tail,
/// or a tail of a power-of-two lane count).
struct TailSplit {
  int64_t full, tail, padded;
};

std::optional<TailSplit> splitOf(VectorType type, Value base, int64_t vectorBytes) {
  auto memref = llvm::dyn_cast<MemRefType>(base.getType());
  if (!memref || type.getRank() != 1 || type.isScalable() ||
      memref.getElementType() != type.getElementType())
    return std::nullopt;
  Type element = type.getElementType();
  // AVX-512F masks 32- and 64-bit lanes.
  if (!element.isIntOrFloat() ||
      (element.getIntOrFloatBitWidth() != 32 && element.getIntOrFloatBitWidth() != 64))
    return std::nullopt;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(memref.getStridesAndOffset(strides, offset)) || strides.empty() ||
      strides.back() != 1)
    return std::nullopt;
  int64_t lanes = vectorBytes * 8 / element.getIntOrFloatBitWidth();
  if (lanes < 2)
    return std::nullopt;
  int64_t n = type.getDimSize(0);
  int64_t tail = n % lanes;
  if (tail == 0 || llvm::isPowerOf2_64(tail))
    return std::nullopt;
  return TailSplit{n - tail, tail, static_cast<int64_t>(llvm::PowerOf2Ceil(tail))};
}

Value shifted(PatternRewriter &rewriter, Location loc, Value index, int64_t by) {
  if (by == 0)
    return index;
  return arith::AddIOp::create(rewriter, loc, index,
                               arith::ConstantIndexOp::create(rewriter, loc, by));
}

Value tailMask(PatternRewriter &rewriter, Location loc, const TailSplit &split) {
  auto type = VectorType::get({split.padded}, rewriter.getI1Type());
  return vector::ConstantMaskOp::create(rewriter, loc, type, ArrayRef<int64_t>{split.tail});
}

Value loadSplit(PatternRewriter &rewriter, Location loc, VectorType type, Value base,
                ValueRange indices, const TailSplit &split) {
  Type element = type.getElementType();
  Value result = arith::ConstantOp::create(rewriter, loc, type, rewriter.getZeroAttr(type));
  SmallVector<Value> at(indices);
  if (split.full > 0) {
    Value head = vector::LoadOp::create(rewriter, loc, VectorType::get({split.full}, element),
                                        base, at);
    result = vector::InsertStridedSliceOp::create(rewriter, loc, head, result,
                                                  ArrayRef<int64_t>{0}, ArrayRef<int64_t>{1});
  }
  at.back() = shifted(rewriter, loc, at.back(), split.full);
  auto paddedType = VectorType::get({split.padded}, element);
  Value zero =
      arith::ConstantOp::create(rewriter, loc, paddedType, rewriter.getZeroAttr(paddedType));
  Value tail = vector::MaskedLoadOp::create(rewriter, loc, paddedType, base, at,
                                            tailMask(rewriter, loc, split), zero);
  tail = vector::ExtractStridedSliceOp::create(rewriter, loc, tail, ArrayRef<int64_t>{0},
                                               ArrayRef<int64_t>{split.tail},
                                               ArrayRef<int64_t>{1});
  return vector::InsertStridedSliceOp::create(rewriter, loc, tail, result,
                                              ArrayRef<int64_t>{split.full},
                                              ArrayRef<int64_t>{1});
}

void storeSplit(PatternRewriter &rewriter, Location loc, Value value, Value base,
                ValueRange indices, const TailSplit &split) {
  Type element = llvm::cast<VectorType>(value.getType()).getElementType();
  SmallVector<Value> at(indices);
  if (split.full > 0) {
    Value head = vector::ExtractStridedSliceOp::create(
        rewriter, loc, value, ArrayRef<int64_t>{0}, ArrayRef<int64_t>{split.full},
        ArrayRef<int64_t>{1});
    vector::StoreOp::create(rewriter, loc, head, base, at);
  }
  at.back() = shifted(rewriter, loc, at.back(), split.full);
  Value tail = vector::ExtractStridedSliceOp::create(
      rewriter, loc, value, ArrayRef<int64_t>{split.full}, ArrayRef<int64_t>{split.tail},
      ArrayRef<int64_t>{1});
  auto paddedType = VectorType::get({split.padded}, element);
  Value padded = vector::InsertStridedSliceOp::create(
      rewriter, loc, tail,
      arith::ConstantOp::create(rewriter, loc, paddedType, rewriter.getZeroAttr(paddedType)),
      ArrayRef<int64_t>{0}, ArrayRef<int64_t>{1});
  vector::MaskedStoreOp::create(rewriter, loc, base, at, tailMask(rewriter, loc, split),
                                padded);
}

/// In-bounds, unmasked 1-D transfers along a unit-stride innermost dimension
/// are plain loads and stores.
bool isPlain(vector::LoadOp) { return true; }
bool isPlain(vector::StoreOp) { return true; }
bool isPlain(VectorTransferOpInterface op) {
  return !op.getMask() && op.getPermutationMap().isMinorIdentity() &&
         op.getPermutationMap().getNumResults() == 1 && op.isDimInBounds(0) &&
         llvm::isa<MemRefType>(op.getBase().getType());
}

void replaceSplit(PatternRewriter &rewriter, vector::LoadOp op, const TailSplit &split) {
  rewriter.replaceOp(op, loadSplit(rewriter, op.getLoc(), op.getVectorType(), op.getBase(),
                                   op.getIndices(), split));
}
void replaceSplit(PatternRewriter &rewriter, vector::TransferReadOp op, const TailSplit &split) {
  rewriter.replaceOp(op, loadSplit(rewriter, op.getLoc(), op.getVectorType(), op.getBase(),
                                   op.getIndices(), split));
}
void replaceSplit(PatternRewriter &rewriter, vector::StoreOp op, const TailSplit &split) {
  storeSplit(rewriter, op.getLoc(), op.getValueToStore(), op.getBase(), op.getIndices(), split);
  rewriter.eraseOp(op);
}
void replaceSplit(PatternRewriter &rewriter, vector::TransferWriteOp op,
                  const TailSplit &split) {
  storeSplit(rewriter, op.getLoc(), op.getVector(), op.getBase(), op.getIndices(), split);
  rewriter.eraseOp(op);
}

/// A plain access of `OpTy` whose tail splitOf masks -> its split form.
template <typename OpTy>
struct MaskedTail : OpRewritePattern<OpTy> {
  MaskedTail(MLIRContext *ctx, int64_t vectorBytes)
      : OpRewritePattern<OpTy>(ctx), vectorBytes(vectorBytes) {}
  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    if (!isPlain(op))
      return failure();
    std::optional<TailSplit> split = splitOf(op.getVectorType(), op.getBase(), vectorBytes);
    if (!split)
      return failure();
    replaceSplit(rewriter, op, *split);
    return success();
  }
  int64_t vectorBytes;
};

struct MaskVectorTailsPass : impl::MaskVectorTailsBase<MaskVectorTailsPass> {
  using MaskVectorTailsBase::MaskVectorTailsBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<MaskedTail<vector::LoadOp>, MaskedTail<vector::StoreOp>,
                 MaskedTail<vector::TransferReadOp>, MaskedTail<vector::TransferWriteOp>>(
        &getContext(), vectorBytes);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::cpu
