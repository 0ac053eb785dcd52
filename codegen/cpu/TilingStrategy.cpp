//===- TilingStrategy.cpp - How each linalg op is tiled on CPUs -----------===//
//
// Register tiles follow the measurements in docs/ (and the team's perf
// notes): a matmul micro-tile of 8 rows x 32 columns with a unit K step keeps
// the accumulators in vector registers once loop-invariant subset hoisting
// has moved the C tile out of the K loop. Convolutions and pools are tiled so
// the window's row and the output row are single elements, which lets the
// upstream decomposition turn them into vectorizable 1-D ops.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/TilingStrategy.h"

using namespace mlir;

namespace kiln::cpu {

int64_t largestDivisorAtMost(int64_t n, int64_t limit) {
  if (n <= limit)
    return std::max<int64_t>(n, 1);
  for (int64_t d = limit; d > 1; --d)
    if (n % d == 0)
      return d;
  return 1;
}

/// Below this many iteration points an op runs on one thread: waking the
/// pool costs more than the work.
static constexpr int64_t kMinParallelWork = 1 << 14;
/// How many parallel tasks an op is split into at most. A multiple of common
/// core counts, and small enough that per-task overhead stays negligible.
static constexpr int64_t kMaxTasks = 16;

static int64_t product(ArrayRef<int64_t> v) {
  int64_t p = 1;
  for (int64_t x : v)
    p *= x;
  return p;
}

/// Thread tiles that split the first parallel loop of size > 1 into at most
/// kMaxTasks tasks (0 elsewhere).
static SmallVector<int64_t> splitFirstParallelLoop(linalg::LinalgOp op,
                                                   ArrayRef<int64_t> ranges) {
  SmallVector<int64_t> tiles(ranges.size(), 0);
  if (product(ranges) < kMinParallelWork)
    return {};
  auto iterators = op.getIteratorTypesArray();
  for (size_t i = 0; i < ranges.size(); ++i) {
    if (iterators[i] != utils::IteratorType::parallel || ranges[i] < 2)
      continue;
    int64_t tasks = largestDivisorAtMost(ranges[i], kMaxTasks);
    if (tasks < 2)
      continue;
    tiles[i] = ranges[i] / tasks;
    return tiles;
  }
  return {};
}

std::optional<TilingPlan> planTiling(linalg::LinalgOp op, bool allowThreads) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic) || ranges.empty())
    return std::nullopt;
  if (llvm::any_of(ranges, [](int64_t r) { return r == 0; }))
    return std::nullopt;
  TilingPlan plan;

  if (llvm::isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op.getOperation())) {
    // (batch?, m, n, k)
    size_t b = ranges.size() - 3;
    int64_t m = ranges[b], n = ranges[b + 1];
    int64_t rm = largestDivisorAtMost(m, 8), rn = largestDivisorAtMost(n, 32);
    plan.vectorTiles.assign(ranges.size(), 1);
    plan.vectorTiles[b] = rm;
    plan.vectorTiles[b + 1] = rn;
    plan.vectorTiles[b + 2] = 1;
    if (allowThreads && product(ranges) >= kMinParallelWork) {
      plan.threadTiles.assign(ranges.size(), 0);
      if (b == 1)
        plan.threadTiles[0] = 1;
      // Thread tiles are whole multiples of the register tile.
      plan.threadTiles[b] = rm * largestDivisorAtMost(m / rm, std::max<int64_t>(1, 64 / rm));
      plan.threadTiles[b + 1] = rn * largestDivisorAtMost(n / rn, std::max<int64_t>(1, 256 / rn));
    }
    return plan;
  }

  if (llvm::isa<linalg::Conv2DNchwFchwOp>(op.getOperation())) {
    // (n, f, oh, ow, c, kh, kw)
    plan.vectorTiles = {1,
                        largestDivisorAtMost(ranges[1], 16),
                        1,
                        largestDivisorAtMost(ranges[3], 8),
                        largestDivisorAtMost(ranges[4], 8),
                        1,
                        ranges[6]};
    if (allowThreads && product(ranges) >= kMinParallelWork) {
      int64_t vf = plan.vectorTiles[1];
      plan.threadTiles = {1, vf * largestDivisorAtMost(ranges[1] / vf, 4),
                          largestDivisorAtMost(ranges[2], 4), 0, 0, 0, 0};
    }
    return plan;
  }

  if (llvm::isa<linalg::DepthwiseConv2DNchwChwOp, linalg::PoolingNchwMaxOp,
                linalg::PoolingNchwSumOp>(op.getOperation())) {
    // (n, c, oh, ow, kh, kw)
    plan.vectorTiles = {1, largestDivisorAtMost(ranges[1], 16), 1,
                        largestDivisorAtMost(ranges[3], 8), 1, ranges[5]};
    if (allowThreads && product(ranges) >= kMinParallelWork) {
      int64_t vc = plan.vectorTiles[1];
      plan.threadTiles = {1, vc * largestDivisorAtMost(ranges[1] / vc, 4),
                          largestDivisorAtMost(ranges[2], 4), 0, 0, 0};
    }
    return plan;
  }

  if (op.getNumLoops() > 0 && llvm::isa<linalg::ConvolutionOpInterface>(op.getOperation())) {
    // Other convolution-like named ops (1-D conv and pooling) vectorize as
    // they are, tiled to one output channel block.
    plan.vectorTiles.assign(ranges.size(), 1);
    plan.vectorTiles[1] = largestDivisorAtMost(ranges[1], 16);
    for (size_t i = 2; i < ranges.size(); ++i)
      plan.vectorTiles[i] = i + 1 == ranges.size() ? ranges[i]
                                                   : largestDivisorAtMost(ranges[i], 8);
    return plan;
  }

  if (!llvm::isa<linalg::GenericOp, linalg::FillOp, linalg::TransposeOp,
                 linalg::CopyOp, linalg::BroadcastOp, linalg::MapOp>(op.getOperation()))
    return std::nullopt;

  // Elementwise and reductions: vectors along the innermost loop.
  plan.vectorTiles.assign(ranges.size(), 1);
  plan.vectorTiles.back() = largestDivisorAtMost(ranges.back(), 64);
  if (allowThreads)
    plan.threadTiles = splitFirstParallelLoop(op, ranges);
  return plan;
}

} // namespace kiln::cpu
