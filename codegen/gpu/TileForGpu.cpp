//===- TileForGpu.cpp - Block and thread tiling for NVIDIA GPUs -----------===//
//
// The first GPU strategy is deliberately simple and always correct: one
// kernel per linalg op, one output element per thread, up to 256 threads
// per block, reductions sequential in each thread. Reductions with fewer
// outputs than a block has threads (down to a single value) are instead
// shared by the threads of a block per output (BlockReduction.h); ops with
// no parallel loop that cannot be shared run on one thread. Matmuls whose
// m and n are at least 16 go through workgroup-memory tiles, each thread a
// register tile of outputs (StagedMatmul.h), those a block per output would
// take with their k cut into slices (SplitProduct.h). A column reduction
// read through slices by one elementwise generic (a recurrent step's
// gates) is computed in that generic's kernel (markSlicedConsumer). These
// are built after bufferization, where the block can own a workgroup buffer.
// A reduction of one output a thread is tiled together with the op that
// starts its outputs (a fill, a bias broadcast), when that op is its own (a
// fill CSE shared with other ops is copied for it): the start then needs
// no kernel, and kiln-gpu-accumulate-in-registers makes its element the
// loop's start. A
// padding whose readers get one output a thread, or are staged, is
// computed in them (foldPaddingsIntoReaders, markComputedInputs). A
// softmax or normalization (reductions over a row and the elementwise ops
// around them) is one kernel, a warp per row (RowKernel.h).
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Passes.h"

#include "codegen/cpu/TilingStrategy.h"
#include "codegen/gpu/BlockReduction.h"
#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/RowKernel.h"
#include "codegen/gpu/SplitProduct.h"
#include "codegen/gpu/StagedMatmul.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/MapVector.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_TILEFORGPU
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

/// Block tiles over the parallel loops, innermost first, holding at most
/// kThreadsPerBlock elements; 0 (untiled) for reductions.
SmallVector<int64_t> planBlockTiles(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto iterators = op.getIteratorTypesArray();
  SmallVector<int64_t> tiles(ranges.size(), 0);
  int64_t budget = kThreadsPerBlock;
  for (int64_t i = static_cast<int64_t>(ranges.size()) - 1; i >= 0; --i) {
    if (iterators[i] != utils::IteratorType::parallel)
      continue;
    tiles[i] = cpu::largestDivisorAtMost(ranges[i], budget);
    budget = std::max<int64_t>(1, budget / tiles[i]);
  }
  return tiles;
}

/// Whether `producer` (on tensors) is what can start a reduction's outputs
/// in the reduction's kernel: a linalg.fill, or an all-parallel generic
/// that overwrites its output (overwritesOutput: a convolution's bias
/// broadcast), that no row group, staged kernel or column reduction's
/// kernel takes in.
bool isStart(Value producer) {
  auto start = producer.getDefiningOp<linalg::LinalgOp>();
  return start && start.hasPureTensorSemantics() && overwritesOutput(start) &&
         !isInRowGroup(start) && !isMarkedForStagedFusion(start) && !isSlicedConsumer(start);
}

/// Whether `producer` is a start (isStart) of the outputs of `op` (a
/// reduction) that only `op` reads. Tiled with `op`, each thread computes
/// its own outputs' start before folding into them, and no kernel of its
/// own writes the whole tensor first.
bool isOwnStart(linalg::LinalgOp op, OpResult producer) {
  return op.getNumReductionLoops() > 0 && producer.hasOneUse() && isStart(producer);
}

/// Marks a direct reduction that the kernel of its one elementwise consumer
/// computes (tileWithForall fuses it into the consumer's tiles).
constexpr llvm::StringLiteral kInConsumerAttr = "kiln.in_consumer";

/// Whether `producer` is the result of an op marked kInConsumerAttr.
bool isInConsumer(OpResult producer) { return producer.getOwner()->hasAttr(kInConsumerAttr); }

