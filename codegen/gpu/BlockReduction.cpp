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

LogicalResult buildBlockReduction(RewriterBase &rewriter, linalg::LinalgOp op,
                                  const BlockReduction &reduction, int64_t maxThreads,
                                  const StagedFusion &fusion) {
  linalg::LinalgOp start = fusion.start;
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto iterators = op.getIteratorTypesArray();
  SmallVector<unsigned> parallelDims, reductionDims;
  cpu::StaticForallBounds reductionSpace;
  for (auto [dim, iterator] : llvm::enumerate(iterators)) {
    if (iterator == utils::IteratorType::parallel) {
      parallelDims.push_back(dim);
      continue;
    }
    reductionDims.push_back(dim);
    reductionSpace.lowerBounds.push_back(0);
    reductionSpace.steps.push_back(1);
    reductionSpace.counts.push_back(ranges[dim]);
    reductionSpace.total *= ranges[dim];
  }
  const int64_t threads = blockReductionThreads(reductionSpace.total, maxThreads);
  OpOperand *init = op.getDpsInitOperand(0);
  Type elementType = reduction.combiner->getResult(0).getType();
  // Shuffles move 32-bit registers; other types stay in shared memory.
  const bool useShuffles = elementType.getIntOrFloatBitWidth() == 32;
  const int64_t treeEnd = useShuffles ? kWarpSize : 1;

  // One block per output element.
  rewriter.setInsertionPoint(op);
  SmallVector<OpFoldResult> outputCounts;
  for (unsigned dim : parallelDims)
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
    for (auto [i, dim] : llvm::enumerate(parallelDims))
      ivs[dim] = blockIvs[i];
    for (auto [i, dim] : llvm::enumerate(reductionDims))
      ivs[dim] = reductionIvs[i];
    return ivs;
  };
  // `x (+) acc` with the op's own combiner.
  auto combine = [&](OpBuilder &b, Value x, Value acc) -> Value {
    IRMapping mapping;
    mapping.map(reduction.combiner->getOperand(1 - reduction.accOperand), x);
    mapping.map(reduction.combiner->getOperand(reduction.accOperand), acc);
    return b.clone(*reduction.combiner, mapping)->getResult(0);
  };

  // Each thread folds every `threads`-th element of the reduction.
  Value neutral = arith::ConstantOp::create(rewriter, loc, reduction.neutral);
  Value total = arith::ConstantIndexOp::create(rewriter, loc, reductionSpace.total);
  Value stride = arith::ConstantIndexOp::create(rewriter, loc, threads);
  auto partial = scf::ForOp::create(
      rewriter, loc, tid, total, stride, ValueRange{neutral},
      [&](OpBuilder &b, Location loc, Value linear, ValueRange iterArgs) {
        SmallVector<Value> ivs =
            loopIndices(cpu::delinearizeIteration(b, loc, linear, reductionSpace));
        IRMapping mapping;
        for (OpOperand *input : op.getDpsInputOperands()) {
          Value value = input->get();
          if (llvm::isa<MemRefType>(value.getType()))
            value = memref::LoadOp::create(b, loc, value,
                                           applyIndexingMap(b, loc, op.getMatchingIndexingMap(input), ivs));
          mapping.map(op.getMatchingBlockArgument(input), value);
        }
        mapping.map(op.getMatchingBlockArgument(init), iterArgs[0]);
        scf::YieldOp::create(b, loc, cloneLinalgBody(b, op, mapping,
                                                     [&](unsigned dim) { return ivs[dim]; }));
      });
  Value value = partial.getResult(0);

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
    SmallVector<Value> zeros(reductionDims.size(), zero);
    SmallVector<Value> indices =
        applyIndexingMap(b, loc, op.getMatchingIndexingMap(init), loopIndices(zeros));
    Value out = init->get();
    Value old = start ? startElement(b, loc, start, indices)
                      : Value(memref::LoadOp::create(b, loc, out, indices));
    storeResult(b, loc, fusion.consumer, out, combine(b, value, old), indices);
    scf::YieldOp::create(b, loc);
  });
  eraseWithTakenIn(rewriter, op, fusion);
  return success();
}

} // namespace kiln::gpu
