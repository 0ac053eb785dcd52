//===- BlockReduction.cpp - Reductions shared by a block's threads --------===//
//
// The generated block, for T threads (a power of two) and a 32-bit element:
//
//   acc = fold of elements t, t+T, t+2T, ... of the reduction   (registers)
//   shared[t] = acc; barrier
//   for s = T/2 .. 32: if t < s: shared[t] = shared[t] (+) shared[t+s]; barrier
//   v = shared[t mod 32]; five xor shuffles combine the warp's 32 values
//   thread 0: out = v (+) out   (or the consumer of out, where fused: out2 = f(v (+) out))
//
// Other element types (f16, i8, f64...) continue the shared-memory tree down
// to one value instead of shuffling. The barriers are at the top level of
// the thread loop, so every thread of the block reaches each of them; the
// shuffles too, so every lane of each warp takes part.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/BlockReduction.h"

#include "codegen/cpu/ForallUtils.h"
#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/StagedMatmul.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace kiln::gpu {

/// Outputs below which one thread per output leaves most of a GPU idle
/// (a quarter of the threads an H100 holds at once).
static constexpr int64_t kFewOutputs = 32768;

bool sharesOutputsPerBlock(int64_t outputs, int64_t reduced, int64_t threadsPerBlock,
                           bool lanesReadApart) {
  bool fewOutputs = outputs < threadsPerBlock && reduced > 1;
  bool longReductions = outputs < kFewOutputs && reduced >= threadsPerBlock;
  bool rowsApart = outputs < kFewOutputs && reduced >= kWarpSize && lanesReadApart;
  return fewOutputs || longReductions || rowsApart;
}

std::optional<BlockReduction> matchBlockReduction(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0)
    return std::nullopt;
  OpOperand *init = op.getDpsInitOperand(0);
  AffineMap outMap = op.getMatchingIndexingMap(init);
  auto iterators = op.getIteratorTypesArray();
  for (auto [dim, iterator] : llvm::enumerate(iterators))
    if (iterator == utils::IteratorType::reduction && outMap.isFunctionOfDim(dim))
      return std::nullopt;
  Block *body = op.getBlock();
  BlockArgument acc = op.getMatchingBlockArgument(init);
  Value yielded = body->getTerminator()->getOperand(0);
  Operation *combiner = yielded.getDefiningOp();
  if (!combiner || combiner->getBlock() != body || combiner->getNumOperands() != 2 ||
      combiner->getNumResults() != 1 || !yielded.hasOneUse() || !acc.hasOneUse() ||
      *acc.getUsers().begin() != combiner || !yielded.getType().isIntOrFloat() ||
      yielded.getType() != getElementTypeOrSelf(init->get().getType()))
    return std::nullopt;
  // The partial values are combined in another order than the loops'; the
  // arith ops with an identity are the associative, commutative ones.
  std::optional<TypedAttr> neutral = arith::getNeutralElement(combiner);
  if (!neutral)
    return std::nullopt;
  BlockReduction reduction;
  reduction.combiner = combiner;
  reduction.accOperand = combiner->getOperand(0) == acc ? 0 : 1;
  reduction.neutral = *neutral;
  return reduction;
}

bool isShuffleable(Type type) {
  return type.isIntOrFloat() && type.getIntOrFloatBitWidth() <= 32;
}

Value warpTotal(OpBuilder &b, Location loc, const BlockReduction &reduction, Value value) {
  Type type = value.getType();
  const unsigned bits = type.getIntOrFloatBitWidth();
  Type word = b.getI32Type(), narrow = b.getIntegerType(bits);
  for (int32_t offset = kWarpSize / 2; offset >= 1; offset /= 2) {
    // (A narrower value: its bits, zero-extended, and back.)
    Value sent = value;
    if (bits < 32) {
      if (!type.isInteger())
        sent = arith::BitcastOp::create(b, loc, narrow, sent);
      sent = arith::ExtUIOp::create(b, loc, word, sent);
    }
    Value received =
        mlir::gpu::ShuffleOp::create(b, loc, sent, offset, kWarpSize, mlir::gpu::ShuffleMode::XOR)
            .getShuffleResult();
    if (bits < 32) {
      received = arith::TruncIOp::create(b, loc, narrow, received);
      if (!type.isInteger())
        received = arith::BitcastOp::create(b, loc, type, received);
    }
    value = combineWith(b, reduction, received, value);
  }
  return value;
}