/// Tiles `op` into an scf.forall with `tiles` (one per loop) and returns the
/// tiled op. The op that only `op` reads as the start of its outputs
/// (isOwnStart: a fill, a bias) is tiled with it, into the same loop; so is
/// an input's producer marked kInConsumerAttr (a direct reduction `op`
/// consumes elementwise) with its own start, which then writes `op`'s
/// tile of its output, where the reduction's tile of its result lives
/// until `op` overwrites it: no buffer of the reduction's own.
FailureOr<linalg::LinalgOp> tileWithForall(RewriterBase &rewriter, linalg::LinalgOp op,
                                           ArrayRef<int64_t> tiles, bool blocks) {
  size_t tiledLoops = llvm::count_if(tiles, [](int64_t t) { return t != 0; });
  scf::SCFTilingOptions options;
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
  options.setTileSizes(llvm::map_to_vector(tiles, [&](int64_t t) -> OpFoldResult {
    return rewriter.getIndexAttr(t);
  }));
  options.setMapping(
      llvm::to_vector(linearGpuMapping(rewriter.getContext(), tiledLoops, blocks)));
  rewriter.setInsertionPoint(op);
  auto consumer = llvm::cast<TilingInterface>(op.getOperation());
  // (Decided before tiling: the tiled loop becomes another user.)
  SmallVector<Value> starts;
  if (op.hasPureTensorSemantics())
    for (Value init : op.getDpsInits())
      if (auto result = llvm::dyn_cast<OpResult>(init); result && isOwnStart(op, result))
        starts.push_back(init);
  bool producerInside = llvm::any_of(op.getDpsInputs(), [](Value input) {
    auto result = llvm::dyn_cast<OpResult>(input);
    return result && isInConsumer(result);
  });
  if (starts.empty() && !producerInside)
    return cpu::tileAndReplace(rewriter, op, options);
  scf::SCFTileAndFuseOptions fuseOptions;
  fuseOptions.setTilingOptions(options);
  fuseOptions.setFusionControlFn(
      [&](tensor::ExtractSliceOp slice, OpResult producer,
          bool isDestination) -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        // `op`'s own start; the marked producer, and the start of its
        // outputs.
        bool ownStart = isDestination && llvm::is_contained(starts, Value(producer));
        bool producerStart = llvm::any_of(slice->getUsers(), [&](Operation *user) {
          auto marked = llvm::dyn_cast<linalg::LinalgOp>(user);
          return marked && marked->hasAttr(kInConsumerAttr) &&
                 llvm::is_contained(marked.getDpsInits(), slice.getResult()) &&
                 isStart(producer);
        });
        if (!ownStart && !producerStart && (isDestination || !isInConsumer(producer)))
          return std::nullopt;
        return scf::SCFTileAndFuseOptions::ControlFnResult{};
      });
  FailureOr<scf::SCFTileAndFuseResult> result =
      scf::tileConsumerAndFuseProducersUsingSCF(rewriter, consumer, fuseOptions);
  if (failed(result))
    return failure();
  for (OpResult value : op->getResults())
    rewriter.replaceAllUsesWith(value, result->replacements.lookup(value));
  rewriter.eraseOp(op);
  for (Operation *fused : result->fusedProducers)
    if (fused->use_empty())
      rewriter.eraseOp(fused);
  auto tiled = llvm::cast<linalg::LinalgOp>(result->tiledAndFusedOps.front());
  // The marked producer's start writes the tile of `op`'s output (same
  // type) instead of a tile of a fresh tensor or of the enclosing loop's
  // tile (the start overwrites it whole), which bufferization would
  // allocate inside the loops.
  Value outputTile = tiled.getDpsInits()[0];
  auto outputSlice = outputTile.getDefiningOp<tensor::ExtractSliceOp>();
  for (Operation *fused : result->tiledAndFusedOps) {
    auto start = llvm::dyn_cast<linalg::LinalgOp>(fused);
    if (!start || start->getNumResults() != 1 || !start->hasOneUse() ||
        !isStart(start->getResult(0)) || !outputSlice ||
        start->getResult(0).getType() != outputTile.getType())
      continue;
    auto marked = llvm::dyn_cast<linalg::LinalgOp>(*start->getUsers().begin());
    if (!marked || !marked->hasAttr(kInConsumerAttr) ||
        !llvm::is_contained(marked.getDpsInits(), start->getResult(0)))
      continue;
    // (The slice of the loop's shared output by the loop's indices, which
    // moves up to the start: the start then writes the very tile `op`
    // does, which bufferization sees without CSE.)
    auto before = [&](Value v) {
      Operation *def = v.getDefiningOp();
      return !def || def->getBlock() != start->getBlock() || def->isBeforeInBlock(start);
    };
    if (outputSlice->getBlock() != start->getBlock() ||
        !llvm::all_of(outputSlice->getOperands(), before))
      continue;
    if (start->isBeforeInBlock(outputSlice))
      rewriter.moveOpBefore(outputSlice, start);
    rewriter.modifyOpInPlace(start, [&] { start.getDpsInitsMutable()[0].set(outputTile); });
  }
  return tiled;
}

/// Marks a reduction (on tensors) that one thread an output would fold but
/// that is a column reduction instead, so that the consumer reading it
/// through slices computes it in its kernel (readThroughSlices): a GRU
/// step's [1, 3H] product, read by its gates in three slices. One launch a
/// step instead of two (the product's and the gates'), and the block's
/// warps divide each output's reduction.
constexpr llvm::StringLiteral kColumnForConsumerAttr = "kiln.column_for_consumer";

