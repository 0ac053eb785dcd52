//===- ConvToMatmul.cpp - 2-D convolutions as matrix multiplications ------===//
//
// A convolution in NCHW is, per image, the matrix product
//   out[F, OH*OW] = W[F, C*KH*KW] x col[C*KH*KW, OH*OW]
// where col ("im2col") holds, for every filter tap (c, kh, kw), the input
// pixels that tap meets. The weight needs no change (its layout already is
// [F, C*KH*KW]) and the product is in the output's layout, so the only extra
// work is building col: KH*KW strided copies of the input, O(C*KH*KW*OH*OW)
// moves against O(F) times as many multiply-adds. 1x1 stride-1 convolutions
// need no copy at all. The product then runs on the matmul micro-kernel
// (TilingStrategy), which reaches a large fraction of the FMA peak, where the
// direct convolution's vectorization (1-D decomposition) reached 5-10%.
//
// When OH*OW is not a multiple of the vector tile, col and the accumulator get
// zero columns up to one, so the micro-kernel keeps full-width vectors; the
// extra columns are dropped afterwards.
//
// When OW is a multiple of the panel width NR (f32), the taps are copied
// straight into the micro-kernel's panel layout colp[OH*OW/NR, C*KH*KW, NR]
// (each tap a transposing copy of NR-wide row pieces) and the product is the
// packed-matmul generic: the micro-kernel then reads B contiguously instead of
// NR floats every OH*OW*4 bytes, which for large images (256x256: 256 KiB)
// is a new page and the same L1 set at every K step. Large images are done in
// bands of output rows whose packed taps fit in L2 (bandedConvolution).
//
// Otherwise, when the weights are constants and OW has a divisor mr from
// kMinSliverRows to the micro-kernel's height (ResNet's 56, 28, 14 and 7 all
// have 7 or 8), the product runs pixel-major: out^T[P, F] = col^T x W^T, the
// taps copied into the micro-kernel's A slivers of mr output pixels (the same
// transposing copies, pieces of mr instead of NR), the weights packed
// transposed into B panels of NR filters at compile time, and the [P, F]
// result added, transposed, into the output. The broadcast side of the
// micro-kernel takes any height, so both streams are contiguous for any
// such OW; ResNet-50's 3x3 convolutions went from 40-46% to 46-53% of peak
// (docs/performance.md).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_CONVTOMATMUL
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

/// The width OH*OW is padded to a multiple of: the micro-kernel's vector
/// tile (two 512-bit vectors of f32).
constexpr int64_t kColumnMultiple = 32;
/// Pixel-major convolutions need slivers of at least this many output pixels
/// (a divisor of OW): fewer leave the micro-kernel too few rows.
constexpr int64_t kMinSliverRows = 4;
/// Below this many output columns the padding costs more than it buys.
constexpr int64_t kMinColumnsToPad = 16;
/// The most bytes of packed taps built at once: half the 2 MiB L2 of a core
/// on the benchmark machine, so a band's taps and the accumulator rows the
/// micro-kernel updates stay there.
constexpr int64_t kBandBytes = 1 << 20;

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> values) {
  return llvm::map_to_vector(values, [&](int64_t v) -> OpFoldResult {
    return b.getIndexAttr(v);
  });
}

/// One image's convolution geometry.
struct ConvShape {
  int64_t c, f, kh, kw, oh, ow;
  SmallVector<int64_t> strides, dilations;
};