int64_t blockReductionThreads(int64_t reductionSize, int64_t maxThreads) {
  int64_t threads = kWarpSize;
  while (threads * kElementsPerReducingThread < reductionSize && threads < maxThreads)
    threads *= 2;
  return threads;
}

Value combineWith(OpBuilder &b, const BlockReduction &reduction, Value x, Value acc) {
  IRMapping mapping;
  mapping.map(reduction.combiner->getOperand(1 - reduction.accOperand), x);
  mapping.map(reduction.combiner->getOperand(reduction.accOperand), acc);
  return b.clone(*reduction.combiner, mapping)->getResult(0);
}

namespace {
/// The loops of a reduction kernel's op: the parallel ones, the reduction
/// ones and the latter's iteration space.
struct ReductionLoops {
  SmallVector<unsigned> parallel, reduced;
  cpu::StaticForallBounds space;
};
} // namespace

static ReductionLoops reductionLoops(linalg::LinalgOp op) {
  ReductionLoops loops;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (auto [dim, iterator] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (iterator == utils::IteratorType::parallel) {
      loops.parallel.push_back(dim);
      continue;
    }
    loops.reduced.push_back(dim);
    loops.space.lowerBounds.push_back(0);
    loops.space.steps.push_back(1);
    loops.space.counts.push_back(ranges[dim]);
    loops.space.total *= ranges[dim];
  }
  return loops;
}

/// This thread's fold of `op`'s reduction elements first, first + step, ...
/// (linear indices into loops.space) from the neutral value; `loopIndices`
/// gives all loop indices for the reduction indices.
static Value foldStrided(OpBuilder &b, Location loc, linalg::LinalgOp op,
                         const BlockReduction &reduction, const ReductionLoops &loops,
                         Value first, int64_t step,
                         function_ref<SmallVector<Value>(ValueRange)> loopIndices) {
  Value neutral = arith::ConstantOp::create(b, loc, reduction.neutral);
  Value total = arith::ConstantIndexOp::create(b, loc, loops.space.total);
  Value stride = arith::ConstantIndexOp::create(b, loc, step);
  OpOperand *init = op.getDpsInitOperand(0);
  auto fold = scf::ForOp::create(
      b, loc, first, total, stride, ValueRange{neutral},
      [&](OpBuilder &b, Location loc, Value linear, ValueRange iterArgs) {
        SmallVector<Value> ivs =
            loopIndices(cpu::delinearizeIteration(b, loc, linear, loops.space));
        IRMapping mapping;
        for (OpOperand *input : op.getDpsInputOperands()) {
          Value value = input->get();
          if (llvm::isa<MemRefType>(value.getType()))
            value = memref::LoadOp::create(
                b, loc, value, applyIndexingMap(b, loc, op.getMatchingIndexingMap(input), ivs));
          mapping.map(op.getMatchingBlockArgument(input), value);
        }
        mapping.map(op.getMatchingBlockArgument(init), iterArgs[0]);
        scf::YieldOp::create(b, loc, cloneLinalgBody(b, op, mapping,
                                                     [&](unsigned dim) { return ivs[dim]; }));
      });
  return fold.getResult(0);
}

/// Folds `total` into the start of `op`'s output at loop indices `ivs`
/// (reduction loops at 0): the start's value there (`fusion.start`) or the
/// output's, and stores the result, or the consumer's value at it.
static void finishOutput(OpBuilder &b, Location loc, linalg::LinalgOp op,
                         const BlockReduction &reduction, const StagedFusion &fusion,
                         Value total, ArrayRef<Value> ivs) {
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<Value> indices = applyIndexingMap(b, loc, op.getMatchingIndexingMap(init), ivs);
  Value out = init->get();
  Value old = fusion.start ? elementAt(b, loc, fusion.start, indices)
                           : Value(memref::LoadOp::create(b, loc, out, indices));
  storeResult(b, loc, fusion.consumer, out, combineWith(b, reduction, total, old), indices);
}

