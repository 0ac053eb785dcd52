//===- FuseElementwise.cpp - Fuse elementwise producers into consumers ----===//

#include "passes/dispatch/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/TilingInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::dispatch {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/dispatch/Passes.h.inc"
} // namespace kiln::dispatch

using namespace mlir;

namespace kiln::dispatch {
namespace {

/// The number of points of `op`'s iteration space; std::nullopt when not
/// static.
std::optional<int64_t> iterationPoints(linalg::LinalgOp op) {
  int64_t points = 1;
  for (int64_t range : op.getStaticLoopRanges()) {
    if (ShapedType::isDynamic(range))
      return std::nullopt;
    points *= range;
  }
  return points;
}

/// Whether `inner` is a transcendental function or a division: tens of
/// instructions a point, where an add or a multiply is one. (The math
/// dialect's rounding, sign and classification ops are as cheap as those.)
bool isCostly(Operation *inner) {
  if (llvm::isa<arith::DivFOp, arith::RemFOp, arith::DivSIOp, arith::DivUIOp, arith::RemSIOp,
                arith::RemUIOp, arith::CeilDivSIOp, arith::CeilDivUIOp, arith::FloorDivSIOp>(
          inner))
    return true;
  return llvm::isa<math::MathDialect>(inner->getDialect()) &&
         !llvm::isa<math::AbsFOp, math::AbsIOp, math::CeilOp, math::FloorOp, math::RoundOp,
                    math::RoundEvenOp, math::TruncOp, math::CopySignOp, math::FmaOp,
                    math::CountLeadingZerosOp, math::CountTrailingZerosOp, math::CtPopOp,
                    math::IsNaNOp, math::IsInfOp, math::IsFiniteOp, math::IsNormalOp>(inner);
}

/// Whether an op in `op`'s body satisfies `predicate`.
bool bodyHas(linalg::GenericOp op, llvm::function_ref<bool(Operation *)> predicate) {
  return op.getBody()
      ->walk([&](Operation *inner) {
        return predicate(inner) ? WalkResult::interrupt() : WalkResult::advance();
      })
      .wasInterrupted();
}

bool computesCostlyOps(linalg::GenericOp op) { return bodyHas(op, isCostly); }

/// A consumer that broadcasts a fused producer's result computes the
/// producer's body once per point of its own, not of the producer's: a
/// squeeze-and-excitation's sigmoid of C channel scales, fused into the
/// multiply of a C x H x W tensor by them, would run H x W times as many
/// exponentials. So a producer whose body is costly fuses only into
/// consumers of at most the `producerPoints` it computes.
bool fusesWithoutRepeats(linalg::GenericOp producer, std::optional<int64_t> producerPoints,
                         Operation *consumer) {
  if (!computesCostlyOps(producer))
    return true;
  auto linalgConsumer = llvm::dyn_cast<linalg::LinalgOp>(consumer);
  std::optional<int64_t> consumerPoints =
      linalgConsumer ? iterationPoints(linalgConsumer) : std::nullopt;
  return producerPoints && consumerPoints && *consumerPoints <= *producerPoints;
}

/// A sum (or maximum) of window taps has this many slices of one tensor
/// among its inputs at least: a 2 x 2 window (1 x 3 and 3 x 1 windows are
/// not taken).
constexpr int64_t kMinTapSlices = 4;

/// Whether `op` reads several windows of one rank-4 tensor: at least
/// kMinTapSlices slices of it, each of `op`'s shape and read at the
/// identity, that differ only in their offsets along the last two (the
/// spatial) dimensions. A depthwise convolution or pool written
/// elementwise over its taps; not a recurrent step's gates, sliced along
/// the channels.
bool readsTaps(linalg::GenericOp op) {
  llvm::SmallDenseMap<Value, SmallVector<tensor::ExtractSliceOp>> slicesOf;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto slice = input->get().getDefiningOp<tensor::ExtractSliceOp>();
    if (slice && slice.getResultType().getRank() == 4 &&
        op.getMatchingIndexingMap(input).isIdentity())
      slicesOf[slice.getSource()].push_back(slice);
  }
  for (auto &[source, slices] : slicesOf) {
    if (static_cast<int64_t>(slices.size()) < kMinTapSlices)
      continue;
    tensor::ExtractSliceOp first = slices.front();
    bool windows = llvm::all_of(slices, [&](tensor::ExtractSliceOp slice) {
      return slice.getResultType() == first.getResultType() &&
             slice.getStaticSizes() == first.getStaticSizes() &&
             slice.getStaticStrides() == first.getStaticStrides() &&
             slice.getStaticOffsets().take_front(2) == first.getStaticOffsets().take_front(2) &&
             !ShapedType::isDynamic(slice.getStaticOffsets()[0]) &&
             !ShapedType::isDynamic(slice.getStaticOffsets()[1]);
    });
    if (windows)
      return true;
  }
  return false;
}

/// Whether `op`'s body has transcendental math (exp, tanh, erf, ...): a
/// polynomial of a dozen constants and temporaries per point once
/// approximated. (A division, one instruction, is not counted here.)
bool computesTranscendentals(linalg::GenericOp op) {
  return bodyHas(op, [](Operation *inner) {
    return llvm::isa<math::MathDialect>(inner->getDialect()) && isCostly(inner) &&
           !llvm::isa<math::SqrtOp, math::RsqrtOp>(inner);
  });
}

/// Fusing duplicates the producer's computation into every consumer, so
/// only single-use elementwise producers are fused (but see
/// FuseSharedProducer), costly ones only where the consumer does not
/// repeat them (fusesWithoutRepeats). With `separateCostlyTapConsumers`, a
/// sum of taps keeps a costly consumer apart (see the pass's description).
bool shouldFuse(OpOperand *fused, bool separateCostlyTapConsumers) {
  auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
  if (!producer || !producer->hasOneUse() ||
      producer.getNumLoops() != producer.getNumParallelLoops())
    return false;
  auto consumer = llvm::dyn_cast<linalg::GenericOp>(fused->getOwner());
  // A convolution written as a generic (a grouped or 3-D one) would compute
  // an input's producer again for every filter and tap that reads it, and
  // the code generators' forms of it (GroupedConvolution.h) take a bare
  // multiply-add.
  if (consumer && consumer.getNumReductionLoops() > 0 &&
      linalg::isaConvolutionOpInterface(consumer))
    return false;
  if (separateCostlyTapConsumers && consumer && readsTaps(producer) &&
      computesTranscendentals(consumer))
    return false;
  return fusesWithoutRepeats(producer, iterationPoints(producer), fused->getOwner());
}

/// Whether `producer`, an elementwise generic with other uses than
/// `fused`, may fuse into `fused`'s owner all the same, which then also
/// yields the producer's result for those uses: the owner is an elementwise generic that reads the
/// producer's one result once, through a permutation, over as many points
/// as the producer has (so it computes each of the producer's values
/// once), and every other use is in a later op of the same block (where
/// the fused op, built at the owner's place, still comes first). An LSTM
/// step's new cell state, read by the step's hidden state and by the next
/// step, is then computed with the hidden state in one op. An owner that
/// itself fuses into its one reader (shouldFuse) does that first, staying
/// an op of one result that the reader computes (a LayerNorm's square of
/// x - mean, in its variance's sum); the producer may then fuse into that
/// reader, if it qualifies.
bool keepsSharedResult(linalg::GenericOp producer, OpOperand *fused,
                       bool separateCostlyTapConsumers) {
  auto consumer = llvm::dyn_cast<linalg::GenericOp>(fused->getOwner());
  if (!consumer || producer->getNumResults() != 1 || !producer.hasPureTensorSemantics() ||
      consumer->getBlock() != producer->getBlock() ||
      consumer.getNumLoops() != consumer.getNumParallelLoops() ||
      !consumer.isDpsInput(fused) || !consumer.getMatchingIndexingMap(fused).isPermutation() ||
      !producer.getMatchingIndexingMap(producer.getDpsInitOperand(0)).isIdentity())
    return false;
  if (consumer->hasOneUse()) {
    OpOperand &read = *consumer->getUses().begin();
    if (linalg::areElementwiseOpsFusable(&read) && shouldFuse(&read, separateCostlyTapConsumers))
      return false;
  }
  std::optional<int64_t> producerPoints = iterationPoints(producer);
  if (!producerPoints || producerPoints != iterationPoints(consumer))
    return false;
  return llvm::all_of(producer->getUses(), [&](OpOperand &use) {
    if (&use == fused)
      return true;
    Operation *user = consumer->getBlock()->findAncestorOpInBlock(*use.getOwner());
    return user && user != consumer.getOperation() && consumer->isBeforeInBlock(user);
  });
}

/// A 1-D convolution runs as a 2-D one of one row, its result collapsed
/// back to [N, F, W] before the activation or residual add that follows
/// it. Folding that collapse into the elementwise consumer (the consumer
/// then works on the 2-D result and its own result is collapsed) lets the
/// convolution compute the consumer in its epilogue, as it does for 2-D
/// convolutions, instead of a pass of its own over the output. Any collapse
/// of a convolution-like op's result (a pool's, a Flatten's) is folded the
/// same way: the elementwise op then has the producer's loops, which
/// changes nothing where no epilogue takes it. (A 16-bit convolution's
/// result passes a conversion to its element type first and is not
/// folded.)
///
/// A grouped convolution (the graph lowering's one generic over all groups)
/// reads its input through an expansion that splits the channels into
/// groups ([N, C, H, W] -> [N, G, C / G, H, W]) and its result is collapsed
/// back (its start is built split already). Its result's collapse folds
/// into the consumer as above, and the expansion of its padded input folds
/// into the padding, which then pads the split input: the padding is then
/// the convolution's own operand, which the GPU kernel reads in place as it
/// does a depthwise convolution's, where it was a kernel of its own. (Only
/// a padding: an elementwise producer would then feed the convolution
/// directly, and shouldFuse does not fuse into a convolution.)
bool expandsConvolutionResult(OpOperand *fused) {
  if (auto expand = llvm::dyn_cast<tensor::ExpandShapeOp>(fused->getOwner())) {
    if (!expand->hasOneUse() || !expand.getSrc().hasOneUse() ||
        !expand.getSrc().getDefiningOp<tensor::PadOp>())
      return false;
    auto convolution = llvm::dyn_cast<linalg::GenericOp>(*expand->getUsers().begin());
    return convolution && linalg::isaConvolutionOpInterface(convolution);
  }
  auto consumer = llvm::dyn_cast<linalg::GenericOp>(fused->getOwner());
  auto collapse = fused->get().getDefiningOp<tensor::CollapseShapeOp>();
  if (!consumer || !collapse || consumer.getNumLoops() != consumer.getNumParallelLoops())
    return false;
  auto source = llvm::dyn_cast_if_present<linalg::LinalgOp>(collapse.getSrc().getDefiningOp());
  return source && (llvm::isa<linalg::ConvolutionOpInterface>(source.getOperation()) ||
                    linalg::isaConvolutionOpInterface(source));
}

/// A matmul computes on matrices, so the graph lowering reshapes its
/// operands to two dimensions and its result back to the model's rank
/// ([B*S, N] -> [B, S, N]) before the op that reads it (an activation, a
/// residual addition), or before the op after its bias addition (BERT's
/// GELU). Folding that expansion into the elementwise consumer by
/// collapsing the consumer's loops (the consumer then works on the 2-D
/// result, its other operands collapsed alike, and its own result is
/// expanded) gives the consumer the matmul's shape: it fuses with the bias
/// addition, and the matmul computes both in its epilogue
/// (kiln-tile-and-vectorize) instead of passes of their own over the result.
bool collapsesMatmulResult(OpOperand *fused) {
  auto consumer = llvm::dyn_cast<linalg::GenericOp>(fused->getOwner());
  auto expand = fused->get().getDefiningOp<tensor::ExpandShapeOp>();
  if (!consumer || !expand || consumer.getNumLoops() != consumer.getNumParallelLoops() ||
      !consumer.isDpsInput(fused))
    return false;
  Operation *source = expand.getSrc().getDefiningOp();
  if (llvm::isa_and_nonnull<linalg::MatmulOp>(source))
    return true;
  auto elementwise = llvm::dyn_cast_if_present<linalg::GenericOp>(source);
  return elementwise && elementwise.getNumLoops() == elementwise.getNumParallelLoops() &&
         llvm::any_of(elementwise.getDpsInputs(), [](Value v) {
           return llvm::isa_and_nonnull<linalg::MatmulOp>(v.getDefiningOp());
         });
}

/// An elementwise generic whose every use is a slice of its result (a
/// recurrent step's gate pre-activations, one [1, 4H] sum split into the
/// LSTM's four gates, or the GRU's sigmoid split into its update and reset
/// gates) is computed slice by slice instead: each slice becomes the
/// generic over slices of its operands, a single-use producer that then
/// fuses into the op reading the slice. The step's gate arithmetic is then
/// one op instead of two or three, one kernel instead of several on GPUs.
/// Only where every slice fuses so (its one reader an elementwise generic
/// in the same block, fusesWithoutRepeats for the slice): a slice read by a
/// matmul would stay an op of its own, several where there was one. The
/// slices (unit strides, the rank kept) may not hold more points together
/// than the generic, so the work does not grow (overlapping slices compute
/// their overlap twice, within that bound).
struct SliceElementwiseProducer : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op, PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1 || op.getNumLoops() != op.getNumParallelLoops() ||
        !op.hasPureTensorSemantics() || op->use_empty() ||
        !op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity())
      return rewriter.notifyMatchFailure(op, "not an elementwise generic");
    std::optional<int64_t> points = iterationPoints(op);
    if (!points)
      return rewriter.notifyMatchFailure(op, "dynamic iteration space");
    SmallVector<tensor::ExtractSliceOp> slices;
    int64_t sliced = 0;
    for (Operation *user : op->getUsers()) {
      auto slice = llvm::dyn_cast<tensor::ExtractSliceOp>(user);
      if (!slice || slice->getBlock() != op->getBlock() || !slice.hasUnitStride() ||
          !slice.getType().hasStaticShape() ||
          slice.getType().getRank() != slice.getSourceType().getRank() || !slice->hasOneUse())
        return rewriter.notifyMatchFailure(op, "a use is not a unit-stride slice read once");
      OpOperand &read = *slice->getUses().begin();
      auto reader = llvm::dyn_cast<linalg::GenericOp>(read.getOwner());
      if (!reader || reader->getBlock() != op->getBlock() || !reader.isDpsInput(&read) ||
          reader.getNumLoops() != reader.getNumParallelLoops())
        return rewriter.notifyMatchFailure(op, "a slice's reader is no elementwise generic");
      int64_t slicePoints = slice.getType().getNumElements();
      if (!fusesWithoutRepeats(op, slicePoints, reader))
        return rewriter.notifyMatchFailure(op, "a slice's reader broadcasts a costly body");
      sliced += slicePoints;
      slices.push_back(slice);
    }
    if (sliced > *points)
      return rewriter.notifyMatchFailure(op, "the slices hold more points than the op");
    auto tileable = llvm::cast<TilingInterface>(op.getOperation());
    for (tensor::ExtractSliceOp slice : slices) {
      rewriter.setInsertionPoint(slice);
      FailureOr<TilingResult> tile = tileable.generateResultTileValue(
          rewriter, 0, slice.getMixedOffsets(), slice.getMixedSizes());
      assert(succeeded(tile) && "an all-parallel generic with an identity output map has a "
                                "tile for every static slice of its result");
      rewriter.replaceOp(slice, tile->tiledValues.front());
    }
    rewriter.eraseOp(op);
    return success();
  }
};

