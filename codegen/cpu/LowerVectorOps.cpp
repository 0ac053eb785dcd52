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

#include "codegen/cpu/ForallUtils.h"
#include "codegen/cpu/Passes.h"
#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
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

/// maximumf(x, +0.0) -> maximumf(x, -0.0) + 0.0, scalar or splat: ReLU
/// and Clip at zero. x86's vmaxps returns its second operand when both are
/// zeros or either is a NaN, which is exactly maximum(x, -0.0) with x
/// second: one instruction, where maximum(x, +0.0) also needs a NaN check
/// and a blend (LLVM's lowering: six instructions). maximum(x, -0.0) is
/// -0.0 for every negative x, where ReLU's is +0.0 (numpy's and ONNX
/// Runtime's; the sign shows in a division by the result), so the + 0.0
/// (one vaddps) turns that -0.0 into +0.0 and leaves every other value,
/// NaNs included, as it is. With select-min-max only (x86): AArch64's fmax
/// is IEEE's maximum in one instruction.
struct ReluAsVmaxps : OpRewritePattern<arith::MaximumFOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::MaximumFOp op, PatternRewriter &rewriter) const override {
    for (unsigned i = 0; i < 2; ++i) {
      Value bound = op->getOperand(i);
      if (!matchPattern(bound, m_PosZeroFloat()))
        continue;
      Type elementType = getElementTypeOrSelf(bound.getType());
      auto zero = [&](double value) -> Value {
        TypedAttr attr = rewriter.getFloatAttr(elementType, value);
        if (auto shaped = llvm::dyn_cast<ShapedType>(bound.getType()))
          attr = SplatElementsAttr::get(shaped, ArrayRef<Attribute>{attr});
        return arith::ConstantOp::create(rewriter, op.getLoc(), attr);
      };
      Value negative = zero(-0.0);
      rewriter.modifyOpInPlace(op, [&] { op->setOperand(i, negative); });
      rewriter.setInsertionPointAfter(op);
      auto positive = arith::AddFOp::create(rewriter, op.getLoc(), op.getResult(), zero(0.0));
      rewriter.replaceAllUsesExcept(op.getResult(), positive.getResult(), positive);
      return success();
    }
    return failure();
  }
};

/// maximumf(x, y) -> select(isnan(y), y, select(y > x, y, x)), and
/// minimumf alike with y < x, where neither operand is a constant (a max
/// pool's taps, an elementwise Max): LLVM lowers the selects on x86 to two
/// compares, a mask or and a masked move, where its lowering of IEEE's
/// maximum takes 6 instructions (it orders the operands by sign first, so
/// that +0.0 beats -0.0). NaNs propagate from either operand (none are
/// looked for under the nnan flag); of two zeros of opposite signs the
/// result is x, as numpy's maximum (minimum) gives. The pass does not know
/// the target: the driver turns option select-min-max off for AArch64,
/// whose fmax is IEEE's maximum in one instruction.
template <typename OpTy, arith::CmpFPredicate yWins>
struct MinMaxAsSelect : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    Value x = op.getLhs(), y = op.getRhs();
    if (matchPattern(x, m_Constant()) || matchPattern(y, m_Constant()))
      return rewriter.notifyMatchFailure(op, "a constant bound (ReLU's: ReluAsVmaxps)");
    Location loc = op.getLoc();
    arith::FastMathFlags flags = op.getFastmath();
    Value wins = arith::CmpFOp::create(rewriter, loc, yWins, y, x, flags);
    Value picked = arith::SelectOp::create(rewriter, loc, wins, y, x);
    if (arith::bitEnumContainsAll(flags, arith::FastMathFlags::nnan)) {
      rewriter.replaceOp(op, picked);
      return success();
    }
    Value nan = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::UNO, y, y, flags);
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, nan, y, picked);
    return success();
  }
};

/// vector.multi_reduction over dimensions whose kept dimensions are all unit
/// (a row's sum or maximum: LayerNorm's mean and variance, Softmax's
/// maximum and sum) -> one vector.reduction of the flattened source, which
/// LLVM lowers to a tree of full-width operations. The upstream lowering
/// (InnerParallel, right for reductions over outer dimensions, where it
/// gives whole-vector operations) makes such a row a chain of one-element
/// operations, each waiting on the last: 64 dependent additions for 64
/// floats, and for a maximum a NaN-handling sequence per element.
struct RowReductionToReduction : OpRewritePattern<vector::MultiDimReductionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::MultiDimReductionOp op,
                                PatternRewriter &rewriter) const override {
    VectorType sourceType = op.getSourceVectorType();
    if (sourceType.isScalable() || op.isMasked())
      return failure();
    SmallVector<bool> reduced = op.getReductionMask();
    int64_t elements = 1;
    for (auto [size, isReduced] : llvm::zip(sourceType.getShape(), reduced)) {
      if (!isReduced && size != 1)
        return failure();
      elements *= size;
    }
    if (elements < 2)
      return failure();
    Location loc = op.getLoc();
    Type elementType = sourceType.getElementType();
    Value flat = vector::ShapeCastOp::create(rewriter, loc, VectorType::get({elements}, elementType),
                                             op.getSource());
    Value acc = op.getAcc();
    auto accType = llvm::dyn_cast<VectorType>(acc.getType());
    if (accType)
      acc = vector::ExtractOp::create(rewriter, loc, acc,
                                      SmallVector<int64_t>(accType.getRank(), 0));
    Value result = vector::ReductionOp::create(rewriter, loc, op.getKind(), flat, acc);
    if (accType)
      result = vector::BroadcastOp::create(rewriter, loc, accType, result);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// transpose(broadcast(v)) where v's dimensions keep their order -> a
/// broadcast of v (unit dimensions added where the result spreads it): the
/// pixel-major epilogue's bias, one value per filter, needs no transpose.
struct TransposeOfBroadcast : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    auto broadcast = op.getVector().getDefiningOp<vector::BroadcastOp>();
    auto sourceType = broadcast ? llvm::dyn_cast<VectorType>(broadcast.getSourceType())
                                : VectorType();
    if (!sourceType || sourceType.isScalable())
      return failure();
    VectorType broadcastType = broadcast.getResultVectorType();
    int64_t lead = broadcastType.getRank() - sourceType.getRank();
    // Each result dimension takes v's dimension (perm - lead) or is spread.
    SmallVector<int64_t> shape;
    int64_t last = -1;
    for (int64_t from : op.getPermutation()) {
      int64_t d = from - lead;
      if (d >= 0 && sourceType.getDimSize(d) != 1) {
        if (d < last)
          return failure();
        last = d;
        shape.push_back(sourceType.getDimSize(d));
      } else {
        shape.push_back(1);
      }
    }
    Location loc = op.getLoc();
    Value v = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get(shape, sourceType.getElementType()),
        broadcast.getSource());
    rewriter.replaceOpWithNewOp<vector::BroadcastOp>(op, op.getResultVectorType(), v);
    return success();
  }
};