LogicalResult buildBlockReduction(RewriterBase &rewriter, linalg::LinalgOp op,
                                  const BlockReduction &reduction, int64_t maxThreads,
                                  const StagedFusion &fusion) {
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  ReductionLoops loops = reductionLoops(op);
  const int64_t threads = blockReductionThreads(loops.space.total, maxThreads);
  Type elementType = reduction.combiner->getResult(0).getType();
  // Shuffles move up to 32 bits; wider types stay in shared memory.
  const bool useShuffles = isShuffleable(elementType);
  const int64_t treeEnd = useShuffles ? kWarpSize : 1;

  // One block per output element.
  rewriter.setInsertionPoint(op);
  SmallVector<OpFoldResult> outputCounts;
  for (unsigned dim : loops.parallel)
    outputCounts.push_back(rewriter.getIndexAttr(ranges[dim]));
  if (outputCounts.empty())
    outputCounts.push_back(rewriter.getIndexAttr(1));
  auto blockLoop = scf::ForallOp::create(rewriter, loc, outputCounts, ValueRange{},
                                         linearGpuMapping(ctx, outputCounts.size(), true));
  rewriter.setInsertionPoint(blockLoop.getBody()->getTerminator());
  SmallVector<Value> blockIvs = llvm::to_vector(blockLoop.getInductionVars());
  Value shared;
  if (threads > treeEnd) {
    auto workgroup =
        mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup);
    shared = memref::AllocOp::create(
        rewriter, loc, MemRefType::get({threads}, elementType, MemRefLayoutAttrInterface(),
                                       workgroup));
  }
  auto threadLoop =
      scf::ForallOp::create(rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(threads)},
                            ValueRange{}, linearGpuMapping(ctx, 1, false));
  rewriter.setInsertionPoint(threadLoop.getBody()->getTerminator());
  Value tid = threadLoop.getInductionVars()[0];

  // The indices of all loops for the block's output element and the given
  // reduction indices.
  auto loopIndices = [&](ValueRange reductionIvs) {
    SmallVector<Value> ivs(ranges.size());
    for (auto [i, dim] : llvm::enumerate(loops.parallel))
      ivs[dim] = blockIvs[i];
    for (auto [i, dim] : llvm::enumerate(loops.reduced))
      ivs[dim] = reductionIvs[i];
    return ivs;
  };
  auto combine = [&](OpBuilder &b, Value x, Value acc) {
    return combineWith(b, reduction, x, acc);
  };

  // Each thread folds every `threads`-th element of the reduction.
  Value value = foldStrided(rewriter, loc, op, reduction, loops, tid, threads, loopIndices);

  // The tree over shared memory, halving the active threads each step.
  if (shared) {
    memref::StoreOp::create(rewriter, loc, value, shared, tid);
    mlir::gpu::BarrierOp::create(rewriter, loc);
    for (int64_t half = threads / 2; half >= treeEnd; half /= 2) {
      Value halfValue = arith::ConstantIndexOp::create(rewriter, loc, half);
      Value active =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult, tid, halfValue);
      scf::IfOp::create(rewriter, loc, active, [&](OpBuilder &b, Location loc) {
        Value mine = memref::LoadOp::create(b, loc, shared, tid);
        Value partner = arith::AddIOp::create(b, loc, tid, halfValue);
        Value other = memref::LoadOp::create(b, loc, shared, partner);
        memref::StoreOp::create(b, loc, combine(b, other, mine), shared, tid);
        scf::YieldOp::create(b, loc);
      });
      mlir::gpu::BarrierOp::create(rewriter, loc);
    }
    Value slot = useShuffles ? Value(arith::RemUIOp::create(
                                   rewriter, loc, tid,
                                   arith::ConstantIndexOp::create(rewriter, loc, kWarpSize)))
                             : Value(arith::ConstantIndexOp::create(rewriter, loc, 0));
    value = memref::LoadOp::create(rewriter, loc, shared, slot);
  }
  // A butterfly within each warp: afterwards every lane holds the warp's
  // total (only the first warp's is used).
  if (useShuffles)
    value = warpTotal(rewriter, loc, reduction, value);

  // Thread 0 folds the block's total into the output's initial value
  // (and computes the consumer's value there).
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value first = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, tid, zero);
  scf::IfOp::create(rewriter, loc, first, [&](OpBuilder &b, Location loc) {
    SmallVector<Value> zeros(loops.reduced.size(), zero);
    finishOutput(b, loc, op, reduction, fusion, value, loopIndices(zeros));
    scf::YieldOp::create(b, loc);
  });
  eraseWithTakenIn(rewriter, op, fusion);
  return success();
}

