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
// When OW is a multiple of the panel width NR (f32), the product runs
// channel-major on the micro-kernel: filters broadcast (A), NR-pixel pieces
// of output rows loaded as vectors (B). With constant weights and a unit
// width stride it reads the taps from the input in place: each register
// tile's NR pixels of tap (c, i, j) are one run of an input row, so the
// product is one generic over (output row, piece, filter sliver, filter,
// pixel, c, i, j) (kTapProductAttr), the weights packed into slivers of
// filters at compile time, with no im2col at all. Otherwise the taps are
// copied into the micro-kernel's panel layout colp[OH*OW/NR, C*KH*KW, NR]
// (packTaps) and the product is the packed-matmul generic, in bands of
// output rows whose packed taps fit in L2 (bandedConvolution).
//
// Otherwise, when the weights are constants and OW has a divisor mr from
// minSliverRows to the micro-kernel's height (on AVX-512, ResNet's 56, 28,
// 14 and 7 all have 7 or 8), the product runs pixel-major: out^T[P, F] = col^T x W^T,
// mr output pixels of a row broadcast (A, read from the input in place, one
// by one, so at any stride) against the weights packed transposed into B
// panels of NR filters at compile time, and the [P, F] result written,
// transposed, into the output. Reading the taps in place instead of packing
// them (an im2col per band) made ResNet-50's 3x3 convolutions 8-31% faster
// (docs/performance.md). Where a row is one sliver too tall for register
// tiles of two vectors of filters (7 pixels on AVX2), it is split into
// column parts, each a product of its own (pixelMajorParts). Unit-stride
// 1x1 convolutions take this form only from kPixelMajorMinDirectChannels
// input channels on, or when padding OH*OW to whole panels would waste an
// eighth of the flat form's columns (7x7 and 14x14 outputs); otherwise the
// flat matmul of the weights by the input itself is faster.
//
// Convolutions of f16 or bf16 operands into an f32 accumulator (the graph
// lowering's form for 16-bit models) reach this pass as f32 ones of the
// operands extended to f32 (kiln-widen-half-operands).
//
// A width stride that divides the kernel width (with up to a quarter of
// zero taps added) is first turned into channels, so the taps are packed at
// unit stride (StridedWidthToChannels), unless the convolution runs
// pixel-major, which reads strided taps in place (ResNet's 7-wide stride-2
// stem, an audio front end's 80 taps at stride 16, patch embeddings whose
// OW is no multiple of 32).
//
// The epilogue: the graph lowering puts a convolution's bias into the init
// (a broadcast generic) and its activation or residual addition in a generic
// of its own; each is a pass over the whole output. The pixel-major form
// writes its result through a transposing generic anyway, so that generic
// reads the bias and computes the consumer too; the flat form starts its
// [F, OH*OW] accumulator as the bias broadcast and applies the consumer to
// the matmul's result directly; the channel-major form that reads its taps
// in place does the same over its own [F/mr, mr, OH, OW/NR, NR] layout.
// Each is built over the product's loops (the pixel-major epilogue, when F
// fills whole panels, over the output split as [F/NR, NR, rows, OW/mr, mr],
// reading the product's [rows, OW/mr, mr, F/NR, NR] through a permutation),
// so kiln-tile-and-vectorize runs the start, the product and the consumer
// in the product's tasks, each task on its own tile in cache.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"
#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <functional>

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
/// (a divisor of OW): half the micro-kernel's height `tileRows`, but at
/// least two (at most `tileRows`): fewer leave it too few rows.
int64_t minSliverRows(int64_t tileRows) {
  return std::max<int64_t>(tileRows / 2, std::min<int64_t>(tileRows, 2));
}
/// The output pixels of a pixel-major sliver for rows of OW pixels: the
/// largest divisor of OW up to the micro-kernel's height microTileRows(op),
/// or, when that is below minSliverRows and `tall`, up to AVX-512's height
/// (kMicroTileRows) where register tiles of one vector of filters fit the
/// target's vector registers with a vector of B and a broadcast of A: a
/// 7-pixel row on AVX2, whose micro-kernel height is 2 (TilingStrategy then
/// narrows such a sliver's tiles from a whole panel to what fits). Measured
/// on AVX2 (bench/ab.py, 1 thread): ResNet-50's 3x3 layer at 7x7 took 0.85
/// of its time in the flat form; its 1x1 layers at 7x7 0.98-1.00 and
/// MobileNetV2's 0.94-0.99 alone, but in the model, whose producers write
/// the flat form's padded input in place, 1.06-1.19: direct (unpadded
/// unit-stride 1x1) convolutions take no tall slivers (`tall` false) unless
/// their rows split into parts (pixelMajorParts), whose tiles made them
/// faster than the flat form.
int64_t sliverRows(int64_t ow, Operation *op, bool tall) {
  int64_t tileRows = microTileRows(op);
  int64_t sliver = largestDivisorAtMost(ow, tileRows);
  if (sliver >= minSliverRows(tileRows) || !tall)
    return sliver;
  return largestDivisorAtMost(ow,
                              std::min(kMicroTileRows, rowsFitting(1, vectorRegisters(op).count)));
}

/// The column parts (first column, width) a pixel-major product splits its
/// rows of OW pixels into, each a product of its own whose slivers are
/// sliverRows(width) pixels: the whole row, unless the row is one tall
/// sliver (OW up to kMicroTileRows) taller than register tiles of two
/// vectors of filters fit the target's registers (rowsFitting), which
/// TilingStrategy then narrows to one vector. Then a first part of a width
/// that does fit such tiles and the rest in slivers of the micro-kernel's
/// height: a 7-pixel row on AVX2 (16 ymm), whose 7 x 8 tiles ran at 80-83%
/// of the FMA peak (bench/peak/register_tile.c), becomes 5 + 2 pixels in
/// 5 x 16 and 2 x 32 tiles (99% and 96-99% of it). Wider rows of tall
/// slivers (21, 35, 49 pixels) keep them: split, every part would stream
/// all the weights again, which was not measured. Measured on ResNet-50's
/// 3x3 layer at 7x7 and MobileNetV2's and EfficientNet-B0's 1x1 layers at
/// 7x7: docs/performance.md, thirty-second round.
SmallVector<std::pair<int64_t, int64_t>> pixelMajorParts(int64_t ow, Operation *op, bool tall) {
  int64_t tileRows = microTileRows(op);
  int64_t sliver = sliverRows(ow, op, tall);
  int64_t twoVectorRows = rowsFitting(2, vectorRegisters(op).count);
  if (ow > kMicroTileRows || sliver <= std::max(tileRows, twoVectorRows))
    return {{0, ow}};
  for (int64_t w = std::min(twoVectorRows, ow - tileRows); w > tileRows; --w)
    if ((ow - w) % tileRows == 0)
      return {{0, w}, {w, ow - w}};
  return {{0, ow}};
}
/// Below this many output columns the padding costs more than it buys.
constexpr int64_t kMinColumnsToPad = 16;
/// The most bytes of packed taps built at once (the channel-major form when
/// it cannot read them in place): half of a core's 1 MiB L2 on the
/// benchmark machines (Zen 4 and Zen 5). The product reads each panel of taps once (the
/// weights are what stays in cache); 1 MiB bands measured no faster and
/// took twice the workspace (U-Net small's decoder: 884 KB instead of 442).
constexpr int64_t kChannelMajorBandBytes = 1 << 19;
/// Unit-stride 1x1 convolutions (which read their input in place in the
/// flat form too) run pixel-major from this many input channels on: with
/// deep K the flat form's unpacked weights and long strided panels of
/// input rows cost more than the pixel-major form's transposing epilogue.
/// Measured on ResNet-50's 1x1 layers (bench/gemm, fastest of 3 rounds, 1
/// thread): pixel-major took 0.76-0.94 of the flat form's time at C = 512,
/// 1024 and 2048 (14x14, 28x28, 7x7), 1.01-1.03 at C = 128 and 256 on
/// 28x28 and 14x14 (1.00-1.06 at 2 threads), and 1.3-1.8 on 56x56 at C = 64
/// and 256 (docs/performance.md, thirteenth round).
constexpr int64_t kPixelMajorMinDirectChannels = 512;
/// ... and with fewer, when one in this many of the flat form's columns (or
/// more) would be padding: a 7x7 output's 49 columns padded to 64, where the
/// flat form spends 23% of its multiply-adds on zeros. Measured with
/// `bench/ab.py` (fastest runs, 1 | 2 threads, seventeenth round):
/// efficientnet_b0 0.98 | 0.96, mobilenetv2 0.94 | 0.96. 14x14 outputs
/// (196 padded to 224, 12.5%) measured 1.00 | 1.02 and 0.98 | 0.98 on top
/// then; since the pixel-major products prefetch their next weight panel
/// (nineteenth round), where the flat form streams its unpacked weights
/// without, they gain in the models: resnet50 0.97 (6 rounds, 1 thread),
/// mobilenetv2 0.96.
constexpr int64_t kPixelMajorPaddedShare = 8;
/// The most bytes of a pixel-major product's [P, F'] result built at once
/// (before its transposing epilogue): ResNet-50's workspace is 8.06 MB at
/// 1 MiB, 7.66 MB here, 7.09 MB at 256 KiB; 256 KiB bands (14 for the stem)
/// measured 5-23% slower on the whole model, 512 KiB within noise of 1 MiB.
constexpr int64_t kPixelMajorBandBytes = 1 << 19;

