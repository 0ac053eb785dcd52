//===- PadFreeTaps.cpp - Window taps read around their padding -----------===//
//
// A register tile of a depthwise convolution's sum of taps (or a max pool's
// maximum of them) computes output rows: out[n, c, y, 0:OW]. Tap (i, j) of
// row y is, in the padded input, row y*SH + i*DH and columns j*DW + x*SW;
// in the unpadded input (padded by PT rows on top, PL columns on the left)
// row r = y*SH + i*DH - PT and columns j*DW - PL + x*SW. The tap's row is
// one load of the L = (OW-1)*SW + 1 columns from j*DW - PL on, masked to the
// columns inside the input (a compile-time mask; masked lanes take the pad
// value and are never accessed, so a row that starts one column left of the
// input reads nothing out of bounds); strided taps then keep every SW-th
// lane.
//
// Whether row r is inside the input must be known at compile time too:
// vector code that chooses at run time between a load and the pad value
// (a select, or a branch whose two sides LLVM merges into phis of the
// 56-lane vectors) falls apart into scalar code. So each thread tile is
// split along its output rows first: the rows whose windows reach into the
// padding (one or two at each border) each on their own, the rows inside
// in a multiple of a register tile's rows and the rest, and rows wider than
// a register tile into one tile's columns each; every tap of every piece is
// then wholly inside or wholly in the padding, and starts at a known
// column. A register tile of the inside rows takes several of them, whose
// windows share input rows (one load serves each output row that reads
// it). A small plane is not split: it is one register tile a channel (or,
// where its accumulators would crowd the registers, unrolled tiles of a few
// rows), whose rows are at constant offsets, each inside or in the padding.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/PadFreeTaps.h"
#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/ViewLikeInterfaceUtils.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;

