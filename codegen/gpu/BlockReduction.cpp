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
#include "mlir/IR/IRMapping.h"

using namespace mlir;

namespace kiln::gpu {

/// Outputs below which one thread per output leaves most of a GPU idle
/// (a quarter of the threads an H100 holds at once).
static constexpr int64_t kFewOutputs = 32768;

bool sharesOutputsPerBlock(int64_t outputs, int64_t reduced, int64_t threadsPerBlock) {
  bool fewOutputs = outputs < threadsPerBlock && reduced > 1;
  bool longReductions = outputs < kFewOutputs && reduced >= threadsPerBlock;
  return fewOutputs || longReductions;
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
  Value old = fusion.start ? startElement(b, loc, fusion.start, indices)
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
  // Shuffles move 32-bit registers; other types stay in shared memory.
  const bool useShuffles = elementType.getIntOrFloatBitWidth() == 32;
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
  if (useShuffles) {
    for (int32_t offset = kWarpSize / 2; offset >= 1; offset /= 2) {
      auto shuffle = mlir::gpu::ShuffleOp::create(rewriter, loc, value, offset, kWarpSize,
                                                  mlir::gpu::ShuffleMode::XOR);
      value = combine(rewriter, shuffle.getShuffleResult(), value);
    }
  }

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

void buildColumnReduction(RewriterBase &rewriter, linalg::LinalgOp op,
                          const ColumnReduction &column, const StagedFusion &fusion) {
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  const BlockReduction &reduction = column.reduction;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  const int64_t columns = ranges[column.columns];
  const bool partialColumns = columns % kWarpSize != 0;
  ReductionLoops loops = reductionLoops(op);
  SmallVector<OpFoldResult> blockCounts;
  for (unsigned dim : loops.parallel)
    blockCounts.push_back(rewriter.getIndexAttr(
        dim == column.columns ? llvm::divideCeil(columns, kWarpSize) : ranges[dim]));
  Type elementType = reduction.combiner->getResult(0).getType();
  auto constant = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };

  rewriter.setInsertionPoint(op);
  auto blockLoop = scf::ForallOp::create(rewriter, loc, blockCounts, ValueRange{},
                                         linearGpuMapping(ctx, blockCounts.size(), true));
  rewriter.setInsertionPoint(blockLoop.getBody()->getTerminator());
  auto workgroup = mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup);
  Value shared = memref::AllocOp::create(
      rewriter, loc,
      MemRefType::get({kColumnWarps * kWarpSize}, elementType, MemRefLayoutAttrInterface(),
                      workgroup));
  auto threadLoop = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(kColumnWarps * kWarpSize)},
      ValueRange{}, linearGpuMapping(ctx, 1, false));
  rewriter.setInsertionPoint(threadLoop.getBody()->getTerminator());
  Value tid = threadLoop.getInductionVars()[0];
  Value lane = arith::RemUIOp::create(rewriter, loc, tid, constant(rewriter, kWarpSize));
  Value warp = arith::DivUIOp::create(rewriter, loc, tid, constant(rewriter, kWarpSize));

  // The loop indices of this lane's output (its column clamped into the
  // range: a lane past the end reads the last column) and the given
  // reduction indices; `inside`: whether the column is an output.
  SmallVector<Value> outputIvs(ranges.size());
  Value inside;
  for (auto [i, dim] : llvm::enumerate(loops.parallel)) {
    Value iv = blockLoop.getInductionVars()[i];
    if (dim == column.columns) {
      iv = arith::AddIOp::create(
          rewriter, loc, arith::MulIOp::create(rewriter, loc, iv, constant(rewriter, kWarpSize)),
          lane);
      if (partialColumns) {
        inside = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult, iv,
                                       constant(rewriter, columns));
        iv = arith::MinUIOp::create(rewriter, loc, iv, constant(rewriter, columns - 1));
      }
    }
    outputIvs[dim] = iv;
  }
  auto loopIndices = [&](ValueRange reductionIvs) {
    SmallVector<Value> ivs(outputIvs);
    for (auto [i, dim] : llvm::enumerate(loops.reduced))
      ivs[dim] = reductionIvs[i];
    return ivs;
  };

  // Each warp folds every kColumnWarps-th element of the reduction.
  Value partial =
      foldStrided(rewriter, loc, op, reduction, loops, warp, kColumnWarps, loopIndices);
  memref::StoreOp::create(rewriter, loc, partial, shared, tid);
  mlir::gpu::BarrierOp::create(rewriter, loc);

  // Warp 0 folds the warps' values of its lane's column, in warp order,
  // into the output's start, and stores the result (or the consumer's).
  Value first = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, warp,
                                      constant(rewriter, 0));
  if (inside)
    first = arith::AndIOp::create(rewriter, loc, first, inside);
  scf::IfOp::create(rewriter, loc, first, [&](OpBuilder &b, Location loc) {
    Value total = memref::LoadOp::create(b, loc, shared, lane);
    for (int64_t w = 1; w < kColumnWarps; ++w) {
      Value slot = arith::AddIOp::create(b, loc, lane, constant(b, w * kWarpSize));
      total = combineWith(b, reduction, memref::LoadOp::create(b, loc, shared, slot), total);
    }
    SmallVector<Value> zeros(loops.reduced.size(), constant(b, 0));
    finishOutput(b, loc, op, reduction, fusion, total, loopIndices(zeros));
    scf::YieldOp::create(b, loc);
  });
  eraseWithTakenIn(rewriter, op, fusion);
}

} // namespace kiln::gpu