/// Whether a convolution of F filters into rows of OW pixels, with constant
/// weights and (for a unit-stride 1x1 one) pixelMajorPays, runs pixel-major:
/// OW is not a multiple of the panel width, gives slivers of at least
/// minSliverRows pixels (sliverRows, with `tall` slivers or not), and F
/// needs little padding to whole panels.
bool pixelMajorShape(int64_t ow, int64_t f, Type elementType, Operation *op, bool tall) {
  return ow % kPackedPanelWidth != 0 && elementType.isF32() &&
         sliverRows(ow, op, tall) >= minSliverRows(microTileRows(op)) &&
         4 * (llvm::alignTo(f, kPackedPanelWidth) - f) <= static_cast<uint64_t>(f);
}

SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> values) {
  return llvm::map_to_vector(values, [&](int64_t v) -> OpFoldResult {
    return b.getIndexAttr(v);
  });
}

/// One image's convolution geometry.
struct ConvShape {
  int64_t c, f, kh, kw, oh, ow;
  SmallVector<int64_t> strides, dilations;
  /// The micro-kernel's register tile height on the target (microTileRows).
  int64_t tileRows;
};

/// The most taps whose im2col the flat form builds by a copy of each tap: a
/// copy a tap chains KH*KW insertions into col, and bufferization's
/// conflict analysis takes superlinear time in that chain (a 1-D
/// convolution of one channel into 8, 80 taps at stride 16, its weights
/// not constants, batch 2: 12 s to compile; 40 taps 1.8 s, 20 taps 0.65 s;
/// `kilnc --time-phases`). Windows up to 7x7 keep the copies; longer ones
/// (an audio front end's) are built by one generic.
constexpr int64_t kMaxTapCopies = 49;

/// `into` (a fresh tensor) filled, at each of its points, with the element
/// of `source` that `map` takes the point to: one generic writing a
/// convolution's taps in the layout `into`'s dimensions give them.
Value gatherTaps(OpBuilder &b, Location loc, Value source, Value into, AffineMap map) {
  unsigned rank = map.getNumDims();
  SmallVector<AffineMap> maps = {map, AffineMap::getMultiDimIdentityMap(rank, b.getContext())};
  return linalg::GenericOp::create(b, loc, into.getType(), source, into, maps,
                                   SmallVector<utils::IteratorType>(
                                       rank, utils::IteratorType::parallel),
                                   [](OpBuilder &nb, Location l, ValueRange args) {
                                     linalg::YieldOp::create(nb, l, args[0]);
                                   })
      .getResult(0);
}

/// The taps of `rows` output rows packed in pieces of `nr` (a divisor of OW)
/// output pixels: [rows*OW/nr, C*KH*KW, nr], from `band` [C, H', W] (the
/// input rows those output rows read, starting at its row 0). Viewed as
/// [rows, OW/nr, C, KH, KW, nr], element (r, p, c, i, j, q) is the input
/// pixel (c, r*SH + i*DH, (p*nr + q)*SW + j*DW): the micro-kernel's B
/// panels (nr = NR) when the channel-major product cannot read them in
/// place.
Value packTaps(OpBuilder &b, Location loc, Value band, int64_t rows, int64_t nr,
               const ConvShape &s) {
  Type elementType = llvm::cast<RankedTensorType>(band.getType()).getElementType();
  int64_t pieces = s.ow / nr;
  SmallVector<int64_t> col6Shape = {rows, pieces, s.c, s.kh, s.kw, nr};
  Value col6 = tensor::EmptyOp::create(b, loc, col6Shape, elementType);
  if (s.strides[1] == 1) {
    // One generic writes all taps: each (r, p, c) gets its KH*KW*nr floats
    // in one contiguous run, from contiguous pieces of the input rows. (A
    // copy per tap wrote every cache line KH*KW times, a piece each time.)
    MLIRContext *ctx = b.getContext();
    AffineExpr r, p, c, i, j, q;
    bindDims(ctx, r, p, c, i, j, q);
    col6 = gatherTaps(
        b, loc, band, col6,
        AffineMap::get(
            6, 0, {c, r * s.strides[0] + i * s.dilations[0], p * nr + q + j * s.dilations[1]},
            ctx));
  } else {
    // Strided taps: a transposing copy of each tap's strided slice (the
    // generic's reads would not be contiguous vectors).
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
        Value dest = tensor::ExtractSliceOp::create(
            b, loc, pieceType, col6, indexAttrs(b, offsets), indexAttrs(b, sizes),
            indexAttrs(b, ones));
        Value copied =
            linalg::TransposeOp::create(b, loc, source4, dest, ArrayRef<int64_t>{1, 2, 0, 3})
                .getResult()[0];
        col6 = tensor::InsertSliceOp::create(b, loc, copied, col6, indexAttrs(b, offsets),
                                             indexAttrs(b, sizes), indexAttrs(b, ones));
      }
    }
  }
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get({rows * pieces, s.c * s.kh * s.kw, nr}, elementType), col6,
      SmallVector<ReassociationIndices>{{0, 1}, {2, 3, 4}, {5}});
}

/// Whether the channel-major product of `w2` is a tap product: the taps
/// read from the input in place instead of a packed copy, which needs a
/// unit width stride (its register tiles load 32 pixels as vectors, one
/// contiguous run of an input row; the pixel-major product broadcasts its
/// pixels one by one and reads them in place at any stride), and weights
/// whose values are known (`weights`), packed at compile time.
bool channelMajorTapProduct(const ConvShape &s, Value w2, DenseElementsAttr *weights) {
  return s.strides[1] == 1 && matchPattern(w2, m_Constant(weights));
}

/// The map of `band` [C, H', W'] in a tap product whose loops are
/// (o0, o1, o2, mi, r, c, i, j): output row `row`, piece `piece` of `width`
/// pixels, pixel `lane` within it.
AffineMap tapMap(MLIRContext *ctx, const ConvShape &s, unsigned row, unsigned piece,
                 unsigned lane, int64_t width) {
  AffineExpr c = getAffineDimExpr(5, ctx), i = getAffineDimExpr(6, ctx),
             j = getAffineDimExpr(7, ctx);
  return AffineMap::get(8, 0,
                        {c, getAffineDimExpr(row, ctx) * s.strides[0] + i * s.dilations[0],
                         getAffineDimExpr(piece, ctx) * (width * s.strides[1]) +
                             getAffineDimExpr(lane, ctx) * s.strides[1] + j * s.dilations[1]},
                        ctx);
}

/// `packed` [P, K, W] (panels or slivers of a constant) viewed as
/// [P, C, KH, KW, W].
Value splitK(OpBuilder &b, Location loc, Value packed, const ConvShape &s) {
  auto type = llvm::cast<RankedTensorType>(packed.getType());
  return b.createOrFold<tensor::ExpandShapeOp>(
      loc,
      RankedTensorType::get({type.getDimSize(0), s.c, s.kh, s.kw, type.getDimSize(2)},
                            type.getElementType()),
      packed, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}, {4}});
}

