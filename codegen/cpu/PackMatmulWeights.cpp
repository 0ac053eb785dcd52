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
// When N is not a multiple of NR (a vocabulary of 50257 words), the last
// panel gets zero columns: the whole panels multiply into their columns of
// C in place, and the last one into a copy of C's remaining columns padded
// with the same zero columns (one panel wide), which are dropped after the
// product. The micro-kernel keeps full-width vectors instead of N's largest
// small divisor (29 lanes for 50257).
//
// The product's epilogue, the bias broadcast (or zero fill) that starts C
// and the elementwise op that reads it (a GELU, a residual addition), is
// rewritten over the same [M, N / NR, NR] view, the reshapes folded into
// it, so that kiln-tile-and-vectorize computes it in the product's tiles.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
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

DenseElementsAttr packPanels(DenseElementsAttr b, int64_t nr, bool transposed) {
  auto type = llvm::cast<RankedTensorType>(b.getType());
  int64_t k = type.getDimSize(transposed ? 1 : 0), n = type.getDimSize(transposed ? 0 : 1);
  int64_t panels = llvm::divideCeil(n, nr);
  auto packedType = RankedTensorType::get({panels, k, nr}, type.getElementType());
  if (b.isSplat() && n % nr == 0)
    return b.resizeSplat(packedType);
  size_t bytes = llvm::divideCeil(type.getElementTypeBitWidth(), 8);
  SmallVector<char> raw;
  if (b.isSplat()) {
    ArrayRef<char> one = b.getRawData();
    for (int64_t i = 0; i < k * n; ++i)
      raw.append(one.begin(), one.end());
  } else {
    raw.assign(b.getRawData().begin(), b.getRawData().end());
  }
  SmallVector<char> packed(panels * k * nr * bytes, 0);
  for (int64_t j = 0; j < panels; ++j) {
    int64_t width = std::min(nr, n - j * nr);
    for (int64_t kk = 0; kk < k; ++kk) {
      char *dest = &packed[((j * k + kk) * nr) * bytes];
      if (!transposed) {
        std::memcpy(dest, &raw[(kk * n + j * nr) * bytes], width * bytes);
        continue;
      }
      for (int64_t r = 0; r < width; ++r)
        std::memcpy(dest + r * bytes, &raw[((j * nr + r) * k + kk) * bytes], bytes);
    }
  }
  return DenseElementsAttr::getFromRawBuffer(packedType, packed);
}

/// Panels [first, first + count) of `packed` ([P, K, NR], not a splat).
static DenseElementsAttr panelRange(DenseElementsAttr packed, int64_t first, int64_t count) {
  auto type = llvm::cast<RankedTensorType>(packed.getType());
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = count;
  auto rangeType = RankedTensorType::get(shape, type.getElementType());
  if (packed.isSplat())
    return packed.resizeSplat(rangeType);
  size_t panelBytes = packed.getRawData().size() / type.getDimSize(0);
  return DenseElementsAttr::getFromRawBuffer(
      rangeType, packed.getRawData().slice(first * panelBytes, count * panelBytes));
}

int64_t packedRowsPerSliver(int64_t m, int64_t tileRows) {
  return largestDivisorAtMost(m, tileRows);
}

/// The generic C += A x B with the given maps (A, B, C), whose last
/// `reductions` loops are the reduction, marked with `marker`.
static Value buildMarkedGeneric(OpBuilder &b, Location loc, Value a, Value bOperand, Value c,
                                ArrayRef<AffineMap> maps, unsigned reductions,
                                StringRef marker) {
  unsigned rank = maps.front().getNumDims();
  SmallVector<utils::IteratorType> iterators(rank - reductions, utils::IteratorType::parallel);
  iterators.append(reductions, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, c.getType(), ValueRange{a, bOperand}, c, maps, iterators,
      [](OpBuilder &nb, Location l, ValueRange args) {
        Value prod = arith::MulFOp::create(nb, l, args[0], args[1]);
        linalg::YieldOp::create(nb, l, Value(arith::AddFOp::create(nb, l, args[2], prod)));
      });
  generic->setAttr(marker, b.getUnitAttr());
  return generic.getResult(0);
}

/// The marked generic C += A x B over `rank` loops, the last one the
/// reduction, with the given operand maps (A, B, C).
static Value buildMarkedProduct(OpBuilder &b, Location loc, Value a, Value packedB, Value c,
                                unsigned rank, ArrayRef<ArrayRef<AffineExpr>> results) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps = llvm::map_to_vector(
      results, [&](ArrayRef<AffineExpr> r) { return AffineMap::get(rank, 0, r, ctx); });
  return buildMarkedGeneric(b, loc, a, packedB, c, maps, 1, kPackedMatmulAttr);
}