/// The longest reduction a column reduction takes: each lane folds at most
/// an eighth of it, one after another (a block per output or one thread
/// per output shares longer ones among more threads).
static constexpr int64_t kMaxColumnReduction = 4096;

std::optional<ColumnReduction> matchColumnReduction(linalg::LinalgOp op) {
  std::optional<BlockReduction> reduction = matchBlockReduction(op);
  if (!reduction)
    return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t outputs = 1, reduced = 1;
  for (auto [range, iterator] : llvm::zip(ranges, op.getIteratorTypesArray())) {
    if (ShapedType::isDynamic(range))
      return std::nullopt;
    (iterator == utils::IteratorType::parallel ? outputs : reduced) *= range;
  }
  if (outputs >= kFewOutputs || reduced < 2 * kColumnWarps || reduced > kMaxColumnReduction)
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (outMap.getNumResults() == 0)
    return std::nullopt;
  auto innermost = llvm::dyn_cast<AffineDimExpr>(outMap.getResults().back());
  if (!innermost || ranges[innermost.getPosition()] < kWarpSize)
    return std::nullopt;
  unsigned columns = innermost.getPosition();
  int64_t together = 0;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (!map.isFunctionOfDim(columns))
      continue;
    ArrayRef<AffineExpr> results = map.getResults();
    if (results.back() != getAffineDimExpr(columns, op.getContext()) ||
        llvm::any_of(results.drop_back(),
                     [&](AffineExpr e) { return e.isFunctionOfDim(columns); }))
      return std::nullopt;
    ++together;
  }
  if (together == 0)
    return std::nullopt;
  return ColumnReduction{*reduction, columns};
}

namespace {
/// A column reduction kernel's loops: blocks over the outputs, their
/// `columns`-th loop in groups of kWarpSize; in each, a workgroup buffer
/// and kColumnWarps x kWarpSize threads.
struct ColumnBlock {
  scf::ForallOp blocks;
  Value shared, tid, lane, warp;
  /// The output indices of this lane's output: the block's, its column
  /// (block column group x kWarpSize + lane) clamped into the range (a
  /// lane past the end reads the last column).
  SmallVector<Value> outputIvs;
  /// Whether the column is an output (null where every one is).
  Value inside;
};
} // namespace

/// Builds before `at` a column reduction kernel's loops over outputs of
/// `ranges` (the column loop `columns`) with a workgroup buffer of
/// `sharedValues` elements, and leaves `rewriter` in the thread loop.
static ColumnBlock openColumnBlock(RewriterBase &rewriter, Location loc, Operation *at,
                                   ArrayRef<int64_t> ranges, unsigned columns,
                                   int64_t sharedValues, Type elementType) {
  MLIRContext *ctx = rewriter.getContext();
  auto constant = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(rewriter, loc, v);
  };
  SmallVector<OpFoldResult> blockCounts;
  for (auto [i, range] : llvm::enumerate(ranges))
    blockCounts.push_back(
        rewriter.getIndexAttr(i == columns ? llvm::divideCeil(range, kWarpSize) : range));
  ColumnBlock block;
  rewriter.setInsertionPoint(at);
  block.blocks = scf::ForallOp::create(rewriter, loc, blockCounts, ValueRange{},
                                       linearGpuMapping(ctx, blockCounts.size(), true));
  rewriter.setInsertionPoint(block.blocks.getBody()->getTerminator());
  auto workgroup = mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup);
  block.shared = memref::AllocOp::create(
      rewriter, loc,
      MemRefType::get({sharedValues}, elementType, MemRefLayoutAttrInterface(), workgroup));
  auto threadLoop = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(kColumnWarps * kWarpSize)},
      ValueRange{}, linearGpuMapping(ctx, 1, false));
  rewriter.setInsertionPoint(threadLoop.getBody()->getTerminator());
  block.tid = threadLoop.getInductionVars()[0];
  block.lane = arith::RemUIOp::create(rewriter, loc, block.tid, constant(kWarpSize));
  block.warp = arith::DivUIOp::create(rewriter, loc, block.tid, constant(kWarpSize));
  block.outputIvs = llvm::to_vector(block.blocks.getInductionVars());
  Value &column = block.outputIvs[columns];
  column = arith::AddIOp::create(
      rewriter, loc, arith::MulIOp::create(rewriter, loc, column, constant(kWarpSize)),
      block.lane);
  if (ranges[columns] % kWarpSize != 0) {
    block.inside = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult, column,
                                         constant(ranges[columns]));
    column = arith::MinUIOp::create(rewriter, loc, column, constant(ranges[columns] - 1));
  }
  return block;
}