/// Whether one thread an output (planBlockTiles: consecutive threads along
/// the innermost parallel loop of more than one iteration) would have a
/// warp's lanes read an input rows apart: an input whose innermost index
/// is a reduction loop and whose other indices use the lanes' loop (a
/// global average pool's [n, c, h, w], lanes along c: each lane reads a
/// channel of its own, h * w elements from its neighbours').
bool lanesReadApart(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto iterators = op.getIteratorTypesArray();
  std::optional<unsigned> lanes;
  for (unsigned dim = 0; dim < ranges.size(); ++dim)
    if (iterators[dim] == utils::IteratorType::parallel && ranges[dim] > 1)
      lanes = dim;
  if (!lanes)
    return false;
  return llvm::any_of(op.getDpsInputOperands(), [&](OpOperand *input) {
    ArrayRef<AffineExpr> indices = op.getMatchingIndexingMap(input).getResults();
    if (indices.empty())
      return false;
    auto innermost = llvm::dyn_cast<AffineDimExpr>(indices.back());
    return innermost && iterators[innermost.getPosition()] == utils::IteratorType::reduction &&
           llvm::any_of(indices.drop_back(),
                        [&](AffineExpr index) { return index.isFunctionOfDim(*lanes); });
  });
}

/// The reduction of `op` if a block should share each output element
/// (sharesOutputsPerBlock, or marked kColumnForConsumerAttr) and its body
/// allows it; products that the
/// staged kernels take anyway, cut along k (matchSplitProduct), are
/// excepted later. `againstThreads`: the alternative is one thread an
/// output, whose lanes may read rows apart (lanesReadApart); a staged
/// product's tiles read their inputs together either way, so its choice
/// of cutting k (stagedProduct) does not weigh that.
std::optional<BlockReduction> blockPerOutput(linalg::LinalgOp op, bool againstThreads = true) {
  if (op->hasAttr(kColumnForConsumerAttr))
    return matchBlockReduction(op);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t outputs = 1, reduced = 1;
  for (auto [range, iterator] : llvm::zip(ranges, op.getIteratorTypesArray()))
    (iterator == utils::IteratorType::parallel ? outputs : reduced) *= range;
  if (!sharesOutputsPerBlock(outputs, reduced, kThreadsPerBlock,
                             againstThreads && lanesReadApart(op)))
    return std::nullopt;
  return matchBlockReduction(op);
}

/// Rewrites each padding, a tensor.insert_slice of `src` into a linalg.fill
/// of a fresh tensor that nothing else reads (what a Pad, or the padding of
/// a Conv or pool, lowers to), into one all-parallel linalg.generic over
/// the padded shape: each element is src's at its index less the offsets
/// where that lies inside src, the fill's value elsewhere (src read at the
/// clamped index either way, then selected: no branch). Tiled, that is one
/// kernel where the fill and the copy into its middle were two, one after
/// the other, and the padded tensor is written once.
void mergePadCopies(RewriterBase &rewriter, func::FuncOp func) {
  SmallVector<tensor::InsertSliceOp> pads;
  func.walk([&](tensor::InsertSliceOp insert) {
    auto fill = insert.getDest().getDefiningOp<linalg::FillOp>();
    if (!fill || !fill->getResult(0).hasOneUse() || !fill.hasPureTensorSemantics() ||
        !fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>() || !insert.hasUnitStride() ||
        insert.getSourceType().getRank() != insert.getResultType().getRank() ||
        !insert.getSourceType().hasStaticShape() || !insert.getResultType().hasStaticShape() ||
        insert.getSourceType().getNumElements() == 0 ||
        // (A fill may cast its value; the select below would not.)
        fill.value().getType() != insert.getResultType().getElementType() ||
        llvm::any_of(insert.getStaticOffsets(), ShapedType::isDynamic) ||
        insert->getParentOfType<scf::ForallOp>())
      return;
    pads.push_back(insert);
  });
  for (tensor::InsertSliceOp insert : pads) {
    auto fill = insert.getDest().getDefiningOp<linalg::FillOp>();
    Location loc = insert.getLoc();
    RankedTensorType type = insert.getResultType();
    ArrayRef<int64_t> offsets = insert.getStaticOffsets();
    ArrayRef<int64_t> sizes = insert.getSourceType().getShape();
    Value src = insert.getSource(), padding = fill.value();
    int64_t rank = type.getRank();
    rewriter.setInsertionPoint(insert);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, type, ValueRange{}, fill.getOutputs()[0],
        SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location loc, ValueRange) {
          Value inside = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
          SmallVector<Value> at;
          for (int64_t d = 0; d < rank; ++d) {
            Value index = linalg::IndexOp::create(b, loc, d);
            if (offsets[d] == 0 && sizes[d] == type.getDimSize(d)) {
              at.push_back(index);  // (Not padded along d.)
              continue;
            }
            // index - offset, which wraps to a huge value below the offset.
            Value relative = arith::SubIOp::create(
                b, loc, index, arith::ConstantIndexOp::create(b, loc, offsets[d]));
            Value below = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, relative,
                                                arith::ConstantIndexOp::create(b, loc, sizes[d]));
            inside = arith::AndIOp::create(b, loc, inside, below);
            at.push_back(arith::MinUIOp::create(
                b, loc, relative, arith::ConstantIndexOp::create(b, loc, sizes[d] - 1)));
          }
          Value element = tensor::ExtractOp::create(b, loc, src, at);
          linalg::YieldOp::create(
              b, loc, ValueRange{arith::SelectOp::create(b, loc, inside, element, padding)});
        });
    generic->setAttr(kPaddingAttr, rewriter.getUnitAttr());
    rewriter.replaceOp(insert, generic.getResult(0));
    rewriter.eraseOp(fill);
  }
}