/// An elementwise generic that reads an elementwise producer whose result
/// later ops read too (keepsSharedResult) computes the producer's body in
/// its own and yields the producer's result as well, for those later
/// readers: one op of two results where there were two ops. (Upstream's
/// fusion of such a producer copies its body into the consumer and keeps
/// the producer for its other readers, computing it twice; the next step
/// of a recurrent layer would then fuse it again, each step's copy larger.)
struct FuseSharedProducer : OpRewritePattern<linalg::GenericOp> {
  FuseSharedProducer(MLIRContext *ctx, bool separateCostlyTapConsumers)
      : OpRewritePattern(ctx), separateCostlyTapConsumers(separateCostlyTapConsumers) {}

  LogicalResult matchAndRewrite(linalg::GenericOp consumer,
                                PatternRewriter &rewriter) const override {
    for (OpOperand *fused : consumer.getDpsInputOperands()) {
      auto producer = fused->get().getDefiningOp<linalg::GenericOp>();
      if (!producer || producer->hasOneUse() ||
          producer.getNumLoops() != producer.getNumParallelLoops() ||
          !linalg::areElementwiseOpsFusable(fused) ||
          !keepsSharedResult(producer, fused, separateCostlyTapConsumers))
        continue;
      rewriter.setInsertionPoint(consumer);
      FailureOr<linalg::ElementwiseOpFusionResult> fusion =
          linalg::fuseElementwiseOps(rewriter, fused);
      if (failed(fusion))
        return failure();
      for (auto [original, replacement] : fusion->replacements)
        rewriter.replaceAllUsesWith(original, replacement);
      rewriter.eraseOp(consumer);
      rewriter.eraseOp(producer);
      return success();
    }
    return rewriter.notifyMatchFailure(consumer, "no shared producer to take in");
  }

  bool separateCostlyTapConsumers;
};

struct FuseElementwisePass : impl::FuseElementwiseBase<FuseElementwisePass> {
  using FuseElementwiseBase::FuseElementwiseBase;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    bool separate = separateCostlyTapConsumers;
    linalg::populateElementwiseOpsFusionPatterns(
        patterns, [separate](OpOperand *fused) { return shouldFuse(fused, separate); });
    if (keepSharedResults)
      patterns.add<FuseSharedProducer>(&getContext(), separate);
    patterns.add<SliceElementwiseProducer>(&getContext());
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, expandsConvolutionResult);
    linalg::populateFoldReshapeOpsByCollapsingPatterns(patterns, collapsesMatmulResult);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns)))) {
      getOperation()->emitError("internal error: elementwise fusion did not converge");
      return signalPassFailure();
    }
  }
};

} // namespace
} // namespace kiln::dispatch