/// The values the warps stored for this lane's column at `base` + w
/// kWarpSize of the workgroup buffer, combined in warp order.
static Value foldWarps(OpBuilder &b, Location loc, const BlockReduction &reduction,
                       const ColumnBlock &block, int64_t base) {
  Value total;
  for (int64_t w = 0; w < kColumnWarps; ++w) {
    Value slot = arith::AddIOp::create(
        b, loc, block.lane, arith::ConstantIndexOp::create(b, loc, base + w * kWarpSize));
    Value value = memref::LoadOp::create(b, loc, block.shared, slot);
    total = total ? combineWith(b, reduction, value, total) : value;
  }
  return total;
}

/// Builds `body` for the lanes of warp 0 whose column is an output.
static void onFirstWarp(OpBuilder &b, Location loc, const ColumnBlock &block,
                        function_ref<void(OpBuilder &, Location)> body) {
  Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, block.warp,
                                      arith::ConstantIndexOp::create(b, loc, 0));
  if (block.inside)
    first = arith::AndIOp::create(b, loc, first, block.inside);
  scf::IfOp::create(b, loc, first, [&](OpBuilder &b, Location loc) {
    body(b, loc);
    scf::YieldOp::create(b, loc);
  });
}

void buildColumnReduction(RewriterBase &rewriter, linalg::LinalgOp op,
                          const ColumnReduction &column, const StagedFusion &fusion) {
  Location loc = op.getLoc();
  const BlockReduction &reduction = column.reduction;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  ReductionLoops loops = reductionLoops(op);
  SmallVector<int64_t> outputRanges;
  unsigned columns = 0;
  for (unsigned dim : loops.parallel) {
    if (dim == column.columns)
      columns = outputRanges.size();
    outputRanges.push_back(ranges[dim]);
  }
  ColumnBlock block =
      openColumnBlock(rewriter, loc, op, outputRanges, columns, kColumnWarps * kWarpSize,
                      reduction.combiner->getResult(0).getType());

  // The loop indices of this lane's output and the given reduction
  // indices.
  auto loopIndices = [&](ValueRange reductionIvs) {
    SmallVector<Value> ivs(ranges.size());
    for (auto [i, dim] : llvm::enumerate(loops.parallel))
      ivs[dim] = block.outputIvs[i];
    for (auto [i, dim] : llvm::enumerate(loops.reduced))
      ivs[dim] = reductionIvs[i];
    return ivs;
  };

  // Each warp folds every kColumnWarps-th element of the reduction.
  Value partial =
      foldStrided(rewriter, loc, op, reduction, loops, block.warp, kColumnWarps, loopIndices);
  memref::StoreOp::create(rewriter, loc, partial, block.shared, block.tid);
  mlir::gpu::BarrierOp::create(rewriter, loc);

  // Warp 0 folds the warps' values of its lane's column, in warp order,
  // into the output's start, and stores the result (or the consumer's).
  onFirstWarp(rewriter, loc, block, [&](OpBuilder &b, Location loc) {
    Value total = foldWarps(b, loc, reduction, block, 0);
    SmallVector<Value> zeros(loops.reduced.size(), arith::ConstantIndexOp::create(b, loc, 0));
    finishOutput(b, loc, op, reduction, fusion, total, loopIndices(zeros));
  });
  eraseWithTakenIn(rewriter, op, fusion);
}