/// [F, rows, OW] viewed as the channel-major tap product's accumulator
/// [F / mr, mr, rows, OW / NR, NR] (slivers of filters, pieces of rows),
/// and back.
SmallVector<ReassociationIndices> channelMajorSplit() { return {{0, 1}, {2}, {3, 4}}; }
RankedTensorType channelMajorType(const ConvShape &s, int64_t rows, Type elementType) {
  int64_t mr = packedRowsPerSliver(s.f, s.tileRows);
  return RankedTensorType::get({s.f / mr, mr, rows, s.ow / kPackedPanelWidth,
                                kPackedPanelWidth},
                               elementType);
}

/// `acc5` (channelMajorType) += the convolution of `band` by the constant
/// `weights` [F, C*KH*KW], its taps read in place (channelMajorTapProduct):
/// the weights packed into slivers of mr filters (the broadcast side) at
/// compile time, loops (orow, piece, mo, mi, r, c, i, j).
Value channelMajorProduct(OpBuilder &b, Location loc, Value band, Value acc5,
                          DenseElementsAttr weights, const ConvShape &s) {
  int64_t mr = packedRowsPerSliver(s.f, s.tileRows);
  Value slivers = arith::ConstantOp::create(b, loc, packPanels(weights, mr, /*transposed=*/true));
  MLIRContext *ctx = b.getContext();
  AffineExpr orow, piece, mo, mi, r, c, i, j;
  bindDims(ctx, orow, piece, mo, mi, r, c, i, j);
  SmallVector<AffineMap> maps = {AffineMap::get(8, 0, {mo, c, i, j, mi}, ctx),
                                 tapMap(ctx, s, 0, 1, 4, kPackedPanelWidth),
                                 AffineMap::get(8, 0, {mo, mi, orow, piece, r}, ctx)};
  return buildTapProduct(b, loc, splitK(b, loc, slivers, s), band, acc5, maps);
}

/// `acc` [F, rows, OW] += W2 x the packed taps of `band`, as the
/// packed-matmul generic on `acc` viewed in panels. With constant weights
/// and taps read in place, the channel-major tap product instead.
Value bandProduct(OpBuilder &b, Location loc, Value band, Value acc, Value w2, int64_t rows,
                  const ConvShape &s) {
  Type elementType = llvm::cast<RankedTensorType>(acc.getType()).getElementType();
  int64_t nr = kPackedPanelWidth, p = rows * s.ow;
  DenseElementsAttr weights;
  if (channelMajorTapProduct(s, w2, &weights)) {
    Value acc5 = tensor::ExpandShapeOp::create(b, loc, channelMajorType(s, rows, elementType),
                                               acc, channelMajorSplit());
    return tensor::CollapseShapeOp::create(b, loc, acc.getType(),
                                           channelMajorProduct(b, loc, band, acc5, weights, s),
                                           channelMajorSplit());
  }
  auto flatType = RankedTensorType::get({s.f, p}, elementType);
  auto panelType = RankedTensorType::get({s.f, p / nr, nr}, elementType);
  SmallVector<ReassociationIndices> split = {{0}, {1, 2}};
  Value acc3 = tensor::ExpandShapeOp::create(
      b, loc, panelType, tensor::CollapseShapeOp::create(b, loc, flatType, acc, split), split);
  Value product =
      buildPackedMatmul(b, loc, w2, packTaps(b, loc, band, rows, nr, s), acc3, s.tileRows);
  return tensor::ExpandShapeOp::create(
      b, loc, acc.getType(), tensor::CollapseShapeOp::create(b, loc, flatType, product, split),
      split);
}

/// `acc` [F, rows, OW] updated from `band` [C, H', W], the input rows that
/// output rows `row` to `row + rows` read.
using BandProduct = llvm::function_ref<Value(OpBuilder &, Location, Value band, Value acc,
                                             OpFoldResult row, int64_t rows)>;

/// One image's convolution `in` [C, H, W] into `acc` [F, OH, OW] by
/// `product`, over bands of output rows whose intermediate (packed taps, or
/// a pixel-major product), `rowBytes` per output row, takes at most
/// `bandBytes` (a 256x256 image with C*KH*KW = 288 needs 75 MB for all its
/// taps, written and read through memory; a band's stay in L2); one band
/// when `rowBytes` is 0 (no intermediate). With more
/// than one band, an scf.for (marked kBandLoopAttr, so the tiling strategy
/// still tiles what it holds) runs over them.
Value bandedConvolution(OpBuilder &b, Location loc, Value in, Value acc, const ConvShape &s,
                        int64_t rowBytes, int64_t bandBytes, BandProduct product) {
  int64_t rows = rowBytes == 0 ? s.oh
                               : largestDivisorAtMost(
                                     s.oh, std::max<int64_t>(1, bandBytes / rowBytes));
  auto inType = llvm::cast<RankedTensorType>(in.getType());
  if (rows == s.oh)
    return product(b, loc, in, acc, b.getIndexAttr(0), rows);

  Type elementType = inType.getElementType();
  Type accElementType = llvm::cast<RankedTensorType>(acc.getType()).getElementType();
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
        auto accBandType = RankedTensorType::get({s.f, rows, s.ow}, accElementType);
        Value accBand = tensor::ExtractSliceOp::create(
            nb, l, accBandType, args[0], accOffsets, indexAttrs(nb, {s.f, rows, s.ow}),
            indexAttrs(nb, {1, 1, 1}));
        Value updated = tensor::InsertSliceOp::create(
            nb, l, product(nb, l, band, accBand, row, rows), args[0], accOffsets,
            indexAttrs(nb, {s.f, rows, s.ow}), indexAttrs(nb, {1, 1, 1}));
        scf::YieldOp::create(nb, l, updated);
      });
  loop->setAttr(kBandLoopAttr, b.getUnitAttr());
  return loop.getResult(0);
}

/// Where a convolution's accumulator starts, recognized from its init's
/// producer: a per-filter bias broadcast (`bias`, [F]) or a fill (`fill`,
/// the scalar). Neither: the init tensor's own values, read as they are.
struct AccumulatorStart {
  Value bias, fill;
  bool recognized() const { return bias || fill; }
};

/// The start of an accumulator `init` [N, F, OH, OW]: a linalg.fill, or a
/// generic that only copies an input indexed by the filter alone (the bias
/// of ONNX Conv, broadcast by the graph lowering).
AccumulatorStart matchStart(OpBuilder &b, Location loc, Value init) {
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    return {Value(), fill.getInputs()[0]};
  auto broadcast = init.getDefiningOp<linalg::GenericOp>();
  if (!broadcast || broadcast.getNumDpsInputs() != 1 || broadcast.getNumDpsInits() != 1 ||
      broadcast.getNumLoops() != 4 ||
      broadcast.getNumParallelLoops() != broadcast.getNumLoops())
    return {};
  Block &body = broadcast.getRegion().front();
  if (body.getOperations().size() != 1 ||
      body.getTerminator()->getOperand(0) != body.getArgument(0))
    return {};
  SmallVector<AffineMap> maps = broadcast.getIndexingMapsArray();
  auto biasType = llvm::dyn_cast<RankedTensorType>(broadcast.getDpsInputs()[0].getType());
  if (!maps[1].isIdentity() || !biasType || !biasType.hasStaticShape())
    return {};
  int64_t f = llvm::cast<RankedTensorType>(init.getType()).getDimSize(1);
  int64_t filterDims = 0;
  for (auto [i, expr] : llvm::enumerate(maps[0].getResults())) {
    auto dim = llvm::dyn_cast<AffineDimExpr>(expr);
    if (dim && dim.getPosition() == 1 && biasType.getDimSize(i) == f)
      ++filterDims;
    else if (biasType.getDimSize(i) != 1)
      return {};
  }
  if (filterDims != 1)
    return {};
  Value bias = broadcast.getDpsInputs()[0];
  if (biasType.getRank() != 1) {
    SmallVector<ReassociationIndices> all(1);
    for (int64_t i = 0; i < biasType.getRank(); ++i)
      all[0].push_back(i);
    bias = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({f}, biasType.getElementType()), bias, all);
  }
  return {bias, Value()};
}