/// An n-D transpose that, unit dimensions aside, moves a trailing group of
/// dimensions before the leading group (the pixel-major epilogue's [2, 7,
/// 16] -> [16, 2, 7]) -> a 2-D transpose between shape casts.
struct TransposeOfGroups : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    VectorType type = op.getSourceVectorType();
    if (type.isScalable() || type.getRank() <= 2)
      return failure();
    SmallVector<int64_t> order;
    for (int64_t from : op.getPermutation())
      if (type.getDimSize(from) != 1)
        order.push_back(from);
    // order must be a rotation of the source's non-unit dimensions.
    if (order.size() < 2)
      return failure();
    SmallVector<int64_t> sorted(order);
    llvm::sort(sorted);
    auto split = llvm::find(order, sorted.front());
    if (split == order.begin() ||
        !std::equal(split, order.end(), sorted.begin()) ||
        !std::equal(order.begin(), split, sorted.begin() + (order.end() - split)))
      return failure();
    int64_t rows = 1, columns = 1;
    for (int64_t d : llvm::make_range(split, order.end()))
      rows *= type.getDimSize(d);
    for (int64_t d : llvm::make_range(order.begin(), split))
      columns *= type.getDimSize(d);
    Location loc = op.getLoc();
    Type element = type.getElementType();
    Value matrix = vector::ShapeCastOp::create(
        rewriter, loc, VectorType::get({rows, columns}, element), op.getVector());
    Value transposed = vector::TransposeOp::create(rewriter, loc, matrix, ArrayRef<int64_t>{1, 0});
    rewriter.replaceOpWithNewOp<vector::ShapeCastOp>(op, op.getResultVectorType(), transposed);
    return success();
  }
};

/// A 2-D transpose of 32-bit elements with one side a whole register of 16
/// and the other shorter (the pixel-major epilogue's 14 x 16 or 7 x 16
/// tiles) -> the same transpose padded to 16 x 16, which lowers to 64
/// shuffles (Shuffle16x16) where the element-wise lowering takes one insert
/// per element.
constexpr llvm::StringLiteral kShuffledTransposeAttr = "kiln.shuffled_transpose";

/// Whether `type` is a 2-D fixed-size vector of 32-bit elements, the
/// transposes the 16 x 16 shuffle lowering takes.
bool isShuffleableTranspose(VectorType type) {
  return type.getRank() == 2 && !type.isScalable() && type.getElementType().isIntOrFloat() &&
         type.getElementType().getIntOrFloatBitWidth() == 32;
}

struct PadTransposeTo16x16 : OpRewritePattern<vector::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    VectorType type = op.getSourceVectorType();
    if (!isShuffleableTranspose(type))
      return failure();
    int64_t rows = type.getDimSize(0), columns = type.getDimSize(1);
    int64_t shortSide = std::min(rows, columns);
    if (std::max(rows, columns) != kSquareSide || shortSide == kSquareSide ||
        shortSide < kMinShortSide)
      return failure();
    Location loc = op.getLoc();
    auto square = VectorType::get({kSquareSide, kSquareSide}, type.getElementType());
    Value padded = vector::InsertStridedSliceOp::create(
        rewriter, loc, op.getVector(),
        arith::ConstantOp::create(rewriter, loc, square, rewriter.getZeroAttr(square)),
        ArrayRef<int64_t>{0, 0}, ArrayRef<int64_t>{1, 1});
    auto transposed =
        vector::TransposeOp::create(rewriter, loc, padded, ArrayRef<int64_t>{1, 0});
    transposed->setAttr(kShuffledTransposeAttr, rewriter.getUnitAttr());
    rewriter.replaceOpWithNewOp<vector::ExtractStridedSliceOp>(
        op, transposed, ArrayRef<int64_t>{0, 0}, ArrayRef<int64_t>{columns, rows},
        ArrayRef<int64_t>{1, 1});
    return success();
  }
  static constexpr int64_t kSquareSide = 16;
  /// Tiles narrower than 7 stay element-wise, where 64 shuffles would cost
  /// more than moving their elements one by one (padding was measured
  /// faster at 7 and 14).
  static constexpr int64_t kMinShortSide = 7;
};