/// Whether `op` is a padding mergePadCopies built.
bool isPadding(linalg::GenericOp op) { return op->hasAttr(kPaddingAttr); }

/// The elements of `padding` (a padding mergePadCopies built: no inputs,
/// its body reads only its indices and values from above) that `slice`
/// (static offsets and strides) takes, as a padding of their own: element
/// i of it is the padding's element offset + stride i.
linalg::GenericOp paddingOverSlice(RewriterBase &rewriter, linalg::GenericOp padding,
                                   tensor::ExtractSliceOp slice) {
  Location loc = slice.getLoc();
  RankedTensorType type = slice.getType();
  int64_t rank = type.getRank();
  ArrayRef<int64_t> offsets = slice.getStaticOffsets(), strides = slice.getStaticStrides();
  rewriter.setInsertionPoint(slice);
  Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(), type.getElementType());
  auto generic = linalg::GenericOp::create(
      rewriter, loc, type, ValueRange{}, empty,
      SmallVector<AffineMap>{rewriter.getMultiDimIdentityMap(rank)},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &b, Location loc, ValueRange) {
        SmallVector<Value> positions;
        for (int64_t d = 0; d < rank; ++d) {
          AffineExpr i = b.getAffineDimExpr(0);
          positions.push_back(affine::AffineApplyOp::create(
              b, loc, AffineMap::get(1, 0, i * strides[d] + offsets[d]),
              ValueRange{linalg::IndexOp::create(b, loc, d)}));
        }
        linalg::YieldOp::create(b, loc, elementAt(b, loc, padding, positions));
      });
  generic->setAttr(kPaddingAttr, rewriter.getUnitAttr());
  return generic;
}

/// Wraps `op` (on buffers) into a one-block, one-thread nest.
void runOnOneThread(RewriterBase &rewriter, linalg::LinalgOp op) {
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  OpFoldResult one = rewriter.getIndexAttr(1);
  rewriter.setInsertionPoint(op);
  auto blocks = scf::ForallOp::create(rewriter, loc, ArrayRef<OpFoldResult>{one}, ValueRange{},
                                      linearGpuMapping(ctx, 1, true));
  rewriter.setInsertionPoint(blocks.getBody()->getTerminator());
  auto threads = scf::ForallOp::create(rewriter, loc, ArrayRef<OpFoldResult>{one}, ValueRange{},
                                       linearGpuMapping(ctx, 1, false));
  rewriter.setInsertionPoint(threads.getBody()->getTerminator());
  rewriter.clone(*op.getOperation());
  rewriter.eraseOp(op);
}