/// The elementwise op that takes a convolution's result, computed in the
/// convolution's last write (its epilogue) instead of a pass of its own over
/// the output: ONNX's activation (Relu, Clip, ...) or residual Add after a
/// Conv. Its other inputs are per filter (indexed by the filter alone, or
/// scalars) or "full" (the output's shape, indexed like it).
struct Consumer {
  linalg::GenericOp op;
  unsigned convInput = 0;
  bool hasFullInputs = false;
  explicit operator bool() const { return static_cast<bool>(op); }
};

/// `map` over (n, f, oh, ow) as a map over `rank` loops whose first is the
/// filter, when it reads `type` by the filter alone; std::nullopt otherwise.
std::optional<AffineMap> perFilterMap(AffineMap map, RankedTensorType type, unsigned rank) {
  MLIRContext *ctx = map.getContext();
  SmallVector<AffineExpr> results;
  for (auto [i, expr] : llvm::enumerate(map.getResults())) {
    if (auto c = llvm::dyn_cast<AffineConstantExpr>(expr)) {
      results.push_back(c);
      continue;
    }
    auto dim = llvm::dyn_cast<AffineDimExpr>(expr);
    if (dim && dim.getPosition() == 1)
      results.push_back(getAffineDimExpr(0, ctx));
    else if (type.getDimSize(i) == 1)
      results.push_back(getAffineConstantExpr(0, ctx));
    else
      return std::nullopt;
  }
  return AffineMap::get(rank, 0, results, ctx);
}

/// One term of an epilogue's sum: a tensor read through a map of the
/// epilogue's loops.
struct Term {
  Value tensor;
  AffineMap map;
};

/// `value`, read through `map` over (n, f, oh, ow) by the filter alone, as
/// a term of an epilogue over `rank` loops whose first indexes the filter;
/// with `filterSplit`, whose first two do (filter d0 * filterSplit + d1,
/// the epilogue of a product in slivers or panels of filters), the filter
/// dimension of `value` split to match. std::nullopt when `map` reads more
/// than the filter.
std::optional<Term> perFilterTerm(OpBuilder &b, Location loc, Value value, AffineMap map,
                                  unsigned rank, int64_t filterSplit) {
  auto type = llvm::cast<RankedTensorType>(value.getType());
  std::optional<AffineMap> perFilter = perFilterMap(map, type, rank);
  if (!perFilter)
    return std::nullopt;
  if (filterSplit == 0 || perFilter->isConstant())
    return Term{value, *perFilter};
  MLIRContext *ctx = b.getContext();
  SmallVector<int64_t> shape;
  SmallVector<ReassociationIndices> groups;
  SmallVector<AffineExpr> results;
  for (auto [i, expr] : llvm::enumerate(perFilter->getResults())) {
    groups.push_back({static_cast<int64_t>(shape.size())});
    if (!llvm::isa<AffineDimExpr>(expr)) {
      shape.push_back(type.getDimSize(i));
      results.push_back(expr);
      continue;
    }
    shape.append({type.getDimSize(i) / filterSplit, filterSplit});
    groups.back().push_back(shape.size() - 1);
    results.append({getAffineDimExpr(0, ctx), getAffineDimExpr(1, ctx)});
  }
  Value split = tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), value, groups);
  return Term{split, AffineMap::get(rank, 0, results, ctx)};
}

/// The bias [F] as a term of an epilogue over `rank` loops (see
/// perFilterTerm).
Term biasTerm(OpBuilder &b, Location loc, Value bias, unsigned rank, int64_t filterSplit) {
  MLIRContext *ctx = b.getContext();
  return *perFilterTerm(b, loc, bias, AffineMap::get(4, 0, {getAffineDimExpr(1, ctx)}, ctx),
                        rank, filterSplit);
}

/// The single user of `result` when it is an elementwise generic the
/// epilogue can compute (see Consumer).
Consumer matchConsumer(Value result) {
  if (!result.hasOneUse())
    return {};
  OpOperand &use = *result.use_begin();
  auto op = llvm::dyn_cast<linalg::GenericOp>(use.getOwner());
  if (!op || !op.isDpsInput(&use) || op.getNumDpsInits() != 1 || op.getNumLoops() != 4 ||
      op.getNumParallelLoops() != 4 || !op.hasPureTensorSemantics())
    return {};
  Block &body = op.getRegion().front();
  if (!body.getArguments().back().use_empty() ||
      !body.getOps<linalg::IndexOp>().empty())
    return {};
  auto outType = llvm::cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!outType.hasStaticShape() || !op.getIndexingMapsArray().back().isIdentity())
    return {};
  Consumer consumer;
  consumer.op = op;
  consumer.convInput = use.getOperandNumber();
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    auto type = llvm::dyn_cast<RankedTensorType>(input->get().getType());
    if (input == &use) {
      if (!map.isIdentity())
        return {};
      continue;
    }
    if (type && map.isIdentity() && type.getShape() == outType.getShape()) {
      consumer.hasFullInputs = true;
      continue;
    }
    if (!type || !perFilterMap(map, type, 4))
      return {};
  }
  return consumer;
}

/// The full input of `consumer` (its operand number) that its body adds to
/// the convolution's value before anything else reads either (ResNet's
/// shortcut: relu(conv + shortcut)); -1 when there is none. The convolution
/// can then accumulate onto that input in place, the consumer computing
/// the rest of its body on the sum.
int64_t absorbableResidual(const Consumer &consumer) {
  if (!consumer || !consumer.hasFullInputs)
    return -1;
  linalg::GenericOp op = consumer.op;
  Block &body = op.getRegion().front();
  BlockArgument convArg = body.getArgument(consumer.convInput);
  if (!convArg.hasOneUse())
    return -1;
  auto add = llvm::dyn_cast<arith::AddFOp>(*convArg.getUsers().begin());
  if (!add)
    return -1;
  Value other = add.getLhs() == convArg ? add.getRhs() : add.getLhs();
  auto otherArg = llvm::dyn_cast<BlockArgument>(other);
  if (!otherArg || otherArg.getOwner() != &body || !otherArg.hasOneUse() ||
      otherArg.getArgNumber() >= op.getNumDpsInputs())
    return -1;
  OpOperand *input = op.getDpsInputOperand(otherArg.getArgNumber());
  auto type = llvm::cast<RankedTensorType>(input->get().getType());
  auto outType = llvm::cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!op.getMatchingIndexingMap(input).isIdentity() || type != outType)
    return -1;
  // Written over, it must be a value computed here that nothing reads
  // after the consumer (a function's input, or a value read later, would
  // be copied first).
  Value value = input->get();
  if (!value.getDefiningOp() || !llvm::all_of(value.getUsers(), [&](Operation *user) {
        return user == op.getOperation() ||
               (user->getBlock() == op->getBlock() && user->isBeforeInBlock(op));
      }))
    return -1;
  return input->getOperandNumber();
}

/// Moves the ops that compute `op`'s operands (views and slices of values
/// that exist before `anchor`, in its block) above `anchor`, the product
/// whose tasks are to take `op` along: they take an op whose operands all
/// exist where they start (`op` found through the reshapes that follow it).
void hoistOperandsAbove(Operation *op, Operation *anchor) {
  while (op && llvm::isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op))
    op = op->getOperand(0).getDefiningOp();
  if (!op)
    return;
  std::function<bool(Value)> hoist = [&](Value v) -> bool {
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != anchor->getBlock() || def->isBeforeInBlock(anchor))
      return true;
    if (def == anchor ||
        !llvm::isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp, tensor::ExtractSliceOp,
                   tensor::EmptyOp, arith::ConstantOp>(def))
      return false;
    if (!llvm::all_of(def->getOperands(), hoist))
      return false;
    def->moveBefore(anchor);
    return true;
  };
  for (Value operand : op->getOperands())
    (void)hoist(operand);
}

