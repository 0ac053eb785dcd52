//===- TilingStrategy.cpp - How each linalg op is tiled on CPUs -----------===//
//
// Register tiles follow the measurements in docs/ (and the team's perf
// notes): a matmul micro-tile of 8 rows x 32 columns on AVX-512 (fewer on
// other targets: microTileRowsFor) with a unit K step keeps the accumulators
// in vector registers once loop-invariant subset hoisting has moved the C
// tile out of the K loop. Convolutions and pools are tiled so
// the window's row and the output row are single elements, which lets the
// upstream decomposition turn them into vectorizable 1-D ops.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/TilingStrategy.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"

#include <algorithm>

using namespace mlir;

namespace kiln::cpu {

static ModuleOp moduleOf(Operation *op) {
  return llvm::isa<ModuleOp>(op) ? llvm::cast<ModuleOp>(op) : op->getParentOfType<ModuleOp>();
}

VectorRegisters vectorRegisters(Operation *op) {
  VectorRegisters registers;
  if (ModuleOp module = moduleOf(op))
    if (auto attr = module->getAttrOfType<DenseI64ArrayAttr>(kVectorRegistersAttr))
      if (attr.size() == 2 && attr[0] > 0 && attr[1] > 0)
        registers = {attr[0], attr[1]};
  return registers;
}

int64_t microTileRows(Operation *op) {
  if (ModuleOp module = moduleOf(op))
    if (auto rows = module->getAttrOfType<IntegerAttr>(kMicroTileRowsAttr))
      return std::max<int64_t>(1, rows.getInt());
  VectorRegisters registers = vectorRegisters(op);
  return microTileRowsFor(registers.bytes, registers.count);
}

int64_t microTileRowsFor(int64_t vectorBytes, int64_t registers) {
  int64_t rowVectors = std::max<int64_t>(1, kPackedPanelWidth * 4 / vectorBytes);
  return std::clamp<int64_t>(rowsFitting(rowVectors, registers), 1, kMicroTileRows);
}

int64_t rowsFitting(int64_t rowVectors, int64_t registers) {
  return (registers - rowVectors - 1) / rowVectors;
}

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

// The matmul micro-kernel: 8 rows x 32 columns (two 512-bit vectors) of f32
// accumulators, 16 of the 32 zmm registers, one broadcast-FMA outer product
// per K step (on AVX2, 2 rows: 8 of the 16 ymm registers). Measured on the
// benchmark machine (docs/performance.md): 12- or 16-row tiles do not divide
// the common M (128, 3136), and 48-wide panels lower to non-power-of-two
// vectors that LLVM scalarizes.
static constexpr int64_t kMicroTileColumns = 32;
/// K block: a 256 x 32 f32 panel of B is 32 KiB, within a Zen 5 core's 48 KiB
/// L1D and all of a Zen 4's (where blocks of 128 measured no faster on
/// ResNet-50's 1x1 layers: docs/performance.md, twenty-fifth round).
static constexpr int64_t kCacheBlockK = 256;
/// K block under register tiles shorter than kMicroTileRows (AVX2, NEON): a
/// 128 x 32 panel block of B (16 KiB), half of a 32 KiB L1D. A 2-row tile
/// loads each row of B for 8 FMAs where an 8-row one does for 32, so B's
/// block has to stay in L1 beside the rows of A and the output tile. On a
/// Zen 1 core (AVX2, 32 KiB L1D), `bench/ab.py` against blocks of 256
/// (fastest runs, 1 thread): 1024^3 SGEMM 0.89, BERT-base's 768x3072 and
/// 3072x768 projections 0.90-0.91, ResNet-50's 3x3 layers at 56x56 and
/// 14x14 0.92 and 0.88 (docs/performance.md, twenty-eighth round).
static constexpr int64_t kShortTileCacheBlockK = 128;
/// The K block for `op`'s register tiles on its target.
static int64_t cacheBlockK(linalg::LinalgOp op) {
  return microTileRows(op) >= kMicroTileRows ? kCacheBlockK : kShortTileCacheBlockK;
}
/// K block of a one-tap product (a 1x1 convolution) whose input side is read
/// in place: a 128 x 32 panel of B (16 KiB) leaves room in L1 for the input
/// lines a sliver touches (one per input channel, at a stride of the whole
/// image), which the next sliver reads again. With 256 rows the two fill
/// L1 and the next sliver reads the input from L2. ResNet-50's 1x1 layers
/// at C >= 512 (bench/ab.py, fastest runs, 1 thread): 0.87-0.98 of the time
/// with 256 (docs/performance.md, fifteenth round).
static constexpr int64_t kOneTapCacheBlockK = 128;
/// Thread (task) tiles: 64 x 256 keeps a task's A block (64 x K) and B
/// block (K x 256) in L2 for the K of the zoo.
static constexpr int64_t kThreadTileRows = 64;
static constexpr int64_t kThreadTileColumns = 256;
/// With A read in place (activations) and B packed (weights), a task takes
/// all rows when there are at most this many: a transformer's weights then
/// stream from memory once, not once per row block (the K blocks keep a
/// task's slices of A, 128 x 256, and of B, 256 x 256, in L2). Taller
/// products keep kThreadTileRows (128-row tasks measured slower on 1024^3).
static constexpr int64_t kWholeThreadTileRows = 128;
/// Fewer tasks than this leave threads idle (and cannot balance 2 cores).
static constexpr int64_t kMinMatmulTasks = 4;

/// The side of the square tiles transposing copies are vectorized in: one
/// 512-bit row of f32.
static constexpr int64_t kTransposeTile = 16;

static int64_t product(ArrayRef<int64_t> v) {
  int64_t p = 1;
  for (int64_t x : v)
    p *= x;
  return p;
}

/// Thread tiles that split the first parallel loop of size > 1 into at most
/// kMaxTasks tasks (0 elsewhere), preferring loops the register tiles span
/// only in part (`vectorTiles` below the range would be cut into thinner
/// tiles by the split: a transposing copy's 16 x 16 tiles into 2 x 16).
static SmallVector<int64_t> splitFirstParallelLoop(linalg::LinalgOp op,
                                                   ArrayRef<int64_t> ranges,
                                                   ArrayRef<int64_t> vectorTiles = {}) {
  SmallVector<int64_t> tiles(ranges.size(), 0);
  if (product(ranges) < kMinParallelWork)
    return {};
  auto iterators = op.getIteratorTypesArray();
  for (bool anyLoop : {false, true}) {
    for (size_t i = 0; i < ranges.size(); ++i) {
      if (iterators[i] != utils::IteratorType::parallel || ranges[i] < 2)
        continue;
      if (!anyLoop && !vectorTiles.empty() && vectorTiles[i] > 1)
        continue;
      int64_t tasks = largestDivisorAtMost(ranges[i], kMaxTasks);
      if (tasks < 2)
        continue;
      tiles[i] = ranges[i] / tasks;
      return tiles;
    }
  }
  return {};
}

/// Thread tiles (tm, tn) for an m x n parallel space with register tiles
/// rm x rn: multiples of the register tiles, at most about limitM x limitN
/// (what keeps a task's blocks of A and B in L2), and small enough that,
/// with `outer` independent outer iterations, there are at least
/// kMinMatmulTasks tasks for the pool to balance.
static std::pair<int64_t, int64_t> threadTiles2D(int64_t m, int64_t rm, int64_t limitM,
                                                 int64_t n, int64_t rn, int64_t limitN,
                                                 int64_t outer) {
  int64_t tm = rm * largestDivisorAtMost(m / rm, std::max<int64_t>(1, limitM / rm));
  int64_t tn = rn * largestDivisorAtMost(n / rn, std::max<int64_t>(1, limitN / rn));
  while (outer * (m / tm) * (n / tn) < kMinMatmulTasks) {
    if (tn > rn)
      tn = rn * largestDivisorAtMost(n / rn, tn / rn - 1);
    else if (tm > rm)
      tm = rm * largestDivisorAtMost(m / rm, tm / rm - 1);
    else
      break;
  }
  return {tm, tn};
}

/// Whether loop `outer` sits right before loop `inner`, as whole results,
/// in every indexing map of `op` that has either. Where `inner` is the last
/// result and whole, a tile along both is one contiguous run of that
/// operand (the output, the residual); elsewhere (the product a
/// pixel-major epilogue reads transposed) it is rows `inner` x `outer`
/// apart by the same stride.
static bool adjacentInAllMaps(linalg::LinalgOp op, int64_t outer, int64_t inner) {
  for (AffineMap map : op.getIndexingMapsArray()) {
    std::optional<unsigned> innerAt = map.getResultPosition(getAffineDimExpr(inner, op.getContext()));
    std::optional<unsigned> outerAt = map.getResultPosition(getAffineDimExpr(outer, op.getContext()));
    if (!innerAt && !outerAt)
      continue;
    if (!innerAt || !outerAt || *outerAt + 1 != *innerAt)
      return false;
  }
  return true;
}

/// Transposing tiles whose innermost loop is short (a piece of 7 pixels)
/// run on along the loops before it while those are adjacent to it in
/// every operand, up to kTransposeTile elements: a 16 x 2 x 7 tile of a
/// pixel-major epilogue reads 14 product rows, and writes 16 runs of 14
/// contiguous floats instead of 32 of 7. (Tiling is correct for any tile
/// sizes; this only chooses them.)
static void widenAcrossContiguousLoops(linalg::LinalgOp op, ArrayRef<int64_t> ranges,
                                       int64_t transposed, SmallVector<int64_t> &tiles) {
  int64_t inner = static_cast<int64_t>(ranges.size()) - 1;
  int64_t run = tiles[inner];
  for (int64_t d = inner - 1; d >= 0 && d != transposed; --d) {
    if (tiles[d + 1] != ranges[d + 1] || run >= kTransposeTile ||
        !adjacentInAllMaps(op, d, d + 1))
      return;
    tiles[d] = largestDivisorAtMost(ranges[d], kTransposeTile / run);
    run *= tiles[d];
  }
}

bool isChannelMajorTapProduct(linalg::LinalgOp op) {
  return op->hasAttr(kTapProductAttr) && op.getNumDpsInputs() == 2 &&
         op.getIndexingMapsArray()[0].isProjectedPermutation();
}

bool resamplesInnermostAxis(linalg::LinalgOp op) {
  auto generic = llvm::dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || generic.getNumDpsInputs() != 0 || generic.getNumDpsInits() != 1 ||
      generic.getNumLoops() == 0 || generic.getNumParallelLoops() != generic.getNumLoops())
    return false;
  unsigned last = generic.getNumLoops() - 1;
  WalkResult found = generic.getRegion().walk([&](tensor::ExtractOp read) {
    if (read.getIndices().empty())
      return WalkResult::advance();
    auto cast = read.getIndices().back().getDefiningOp<arith::IndexCastOp>();
    auto entry = cast ? cast.getIn().getDefiningOp<tensor::ExtractOp>() : nullptr;
    if (!entry || !entry.getTensor().getDefiningOp<arith::ConstantOp>() ||
        entry.getIndices().empty())
      return WalkResult::advance();
    Value position = entry.getIndices().front();
    if (auto apply = position.getDefiningOp<affine::AffineApplyOp>())
      for (Value operand : apply.getMapOperands())
        if (operand.getDefiningOp<linalg::IndexOp>())
          position = operand;
    auto index = position.getDefiningOp<linalg::IndexOp>();
    return index && index.getDim() == last ? WalkResult::interrupt() : WalkResult::advance();
  });
  return found.wasInterrupted();
}