Value buildTapProduct(OpBuilder &b, Location loc, Value a, Value bOperand, Value c,
                      ArrayRef<AffineMap> maps) {
  return buildMarkedGeneric(b, loc, a, bOperand, c, maps, 3, kTapProductAttr);
}

Value buildPackedProduct(OpBuilder &b, Location loc, Value packedA, Value packedB, Value c4) {
  AffineExpr dmo, dj, dmi, dr, dk;
  bindDims(b.getContext(), dmo, dj, dmi, dr, dk);
  return buildMarkedProduct(b, loc, packedA, packedB, c4, 5,
                            {{dmo, dk, dmi}, {dj, dk, dr}, {dmo, dmi, dj, dr}});
}

Value buildPackedMatmul(OpBuilder &b, Location loc, Value a, Value packedB, Value c3,
                        int64_t tileRows) {
  auto c3Type = llvm::cast<RankedTensorType>(c3.getType());
  int64_t m = c3Type.getDimSize(0), panels = c3Type.getDimSize(1), nr = c3Type.getDimSize(2);
  DenseElementsAttr constantA;
  if (matchPattern(a, m_Constant(&constantA))) {
    int64_t mr = packedRowsPerSliver(m, tileRows);
    SmallVector<ReassociationIndices> rows = {{0, 1}, {2}, {3}};
    Value c4 = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({m / mr, mr, panels, nr}, c3Type.getElementType()), c3, rows);
    // Slivers of A are panels of A's transpose: Ap[i, k, r] = A[i * mr + r, k].
    Value packedA =
        arith::ConstantOp::create(b, loc, packPanels(constantA, mr, /*transposed=*/true));
    Value product = buildPackedProduct(b, loc, packedA, packedB, c4);
    return tensor::CollapseShapeOp::create(b, loc, c3Type, product, rows);
  }
  // An activation: read in place, rows K*4 bytes apart (packing it at run
  // time by a transposing copy measured no faster on BERT's shapes).
  AffineExpr dm, dj, dr, dk;
  bindDims(b.getContext(), dm, dj, dr, dk);
  return buildMarkedProduct(b, loc, a, packedB, c3, 4, {{dm, dk}, {dj, dk, dr}, {dm, dj, dr}});
}

Value padLastDim(OpBuilder &b, Location loc, Value v, int64_t size) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  if (type.getShape().back() == size)
    return v;
  SmallVector<OpFoldResult> low(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> high = low;
  high.back() = b.getIndexAttr(size - type.getShape().back());
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = size;
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
  return tensor::PadOp::create(b, loc, resultType, v, low, high, zero);
}

Value truncateLastDim(OpBuilder &b, Location loc, Value v, int64_t size) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  if (type.getShape().back() == size)
    return v;
  SmallVector<int64_t> shape(type.getShape());
  shape.back() = size;
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(type.getRank(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()),
                                        v, offsets, getAsIndexOpFoldResult(b.getContext(), shape),
                                        ones);
}