/// `index` + `n` (`index` itself for 0).
Value offsetIndex(OpBuilder &b, Location loc, Value index, int64_t n) {
  if (n == 0)
    return index;
  return arith::AddIOp::create(b, loc, index, arith::ConstantIndexOp::create(b, loc, n));
}

/// `index` + `n` (n > 0), but at most the last index of dimension `dim` of
/// `base`: where a software prefetch runs ahead of the reads, it stays
/// inside their buffer. Past the buffer it would not fault, but where the
/// next page is not mapped every such prefetch costs a page walk that
/// fails (and leaves no translation in the TLB to make the next one
/// cheap). On a Zen 1 core, `perf annotate` put 64% of a 1024^3 SGEMM's
/// samples (2-row tiles) on the prefetches of its panels, whose last one
/// prefetched the "next" panel past the weights; with 8-row tiles, keeping
/// them inside took it from 126 to 113 ms (docs/performance.md,
/// twenty-eighth round).
Value offsetIndexWithin(OpBuilder &b, Location loc, Value base, int64_t dim, Value index,
                        int64_t n) {
  auto type = llvm::cast<MemRefType>(base.getType());
  Value last;
  if (type.isDynamicDim(dim)) {
    Value size = memref::DimOp::create(b, loc, base, dim);
    last = arith::SubIOp::create(b, loc, size, arith::ConstantIndexOp::create(b, loc, 1));
  } else {
    last = arith::ConstantIndexOp::create(b, loc, type.getDimSize(dim) - 1);
  }
  return arith::MinSIOp::create(b, loc, offsetIndex(b, loc, index, n), last);
}

/// How far ahead (bytes of the panel) a tap product prefetches its B panel
/// when it reads each panel row once: 8 KiB, 64 rows of 32 floats (8 input
/// channels of a 3x3 tap view, rounded up to whole channels).
constexpr int64_t kPanelPrefetchBytes = 64 * kPackedPanelWidth * 4;

/// Bytes one prefetch brings in: a cache line on the x86 and AArch64 cores
/// we target.
constexpr int64_t kCacheLineBytes = 64;

/// Whether the K loop `loop` reading B panels through `read` runs more than
/// once per panel: an enclosing loop of a known trip count above one that no
/// index of the read depends on sits between it and the loop that walks the
/// panels (index 0), as in the pixel-major and tap products, which pass over
/// one K block of a panel once per row of pixels, and in packed matmuls,
/// once per register tile of rows. Loops of unknown trip count (an outlined
/// task's loop over its share) do not count: a one-row product whose task
/// holds one panel reads each row once.
bool rereadsPanel(vector::TransferReadOp read, scf::ForOp loop) {
  for (auto outer = loop->getParentOfType<scf::ForOp>(); outer;
       outer = outer->getParentOfType<scf::ForOp>()) {
    Value iv = outer.getInductionVar();
    if (derivesFrom(read.getIndices()[0], iv))
      return false;
    if (llvm::any_of(read.getIndices(), [&](Value index) { return derivesFrom(index, iv); }))
      continue;
    std::optional<APInt> trips = outer.getStaticTripCount();
    if (trips && trips->ugt(1))
      return true;
  }
  return false;
}