/// out = consumer(terms[0] + terms[1] + ... [+ constant] [+ out]), over
/// `out`'s loops (the filter first; with `filterSplit`, the first two, see
/// perFilterTerm). `fullInput` gives the consumer's full inputs in those
/// loops (the part of the output `out` covers, in its layout). Without a
/// consumer the sum itself is written. With `absorbed` (a consumer operand,
/// see absorbableResidual), the sum already holds that input: the consumer
/// neither reads it nor adds it.
Value buildEpilogue(OpBuilder &b, Location loc, ArrayRef<Term> terms, Value constant,
                    bool addOut, const Consumer &consumer,
                    llvm::function_ref<Value(Value)> fullInput, Value out,
                    int64_t absorbed = -1, int64_t filterSplit = 0) {
  auto outType = llvm::cast<RankedTensorType>(out.getType());
  unsigned rank = outType.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (const Term &term : terms) {
    inputs.push_back(term.tensor);
    maps.push_back(term.map);
  }
  // Consumer input i (other than the convolution's) is epilogue input
  // consumerArg[i].
  SmallVector<int64_t> consumerArg;
  linalg::GenericOp consumerOp = consumer.op;
  if (consumer) {
    for (OpOperand *input : consumerOp.getDpsInputOperands()) {
      consumerArg.push_back(-1);
      if (input->getOperandNumber() == consumer.convInput ||
          static_cast<int64_t>(input->getOperandNumber()) == absorbed)
        continue;
      consumerArg.back() = inputs.size();
      AffineMap map = consumerOp.getMatchingIndexingMap(input);
      if (std::optional<Term> perFilter =
              perFilterTerm(b, loc, input->get(), map, rank, filterSplit)) {
        inputs.push_back(perFilter->tensor);
        maps.push_back(perFilter->map);
      } else {
        inputs.push_back(fullInput(input->get()));
        maps.push_back(identity);
      }
    }
  }
  maps.push_back(identity);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  size_t termCount = terms.size();
  auto generic = linalg::GenericOp::create(
      b, loc, outType, inputs, out, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        Value sum;
        auto add = [&](Value v) { sum = sum ? arith::AddFOp::create(nb, l, sum, v) : v; };
        for (size_t i = 0; i < termCount; ++i)
          add(args[i]);
        if (constant)
          add(constant);
        if (addOut)
          sum = sum ? arith::AddFOp::create(nb, l, args.back(), sum) : args.back();
        if (!consumer) {
          linalg::YieldOp::create(nb, l, sum);
          return;
        }
        Block &body = consumerOp.getRegion().front();
        IRMapping mapping;
        for (auto [i, arg] : llvm::enumerate(consumerArg))
          if (static_cast<int64_t>(i) != absorbed)
            mapping.map(body.getArgument(i), arg < 0 ? sum : args[arg]);
        for (Operation &op : body.without_terminator()) {
          // The absorbed input's addition: its sum is `sum` already.
          if (absorbed >= 0 && llvm::is_contained(op.getOperands(), body.getArgument(absorbed))) {
            mapping.map(op.getResult(0), sum);
            continue;
          }
          nb.clone(op, mapping);
        }
        linalg::YieldOp::create(
            nb, l, mapping.lookupOrDefault(body.getTerminator()->getOperand(0)));
      });
  return generic.getResult(0);
}

/// The pixel-major product of a band: out^T[P, F] = col^T[P, K] x W^T[K, F]
/// with the taps read from the band in place, mr output pixels of a row per
/// register tile (A, each pixel broadcast on its own, so at any width
/// stride), and the weights packed into panels of NR filters at compile time
/// (`wPanels` [F' / NR, K, NR], F' = F rounded up to NR). mr need only
/// divide OW (7 for ResNet's 56/28/14/7), where channel-major panels of NR
/// pixels need NR to divide OW. The product [P, F'] is written transposed
/// into `out` [F, rows, OW] by the epilogue: added to the accumulator's
/// start (the bias, or `out`'s own values when the start is not known),
/// then through the consumer.
Value pixelMajorBandProduct(OpBuilder &b, Location loc, Value band, Value out, Value wPanels,
                            int64_t rows, int64_t mr, const ConvShape &s,
                            const AccumulatorStart &start, const Consumer &consumer,
                            llvm::function_ref<Value(Value)> fullInput) {
  Type elementType = llvm::cast<RankedTensorType>(band.getType()).getElementType();
  int64_t nr = kPackedPanelWidth, p = rows * s.ow;
  int64_t panels = llvm::cast<RankedTensorType>(wPanels.getType()).getDimSize(0);
  int64_t paddedF = panels * nr, pieces = s.ow / mr;
  // Loops (j, orow, piece, mi, r, c, i, jw): each sliver's taps read from
  // the band in place, into c5 [rows, OW / mr, mr, F' / NR, NR].
  auto c5Type = RankedTensorType::get({rows, pieces, mr, panels, nr}, elementType);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elementType));
  Value c5 = linalg::FillOp::create(
                 b, loc, zero, tensor::EmptyOp::create(b, loc, c5Type.getShape(), elementType)
                                   .getResult())
                 .getResult(0);
  MLIRContext *ctx = b.getContext();
  AffineExpr j, orow, piece, mi, r, c, i, jw;
  bindDims(ctx, j, orow, piece, mi, r, c, i, jw);
  SmallVector<AffineMap> maps = {tapMap(ctx, s, 1, 2, 3, mr),
                                 AffineMap::get(8, 0, {j, c, i, jw, r}, ctx),
                                 AffineMap::get(8, 0, {orow, piece, mi, j, r}, ctx)};
  Value product = buildTapProduct(b, loc, band, splitK(b, loc, wPanels, s), c5, maps);
  Operation *productOp = product.getDefiningOp();

  Value epilogue;
  if (paddedF == s.f) {
    // Whole panels: the epilogue runs over out viewed as
    // [F / NR, NR, rows, OW / mr, mr], reading c5 transposed; the
    // product's tasks then take it along (kiln-tile-and-vectorize), each
    // writing out the product tile it just computed.
    auto view5 = [&](Value v3) -> Value {
      auto type = llvm::cast<RankedTensorType>(v3.getType());
      return tensor::ExpandShapeOp::create(
          b, loc, RankedTensorType::get({panels, nr, rows, pieces, mr}, type.getElementType()),
          v3, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3, 4}});
    };
    AffineExpr dj, dr, dh, dp, dm;
    bindDims(ctx, dj, dr, dh, dp, dm);
    SmallVector<Term> terms = {{product, AffineMap::get(5, 0, {dh, dp, dm, dj, dr}, ctx)}};
    if (start.bias)
      terms.push_back(biasTerm(b, loc, start.bias, 5, nr));
    epilogue = buildEpilogue(
        b, loc, terms, start.fill, /*addOut=*/!start.recognized(), consumer,
        [&](Value v) { return view5(fullInput(v)); }, view5(out), /*absorbed=*/-1, nr);
    epilogue = tensor::CollapseShapeOp::create(
        b, loc, out.getType(), epilogue, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3, 4}});
  } else {
    // The last panel's zero filters (F' > F) are not written out.
    Value flat = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({p, paddedF}, elementType), product,
        SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4}});
    Value grid = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({rows, s.ow, paddedF}, elementType), flat,
        SmallVector<ReassociationIndices>{{0, 1}, {2}});
    grid = truncateLastDim(b, loc, grid, s.f);
    AffineExpr df, dh, dw;
    bindDims(ctx, df, dh, dw);
    SmallVector<Term> terms = {{grid, AffineMap::get(3, 0, {dh, dw, df}, ctx)}};
    if (start.bias)
      terms.push_back(biasTerm(b, loc, start.bias, 3, 0));
    epilogue = buildEpilogue(b, loc, terms, start.fill, /*addOut=*/!start.recognized(),
                             consumer, fullInput, out);
  }
  hoistOperandsAbove(epilogue.getDefiningOp(), productOp);
  return epilogue;
}