namespace {

struct PackConstantRhs : OpRewritePattern<linalg::MatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::MatmulOp op, PatternRewriter &rewriter) const override {
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
    int64_t m = cType.getDimSize(0), n = cType.getDimSize(1);
    int64_t nr = kPackedPanelWidth;
    if (n < nr)
      return rewriter.notifyMatchFailure(op, "N narrower than one panel");
    Location loc = op.getLoc();
    DenseElementsAttr panels = packPanels(weights, nr, /*transposed=*/false);
    // C[:, 0:w] += A x panels (w a multiple of NR) on C viewed as [M, w / NR, NR].
    auto multiply = [&](DenseElementsAttr packed, Value cColumns) {
      int64_t w = llvm::cast<RankedTensorType>(cColumns.getType()).getDimSize(1);
      Value c3 = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({m, w / nr, nr}, elementType), cColumns,
          SmallVector<ReassociationIndices>{{0}, {1, 2}});
      Value product =
          buildPackedMatmul(rewriter, loc, a, arith::ConstantOp::create(rewriter, loc, packed), c3,
                            microTileRows(op));
      return Value(tensor::CollapseShapeOp::create(rewriter, loc, cColumns.getType(), product,
                                                   SmallVector<ReassociationIndices>{{0}, {1, 2}}));
    };
    int64_t whole = n - n % nr;
    if (whole == n) {
      rewriter.replaceOp(op, multiply(panels, c));
      return success();
    }
    // N not a multiple of NR (a vocabulary of 50257 words): the whole panels
    // write their columns of C in place; only the last, partial panel
    // multiplies into a copy of its columns padded with zeros, so the
    // padded accumulator is one panel wide, not all of C.
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<OpFoldResult> ones = getAsIndexOpFoldResult(ctx, {1, 1});
    auto columns = [&](Value v, int64_t first, int64_t count) {
      return Value(tensor::ExtractSliceOp::create(rewriter, loc, v,
                                                  getAsIndexOpFoldResult(ctx, {0, first}),
                                                  getAsIndexOpFoldResult(ctx, {m, count}), ones));
    };
    auto insertColumns = [&](Value part, Value into, int64_t first) {
      auto partType = llvm::cast<RankedTensorType>(part.getType());
      return Value(tensor::InsertSliceOp::create(
          rewriter, loc, part, into, getAsIndexOpFoldResult(ctx, {0, first}),
          getAsIndexOpFoldResult(ctx, partType.getShape()), ones));
    };
    // One chain of updates (the tail's columns are read from C after the
    // head wrote it), so bufferization sees no read of C after a write into
    // it and keeps both in C's buffer.
    Value head = multiply(panelRange(panels, 0, whole / nr), columns(c, 0, whole));
    Value result = insertColumns(head, c, 0);
    Value tail = multiply(panelRange(panels, whole / nr, 1),
                          padLastDim(rewriter, loc, columns(result, whole, n - whole), nr));
    result = insertColumns(truncateLastDim(rewriter, loc, tail, n - whole), result, whole);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Whether `op` is a packed product (kPackedMatmulAttr: built here, or by
/// kiln-conv-to-matmul for a band of packed taps, whose start and result
/// are slices of its band loop's accumulator and so are left alone below).
bool isPackedProduct(Operation *op) { return op && op->hasAttr(kPackedMatmulAttr); }

/// The packed product works on C viewed as [M, N / NR, NR]; what starts its
/// accumulator (a bias broadcast) and the elementwise op that reads its
/// result (a GELU, a residual addition) still work on [M, N], across the
/// reshapes of that view. Folding those reshapes into them (expanding their
/// loops to the view's) gives them the product's shape, so that
/// kiln-tile-and-vectorize computes them in the product's tiles
/// (MatmulEpilogue) instead of as passes of their own over C.
bool foldsIntoPackedView(OpOperand *fused) {
  // expand_shape(start) that a packed product accumulates into (a fill,
  // a zero start: FillPackedView).
  if (auto expand = llvm::dyn_cast<tensor::ExpandShapeOp>(fused->getOwner())) {
    auto start = expand.getSrc().getDefiningOp<linalg::GenericOp>();
    return start && start->hasOneUse() &&
           start.getNumLoops() == start.getNumParallelLoops() && expand->hasOneUse() &&
           isPackedProduct(*expand->getUsers().begin()) &&
           llvm::cast<DestinationStyleOpInterface>(*expand->getUsers().begin())
               .isDpsInit(&*expand->getUses().begin());
  }
  // consumer(collapse_shape(product)).
  auto consumer = llvm::dyn_cast<linalg::GenericOp>(fused->getOwner());
  auto collapse = fused->get().getDefiningOp<tensor::CollapseShapeOp>();
  return consumer && collapse && consumer.getNumLoops() == consumer.getNumParallelLoops() &&
         consumer.isDpsInput(fused) && isPackedProduct(collapse.getSrc().getDefiningOp());
}

/// expand_shape(fill) that a packed product accumulates into (a zero start,
/// which one fill may serve for several products) -> a fill of the
/// expanded destination of its own, which the product's tiles can take.
struct FillPackedView : OpRewritePattern<tensor::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExpandShapeOp expand,
                                PatternRewriter &rewriter) const override {
    auto fill = expand.getSrc().getDefiningOp<linalg::FillOp>();
    if (!fill || !fill.hasPureTensorSemantics() || !expand->hasOneUse())
      return failure();
    OpOperand &use = *expand->getUses().begin();
    if (!isPackedProduct(use.getOwner()) ||
        !llvm::cast<DestinationStyleOpInterface>(use.getOwner()).isDpsInit(&use))
      return failure();
    auto destination = tensor::ExpandShapeOp::create(
        rewriter, expand.getLoc(), expand.getResultType(), fill.getDpsInits()[0],
        expand.getReassociationIndices(), expand.getMixedOutputShape());
    rewriter.replaceOpWithNewOp<linalg::FillOp>(expand, fill.getDpsInputs()[0],
                                                destination.getResult());
    return success();
  }
};

struct PackMatmulWeightsPass : impl::PackMatmulWeightsBase<PackMatmulWeightsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PackConstantRhs>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    RewritePatternSet epilogues(&getContext());
    linalg::populateFoldReshapeOpsByExpansionPatterns(epilogues, foldsIntoPackedView);
    epilogues.add<FillPackedView>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(epilogues))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::cpu