/// markSlicedConsumer's marks: the product's number (markStagedFusion's)
/// and, per slice, [operand number, offsets...].
static constexpr llvm::StringLiteral kSlicedConsumerAttr = "kiln.sliced_consumer";
static constexpr llvm::StringLiteral kSlicedOffsetsAttr = "kiln.sliced_offsets";

namespace {
/// The one elementwise generic that reads a result (on tensors), and the
/// [operand number, offsets...] of each slice of it that it reads.
struct SliceReads {
  linalg::GenericOp consumer;
  SmallVector<Attribute> slices;
  /// Whether some slice is less than the whole result.
  bool partial = false;
};
} // namespace

static std::optional<SliceReads> sliceReads(linalg::LinalgOp op) {
  if (op->getNumResults() != 1 || op.getNumDpsInits() != 1 || !op.hasPureTensorSemantics())
    return std::nullopt;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (!outMap.isProjectedPermutation() || outMap.getNumResults() != op.getNumParallelLoops())
    return std::nullopt;
  // The slices (and slices of slices) of the result, down to the one
  // generic that reads them.
  SliceReads reads;
  Value result = op->getResult(0);
  SmallVector<std::pair<Value, SmallVector<int64_t>>> pending;
  pending.push_back({result, SmallVector<int64_t>(outMap.getNumResults(), 0)});
  while (!pending.empty()) {
    auto [value, offsets] = pending.pop_back_val();
    for (OpOperand &use : value.getUses()) {
      if (auto slice = llvm::dyn_cast<tensor::ExtractSliceOp>(use.getOwner())) {
        if (!slice.hasUnitStride() || !slice.getType().hasStaticShape() ||
            slice.getType().getRank() != slice.getSourceType().getRank() ||
            llvm::any_of(slice.getStaticOffsets(), ShapedType::isDynamic))
          return std::nullopt;
        SmallVector<int64_t> inner(offsets);
        for (auto [total, offset] : llvm::zip(inner, slice.getStaticOffsets()))
          total += offset;
        reads.partial |= slice.getType() != result.getType();
        pending.push_back({slice.getResult(), inner});
        continue;
      }
      auto reader = llvm::dyn_cast<linalg::GenericOp>(use.getOwner());
      if (!reader || (reads.consumer && reader != reads.consumer) || !reader.isDpsInput(&use) ||
          !reader.getMatchingIndexingMap(&use).isIdentity())
        return std::nullopt;
      reads.consumer = reader;
      SmallVector<int64_t> entry{use.getOperandNumber()};
      entry.append(offsets);
      reads.slices.push_back(DenseI64ArrayAttr::get(op.getContext(), entry));
    }
  }
  linalg::GenericOp consumer = reads.consumer;
  if (!consumer || reads.slices.size() > static_cast<size_t>(kMaxConsumerSlices) ||
      consumer->getBlock() != op->getBlock() || !op->isBeforeInBlock(consumer) ||
      isMarkedForStagedFusion(consumer) || isSlicedConsumer(consumer) ||
      consumer.getNumLoops() != consumer.getNumParallelLoops() ||
      consumer.getNumLoops() != outMap.getNumResults() || !consumer.hasPureTensorSemantics())
    return std::nullopt;
  // It writes fresh tensors whole, at identity maps, and its body reads no
  // tensor from above (findSlicedConsumer checks operands' buffers only).
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(consumer->getRegion(0), captured);
  if (llvm::any_of(captured, [](Value v) { return llvm::isa<ShapedType>(v.getType()); }))
    return std::nullopt;
  for (OpOperand &init : consumer.getDpsInitsMutable())
    if (!consumer.getMatchingIndexingMap(&init).isIdentity() ||
        !init.get().getDefiningOp<tensor::EmptyOp>() ||
        !consumer.getMatchingBlockArgument(&init).use_empty())
      return std::nullopt;
  return reads;
}