/// A convolution whose width stride SW divides its kernel width (after at
/// most a quarter more taps, zeros), with constant weights: the same
/// convolution at width stride 1 on the input with each run of SW columns
/// turned into SW channels,
///   x'[n, c*SW + b, h, m] = x[n, c, h, SW*m + b],
///   w'[f, c*SW + b, i, a] = w[f, c, i, SW*a + b]   (at compile time),
/// so tap (c, i, SW*a + b) at output column o reads x'[n, c*SW + b, ., o + a]
/// as before it read x[n, c, ., SW*(o + a) + b]. Strided taps are packed one
/// strided, transposing copy per tap (an audio front end's 80-tap, stride-16
/// convolution took 80 serial copies of scalar loads, half of the model's
/// run, when this was written); unit-stride ones in one generic of
/// contiguous reads. The input is rearranged once, in one transposing copy
/// of its (few) elements. Not for a convolution that runs pixel-major
/// (pixelMajorShape), which reads strided taps in place: this serves the
/// channel-major and flat forms (OW a multiple of the panel width, or few
/// filters).
struct StridedWidthToChannels : OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNchwFchwOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInputs()[0], weight = op.getInputs()[1];
    auto inType = llvm::dyn_cast<RankedTensorType>(input.getType());
    auto wType = llvm::dyn_cast<RankedTensorType>(weight.getType());
    auto outType = llvm::dyn_cast<RankedTensorType>(op.getOutputs()[0].getType());
    DenseElementsAttr weights;
    if (!inType || !wType || !outType || !inType.hasStaticShape() || !wType.hasStaticShape() ||
        !outType.hasStaticShape() || !llvm::isa<FloatType>(wType.getElementType()) ||
        !matchPattern(weight, m_Constant(&weights)))
      return rewriter.notifyMatchFailure(op, "needs static shapes and constant float weights");
    SmallVector<int64_t> strides = llvm::to_vector(op.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations = llvm::to_vector(op.getDilations().getValues<int64_t>());
    // A kernel width SW does not divide gets zero taps up to a multiple of
    // it, when that adds at most a quarter (a 7-wide kernel at stride 2:
    // 8 taps).
    int64_t sw = strides[1], kw = wType.getDimSize(3);
    int64_t paddedKw = llvm::alignTo(kw, sw);
    if (sw < 2 || dilations[1] != 1 || 4 * (paddedKw - kw) > kw)
      return rewriter.notifyMatchFailure(op, "width stride does not divide the kernel width");
    int64_t n = inType.getDimSize(0), c = inType.getDimSize(1), h = inType.getDimSize(2);
    int64_t f = wType.getDimSize(0), kh = wType.getDimSize(2), ow = outType.getDimSize(3);
    // The pixel-major form reads its taps in place at any stride, one
    // broadcast each: channels would only add the zero taps (ResNet's stem:
    // K = 168 instead of 147) and a copy of the input.
    if (inType.getElementType() == outType.getElementType() &&
        wType.getElementType() == outType.getElementType() &&
        pixelMajorShape(ow, f, outType.getElementType(), op, /*tall=*/true))
      return rewriter.notifyMatchFailure(op, "runs pixel-major, which reads strided taps in place");
    // The columns the taps read, a multiple of SW: SW*(OW-1) + KW' (more
    // than the input has when zero taps were added: the rest reads zeros).
    int64_t width = sw * (ow - 1) + paddedKw, inWidth = inType.getDimSize(3);
    Location loc = op.getLoc();
    Type elementType = inType.getElementType();
    Value x = input;
    if (width < inWidth)
      x = tensor::ExtractSliceOp::create(
          rewriter, loc, RankedTensorType::get({n, c, h, width}, elementType), x,
          indexAttrs(rewriter, {0, 0, 0, 0}), indexAttrs(rewriter, {n, c, h, width}),
          indexAttrs(rewriter, {1, 1, 1, 1}));
    if (width > inWidth) {
      Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(elementType));
      x = tensor::PadOp::create(rewriter, loc, RankedTensorType::get({n, c, h, width}, elementType),
                                x, indexAttrs(rewriter, {0, 0, 0, 0}),
                                indexAttrs(rewriter, {0, 0, 0, width - inWidth}), zero);
    }
    Value x5 = tensor::ExpandShapeOp::create(
        rewriter, loc, RankedTensorType::get({n, c, h, width / sw, sw}, elementType), x,
        SmallVector<ReassociationIndices>{{0}, {1}, {2}, {3, 4}});
    Value empty = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{n, c, sw, h, width / sw},
                                          elementType);
    Value moved =
        linalg::TransposeOp::create(rewriter, loc, x5, empty, ArrayRef<int64_t>{0, 1, 4, 2, 3})
            .getResult()[0];
    Value x2 = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({n, c * sw, h, width / sw}, elementType), moved,
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});

    SmallVector<APFloat> values(weights.getValues<APFloat>());
    SmallVector<APFloat> rearranged;
    rearranged.reserve(values.size());
    int64_t ka = paddedKw / sw;
    APFloat zeroTap = APFloat::getZero(values.front().getSemantics());
    for (int64_t fi = 0; fi < f; ++fi)
      for (int64_t ci = 0; ci < c; ++ci)
        for (int64_t b = 0; b < sw; ++b)
          for (int64_t i = 0; i < kh; ++i)
            for (int64_t a = 0; a < ka; ++a) {
              int64_t j = sw * a + b;
              rearranged.push_back(j < kw ? values[((fi * c + ci) * kh + i) * kw + j] : zeroTap);
            }
    auto w2Type = RankedTensorType::get({f, c * sw, kh, ka}, wType.getElementType());
    Value w2 = arith::ConstantOp::create(rewriter, loc, DenseElementsAttr::get(w2Type, rearranged));

    auto conv = linalg::Conv2DNchwFchwOp::create(
        rewriter, loc, TypeRange{outType}, ValueRange{x2, w2}, ValueRange{op.getOutputs()[0]},
        rewriter.getI64TensorAttr({strides[0], 1}), rewriter.getI64TensorAttr({dilations[0], 1}));
    rewriter.replaceOp(op, conv->getResults());
    return success();
  }
};