/// Software prefetch for the micro-kernel's B panels: a read of one panel row
/// (vector<NR> from a [J, K, NR] buffer, or from a tap product's [J, C, KH,
/// KW, NR] view of one) inside a loop that walks one of its K dimensions may
/// get prefetches of rows it will read later. Weights streamed from memory
/// once per run (BERT-base's 340 MB, ResNet-50's later stages) are consumed
/// at a row of 128 bytes every few cycles by the products that reuse each
/// row for several rows of pixels or tokens; the hardware prefetchers, which
/// stop at page boundaries, do not run far enough ahead to hide memory
/// latency at that rate there. Every prefetch stays inside the panels
/// (offsetIndexWithin): the last panel prefetches itself again. Three
/// cases:
///
/// - A K loop that runs more than once per panel (rereadsPanel) reads the
///   panel's K block from memory in its first pass only, at the kernel's
///   full rate (on AVX-512, a 7 x 32 tile: 128 bytes every 14 FMAs),
///   faster than one core draws from memory; the later passes hit L1. Every pass instead
///   prefetches the same row of the next panel, all its cache lines, into
///   L2, so the next panel's first pass finds its block there: the memory
///   traffic is spread over all the passes. ResNet-50's 512-to-2048 1x1
///   convolutions at 7x7 take 0.84 of the time this way in a chain of them
///   with weights from memory (`bench/layers.py chain1x1_512to2048_7`), as
///   fast as the same chain whose weights stay in cache; the first line
///   only, or rows ahead in the same panel besides, measured 0.86-1.00
///   (docs/performance.md, nineteenth round).
/// - A tap product's read in its KW loop that reads each row once
///   prefetches the same tap kPanelPrefetchBytes further along C (8 input
///   channels of a 3x3 window, 72 rows) into L1.
/// - A [J, K, NR] panel read once per row (a one-row product: an LSTM or
///   GRU step, a fully connected layer on one row) gets none. Its K loop
///   draws a row per two FMAs (AVX-512), which the hardware's stream
///   prefetchers follow; a software prefetch per row only took load slots.
///   Without it gru took 0.83 | 0.89 of the time (1 | 2 threads), lstm
///   0.90 | 0.67, and four fully connected layers with 64 MB of weights
///   from memory (`bench/layers.py fc_chain_2048`) 0.97 | 1.01
///   (docs/performance.md, twenty-fourth round).
void prefetchPanels(func::FuncOp func) {
  struct Prefetch {
    vector::TransferReadOp read;
    bool nextPanel;
    int64_t steps;
  };
  SmallVector<Prefetch> prefetches;
  func.walk([&](vector::TransferReadOp read) {
    auto type = llvm::dyn_cast<MemRefType>(read.getBase().getType());
    VectorType vectorType = read.getVectorType();
    int64_t rank = type ? type.getRank() : 0;
    // Panels [J, K, NR] or a tap product's contiguous [J, C, KH, KW, NR]
    // view of them. (Other contiguous rank-5 buffers with 32-wide rows, read
    // in a loop, would get a prefetch that does no harm.)
    if ((rank != 3 && !(rank == 5 && type.getLayout().isIdentity())) ||
        !type.hasStaticShape() || !type.getElementType().isIntOrFloat() ||
        type.getDimSize(rank - 1) != kPackedPanelWidth || vectorType.getRank() != 1 ||
        vectorType.getDimSize(0) != kPackedPanelWidth)
      return;
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) || strides[rank - 1] != 1 ||
        strides[rank - 2] != kPackedPanelWidth || ShapedType::isDynamic(strides[1]) ||
        strides[1] <= 0)
      return;
    auto loop = llvm::dyn_cast<scf::ForOp>(read->getParentOp());
    if (!loop)
      return;
    bool alongK = llvm::any_of(llvm::seq<int64_t>(1, rank - 1), [&](int64_t d) {
      return derivesFrom(read.getIndices()[d], loop.getInductionVar());
    });
    if (!alongK)
      return;
    bool nextPanel = rereadsPanel(read, loop);
    if (!nextPanel && rank == 3)
      return;
    int64_t rowBytes = strides[1] * type.getElementTypeBitWidth() / 8;
    prefetches.push_back({read, nextPanel,
                          static_cast<int64_t>(llvm::divideCeil(kPanelPrefetchBytes, rowBytes))});
  });
  for (Prefetch &p : prefetches) {
    OpBuilder b(p.read);
    Location loc = p.read.getLoc();
    Value base = p.read.getBase();
    SmallVector<Value> indices(p.read.getIndices());
    auto plus = [&](Value index, int64_t n) { return offsetIndex(b, loc, index, n); };
    if (!p.nextPanel) {
      indices[1] = offsetIndexWithin(b, loc, base, 1, indices[1], p.steps);
      memref::PrefetchOp::create(b, loc, base, indices, /*isWrite=*/false,
                                 /*localityHint=*/3, /*isDataCache=*/true);
      continue;
    }
    indices[0] = offsetIndexWithin(b, loc, base, 0, indices[0], 1);
    auto type = llvm::cast<MemRefType>(base.getType());
    int64_t lineElements =
        std::max<int64_t>(1, kCacheLineBytes * 8 / type.getElementTypeBitWidth());
    Value column = indices.back();
    for (int64_t first = 0; first < kPackedPanelWidth; first += lineElements) {
      indices.back() = plus(column, first);
      memref::PrefetchOp::create(b, loc, base, indices, /*isWrite=*/false,
                                 /*localityHint=*/2, /*isDataCache=*/true);
    }
  }
}

/// Most rows one epilogue read may prefetch (its leading vector dimensions
/// unrolled): a register tile's worth.
constexpr int64_t kMaxPrefetchedRows = 64;

/// Most rows one epilogue read's prefetches may cover: the pixel-major
/// tasks' epilogues have up to 16 x 7 x 2 x 8 x 2 rows.
constexpr int64_t kMaxPrefetchedRowsPerProduct = 1 << 14;

/// The buffer `view` looks into, through subviews and reshapes (not through
/// memref.view: the workspace's distinct buffers are distinct views of it).
Value viewedBuffer(Value view) {
  while (auto def = view.getDefiningOp<ViewLikeOpInterface>()) {
    if (llvm::isa<memref::ViewOp>(def.getOperation()))
      break;
    view = def.getViewSource();
  }
  return view;
}

/// A read after a product that gets prefetched before it: `loops` are the
/// scf.for loops between `product` (which they follow in one block) and the
/// read, outermost first.
struct EpilogueRead {
  vector::TransferReadOp read;
  Operation *product;
  SmallVector<scf::ForOp> loops;
};

/// Whether `value` can be recomputed right before `point`, inside clones of
/// `loops`: it is available there, or is one of the loops' induction
/// variables, or comes from side-effect-free ops (index arithmetic, views)
/// on such values.
bool recomputable(Value value, Operation *point, ArrayRef<scf::ForOp> loops, DominanceInfo &dom,
                  int depth = 8) {
  if (dom.properlyDominates(value, point))
    return true;
  if (llvm::any_of(loops, [&](scf::ForOp loop) { return loop.getInductionVar() == value; }))
    return true;
  Operation *def = value.getDefiningOp();
  if (!def || depth == 0 || def->getNumRegions() != 0 || !isMemoryEffectFree(def))
    return false;
  return llvm::all_of(def->getOperands(), [&](Value operand) {
    return recomputable(operand, point, loops, dom, depth - 1);
  });
}

Value recompute(OpBuilder &b, Value value, Operation *point, IRMapping &mapping,
                DominanceInfo &dom) {
  if (Value mapped = mapping.lookupOrNull(value))
    return mapped;
  if (dom.properlyDominates(value, point))
    return value;
  Operation *def = value.getDefiningOp();
  for (Value operand : def->getOperands())
    recompute(b, operand, point, mapping, dom);
  Operation *clone = b.clone(*def, mapping);
  return clone->getResult(llvm::cast<OpResult>(value).getResultNumber());
}