/// The taps of `rows` output rows packed in pieces of `nr` (a divisor of OW)
/// output pixels: [rows*OW/nr, C*KH*KW, nr], from `band` [C, H', W] (the
/// input rows those output rows read, starting at its row 0). Viewed as
/// [rows, OW/nr, C, KH, KW, nr], tap (i, j) fills [:, :, :, i, j, :] with a
/// transposing copy of the input's nr-wide row pieces. These are the
/// micro-kernel's B panels (nr = NR) or its A slivers (pixel-major).
Value packTaps(OpBuilder &b, Location loc, Value band, int64_t rows, int64_t nr,
               const ConvShape &s) {
  Type elementType = llvm::cast<RankedTensorType>(band.getType()).getElementType();
  int64_t pieces = s.ow / nr;
  SmallVector<int64_t> col6Shape = {rows, pieces, s.c, s.kh, s.kw, nr};
  Value col6 = tensor::EmptyOp::create(b, loc, col6Shape, elementType);
  auto tapType = RankedTensorType::get({s.c, rows, s.ow}, elementType);
  auto pieceType = RankedTensorType::get({rows, pieces, s.c, nr}, elementType);
  for (int64_t i = 0; i < s.kh; ++i) {
    for (int64_t j = 0; j < s.kw; ++j) {
      Value source = tensor::ExtractSliceOp::create(
          b, loc, tapType, band, indexAttrs(b, {0, i * s.dilations[0], j * s.dilations[1]}),
          indexAttrs(b, {s.c, rows, s.ow}), indexAttrs(b, {1, s.strides[0], s.strides[1]}));
      Value source4 = tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({s.c, rows, pieces, nr}, elementType), source,
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
      SmallVector<int64_t> offsets = {0, 0, 0, i, j, 0};
      SmallVector<int64_t> sizes = {rows, pieces, s.c, 1, 1, nr};
      SmallVector<int64_t> ones(6, 1);
      Value dest = tensor::ExtractSliceOp::create(b, loc, pieceType, col6, indexAttrs(b, offsets),
                                                  indexAttrs(b, sizes), indexAttrs(b, ones));
      Value copied =
          linalg::TransposeOp::create(b, loc, source4, dest, ArrayRef<int64_t>{1, 2, 0, 3})
              .getResult()[0];
      col6 = tensor::InsertSliceOp::create(b, loc, copied, col6, indexAttrs(b, offsets),
                                           indexAttrs(b, sizes), indexAttrs(b, ones));
    }
  }
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({rows * pieces, s.c * s.kh * s.kw, nr}, elementType), col6,
      SmallVector<ReassociationIndices>{{0, 1}, {2, 3, 4}, {5}});
}

/// `acc` [F, rows, OW] += W2 x the packed taps of `band`, as the
/// packed-matmul generic on `acc` viewed in panels.
Value bandProduct(OpBuilder &b, Location loc, Value band, Value acc, Value w2, int64_t rows,
                  const ConvShape &s) {
  Type elementType = llvm::cast<RankedTensorType>(acc.getType()).getElementType();
  int64_t nr = kPackedPanelWidth, p = rows * s.ow;
  auto flatType = RankedTensorType::get({s.f, p}, elementType);
  auto panelType = RankedTensorType::get({s.f, p / nr, nr}, elementType);
  SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
  Value acc3 = tensor::ExpandShapeOp::create(
      b, loc, panelType, tensor::CollapseShapeOp::create(b, loc, flatType, acc, split), split);
  Value product =
      buildPackedMatmul(b, loc, w2, packTaps(b, loc, band, rows, nr, s), acc3);
  return tensor::ExpandShapeOp::create(
      b, loc, acc.getType(), tensor::CollapseShapeOp::create(b, loc, flatType, product, split),
      split);
}

/// `acc` [F, rows, OW] updated from `band` [C, H', W], the input rows that
/// `rows` output rows read.
using BandProduct =
    llvm::function_ref<Value(OpBuilder &, Location, Value band, Value acc, int64_t rows)>;