struct TileForGpuPass : impl::TileForGpuBase<TileForGpuPass> {
  using TileForGpuBase::TileForGpuBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    {
      RewritePatternSet patterns(&getContext());
      linalg::populateDecomposePadPatterns(patterns);
      (void)applyPatternsGreedily(func, std::move(patterns));
    }
    IRRewriter rewriter(&getContext());
    takenIn.clear();
    mergePadCopies(rewriter, func);
    foldPaddingsIntoReaders(rewriter, func);
    if (report && llvm::any_of(func.getOps<linalg::LinalgOp>(), [](linalg::LinalgOp op) {
          return op.hasPureTensorSemantics();
        }))
      reportReductions(func);
    // On tensors, softmaxes and normalizations (reductions over a row and
    // the elementwise ops around them) are marked as row groups, each one
    // kernel after bufferization (RowKernel.h), and left untiled.
    markRowGroups(rewriter, func, [&](linalg::LinalgOp op) {
      return hasZeroOrDynamicRange(op) || stagedProduct(op);
    });
    // On tensors, the start and consumer a staged matmul's kernel takes in
    // are marked and left untiled (for findStagedFusion after
    // bufferization). (Marking may rebuild consumers: before the ops are
    // listed.)
    func.walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<scf::ForallOp>() && op.hasPureTensorSemantics() &&
          op.getNumReductionLoops() > 0 && !hasZeroOrDynamicRange(op) && !isInRowGroup(op) &&
          !blockPerOutput(op) &&
          !stagedProduct(op) && matchColumnReduction(op) && readThroughSlices(op))
        op->setAttr(kColumnForConsumerAttr, rewriter.getUnitAttr());
    });
    int64_t marks = 0;
    SmallVector<linalg::LinalgOp> products, reductions;
    func.walk([&](linalg::LinalgOp op) {
      if (op->getParentOfType<scf::ForallOp>() || !op.hasPureTensorSemantics() ||
          hasZeroOrDynamicRange(op) || isInRowGroup(op))
        return;
      if (stagedProduct(op))
        products.push_back(op);
      else if (blockPerOutput(op))  // (A column or a block reduction.)
        reductions.push_back(op);
    });
    // A block reduction takes in the op that starts its outputs (a fill of
    // zeros, say) and its consumer the same way: the thread that finishes
    // an output computes the consumer's value there (a LayerNorm's mean
    // from its sum).
    for (linalg::LinalgOp op : products) {
      markStagedFusion(rewriter, op, marks++);
      markComputedInputs(op);
    }
    for (linalg::LinalgOp op : reductions)
      markStagedFusion(rewriter, op, marks++);
    // A column reduction whose result one elementwise generic reads,
    // through slices or whole, and no consumer above takes in (a recurrent
    // step's gates) is computed in that generic's kernel.
    for (linalg::LinalgOp op : reductions)
      if (columnReduction(op))
        markSlicedConsumer(op);
    // A direct reduction tiles the op that starts its outputs with itself
    // (tileWithForall), if that op is its own (a shared fill is copied).
    SmallVector<linalg::LinalgOp> direct;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<scf::ForallOp>() && op.getNumReductionLoops() > 0 &&
          op.getNumDpsInits() == 1 && isDirect(op) && !isInRowGroup(op))
        direct.push_back(op);
    });
    for (linalg::LinalgOp op : direct)
      giveOwnFill(rewriter, op);
    // A direct reduction that starts from a start of its own (a fill, a
    // bias) and whose one reader is an elementwise consumer over its
    // outputs, of its own element type (a small convolution's activation,
    // a mean's division), is computed in the consumer's kernel: each
    // thread folds its output's reduction, then computes the consumer's
    // element. One kernel where there were two, with the reduction's
    // result between them in memory.
    // (A consumer of two such reductions takes neither: their tiles would
    // share its output's. Nor does a consumer that is itself the start of
    // a direct reduction, a Gemm's C: that reduction's tiles take it in.)
    llvm::MapVector<Operation *, SmallVector<linalg::LinalgOp>> inConsumer;
    for (linalg::LinalgOp op : direct) {
      Value result = op->getResult(0);
      if (!result.hasOneUse())
        continue;
      auto consumer = llvm::dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
      // (Its tiles then fill the consumer's: see tileWithForall.)
      auto init = llvm::dyn_cast<OpResult>(op.getDpsInits()[0]);
      if (!init || !isOwnStart(op, init) ||
          !init.getDefiningOp<linalg::LinalgOp>().getDpsInits()[0].getDefiningOp<tensor::EmptyOp>())
        continue;
      if (consumer && isElementwiseConsumer(consumer, result) &&
          consumer.getNumLoops() == op.getNumParallelLoops() &&
          consumer->getResult(0).getType() == result.getType() &&
          !isMarkedForStagedFusion(consumer) && !isSlicedConsumer(consumer) &&
          !isFusedStart(consumer) &&
          !isInRowGroup(consumer))
        inConsumer[consumer].push_back(op);
    }
    for (auto &[consumer, reductions] : inConsumer)
      if (reductions.size() == 1)
        reductions.front()->setAttr(kInConsumerAttr, rewriter.getUnitAttr());
    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->getParentOfType<scf::ForallOp>())
        ops.push_back(op);
    });
    // (The loop below erases the ops it tiles.)
    bool onTensors =
        llvm::all_of(ops, [](linalg::LinalgOp op) { return op.hasPureTensorSemantics(); });
    for (linalg::LinalgOp op : ops) {
      // (Ops a staged matmul took in are erased: compared, never read.)
      if (takenIn.contains(op.getOperation()) || isMarkedForStagedFusion(op) ||
          isSlicedConsumer(op) || isFusedStart(op) || op->hasAttr(kInConsumerAttr))
        continue;
      // A row group is one kernel, on buffers; where they do not allow it,
      // its ops lose their marks and are tiled one by one.
      if (isInRowGroup(op)) {
        if (!op.hasPureBufferSemantics())
          continue;
        SmallVector<Operation *> group = buildRowKernel(rewriter, op);
        if (!group.empty()) {
          takenIn.insert(group.begin(), group.end());
          continue;
        }
      }
      if (failed(tile(rewriter, op)))
        return signalPassFailure();
    }
    // The marks go; a reduction its consumer's tiling did not take is
    // tiled by itself.
    SmallVector<linalg::LinalgOp> notTaken;
    func.walk([&](linalg::LinalgOp op) {
      if (!op->removeAttr(kInConsumerAttr))
        return;
      if (!op->getParentOfType<scf::ForallOp>())
        notTaken.push_back(op);
    });
    for (linalg::LinalgOp op : notTaken)
      if (failed(tile(rewriter, op)))
        return signalPassFailure();
    if (onTensors)
      return;
    // On buffers, the marked ops no staged matmul or reduction took in are
    // tiled as usual.
    SmallVector<linalg::LinalgOp> left;
    func.walk([&](linalg::LinalgOp op) {
      if ((isMarkedForStagedFusion(op) || isSlicedConsumer(op)) && op.hasPureBufferSemantics())
        left.push_back(op);
    });
    for (linalg::LinalgOp op : left) {
      clearStagedFusionMarks(op);
      clearSlicedConsumerMarks(op);
      if (failed(tile(rewriter, op)))
        return signalPassFailure();
    }
    eraseUnusedBuffers(rewriter, func);
  }

  /// Erases the buffers (and views of them) nothing reads or writes any
  /// more: a padded tensor whose padding a staged kernel computes where it
  /// reads it, a product's result its consumer's kernel computes. The
  /// workspace plan, which comes next, would count them.
  static void eraseUnusedBuffers(RewriterBase &rewriter, func::FuncOp func) {
    bool erased = true;
    while (erased) {
      erased = false;
      SmallVector<Operation *> dead;
      func.walk([&](Operation *op) {
        bool view = llvm::isa<ViewLikeOpInterface>(op) && isMemoryEffectFree(op);
        bool alloc = llvm::isa<memref::AllocOp>(op) &&
                     !llvm::isa_and_nonnull<mlir::gpu::AddressSpaceAttr>(
                         llvm::cast<MemRefType>(op->getResult(0).getType()).getMemorySpace());
        if ((view || alloc) && llvm::all_of(op->getUsers(), [](Operation *user) {
              return llvm::isa<memref::DeallocOp>(user);
            }))
          dead.push_back(op);
      });
      for (Operation *op : dead) {
        for (Operation *user : llvm::make_early_inc_range(op->getUsers()))
          rewriter.eraseOp(user);
        rewriter.eraseOp(op);
        erased = true;
      }
    }
  }

  /// Whether the reader of a padding at `use` would compute it where it
  /// reads it: a staged product, a reduction of one output a thread, or an
  /// elementwise generic reading a slice (static offsets and strides) of
  /// it.
  bool computesPadding(OpOperand &use) {
    Operation *owner = use.getOwner();
    if (auto slice = llvm::dyn_cast<tensor::ExtractSliceOp>(owner)) {
      if (!slice.getType().hasStaticShape() ||
          slice.getType().getRank() != slice.getSourceType().getRank() ||
          llvm::any_of(slice.getStaticOffsets(), ShapedType::isDynamic) ||
          llvm::any_of(slice.getStaticStrides(), ShapedType::isDynamic) || !slice->hasOneUse())
        return false;
      auto reader = llvm::dyn_cast<linalg::GenericOp>(*slice->getUsers().begin());
      return reader && reader.getNumLoops() == reader.getNumParallelLoops() &&
             reader.hasPureTensorSemantics();
    }
    auto reader = llvm::dyn_cast<linalg::LinalgOp>(owner);
    return reader && reader.isDpsInput(&use) && reader.hasPureTensorSemantics() &&
           ((isDirect(reader) && reader.getNumReductionLoops() > 0) || stagedProduct(reader));
  }

  /// Computes each padding (mergePadCopies' generic) in the ops that read
  /// it, where those get one output a thread: a reduction (a pool, a
  /// convolution folded directly) that is its one reader, or elementwise
  /// generics reading slices of it (a depthwise convolution written as a
  /// sum of its taps, each tap a slice). The reader, generalized, takes in
  /// the padding's body (a clamped read of the source, the padding value
  /// outside it) at each element it reads, and the padded tensor is never
  /// written: one kernel where there were two. (A staged product takes in
  /// its padding later, on buffers: markComputedInputs. A padding shared
  /// by readers that all compute it gets a copy for each here.)
  void foldPaddingsIntoReaders(RewriterBase &rewriter, func::FuncOp func) {
    SmallVector<linalg::GenericOp> paddings;
    func.walk([&](linalg::GenericOp padding) {
      if (isPadding(padding) && padding.hasPureTensorSemantics() &&
          padding->getNumResults() == 1 && !padding->use_empty())
        paddings.push_back(padding);
    });
    // A padding CSE shared between readers (convolutions of one input)
    // gets a copy for each when every one of them computes it itself.
    SmallVector<linalg::GenericOp> copies;
    for (linalg::GenericOp padding : paddings) {
      SmallVector<OpOperand *> uses =
          llvm::map_to_vector(padding->getUses(), [](OpOperand &use) { return &use; });
      if (uses.size() == 1 || !llvm::all_of(uses, [&](OpOperand *use) {
            return computesPadding(*use);
          })) {
        copies.push_back(padding);
        continue;
      }
      rewriter.setInsertionPoint(padding);
      for (OpOperand *use : uses) {
        auto copy = llvm::cast<linalg::GenericOp>(rewriter.clone(*padding));
        rewriter.modifyOpInPlace(use->getOwner(), [&] { use->set(copy->getResult(0)); });
        copies.push_back(copy);
      }
      rewriter.eraseOp(padding);
    }
    // Each slice of a padding read by an elementwise generic becomes the
    // padding over the slice's elements (its own indices offset).
    for (linalg::GenericOp padding : copies) {
      SmallVector<tensor::ExtractSliceOp> slices;
      for (OpOperand &use : padding->getUses()) {
        auto slice = llvm::dyn_cast<tensor::ExtractSliceOp>(use.getOwner());
        if (!slice || !computesPadding(use))
          break;
        slices.push_back(slice);
      }
      if (slices.empty() || slices.size() != static_cast<size_t>(std::distance(
                                                  padding->use_begin(), padding->use_end())))
        continue;
      for (tensor::ExtractSliceOp slice : slices)
        rewriter.replaceOp(slice, paddingOverSlice(rewriter, padding, slice)->getResults());
      rewriter.eraseOp(padding);
    }
    // Each reader takes in the paddings it reads, one at a time.
    auto findRead = [&](Operation *op) -> OpOperand * {
      auto reader = llvm::dyn_cast<linalg::LinalgOp>(op);
      if (!reader || !reader.hasPureTensorSemantics() || !isDirect(reader))
        return nullptr;
      for (OpOperand *input : reader.getDpsInputOperands()) {
        auto padding = input->get().getDefiningOp<linalg::GenericOp>();
        if (padding && isPadding(padding) && padding->hasOneUse() &&
            padding->getBlock() == reader->getBlock())
          return input;
      }
      return nullptr;
    };
    SmallVector<Operation *> readers;
    func.walk([&](linalg::LinalgOp op) {
      if (findRead(op))
        readers.push_back(op);
    });
    for (Operation *op : readers) {
      while (OpOperand *use = findRead(op)) {
        auto reader = llvm::cast<linalg::LinalgOp>(op);
        unsigned number = use->getOperandNumber();
        auto generic = llvm::dyn_cast<linalg::GenericOp>(op);
        if (!generic) {
          rewriter.setInsertionPoint(reader);
          FailureOr<linalg::GenericOp> generalized = linalg::generalizeNamedOp(rewriter, reader);
          if (failed(generalized))
            break;
          generic = *generalized;
        }
        OpOperand &read = generic->getOpOperand(number);
        Operation *padding = read.get().getDefiningOp();
        if (!linalg::areElementwiseOpsFusable(&read))
          break;
        rewriter.setInsertionPoint(generic);
        FailureOr<linalg::ElementwiseOpFusionResult> fused =
            linalg::fuseElementwiseOps(rewriter, &read);
        if (failed(fused))
          break;
        for (OpResult result : generic->getResults())
          rewriter.replaceAllUsesWith(result, fused->replacements.lookup(result));
        rewriter.eraseOp(generic);
        rewriter.eraseOp(padding);
        op = fused->fusedOp;
      }
    }
  }

  /// The `report` remark on `func` (on tensors, before tiling): the loop
  /// iterations of its reductions by the kernel each gets.
  void reportReductions(func::FuncOp func) {
    int64_t staged = 0, stagedOps = 0, splitOps = 0, shared = 0, alone = 0;
    func.walk([&](linalg::LinalgOp op) {
      if (op->getParentOfType<scf::ForallOp>() || op.getNumReductionLoops() == 0 ||
          hasZeroOrDynamicRange(op))
        return;
      int64_t iterations = 1;
      for (int64_t range : op.getStaticLoopRanges())
        iterations *= range;
      if (std::optional<StagedMatmul> product = stagedProduct(op)) {
        staged += iterations;
        ++stagedOps;
        if (product->splits > 1)
          ++splitOps;
      } else if (blockPerOutput(op)) {  // (A column or a block reduction.)
        shared += iterations;
      } else {
        alone += iterations;
      }
    });
    func.emitRemark() << "reduction iterations: " << staged << " staged (" << stagedOps
                      << " ops, " << splitOps << " cut along k), " << shared
                      << " shared by a block, " << alone
                      << " folded by a thread alone";
  }

  /// The ops staged matmuls took into their kernels (erased).
  llvm::DenseSet<Operation *> takenIn;

  /// Whether `op` (on tensors) gets one output element a thread: neither a
  /// staged matmul, a column or block reduction, nor one thread.
  bool isDirect(linalg::LinalgOp op) {
    return op.hasPureTensorSemantics() && op.getNumParallelLoops() > 0 &&
           !hasZeroOrDynamicRange(op) && !stagedProduct(op) && !blockPerOutput(op);
  }

  /// Whether `op` is a start (a fill, a bias) that the direct reduction
  /// reading it tiles with itself (tileWithForall), so that it gets no
  /// kernel of its own.
  bool isFusedStart(linalg::LinalgOp op) {
    if (op->getNumResults() != 1 || !op->getResult(0).hasOneUse())
      return false;
    auto reader = llvm::dyn_cast<linalg::LinalgOp>(*op->getResult(0).getUsers().begin());
    return reader && isOwnStart(reader, op->getResult(0)) &&
           llvm::is_contained(reader.getDpsInits(), op->getResult(0)) && isDirect(reader);
  }

  /// The staged matmul `op` maps onto. A product that would get a block
  /// per output (few outputs, long reductions) has its k cut into slices
  /// instead, enough to fill the GPU (SplitProduct.h): the block per
  /// output reads both inputs once per output element, the staged tiles
  /// share each read among 16 or more.
  std::optional<StagedMatmul> stagedProduct(linalg::LinalgOp op) {
    std::optional<StagedMatmul> staged =
        blockPerOutput(op, /*againstThreads=*/false)
            ? matchSplitProduct(op, kBlocksPerMultiprocessor * multiprocessors, tf32,
                                halfTensorCores)
            : matchStagedMatmul(op, kBlocksPerMultiprocessor * multiprocessors, tf32,
                                halfTensorCores);
    if (staged) {
      staged->tf32TiesToEven = tf32TiesToEven;
      staged->asyncCopies = asyncCopies;
    }
    return staged;
  }

  /// The column reduction `op` maps onto (BlockReduction.h): lanes across
  /// its outputs, warps along its reduction, for a reduction a block per
  /// output would take (and no staged kernel does) whose threads would
  /// read an input a row apart. (One output a thread reads such an input
  /// along the row already.)
  std::optional<ColumnReduction> columnReduction(linalg::LinalgOp op) {
    if (!blockPerOutput(op) || stagedProduct(op))
      return std::nullopt;
    return matchColumnReduction(op);
  }

  /// Whether `op` has a dynamic loop range (an internal error on this path)
  /// or an empty one (nothing to compute).
  static bool hasZeroOrDynamicRange(linalg::LinalgOp op) {
    return llvm::any_of(op.getStaticLoopRanges(),
                        [](int64_t r) { return r == 0 || ShapedType::isDynamic(r); });
  }

  /// Maps `op` onto blocks and threads: a staged matmul, a column or block
  /// reduction, one thread, or one output a thread (all but the last wait
  /// for buffers).
  LogicalResult tile(IRRewriter &rewriter, linalg::LinalgOp op) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      return op.emitError("internal error: dynamic loop ranges on the GPU path");
    if (llvm::any_of(ranges, [](int64_t r) { return r == 0; })) {
      // Nothing to compute: an empty tensor.
      return success();
    }
    std::optional<StagedMatmul> staged = stagedProduct(op);
    std::optional<ColumnReduction> column = staged ? std::nullopt : columnReduction(op);
    std::optional<BlockReduction> shared =
        staged || column ? std::nullopt : blockPerOutput(op);
    if (shared || staged || column || op.getNumParallelLoops() == 0) {
      // Left for the run after bufferization.
      if (!op.hasPureBufferSemantics())
        return success();

      if (!staged && !column && !shared) {
        runOnOneThread(rewriter, op);
        return success();
      }
      // The start and consumer the kernel takes in (erased with `op`).
      StagedFusion fusion = findStagedFusion(op);
      // (Only the staged kernels compute their inputs.)
      if (!staged)
        fusion.computedInputs = {};
      for (Operation *taken : {fusion.start.getOperation(), fusion.consumer.getOperation()})
        if (taken)
          takenIn.insert(taken);
      // (Or the consumer that reads the column reduction through slices.)
      std::optional<SlicedConsumer> sliced;
      if (staged && staged->splits > 1)
        buildSplitProduct(rewriter, op, *staged, fusion);
      else if (staged)
        buildStagedMatmul(rewriter, op, *staged, fusion);
      else if (column && !fusion.consumer && (sliced = findSlicedConsumer(op, fusion.start))) {
        takenIn.insert(sliced->consumer.getOperation());
        buildSlicedColumnReduction(rewriter, op, *column, fusion.start, *sliced);
      } else if (column)
        buildColumnReduction(rewriter, op, *column, fusion);
      else if (failed(buildBlockReduction(rewriter, op, *shared, kThreadsPerBlock, fusion)))
        return op.emitError("internal error: block reduction failed");
      return success();
    }
    SmallVector<int64_t> blockTiles = planBlockTiles(op);
    FailureOr<linalg::LinalgOp> inBlock = tileWithForall(rewriter, op, blockTiles, true);
    if (failed(inBlock))
      return op.emitError("internal error: block tiling failed");
    SmallVector<int64_t> threadTiles;
    for (auto it : inBlock->getIteratorTypesArray())
      threadTiles.push_back(it == utils::IteratorType::parallel ? 1 : 0);
    if (failed(tileWithForall(rewriter, *inBlock, threadTiles, false)))
      return op.emitError("internal error: thread tiling failed");
    return success();
  }
};

} // namespace
} // namespace kiln::gpu