/// Prefetches every cache line of the `width` elements of `base` from
/// `indices` on: the first element of each line and the last (a run need
/// not start on a line). Offsets go on the last index (prefetch addresses
/// are linear in the indices; a run need not stay within a dimension).
void prefetchRun(OpBuilder &b, Location loc, Value base, SmallVector<Value> indices,
                 int64_t width, int localityHint) {
  auto type = llvm::cast<MemRefType>(base.getType());
  int64_t lineElements =
      std::max<int64_t>(1, kCacheLineBytes * 8 / type.getElementTypeBitWidth());
  SmallVector<int64_t> columns;
  for (int64_t c = 0; c < width; c += lineElements)
    columns.push_back(c);
  if ((width - 1) % lineElements != 0)
    columns.push_back(width - 1);
  Value first = indices.back();
  for (int64_t c : columns) {
    indices.back() = offsetIndex(b, loc, first, c);
    memref::PrefetchOp::create(b, loc, base, indices, /*isWrite=*/false, localityHint,
                               /*isDataCache=*/true);
  }
}

/// Whether `value` feeds a product (the accumulator or an operand of one),
/// through at most `depth` other ops.
bool feedsProduct(Value value, int depth) {
  return llvm::any_of(value.getUsers(), [&](Operation *user) {
    if (llvm::isa<vector::ContractionOp, vector::OuterProductOp, vector::FMAOp>(user))
      return true;
    return depth > 0 && llvm::any_of(user->getResults(), [&](Value result) {
             return feedsProduct(result, depth - 1);
           });
  });
}

/// How far ahead, in taps of the filter window, a channel-major tap product
/// prefetches its input rows: four input channels of a 3x3 kernel, about
/// 600 cycles of its 8 x 32 register tile's FMAs on AVX-512.
constexpr int64_t kTapRowPrefetchTaps = 36;

/// Software prefetch for a channel-major tap product's input rows (a 3x3
/// convolution at unit width stride: U-Net's). Its register tile reads, for
/// each input channel c and kernel row kh, one row of the padded input
/// [N, C, H, W] at each of the KW column taps: a vector of 32 pixels at
/// columns x + kw, an operand of the tile's outer products. Each (c, kh) is
/// a row of a different plane, a stream of a few lines of its own that the
/// hardware prefetchers do not follow, and the first filter block to pass
/// over a register tile's pixels waited for every such row from L2 or
/// beyond (`perf annotate`: 13% of a 96-to-48-channel 256x256 layer's
/// samples on its first tap's loads). Before the KW loop, every line of the
/// row that the taps of the channel kTapRowPrefetchTaps / (KH * KW) ahead
/// will read is prefetched into L1 (near the last channel, the last one's
/// row again: offsetIndexWithin).
void prefetchTapRows(func::FuncOp func) {
  struct TapRead {
    vector::TransferReadOp read;
    int64_t channelsAhead;
    /// The columns the KW taps read, from the first tap's first to the last
    /// tap's last (the taps one column apart; with a dilated kernel the
    /// last line or two go without a prefetch, which costs nothing but
    /// the prefetch's gain).
    int64_t span;
  };
  SmallVector<TapRead> reads;
  DominanceInfo dom(func);
  func.walk([&](vector::TransferReadOp read) {
    auto type = llvm::dyn_cast<MemRefType>(read.getBase().getType());
    if (!type || type.getRank() != 4 || read.getVectorType().getRank() != 1 ||
        read.getVectorType().getDimSize(0) != kPackedPanelWidth ||
        !read.getPermutationMap().isMinorIdentity() ||
        !feedsProduct(read.getResult(), 3))
      return;
    // The loops c > kh > kw directly around the read, each moving its index.
    SmallVector<scf::ForOp> loops;
    for (Operation *op = read->getParentOp(); loops.size() < 3; op = op->getParentOp()) {
      auto loop = llvm::dyn_cast<scf::ForOp>(op);
      if (!loop || !derivesFrom(read.getIndices()[3 - loops.size()], loop.getInductionVar()))
        return;
      loops.push_back(loop);
    }
    std::optional<APInt> kw = loops[0].getStaticTripCount(), kh = loops[1].getStaticTripCount();
    if (!kw || !kh || kw->isZero() || kh->isZero())
      return;
    // Its base and indices, the KW loop's at its first iteration, can be
    // computed before that loop.
    SmallVector<Value> needed(read.getIndices());
    needed.push_back(read.getBase());
    if (!llvm::all_of(needed, [&](Value v) { return recomputable(v, loops[0], loops[0], dom); }))
      return;
    int64_t window = kw->getZExtValue() * kh->getZExtValue();
    reads.push_back({read, static_cast<int64_t>(llvm::divideCeil(kTapRowPrefetchTaps, window)),
                     read.getVectorType().getDimSize(0) +
                         static_cast<int64_t>(kw->getZExtValue()) - 1});
  });
  for (TapRead &tap : reads) {
    vector::TransferReadOp read = tap.read;
    auto kwLoop = llvm::cast<scf::ForOp>(read->getParentOp());
    OpBuilder b(kwLoop);
    Location loc = read.getLoc();
    IRMapping mapping;
    mapping.map(kwLoop.getInductionVar(), kwLoop.getLowerBound());
    Value base = recompute(b, read.getBase(), kwLoop, mapping, dom);
    SmallVector<Value> indices;
    for (Value index : read.getIndices())
      indices.push_back(recompute(b, index, kwLoop, mapping, dom));
    indices[1] = offsetIndexWithin(b, loc, base, 1, indices[1], tap.channelsAhead);
    prefetchRun(b, loc, base, std::move(indices), tap.span, /*localityHint=*/3);
  }
}