/// One image's convolution `in` [C, H, W] into `acc` [F, OH, OW] by
/// `product`, over bands of output rows whose packed taps take at most
/// kBandBytes (a 256x256 image with C*KH*KW = 288 needs 75 MB for all its
/// taps, written and read through memory; a band's stay in L2). With more
/// than one band, an scf.for (marked kBandLoopAttr, so the tiling strategy
/// still tiles what it holds) runs over them.
Value bandedConvolution(OpBuilder &b, Location loc, Value in, Value acc, const ConvShape &s,
                        BandProduct product) {
  int64_t k = s.c * s.kh * s.kw;
  int64_t rowBytes = s.ow * k * 4;
  int64_t rows = largestDivisorAtMost(s.oh, std::max<int64_t>(1, kBandBytes / rowBytes));
  auto inType = llvm::cast<RankedTensorType>(in.getType());
  if (rows == s.oh)
    return product(b, loc, in, acc, rows);

  Type elementType = inType.getElementType();
  int64_t bandHeight = (rows - 1) * s.strides[0] + (s.kh - 1) * s.dilations[0] + 1;
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value end = arith::ConstantIndexOp::create(b, loc, s.oh);
  Value step = arith::ConstantIndexOp::create(b, loc, rows);
  Value inputStride = arith::ConstantIndexOp::create(b, loc, s.strides[0]);
  auto loop = scf::ForOp::create(
      b, loc, zero, end, step, ValueRange{acc},
      [&](OpBuilder &nb, Location l, Value row, ValueRange args) {
        Value inputRow = arith::MulIOp::create(nb, l, row, inputStride);
        SmallVector<OpFoldResult> inOffsets = {nb.getIndexAttr(0), inputRow, nb.getIndexAttr(0)};
        Value band = tensor::ExtractSliceOp::create(
            nb, l, RankedTensorType::get({s.c, bandHeight, inType.getDimSize(2)}, elementType),
            in, inOffsets, indexAttrs(nb, {s.c, bandHeight, inType.getDimSize(2)}),
            indexAttrs(nb, {1, 1, 1}));
        SmallVector<OpFoldResult> accOffsets = {nb.getIndexAttr(0), row, nb.getIndexAttr(0)};
        auto accBandType = RankedTensorType::get({s.f, rows, s.ow}, elementType);
        Value accBand = tensor::ExtractSliceOp::create(
            nb, l, accBandType, args[0], accOffsets, indexAttrs(nb, {s.f, rows, s.ow}),
            indexAttrs(nb, {1, 1, 1}));
        Value updated = tensor::InsertSliceOp::create(
            nb, l, product(nb, l, band, accBand, rows), args[0], accOffsets,
            indexAttrs(nb, {s.f, rows, s.ow}), indexAttrs(nb, {1, 1, 1}));
        scf::YieldOp::create(nb, l, updated);
      });
  loop->setAttr(kBandLoopAttr, b.getUnitAttr());
  return loop.getResult(0);
}

/// The pixel-major product of a band: out^T[P, F] = col^T[P, K] x W^T[K, F]
/// with the taps packed into slivers of mr output pixels (A, built per band)
/// and the weights into panels of NR filters at compile time (`wPanels`
/// [F' / NR, K, NR], F' = F rounded up to NR). Slivers need only mr to
/// divide OW (7 for ResNet's 56/28/14/7), where channel-major panels of NR
/// pixels need NR to divide OW; both operands are then contiguous streams.
/// The product [P, F'] is transposed into `acc` [F, rows, OW] (added, so the
/// bias already there stays).
Value pixelMajorBandProduct(OpBuilder &b, Location loc, Value band, Value acc, Value wPanels,
                            int64_t rows, int64_t mr, const ConvShape &s) {
  Type elementType = llvm::cast<RankedTensorType>(acc.getType()).getElementType();
  int64_t nr = kPackedPanelWidth, p = rows * s.ow;
  int64_t panels = llvm::cast<RankedTensorType>(wPanels.getType()).getDimSize(0);
  int64_t paddedF = panels * nr;
  Value slivers = packTaps(b, loc, band, rows, mr, s);
  SmallVector<int64_t> c4Shape = {p / mr, mr, panels, nr};
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
  Value c4 = linalg::FillOp::create(
                 b, loc, zero, tensor::EmptyOp::create(b, loc, c4Shape, elementType).getResult())
                 .getResult(0);
  Value product = buildPackedProduct(b, loc, slivers, wPanels, c4);
  Value flat = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({p, paddedF}, elementType), product,
      SmallVector<ReassociationIndices>{{0, 1}, {2, 3}});
  Value grid = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get({rows, s.ow, paddedF}, elementType), flat,
      SmallVector<ReassociationIndices>{{0, 1}, {2}});
  MLIRContext *ctx = b.getContext();
  AffineExpr df, dh, dw;
  bindDims(ctx, df, dh, dw);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {dh, dw, df}, ctx),
                                 AffineMap::get(3, 0, {df, dh, dw}, ctx)};
  SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, acc.getType(), ValueRange{grid}, acc, maps, iterators,
             [](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   nb, l, Value(arith::AddFOp::create(nb, l, args[1], args[0])));
             })
      .getResult(0);
}

