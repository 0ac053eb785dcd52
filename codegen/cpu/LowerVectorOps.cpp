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
#include "mlir/Interfaces/SideEffectInterfaces.h"
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

/// How far ahead (bytes of the panel) the micro-kernel prefetches its B
/// panel when it reads each panel row once: 64 rows of 32 floats.
constexpr int64_t kPanelPrefetchBytes = 64 * kPackedPanelWidth * 4;

/// Bytes one prefetch brings in: a cache line on the x86 and AArch64 cores
/// we target.
constexpr int64_t kCacheLineBytes = 64;

/// How many side-effect-free ops deep derivesFrom follows an index's
/// computation (the outlined tasks rebuild a forall's induction variables
/// from their task loop's through a divide, a remainder, a multiply and an
/// add).
constexpr int kIndexDerivationDepth = 6;

/// Whether `index` is `iv` or computed from it by side-effect-free ops.
bool derivesFrom(Value index, Value iv, int depth = kIndexDerivationDepth) {
  if (index == iv)
    return true;
  Operation *def = index.getDefiningOp();
  if (!def || depth == 0 || def->getNumRegions() != 0 || !isMemoryEffectFree(def))
    return false;
  return llvm::any_of(def->getOperands(),
                      [&](Value operand) { return derivesFrom(operand, iv, depth - 1); });
}

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
/// KW, NR] view of one) inside a loop that walks one of its K dimensions gets
/// prefetches of rows it will read later. Weights streamed from memory once
/// per run (BERT-base's 340 MB, ResNet-50's later stages) are consumed at a
/// row of 128 bytes every few cycles; the hardware prefetchers, which stop at
/// page boundaries, do not run far enough ahead to hide memory latency at
/// that rate. Prefetches do not fault, so rows past a panel's end need no
/// guard. Two cases:
///
/// - A K loop that reads each panel row once (a one-row product: an LSTM or
///   GRU step, a fully connected layer on one row) prefetches the row about
///   kPanelPrefetchBytes further along the outermost K dimension (K, or C:
///   a 3x3 tap product's read in its KW loop prefetches the same tap 8
///   input channels, 72 rows, ahead) into L1.
/// - A K loop that runs more than once per panel (rereadsPanel) reads the
///   panel's K block from memory in its first pass only, at the kernel's
///   full rate (a 7 x 32 tile: 128 bytes every 14 FMAs), faster than one
///   core draws from memory; the later passes hit L1. Every pass instead
///   prefetches the same row of the next panel, all its cache lines, into
///   L2, so the next panel's first pass finds its block there: the memory
///   traffic is spread over all the passes. ResNet-50's 512-to-2048 1x1
///   convolutions at 7x7 take 0.84 of the time this way in a chain of them
///   with weights from memory (`bench/layers.py chain1x1_512to2048_7`), as
///   fast as the same chain whose weights stay in cache; the first line
///   only, or rows ahead in the same panel besides, measured 0.86-1.00
///   (docs/performance.md, nineteenth round).
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
    int64_t rowBytes = strides[1] * type.getElementTypeBitWidth() / 8;
    prefetches.push_back({read, rereadsPanel(read, loop),
                          static_cast<int64_t>(llvm::divideCeil(kPanelPrefetchBytes, rowBytes))});
  });
  for (Prefetch &p : prefetches) {
    OpBuilder b(p.read);
    Location loc = p.read.getLoc();
    Value base = p.read.getBase();
    SmallVector<Value> indices(p.read.getIndices());
    auto plus = [&](Value index, int64_t n) {
      return arith::AddIOp::create(b, loc, index, arith::ConstantIndexOp::create(b, loc, n));
    };
    if (!p.nextPanel) {
      indices[1] = plus(indices[1], p.steps);
      memref::PrefetchOp::create(b, loc, base, indices, /*isWrite=*/false,
                                 /*localityHint=*/3, /*isDataCache=*/true);
      continue;
    }
    indices[0] = plus(indices[0], 1);
    auto type = llvm::cast<MemRefType>(base.getType());
    int64_t lineElements =
        std::max<int64_t>(1, kCacheLineBytes * 8 / type.getElementTypeBitWidth());
    Value column = indices.back();
    for (int64_t first = 0; first < kPackedPanelWidth; first += lineElements) {
      indices.back() = first == 0 ? column : plus(column, first);
      memref::PrefetchOp::create(b, loc, base, indices, /*isWrite=*/false,
                                 /*localityHint=*/2, /*isDataCache=*/true);
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
    splitShortAccumulations(getOperation(), vectorBytes);
    {
      RewritePatternSet patterns(ctx);
      patterns.add<StridedReadToShuffle, RowReductionToReduction>(ctx, /*benefit=*/2);
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