bool readThroughSlices(linalg::LinalgOp op) {
  std::optional<SliceReads> reads = sliceReads(op);
  return reads && (reads->partial || reads->consumer->getNumResults() > 1);
}

void markSlicedConsumer(linalg::LinalgOp op) {
  int64_t mark = stagedFusionMark(op);
  std::optional<SliceReads> reads = mark < 0 ? std::nullopt : sliceReads(op);
  if (!reads)
    return;
  MLIRContext *ctx = op.getContext();
  reads->consumer->setAttr(kSlicedConsumerAttr,
                           IntegerAttr::get(IntegerType::get(ctx, 64), mark));
  reads->consumer->setAttr(kSlicedOffsetsAttr, ArrayAttr::get(ctx, reads->slices));
}

bool isSlicedConsumer(Operation *op) { return op->hasAttr(kSlicedConsumerAttr); }

void clearSlicedConsumerMarks(Operation *op) {
  op->removeAttr(kSlicedConsumerAttr);
  op->removeAttr(kSlicedOffsetsAttr);
}

std::optional<SlicedConsumer> findSlicedConsumer(linalg::LinalgOp op, linalg::LinalgOp start) {
  int64_t mark = stagedFusionMark(op);
  if (mark < 0)
    return std::nullopt;
  SlicedConsumer sliced;
  for (Operation *it = op->getNextNode(); it && !sliced.consumer; it = it->getNextNode()) {
    auto marked = it->getAttrOfType<IntegerAttr>(kSlicedConsumerAttr);
    if (marked && marked.getInt() == mark)
      sliced.consumer = llvm::dyn_cast<linalg::GenericOp>(it);
  }
  if (!sliced.consumer || !sliced.consumer.hasPureBufferSemantics())
    return std::nullopt;
  linalg::GenericOp consumer = sliced.consumer;
  // The result is a buffer of its own (no view) that only the start, the
  // product and the consumer's slices use.
  Value result = op.getDpsInits()[0];
  if (!result.getDefiningOp<memref::AllocOp>())
    return std::nullopt;
  llvm::SmallDenseSet<unsigned> sliceOperands;
  for (Attribute attr : consumer->getAttrOfType<ArrayAttr>(kSlicedOffsetsAttr)) {
    ArrayRef<int64_t> entry = llvm::cast<DenseI64ArrayAttr>(attr).asArrayRef();
    unsigned number = entry.front();
    if (number >= consumer->getNumOperands() ||
        rootBuffer(consumer->getOperand(number)) != result)
      return std::nullopt;
    sliced.slices.push_back({number, SmallVector<int64_t>(entry.drop_front())});
    sliceOperands.insert(number);
  }
  bool alone = usesThroughViewsAre(result, [&](OpOperand &use) {
    Operation *user = use.getOwner();
    return user == op.getOperation() || user == start.getOperation() ||
           llvm::isa<memref::DeallocOp>(user) ||
           (user == consumer.getOperation() && sliceOperands.contains(use.getOperandNumber()));
  });
  if (!alone)
    return std::nullopt;
  // The kernel computes the product where the consumer is, while other
  // blocks still read the product's and the start's inputs, and the
  // consumer's inputs at other elements than their own: its outputs may be
  // none of those, and nothing in between may use them, the result, or the
  // product's inputs.
  SmallVector<Value> read;
  for (linalg::LinalgOp reader : {op, start}) {
    if (!reader)
      continue;
    for (Value operand : reader->getOperands())
      if (operand != result && llvm::isa<MemRefType>(operand.getType()))
        read.push_back(rootBuffer(operand));
  }
  SmallVector<Value> watched(read);
  watched.push_back(result);
  for (OpOperand *input : consumer.getDpsInputOperands())
    if (!consumer.getMatchingIndexingMap(input).isIdentity())
      read.push_back(rootBuffer(input->get()));
  for (Value init : consumer.getDpsInits()) {
    Value output = rootBuffer(init);
    if (output == result || llvm::is_contained(read, output))
      return std::nullopt;
    watched.push_back(output);
  }
  if (usedBetween(op, consumer, watched))
    return std::nullopt;
  return sliced;
}