/// Software prefetch of what a product's epilogue reads from memory. A
/// convolution's epilogue that adds a residual (ResNet's identity
/// shortcuts) reads the block's input, which the weights read since the
/// block began have pushed out of L2: its rows (16 filters' runs of 7 pixels
/// in a pixel-major tile, 8 filters' runs of 32 in a flat one), each a few
/// lines of a different page, came from L3 at its latency, a third of such
/// a convolution's time at 14x14 (layer3 of ResNet-50). A read that follows
/// a loop nest holding the product in the same block (the task's product
/// nest before its epilogue nest, or a register tile's K loop before its
/// epilogue), in bounds, not feeding a later product, from a buffer
/// neither the product nor the ops after it in that block write, gets a
/// copy of its loops placed before the product that prefetches every line
/// its rows touch into L2, where the product's long run leaves time for
/// them to arrive.
void prefetchEpilogueReads(func::FuncOp func) {
  DominanceInfo dom(func);
  // Ops that are or hold a product, and for each op the nearest one before
  // it in its block (one pass over each block, so that a large function
  // costs linear time).
  llvm::DenseSet<Operation *> products;
  func.walk<WalkOrder::PostOrder>([&](Operation *op) {
    if (llvm::isa<vector::ContractionOp, vector::OuterProductOp, vector::FMAOp>(op) ||
        llvm::any_of(op->getRegions(), [&](Region &region) {
          return llvm::any_of(region.getOps(), [&](Operation &inner) {
            return products.contains(&inner);
          });
        }))
      products.insert(op);
  });
  llvm::DenseMap<Operation *, Operation *> productBefore;
  auto previousProduct = [&](Operation *op) -> Operation * {
    Block *block = op->getBlock();
    if (!productBefore.contains(&block->front())) {
      Operation *last = nullptr;
      for (Operation &sibling : *block) {
        productBefore[&sibling] = last;
        if (products.contains(&sibling))
          last = &sibling;
      }
    }
    return productBefore.lookup(op);
  };
  SmallVector<EpilogueRead> found;
  func.walk([&](vector::TransferReadOp read) {
    auto type = llvm::dyn_cast<MemRefType>(read.getBase().getType());
    VectorType vectorType = read.getVectorType();
    if (!type || vectorType.getRank() < 2 || vectorType.isScalable() || read.getMask() ||
        !read.getPermutationMap().isMinorIdentity() || !type.getElementType().isIntOrFloat() ||
        !llvm::all_of(llvm::seq<unsigned>(0, vectorType.getRank()),
                      [&](unsigned d) { return read.isDimInBounds(d); }))
      return;
    int64_t rows = vectorType.getNumElements() / vectorType.getShape().back();
    if (rows < 2 || rows > kMaxPrefetchedRows || feedsProduct(read.getResult(), 3))
      return;
    SmallVector<int64_t> strides;
    int64_t offset;
    if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
      return;
    // The nearest enclosing block where a product precedes the read.
    EpilogueRead epilogue{read, nullptr, {}};
    Operation *child = read;
    while (!(epilogue.product = previousProduct(child))) {
      // Loops that hold a product are not an epilogue's.
      auto loop = llvm::dyn_cast<scf::ForOp>(child->getParentOp());
      if (!loop || products.contains(loop))
        return;
      epilogue.loops.insert(epilogue.loops.begin(), loop);
      child = loop;
    }
    // Not a buffer written by the product or by the ops after it in this
    // block, before the read's (the product's result grid, or a register
    // tile's written back; writes inside the read's own loops, and other
    // kinds of write, are not looked for: a prefetch is only a hint).
    Value buffer = viewedBuffer(read.getBase());
    auto writesBuffer = [&](Operation *op) {
      return op
          ->walk([&](Operation *inner) {
            Value base;
            if (auto write = llvm::dyn_cast<vector::TransferWriteOp>(inner))
              base = write.getBase();
            else if (auto store = llvm::dyn_cast<vector::StoreOp>(inner))
              base = store.getBase();
            else if (auto store = llvm::dyn_cast<memref::StoreOp>(inner))
              base = store.getMemRef();
            else if (auto copy = llvm::dyn_cast<memref::CopyOp>(inner))
              base = copy.getTarget();
            return base && viewedBuffer(base) == buffer ? WalkResult::interrupt()
                                                        : WalkResult::advance();
          })
          .wasInterrupted();
    };
    for (Operation *op = epilogue.product; op != child; op = op->getNextNode())
      if (writesBuffer(op))
        return;
    // As many prefetches as the epilogue has rows, a bounded number.
    int64_t prefetches = rows;
    for (scf::ForOp loop : epilogue.loops) {
      std::optional<APInt> trips = loop.getStaticTripCount();
      if (!trips || trips->ugt(kMaxPrefetchedRowsPerProduct))
        return;
      prefetches *= trips->getZExtValue();
      if (prefetches > kMaxPrefetchedRowsPerProduct)
        return;
    }
    for (scf::ForOp loop : epilogue.loops)
      for (Value bound : {loop.getLowerBound(), loop.getUpperBound(), loop.getStep()})
        if (!dom.properlyDominates(bound, epilogue.product))
          return;
    SmallVector<Value> needed(read.getIndices());
    needed.push_back(read.getBase());
    if (!llvm::all_of(needed, [&](Value v) {
          return recomputable(v, epilogue.product, epilogue.loops, dom);
        }))
      return;
    found.push_back(std::move(epilogue));
  });

  for (EpilogueRead &e : found) {
    Location loc = e.read.getLoc();
    OpBuilder b(e.product);
    IRMapping mapping;
    for (scf::ForOp loop : e.loops) {
      auto clone = scf::ForOp::create(b, loc, loop.getLowerBound(), loop.getUpperBound(),
                                      loop.getStep(), ValueRange(), nullptr,
                                      loop.getUnsignedCmp());
      mapping.map(loop.getInductionVar(), clone.getInductionVar());
      b.setInsertionPoint(clone.getBody()->getTerminator());
    }
    Value base = recompute(b, e.read.getBase(), e.product, mapping, dom);
    SmallVector<Value> indices;
    for (Value index : e.read.getIndices())
      indices.push_back(recompute(b, index, e.product, mapping, dom));
    auto type = llvm::cast<MemRefType>(base.getType());
    VectorType vectorType = e.read.getVectorType();
    int64_t rank = type.getRank(), vectorRank = vectorType.getRank();
    // A row: the trailing vector dimensions that cover whole memref
    // dimensions laid out one after the other (a tile's 2 x 7 pixels of a
    // row of 14), one contiguous run.
    SmallVector<int64_t> strides;
    int64_t offset;
    (void)type.getStridesAndOffset(strides, offset);
    ArrayRef<int64_t> shape = vectorType.getShape();
    int64_t runDims = 1, width = shape.back();
    while (runDims < vectorRank) {
      int64_t inner = rank - runDims, outer = inner - 1;
      if (shape[vectorRank - runDims] != type.getDimSize(inner) ||
          ShapedType::isDynamic(strides[outer]) ||
          strides[outer] != strides[inner] * type.getDimSize(inner))
        break;
      width *= shape[vectorRank - runDims - 1];
      ++runDims;
    }
    auto plus = [&](Value index, int64_t n) { return offsetIndex(b, loc, index, n); };
    ArrayRef<int64_t> leading = shape.drop_back(runDims);
    for (int64_t row = 0, rows = vectorType.getNumElements() / width; row < rows; ++row) {
      SmallVector<Value> at(indices);
      int64_t rest = row;
      for (int64_t d = static_cast<int64_t>(leading.size()) - 1; d >= 0; --d) {
        int64_t dim = rank - vectorRank + d;
        at[dim] = plus(indices[dim], rest % leading[d]);
        rest /= leading[d];
      }
      prefetchRun(b, loc, base, at, width, /*localityHint=*/2);
    }
  }
}