struct ConvToMatmulPattern : OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNchwFchwOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInputs()[0], weight = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    auto inType = llvm::dyn_cast<RankedTensorType>(input.getType());
    auto wType = llvm::dyn_cast<RankedTensorType>(weight.getType());
    auto outType = llvm::dyn_cast<RankedTensorType>(init.getType());
    if (!inType || !wType || !outType || !inType.hasStaticShape() ||
        !wType.hasStaticShape() || !outType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static tensors");
    Type elementType = outType.getElementType();
    if (inType.getElementType() != elementType || wType.getElementType() != elementType ||
        !llvm::isa<FloatType>(elementType))
      return rewriter.notifyMatchFailure(op, "mixed or non-float element types");

    int64_t n = inType.getDimSize(0), c = inType.getDimSize(1);
    int64_t f = wType.getDimSize(0), kh = wType.getDimSize(2), kw = wType.getDimSize(3);
    int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
    SmallVector<int64_t> strides = llvm::to_vector(op.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations =
        llvm::to_vector(op.getDilations().getValues<int64_t>());
    int64_t k = c * kh * kw, p = oh * ow;
    int64_t columns = p;
    if (p >= kMinColumnsToPad && p % kColumnMultiple != 0)
      columns = llvm::alignTo(p, kColumnMultiple);
    bool direct = kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
                  inType.getDimSize(2) == oh && inType.getDimSize(3) == ow;

    Location loc = op.getLoc();
    // W[F, C, KH, KW] is already W[F, C*KH*KW].
    auto w2Type = RankedTensorType::get({f, k}, elementType);
    // (Folded when the weight is a constant, so it is packed at compile time.)
    Value w2 = rewriter.createOrFold<tensor::CollapseShapeOp>(
        loc, w2Type, weight, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});

    // Pixel-major when the weights are constants (packed at compile time),
    // OW has a divisor of at least kMinSliverRows up to the micro-kernel's
    // height, and F needs little padding to whole panels.
    Value wPanels;
    DenseElementsAttr weights;
    int64_t sliver = largestDivisorAtMost(ow, kMicroTileRows);
    int64_t paddedF = llvm::alignTo(f, kPackedPanelWidth);
    if (!direct && ow % kPackedPanelWidth != 0 && elementType.isF32() &&
        sliver >= kMinSliverRows && 4 * (paddedF - f) <= f &&
        matchPattern(weight, m_Constant(&weights)))
      wPanels = arith::ConstantOp::create(
          rewriter, loc,
          packPanels(weights.reshape(w2Type), kPackedPanelWidth, /*transposed=*/true));

    Value result = init;
    for (int64_t image = 0; image < n; ++image) {
      // This image's input [C, H, W] and accumulator [F, OH, OW].
      auto image3 = [&](Value v, RankedTensorType type) -> Value {
        SmallVector<int64_t> offsets(4, 0), sizes(type.getShape()), ones(4, 1);
        offsets[0] = image;
        sizes[0] = 1;
        auto sliceType = RankedTensorType::get(type.getShape().drop_front(), elementType);
        return tensor::ExtractSliceOp::create(rewriter, loc, sliceType, v,
                                              indexAttrs(rewriter, offsets),
                                              indexAttrs(rewriter, sizes),
                                              indexAttrs(rewriter, ones));
      };
      Value in = image3(input, inType);
      Value acc = image3(result, outType);

      // The input pixels filter tap (i, j) meets: [C, OH, OW].
      auto tapType = RankedTensorType::get({c, oh, ow}, elementType);
      auto tapSource = [&](int64_t i, int64_t j) -> Value {
        return tensor::ExtractSliceOp::create(
            rewriter, loc, tapType, in,
            indexAttrs(rewriter, {0, i * dilations[0], j * dilations[1]}),
            indexAttrs(rewriter, {c, oh, ow}), indexAttrs(rewriter, {1, strides[0], strides[1]}));
      };
      ConvShape shape{c, f, kh, kw, oh, ow, strides, dilations};
      if (wPanels) {
        Value product = bandedConvolution(
            rewriter, loc, in, acc, shape,
            [&](OpBuilder &b, Location l, Value band, Value accBand, int64_t rows) {
              return pixelMajorBandProduct(b, l, band, accBand, wPanels, rows, sliver, shape);
            });
        result = tensor::InsertSliceOp::create(
            rewriter, loc, product, result, indexAttrs(rewriter, {image, 0, 0, 0}),
            indexAttrs(rewriter, {1, f, oh, ow}), indexAttrs(rewriter, {1, 1, 1, 1}));
        continue;
      }
      if (!direct && ow % kPackedPanelWidth == 0 && elementType.isF32()) {
        Value product = bandedConvolution(
            rewriter, loc, in, acc, shape,
            [&](OpBuilder &b, Location l, Value band, Value accBand, int64_t rows) {
              return bandProduct(b, l, band, accBand, w2, rows, shape);
            });
        result = tensor::InsertSliceOp::create(
            rewriter, loc, product, result, indexAttrs(rewriter, {image, 0, 0, 0}),
            indexAttrs(rewriter, {1, f, oh, ow}), indexAttrs(rewriter, {1, 1, 1, 1}));
        continue;
      }

      Value col;
      if (direct) {
        col = tensor::CollapseShapeOp::create(
            rewriter, loc, RankedTensorType::get({c, p}, elementType), in,
            SmallVector<ReassociationIndices>{{0}, {1, 2}});
      } else {
        // col[C, KH, KW, OH, OW]: one strided copy of the input per tap.
        auto col5Type = RankedTensorType::get({c, kh, kw, oh, ow}, elementType);
        col = tensor::EmptyOp::create(rewriter, loc, col5Type.getShape(), elementType);
        for (int64_t i = 0; i < kh; ++i) {
          for (int64_t j = 0; j < kw; ++j) {
            Value source = tapSource(i, j);
            SmallVector<int64_t> offsets = {0, i, j, 0, 0};
            SmallVector<int64_t> sizes = {c, 1, 1, oh, ow};
            SmallVector<int64_t> ones(5, 1);
            Value dest = tensor::ExtractSliceOp::create(
                rewriter, loc, tapType, col, indexAttrs(rewriter, offsets),
                indexAttrs(rewriter, sizes), indexAttrs(rewriter, ones));
            Value copied =
                linalg::CopyOp::create(rewriter, loc, source, dest).getResult(0);
            col = tensor::InsertSliceOp::create(rewriter, loc, copied, col,
                                                indexAttrs(rewriter, offsets),
                                                indexAttrs(rewriter, sizes),
                                                indexAttrs(rewriter, ones));
          }
        }
        col = tensor::CollapseShapeOp::create(
            rewriter, loc, RankedTensorType::get({k, p}, elementType), col,
            SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4}});
      }
      col = padLastDim(rewriter, loc, col, columns);

      Value acc2 = tensor::CollapseShapeOp::create(
          rewriter, loc, RankedTensorType::get({f, p}, elementType), acc,
          SmallVector<ReassociationIndices>{{0}, {1, 2}});
      acc2 = padLastDim(rewriter, loc, acc2, columns);
      Value product =
          linalg::MatmulOp::create(rewriter, loc, ValueRange{w2, col}, acc2).getResult(0);
      product = truncateLastDim(rewriter, loc, product, p);
      Value product3 = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({f, oh, ow}, elementType), product,
          SmallVector<ReassociationIndices>{{0}, {1, 2}});
      result = tensor::InsertSliceOp::create(
          rewriter, loc, product3, result, indexAttrs(rewriter, {image, 0, 0, 0}),
          indexAttrs(rewriter, {1, f, oh, ow}), indexAttrs(rewriter, {1, 1, 1, 1}));
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConvToMatmulPass : impl::ConvToMatmulBase<ConvToMatmulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToMatmulPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::cpu