struct ConvToMatmulPattern : OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNchwFchwOp op,
                                PatternRewriter &rewriter) const override {
    Value input = op.getInputs()[0], weight = op.getInputs()[1];
    Value init = op.getOutputs()[0];
    auto inType = llvm::dyn_cast<RankedTensorType>(input.getType());
    auto wType = llvm::dyn_cast<RankedTensorType>(weight.getType());
    auto outType = llvm::dyn_cast<RankedTensorType>(init.getType());
    if (!inType || !wType || !outType || !inType.hasStaticShape() || !wType.hasStaticShape() ||
        !outType.hasStaticShape())
      return rewriter.notifyMatchFailure(op, "needs static tensors");
    Type elementType = outType.getElementType();
    if (inType.getElementType() != elementType || wType.getElementType() != elementType ||
        !llvm::isa<FloatType>(elementType))
      return rewriter.notifyMatchFailure(op, "mixed or non-float element types");

    int64_t n = inType.getDimSize(0), c = inType.getDimSize(1);
    int64_t f = wType.getDimSize(0), kh = wType.getDimSize(2), kw = wType.getDimSize(3);
    int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
    SmallVector<int64_t> strides = llvm::to_vector(op.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations = llvm::to_vector(op.getDilations().getValues<int64_t>());
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

    // A 1x1 convolution of a 1x1 image (a squeeze-and-excitation's or a
    // classifier's fully connected layer in convolution form) has one pixel
    // an image: it is the product [N, C] x W^T[C, F], the weights
    // transposed at compile time and then packed like any constant right
    // side (one-row products with partial sums at N = 1). As W[F, C] x
    // [C, 1] its 8 x 1 register tiles gathered a column of W at every step.
    // (Its bias start and activation stay elementwise ops of N x F points.)
    DenseElementsAttr fcWeights;
    if (direct && oh == 1 && ow == 1 && f > 0 && elementType.isF32() &&
        matchPattern(weight, m_Constant(&fcWeights))) {
      auto flat = [&](Value v, int64_t width) -> Value {
        return rewriter.createOrFold<tensor::CollapseShapeOp>(
            loc, RankedTensorType::get({n, width}, elementType), v,
            SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
      };
      // The transpose is one panel as wide as F (packPanels).
      Value wT = arith::ConstantOp::create(
          rewriter, loc,
          packPanels(fcWeights.reshape(w2Type), f, /*transposed=*/true)
              .reshape(RankedTensorType::get({k, f}, elementType)));
      Value product = linalg::MatmulOp::create(rewriter, loc, ValueRange{flat(input, c), wT},
                                               ValueRange{flat(init, f)})
                          .getResult(0);
      rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
          op, outType, product, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
      return success();
    }

    // Pixel-major when the weights are constants (packed at compile time),
    // OW gives slivers of at least minSliverRows pixels (sliverRows; tall
    // ones except for a direct, unpadded unit-stride 1x1 convolution), F
    // needs little padding to whole panels, and the convolution
    // is not a unit-stride 1x1 one with fewer than
    // kPixelMajorMinDirectChannels input channels whose columns need little
    // padding.
    Value wPanels;
    DenseElementsAttr weights;
    int64_t tileRows = microTileRows(op);
    // Tall slivers: not for a direct (unpadded unit-stride 1x1) convolution
    // (sliverRows), unless its rows split into parts whose tiles take two
    // vectors of filters (pixelMajorParts): on AVX2, MobileNetV2's and
    // EfficientNet-B0's 1x1 layers at 7x7 took 0.68-0.81 of the flat form's
    // time (which pads 49 columns to 64) in 5 + 2 pixel parts at 1 thread,
    // a chain of ResNet-50's 0.86 (thirty-second round), where one 7-pixel
    // sliver of 7 x 8 tiles took 0.98-1.19 (twenty-ninth round).
    bool tall = !direct || pixelMajorParts(ow, op, /*tall=*/true).size() > 1;
    int64_t sliver = sliverRows(ow, op, tall);
    // The column parts of a pixel-major product's rows (one: the whole row).
    SmallVector<std::pair<int64_t, int64_t>> parts = pixelMajorParts(ow, op, tall);
    int64_t paddedF = llvm::alignTo(f, kPackedPanelWidth);
    bool pixelMajorPays = !direct || c >= kPixelMajorMinDirectChannels ||
                          (columns - p) * kPixelMajorPaddedShare >= columns;
    if (pixelMajorPays && pixelMajorShape(ow, f, elementType, op, tall) &&
        matchPattern(weight, m_Constant(&weights)))
      wPanels = arith::ConstantOp::create(
          rewriter, loc,
          packPanels(weights.reshape(w2Type), kPackedPanelWidth, /*transposed=*/true));

    // The epilogue: where the accumulator starts and the elementwise op
    // computed on the way out. The pixel-major form writes the output in an
    // epilogue of its own, the flat form starts from a fresh accumulator. A
    // channel-major product that reads its taps in place starts its
    // accumulator and computes the consumer in its own layout (where the
    // product's tasks can take them along); one that packs its taps
    // accumulates into the init, and the consumer stays a pass of its own.
    ConvShape shape{c, f, kh, kw, oh, ow, strides, dilations, tileRows};
    bool channelMajor = !wPanels && !direct && ow % kPackedPanelWidth == 0 && elementType.isF32();
    DenseElementsAttr tapWeights;
    bool channelMajorInPlace = channelMajor && channelMajorTapProduct(shape, w2, &tapWeights);
    AccumulatorStart start;
    Consumer consumer;
    if (!channelMajor || channelMajorInPlace) {
      consumer = matchConsumer(op.getResult(0));
      // The consumer's other inputs may be defined after the convolution.
      if (consumer)
        rewriter.setInsertionPoint(consumer.op);
      start = matchStart(rewriter, loc, init);
      // Full inputs cannot follow the flat form's padded columns.
      if (!start.recognized() ||
          (!wPanels && !channelMajor && consumer.hasFullInputs && columns != p))
        consumer = Consumer();
    }
    Value result = init;
    if (consumer)
      result = consumer.op.getDpsInits()[0];
    else if (start.recognized())
      result = tensor::EmptyOp::create(rewriter, loc, outType.getShape(), elementType);
    auto resultType = llvm::cast<RankedTensorType>(result.getType());
    Type resultElementType = resultType.getElementType();
    MLIRContext *ctx = rewriter.getContext();

    bool freshResult = result.getDefiningOp<tensor::EmptyOp>() != nullptr;
    for (int64_t image = 0; image < n; ++image) {
      // This image's part [C, H, W] or [F, OH, OW] of `v` [N, ...].
      auto image3 = [&](Value v) -> Value {
        auto type = llvm::cast<RankedTensorType>(v.getType());
        SmallVector<int64_t> offsets(4, 0), sizes(type.getShape()), ones(4, 1);
        offsets[0] = image;
        sizes[0] = 1;
        auto sliceType =
            RankedTensorType::get(type.getShape().drop_front(), type.getElementType());
        return tensor::ExtractSliceOp::create(rewriter, loc, sliceType, v,
                                              indexAttrs(rewriter, offsets),
                                              indexAttrs(rewriter, sizes),
                                              indexAttrs(rewriter, ones));
      };
      Value in = image3(input);
      Value acc = image3(result);
      auto insertImage = [&](Value product3) {
        // One image filling a fresh tensor is that tensor: no copy into it.
        if (n == 1 && result.getDefiningOp<tensor::EmptyOp>()) {
          result = tensor::ExpandShapeOp::create(
              rewriter, loc, RankedTensorType::get({1, f, oh, ow}, resultElementType), product3,
              SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
          return;
        }
        result = tensor::InsertSliceOp::create(
            rewriter, loc, product3, result, indexAttrs(rewriter, {image, 0, 0, 0}),
            indexAttrs(rewriter, {1, f, oh, ow}), indexAttrs(rewriter, {1, 1, 1, 1}));
      };

      // The input pixels filter tap (i, j) meets: [C, OH, OW].
      auto tapType = RankedTensorType::get({c, oh, ow}, elementType);
      auto tapSource = [&](int64_t i, int64_t j) -> Value {
        return tensor::ExtractSliceOp::create(
            rewriter, loc, tapType, in,
            indexAttrs(rewriter, {0, i * dilations[0], j * dilations[1]}),
            indexAttrs(rewriter, {c, oh, ow}), indexAttrs(rewriter, {1, strides[0], strides[1]}));
      };
      if (wPanels) {
        // A band's intermediate: its [P, F'] product.
        insertImage(bandedConvolution(
            rewriter, loc, in, acc, shape, ow * paddedF * 4, kPixelMajorBandBytes,
            [&](OpBuilder &b, Location l, Value band, Value outBand, OpFoldResult row,
                int64_t rows) {
              auto rowsOf = [&](Value v) -> Value {
                auto type = llvm::cast<RankedTensorType>(v.getType());
                return tensor::ExtractSliceOp::create(
                    b, l, RankedTensorType::get({f, rows, ow}, type.getElementType()),
                    image3(v), {b.getIndexAttr(0), row, b.getIndexAttr(0)},
                    indexAttrs(b, {f, rows, ow}), indexAttrs(b, {1, 1, 1}));
              };
              if (parts.size() == 1)
                return pixelMajorBandProduct(b, l, band, outBand, wPanels, rows, sliver, shape,
                                             start, consumer, rowsOf);
              // Columns [first, first + width) of `v` [D, rows, W'].
              auto columnSlice = [&](Value v, int64_t first, int64_t width) -> Value {
                auto type = llvm::cast<RankedTensorType>(v.getType());
                int64_t d0 = type.getDimSize(0), d1 = type.getDimSize(1);
                return tensor::ExtractSliceOp::create(
                    b, l, RankedTensorType::get({d0, d1, width}, type.getElementType()), v,
                    indexAttrs(b, {0, 0, first}), indexAttrs(b, {d0, d1, width}),
                    indexAttrs(b, {1, 1, 1}));
              };
              Value updated = outBand;
              for (auto [partFirst, partWidth] : parts) {
                int64_t first = partFirst, width = partWidth;
                ConvShape part = shape;
                part.ow = width;
                // The input columns the part's taps meet.
                int64_t inWidth = (width - 1) * strides[1] + (kw - 1) * dilations[1] + 1;
                Value product = pixelMajorBandProduct(
                    b, l, columnSlice(band, first * strides[1], inWidth),
                    columnSlice(updated, first, width), wPanels, rows,
                    sliverRows(width, op, tall), part, start, consumer,
                    [&](Value v) { return columnSlice(rowsOf(v), first, width); });
                updated = tensor::InsertSliceOp::create(
                    b, l, product, updated, indexAttrs(b, {0, 0, first}),
                    indexAttrs(b, {f, rows, width}), indexAttrs(b, {1, 1, 1}));
              }
              return updated;
            }));
        continue;
      }
      if (channelMajorInPlace && start.recognized()) {
        // With taps read in place there is no intermediate (one band). The
        // accumulator starts as the bias (or the fill) and the consumer
        // reads the product, both over the product's layout.
        RankedTensorType acc5Type = channelMajorType(shape, oh, elementType);
        unsigned rank = acc5Type.getRank();
        int64_t mr = acc5Type.getDimSize(1);
        auto view5 = [&](Value v3) -> Value {
          auto type = llvm::cast<RankedTensorType>(v3.getType());
          return tensor::ExpandShapeOp::create(
              rewriter, loc, channelMajorType(shape, oh, type.getElementType()), v3,
              channelMajorSplit());
        };
        Value empty5 = tensor::EmptyOp::create(rewriter, loc, acc5Type.getShape(), elementType);
        Value acc5 = start.fill
                         ? linalg::FillOp::create(rewriter, loc, start.fill, empty5).getResult(0)
                         : buildEpilogue(rewriter, loc,
                                         {biasTerm(rewriter, loc, start.bias, rank, mr)},
                                         Value(), /*addOut=*/false, Consumer(), {}, empty5,
                                         /*absorbed=*/-1, mr);
        Value product5 = channelMajorProduct(rewriter, loc, in, acc5, tapWeights, shape);
        if (consumer) {
          // The consumer's views of its full inputs move above the product
          // afterwards (hoistOperandsAbove).
          Operation *productOp = product5.getDefiningOp();
          auto fullInput = [&](Value v) { return view5(image3(v)); };
          Value out5 = consumer.op.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>()
                           ? tensor::EmptyOp::create(rewriter, loc, acc5Type.getShape(),
                                                     resultElementType)
                                 .getResult()
                           : view5(acc);
          product5 = buildEpilogue(rewriter, loc,
                                   {{product5, AffineMap::getMultiDimIdentityMap(rank, ctx)}},
                                   Value(), /*addOut=*/false, consumer, fullInput, out5,
                                   /*absorbed=*/-1, mr);
          hoistOperandsAbove(product5.getDefiningOp(), productOp);
        }
        insertImage(tensor::CollapseShapeOp::create(
            rewriter, loc, RankedTensorType::get({f, oh, ow}, resultElementType), product5,
            channelMajorSplit()));
        continue;
      }
      if (channelMajor) {
        insertImage(bandedConvolution(
            rewriter, loc, in, acc, shape, channelMajorInPlace ? 0 : ow * k * 4,
            kChannelMajorBandBytes,
            [&](OpBuilder &b, Location l, Value band, Value accBand, OpFoldResult,
                int64_t rows) {
              return bandProduct(b, l, band, accBand, w2, rows, shape);
            }));
        continue;
      }

      Value col;
      if (direct) {
        col = tensor::CollapseShapeOp::create(
            rewriter, loc, RankedTensorType::get({c, p}, elementType), in,
            SmallVector<ReassociationIndices>{{0}, {1, 2}});
      } else if (kh * kw > kMaxTapCopies) {
        // col[C, KH, KW, OH, OW] of a long window: one generic reading
        // each tap's pixels (strided where the convolution is).
        MLIRContext *ctx = rewriter.getContext();
        AffineExpr ch, i, j, y, x;
        bindDims(ctx, ch, i, j, y, x);
        col = gatherTaps(
            rewriter, loc, in,
            tensor::EmptyOp::create(rewriter, loc, {c, kh, kw, oh, ow}, elementType),
            AffineMap::get(
                5, 0,
                {ch, i * dilations[0] + y * strides[0], j * dilations[1] + x * strides[1]},
                ctx));
        col = tensor::CollapseShapeOp::create(
            rewriter, loc, RankedTensorType::get({k, p}, elementType), col,
            SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4}});
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

      // [F, OH, OW] viewed as [F, OH*OW].
      auto flatten = [&](Value v3) -> Value {
        auto type = llvm::cast<RankedTensorType>(v3.getType());
        return tensor::CollapseShapeOp::create(
            rewriter, loc, RankedTensorType::get({f, p}, type.getElementType()), v3,
            SmallVector<ReassociationIndices>{{0}, {1, 2}});
      };
      // With several images, each image's product is computed in its own
      // slice of the batch's fresh result, viewed [F, OH*OW], so that
      // inserting it there is no copy. (Built before the matmul, where the
      // matmul's thread tiles can take the consumer writing it along.)
      Value imageOut;
      if (n > 1 && columns == p && freshResult)
        imageOut = flatten(image3(result));
      int64_t residual = -1;
      if (n == 1 && columns == p && start.recognized() && resultElementType == elementType)
        residual = absorbableResidual(consumer);
      AffineMap identity2 = AffineMap::getMultiDimIdentityMap(2, ctx);
      Value acc2;
      if (residual >= 0) {
        // The accumulator starts as the residual plus the bias (or the
        // fill), written over the residual: the product accumulates onto
        // it there and the consumer finishes it there, so the residual
        // and the result are one buffer (at ResNet's first bottleneck, the
        // two largest buffers live at once were these).
        Value over = flatten(image3(consumer.op->getOperand(residual)));
        SmallVector<Term> terms;
        if (start.bias)
          terms.push_back({start.bias, AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx)});
        acc2 = buildEpilogue(rewriter, loc, terms, start.fill, /*addOut=*/true, Consumer(), {},
                             over);
      } else if (start.recognized()) {
        Value fresh = imageOut && !consumer
                          ? imageOut
                          : tensor::EmptyOp::create(rewriter, loc, {f, columns}, elementType)
                                .getResult();
        acc2 = start.fill
                   ? linalg::FillOp::create(rewriter, loc, start.fill, fresh).getResult(0)
                   : buildEpilogue(rewriter, loc,
                                   {{start.bias, AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)},
                                                                ctx)}},
                                   Value(), /*addOut=*/false, Consumer(), {}, fresh);
      } else {
        acc2 = padLastDim(rewriter, loc, flatten(acc), columns);
      }
      auto matmul = linalg::MatmulOp::create(rewriter, loc, ValueRange{w2, col}, acc2);
      Value product = matmul.getResult(0);
      // The consumer's full inputs (a residual) are viewed as [F, OH*OW]
      // before the matmul: the matmul's thread tiles take along only a
      // consumer whose operands exist where they start.
      auto fullInput = [&](Value v) -> Value {
        OpBuilder::InsertionGuard guard(rewriter);
        rewriter.setInsertionPoint(matmul);
        return flatten(image3(v));
      };
      if (residual >= 0) {
        // The rest of the consumer's body, in place (nothing when the
        // addition was all of it).
        Block &body = consumer.op.getRegion().front();
        Operation *addition = *body.getArgument(residual).getUsers().begin();
        if (body.getTerminator()->getOperand(0) != addition->getResult(0))
          product = buildEpilogue(rewriter, loc, {}, Value(), /*addOut=*/true, consumer,
                                  fullInput, product, residual);
      } else if (consumer) {
        // The consumer writes into its own init when it has contents (an
        // in-place residual sum); otherwise into a fresh tensor, which the
        // matmul's thread tiles can take along (a slice of the init's empty
        // tensor would be defined after the matmul, out of their reach).
        bool freshOut =
            columns != p || consumer.op.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>();
        Value out2 = !freshOut ? flatten(acc)
                     : imageOut    ? imageOut
                                   : tensor::EmptyOp::create(rewriter, loc, {f, columns},
                                                             resultElementType)
                                         .getResult();
        product = buildEpilogue(rewriter, loc, {{product, identity2}}, Value(),
                                /*addOut=*/false, consumer, fullInput, out2);
      }
      product = truncateLastDim(rewriter, loc, product, p);
      insertImage(tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({f, oh, ow}, resultElementType), product,
          SmallVector<ReassociationIndices>{{0}, {1, 2}}));
    }
    if (consumer) {
      rewriter.replaceOp(consumer.op, result);
      rewriter.eraseOp(op);
      return success();
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConvToMatmulPass : impl::ConvToMatmulBase<ConvToMatmulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<StridedWidthToChannels>(&getContext(), /*benefit=*/2);
    patterns.add<ConvToMatmulPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::cpu