namespace kiln::cpu {
namespace {

/// Loads longer than this stay with the padded tensor (a tap's load is a
/// vector; beyond a few hundred lanes it would not live in registers).
constexpr int64_t kMaxTapLanes = 256;
/// Output rows whose windows reach into the padding are each a piece of
/// their own; with more than this many, the padded tensor stays.
constexpr int64_t kMaxBorderRows = 8;
/// A plane of at most this many outputs whose rows are narrower than a
/// vector register is one register tile.
constexpr int64_t kMaxPlaneLanes = 256;
/// The vector registers plane tiles are sized for (AVX-512).
constexpr int64_t kVectorRegisterBits = 512;
/// Register tiles of several output rows keep at most this many vectors of
/// accumulators (rows of 28: four rows, two vectors each). Each input row
/// loaded serves every output row of the tile whose window covers it, and
/// each weight is broadcast once a tile. At a row stride of 2 the rows share
/// fewer input rows; two rows a tile measured best there (bench/ab.py on
/// one-layer models, 1 thread: 5x5 taps from 56x56 rows at stride 2, 144
/// channels, 0.172 ms with 2 rows, 0.179 with 3, 0.199 with 4; 3x3 from
/// 112x112, 0.209 with 2, 0.25 with 4), three or four at stride 1 (5x5 at
/// 28x28, 240 channels: 0.251 ms with 1 row, 0.205 with 2, 0.184 with 3 or
/// 4, 0.200 with 8).
constexpr int64_t kMaxTapTileVectors = 8;
constexpr int64_t kMaxStridedTapTileRows = 2;
/// Taps of one window row at a column stride above 1 share a load also
/// where a tap's lanes start past the first `stride` (bench/ab.py, 1 thread,
/// AVX2, depthwise 3x3 at stride 2, against sharing only those: 0.91 of the
/// time from 28x28, 0.85 from 14x14, with loads of 4 and 2 ymm registers;
/// 1.24 from 56x56 and 1.25 from 112x112, with loads of 8 and 16) in loads
/// of at most this many bytes (counted in bytes, not registers: AVX-512 was
/// not measured).
constexpr int64_t kMaxPhaseSharedBytes = 128;
/// A small plane whose accumulators would take more than half the vector
/// registers left beside a tap row and a weight ((count - 2) / 2; at a
/// column stride above 1 counted twice: each tap row is shuffled into a
/// register of its own) is tiled in rows instead, at most
/// this many vectors of accumulators a tile, and the loop over them
/// unrolled: each tile's taps are then summed while the input rows it
/// shares with the next tile are still in registers, where the whole
/// plane's sums, tap by tap over all rows, kept every loaded row live and
/// spilled. bench/ab.py, 1 thread, AVX2 (16 registers), against the whole
/// plane: depthwise 3x3 at 14x14, 384 channels, 0.72 of the time in rows
/// of two (0.70 in rows of one); 5x5 at 14x14, 672 channels, 0.83 in rows
/// of two (0.87 in rows of one); 3x3 at stride 2 from 28x28, 0.72; from
/// 14x14 to 7x7, 0.95. A 7x7 plane at stride 1 (7 accumulators) stays
/// whole: in rows it took 1.12 of the time. (On AVX-512, with 32 registers,
/// only planes at stride 2 from 28x28 change: not measured.)
constexpr int64_t kPlaneRowTileVectors = 4;
/// A row wider than one register tile is split into at most this many
/// pieces of one register tile each, whose columns are then constants.
constexpr int64_t kMaxColumnTiles = 4;

/// `insert` as a pad of the rows and columns of an NCHW tensor:
/// insert_slice(input into fill(value, empty)), whole along N and C.
std::optional<TapPad> matchPad(tensor::InsertSliceOp insert) {
  auto fill = insert.getDest().getDefiningOp<linalg::FillOp>();
  if (!fill || !fill.hasPureTensorSemantics() ||
      !fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
    return std::nullopt;
  RankedTensorType padded = insert.getDestType(), input = insert.getSourceType();
  if (!padded.hasStaticShape() || !input.hasStaticShape() || padded.getRank() != 4 ||
      input.getRank() != 4 || !insert.hasUnitStride() ||
      llvm::any_of(insert.getStaticOffsets(), ShapedType::isDynamic))
    return std::nullopt;
  ArrayRef<int64_t> low = insert.getStaticOffsets();
  if (low[0] != 0 || low[1] != 0 || input.getDimSize(0) != padded.getDimSize(0) ||
      input.getDimSize(1) != padded.getDimSize(1))
    return std::nullopt;
  return TapPad{insert, fill.getInputs()[0]};
}

/// Whether elementwise op `user` takes `tap` (a slice of a pad) the way
/// these helpers can serve: as an input read at the identity, in register
/// tiles along the output rows, with thread tiles that split neither rows
/// nor columns.
bool readsAlongRows(Operation *user, Value tap) {
  auto generic = llvm::dyn_cast<linalg::GenericOp>(user);
  if (!generic || !generic.hasPureTensorSemantics() || generic.getNumLoops() != 4 ||
      generic.getNumParallelLoops() != 4)
    return false;
  for (OpOperand &use : tap.getUses()) {
    if (use.getOwner() != user)
      continue;
    if (!generic.isDpsInput(&use) || !generic.getMatchingIndexingMap(&use).isIdentity())
      return false;
  }
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  std::optional<TilingPlan> plan = planTiling(generic, /*allowThreads=*/true);
  if (!plan || plan->vectorTiles.size() != 4)
    return false;
  int64_t width = plan->vectorTiles[3];
  return plan->vectorTiles == ArrayRef<int64_t>{1, 1, 1, width} && ranges[3] % width == 0 &&
         ranges[3] / width <= kMaxColumnTiles &&
         (plan->threadTiles.empty() || (plan->threadTiles[2] == 0 && plan->threadTiles[3] == 0));
}

/// The slice of `root` that a chain of rank-preserving extract_slices
/// (`chain`, from the one reading `root` down) ends in.
LogicalResult composeSlices(OpBuilder &b, Location loc, ArrayRef<tensor::ExtractSliceOp> chain,
                            SmallVector<OpFoldResult> &offsets, SmallVector<OpFoldResult> &sizes,
                            SmallVector<OpFoldResult> &strides) {
  if (llvm::any_of(chain, [](tensor::ExtractSliceOp s) {
        return s.getResultType().getRank() != s.getSourceType().getRank();
      }))
    return failure();
  tensor::ExtractSliceOp first = chain.front();
  offsets = first.getMixedOffsets();
  sizes = first.getMixedSizes();
  strides = first.getMixedStrides();
  for (tensor::ExtractSliceOp slice : chain.drop_front()) {
    SmallVector<OpFoldResult> o, s, t;
    if (failed(affine::mergeOffsetsSizesAndStrides(
            b, loc, offsets, sizes, strides, llvm::SmallBitVector(offsets.size()),
            slice.getMixedOffsets(), slice.getMixedSizes(), slice.getMixedStrides(), o, s, t)))
      return failure();
    offsets = std::move(o);
    sizes = std::move(s);
    strides = std::move(t);
  }
  return success();
}

/// An input of a linalg op that is a slice of one of the pads, through a
/// chain of extract_slices.
struct TapOperand {
  TapPad pad;
  SmallVector<tensor::ExtractSliceOp> chain;         // from the one reading the pad
  SmallVector<OpFoldResult> offsets, sizes, strides; // the composed slice
};

std::optional<TapOperand> matchTapOperand(RewriterBase &rewriter, Operation *reader, Value operand,
                                          const llvm::DenseMap<Value, TapPad> &padOf) {
  TapOperand tap;
  Value v = operand;
  while (!padOf.count(v)) {
    auto slice = v.getDefiningOp<tensor::ExtractSliceOp>();
    if (!slice)
      return std::nullopt;
    tap.chain.push_back(slice);
    v = slice.getSource();
  }
  if (tap.chain.empty())
    return std::nullopt;
  tap.pad = padOf.lookup(v);
  std::reverse(tap.chain.begin(), tap.chain.end());
  rewriter.setInsertionPoint(reader);
  if (failed(composeSlices(rewriter, reader->getLoc(), tap.chain, tap.offsets, tap.sizes,
                           tap.strides)))
    return std::nullopt;
  return tap;
}

/// The smallest and largest value `ofr` can take, when known at compile
/// time: constants, induction variables of loops with constant bounds, and
/// sums and constant multiples of such (what tiling's offsets are made of).
std::optional<std::pair<int64_t, int64_t>> knownRange(OpFoldResult ofr);

std::optional<std::pair<int64_t, int64_t>> knownRange(AffineExpr expr, ArrayRef<Value> operands,
                                                      unsigned numDims) {
  if (auto constant = llvm::dyn_cast<AffineConstantExpr>(expr))
    return std::make_pair(constant.getValue(), constant.getValue());
  if (auto dim = llvm::dyn_cast<AffineDimExpr>(expr))
    return knownRange(operands[dim.getPosition()]);
  if (auto symbol = llvm::dyn_cast<AffineSymbolExpr>(expr))
    return knownRange(operands[numDims + symbol.getPosition()]);
  auto binary = llvm::dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return std::nullopt;
  auto lhs = knownRange(binary.getLHS(), operands, numDims);
  auto rhs = knownRange(binary.getRHS(), operands, numDims);
  if (!lhs || !rhs)
    return std::nullopt;
  if (expr.getKind() == AffineExprKind::Add)
    return std::make_pair(lhs->first + rhs->first, lhs->second + rhs->second);
  if (expr.getKind() == AffineExprKind::Mul) {
    int64_t products[] = {lhs->first * rhs->first, lhs->first * rhs->second,
                          lhs->second * rhs->first, lhs->second * rhs->second};
    return std::make_pair(*llvm::min_element(products), *llvm::max_element(products));
  }
  return std::nullopt;
}

std::optional<std::pair<int64_t, int64_t>> knownRange(OpFoldResult ofr) {
  if (std::optional<int64_t> constant = getConstantIntValue(ofr))
    return std::make_pair(*constant, *constant);
  auto value = llvm::dyn_cast_if_present<Value>(ofr);
  if (!value)
    return std::nullopt;
  auto loopRange = [](OpFoldResult lb, OpFoldResult ub,
                      OpFoldResult step) -> std::optional<std::pair<int64_t, int64_t>> {
    std::optional<int64_t> l = getConstantIntValue(lb), u = getConstantIntValue(ub),
                           s = getConstantIntValue(step);
    if (!l || !u || !s || *s < 1 || *u <= *l)
      return std::nullopt;
    return std::make_pair(*l, *l + (*u - *l - 1) / *s * *s);
  };
  if (auto loop = scf::getForInductionVarOwner(value))
    return loopRange(loop.getLowerBound(), loop.getUpperBound(), loop.getStep());
  if (auto forall = scf::getForallOpThreadIndexOwner(value)) {
    auto ivs = forall.getInductionVars();
    unsigned i = llvm::find(ivs, value) - ivs.begin();
    return loopRange(forall.getMixedLowerBound()[i], forall.getMixedUpperBound()[i],
                     forall.getMixedStep()[i]);
  }
  auto apply = value.getDefiningOp<affine::AffineApplyOp>();
  if (!apply || apply.getAffineMap().getNumResults() != 1)
    return std::nullopt;
  SmallVector<Value> operands(apply.getMapOperands());
  return knownRange(apply.getAffineMap().getResult(0), operands, apply.getAffineMap().getNumDims());
}

/// The output rows [first, last) of `op` (a thread tile of a sum of taps,
/// all rows) whose taps of pads all lie inside their inputs; std::nullopt
/// when `op` reads no pad or the rows are not known.
std::optional<std::pair<int64_t, int64_t>> rowsInside(RewriterBase &rewriter, linalg::GenericOp op,
                                                      const llvm::DenseMap<Value, TapPad> &padOf) {
  int64_t rows = op.getStaticLoopRanges()[2];
  int64_t first = 0, last = rows;
  bool anyTap = false;
  for (OpOperand *operand : op.getDpsInputOperands()) {
    std::optional<TapOperand> tap = matchTapOperand(rewriter, op, operand->get(), padOf);
    if (!tap)
      continue;
    std::optional<int64_t> offset = getConstantIntValue(tap->offsets[2]);
    std::optional<int64_t> stride = getConstantIntValue(tap->strides[2]);
    if (!offset || !stride || *stride < 1)
      return std::nullopt;
    anyTap = true;
    // Row y reads input row offset + y * stride - top, inside for
    // 0 <= it < height.
    int64_t top = tap->pad.insert.getStaticOffsets()[2];
    int64_t height = tap->pad.insert.getSourceType().getDimSize(2);
    int64_t lowest = top - *offset, highest = top + height - 1 - *offset;
    first = std::max(first, lowest <= 0 ? 0 : (lowest + *stride - 1) / *stride);
    last = std::min(last, highest < 0 ? 0 : highest / *stride + 1);
  }
  if (!anyTap)
    return std::nullopt;
  return std::make_pair(first, std::max(first, last));
}

/// Row `row` of `tap` (a constant or a loop's induction variable: the
/// offset of the tile's first row, plus its place in the tile times the
/// stride), `outWidth` lanes, from the pad's input: a masked load of the
/// columns (the lanes outside the input, masked off, take the pad value and
/// are never accessed), every stride-th lane kept. A null value for a row
/// outside the input (the pad value alone); std::nullopt when it is not
/// known which it is.
std::optional<Value> readTapRow(RewriterBase &rewriter, Location loc, const TapOperand &tap,
                                OpFoldResult row, int64_t outWidth) {
  std::optional<std::pair<int64_t, int64_t>> columns = knownRange(tap.offsets[3]);
  std::optional<std::pair<int64_t, int64_t>> rows = knownRange(row);
  std::optional<int64_t> stride = getConstantIntValue(tap.strides[3]);
  if (!columns || columns->first != columns->second || !rows || !stride || *stride < 1)
    return std::nullopt;
  int64_t column = columns->first;
  tensor::InsertSliceOp padded = tap.pad.insert;
  auto inputType = padded.getSourceType();
  ArrayRef<int64_t> low = padded.getStaticOffsets();
  int64_t height = inputType.getDimSize(2), width = inputType.getDimSize(3);
  int64_t lanes = (outWidth - 1) * *stride + 1;
  // At a column stride above 1 every tap's lanes are picked out of the load
  // by a shuffle anyway, so the taps of one window row (columns kx + x *
  // stride) can share one load from the first column of their register
  // tile, where the tap's lanes fit the load's power-of-two width from
  // there. Taps in the first `stride` columns (one phase each; at stride 2
  // the even lanes and the odd lanes) do where they fit; the others (kx >=
  // stride: at stride 2 the even lanes from lane 2) only in a load of at
  // most kMaxPhaseSharedBytes, since each of their result registers gathers
  // from three of the load's. The shared load's lanes inside the input row
  // are all loaded, also those past the tap's.
  int64_t skip = 0;
  if (*stride > 1) {
    int64_t within = column % (outWidth * *stride);
    int64_t loadBits = llvm::PowerOf2Ceil(lanes) * inputType.getElementTypeBitWidth();
    bool narrow = loadBits <= kMaxPhaseSharedBytes * 8;
    if ((within < *stride || narrow) &&
        llvm::PowerOf2Ceil(within + lanes) == llvm::PowerOf2Ceil(lanes)) {
      skip = within;
      lanes = llvm::PowerOf2Ceil(lanes);
    }
  }
  int64_t start = column - skip - low[3];
  int64_t firstRow = rows->first - low[2], lastRow = rows->second - low[2];
  bool inside = firstRow >= 0 && lastRow < height;
  bool outside = lastRow < 0 || firstRow >= height;
  if ((!inside && !outside) || lanes > kMaxTapLanes)
    return std::nullopt;

  Type elementType = inputType.getElementType();
  if (outside)
    return Value();
  // A load of a vector whose width is not a power of two is taken apart by
  // LLVM into pieces (7 lanes: 4, 2 and 1), and a masked one into scalar
  // loads; a masked load of a power-of-two width is one instruction a
  // register. So the lanes past the tap's are masked off too (those outside
  // the input row: a shared load's lanes inside it are loaded).
  SmallVector<bool> columnsInside(lanes);
  for (int64_t k = 0; k < lanes; ++k)
    columnsInside[k] = start + k >= 0 && start + k < width;
  Value mask;
  if (!llvm::all_of(columnsInside, [](bool b) { return b; }) || !llvm::isPowerOf2_64(lanes)) {
    lanes = llvm::PowerOf2Ceil(lanes);
    columnsInside.resize(lanes, false);
    mask = arith::ConstantOp::create(
        rewriter, loc,
        DenseElementsAttr::get(VectorType::get({lanes}, rewriter.getI1Type()),
                               ArrayRef<bool>(columnsInside)));
  }
  Value rowIndex = arith::SubIOp::create(rewriter, loc,
                                         getValueOrCreateConstantIndexOp(rewriter, loc, row),
                                         arith::ConstantIndexOp::create(rewriter, loc, low[2]));
  SmallVector<Value> indices = {getValueOrCreateConstantIndexOp(rewriter, loc, tap.offsets[0]),
                                getValueOrCreateConstantIndexOp(rewriter, loc, tap.offsets[1]),
                                rowIndex, arith::ConstantIndexOp::create(rewriter, loc, start)};
  // In bounds: every lane outside the row is masked off.
  Value loaded = vector::TransferReadOp::create(
      rewriter, loc, VectorType::get({lanes}, elementType), padded.getSource(), indices,
      AffineMap::getMinorIdentityMap(4, 1, rewriter.getContext()), tap.pad.value, mask,
      rewriter.getBoolArrayAttr({true}));
  if (*stride > 1 || lanes > outWidth) {
    SmallVector<int64_t> every;
    for (int64_t x = 0; x < outWidth; ++x)
      every.push_back(skip + x * *stride);
    loaded = vector::ShuffleOp::create(rewriter, loc, loaded, loaded, every);
  }
  return loaded;
}

/// `tap` for the register tile `tile` ([1, 1, rows, columns]: one output
/// row, several, or a whole plane), row by row from the pad's input
/// (readTapRow) into a vector of the pad value, as a tensor to replace the
/// tile's input with (the vectorizer's read of it folds away again).
FailureOr<Value> readTapTile(RewriterBase &rewriter, linalg::GenericOp tile, const TapOperand &tap,
                             RankedTensorType tileType) {
  Location loc = tile.getLoc();
  rewriter.setInsertionPoint(tile);
  int64_t rows = tileType.getDimSize(2), outWidth = tileType.getDimSize(3);
  Type elementType = tileType.getElementType();
  auto tileVectorType = VectorType::get(tileType.getShape(), elementType);
  Value result;
  if (rows == 1) {
    std::optional<Value> row = readTapRow(rewriter, loc, tap, tap.offsets[2], outWidth);
    if (!row)
      return failure();
    result = *row ? vector::ShapeCastOp::create(rewriter, loc, tileVectorType, *row).getResult()
                  : vector::BroadcastOp::create(rewriter, loc, tileVectorType, tap.pad.value)
                        .getResult();
  } else {
    // Several rows: row y at the tile's first row plus y strides.
    std::optional<int64_t> stride = getConstantIntValue(tap.strides[2]);
    if (!stride)
      return failure();
    AffineExpr first = rewriter.getAffineSymbolExpr(0);
    result = vector::BroadcastOp::create(rewriter, loc, tileVectorType, tap.pad.value);
    for (int64_t y = 0; y < rows; ++y) {
      OpFoldResult offset = affine::makeComposedFoldedAffineApply(
          rewriter, loc, first + y * *stride, {tap.offsets[2]});
      std::optional<Value> row = readTapRow(rewriter, loc, tap, offset, outWidth);
      if (!row)
        return failure();
      if (!*row)
        continue; // the pad value, there already
      result = vector::InsertOp::create(rewriter, loc, *row, result,
                                        ArrayRef<int64_t>{0, 0, y});
    }
  }
  Value empty = tensor::EmptyOp::create(rewriter, loc, tileType.getShape(), elementType);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  return vector::TransferWriteOp::create(rewriter, loc, result, empty, SmallVector<Value>(4, zero),
                                         ArrayRef<bool>{true, true, true, true})
      .getResult();
}

/// Erases the slices of `v` nothing reads, transitively.
void eraseUnreadSlices(RewriterBase &rewriter, Value v) {
  for (Operation *user : llvm::make_early_inc_range(v.getUsers())) {
    auto slice = llvm::dyn_cast<tensor::ExtractSliceOp>(user);
    if (!slice)
      continue;
    eraseUnreadSlices(rewriter, slice.getResult());
    if (slice->use_empty())
      rewriter.eraseOp(slice);
  }
}

/// Erases `op`, when nothing reads its results, and the producers of its
/// operands that this leaves unread: a pad's fill, tiled or not, and its
/// empty tensor.
void eraseIfUnread(RewriterBase &rewriter, Operation *op) {
  if (!op || !op->use_empty() || !llvm::isa<scf::ForallOp, linalg::FillOp, tensor::EmptyOp>(op))
    return;
  SmallVector<Operation *> producers;
  for (Value operand : op->getOperands())
    producers.push_back(operand.getDefiningOp());
  rewriter.eraseOp(op);
  for (Operation *producer : producers)
    eraseIfUnread(rewriter, producer);
}

llvm::DenseMap<Value, TapPad> byResult(ArrayRef<TapPad> pads) {
  llvm::DenseMap<Value, TapPad> padOf;
  for (TapPad pad : pads)
    padOf[pad.insert.getResult()] = pad;
  return padOf;
}

/// `op` split along `dimension` at `cuts` (increasing; those outside the
/// range are skipped).
SmallVector<linalg::LinalgOp> splitAt(RewriterBase &rewriter, linalg::LinalgOp op,
                                      unsigned dimension, ArrayRef<int64_t> cuts) {
  int64_t range = op.getStaticLoopRanges()[dimension];
  SmallVector<linalg::LinalgOp> pieces;
  auto rest = llvm::cast<TilingInterface>(op.getOperation());
  int64_t done = 0;
  for (int64_t cut : cuts) {
    if (cut <= done || cut >= range)
      continue;
    rewriter.setInsertionPoint(rest);
    auto [piece, remainder] =
        linalg::splitOp(rewriter, rest, dimension, rewriter.getIndexAttr(cut - done));
    if (!piece || !remainder)
      break;
    pieces.push_back(llvm::cast<linalg::LinalgOp>(piece.getOperation()));
    rest = remainder;
    done = cut;
  }
  pieces.push_back(llvm::cast<linalg::LinalgOp>(rest.getOperation()));
  return pieces;
}

} // namespace

SmallVector<TapPad> findPadsReadByTaps(func::FuncOp func) {
  SmallVector<TapPad> pads;
  for (auto insert : func.getBody().getOps<tensor::InsertSliceOp>()) {
    std::optional<TapPad> pad = matchPad(insert);
    if (!pad || insert->use_empty())
      continue;
    bool onlyTaps = llvm::all_of(insert->getUsers(), [](Operation *user) {
      auto tap = llvm::dyn_cast<tensor::ExtractSliceOp>(user);
      return tap && tap.getResultType().getRank() == 4 && !tap->use_empty() &&
             llvm::all_of(tap->getUsers(), [&](Operation *reader) {
               return readsAlongRows(reader, tap.getResult());
             });
    });
    if (onlyTaps)
      pads.push_back(*pad);
  }
  return pads;
}

namespace {

/// How many output rows of `width` elements of `bits` a register tile of
/// taps takes at most: kMaxTapTileVectors accumulators, and
/// kMaxStridedTapTileRows rows at a row stride above 1.
int64_t maxTapTileRows(int64_t width, int64_t bits, int64_t rowStride) {
  int64_t vectorsPerRow = llvm::divideCeil(width * bits, kVectorRegisterBits);
  int64_t rows = std::max<int64_t>(1, kMaxTapTileVectors / vectorsPerRow);
  return rowStride > 1 ? std::min(rows, kMaxStridedTapTileRows) : rows;
}

/// How the taps of pads that `op` reads lie along the rows: the largest row
/// and column strides, and whether all start at constant rows (a thread
/// tile holding whole planes). std::nullopt when `op` reads no tap or a
/// stride is not known.
struct TapRows {
  int64_t stride = 1;
  int64_t columnStride = 1;
  bool constantOffsets = true;
};
std::optional<TapRows> tapRows(RewriterBase &rewriter, linalg::GenericOp op,
                               const llvm::DenseMap<Value, TapPad> &padOf) {
  TapRows result;
  bool anyTap = false;
  for (OpOperand *operand : op.getDpsInputOperands()) {
    std::optional<TapOperand> tap = matchTapOperand(rewriter, op, operand->get(), padOf);
    if (!tap)
      continue;
    std::optional<int64_t> stride = getConstantIntValue(tap->strides[2]);
    std::optional<int64_t> columnStride = getConstantIntValue(tap->strides[3]);
    if (!stride || !columnStride)
      return std::nullopt;
    result.stride = std::max(result.stride, *stride);
    result.columnStride = std::max(result.columnStride, *columnStride);
    result.constantOffsets &= getConstantIntValue(tap->offsets[2]).has_value();
    anyTap = true;
  }
  if (!anyTap)
    return std::nullopt;
  return result;
}

} // namespace

std::optional<TapTiles> tapRegisterTiles(RewriterBase &rewriter, linalg::LinalgOp op,
                                         ArrayRef<TapPad> pads, bool whole) {
  auto generic = llvm::dyn_cast<linalg::GenericOp>(op.getOperation());
  if (pads.empty() || !generic || generic.getNumLoops() != 4 ||
      generic.getNumParallelLoops() != 4 || !generic.hasPureTensorSemantics() ||
      generic.getNumDpsInits() != 1)
    return std::nullopt;
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  int64_t rows = ranges[2], columns = ranges[3];
  Type elementType = getElementTypeOrSelf(generic.getDpsInits()[0].getType());
  if (!elementType.isIntOrFloat())
    return std::nullopt;
  int64_t bits = elementType.getIntOrFloatBitWidth();
  std::optional<TilingPlan> plan = planTiling(op, /*allowThreads=*/false);
  if (!plan || plan->vectorTiles != ArrayRef<int64_t>{1, 1, 1, plan->vectorTiles[3]})
    return std::nullopt;
  std::optional<TapRows> taps = tapRows(rewriter, generic, byResult(pads));
  if (!taps)
    return std::nullopt;
  // A small plane whole, when the thread tile holds whole planes (the taps'
  // rows at constant offsets). Rows and columns stay untiled: a tile of
  // their whole range would be a loop of one iteration, whose induction
  // variable hides the constant offsets.
  if (whole && taps->constantOffsets && rows > 1 && rows * columns <= kMaxPlaneLanes &&
      columns == plan->vectorTiles[3] && columns * bits < kVectorRegisterBits) {
    VectorRegisters registers = vectorRegisters(op);
    int64_t vectorsPerRow = llvm::divideCeil(columns * bits, registers.bytes * 8);
    int64_t live = rows * vectorsPerRow * (taps->columnStride > 1 ? 2 : 1);
    int64_t tileRows = largestDivisorAtMost(
        rows, std::max<int64_t>(1, kPlaneRowTileVectors / vectorsPerRow));
    if (live <= (registers.count - 2) / 2 || tileRows == rows)
      return TapTiles{{1, 1, 0, 0}, /*unrollRows=*/false};
    return TapTiles{{1, 1, tileRows, 0}, /*unrollRows=*/true};
  }
  // Otherwise rows of one register tile's columns, as many as keep
  // kMaxTapTileVectors accumulators.
  int64_t width = plan->vectorTiles[3];
  int64_t tileRows = largestDivisorAtMost(rows, maxTapTileRows(width, bits, taps->stride));
  if (tileRows < 2 || columns != width)
    return std::nullopt;
  return TapTiles{{1, 1, tileRows, width}, /*unrollRows=*/false};
}

SmallVector<linalg::LinalgOp> splitAtPadBorders(RewriterBase &rewriter, linalg::LinalgOp op,
                                                ArrayRef<TapPad> pads) {
  auto generic = llvm::dyn_cast<linalg::GenericOp>(op.getOperation());
  if (pads.empty() || !generic || generic.getNumLoops() != 4 ||
      generic.getNumParallelLoops() != 4 || !generic.hasPureTensorSemantics())
    return {op};
  // A small plane is one register tile, its rows read one by one.
  std::optional<TapTiles> tiles = tapRegisterTiles(rewriter, op, pads, /*whole=*/true);
  if (tiles && (tiles->sizes[2] == 0 || tiles->unrollRows))
    return {op};
  std::optional<std::pair<int64_t, int64_t>> inside = rowsInside(rewriter, generic, byResult(pads));
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  int64_t rows = ranges[2], columns = ranges[3];
  std::optional<TilingPlan> plan = planTiling(op, /*allowThreads=*/false);
  if (!inside || inside->first + (rows - inside->second) > kMaxBorderRows || !plan ||
      columns % plan->vectorTiles[3] != 0 || columns / plan->vectorTiles[3] > kMaxColumnTiles)
    return {op};
  // Rows: each border row alone, the inside rows together, in a multiple of
  // the rows of a register tile and the rest.
  std::optional<TapRows> taps = tapRows(rewriter, generic, byResult(pads));
  int64_t tileRows = maxTapTileRows(
      plan->vectorTiles[3],
      getElementTypeOrSelf(generic.getDpsInits()[0].getType()).getIntOrFloatBitWidth(),
      taps ? taps->stride : 1);
  SmallVector<int64_t> rowCuts;
  for (int64_t y = 1; y <= inside->first; ++y)
    rowCuts.push_back(y);
  int64_t insideRows = inside->second - inside->first;
  if (insideRows > tileRows && insideRows % tileRows != 0)
    rowCuts.push_back(inside->first + insideRows / tileRows * tileRows);
  rowCuts.push_back(inside->second);
  for (int64_t y = inside->second + 1; y < rows; ++y)
    rowCuts.push_back(y);
  // Columns: one register tile wide each.
  SmallVector<int64_t> columnCuts;
  for (int64_t x = plan->vectorTiles[3]; x < columns; x += plan->vectorTiles[3])
    columnCuts.push_back(x);
  SmallVector<linalg::LinalgOp> pieces;
  for (linalg::LinalgOp rowPiece : splitAt(rewriter, op, /*dimension=*/2, rowCuts))
    llvm::append_range(pieces, splitAt(rewriter, rowPiece, /*dimension=*/3, columnCuts));
  return pieces;
}

void readTapsAroundPads(func::FuncOp func, ArrayRef<TapPad> pads) {
  if (pads.empty())
    return;
  llvm::DenseMap<Value, TapPad> padOf = byResult(pads);
  SmallVector<linalg::GenericOp> tiles;
  func.walk([&](linalg::GenericOp tile) {
    if (tile->getParentOfType<scf::ForOp>())
      tiles.push_back(tile);
  });
  IRRewriter rewriter(func.getContext());
  for (linalg::GenericOp tile : tiles) {
    for (OpOperand *operand : tile.getDpsInputOperands()) {
      auto tileType = llvm::dyn_cast<RankedTensorType>(operand->get().getType());
      if (!tileType || !tileType.hasStaticShape() || tileType.getRank() != 4 ||
          tileType.getDimSize(0) != 1 || tileType.getDimSize(1) != 1)
        continue;
      std::optional<TapOperand> tap = matchTapOperand(rewriter, tile, operand->get(), padOf);
      if (!tap)
        continue;
      // A tap this cannot serve keeps reading the padded tensor.
      FailureOr<Value> read = readTapTile(rewriter, tile, *tap, tileType);
      if (succeeded(read))
        rewriter.modifyOpInPlace(tile, [&] { operand->set(*read); });
    }
  }
  for (TapPad pad : pads) {
    eraseUnreadSlices(rewriter, pad.insert.getResult());
    if (!pad.insert->use_empty())
      continue;
    Operation *fill = pad.insert.getDest().getDefiningOp();
    rewriter.eraseOp(pad.insert);
    eraseIfUnread(rewriter, fill);
  }
}

} // namespace kiln::cpu