/// Independent FMA chains a core needs in flight to keep its FMA units busy:
/// latency (4 cycles) times units (2) on the x86 and AArch64 cores we target.
constexpr int64_t kChainsInFlight = 8;

/// The value `loopArg` accumulates into, when the loop only ever adds to it:
/// its one use is (through shape casts) the accumulator of an additive
/// vector.outerproduct, vector.contract or vector.fma, or an operand of an
/// arith.addf, whose result (through shape casts and unit extracts) is
/// `yielded`. Then no other operand of the addition depends on the loop
/// argument, and the sum may be split into partial sums.
bool onlyAccumulates(Value loopArg, Value yielded) {
  Value v = loopArg;
  while (v.hasOneUse() && llvm::isa<vector::ShapeCastOp>(*v.getUsers().begin()))
    v = v.getUsers().begin()->getResult(0);
  if (!v.hasOneUse())
    return false;
  Operation *add = *v.getUsers().begin();
  bool additive = false;
  if (auto outer = llvm::dyn_cast<vector::OuterProductOp>(add))
    additive = outer.getKind() == vector::CombiningKind::ADD && outer.getAcc() == v;
  else if (auto contract = llvm::dyn_cast<vector::ContractionOp>(add))
    additive = contract.getKind() == vector::CombiningKind::ADD && contract.getAcc() == v;
  else if (auto fma = llvm::dyn_cast<vector::FMAOp>(add))
    additive = fma.getAcc() == v;
  else if (auto addf = llvm::dyn_cast<arith::AddFOp>(add))
    additive = addf.getLhs() != addf.getRhs();
  if (!additive || add->getNumResults() != 1)
    return false;
  Value result = add->getResult(0);
  while (result != yielded) {
    if (!result.hasOneUse())
      return false;
    Operation *user = *result.getUsers().begin();
    auto extract = llvm::dyn_cast<vector::ExtractOp>(user);
    bool unitExtract = extract && extract.getSourceVectorType().getDimSize(0) == 1;
    if (!llvm::isa<vector::ShapeCastOp>(user) && !unitExtract)
      return false;
    result = user->getResult(0);
  }
  return true;
}