void buildSlicedColumnReduction(RewriterBase &rewriter, linalg::LinalgOp op,
                                const ColumnReduction &column, linalg::LinalgOp start,
                                const SlicedConsumer &sliced) {
  linalg::GenericOp consumer = sliced.consumer;
  Location loc = consumer.getLoc();
  const BlockReduction &reduction = column.reduction;
  const int64_t threads = kColumnWarps * kWarpSize;
  ReductionLoops loops = reductionLoops(op);
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  // Blocks over the consumer's outputs (its loops are the result's
  // dimensions, the columns innermost).
  SmallVector<int64_t> ranges = consumer.getStaticLoopRanges();
  ColumnBlock block =
      openColumnBlock(rewriter, loc, consumer, ranges, ranges.size() - 1,
                      static_cast<int64_t>(sliced.slices.size()) * threads,
                      reduction.combiner->getResult(0).getType());
  // The indices into the product's result of a slice's element there.
  auto resultIndices = [&](OpBuilder &b, ArrayRef<int64_t> offsets) {
    SmallVector<Value> indices;
    for (auto [iv, offset] : llvm::zip(block.outputIvs, offsets))
      indices.push_back(
          offset ? Value(arith::AddIOp::create(b, loc, iv,
                                               arith::ConstantIndexOp::create(b, loc, offset)))
                 : iv);
    return indices;
  };

  // Each warp folds every kColumnWarps-th element of each slice's
  // reductions, into the slice's part of the workgroup buffer.
  for (auto [i, slice] : llvm::enumerate(sliced.slices)) {
    SmallVector<Value> indices = resultIndices(rewriter, slice.second);
    auto loopIndices = [&](ValueRange reductionIvs) {
      SmallVector<Value> ivs(op.getNumLoops());
      for (auto [d, index] : llvm::enumerate(indices))
        ivs[outMap.getDimPosition(d)] = index;
      for (auto [j, dim] : llvm::enumerate(loops.reduced))
        ivs[dim] = reductionIvs[j];
      return ivs;
    };
    Value partial =
        foldStrided(rewriter, loc, op, reduction, loops, block.warp, kColumnWarps, loopIndices);
    Value slot = arith::AddIOp::create(rewriter, loc, block.tid,
                                       arith::ConstantIndexOp::create(rewriter, loc, i * threads));
    memref::StoreOp::create(rewriter, loc, partial, block.shared, slot);
  }
  mlir::gpu::BarrierOp::create(rewriter, loc);

  // Warp 0 adds each slice's warp values of its lane's column, in warp
  // order, into the start there, and computes the consumer's values.
  onFirstWarp(rewriter, loc, block, [&](OpBuilder &b, Location loc) {
    IRMapping mapping;
    for (auto [i, slice] : llvm::enumerate(sliced.slices)) {
      Value total = foldWarps(b, loc, reduction, block, i * threads);
      SmallVector<Value> indices = resultIndices(b, slice.second);
      Value old = start ? elementAt(b, loc, start, indices)
                        : Value(memref::LoadOp::create(b, loc, op.getDpsInits()[0], indices));
      mapping.map(consumer.getBody()->getArgument(slice.first),
                  combineWith(b, reduction, total, old));
    }
    for (OpOperand *input : consumer.getDpsInputOperands()) {
      BlockArgument argument = consumer.getMatchingBlockArgument(input);
      if (mapping.contains(argument))
        continue;
      mapping.map(argument,
                  memref::LoadOp::create(b, loc, input->get(),
                                         applyIndexingMap(b, loc,
                                                          consumer.getMatchingIndexingMap(input),
                                                          block.outputIvs)));
    }
    SmallVector<Value> results = cloneLinalgBodyResults(
        b, consumer, mapping, [&](unsigned dim) { return block.outputIvs[dim]; });
    for (auto [value, init] : llvm::zip(results, consumer.getDpsInits()))
      memref::StoreOp::create(b, loc, value, init, block.outputIvs);
  });
  rewriter.eraseOp(consumer);
  rewriter.eraseOp(op);
  if (start)
    rewriter.eraseOp(start);
}

} // namespace kiln::gpu