std::optional<TilingPlan> planTiling(linalg::LinalgOp op, bool allowThreads) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::any_of(ranges, ShapedType::isDynamic) || ranges.empty())
    return std::nullopt;
  if (llvm::any_of(ranges, [](int64_t r) { return r == 0; }))
    return std::nullopt;
  TilingPlan plan;

  if (llvm::isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op.getOperation())) {
    // (batch?, m, n, k): rows of A outside columns of B in the register
    // loops (the A sliver stays in L1; B here is usually an im2col matrix
    // built just before, in L2), K in cache blocks.
    size_t b = ranges.size() - 3;
    int64_t m = ranges[b], n = ranges[b + 1], k = ranges[b + 2];
    int64_t rm = largestDivisorAtMost(m, microTileRows(op));
    int64_t rn = largestDivisorAtMost(n, kMicroTileColumns);
    plan.vectorTiles.assign(ranges.size(), 1);
    plan.vectorTiles[b] = rm;
    plan.vectorTiles[b + 1] = rn;
    int64_t kc = largestDivisorAtMost(k, cacheBlockK(op));
    if (kc < k) {
      plan.cacheTiles.assign(ranges.size(), 0);
      plan.cacheTiles[b + 2] = kc;
    }
    if (allowThreads && product(ranges) >= kMinParallelWork) {
      plan.threadTiles.assign(ranges.size(), 0);
      if (b == 1)
        plan.threadTiles[0] = 1;
      auto [tm, tn] = threadTiles2D(m, rm, kThreadTileRows, n, rn, kThreadTileColumns,
                                    b == 1 ? ranges[0] : 1);
      plan.threadTiles[b] = tm;
      plan.threadTiles[b + 1] = tn;
    }
    return plan;
  }

  if (op->hasAttr(kPackedMatmulAttr) && ranges.size() == 4) {
    // (m, j, r, k) with A read in place: register tiles of rm rows by one
    // whole panel, otherwise as below.
    int64_t m = ranges[0], panels = ranges[1], width = ranges[2], k = ranges[3];
    int64_t rm = largestDivisorAtMost(m, microTileRows(op));
    plan.vectorTiles = {rm, 1, width, 1};
    plan.vectorInterchange = {1, 0, 2, 3};
    int64_t kc = largestDivisorAtMost(k, cacheBlockK(op));
    if (kc < k)
      plan.cacheTiles = {0, 0, 0, kc};
    if (allowThreads && product(ranges) >= kMinParallelWork) {
      int64_t rowLimit = m <= kWholeThreadTileRows ? m : kThreadTileRows;
      auto [tm, tj] = threadTiles2D(m, rm, rowLimit, panels, 1,
                                    std::max<int64_t>(1, kThreadTileColumns / width), 1);
      plan.threadTiles = {tm, tj, 0, 0};
    }
    return plan;
  }

  if (op->hasAttr(kPackedMatmulAttr) && ranges.size() == 5) {
    // (mo, j, mi, r, k) on A slivers [mo, k, mi] and B panels [j, k, r]:
    // register tiles of one sliver by one whole panel, K in cache blocks,
    // panels outside slivers so a panel's K block (cacheBlockK x 32 floats,
    // 32 or 16 KiB) stays in L1 while the slivers of A stream past it.
    int64_t slivers = ranges[0], panels = ranges[1], mr = ranges[2], width = ranges[3],
            k = ranges[4];
    plan.vectorTiles = {1, 1, mr, width, 1};
    plan.vectorInterchange = {1, 0, 2, 3, 4};
    int64_t kc = largestDivisorAtMost(k, cacheBlockK(op));
    if (kc < k)
      plan.cacheTiles = {0, 0, 0, 0, kc};
    if (allowThreads && product(ranges) >= kMinParallelWork) {
      auto [tm, tj] = threadTiles2D(slivers, 1, std::max<int64_t>(1, kThreadTileRows / mr),
                                    panels, 1,
                                    std::max<int64_t>(1, kThreadTileColumns / width), 1);
      plan.threadTiles = {tm, tj, 0, 0, 0};
    }
    return plan;
  }

  if (op->hasAttr(kTapProductAttr) && ranges.size() == 8) {
    // (o0, o1, o2, mi, r, c, i, j): register tiles of one mr x nr tile, the
    // outer loops in their order: the first is B's. Pixel-major products
    // (the weights are B) take the input channels in cache blocks of about
    // cacheBlockK rows of K (with the taps), so B's K block stays in L1
    // while the other side's tiles stream past it. Channel-major ones (the
    // weights are A, the image's rows B's vectors) with a 2-D window keep
    // each register tile's accumulators over the whole K: their input rows
    // are prefetched a few channels ahead (kiln-lower-vector-ops), and K
    // blocks only added a load and a store of every accumulator per block
    // (`bench/ab.py`: U-Net's 3x3 layers 0.92-0.98 of their time without
    // blocks of 16-24 channels; docs/performance.md, twenty-second round).
    int64_t taps = ranges[6] * ranges[7];
    plan.vectorTiles = {1, 1, 1, ranges[3], ranges[4], 1, 1, 1};
    bool channelMajor = isChannelMajorTapProduct(op);
    if (!channelMajor && ranges[3] > microTileRows(op)) {
      // A sliver taller than the micro-kernel (ConvToMatmul's sliverRows)
      // takes as many vectors of filters as keep its accumulators, a vector
      // of B per vector of filters and a broadcast of A in the registers
      // (7 x 8 on AVX2; 7 x 16, one B vector short, spilled).
      VectorRegisters registers = vectorRegisters(op);
      int64_t lanes = registers.bytes * 8 /
                      getElementTypeOrSelf(op.getDpsInits()[0].getType()).getIntOrFloatBitWidth();
      int64_t vectors = ranges[4] / lanes;
      if (ranges[4] % lanes == 0 && vectors > 1) {
        int64_t fit = vectors;
        while (fit > 1 && (vectors % fit != 0 || rowsFitting(fit, registers.count) < ranges[3]))
          --fit;
        plan.vectorTiles[4] = fit * lanes;
      }
    }
    if (!(channelMajor && ranges[6] > 1 && ranges[7] > 1)) {
      int64_t blockK = taps == 1 ? kOneTapCacheBlockK : cacheBlockK(op);
      int64_t cb = largestDivisorAtMost(ranges[5], std::max<int64_t>(1, blockK / taps));
      if (cb < ranges[5])
        plan.cacheTiles = {0, 0, 0, 0, 0, cb, 0, 0};
    }
    if (allowThreads && product(ranges) >= kMinParallelWork) {
      // Tasks over the image's output rows and the weights' outer loop
      // (filter slivers or panels), about as large as a packed product's.
      SmallVector<AffineMap> maps = op.getIndexingMapsArray();
      int weights = channelMajor ? 0 : 1;
      AffineMap image = maps[1 - weights];
      int64_t rowLoop = -1, weightsLoop = -1, pieceLoop = -1;
      for (int64_t d = 0; d < 3; ++d) {
        if (image.getResult(1).isFunctionOfDim(d))
          rowLoop = d;
        else if (maps[weights].isFunctionOfDim(d))
          weightsLoop = d;
        else
          pieceLoop = d;
      }
      if (rowLoop < 0 || weightsLoop < 0 || pieceLoop < 0)
        return plan;
      // The image is B (pixels in vectors) when the weights are A.
      int64_t pieceWidth = ranges[weights == 0 ? 4 : 3];
      int64_t pixelsPerRow = ranges[pieceLoop] * pieceWidth;
      int64_t weightWidth = ranges[weights == 0 ? 3 : 4];
      int64_t pixelLimit = weights == 0 ? kThreadTileColumns : kThreadTileRows;
      int64_t filterLimit = weights == 0 ? kThreadTileRows : kThreadTileColumns;
      int64_t rowLimit = std::max<int64_t>(1, pixelLimit / pixelsPerRow);
      int64_t weightLimit = std::max<int64_t>(1, filterLimit / weightWidth);
      // Each task reads its rows' input and all its filters' weights: when
      // the weights are the larger (a deep layer on a small image), tasks
      // take whole images and a share of the filters, so the weights are
      // read from memory once, not once per band of rows.
      auto bytes = [](Value v) {
        auto type = llvm::cast<ShapedType>(v.getType());
        return type.getNumElements() * type.getElementTypeBitWidth() / 8;
      };
      // An image of one row (a 1-D convolution) has no rows to share out:
      // tasks take runs of the row's pieces instead.
      int64_t splitLoop = rowLoop;
      if (ranges[rowLoop] == 1) {
        splitLoop = pieceLoop;
        rowLimit = std::max<int64_t>(1, pixelLimit / pieceWidth);
      }
      if (bytes(op.getDpsInputs()[weights]) > bytes(op.getDpsInputs()[1 - weights])) {
        rowLimit = ranges[splitLoop];
        weightLimit = ranges[weightsLoop];
      }
      auto [tr, tw] = threadTiles2D(ranges[splitLoop], 1, rowLimit, ranges[weightsLoop], 1,
                                    weightLimit, 1);
      plan.threadTiles.assign(8, 0);
      plan.threadTiles[splitLoop] = tr;
      plan.threadTiles[weightsLoop] = tw;
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
    // Tasks over the output channels (and the batch), in whole register
    // tiles; (n, c|f, ...) is the layout of all of these ops.
    if (allowThreads && product(ranges) >= kMinParallelWork) {
      int64_t vc = plan.vectorTiles[1];
      int64_t tasks = largestDivisorAtMost(ranges[1] / vc, kMaxTasks);
      plan.threadTiles.assign(ranges.size(), 0);
      plan.threadTiles[0] = ranges[0] > 1 ? 1 : 0;
      plan.threadTiles[1] = tasks > 1 ? ranges[1] / tasks : 0;
      if (plan.threadTiles[0] == 0 && plan.threadTiles[1] == 0)
        plan.threadTiles.clear();
    }
    return plan;
  }

  if (!llvm::isa<linalg::GenericOp, linalg::FillOp, linalg::TransposeOp,
                 linalg::CopyOp, linalg::BroadcastOp, linalg::MapOp>(op.getOperation()))
    return std::nullopt;

  // A resample along the innermost axis: whole rows (vectorizeResampleRow).
  if (resamplesInnermostAxis(op) && ranges.back() <= kMaxResampleRow) {
    plan.vectorTiles.assign(ranges.size(), 1);
    plan.vectorTiles.back() = ranges.back();
    if (allowThreads)
      plan.threadTiles = splitFirstParallelLoop(op, ranges, plan.vectorTiles);
    return plan;
  }

  // Elementwise and reductions: vectors along the innermost loop (generics
  // whose innermost loop has one iteration lost their unit loops before
  // tiling, dropTrailingUnitLoops).
  plan.vectorTiles.assign(ranges.size(), 1);
  plan.vectorTiles.back() = largestDivisorAtMost(ranges.back(), 64);
  // Transposing reads: an input whose fastest-varying index is another
  // parallel loop than the innermost would be read one scalar per lane.
  // Square tiles over both loops read it in contiguous rows instead, and the
  // transposition happens in registers.
  int64_t last = static_cast<int64_t>(ranges.size()) - 1;
  auto iterators = op.getIteratorTypesArray();
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (map.getNumResults() == 0 || !map.isFunctionOfDim(last))
      continue;
    auto fastest = llvm::dyn_cast<AffineDimExpr>(map.getResults().back());
    if (!fastest || fastest.getPosition() == last ||
        iterators[fastest.getPosition()] != utils::IteratorType::parallel)
      continue;
    plan.vectorTiles[fastest.getPosition()] =
        largestDivisorAtMost(ranges[fastest.getPosition()], kTransposeTile);
    plan.vectorTiles.back() = largestDivisorAtMost(ranges.back(), kTransposeTile);
    widenAcrossContiguousLoops(op, ranges, fastest.getPosition(), plan.vectorTiles);
    break;
  }
  if (allowThreads)
    plan.threadTiles = splitFirstParallelLoop(op, ranges, plan.vectorTiles);
  return plan;
}

FailureOr<linalg::LinalgOp> tileAndReplace(RewriterBase &rewriter, linalg::LinalgOp op,
                                           const scf::SCFTilingOptions &options,
                                           SmallVectorImpl<LoopLikeOpInterface> *loops) {
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> result = scf::tileUsingSCF(
      rewriter, llvm::cast<TilingInterface>(op.getOperation()), options);
  if (failed(result))
    return failure();
  if (op->getNumResults() > 0)
    rewriter.replaceOp(op, result->replacements);
  else
    rewriter.eraseOp(op);
  if (loops)
    loops->assign(result->loops.begin(), result->loops.end());
  return llvm::cast<linalg::LinalgOp>(result->tiledOps.back());
}

} // namespace kiln::cpu