/// Splits the sums of reduction loops with too few accumulators into partial
/// sums. A product of one row (an LSTM's or GRU's recurrent step, a batch-1
/// dense layer) has one 32-wide accumulator tile: two registers on AVX-512,
/// each K step's FMAs waiting on the previous step's, at a quarter of the
/// FMA rate. The loop is unrolled u times with u accumulator sets (the
/// first starting from the loop's initial value, the others from zero),
/// which are added up after it, until kChainsInFlight registers of
/// `vectorBytes` accumulate independently. Rounding changes like any
/// reassociation of the sum (as in every BLAS).
void splitShortAccumulations(func::FuncOp func, int64_t vectorBytes) {
  SmallVector<scf::ForOp> loops;
  func.walk([&](scf::ForOp loop) {
    if (loop.getNumRegionIterArgs() > 0)
      loops.push_back(loop);
  });
  for (scf::ForOp loop : loops) {
    std::optional<APInt> tripCount = loop.getStaticTripCount();
    if (!tripCount)
      continue;
    int64_t trips = tripCount->getZExtValue();
    auto yield = llvm::cast<scf::YieldOp>(loop.getBody()->getTerminator());
    int64_t accumulatorBytes = 0;
    bool splittable = true;
    for (auto [arg, yielded] : llvm::zip(loop.getRegionIterArgs(), yield.getOperands())) {
      auto type = llvm::dyn_cast<VectorType>(arg.getType());
      if (!type || !type.getElementType().isFloat() || type.isScalable() ||
          !onlyAccumulates(arg, yielded)) {
        splittable = false;
        break;
      }
      accumulatorBytes += type.getNumElements() * type.getElementTypeBitWidth() / 8;
    }
    int64_t chains = llvm::divideCeil(accumulatorBytes, vectorBytes);
    int64_t unroll = 1;
    while (splittable && chains * unroll < kChainsInFlight && trips % (2 * unroll) == 0)
      unroll *= 2;
    if (unroll == 1)
      continue;

    OpBuilder b(loop);
    Location loc = loop.getLoc();
    SmallVector<Value> inits(loop.getInitArgs());
    for (int64_t j = 1; j < unroll; ++j)
      for (Value init : loop.getInitArgs())
        inits.push_back(arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(llvm::cast<ShapedType>(init.getType()),
                                           b.getZeroAttr(getElementTypeOrSelf(init)))));
    Value step = arith::MulIOp::create(
        b, loc, loop.getStep(),
        arith::ConstantOp::create(b, loc, b.getIntegerAttr(loop.getStep().getType(), unroll)));
    int64_t width = loop.getNumRegionIterArgs();
    auto split = scf::ForOp::create(
        b, loc, loop.getLowerBound(), loop.getUpperBound(), step, inits,
        [&](OpBuilder &nb, Location l, Value iv, ValueRange args) {
          SmallVector<Value> yielded;
          for (int64_t j = 0; j < unroll; ++j) {
            IRMapping mapping;
            Value offset = arith::MulIOp::create(
                nb, l, loop.getStep(),
                arith::ConstantOp::create(nb, l, nb.getIntegerAttr(iv.getType(), j)));
            mapping.map(loop.getInductionVar(),
                        j == 0 ? iv : arith::AddIOp::create(nb, l, iv, offset).getResult());
            mapping.map(loop.getRegionIterArgs(), args.slice(j * width, width));
            for (Operation &op : loop.getBody()->without_terminator())
              nb.clone(op, mapping);
            for (Value v : yield.getOperands())
              yielded.push_back(mapping.lookupOrDefault(v));
          }
          scf::YieldOp::create(nb, l, yielded);
        });
    split->setAttrs(loop->getAttrs());
    SmallVector<Value> sums;
    for (int64_t i = 0; i < width; ++i) {
      Value sum = split.getResult(i);
      for (int64_t j = 1; j < unroll; ++j)
        sum = arith::AddFOp::create(b, loc, sum, split.getResult(j * width + i));
      sums.push_back(sum);
    }
    loop->replaceAllUsesWith(sums);
    loop->erase();
  }
}

struct LowerVectorOpsPass : impl::LowerVectorOpsBase<LowerVectorOpsPass> {
  using LowerVectorOpsBase::LowerVectorOpsBase;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    prefetchPanels(getOperation());
    prefetchTapRows(getOperation());
    prefetchEpilogueReads(getOperation());
    splitShortAccumulations(getOperation(), vectorBytes);
    // The transposes the vectorizer left: those of a register's width by
    // less become padded 16 x 16 ones, lowered to shuffles with the 16 x 16
    // ones, before the element-wise lowering below takes the rest (and
    // those the lowerings below create).
    {
      RewritePatternSet patterns(ctx);
      patterns.add<TransposeOfBroadcast, TransposeOfGroups>(ctx);
      if (vectorBytes >= 64)
        patterns.add<PadTransposeTo16x16>(ctx);
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
      SmallVector<Operation *> padded;
      getOperation().walk([&](vector::TransposeOp op) {
        // And the square tiles of 32-bit elements (a pixel-major
        // epilogue's 16 pixels of a 112-pixel row: the stem's).
        VectorType type = op.getSourceVectorType();
        constexpr int64_t side = PadTransposeTo16x16::kSquareSide;
        bool square = vectorBytes >= 64 && isShuffleableTranspose(type) &&
                      type.getDimSize(0) == side && type.getDimSize(1) == side;
        if (op->hasAttr(kShuffledTransposeAttr) || square)
          padded.push_back(op);
      });
      RewritePatternSet shuffles(ctx);
      vector::populateVectorTransposeLoweringPatterns(
          shuffles, vector::VectorTransposeLowering::Shuffle16x16);
      GreedyRewriteConfig config;
      config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
      if (failed(applyOpPatternsGreedily(padded, std::move(shuffles), config)))
        return signalPassFailure();
    }
    {
      RewritePatternSet patterns(ctx);
      patterns.add<StridedReadToShuffle, RowReductionToReduction>(ctx, /*benefit=*/2);
      if (selectMinMax)
        patterns.add<ReluAsVmaxps,
                     MinMaxAsSelect<arith::MaximumFOp, arith::CmpFPredicate::OGT>,
                     MinMaxAsSelect<arith::MinimumFOp, arith::CmpFPredicate::OLT>>(ctx);
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
