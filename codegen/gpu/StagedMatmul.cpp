//===- StagedMatmul.cpp - Matmuls through workgroup-memory tiles ----------===//
//
// Per block (outputs rows [bm BM, +BM), columns [bn BN, +BN) with BM = 16 RM,
// BN = 16 RN; thread t = 16 ty + tx owns rows mi = bm BM + ty + 16 i and
// columns nj = bn BN + tx + 16 j, i < RM, j < RN):
//
//   acc[i][j] = C[mi, nj]
//   As[0][ty + 16 r][tx] = A[bm BM + ty + 16 r, tx]   (r < RM)
//   Bs[0][ty][tx + 16 r] = B[ty, bn BN + tx + 16 r]   (r < RN)
//   barrier
//   for kt = 0 to K step 16:
//     s = (kt / 16) % 2
//     kn = min(kt + 16, K - 16)
//     a[r] = A[bm BM + ty + 16 r, kn + tx];  b[r] = B[kn + ty, bn BN + tx + 16 r]
//     for kk = 0 to 16 (unrolled):
//       x[i] = As[s][ty + 16 i][kk];  y[j] = Bs[s][kk][tx + 16 j]
//       acc[i][j] = body(x[i], y[j], acc[i][j])
//     As[1 - s][ty + 16 r][tx] = a[r];  Bs[1 - s][ty][tx + 16 r] = b[r]
//     barrier
//   C[mi, nj] = acc[i][j]
//
// (Where 16 does not divide K, the loop stops at K - K % 16, kn is
// min(kt + 16, that), and the short step is folded after it.)
//
// The next step's elements are read from global memory before the block
// folds the current one (the last step reads its own again instead of
// branching), so their latency overlaps the folding; they go into the
// stage the step before was folded from, which every thread had finished
// with at the last barrier. (A single k step has one stage and no copy
// ahead.) A warp's 32 threads read two rows of As (each one value,
// broadcast) and 16 consecutive values of Bs: no bank conflicts. A side of
// 4 or 8 outputs is read in groups of 4 instead (rows 4 ty + 64 g + l,
// columns 4 tx + 64 g + l; As k-major): one 16-byte load a group
// (StagedMatmul.h). Global reads and the output's writes run along k or n
// in 16 consecutive threads. The barriers are in a loop every thread runs
// with the same bounds.
//
// Where BM, BN or 16 do not divide m, n or k (Skeleton::partialM,
// partialN), every index read is clamped to the last in its range, outputs
// past m or n are not stored, and a short last k step (k % 16 values) is
// folded after the loop, from the stage the loop's last iteration filled.
//
// The tensor-core kernel stages the same way, into tiles in the mmas'
// fragment order (buildTensorCoreMatmul); its staged values past k are
// zeros, and its loop folds the short step whole.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/StagedMatmul.h"

#include "codegen/cpu/ForallUtils.h"
#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/RowKernel.h"
#include "kiln/runtime.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/RegionUtils.h"

#include "llvm/ADT/SetVector.h"

#include <functional>

using namespace mlir;

namespace kiln::gpu {

/// `range` rounded up to a multiple of `side`: what blocks of that side
/// cover.
static int64_t covered(int64_t range, int64_t side) { return llvm::divideCeil(range, side) * side; }

/// Grows `rows` and `columns` (rows first) by doubling while each stays at
/// most `limit`, the grid keeps `minBlocks` blocks, and its blocks (of
/// side `unitM` or `unitN` times it) cover at most 1/8 more of the range
/// than before: larger tiles read less per product, but blocks past the
/// end compute outputs that are not stored. (Where the side divides the
/// range, it covers no more.)
static void growTile(int64_t &rows, int64_t &columns, int64_t limit, int64_t unitM, int64_t unitN,
                     int64_t rangeM, int64_t rangeN, int64_t batches, int64_t minBlocks) {
  auto blocks = [&](int64_t r, int64_t c) {
    return batches * llvm::divideCeil(rangeM, unitM * r) * llvm::divideCeil(rangeN, unitN * c);
  };
  auto wastesLittle = [](int64_t range, int64_t side) {
    return 8 * covered(range, 2 * side) <= 9 * covered(range, side);
  };
  for (bool grew = true; grew;) {
    grew = false;
    if (2 * rows <= limit && wastesLittle(rangeM, unitM * rows) &&
        blocks(2 * rows, columns) >= minBlocks) {
      rows *= 2;
      grew = true;
    }
    if (2 * columns <= limit && wastesLittle(rangeN, unitN * columns) &&
        blocks(rows, 2 * columns) >= minBlocks) {
      columns *= 2;
      grew = true;
    }
  }
}

/// Whether `op`'s body is acc + a * b on floats (either operand order),
/// which the kernel computes as one fused multiply-add: what the GPU's
/// arithmetic units (and the CPU path's micro-kernels) do, one rounding
/// instead of two. With `extended`, a and b are first extended (arith.extf)
/// to the accumulator's type: a matmul of f16 or bf16 inputs accumulated in
/// f32, as the graph lowering builds them.
static bool isFloatMultiplyAdd(linalg::LinalgOp op, OpOperand *rowInput, OpOperand *columnInput,
                               OpOperand *init, bool extended = false) {
  Block *body = op.getBlock();
  if (!llvm::isa<FloatType>(getElementTypeOrSelf(init->get())) ||
      !llvm::hasNItems(body->without_terminator(), extended ? 4 : 2))
    return false;
  auto add = body->getTerminator()->getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = op.getMatchingBlockArgument(init);
  Value product = add.getLhs() == acc ? add.getRhs() : add.getRhs() == acc ? add.getLhs() : Value();
  auto mul = product ? product.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul)
    return false;
  auto factor = [&](Value v) -> Value {
    if (!extended)
      return v;
    auto extension = v.getDefiningOp<arith::ExtFOp>();
    return extension ? extension.getIn() : Value();
  };
  Value a = op.getMatchingBlockArgument(rowInput), b = op.getMatchingBlockArgument(columnInput);
  Value x = factor(mul.getLhs()), y = factor(mul.getRhs());
  return (x == a && y == b) || (x == b && y == a);
}

std::optional<StagedMatmul> matchStagedMatmul(linalg::LinalgOp op, int64_t minBlocks,
                                              bool tf32, bool halfTensorCores, int64_t splits) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
      op.getNumParallelLoops() < 2)
    return std::nullopt;
  auto iterators = op.getIteratorTypesArray();
  SmallVector<unsigned> parallel;
  StagedMatmul matmul;
  for (auto [dim, iterator] : llvm::enumerate(iterators)) {
    if (iterator == utils::IteratorType::parallel)
      parallel.push_back(dim);
    else
      matmul.k = dim;
  }
  matmul.m = parallel[parallel.size() - 2];
  matmul.n = parallel.back();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (!fitsStagedTiles(ranges[matmul.m], ranges[matmul.n]))
    return std::nullopt;
  // (The inputs may be read through any affine map, a convolution's input
  // in place of its im2col matrix: the kernel evaluates the maps where it
  // stages the tiles. The output is stored at its projected permutation.)
  if (!op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isProjectedPermutation())
    return std::nullopt;
  AffineMap first = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  AffineMap second = op.getMatchingIndexingMap(op.getDpsInputOperand(1));
  auto reads = [](AffineMap map, unsigned dim) { return map.isFunctionOfDim(dim); };
  auto isRow = [&](AffineMap map) { return reads(map, matmul.m) && !reads(map, matmul.n); };
  auto isColumn = [&](AffineMap map) { return reads(map, matmul.n) && !reads(map, matmul.m); };
  if (isRow(first) && isColumn(second)) {
    matmul.rowInput = 0;
    matmul.columnInput = 1;
  } else if (isRow(second) && isColumn(first)) {
    matmul.rowInput = 1;
    matmul.columnInput = 0;
  } else {
    return std::nullopt;
  }
  if (reads(op.getMatchingIndexingMap(op.getDpsInitOperand(0)), matmul.k))
    return std::nullopt;

  int64_t batches = splits;
  for (unsigned dim : parallel)
    if (dim != matmul.m && dim != matmul.n)
      batches *= ranges[dim];
  int64_t rangeM = ranges[matmul.m], rangeN = ranges[matmul.n];
  OpOperand *rowInput = op.getDpsInputOperand(matmul.rowInput);
  OpOperand *columnInput = op.getDpsInputOperand(matmul.columnInput);
  OpOperand *init = op.getDpsInitOperand(0);
  auto isF32 = [](Value v) { return getElementTypeOrSelf(v).isF32(); };
  Type inputType = getElementTypeOrSelf(rowInput->get());
  bool tf32Mma = tf32 && llvm::all_of(op->getOperands(), isF32) &&
                 isFloatMultiplyAdd(op, rowInput, columnInput, init);
  bool halfMma = halfTensorCores && (inputType.isF16() || inputType.isBF16()) &&
                 getElementTypeOrSelf(columnInput->get()) == inputType && isF32(init->get()) &&
                 isFloatMultiplyAdd(op, rowInput, columnInput, init, /*extended=*/true);
  if ((tf32Mma || halfMma) && rangeM >= kWarpRows * kMmaM && rangeN >= kWarpColumns * kMmaN) {
    matmul.mmaK = halfMma ? kHalfMmaK : kMmaK;
    matmul.mmaRows = matmul.mmaColumns = 1;
    growTile(matmul.mmaRows, matmul.mmaColumns, kMaxMmaTile, kWarpRows * kMmaM,
             kWarpColumns * kMmaN, rangeM, rangeN, batches, minBlocks);
    return matmul;
  }
  growTile(matmul.rows, matmul.columns, kMaxRegisterTile, kStagedTile, kStagedTile, rangeM, rangeN,
           batches, minBlocks);
  return matmul;
}

/// Marks of the ops markStagedFusion and markComputedInputs leave for the
/// staged kernel: the product gets a number, its start, consumer and
/// computed inputs the same one, so that after bufferization each is taken
/// in by that product only.
static constexpr llvm::StringLiteral kProductAttr = "kiln.staged_product";
static constexpr llvm::StringLiteral kStartAttr = "kiln.staged_start";
static constexpr llvm::StringLiteral kConsumerAttr = "kiln.staged_consumer";
static constexpr llvm::StringLiteral kComputedInputAttr = "kiln.staged_input";

/// The number `attr` gives `op`, or -1.
static int64_t markOf(Operation *op, StringRef attr) {
  auto mark = op->getAttrOfType<IntegerAttr>(attr);
  return mark ? mark.getInt() : -1;
}

Value rootBuffer(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  return v;
}

bool usesAny(Operation *op, ArrayRef<Value> roots) {
  return op
      ->walk([&](Operation *nested) {
        if (llvm::isa<ViewLikeOpInterface>(nested) && isMemoryEffectFree(nested))
          return WalkResult::advance();
        for (Value operand : nested->getOperands())
          if (llvm::is_contained(roots, rootBuffer(operand)))
            return WalkResult::interrupt();
        return WalkResult::advance();
      })
      .wasInterrupted();
}

bool usedBetween(Operation *from, Operation *to, ArrayRef<Value> roots) {
  for (Operation *it = from->getNextNode(); it && it != to; it = it->getNextNode())
    if (usesAny(it, roots))
      return true;
  return false;
}

bool mayWriteAny(Operation *op, ArrayRef<Value> roots) {
  auto isRoot = [&](Value v) {
    return v && llvm::isa<MemRefType>(v.getType()) && llvm::is_contained(roots, rootBuffer(v));
  };
  return op
      ->walk([&](Operation *nested) {
        auto effects = llvm::dyn_cast<MemoryEffectOpInterface>(nested);
        if (!effects) {
          if (nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
            return WalkResult::advance();  // (Its nested ops are walked.)
          return llvm::any_of(nested->getOperands(), isRoot) ? WalkResult::interrupt()
                                                             : WalkResult::advance();
        }
        SmallVector<MemoryEffects::EffectInstance> instances;
        effects.getEffects(instances);
        for (MemoryEffects::EffectInstance &instance : instances)
          if (llvm::isa<MemoryEffects::Write, MemoryEffects::Free>(instance.getEffect()) &&
              (!instance.getValue() || isRoot(instance.getValue())))
            return WalkResult::interrupt();
        return WalkResult::advance();
      })
      .wasInterrupted();
}

/// Whether an op strictly between `from` and `to` (in one block), or one
/// nested in it, may write a view of any of `roots` (mayWriteAny).
static bool writtenBetween(Operation *from, Operation *to, ArrayRef<Value> roots) {
  for (Operation *it = from->getNextNode(); it && it != to; it = it->getNextNode())
    if (mayWriteAny(it, roots))
      return true;
  return false;
}

/// The root buffers of the shaped operands of `op` (`except` left out).
static SmallVector<Value> rootsOf(Operation *op, Value except = Value()) {
  SmallVector<Value> roots;
  for (Value operand : op->getOperands())
    if (operand != except && llvm::isa<MemRefType>(operand.getType()))
      roots.push_back(rootBuffer(operand));
  return roots;
}

bool overwritesOutput(linalg::LinalgOp op) {
  if (op->getNumResults() > 1 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != op.getNumParallelLoops() ||
      !(op.hasPureTensorSemantics() || op.hasPureBufferSemantics()))
    return false;
  OpOperand *init = op.getDpsInitOperand(0);
  if (!op.getMatchingIndexingMap(init).isIdentity())
    return false;
  if (auto fill = llvm::dyn_cast<linalg::FillOp>(op.getOperation()))
    return fill.value().getType() == getElementTypeOrSelf(init->get());
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegion(0), captured);
  return llvm::isa<linalg::GenericOp>(op) && op.getMatchingBlockArgument(init).use_empty() &&
         llvm::none_of(captured, [](Value v) { return llvm::isa<ShapedType>(v.getType()); });
}

/// Whether `op` overwrites its output (overwritesOutput) and that output
/// is a fresh tensor: a tensor.empty, or giveOwnAccumulator's allocation.
static bool writesWholeOutput(linalg::LinalgOp op) {
  if (!overwritesOutput(op))
    return false;
  Value init = op.getDpsInits()[0];
  auto allocation = init.getDefiningOp<bufferization::AllocTensorOp>();
  return init.getDefiningOp<tensor::EmptyOp>() || (allocation && !allocation.getCopy());
}

/// The input of `consumer` that reads `product`, if it reads it exactly
/// once, at an identity map. (On buffers the consumer may also write it in
/// place: its body does not read its output.)
static OpOperand *productOperand(linalg::LinalgOp consumer, Value product) {
  OpOperand *found = nullptr;
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    if (input->get() != product)
      continue;
    if (found || !consumer.getMatchingIndexingMap(input).isIdentity())
      return nullptr;
    found = input;
  }
  return found;
}

/// consumerOverProduct's rebuild of `consumer` (all-parallel, reading
/// `view`, the expanded `product`, at an identity map and writing a fresh
/// tensor at one) over the product's own loops, each expanded loop a
/// function of the product's (its group's index, delinearized; 0 for a
/// loop of one iteration), every map composed with that: the rebuilt op
/// reads `product` itself, and its result is expanded back for its
/// readers. Left as it is where the body reads its loop indices.
static void remapConsumerOverProduct(RewriterBase &rewriter, tensor::ExpandShapeOp view,
                                     linalg::GenericOp consumer, Value product) {
  OpOperand &use = *view->getUses().begin();
  OpOperand *init = consumer.getDpsInitOperand(0);
  if (consumer.isDpsInit(&use) || consumer.hasIndexSemantics() ||
      !consumer.getMatchingIndexingMap(&use).isIdentity() ||
      !consumer.getMatchingIndexingMap(init).isIdentity() ||
      !consumer.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>() ||
      !consumer.getMatchingBlockArgument(init).use_empty())
    return;
  MLIRContext *ctx = consumer.getContext();
  ArrayRef<int64_t> expanded = view.getResultType().getShape();
  auto productType = llvm::cast<RankedTensorType>(product.getType());
  SmallVector<AffineExpr> expandedOfProduct;
  for (auto [g, group] : llvm::enumerate(view.getReassociationIndices()))
    llvm::append_range(expandedOfProduct,
                       delinearizeGroup(getAffineDimExpr(g, ctx), expanded, group));
  AffineMap remap = AffineMap::get(productType.getRank(), 0, expandedOfProduct, ctx);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : consumer.getDpsInputOperands()) {
    bool isProduct = input == &use;
    inputs.push_back(isProduct ? product : input->get());
    maps.push_back(isProduct ? AffineMap::getMultiDimIdentityMap(productType.getRank(), ctx)
                             : simplifyAffineMap(
                                   consumer.getMatchingIndexingMap(input).compose(remap)));
  }
  maps.push_back(AffineMap::getMultiDimIdentityMap(productType.getRank(), ctx));
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(consumer);
  Location loc = consumer.getLoc();
  auto resultType = RankedTensorType::get(
      productType.getShape(), getElementTypeOrSelf(consumer->getResult(0).getType()));
  Value empty = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                        resultType.getElementType());
  auto rebuilt = linalg::GenericOp::create(
      rewriter, loc, TypeRange{resultType}, inputs, ValueRange{empty}, maps,
      SmallVector<utils::IteratorType>(productType.getRank(), utils::IteratorType::parallel));
  rewriter.inlineRegionBefore(consumer.getRegion(), rebuilt.getRegion(),
                              rebuilt.getRegion().begin());
  Value back = tensor::ExpandShapeOp::create(rewriter, loc, consumer->getResult(0).getType(),
                                             rebuilt.getResult(0),
                                             view.getReassociationIndices());
  rewriter.replaceOp(consumer, back);
  rewriter.eraseOp(view);
}

/// Rebuilds the one elementwise consumer of `view` (the product `product`
/// expanded: a batch split off, a convolution's pixels back into rows)
/// over the product's own shape, reading `product` itself.
static void consumerOverProduct(RewriterBase &rewriter, tensor::ExpandShapeOp view,
                                Value product) {
  if (!view->hasOneUse())
    return;
  auto consumer = llvm::dyn_cast<linalg::GenericOp>(*view->getUsers().begin());
  if (!consumer || consumer->getNumResults() != 1 ||
      consumer.getNumLoops() != consumer.getNumParallelLoops())
    return;
  OpOperand &use = *view->getUses().begin();
  SmallVector<ReassociationIndices> split = view.getReassociationIndices();
  if (consumer.isDpsInit(&use) || !consumer.getMatchingIndexingMap(&use).isIdentity() ||
      !consumer.getMatchingIndexingMap(consumer.getDpsInitOperand(0)).isIdentity())
    return;
  // Upstream's collapsing takes projected permutations (it mishandles
  // constant results) that keep each group of dimensions together, in
  // order; others (an attention's mask [1, 1, 1, T] read at (d0, 0, 0,
  // d3), a per-position input read through (d1, d2) under [[0, 1], [2]])
  // are composed with the expansion instead.
  if (!llvm::all_of(consumer.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }) ||
      !linalg::areDimSequencesPreserved(consumer.getIndexingMapsArray(), split)) {
    remapConsumerOverProduct(rewriter, view, consumer, product);
    return;
  }
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(consumer);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(consumer, split, rewriter);
  if (failed(collapsed))
    return;
  // It reads the product itself, and writes a fresh tensor of its shape.
  Operation *rebuilt = collapsed->collapsedOp;
  rewriter.setInsertionPoint(rebuilt);
  for (OpOperand &operand : rebuilt->getOpOperands()) {
    auto reshape = operand.get().getDefiningOp<tensor::CollapseShapeOp>();
    if (!reshape)
      continue;
    Value replacement;
    if (reshape.getSrc() == view.getResult())
      replacement = product;
    else if (reshape.getSrc().getDefiningOp<tensor::EmptyOp>())
      replacement = tensor::EmptyOp::create(rewriter, reshape.getLoc(),
                                            reshape.getResultType().getShape(),
                                            reshape.getResultType().getElementType());
    if (replacement) {
      rewriter.modifyOpInPlace(rebuilt, [&] { operand.set(replacement); });
      if (reshape->use_empty())
        rewriter.eraseOp(reshape);
    }
  }
  rewriter.replaceOp(consumer, collapsed->results);
  // The product's only reader is the consumer again.
  if (view->use_empty())
    rewriter.eraseOp(view);
}

Value giveOwnFill(RewriterBase &rewriter, linalg::LinalgOp op) {
  Value init = op.getDpsInits()[0];
  auto fill = init.getDefiningOp<linalg::FillOp>();
  if (!fill || init.hasOneUse() || !fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>())
    return init;
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  auto type = llvm::cast<RankedTensorType>(init.getType());
  Value empty =
      tensor::EmptyOp::create(rewriter, op.getLoc(), type.getShape(), type.getElementType());
  init = linalg::FillOp::create(rewriter, op.getLoc(), fill.value(), empty).getResult(0);
  rewriter.modifyOpInPlace(op, [&] { op.getDpsInitsMutable()[0].set(init); });
  return init;
}

/// Makes `start` (a marked start of an op whose consumer is marked too)
/// write a buffer of its own, which the kernel leaves unused (it stores
/// the consumer's values only) and bufferization's clean-up then erases.
/// Written into a tensor.empty, the accumulator would share a buffer with
/// every op kiln-bufferize groups with the consumer (a residual stream:
/// each layer's residual addition reads the last one's), so with other
/// products' accumulators, and the kernel could then take in neither
/// start nor consumer. (A product without a consumer keeps its
/// tensor.empty, which empty-tensor elimination may turn into the slice
/// of a Concat's result that the product's value goes to.)
static void giveOwnAccumulator(RewriterBase &rewriter, linalg::LinalgOp start) {
  OpOperand &init = start.getDpsInitsMutable()[0];
  auto empty = init.get().getDefiningOp<tensor::EmptyOp>();
  if (!empty || !empty.getType().hasStaticShape())
    return;
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(start);
  Value own = bufferization::AllocTensorOp::create(rewriter, start.getLoc(), empty.getType(),
                                                   ValueRange{});
  rewriter.modifyOpInPlace(start, [&] { init.set(own); });
}

void markStagedFusion(RewriterBase &rewriter, linalg::LinalgOp op, int64_t mark) {
  auto markAttr = IntegerAttr::get(IntegerType::get(op.getContext(), 64), mark);
  op->setAttr(kProductAttr, markAttr);
  // A fill CSE shared between products (a model's same-shaped
  // projections) gets a copy of its own.
  Value init = giveOwnFill(rewriter, op);
  Value product = op->getResult(0);
  // (A row group's op, behind a reshape too, is the group's.)
  if (product.hasOneUse())
    if (auto view = llvm::dyn_cast<tensor::ExpandShapeOp>(*product.getUsers().begin()))
      if (!view->hasOneUse() || !isInRowGroup(*view->getUsers().begin()))
        consumerOverProduct(rewriter, view, product);
  auto start = init.getDefiningOp<linalg::LinalgOp>();
  if (start && init.hasOneUse() && writesWholeOutput(start) && !isInRowGroup(start))
    start->setAttr(kStartAttr, markAttr);
  else
    start = nullptr;
  if (!product.hasOneUse())
    return;
  auto consumer = llvm::dyn_cast<linalg::GenericOp>(*product.getUsers().begin());
  // (A row group's op is computed in the group's kernel; a computed input
  // in its reader's.)
  if (!consumer || !isElementwiseConsumer(consumer, product) || isInRowGroup(consumer) ||
      isMarkedForStagedFusion(consumer))
    return;
  // The kernel computes the consumer where the product is: its other
  // inputs, and the values its body uses from outside, must be there
  // already. A reshape of an input that is (a view of a residual, say)
  // moves up before the product.
  DominanceInfo dominance(op->getParentOp());
  WalkResult late = consumer.getRegion().walk([&](Operation *bodyOp) {
    for (Value operand : bodyOp->getOperands())
      if (!consumer->isAncestor(operand.getParentRegion()->getParentOp()) &&
          !dominance.properlyDominates(operand, op))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (late.wasInterrupted())
    return;
  SmallVector<Operation *> reshapes;
  for (Value input : consumer.getDpsInputs()) {
    if (input == product || dominance.properlyDominates(input, op))
      continue;
    Operation *reshape = input.getDefiningOp();
    if (!reshape || !llvm::isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(reshape) ||
        !llvm::all_of(reshape->getOperands(),
                      [&](Value v) { return dominance.properlyDominates(v, op); }))
      return;
    reshapes.push_back(reshape);
  }
  for (Operation *reshape : reshapes)
    reshape->moveBefore(op);
  consumer->setAttr(kConsumerAttr, markAttr);
  if (start)
    giveOwnAccumulator(rewriter, start);
}

bool isElementwiseConsumer(linalg::LinalgOp consumer, Value product) {
  return writesWholeOutput(consumer) && productOperand(consumer, product);
}

bool isMarkedForStagedFusion(Operation *op) {
  return op->hasAttr(kStartAttr) || op->hasAttr(kConsumerAttr) || op->hasAttr(kComputedInputAttr);
}

/// Whether `generic` (on tensors) is an elementwise op that a staged
/// kernel may compute where it reads its elements: it overwrites its
/// output, reads tensors only through its operands, its body is 1 to
/// kMaxComputedInputOps arith ops, and no other kernel takes it in. (A
/// copy, a transpose say, is left to its own kernel: staged, its reads
/// would run across the input.)
static bool isCheapElementwise(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  int64_t ops = static_cast<int64_t>(body.getOperations().size()) - 1;
  return generic.getNumDpsInputs() > 0 && overwritesOutput(generic) &&
         llvm::all_of(generic.getDpsInputs(),
                      [](Value v) { return llvm::isa<RankedTensorType>(v.getType()); }) &&
         ops >= 1 && ops <= kMaxComputedInputOps &&
         llvm::all_of(body.without_terminator(),
                      [](Operation &op) {
                        return llvm::isa_and_nonnull<arith::ArithDialect>(op.getDialect());
                      }) &&
         !isMarkedForStagedFusion(generic) && !isInRowGroup(generic);
}

/// The generic that writes `input` of `op` (on tensors) if the kernel can
/// compute its elements where it reads them (markComputedInputs): a
/// padding, or a cheap elementwise op read directly or through a
/// collapse_shape (the kernel then splits the indices it reads at), that
/// only `op` reads.
static linalg::GenericOp computableInput(Value input) {
  auto generic = input.getDefiningOp<linalg::GenericOp>();
  if (generic && generic->hasAttr(kPaddingAttr))
    return generic.getNumDpsInputs() == 0 && input.hasOneUse() ? generic : nullptr;
  auto collapse = input.getDefiningOp<tensor::CollapseShapeOp>();
  if (collapse && collapse->hasOneUse())
    generic = collapse.getSrc().getDefiningOp<linalg::GenericOp>();
  // (Static loops: the kernel splits collapsed indices by their sizes.)
  if (!generic || generic->getNumResults() != 1 || !generic->getResult(0).hasOneUse() ||
      !isCheapElementwise(generic) ||
      llvm::any_of(generic.getStaticLoopRanges(), ShapedType::isDynamic))
    return nullptr;
  return generic;
}

void markComputedInputs(linalg::LinalgOp op) {
  int64_t mark = markOf(op, kProductAttr);
  if (mark < 0)
    return;
  for (Value input : op.getDpsInputs()) {
    linalg::GenericOp generic = computableInput(input);
    if (generic && generic->getBlock() == op->getBlock())
      generic->setAttr(kComputedInputAttr,
                       IntegerAttr::get(IntegerType::get(op.getContext(), 64), mark));
  }
}

/// The buffer `input` (on buffers) collapses, if it is a collapse_shape.
static Value collapsedFrom(Value input) {
  auto collapse = input.getDefiningOp<memref::CollapseShapeOp>();
  return collapse ? collapse.getSrc() : Value();
}

/// The buffers the kernel reads to compute `computed` (on buffers): its
/// inputs' and what its body reads from above; none if it reads a tensor
/// or a scalar operand.
static std::optional<SmallVector<Value>> readFor(linalg::GenericOp computed) {
  // (A tensor left unbufferized in its body is not read here.)
  std::optional<SmallVector<Value>> roots = buffersReadFromAbove(computed);
  for (Value v : computed.getDpsInputs()) {
    if (!roots || !llvm::isa<MemRefType>(v.getType()))
      return std::nullopt;
    roots->push_back(rootBuffer(v));
  }
  return roots;
}

/// The computed input marked for `op` (number `mark`) that writes the
/// buffer `input` (an input of `op`) reads, or the buffer it collapses, if
/// the kernel can compute its elements where it reads them: the op before
/// `op` in its block, the buffer (and its views) used by nothing after it
/// but `op`, nothing in between writing a buffer the op reads, and none of
/// those `accumulator`, the root of `op`'s output (the kernel writes it
/// while other blocks still compute their inputs).
static linalg::GenericOp computedInputOf(linalg::LinalgOp op, int64_t mark, Value input,
                                         Value accumulator) {
  Value root = rootBuffer(input);
  auto isView = [](Operation *user) {
    return llvm::isa<ViewLikeOpInterface>(user) && isMemoryEffectFree(user);
  };
  // (It writes the very buffer `op` reads, or the one that collapses, or
  // views of them: the kernel computes its elements at `op`'s indices into
  // it. It may read the buffer too, in place: erased, it never writes it.)
  linalg::GenericOp computed;
  usesThroughViewsAre(root, [&](OpOperand &use) {
    auto generic = llvm::dyn_cast<linalg::GenericOp>(use.getOwner());
    if (generic && markOf(generic, kComputedInputAttr) == mark && generic.isDpsInit(&use) &&
        (use.get() == input || use.get() == collapsedFrom(input)))
      computed = generic;
    return !isView(use.getOwner());  // (Views' uses are visited too.)
  });
  if (!computed || computed->getBlock() != op->getBlock() || !computed->isBeforeInBlock(op))
    return nullptr;
  // Nothing but `op` reads what it writes. (Ops before it, which wrote its
  // input in place or read that, see the same buffer without it; a view
  // made before it is followed to its users.)
  bool alone = usesThroughViewsAre(root, [&](OpOperand &use) {
    Operation *user = use.getOwner();
    Operation *inBlock = op->getBlock()->findAncestorOpInBlock(*user);
    return user == computed.getOperation() || user == op.getOperation() ||
           llvm::isa<memref::DeallocOp>(user) ||
           (inBlock && inBlock->isBeforeInBlock(computed) && !isView(user));
  });
  std::optional<SmallVector<Value>> sources = readFor(computed);
  // The kernels in between may read its inputs (a pool of the same
  // input), not write them.
  if (!alone || !sources || llvm::is_contained(*sources, accumulator) ||
      usedBetween(computed, op, {root}) || writtenBetween(computed, op, *sources))
    return nullptr;
  return computed;
}

bool usesThroughViewsAre(Value root, function_ref<bool(OpOperand &)> allowed) {
  SmallVector<Value> views{root};
  while (!views.empty()) {
    Value view = views.pop_back_val();
    for (OpOperand &use : view.getUses()) {
      Operation *user = use.getOwner();
      if (allowed(use))
        continue;
      if (llvm::isa<ViewLikeOpInterface>(user) && isMemoryEffectFree(user) &&
          user->getNumResults() == 1) {
        views.push_back(user->getResult(0));
        continue;
      }
      return false;
    }
  }
  return true;
}

std::optional<SmallVector<Value>> buffersReadFromAbove(Operation *op) {
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegion(0), captured);
  SmallVector<Value> roots;
  for (Value v : captured) {
    if (llvm::isa<MemRefType>(v.getType()))
      roots.push_back(rootBuffer(v));
    else if (llvm::isa<ShapedType>(v.getType()))
      return std::nullopt;
  }
  return roots;
}

int64_t stagedFusionMark(Operation *op) { return markOf(op, kProductAttr); }

void clearStagedFusionMarks(Operation *op) {
  op->removeAttr(kProductAttr);
  op->removeAttr(kStartAttr);
  op->removeAttr(kConsumerAttr);
  op->removeAttr(kComputedInputAttr);
}

StagedFusion findStagedFusion(linalg::LinalgOp op) {
  int64_t mark = markOf(op, kProductAttr);
  Value buffer = op.getDpsInits()[0];
  StagedFusion fusion;
  if (mark < 0)
    return fusion;
  Value accumulator = rootBuffer(buffer);
  for (OpOperand *input : op.getDpsInputOperands())
    if (input->getOperandNumber() < fusion.computedInputs.size())
      fusion.computedInputs[input->getOperandNumber()] =
          computedInputOf(op, mark, input->get(), accumulator);
  // Any other op on the accumulator's buffer before the product rules out
  // taking the start in, after it the consumer.
  bool otherBefore = false, otherAfter = false;
  SmallVector<Operation *> others;
  for (Operation *user : buffer.getUsers()) {
    if (user == op.getOperation() || llvm::isa<memref::DeallocOp>(user))
      continue;
    auto linalgUser = llvm::dyn_cast<linalg::LinalgOp>(user);
    bool sameBlock = user->getBlock() == op->getBlock();
    if (linalgUser && sameBlock && markOf(user, kStartAttr) == mark &&
        user->isBeforeInBlock(op) && linalgUser.getDpsInits()[0] == buffer &&
        !llvm::is_contained(linalgUser.getDpsInputs(), buffer)) {
      fusion.start = linalgUser;
      continue;
    }
    auto generic = llvm::dyn_cast<linalg::GenericOp>(user);
    if (generic && sameBlock && markOf(user, kConsumerAttr) == mark &&
        op->isBeforeInBlock(user) && productOperand(generic, buffer)) {
      fusion.consumer = generic;
      continue;
    }
    // A user nested in an op of the product's block runs where that op
    // does; one outside the block, before and after (in a loop, say).
    others.push_back(op->getBlock()->findAncestorOpInBlock(*user));
  }
  // After a consumer that writes its result over the accumulator (as
  // bufferization makes a LayerNorm's mean of its sum), users of the
  // buffer read the consumer's result, which the kernel writes there.
  bool inPlace = fusion.consumer && fusion.consumer.getDpsInits()[0] == buffer;
  for (Operation *inBlock : others) {
    otherBefore |= !inBlock || inBlock->isBeforeInBlock(op);
    otherAfter |= !inBlock || (op->isBeforeInBlock(inBlock) &&
                               !(inPlace && fusion.consumer->isBeforeInBlock(inBlock)));
  }
  if (otherBefore)
    fusion.start = nullptr;
  if (otherAfter)
    fusion.consumer = nullptr;
  // The kernel reads the start's inputs where the product is: nothing in
  // between may have reused their buffers, or used the accumulator's
  // (through a view of it, say).
  if (fusion.start) {
    SmallVector<Value> roots = rootsOf(fusion.start, buffer);
    roots.push_back(accumulator);
    if (usedBetween(fusion.start, op, roots))
      fusion.start = nullptr;
  }
  if (fusion.consumer) {
    // The kernel writes the consumer's output where the product is, while
    // other blocks still read the product's inputs, the start's, and the
    // consumer's other inputs at other elements than their own (a
    // broadcast bias): the output must be none of them (it may be the
    // accumulator itself, or an input the consumer reads element by
    // element, which each thread reads before it writes), and nothing
    // between the product and the consumer may use it or the accumulator.
    Value init = fusion.consumer.getDpsInits()[0];
    Value output = rootBuffer(init);
    SmallVector<Value> read = rootsOf(op, buffer);
    if (fusion.start)
      read.append(rootsOf(fusion.start, buffer));
    // (And what the inputs computed in the kernel read.)
    for (linalg::GenericOp computed : fusion.computedInputs)
      if (computed)
        read.append(*readFor(computed));  // (computedInputOf checked it.)
    for (OpOperand *input : fusion.consumer.getDpsInputOperands())
      if (input->get() != buffer && !fusion.consumer.getMatchingIndexingMap(input).isIdentity())
        read.push_back(rootBuffer(input->get()));
    // (Nor may anything between them write what the consumer reads: the
    // kernel computes it where the product is. A row group's kernel, which
    // runs where its last op was, may lie between.)
    SmallVector<Value> consumerReads = rootsOf(fusion.consumer, output);
    if (std::optional<SmallVector<Value>> captured = buffersReadFromAbove(fusion.consumer))
      consumerReads.append(*captured);
    else
      fusion.consumer = nullptr;
    if (fusion.consumer && ((init != buffer && llvm::is_contained(read, output)) ||
                            usedBetween(op, fusion.consumer, {output, accumulator}) ||
                            writtenBetween(op, fusion.consumer, consumerReads)))
      fusion.consumer = nullptr;
  }
  if (fusion.consumer) {
    // The consumer's other buffers must exist where the product is; views
    // made after it (bufferization's reshape of the output into a graph
    // result, say) move up before it, and so does a static allocation
    // (bufferization allocates an intermediate just before its writer).
    // Moving them up changes nothing else: they neither read nor write.
    // Only the output's own allocation moves: an input allocated after the
    // product would be written after it too.
    DominanceInfo dominance(op->getParentOp());
    Value init = fusion.consumer.getDpsInits()[0];
    SetVector<Operation *> toMove;
    std::function<bool(Value)> movable = [&](Value v) {
      if (dominance.properlyDominates(v, op))
        return true;
      Operation *def = v.getDefiningOp();
      bool view = def && llvm::isa<ViewLikeOpInterface>(def) && isMemoryEffectFree(def);
      bool outputAlloc = def && llvm::isa<memref::AllocOp>(def) && def->getNumOperands() == 0 &&
                         v == rootBuffer(init);
      if (!def || def->getBlock() != op->getBlock() || !(view || outputAlloc) ||
          !llvm::all_of(def->getOperands(), movable))
        return false;
      toMove.insert(def);
      return true;
    };
    if (!llvm::all_of(fusion.consumer->getOperands(),
                      [&](Value v) { return v == buffer || movable(v); })) {
      fusion.consumer = nullptr;
      return fusion;
    }
    // (Operands were inserted before their users.)
    for (Operation *def : toMove)
      def->moveBefore(op);
  }
  return fusion;
}

/// The value the body of `op` (all-parallel, identity output map: a start
/// or consumer) computes at output `indices`, `read` giving each input's
/// element there.
static Value computeElement(OpBuilder &b, linalg::LinalgOp op, ValueRange indices,
                            function_ref<Value(OpOperand *)> read) {
  if (auto fill = llvm::dyn_cast<linalg::FillOp>(op.getOperation()))
    return fill.value();
  IRMapping mapping;
  for (OpOperand *input : op.getDpsInputOperands())
    mapping.map(op.getMatchingBlockArgument(input), read(input));
  return cloneLinalgBody(b, op, mapping, [&](unsigned dim) { return indices[dim]; });
}

/// Whether `expr` divides a function of loop `dim` by a constant other
/// than a power of two (a floordiv, ceildiv or mod): in a staged kernel's
/// reads, the k loop's, computed at every k step (divisions of the row or
/// column are hoisted out of the loop, and by powers of two they are
/// shifts and masks).
static bool dividesAlong(AffineExpr expr, unsigned dim) {
  return expr
      .walk([&](AffineExpr sub) {
        auto binary = llvm::dyn_cast<AffineBinaryOpExpr>(sub);
        if (!binary || binary.getKind() == AffineExprKind::Add ||
            binary.getKind() == AffineExprKind::Mul || !binary.getLHS().isFunctionOfDim(dim))
          return WalkResult::advance();
        auto divisor = llvm::dyn_cast<AffineConstantExpr>(binary.getRHS());
        return divisor && divisor.getValue() > 0 && llvm::isPowerOf2_64(divisor.getValue())
                   ? WalkResult::advance()
                   : WalkResult::interrupt();
      })
      .wasInterrupted();
}

/// The values `expr` takes where each loop index d lies in [0, ranges[d]):
/// its least and greatest, or none where a part of it may be negative or
/// reach 2^31 (or is not a dimension, a constant, or a sum, a product by a
/// constant or a division or remainder by a positive constant).
static std::optional<std::pair<int64_t, int64_t>> unsignedBounds(AffineExpr expr,
                                                                 ArrayRef<int64_t> ranges) {
  constexpr int64_t kLimit = int64_t(1) << 31;
  auto within = [&](int64_t lo, int64_t hi) -> std::optional<std::pair<int64_t, int64_t>> {
    if (lo < 0 || hi >= kLimit)
      return std::nullopt;
    return std::pair(lo, hi);
  };
  if (auto dim = llvm::dyn_cast<AffineDimExpr>(expr)) {
    int64_t range = ranges[dim.getPosition()];
    if (ShapedType::isDynamic(range) || range <= 0)
      return std::nullopt;
    return within(0, range - 1);
  }
  if (auto c = llvm::dyn_cast<AffineConstantExpr>(expr))
    return within(c.getValue(), c.getValue());
  auto binary = llvm::dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return std::nullopt;
  auto lhs = unsignedBounds(binary.getLHS(), ranges);
  auto rhs = unsignedBounds(binary.getRHS(), ranges);
  if (!lhs || !rhs)
    return std::nullopt;
  auto [lo, hi] = *lhs;
  // (The right side of a product, division or remainder must be one
  // constant, as in an affine map; bounds below 2^31 keep every product
  // below 2^62.)
  int64_t c = rhs->first;
  switch (expr.getKind()) {
  case AffineExprKind::Add:
    return within(lo + rhs->first, hi + rhs->second);
  case AffineExprKind::Mul:
    return rhs->first == rhs->second ? within(lo * c, hi * c) : std::nullopt;
  case AffineExprKind::FloorDiv:
    return c > 0 && rhs->first == rhs->second ? within(lo / c, hi / c) : std::nullopt;
  case AffineExprKind::CeilDiv:
    return c > 0 && rhs->first == rhs->second
               ? within(llvm::divideCeil(lo, c), llvm::divideCeil(hi, c))
               : std::nullopt;
  case AffineExprKind::Mod:
    return c > 0 && rhs->first == rhs->second
               ? within(hi < c ? lo : 0, std::min(hi, c - 1))
               : std::nullopt;
  default:
    return std::nullopt;
  }
}

/// `map` with each division or remainder whose dividend stays below its
/// divisor (loop index d in [0, ranges[d])) dropped: (d floordiv 64) mod 12
/// over d < 768 is d floordiv 64. A head's columns read in place give such
/// maps; their remainders would otherwise be computed at every k step.
static AffineMap withoutTrivialDivisions(AffineMap map, ArrayRef<int64_t> ranges) {
  std::function<AffineExpr(AffineExpr)> simplify = [&](AffineExpr expr) -> AffineExpr {
    auto binary = llvm::dyn_cast<AffineBinaryOpExpr>(expr);
    if (!binary)
      return expr;
    AffineExpr lhs = simplify(binary.getLHS()), rhs = simplify(binary.getRHS());
    auto bounds = unsignedBounds(lhs, ranges);
    auto divisor = llvm::dyn_cast<AffineConstantExpr>(rhs);
    bool below = bounds && divisor && bounds->second < divisor.getValue();
    switch (expr.getKind()) {
    case AffineExprKind::Add:
      return lhs + rhs;
    case AffineExprKind::Mul:
      return lhs * rhs;
    case AffineExprKind::Mod:
      return below ? lhs : lhs % rhs;
    case AffineExprKind::FloorDiv:
      return below ? getAffineConstantExpr(0, expr.getContext()) : lhs.floorDiv(rhs);
    default:
      return lhs.ceilDiv(rhs);
    }
  };
  SmallVector<AffineExpr> results;
  for (AffineExpr e : map.getResults())
    results.push_back(simplify(e));
  return AffineMap::get(map.getNumDims(), map.getNumSymbols(), results, map.getContext());
}

/// `expr` at `dims` (32-bit), in 32-bit unsigned arithmetic: exact where
/// unsignedBounds bounds it.
static Value evaluateUnsigned(OpBuilder &b, Location loc, AffineExpr expr, ValueRange dims) {
  if (auto dim = llvm::dyn_cast<AffineDimExpr>(expr))
    return dims[dim.getPosition()];
  if (auto c = llvm::dyn_cast<AffineConstantExpr>(expr))
    return arith::ConstantIntOp::create(b, loc, b.getI32Type(), c.getValue());
  auto binary = llvm::cast<AffineBinaryOpExpr>(expr);
  Value lhs = evaluateUnsigned(b, loc, binary.getLHS(), dims);
  Value rhs = evaluateUnsigned(b, loc, binary.getRHS(), dims);
  switch (expr.getKind()) {
  case AffineExprKind::Add:
    return arith::AddIOp::create(b, loc, lhs, rhs);
  case AffineExprKind::Mul:
    return arith::MulIOp::create(b, loc, lhs, rhs);
  case AffineExprKind::FloorDiv:
    return arith::DivUIOp::create(b, loc, lhs, rhs);
  case AffineExprKind::CeilDiv: {
    // (lhs + rhs - 1) / rhs: below 2^32, since lhs and rhs are below 2^31.
    Value below = arith::SubIOp::create(
        b, loc, arith::AddIOp::create(b, loc, lhs, rhs),
        arith::ConstantIntOp::create(b, loc, b.getI32Type(), 1));
    return arith::DivUIOp::create(b, loc, below, rhs);
  }
  default:
    return arith::RemUIOp::create(b, loc, lhs, rhs);
  }
}

/// The map through which a staged kernel computes its reads through `map`
/// in 32 bits (applyIndexingMapNarrowly): `map` without trivial
/// divisions, where that divides along k (dividesAlong) and unsignedBounds
/// bounds every index while each loop index d lies in [0, ranges[d]);
/// none otherwise.
static std::optional<AffineMap> narrowReadMap(AffineMap map, ArrayRef<int64_t> ranges,
                                              unsigned k) {
  if (map.getNumSymbols() != 0)
    return std::nullopt;
  AffineMap simple = withoutTrivialDivisions(map, ranges);
  if (!llvm::any_of(simple.getResults(), [&](AffineExpr e) { return dividesAlong(e, k); }) ||
      !llvm::all_of(simple.getResults(),
                    [&](AffineExpr e) { return unsignedBounds(e, ranges).has_value(); }))
    return std::nullopt;
  return simple;
}

/// The indices `map` gives for loop indices `ivs`, each in [0, ranges[d])
/// (a staged kernel's clamped reads): where narrowReadMap gives one (a
/// convolution's k split into channel and tap), computed in 32-bit
/// unsigned arithmetic, without trivial divisions; applyIndexingMap's
/// otherwise. A division of a 64-bit index by a constant is four wide
/// multiplies and their carries on the GPU, of a 32-bit one a single
/// multiply-high; without divisions, 32-bit indices gain nothing (they
/// are widened again for their addresses).
static SmallVector<Value> applyIndexingMapNarrowly(OpBuilder &b, Location loc, AffineMap map,
                                                   ValueRange ivs, ArrayRef<int64_t> ranges,
                                                   unsigned k) {
  std::optional<AffineMap> narrow = narrowReadMap(map, ranges, k);
  if (!narrow)
    return applyIndexingMap(b, loc, map, ivs);
  SmallVector<Value> dims;
  for (Value iv : ivs)
    dims.push_back(arith::IndexCastUIOp::create(b, loc, b.getI32Type(), iv));
  SmallVector<Value> indices;
  for (AffineExpr e : narrow->getResults())
    indices.push_back(arith::IndexCastUIOp::create(b, loc, b.getIndexType(),
                                                   evaluateUnsigned(b, loc, e, dims)));
  return indices;
}

/// `operand` of `op` (on buffers) loaded at the element its map gives for
/// loop indices `ivs`.
static Value loadOperand(OpBuilder &b, Location loc, linalg::LinalgOp op, OpOperand *operand,
                         ValueRange ivs) {
  return memref::LoadOp::create(b, loc, operand->get(),
                                applyIndexingMap(b, loc, op.getMatchingIndexingMap(operand), ivs));
}

Value elementAt(OpBuilder &b, Location loc, linalg::LinalgOp op, ValueRange indices) {
  return computeElement(b, op, indices, [&](OpOperand *input) {
    return loadOperand(b, loc, op, input, indices);
  });
}

/// The element of `input` (an input of a staged kernel, on buffers) at
/// `indices` that `computed`, the op the kernel computes it with, gives:
/// where `input` collapses the buffer `computed` writes, each index is
/// split into the indices of its group (row-major).
static Value computedElement(OpBuilder &b, Location loc, linalg::GenericOp computed, Value input,
                             ValueRange indices) {
  auto collapse = input.getDefiningOp<memref::CollapseShapeOp>();
  if (!collapse || computed.getDpsInits()[0] == input)
    return elementAt(b, loc, computed, indices);
  ArrayRef<int64_t> shape = collapse.getSrcType().getShape();
  SmallVector<Value> expanded;
  for (auto [index, group] : llvm::zip(indices, collapse.getReassociationIndices())) {
    cpu::StaticForallBounds sizes;
    sizes.lowerBounds.assign(group.size(), 0);
    sizes.steps.assign(group.size(), 1);
    for (int64_t d : group)
      sizes.counts.push_back(shape[d]);
    sizes.total = ShapedType::getNumElements(sizes.counts);
    llvm::append_range(expanded, cpu::delinearizeIteration(b, loc, index, sizes));
  }
  return elementAt(b, loc, computed, expanded);
}

/// The value storeResult stores, and the buffer it stores it into.
static std::pair<Value, Value> resultAt(OpBuilder &b, Location loc, linalg::GenericOp consumer,
                                        Value accumulator, Value value, ValueRange indices) {
  if (!consumer)
    return {value, accumulator};
  Value result = computeElement(b, consumer, indices, [&](OpOperand *input) {
    return input->get() == accumulator ? value : loadOperand(b, loc, consumer, input, indices);
  });
  return {result, consumer.getDpsInits()[0]};
}

void storeResult(OpBuilder &b, Location loc, linalg::GenericOp consumer, Value accumulator,
                 Value value, ValueRange indices) {
  auto [result, buffer] = resultAt(b, loc, consumer, accumulator, value, indices);
  memref::StoreOp::create(b, loc, result, buffer, indices);
}


/// Marks `loop` (a k loop) not to be unrolled, by LLVM or by ptxas (the
/// annotation becomes llvm.loop.unroll.disable, and NVPTX then emits
/// `.pragma "nounroll"`). Unrolled whole (a few k steps), the loop's
/// multiply-adds, which touch no memory, were moved below the barriers to
/// the end, after every step's loads from workgroup memory: each thread
/// held all of them at once (up to 173 registers). Rolled, a step holds
/// one step's values, as the kernel is designed: its next step's reads in
/// flight while it folds the current one.
static void keepRolled(scf::ForOp loop) {
  MLIRContext *ctx = loop.getContext();
  auto unroll = LLVM::LoopUnrollAttr::get(ctx, BoolAttr::get(ctx, true), {}, {}, {}, {}, {}, {});
  auto annotation = LLVM::LoopAnnotationAttr::get(ctx, {}, {}, {}, unroll, {}, {}, {}, {}, {},
                                                  {}, {}, {}, {}, {}, {});
  // (scf-to-cf carries attributes of the LLVM dialect to the back edge's
  // cf.br, and cf-to-llvm makes this one llvm.br's loop_annotation.)
  loop->setAttr("loop_annotation", annotation);
}

namespace {

/// Marks (kNarrowAttr) the integer arith ops `b` creates while it lives
/// (not constants; those with integer or index operands and results), if
/// `enabled`, for kiln-narrow-marked-indices; forwards every notification
/// to the builder's own listener.
class MarkNarrow : public RewriterBase::ForwardingListener {
public:
  MarkNarrow(OpBuilder &b, bool enabled)
      : ForwardingListener(b.getListener()), b(b), previous(b.getListener()), enabled(enabled) {
    if (enabled)
      b.setListener(this);
  }
  MarkNarrow(const MarkNarrow &) = delete;
  MarkNarrow &operator=(const MarkNarrow &) = delete;
  ~MarkNarrow() override { release(); }
  /// Stops marking: the builder gets its own listener back.
  void release() {
    if (enabled)
      b.setListener(previous);
    enabled = false;
  }
  void notifyOperationInserted(Operation *op, OpBuilder::InsertPoint from) override {
    auto integer = [](Type t) { return t.isIntOrIndex(); };
    if (llvm::isa_and_nonnull<arith::ArithDialect>(op->getDialect()) &&
        op->getNumOperands() > 0 && llvm::all_of(op->getOperandTypes(), integer) &&
        llvm::all_of(op->getResultTypes(), integer))
      op->setAttr(kNarrowAttr, UnitAttr::get(op->getContext()));
    ForwardingListener::notifyOperationInserted(op, from);
  }

private:
  OpBuilder &b;
  OpBuilder::Listener *previous;
  bool enabled;
};

/// Whether a staged kernel's reads of `input` of `op` (loop ranges
/// `ranges`) divide along k: their map does (narrowReadMap), or
/// `computed` reads `input` through a collapse whose indices along k it
/// splits by a size other than a power of two (computedElement's
/// delinearization, 64-bit, whose divisions the pass can then narrow).
/// The integer arith of such reads is then worth narrowing
/// (kiln-narrow-marked-indices).
static bool dividesReads(linalg::LinalgOp op, ArrayRef<int64_t> ranges, unsigned k,
                         OpOperand *input, linalg::GenericOp computed) {
  AffineMap map = op.getMatchingIndexingMap(input);
  if (narrowReadMap(map, ranges, k))
    return true;
  auto collapse = input->get().getDefiningOp<memref::CollapseShapeOp>();
  if (!computed || !collapse)
    return false;
  ArrayRef<int64_t> shape = collapse.getSrcType().getShape();
  for (auto [index, group] : llvm::zip(map.getResults(), collapse.getReassociationIndices()))
    if (index.isFunctionOfDim(k) &&
        llvm::any_of(llvm::drop_begin(group), [&](int64_t d) {
          return !ShapedType::isDynamic(shape[d]) && !llvm::isPowerOf2_64(shape[d]);
        }))
      return true;
  return false;
}

/// Whether consecutive values of loop `loop` are consecutive elements of
/// the buffer `operand` of `op` reads: its innermost index is the loop
/// plus terms without it, at unit stride, and no other index reads it.
static bool contiguousAlong(linalg::LinalgOp op, OpOperand *operand, unsigned loop) {
  auto type = llvm::dyn_cast<MemRefType>(operand->get().getType());
  if (!type || type.getRank() == 0)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return false;
  AffineMap map = op.getMatchingIndexingMap(operand);
  for (AffineExpr index : map.getResults().drop_back())
    if (index.isFunctionOfDim(loop))
      return false;
  AffineExpr rest = simplifyAffineExpr(
      map.getResults().back() - getAffineDimExpr(loop, op.getContext()), map.getNumDims(), 0);
  return !rest.isFunctionOfDim(loop);
}

/// Whether the staging copies B's tile along k instead of along n: B's
/// buffer runs along k (B^T in memory: an attention's keys read in place,
/// [T, H*D] as [H, D, T]). A half warp then copies 16 consecutive k values
/// of one column where it would have copied 16 columns a row apart.
static bool stagesColumnsAlongK(linalg::LinalgOp op, const StagedMatmul &matmul) {
  OpOperand *columnInput = op.getDpsInputOperand(matmul.columnInput);
  return !contiguousAlong(op, columnInput, matmul.n) &&
         contiguousAlong(op, columnInput, matmul.k);
}

/// Whether a staged kernel of `matmul` may copy `input` of `op` into its
/// tiles asynchronously, its elements as they are: the matmul allows it
/// (asyncCopies), the kernel reads the buffer itself (no computed input),
/// in elements of 4 or 8 bytes (sizes cp.async copies), from a buffer
/// whose innermost dimension is contiguous.
static bool asyncCopyable(const StagedMatmul &matmul, const StagedFusion &fusion,
                          OpOperand *input) {
  if (!matmul.asyncCopies || fusion.computedInputs[input->getOperandNumber()])
    return false;
  auto type = llvm::dyn_cast<MemRefType>(input->get().getType());
  if (!type || type.getRank() == 0 || !type.getElementType().isIntOrFloat())
    return false;
  unsigned bits = type.getElementTypeBitWidth();
  return (bits == 32 || bits == 64) && type.isLastDimUnitStride();
}

/// What both kernels share: the block and thread loops, the thread's
/// position, the staging of the block's input tiles, and where outputs
/// start and end.
struct Skeleton {
  Skeleton(linalg::LinalgOp op, const StagedMatmul &matmul, const StagedFusion &fusion)
      : op(op), matmul(matmul), fusion(fusion), loc(op.getLoc()),
        rowInput(op.getDpsInputOperand(matmul.rowInput)),
        columnInput(op.getDpsInputOperand(matmul.columnInput)), init(op.getDpsInitOperand(0)),
        ranges(op.getStaticLoopRanges()), fullRanges(op.getStaticLoopRanges()) {
    ranges[matmul.k] /= matmul.splits;
  }

  linalg::LinalgOp op;
  const StagedMatmul &matmul;
  const StagedFusion &fusion;
  Location loc;
  OpOperand *rowInput, *columnInput, *init;
  /// The op's loop ranges (k: the slice's, where k is cut), and uncut.
  SmallVector<int64_t> ranges, fullRanges;
  /// Where k is cut (matmul.splits > 1): the partial results, and the
  /// block's slice, whose k values start at slice x ranges[k].
  const PartialResults *partials = nullptr;
  Value slice;
  /// Whether the block tiles pass the ends of m or n (blockM or blockN
  /// does not divide it): reads there are clamped to the last row or
  /// column, and outputs there are not stored.
  bool partialM = false, partialN = false;
  /// Whether staged elements past the end of k are zeros (the tensor-core
  /// kernel, whose mmas fold whole k steps) rather than left unfolded.
  bool zeroPastK = false;
  /// Whether B's memory runs along k (stagesColumnsAlongK): the default
  /// copies (columnCopy) then have thread (ty, tx) copy B's
  /// (kt + tx, ty + 16 r) instead of (kt + ty, tx + 16 r).
  bool columnsAlongK = false;
  /// The input tiles, `stages` of each (the first index is the stage).
  Value rowTile, columnTile;
  /// The indices (after the stage's) of A's element (row, k) of the
  /// block's step in rowTile, and of B's (k, column) in columnTile.
  std::function<SmallVector<Value>(OpBuilder &, Value, Value)> rowSlot, columnSlot;
  /// Which elements of a step this thread copies: its copy `r` of A is
  /// the element (row, k) of the block's step that rowCopy(r) gives, of B
  /// the (k, column) that columnCopy(r) gives. buildSkeleton's: A rows
  /// ty + 16 r at k = tx, B columns tx + 16 r at k = ty (columnsAlongK: B
  /// columns ty + 16 r at k = tx), a half warp's copies 16 consecutive
  /// values in memory.
  std::function<std::pair<Value, Value>(OpBuilder &, int64_t)> rowCopy, columnCopy;
  /// Whether each of A's copies is 2 consecutive k values, k even (the
  /// f16 and bf16 tensor-core kernel: they share one 32-bit fragment
  /// register), read with one 4-byte load and placed with one 4-byte store
  /// (A read as it is, aligned along k to pairs, k even).
  bool rowPairs = false;
  /// Whether each of B's copies is a 2 x 2 quad (the f16 and bf16
  /// tensor-core kernel, B along n): k and k + 1 (k even) of columns n and
  /// n + 1 (n even), read as two 4-byte loads of a row's two columns and
  /// placed as each column's pair of k values (a fragment register), two
  /// 4-byte stores: at columnSlot's index for column n and
  /// nextColumnOffset further for column n + 1. (B read as it is, aligned
  /// along n to pairs; k and n even.) The column tiles' fragments are then
  /// padded (buildTensorCoreMatmul: kPaddedTileLanes), so that a warp's
  /// stores, of two column tiles, meet no bank conflict.
  bool columnQuads = false;
  /// Whether each of B's copies is a pair of columns n and n + 1 (n even)
  /// at one k (the f16 and bf16 tensor-core kernel, B along n, where a
  /// block's 32 columns hold too few quads for its threads): read with one
  /// 4-byte load and placed as two one-value stores, at columnSlot's
  /// index for (k, n) and nextColumnOffset further for (k, n + 1). (B read
  /// as it is, aligned along n to pairs, n even.) The column tiles are
  /// padded as for quads.
  bool columnPairs = false;
  /// (columnQuads, columnPairs) How far column n + 1's slot is from
  /// column n's.
  int64_t nextColumnOffset = 0;
  /// B one k row down (a view from its second row along k), where quads
  /// read their second rows at their first rows' indices: the two loads
  /// then share one address plus a constant. (Indexed at k + 1, LLVM
  /// wrote k + 1 as k | 1, k being even, and computed the second address
  /// afresh every step: gemm2048_f16's k step took 42.5 SASS instructions
  /// instead of 33.5.)
  Value quadNextRows;
  /// Where not 0, the tiles are flat and copy r's slot is copy 0's plus r
  /// times this (A's, B's): one address and constant offsets for a
  /// thread's stores, which LLVM does not find itself through rowSlot's
  /// and columnSlot's divisions.
  int64_t rowCopyStride = 0, columnCopyStride = 0;
  /// Whether stagedLoop folds the last step (whole, or short and padded
  /// with zeros: zeroPastK) after the loop, a second copy of the fold (the
  /// tensor-core kernels, and scalar ones of at most kMaxPeeledOutputs
  /// outputs a thread: their folds are short), rather than staging it
  /// twice.
  bool peelLastStep = false;
  /// How many products at consecutive columns finish stores with one
  /// vector store (storesRuns), 1 for a store each: kVectorWidth (16
  /// bytes) for the scalar kernel's groups, 2 for the tensor-core kernel's
  /// pairs (an mma accumulator's two columns of a row). The first column
  /// of a run is a multiple of its width and n too, so a run lies inside n
  /// or outside it whole. A warp's one-value stores of such runs were 16
  /// (8) bytes apart, each touching 4 (2) times the 32-byte sectors its
  /// data fills.
  int64_t storeWidth = 1;
  /// Whether stagedLoop unrolls the loop by kStages, each copy of the step
  /// on a stage known at compile time (short folds: scalar kernels of at
  /// most kMaxPeeledOutputs outputs a thread, tensor-core kernels of at
  /// most kMaxUnrolledMmas mmas a step).
  bool unrollStages = false;
  /// Whether the k loop stages both inputs with asynchronous copies
  /// (nvgpu.device_async_copy: cp.async, sm_80 and newer) straight from
  /// global into workgroup memory instead of through registers
  /// (asyncLoop); `stages` tiles of each input then keep up to
  /// stages - 1 steps in flight.
  bool async = false;
  /// Copies of each input tile in workgroup memory (the first index of
  /// rowTile and columnTile).
  int64_t stages = kStages;
  /// Inside the k loop: the stage of the current step.
  Value stage;
  /// Thread id, its row ty = t / 16 and column tx = t % 16 in the block.
  Value tid, ty, tx;
  /// The loop indices of the block's first output (batch ivs, m and n of
  /// the block's corner, k = 0).
  SmallVector<Value> base;

  Value constant(OpBuilder &b, int64_t v) const {
    return arith::ConstantIndexOp::create(b, loc, v);
  }
  Value add(OpBuilder &b, Value x, Value y) const { return arith::AddIOp::create(b, loc, x, y); }
  Value addConstant(OpBuilder &b, Value x, int64_t v) const {
    return v == 0 ? x : add(b, x, constant(b, v));
  }
  Value scale(OpBuilder &b, Value x, int64_t f) const {
    return arith::MulIOp::create(b, loc, x, constant(b, f));
  }
  /// The field of `count` bits of the thread id from bit `lo` on, computed
  /// as (t >> lo) - (t >> (lo + count) << count) rather than with a mask.
  /// The value is the same, but LLVM does not see that the field's bits
  /// lie below those of a copy's constant offset (16 r): where it did
  /// (masks), it joined the offset to the field with `or`, and the NVPTX
  /// back end then no longer folded the offset times a stride into a
  /// copy's global load's immediate, keeping an address a copy in
  /// registers (gemm2048_tf32: 120 registers, not 64).
  Value bits(OpBuilder &b, int64_t lo, int64_t count) const {
    auto shifted = [&](int64_t by) {
      return arith::DivUIOp::create(b, loc, tid, constant(b, int64_t(1) << by)).getResult();
    };
    return arith::SubIOp::create(
        b, loc, shifted(lo),
        arith::MulIOp::create(b, loc, shifted(lo + count), constant(b, int64_t(1) << count)));
  }
  /// A copy (rowCopy, columnCopy) whose copy r is (first + firstStep r,
  /// second + secondStep r): one position from the thread id, computed
  /// once, plus constants.
  std::function<std::pair<Value, Value>(OpBuilder &, int64_t)>
  copyAt(Value first, int64_t firstStep, Value second, int64_t secondStep) const {
    return [this, first, firstStep, second, secondStep](OpBuilder &b, int64_t r) {
      return std::pair(addConstant(b, first, firstStep * r), addConstant(b, second, secondStep * r));
    };
  }
  /// The loop indices at offsets (dm, dn) from the block's corner and k.
  SmallVector<Value> ivs(OpBuilder &b, Value dm, Value dn, Value k) const {
    SmallVector<Value> result = base;
    result[matmul.m] = add(b, base[matmul.m], dm);
    result[matmul.n] = add(b, base[matmul.n], dn);
    result[matmul.k] = k;
    return result;
  }
  /// The indices of `operand` at loop indices `loopIvs` (k in the slice,
  /// for an input: the slice's offset is added). An input's map that
  /// divides along k is evaluated in 32 bits (applyIndexingMapNarrowly:
  /// reads are clamped into the loop ranges; the output's map has no k).
  SmallVector<Value> indices(OpBuilder &b, OpOperand *operand, ArrayRef<Value> loopIvs) const {
    SmallVector<Value> at(loopIvs);
    if (slice && operand != init)
      at[matmul.k] = add(b, arith::MulIOp::create(b, loc, slice, constant(b, ranges[matmul.k])),
                         at[matmul.k]);
    return applyIndexingMapNarrowly(b, loc, linalg::LinalgOp(op).getMatchingIndexingMap(operand),
                                    at, fullRanges, matmul.k);
  }
  /// `loopIvs` with m, n and k clamped to their ranges: an element past an
  /// end reads the last one instead (always in bounds; the outputs it
  /// feeds are not stored, and past k it is not folded or is zeroed).
  SmallVector<Value> clamped(OpBuilder &b, ArrayRef<Value> loopIvs) const {
    SmallVector<Value> result(loopIvs);
    for (auto [dim, partial] : {std::pair(matmul.m, partialM), std::pair(matmul.n, partialN),
                                std::pair(matmul.k, ranges[matmul.k] % kStagedTile != 0)})
      if (partial)
        result[dim] = arith::MinUIOp::create(b, loc, result[dim], constant(b, ranges[dim] - 1));
    return result;
  }
  /// Whether loop indices `loopIvs` are those of an output (inside m and n).
  Value isOutput(OpBuilder &b, ArrayRef<Value> loopIvs) const {
    Value inside = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 1);
    for (auto [dim, partial] : {std::pair(matmul.m, partialM), std::pair(matmul.n, partialN)})
      if (partial)
        inside = arith::AndIOp::create(
            b, loc, inside,
            arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, loopIvs[dim],
                                  constant(b, ranges[dim])));
    return inside;
  }
  /// The accumulator's value before the product at loop indices `loopIvs`
  /// (k ignored): the start's value there, or the init buffer's (clamped
  /// into the output).
  Value startValue(OpBuilder &b, ArrayRef<Value> loopIvs) const {
    if (partials)
      return arith::ConstantOp::create(b, loc, partials->neutral);
    SmallVector<Value> at = indices(b, init, clamped(b, loopIvs));
    if (!fusion.start)
      return memref::LoadOp::create(b, loc, init->get(), at);
    return elementAt(b, loc, fusion.start, at);
  }
  /// Stores each of a thread's products `accs` (at `loopIvs`, k ignored):
  /// the consumer's value into the consumer's output, or the product into
  /// the init buffer; nothing past the end of m or n. Where m or n has a
  /// partial tile, a thread whose outputs all lie inside stores them
  /// unguarded, the others each under its guard: every product is used on
  /// both paths, so LLVM computes it before the branch. Behind guards
  /// only, LLVM sank a product's multiply-adds into its store's guard
  /// where the k loop was unrolled away (one or two k steps), every step's
  /// tile values then live to the end: 244 registers a thread in a
  /// convolution of 24 input channels.
  void finish(OpBuilder &b, ArrayRef<Value> accs, ArrayRef<SmallVector<Value>> loopIvs) const {
    // Every product, unguarded: in runs of storeWidth.
    auto storeAll = [&](OpBuilder &at) {
      if (storeWidth == 1) {
        for (auto [acc, ivs] : llvm::zip_equal(accs, loopIvs))
          store(at, acc, ivs);
        return;
      }
      for (size_t first = 0; first < accs.size(); first += storeWidth)
        storeRun(at, accs.slice(first, storeWidth), loopIvs.slice(first, storeWidth));
    };
    if (!partialM && !partialN) {
      storeAll(b);
      return;
    }
    Value allInside = isOutput(b, loopIvs.front());
    for (ArrayRef<Value> ivs : loopIvs.drop_front())
      allInside = arith::AndIOp::create(b, loc, allInside, isOutput(b, ivs));
    auto paths = scf::IfOp::create(b, loc, allInside, /*withElseRegion=*/true);
    OpBuilder inside = paths.getThenBodyBuilder(), edge = paths.getElseBodyBuilder();
    storeAll(inside);
    if (storeWidth > 1) {
      // A run lies inside or outside whole: one row, and n a multiple of
      // its width. (Stored one by one here, ptxas kept the two paths'
      // values apart: 80 registers and a spill in a 4x4-tile kernel.)
      for (size_t first = 0; first < accs.size(); first += storeWidth) {
        auto guard = scf::IfOp::create(edge, loc, isOutput(edge, loopIvs[first]),
                                       /*withElseRegion=*/false);
        OpBuilder guarded = guard.getThenBodyBuilder();
        storeRun(guarded, accs.slice(first, storeWidth), loopIvs.slice(first, storeWidth));
      }
      return;
    }
    for (auto [acc, ivs] : llvm::zip_equal(accs, loopIvs)) {
      auto guard = scf::IfOp::create(edge, loc, isOutput(edge, ivs), /*withElseRegion=*/false);
      OpBuilder guarded = guard.getThenBodyBuilder();
      store(guarded, acc, ivs);
    }
  }
  /// Stores the product `acc` at loop indices `loopIvs` (k ignored),
  /// unguarded: the consumer's value into the consumer's output, or `acc`
  /// into the init buffer (or its slice's partial results).
  void store(OpBuilder &b, Value acc, ArrayRef<Value> loopIvs) const {
    SmallVector<Value> at = indices(b, init, loopIvs);
    if (partials) {
      at.insert(at.begin(), slice);
      memref::StoreOp::create(b, loc, acc, partials->buffer, at);
      return;
    }
    storeResult(b, loc, fusion.consumer, init->get(), acc, at);
  }
  /// Stores the products `accs` at `loopIvs` (storeWidth consecutive
  /// columns), unguarded, as one vector store.
  void storeRun(OpBuilder &b, ArrayRef<Value> accs, ArrayRef<SmallVector<Value>> loopIvs) const {
    SmallVector<Value> values;
    Value buffer;
    for (auto [acc, ivs] : llvm::zip_equal(accs, loopIvs)) {
      Value value;
      std::tie(value, buffer) =
          resultAt(b, loc, fusion.consumer, init->get(), acc, indices(b, init, ivs));
      values.push_back(value);
    }
    Type element = values.front().getType();
    Value run = vector::FromElementsOp::create(b, loc, VectorType::get({storeWidth}, element),
                                               values);
    vector::StoreOp::create(b, loc, run, buffer, indices(b, init, loopIvs.front()),
                            /*nontemporal=*/false,
                            llvm::Align(storeWidth * element.getIntOrFloatBitWidth() / 8));
  }
  /// The block's k step at `kt` of both inputs, as this thread copies it
  /// into the tiles: A's elements rowCopy(r) (r < aRows), then B's
  /// columnCopy(r) (r < bColumns), each through `convert` if given.
  SmallVector<Value> fetch(OpBuilder &b, Value kt, int64_t aRows, int64_t bColumns,
                           function_ref<Value(OpBuilder &, Value)> convert) const {
    SmallVector<Value> values;
    int64_t k = ranges[matmul.k];
    // `v` (an element at loop indices `loopIvs`, or a pair from there),
    // zero where it lies past k and zeroPastK.
    auto zeroedPastK = [&](Value v, ArrayRef<Value> loopIvs) {
      if (!zeroPastK || k % kStagedTile == 0)
        return v;
      Value inside = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                           loopIvs[matmul.k], constant(b, k));
      Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(v.getType()));
      return arith::SelectOp::create(b, loc, inside, v, zero).getResult();
    };
    auto element = [&](OpOperand *input, ArrayRef<Value> loopIvs) {
      linalg::GenericOp computed = fusion.computedInputs[input->getOperandNumber()];
      MarkNarrow mark(b, dividesReads(op, fullRanges, matmul.k, input, computed));
      SmallVector<Value> at = indices(b, input, clamped(b, loopIvs));
      Value v = computed ? computedElement(b, loc, computed, input->get(), at)
                         : Value(memref::LoadOp::create(b, loc, input->get(), at));
      mark.release();
      if (convert)
        v = convert(b, v);
      return zeroedPastK(v, loopIvs);
    };
    // Two consecutive values of `input` from `loopIvs` along k (alongK) or
    // n (alongN), one 4-byte load from each of `buffers` (the input, or a
    // view of it) at the same indices. k and n are even, so the values lie
    // inside or past them whole. One past k reads the last two k values
    // instead (then zeroed), one past n the last two columns (never
    // stored).
    auto loadTwos = [&](OpOperand *input, ArrayRef<Value> loopIvs, bool alongK, bool alongN,
                        ArrayRef<Value> buffers) {
      auto type = VectorType::get({2}, getElementTypeOrSelf(input->get()));
      MarkNarrow mark(b, dividesReads(op, fullRanges, matmul.k, input, nullptr));
      SmallVector<Value> from = clamped(b, loopIvs);
      if (alongK && k % kStagedTile != 0)
        from[matmul.k] = arith::MinUIOp::create(b, loc, from[matmul.k], constant(b, k - 2));
      if (alongN && partialN)
        from[matmul.n] =
            arith::MinUIOp::create(b, loc, from[matmul.n], constant(b, ranges[matmul.n] - 2));
      SmallVector<Value> at = indices(b, input, from);
      SmallVector<Value> loaded;
      for (Value buffer : buffers)
        loaded.push_back(vector::LoadOp::create(b, loc, type, buffer, at, /*nontemporal=*/false,
                                                llvm::Align(4)));
      mark.release();
      return loaded;
    };
    // A's pair from k on, one load.
    auto pair = [&](ArrayRef<Value> loopIvs) {
      Value v = loadTwos(rowInput, loopIvs, /*alongK=*/true, /*alongN=*/false,
                         {rowInput->get()})
                    .front();
      return zeroedPastK(v, loopIvs);
    };
    // B's quad from (k, n) on (both even; columnQuads): rows k and k + 1
    // of columns n and n + 1, two loads (the second through quadNextRows),
    // rearranged into column n's pair of k values and column n + 1's.
    auto quad = [&](ArrayRef<Value> loopIvs, SmallVectorImpl<Value> &into) {
      SmallVector<Value> rows = loadTwos(columnInput, loopIvs, /*alongK=*/true, /*alongN=*/true,
                                         {columnInput->get(), quadNextRows});
      for (int64_t column = 0; column < 2; ++column) {
        Value pairOfK = vector::ShuffleOp::create(b, loc, rows[0], rows[1],
                                                  ArrayRef<int64_t>{column, 2 + column});
        into.push_back(zeroedPastK(pairOfK, loopIvs));
      }
    };
    // B's pair of columns n and n + 1 (n even; columnPairs) at k, one
    // load, as two values.
    auto columnPair = [&](ArrayRef<Value> loopIvs, SmallVectorImpl<Value> &into) {
      Value pair = loadTwos(columnInput, loopIvs, /*alongK=*/false, /*alongN=*/true,
                            {columnInput->get()})
                       .front();
      for (int64_t column = 0; column < 2; ++column)
        into.push_back(zeroedPastK(
            vector::ExtractOp::create(b, loc, pair, ArrayRef<int64_t>{column}), loopIvs));
    };
    forEachCopy(b, kt, aRows, bColumns, [&](OpOperand *input, ArrayRef<Value> loopIvs) {
      if (columnQuads && input == columnInput)
        quad(loopIvs, values);
      else if (columnPairs && input == columnInput)
        columnPair(loopIvs, values);
      else
        values.push_back(rowPairs && input == rowInput ? pair(loopIvs) : element(input, loopIvs));
    });
    return values;
  }
  /// Calls `each` with the input and the loop indices of each of this
  /// thread's copies of the block's k step at `kt`: A's rowCopy(r)
  /// (r < aRows), then B's columnCopy(r) (r < bColumns).
  void forEachCopy(OpBuilder &b, Value kt, int64_t aRows, int64_t bColumns,
                   function_ref<void(OpOperand *, ArrayRef<Value>)> each) const {
    Value zero = constant(b, 0);
    for (int64_t r = 0; r < aRows; ++r) {
      auto [row, inStep] = rowCopy(b, r);
      each(rowInput, ivs(b, row, zero, add(b, kt, inStep)));
    }
    for (int64_t r = 0; r < bColumns; ++r) {
      auto [inStep, column] = columnCopy(b, r);
      each(columnInput, ivs(b, zero, column, add(b, kt, inStep)));
    }
  }
  /// Where this thread's copies of one input go in stage `into` of its
  /// tile: A's rowCopy(r) (r < count) at rowSlot's indices, or
  /// (`columns`) B's columnCopy(r) at columnSlot's; the stage first. A
  /// quad (columnQuads) or a pair of columns (columnPairs) has two: its
  /// first column's, then its second's.
  SmallVector<SmallVector<Value>> slots(OpBuilder &b, Value into, bool columns,
                                        int64_t count) const {
    SmallVector<SmallVector<Value>> result;
    int64_t stride = columns ? columnCopyStride : rowCopyStride;
    // Copy r's indices: its slot, or copy 0's plus r times `stride`.
    for (int64_t r = 0; r < count; ++r) {
      if (stride && r > 0) {
        result.push_back({into, addConstant(b, result.front()[1], stride * r)});
        continue;
      }
      auto [first, second] = columns ? columnCopy(b, r) : rowCopy(b, r);
      SmallVector<Value> at = columns ? columnSlot(b, first, second) : rowSlot(b, first, second);
      at.insert(at.begin(), into);
      result.push_back(at);
    }
    if (!columns || !(columnQuads || columnPairs))
      return result;
    SmallVector<SmallVector<Value>> both;
    for (ArrayRef<Value> at : result) {
      both.push_back(llvm::to_vector(at));
      both.push_back({into, addConstant(b, at[1], nextColumnOffset)});
    }
    return both;
  }
  /// Stores what `fetch` read into the current stage's tiles: an element,
  /// or a pair of k values (rowPairs, columnQuads) as one 4-byte store.
  void place(OpBuilder &b, ValueRange values, int64_t aRows, int64_t bColumns) const {
    auto put = [&](Value value, Value tile, ValueRange slot) {
      if (llvm::isa<VectorType>(value.getType()))
        vector::StoreOp::create(b, loc, value, tile, slot, /*nontemporal=*/false, llvm::Align(4));
      else
        memref::StoreOp::create(b, loc, value, tile, slot);
    };
    for (auto [value, slot] : llvm::zip(values, slots(b, stage, /*columns=*/false, aRows)))
      put(value, rowTile, slot);
    for (auto [value, slot] :
         llvm::zip_equal(values.drop_front(aRows), slots(b, stage, /*columns=*/true, bColumns)))
      put(value, columnTile, slot);
  }
  /// Issues this thread's asynchronous copies of the block's k step at
  /// `kt` (the elements `fetch` would read) into stage `into` of the
  /// tiles, and commits them as one group (returned). (Reads past k are
  /// clamped, as fetch's are; nothing zeroes them: not for zeroPastK.)
  Value issue(OpBuilder &b, Value kt, Value into, int64_t aRows, int64_t bColumns) const {
    assert(!zeroPastK && "asynchronous copies do not zero the elements past k");
    assert(!rowPairs && !columnQuads && !columnPairs &&
           "asynchronous copies move one element each");
    SmallVector<std::pair<OpOperand *, SmallVector<Value>>> reads;
    forEachCopy(b, kt, aRows, bColumns, [&](OpOperand *input, ArrayRef<Value> loopIvs) {
      reads.push_back({input, llvm::to_vector(loopIvs)});
    });
    SmallVector<SmallVector<Value>> to = slots(b, into, /*columns=*/false, aRows);
    llvm::append_range(to, slots(b, into, /*columns=*/true, bColumns));
    SmallVector<Value> tokens;
    for (auto [read, slot] : llvm::zip_equal(reads, to)) {
      auto &[input, loopIvs] = read;
      Value tile = input == rowInput ? rowTile : columnTile;
      MarkNarrow mark(b, dividesReads(op, fullRanges, matmul.k, input, nullptr));
      SmallVector<Value> at = indices(b, input, clamped(b, loopIvs));
      mark.release();
      tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(b, loc, tile, slot, input->get(), at,
                                                        b.getIndexAttr(1), Value(), UnitAttr()));
    }
    return nvgpu::DeviceAsyncCreateGroupOp::create(
        b, loc, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
  }
  /// The element (y, x) of the current stage's `tile`.
  Value tileAt(OpBuilder &b, Value tile, Value y, Value x) const {
    return memref::LoadOp::create(b, loc, tile, ValueRange{stage, y, x});
  }
  /// The k loop of both kernels, over steps of 16 from `initial`
  /// accumulators; returns the accumulators at its end. The input tiles
  /// are staged one step ahead in two stages. Before the loop the first
  /// step's values go into stage 0, a barrier; each iteration then reads
  /// the next step's values from global memory into registers, folds the
  /// current step from its stage (`fold`, given the step's kt, the
  /// accumulators and how many k values to fold), stores the next step's
  /// values into the other stage, and ends at a barrier. The reads'
  /// latency is hidden behind the folding, and one barrier a step is
  /// enough: the stage a thread writes during step s was last read while
  /// folding step s - 1, which every thread finished before the barrier
  /// that ended it. (The stores also keep LLVM from moving the reads down
  /// to where they are used, as it does with loads whose only use is in
  /// the next iteration.) The last step has no next one: with
  /// peelLastStep it is folded after the loop, with nothing staged and no
  /// barrier; otherwise the loop's last iteration stages it again (its
  /// next step clamped to it), so that no branch and no second copy of the
  /// fold is needed. When 16 does not divide k, the last step is short:
  /// with zeroPastK its elements past k are zeros and it is folded whole
  /// (peeled, or in the loop); otherwise the loop stops before it and it
  /// is folded after the loop, its k values only. With unrollStages (and
  /// 4 steps or more for the loop) each iteration is two such steps, on
  /// stages 0 and 1 known at compile time, an odd first step folded (and
  /// the second staged) before the loop.
  SmallVector<Value> stagedLoop(OpBuilder &b, ValueRange initial, int64_t aRows,
                                int64_t bColumns, function_ref<Value(OpBuilder &, Value)> convert,
                                function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange,
                                                                int64_t)>
                                    fold) {
    if (async) {
      assert(!convert && "asynchronous copies store the elements as they are");
      return asyncLoop(b, initial, aRows, bColumns, fold);
    }
    int64_t k = ranges[matmul.k];
    int64_t steps = llvm::divideCeil(k, kStagedTile);
    int64_t tail = zeroPastK ? 0 : k % kStagedTile;
    int64_t loopSteps = tail ? steps - 1 : steps;
    // The last whole step, where no short one follows it, has no next step
    // to stage: peeled, it is folded after the loop; otherwise the loop's
    // last iteration stages it again (its next step clamped to it), which
    // needs no second copy of the fold but a clamp each iteration.
    bool peel = peelLastStep && !tail && steps > 1;
    if (peel)
      loopSteps = steps - 1;
    stage = constant(b, 0);
    place(b, fetch(b, stage, aRows, bColumns, convert), aRows, bColumns);
    mlir::gpu::BarrierOp::create(b, loc);
    SmallVector<Value> results(initial);
    // One step of the loop: folds the step at `kt` from its stage
    // ((kt / 16) % 2, or `known` where that is a constant) and stages the
    // next step into the other, then a barrier.
    auto step = [&](OpBuilder &b, Value kt, ValueRange args, std::optional<int64_t> known) {
      Value next = addConstant(b, kt, kStagedTile);
      if (!tail && !peel)
        next = arith::MinUIOp::create(b, loc, next, constant(b, (steps - 1) * kStagedTile));
      SmallVector<Value> fetched = fetch(b, next, aRows, bColumns, convert);
      stage = known ? constant(b, *known)
                    : arith::RemUIOp::create(
                          b, loc, arith::DivUIOp::create(b, loc, kt, constant(b, kStagedTile)),
                          constant(b, kStages))
                          .getResult();
      SmallVector<Value> folded = fold(b, kt, args, kStagedTile);
      stage = known ? constant(b, kStages - 1 - *known)
                    : arith::SubIOp::create(b, loc, constant(b, kStages - 1), stage).getResult();
      place(b, fetched, aRows, bColumns);
      mlir::gpu::BarrierOp::create(b, loc);
      return folded;
    };
    // A short fold (unrollStages) is unrolled by kStages: each iteration
    // folds a step from each stage in turn, their tiles' addresses
    // constant offsets from one base instead of computed from the step
    // each time, and the loop's control is shared by kStages steps. Where
    // kStages does not divide the steps, the odd first ones precede the
    // loop: after it, LLVM sank the multiply-adds of an odd last step
    // into the branch of `finish` that stores them, and its tile values
    // stayed live there with the peeled step's (resnet50's 2x2 convolution
    // kernels: 54 -> 106 registers a thread). Only where the loop keeps
    // two iterations or more: a loop of one would be no loop
    // (canonicalize inlines it), its steps' values then scheduled past the
    // barriers (keepRolled).
    bool unroll = unrollStages && loopSteps >= 2 * kStages;
    int64_t perIteration = unroll ? kStages : 1;
    int64_t first = loopSteps % perIteration;
    for (int64_t before = 0; before < first; ++before)
      results = step(b, constant(b, before * kStagedTile), results, before % kStages);
    if (loopSteps > first) {
      auto loop = scf::ForOp::create(
          b, loc, constant(b, first * kStagedTile), constant(b, loopSteps * kStagedTile),
          constant(b, perIteration * kStagedTile), results,
          [&](OpBuilder &b, Location loc, Value kt, ValueRange args) {
            // (A single step has no next one to stage.)
            if (steps == 1) {
              scf::YieldOp::create(b, loc, fold(b, kt, args, kStagedTile));
              return;
            }
            if (!unroll) {
              scf::YieldOp::create(b, loc, step(b, kt, args, std::nullopt));
              return;
            }
            SmallVector<Value> folded(args);
            for (int64_t copy = 0; copy < kStages; ++copy)
              folded = step(b, addConstant(b, kt, copy * kStagedTile), folded,
                            (first + copy) % kStages);
            scf::YieldOp::create(b, loc, folded);
          });
      keepRolled(loop);
      results.assign(loop.getResults().begin(), loop.getResults().end());
    }
    if (peel) {
      stage = constant(b, loopSteps % kStages);
      results = fold(b, constant(b, loopSteps * kStagedTile), results, kStagedTile);
    }
    if (tail) {
      stage = constant(b, loopSteps % kStages);
      results = fold(b, constant(b, loopSteps * kStagedTile), results, tail);
    }
    return results;
  }
  /// stagedLoop with asynchronous copies (async): stages - 1 steps in
  /// flight (one where a single step needs one stage). Before the loop,
  /// this thread issues its copies of the first steps, a group each, step
  /// s into stage s % stages. Step s then waits until at most stages - 2
  /// of this thread's groups are pending (step s's has landed), then a
  /// barrier: every thread's copies of step s have landed, and every
  /// thread has folded step s - 1. It then issues step s + stages - 1
  /// into the stage step s - 1 was folded from, and folds step s. The
  /// steps with no later one to issue follow in a second loop that waits
  /// for all of this thread's copies. One barrier a step, no registers
  /// hold staged values, and a copy's latency hides behind stages - 1
  /// folds. With unrollStages (short folds) a loop of two iterations of
  /// `stages` steps or more is unrolled by the stages, every copy of the
  /// step on a stage known at compile time; other loops compute the stage
  /// from the step. (Unrolled whole, the short loops of a few steps took
  /// up to 255 registers a thread and spilled, in efficientnet_b0.) A
  /// short last step is folded after the loops, its k values only.
  SmallVector<Value> asyncLoop(OpBuilder &b, ValueRange initial, int64_t aRows,
                               int64_t bColumns,
                               function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange,
                                                               int64_t)>
                                   fold) {
    int64_t k = ranges[matmul.k];
    int64_t steps = llvm::divideCeil(k, kStagedTile);
    int64_t tail = k % kStagedTile;
    int64_t loopSteps = tail ? steps - 1 : steps;
    int64_t ahead = std::max<int64_t>(stages - 1, 1);
    // The loop's steps that issue a later one: 0 to issuing - 1.
    int64_t issuing = std::clamp<int64_t>(steps - ahead, 0, loopSteps);
    // The stage of the step `later` steps after kt's.
    auto stageOf = [&](OpBuilder &b, Value kt, int64_t later) -> Value {
      if (stages == 1)
        return constant(b, 0);
      Value step = arith::DivUIOp::create(b, loc, kt, constant(b, kStagedTile));
      return arith::RemUIOp::create(b, loc, addConstant(b, step, later), constant(b, stages));
    };
    Value group;
    // (The lowering reads only the count; `group` is any group this
    // thread committed.)
    auto wait = [&](OpBuilder &b, int64_t pending) {
      nvgpu::DeviceAsyncWaitOp::create(b, loc, group, b.getI32IntegerAttr(pending));
    };
    for (int64_t p = 0; p < std::min(ahead, steps); ++p)
      group = issue(b, constant(b, p * kStagedTile), constant(b, p % stages), aRows, bColumns);
    // Step kt (its index `known` where that is a constant), issuing the
    // step `ahead` after it or (not `issues`) waiting for every copy.
    auto step = [&](OpBuilder &b, Value kt, ValueRange args, std::optional<int64_t> known,
                    bool issues) {
      wait(b, issues ? ahead - 1 : 0);
      mlir::gpu::BarrierOp::create(b, loc);
      if (issues)
        issue(b, addConstant(b, kt, ahead * kStagedTile),
              known ? constant(b, (*known + ahead) % stages) : stageOf(b, kt, ahead), aRows,
              bColumns);
      stage = known ? constant(b, *known % stages) : stageOf(b, kt, 0);
      return fold(b, kt, args, kStagedTile);
    };
    SmallVector<Value> results(initial);
    // Steps `from` to `to` - 1.
    auto run = [&](int64_t from, int64_t to, bool issues) {
      int64_t count = to - from;
      if (count <= 0)
        return;
      bool unroll = unrollStages && count >= 2 * stages;
      int64_t perIteration = unroll ? stages : 1;
      int64_t first = from + count % perIteration;
      for (int64_t s = from; s < first; ++s)
        results = step(b, constant(b, s * kStagedTile), results, s, issues);
      auto loop = scf::ForOp::create(
          b, loc, constant(b, first * kStagedTile), constant(b, to * kStagedTile),
          constant(b, perIteration * kStagedTile), results,
          [&](OpBuilder &b, Location loc, Value kt, ValueRange args) {
            SmallVector<Value> folded(args);
            for (int64_t copy = 0; copy < perIteration; ++copy)
              folded = step(b, addConstant(b, kt, copy * kStagedTile), folded,
                            unroll ? std::optional<int64_t>(first + copy) : std::nullopt,
                            issues);
            scf::YieldOp::create(b, loc, folded);
          });
      keepRolled(loop);
      results.assign(loop.getResults().begin(), loop.getResults().end());
    };
    run(0, issuing, /*issues=*/true);
    run(issuing, loopSteps, /*issues=*/false);
    if (tail) {
      wait(b, 0);
      mlir::gpu::BarrierOp::create(b, loc);
      stage = constant(b, loopSteps % stages);
      results = fold(b, constant(b, loopSteps * kStagedTile), results, tail);
    }
    return results;
  }
};

/// Builds, before `op` (which stays), the block forall over (batch,
/// m / blockM, n / blockN), the workgroup tiles (kStages of each, or one
/// for a single k step, A's of
/// `aShape`, B's of `bShape`; A's element (row, k) at indices (row, k)
/// and B's (k, column) at (k, column) unless the caller changes the
/// slots) and the 256-thread forall, and leaves the rewriter inside the
/// latter. With `async` (the kernel takes both inputs' elements as they
/// are: asyncCopyable), the k loop stages with asynchronous copies, in
/// kAsyncStages stages where the k loop has that many steps and their
/// tiles fit kMaxWorkgroupBytes, else in kStages.
Skeleton buildSkeleton(RewriterBase &rewriter, linalg::LinalgOp op, const StagedMatmul &matmul,
                       const StagedFusion &fusion, const PartialResults *partials,
                       int64_t blockM, int64_t blockN, ArrayRef<int64_t> aShape,
                       ArrayRef<int64_t> bShape, bool async) {
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  Skeleton s(op, matmul, fusion);
  s.partials = partials;
  s.columnsAlongK = stagesColumnsAlongK(op, matmul);
  ArrayRef<int64_t> ranges = s.ranges;
  s.partialM = ranges[matmul.m] % blockM != 0;
  s.partialN = ranges[matmul.n] % blockN != 0;
  s.async = async;
  int64_t steps = llvm::divideCeil(ranges[matmul.k], kStagedTile);
  s.stages = steps == 1 ? 1 : kStages;
  if (async && steps >= kAsyncStages) {
    // (asyncCopyable: elements of 4 or 8 bytes.)
    auto bytes = [](OpOperand *operand, ArrayRef<int64_t> shape) {
      return ShapedType::getNumElements(shape) *
             getElementTypeOrSelf(operand->get()).getIntOrFloatBitWidth() / 8;
    };
    if (kAsyncStages * (bytes(s.rowInput, aShape) + bytes(s.columnInput, bShape)) <=
        kMaxWorkgroupBytes)
      s.stages = kAsyncStages;
  }
  auto workgroup = mlir::gpu::AddressSpaceAttr::get(ctx, mlir::gpu::AddressSpace::Workgroup);
  auto tileType = [&](OpOperand *operand, ArrayRef<int64_t> shape) {
    SmallVector<int64_t> staged{s.stages};
    llvm::append_range(staged, shape);
    return MemRefType::get(staged, getElementTypeOrSelf(operand->get()),
                           MemRefLayoutAttrInterface(), workgroup);
  };
  rewriter.setInsertionPoint(op);
  SmallVector<unsigned> parallelDims;
  SmallVector<OpFoldResult> blockCounts;
  // (Where k is cut, the slices are the outermost block loop.)
  if (partials)
    blockCounts.push_back(rewriter.getIndexAttr(matmul.splits));
  for (auto [dim, iterator] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (iterator != utils::IteratorType::parallel)
      continue;
    parallelDims.push_back(dim);
    int64_t side = dim == matmul.m ? blockM : dim == matmul.n ? blockN : 1;
    blockCounts.push_back(rewriter.getIndexAttr(llvm::divideCeil(ranges[dim], side)));
  }
  auto blockLoop = scf::ForallOp::create(rewriter, loc, blockCounts, ValueRange{},
                                         linearGpuMapping(ctx, blockCounts.size(), true));
  rewriter.setInsertionPoint(blockLoop.getBody()->getTerminator());
  SmallVector<Value> blockIvs = llvm::to_vector(blockLoop.getInductionVars());
  if (partials) {
    s.slice = blockIvs.front();
    blockIvs.erase(blockIvs.begin());
  }
  s.rowTile = memref::AllocOp::create(rewriter, loc, tileType(s.rowInput, aShape));
  s.columnTile = memref::AllocOp::create(rewriter, loc, tileType(s.columnInput, bShape));
  s.rowSlot = [](OpBuilder &, Value row, Value k) { return SmallVector<Value>{row, k}; };
  s.columnSlot = [](OpBuilder &, Value k, Value column) { return SmallVector<Value>{k, column}; };
  auto threadLoop = scf::ForallOp::create(
      rewriter, loc, ArrayRef<OpFoldResult>{rewriter.getIndexAttr(kStagedTile * kStagedTile)},
      ValueRange{}, linearGpuMapping(ctx, 1, false));
  rewriter.setInsertionPoint(threadLoop.getBody()->getTerminator());
  s.tid = threadLoop.getInductionVars()[0];
  Value zero = s.constant(rewriter, 0);
  Value tile = s.constant(rewriter, kStagedTile);
  s.ty = arith::DivUIOp::create(rewriter, loc, s.tid, tile);
  s.tx = arith::RemUIOp::create(rewriter, loc, s.tid, tile);
  Value along = s.columnsAlongK ? s.ty : s.tx, across = s.columnsAlongK ? s.tx : s.ty;
  auto plus = [loc](OpBuilder &b, Value x, int64_t r) {
    return r == 0 ? x
                  : arith::AddIOp::create(
                        b, loc, x, arith::ConstantIndexOp::create(b, loc, kStagedTile * r))
                        .getResult();
  };
  s.rowCopy = [plus, ty = s.ty, tx = s.tx](OpBuilder &b, int64_t r) {
    return std::pair(plus(b, ty, r), tx);
  };
  s.columnCopy = [plus, along, across](OpBuilder &b, int64_t r) {
    return std::pair(across, plus(b, along, r));
  };
  s.base.assign(ranges.size(), zero);
  for (auto [i, dim] : llvm::enumerate(parallelDims)) {
    s.base[dim] = blockIvs[i];
    if (dim == matmul.m || dim == matmul.n)
      s.base[dim] = arith::MulIOp::create(rewriter, loc, blockIvs[i],
                                          s.constant(rewriter, dim == matmul.m ? blockM : blockN));
  }
  return s;
}

/// `v` rounded to TF32 (10 mantissa bits), to nearest: with ties away from
/// zero as cvt.rna.tf32.f32 does, or with `tiesToEven` as cvt.rn.tf32.f32
/// does (half an ulp less one, plus the kept mantissa's lowest bit): the
/// tensor cores read only those bits. NaNs stay NaNs. The result is marked
/// kTf32RoundingAttr: on the device it becomes that one instruction.
Value roundToTf32(OpBuilder &b, Location loc, Value v, bool tiesToEven) {
  Type i32 = b.getI32Type();
  Value bits = arith::BitcastOp::create(b, loc, i32, v);
  Value half = arith::ConstantIntOp::create(b, loc, i32, tiesToEven ? 0xFFF : 0x1000);
  if (tiesToEven) {
    Value lowest = arith::AndIOp::create(
        b, loc,
        arith::ShRUIOp::create(b, loc, bits, arith::ConstantIntOp::create(b, loc, i32, 13)),
        arith::ConstantIntOp::create(b, loc, i32, 1));
    half = arith::AddIOp::create(b, loc, half, lowest);
  }
  Value mask = arith::ConstantIntOp::create(b, loc, i32, -0x2000);
  Value rounded = arith::BitcastOp::create(
      b, loc, v.getType(),
      arith::AndIOp::create(b, loc, arith::AddIOp::create(b, loc, bits, half), mask));
  Value nan = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, v, v);
  auto select = arith::SelectOp::create(b, loc, nan, v, rounded);
  select->setAttr(kTf32RoundingAttr,
                  tiesToEven ? Attribute(b.getStringAttr(kTf32TiesToEven)) : b.getUnitAttr());
  return select;
}

/// The most mmas a k step of a tensor-core kernel may fold for its k loop
/// to be unrolled by its stages (Skeleton::unrollStages).
constexpr int64_t kMaxUnrolledMmas = 16;

/// The columns of B one copy of each thread covers in a step of a
/// tensor-core kernel that copies quads (Skeleton::columnQuads): 256
/// threads, a quad (2 columns of 2 k values) each, over 16 k values.
constexpr int64_t kQuadColumns = kThreadsPerBlock * 2 * 2 / kStagedTile;
/// The same for pairs of columns (Skeleton::columnPairs).
constexpr int64_t kPairColumns = kThreadsPerBlock * 2 / kStagedTile;

/// The lanes' slots a column tile's fragments take in B's tile where B is
/// copied in quads or pairs of columns: a warp's stores then cover two
/// consecutive column tiles (same k, 16 columns), whose words S(L) puts in
/// the same banks (half of them, each twice). 4 lanes of padding (32
/// bytes: the fragments stay 8-byte aligned, and a tile's 256 bytes
/// start at a sector) move each tile 8 banks on from the last, so that
/// the two tiles' words fill all 32 banks: one wavefront a store. The
/// fragments' loads (a tile's 256 contiguous bytes, 2 wavefronts) and
/// their addresses (one base plus immediates) are unchanged; the tile is
/// 1/8 larger.
constexpr int64_t kPaddedTileLanes = kWarpSize + 4;

/// Whether loop dimension `dim` runs along `buffer` (read or written
/// through `map`) at stride 1 as its innermost index, by itself and in no
/// other index, with every other stride and the offset static multiples of
/// `multiple` elements: runs of `multiple` elements along `dim` that start
/// at a multiple of it are then aligned to `multiple` elements from the
/// buffer's base.
static bool alignedAlong(Value buffer, AffineMap map, unsigned dim, int64_t multiple) {
  auto type = llvm::dyn_cast<MemRefType>(buffer.getType());
  if (!type || type.getRank() == 0 ||
      map.getNumResults() != static_cast<unsigned>(type.getRank()) ||
      map.getResults().back() != getAffineDimExpr(dim, map.getContext()) ||
      llvm::any_of(map.getResults().drop_back(),
                   [&](AffineExpr e) { return e.isFunctionOfDim(dim); }))
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1 ||
      ShapedType::isDynamic(offset) || offset % multiple != 0)
    return false;
  return llvm::all_of(ArrayRef<int64_t>(strides).drop_back(), [&](int64_t stride) {
    return !ShapedType::isDynamic(stride) && stride % multiple == 0;
  });
}

/// alignedAlong for the staged kernel's input `operand` along k, where k
/// may be cut into slices: each slice's offset must keep the runs aligned.
static bool alignedAlongK(const Skeleton &s, OpOperand *operand, int64_t multiple) {
  return (s.matmul.splits == 1 || s.ranges[s.matmul.k] % multiple == 0) &&
         alignedAlong(operand->get(), linalg::LinalgOp(s.op).getMatchingIndexingMap(operand),
                      s.matmul.k, multiple);
}

/// Whether `buffer` starts kVectorBytes aligned, as every buffer of a model
/// does: a view of a kernel allocation or of a weight (kiln-plan-workspace
/// and kiln-plan-weights place them 64 bytes aligned) or of an argument of
/// the model's function (the workspace; the caller's inputs and outputs,
/// which NAME_gpu_run, and NAME_run where the kernels are emulated, refuse
/// unless KILN_GPU_BUFFER_ALIGNMENT aligned).
static bool startsAligned(Value buffer) {
  static_assert(KILN_GPU_BUFFER_ALIGNMENT % kVectorBytes == 0,
                "the caller's buffers take the kernels' widest accesses");
  Value root = viewRoot(buffer);
  if (auto argument = dyn_cast<BlockArgument>(root))
    return argument.getOwner()->isEntryBlock() &&
           isa<func::FuncOp>(argument.getOwner()->getParentOp());
  return root.getDefiningOp<memref::AllocOp>() || root.getDefiningOp<memref::GetGlobalOp>();
}

/// Whether a kernel may store `width` results at consecutive columns (n,
/// the first a multiple of `width`) as one vector store into `buffer` (the
/// init's or the consumer's output) through `map` (the init's indexing
/// map): elements of whole bytes, a power of two of at most 16 bytes
/// together, aligned along n to runs (alignedAlong) in a buffer that
/// starts aligned (startsAligned).
static bool storesRuns(Value buffer, AffineMap map, unsigned n, int64_t width) {
  Type element = getElementTypeOrSelf(buffer);
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return false;
  int64_t bytes = width * element.getIntOrFloatBitWidth() / 8;
  return llvm::isPowerOf2_64(bytes) && bytes <= static_cast<int64_t>(kVectorBytes) &&
         alignedAlong(buffer, map, n, width) && startsAligned(buffer);
}

/// The buffer the products of `s` end in: the fused consumer's output, or
/// the op's init.
static Value storedBuffer(const Skeleton &s) {
  linalg::GenericOp consumer = s.fusion.consumer;
  return consumer ? consumer.getDpsInits()[0] : s.init->get();
}

/// Whether finish may store the products of `s` in runs of `width`
/// (Skeleton::storeWidth): n a multiple of `width`, and storesRuns. Not
/// where k is cut (the slices add into partial results) or where the tiles
/// pass both ends of m and n (the two paths' vector stores cost the
/// scalar kernel a spill, vector-stores.test).
static bool storesRunsOf(const Skeleton &s, int64_t width) {
  return !s.partials && !(s.partialM && s.partialN) && s.ranges[s.matmul.n] % width == 0 &&
         storesRuns(storedBuffer(s), linalg::LinalgOp(s.op).getMatchingIndexingMap(s.init),
                    s.matmul.n, width);
}

/// The tensor-core kernel (StagedMatmul.h): 8 warps as 2 x 4, each a
/// (16 TM) x (8 TN) warp tile of m16n8k8 TF32 mmas, or of m16n8k16 mmas on
/// f16 or bf16 inputs.
void buildTensorCoreMatmul(RewriterBase &rewriter, linalg::LinalgOp op,
                           const StagedMatmul &matmul, const StagedFusion &fusion,
                           const PartialResults *partials) {
  const int64_t tm = matmul.mmaRows, tn = matmul.mmaColumns, mmaK = matmul.mmaK;
  const int64_t warpM = kMmaM * tm, warpN = kMmaN * tn;
  const int64_t blockM = blockRows(matmul), blockN = blockColumns(matmul);
  Type inputType = getElementTypeOrSelf(op.getDpsInputOperand(matmul.rowInput)->get());
  bool half = mmaK == kHalfMmaK;
  // Values of a fragment's 32-bit register: one f32 (TF32), two halves.
  const int64_t perRegister = half ? 2 : 1;
  // The tiles keep a step in the mmas' fragment order (StagedMatmul.h):
  // lane L's A fragment for mma row tile `it` at mma k step `ks` is the
  // aFragment values from ((ks BM / 16 + it) 32 + L) aFragment on, its B
  // fragment for column tile `jt` the bFragment values from
  // ((ks BN / 8 + jt) 32 + S(L)) bFragment on: one 16-byte load (A) or one
  // 8-byte load (B) a fragment, the lanes of each quarter (A) or half (B)
  // warp reading consecutive bytes, conflict-free. The lane slot
  // S(L) = L ^ 2 (L / 16) (g >= 4 flips t's high bit) permutes B's
  // fragments within each half warp, which the loads do not see; the
  // staging's stores do (below). A fragment's registers stay in the mma's
  // order, so that its load is the mma's operand as it is: swapping them
  // (as this kernel once did against bank conflicts) cost ptxas a register
  // move for each, 67 moves beside 32 mmas in a k step of gemm4096_tf32.
  //
  // The staging's stores are 32-bit (TF32, and f16 and bf16 A's pairs)
  // or 16-bit (f16 and bf16 B); those of a warp meet no bank conflict
  // where they cover the banks:
  // - A, TF32: a warp copies 8 consecutive k values (one mma k step) of
  //   rows r, r + 1, r + 8 and r + 9 (r even): g, t and the 4 registers
  //   give 32 banks. Along 16 k of two rows, as the scalar kernel copies,
  //   k and k + 8 met in one bank.
  // - A, f16 and bf16, where one 4-byte load can read a pair of
  //   consecutive k values (k even: the two halves of one fragment
  //   register; Skeleton::rowPairs): a thread copies a pair, a warp the 8
  //   pairs (one mma k step) of rows r, r + 1, r + 8 and r + 9, the same
  //   32 banks as TF32's; half the loads and stores of one value each.
  //   Elsewhere the default copy (16 k of two rows) puts two halves in
  //   each of 16 words. (Pairs read with two 2-byte loads would each read
  //   a sector of each of 4 rows for 16 bytes of it: gemm1024_f16's global
  //   sectors rose 47%, for half a SASS instruction a k step.)
  // - B, TF32 (B running along n): a warp copies 8 columns (one column
  //   tile) at k, k + 1, k + 4 and k + 5 (k = 0 or 2 in an mma k step):
  //   S(L) mod 16 and the 2 registers give 32 banks. Along 16 columns,
  //   tiles jt and jt + 1 met in one bank.
  // - B, f16 and bf16 (along n): 8 columns at 4 consecutive k values,
  //   two halves in each of 16 words. Where B is read in quads
  //   (Skeleton::columnQuads) or pairs of columns (Skeleton::columnPairs),
  //   see there.
  // - B along k (stagesColumnsAlongK): TF32, 8 consecutive k values of 4
  //   columns (32 banks); f16 and bf16, the default copy (16 k of two
  //   columns).
  // Each warp still reads whole 32-byte sectors of global memory, except
  // half B along n (16 bytes of each of 4 rows).
  const int64_t aFragment = 4 * perRegister, bFragment = 2 * perRegister;
  const int64_t rowTiles = blockM / kMmaM, columnTiles = blockN / kMmaN;
  // The tiles are staged through registers, not with asynchronous
  // copies: f16 and bf16 values are 2 bytes, below cp.async's smallest
  // copy; TF32 values copied as they are would reach the tiles unrounded,
  // and each lane rounding its fragments as it loads them costs a
  // conversion per fragment register, each element once per warp that
  // reads it (gemm4096_tf32: 48 conversions a k step a thread, not 16;
  // 160 SASS instructions a k step, not 114).
  Skeleton s = buildSkeleton(rewriter, op, matmul, fusion, partials, blockM, blockN,
                             {blockM * kStagedTile}, {kStagedTile * blockN}, /*async=*/false);
  Location loc = s.loc;
  // The lanes' slots a column tile's fragments take: kPaddedTileLanes
  // where B is copied in quads or pairs of columns, else kWarpSize.
  auto columnTileLanes = [&]() {
    return s.columnQuads || s.columnPairs ? kPaddedTileLanes : kWarpSize;
  };
  auto divide = [&](OpBuilder &b, Value x, int64_t d) {
    return arith::DivUIOp::create(b, loc, x, s.constant(b, d)).getResult();
  };
  auto remainder = [&](OpBuilder &b, Value x, int64_t d) {
    return arith::RemUIOp::create(b, loc, x, s.constant(b, d)).getResult();
  };
  // Where k (of the step) is in a fragment: its mma k step, the register
  // row it is in the second half of the mma's k (0 or 1), the lane's t
  // (lane = 4 g + t) and its place e in the register.
  struct KPlace {
    Value step, highHalf, t, e;
  };
  auto kPlace = [&](OpBuilder &b, Value k) {
    Value within = remainder(b, k, mmaK);
    Value inHalf = remainder(b, within, mmaK / 2);
    return KPlace{divide(b, k, mmaK), divide(b, within, mmaK / 2),
                  divide(b, inHalf, perRegister), remainder(b, inHalf, perRegister)};
  };
  auto xorWith = [&](OpBuilder &b, Value x, Value y) {
    return arith::XOrIOp::create(b, loc, x, y).getResult();
  };
  // The index of a fragment's element: the fragment of mma tile `tile` (of
  // the `tiles` of each mma k step), lane 4 g + t (B: its slot), register
  // row `reg`, value e.
  auto fragmentSlot = [&](OpBuilder &b, const KPlace &p, int64_t tiles, Value tile, Value g,
                          Value reg, int64_t size, bool columns) {
    Value fragment = s.add(b, s.scale(b, p.step, tiles), tile);
    Value laneOf = s.add(b, s.scale(b, g, 4), p.t);
    if (columns)
      laneOf = xorWith(b, laneOf, s.scale(b, divide(b, g, 4), 2));
    Value start = s.scale(
        b, s.add(b, s.scale(b, fragment, columns ? columnTileLanes() : kWarpSize), laneOf), size);
    return s.add(b, start, s.add(b, s.scale(b, reg, perRegister), p.e));
  };
  // A's element (row, k) is in row tile row / 16, with g = row % 8 and
  // register row (row % 16) / 8 + 2 highHalf; B's (k, column) in column
  // tile column / 8, with g = column % 8 and register row highHalf.
  s.rowSlot = [&](OpBuilder &b, Value row, Value k) {
    KPlace p = kPlace(b, k);
    Value reg = s.add(b, divide(b, remainder(b, row, kMmaM), 8), s.scale(b, p.highHalf, 2));
    return SmallVector<Value>{fragmentSlot(b, p, rowTiles, divide(b, row, kMmaM),
                                           remainder(b, row, 8), reg, aFragment, false)};
  };
  s.columnSlot = [&](OpBuilder &b, Value k, Value column) {
    KPlace p = kPlace(b, k);
    return SmallVector<Value>{fragmentSlot(b, p, columnTiles, divide(b, column, kMmaN),
                                           remainder(b, column, kMmaN), p.highHalf, bFragment,
                                           true)};
  };
  // The copies above, where they differ from the default: copy r of
  // thread t is element L = t % 32 of chunk c = 8 r + w of 32 elements
  // (warp w = t / 32; a step has BM / 2 chunks of A and BN / 2 of B).
  // Each position below is one part from t, computed once (a sum of
  // fields of t's bits: Skeleton::bits), plus a constant from r
  // (Skeleton::copyAt).
  auto bits = [&](int64_t lo, int64_t count) { return s.bits(rewriter, lo, count); };
  Value low = bits(0, 3), high = bits(3, 2), highOdd = bits(3, 1), highHalf = bits(4, 1);
  auto sum = [&](std::initializer_list<Value> terms) {
    Value total = *terms.begin();
    for (Value term : llvm::drop_begin(terms))
      total = s.add(rewriter, total, term);
    return total;
  };
  // Fields of w = t / 32 (w < 8): w % 2, w % 4, w / 2, (w / 2) % 2, w / 4.
  Value warpOdd = bits(5, 1), warpQuarter = bits(5, 2), warpHalf = bits(6, 2),
        warpHalfOdd = bits(6, 1), warpFourth = bits(7, 1);
  if (!half) {
    // A: chunk c is rows 16 r + 2 (w / 2) + {0, 1, 8, 9} (16-row tile r,
    // pair w / 2) at mma k step w % 2: element L row
    // 16 r + 2 (w / 2) + (L / 8) % 2 + 8 (L / 16), k 8 (w % 2) + L % 8.
    s.rowCopy = s.copyAt(sum({s.scale(rewriter, warpHalf, 2), highOdd, s.scale(rewriter, highHalf, 8)}),
                       kMmaM, s.add(rewriter, s.scale(rewriter, warpOdd, kMmaK), low), 0);
    if (s.columnsAlongK) {
      // B along k: chunk c is columns 4 (c % 2) to 4 (c % 2) + 3 of column
      // tile c / 4 = 2 r + w / 4 at mma k step (w / 2) % 2: element L k
      // 8 ((w / 2) % 2) + L % 8, column 16 r + 8 (w / 4) + 4 (w % 2) + L / 8.
      s.columnCopy = s.copyAt(s.add(rewriter, s.scale(rewriter, warpHalfOdd, kMmaK), low), 0,
                            sum({s.scale(rewriter, warpFourth, kMmaN), s.scale(rewriter, warpOdd, 4),
                                 high}),
                            2 * kMmaN);
    } else {
      // B along n: chunk c is column tile 2 r + w / 4 at mma k step
      // (w / 2) % 2, from its k 2 (w % 2): element L k
      // 8 ((w / 2) % 2) + 2 (w % 2) + (L / 8) % 2 + 4 (L / 16), column
      // 16 r + 8 (w / 4) + L % 8.
      s.columnCopy = s.copyAt(sum({s.scale(rewriter, warpHalfOdd, kMmaK), s.scale(rewriter, warpOdd, 2),
                                 highOdd, s.scale(rewriter, highHalf, 4)}),
                            0, s.add(rewriter, s.scale(rewriter, warpFourth, kMmaN), low),
                            2 * kMmaN);
    }
  } else {
    // A in pairs where one 4-byte load reads a pair: A read as it is (not
    // computed in the kernel) from a buffer that starts aligned, its rows
    // an even number of values apart, and the pairs inside k (k even,
    // uncut or cut into slices of even length).
    OpOperand *a = op.getDpsInputOperand(matmul.rowInput);
    s.rowPairs = !fusion.computedInputs[a->getOperandNumber()] && startsAligned(a->get()) &&
                 s.ranges[matmul.k] % 2 == 0 && alignedAlongK(s, a, 2);
    // Chunk c is then the pairs of rows 32 r + 16 (w / 4) + 2 (w % 4) +
    // {0, 1, 8, 9}: element L the pair from k 2 (L % 8) of row
    // 32 r + 16 (w / 4) + 2 (w % 4) + (L / 8) % 2 + 8 (L / 16).
    if (s.rowPairs)
      s.rowCopy = s.copyAt(sum({s.scale(rewriter, warpFourth, kMmaM),
                                s.scale(rewriter, warpQuarter, 2), highOdd,
                                s.scale(rewriter, highHalf, 8)}),
                           2 * kMmaM, s.scale(rewriter, low, 2), 0);
  }
  if (half && !s.columnsAlongK) {
    // B in quads where two 4-byte loads read one (columnQuads): B read as
    // it is from a buffer that starts aligned, its rows an even number of
    // values apart, n and k even, and a quad for every thread (blockN a
    // multiple of 64).
    OpOperand *b = op.getDpsInputOperand(matmul.columnInput);
    AffineMap bMap = op.getMatchingIndexingMap(b);
    std::optional<unsigned> kIndex =
        bMap.getResultPosition(getAffineDimExpr(matmul.k, op.getContext()));
    s.columnQuads = !fusion.computedInputs[b->getOperandNumber()] && startsAligned(b->get()) &&
                    s.ranges[matmul.k] % 2 == 0 && s.ranges[matmul.n] % 2 == 0 &&
                    blockN % kQuadColumns == 0 && kIndex &&
                    llvm::cast<MemRefType>(b->get().getType()).hasStaticShape() &&
                    alignedAlong(b->get(), bMap, matmul.n, 2);
    if (s.columnQuads) {
      auto type = llvm::cast<MemRefType>(b->get().getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0)),
          strides(type.getRank(), rewriter.getIndexAttr(1)), sizes;
      for (int64_t size : type.getShape())
        sizes.push_back(rewriter.getIndexAttr(size));
      offsets[*kIndex] = rewriter.getIndexAttr(1);
      sizes[*kIndex] = rewriter.getIndexAttr(type.getDimSize(*kIndex) - 1);
      s.quadNextRows = memref::SubViewOp::create(rewriter, loc, b->get(), offsets, sizes, strides);
      // Chunk c is k pairs 2 (c % 2) + {0, 1, 4, 5} of columns 16 (c / 2)
      // to 16 (c / 2) + 15: element L the quad from k
      // 4 (w % 2) + 2 ((L / 8) % 2) + 8 (L / 16) of columns
      // 64 r + 16 (w / 2) + 2 (L % 8) and the next. A warp's load reads 32
      // bytes of each of 4 rows. Its stores of column n's pairs (g even;
      // then n + 1's, g odd) cover 2 column tiles, 4 g, 2 t and both
      // register rows: 32 words, of which S(L) = L ^ 2 (L / 16) puts the
      // two tiles' in the same 16 banks; the tiles' padding
      // (kPaddedTileLanes) moves the odd tile's 8 banks on, to the other
      // 16: one wavefront a store.
      s.columnCopy =
          s.copyAt(sum({s.scale(rewriter, warpOdd, 4), s.scale(rewriter, highOdd, 2),
                        s.scale(rewriter, highHalf, 8)}),
                   0, s.add(rewriter, s.scale(rewriter, warpHalf, 16), s.scale(rewriter, low, 2)),
                   kQuadColumns);
    }
    // Elsewhere B in pairs of columns where one 4-byte load reads a pair
    // (columnPairs): B read as it is from a buffer that starts aligned,
    // its rows an even number of values apart, n even, and blocks of 32
    // columns (a pair for every thread).
    s.columnPairs = !s.columnQuads && !fusion.computedInputs[b->getOperandNumber()] &&
                    startsAligned(b->get()) && s.ranges[matmul.n] % 2 == 0 &&
                    blockN == kPairColumns && alignedAlong(b->get(), bMap, matmul.n, 2);
    if (s.columnPairs) {
      // Chunk c is k 4 (w % 4) to 4 (w % 4) + 3 of columns 16 (w / 4) to
      // 16 (w / 4) + 15: element L the pair at k 4 (w % 4) + L / 8 of
      // columns 16 (w / 4) + 2 (L % 8) and the next. A warp's load reads
      // 32 bytes of each of 4 rows. Its stores of column n (g = n % 8 even;
      // then of n + 1, g odd) cover 2 column tiles, 4 g and 2 t (k and
      // k + 1 share a word): S(L) = L ^ 2 (L / 16) puts both tiles' words
      // in the same 8 banks; the tiles' padding (kPaddedTileLanes) moves
      // the odd tile's 8 banks on, to 8 others.
      s.columnCopy = s.copyAt(s.add(rewriter, s.scale(rewriter, warpQuarter, 4), high), 0,
                              s.add(rewriter, s.scale(rewriter, warpFourth, 16),
                                    s.scale(rewriter, low, 2)),
                              kPairColumns);
    } else if (!s.columnQuads) {
      // B along n: chunk c is column tile 2 r + w / 4 at k 4 (w % 4) to
      // 4 (w % 4) + 3: element L k 4 (w % 4) + L / 8, column
      // 16 r + 8 (w / 4) + L % 8.
      s.columnCopy = s.copyAt(s.add(rewriter, s.scale(rewriter, warpQuarter, 4), high), 0,
                            s.add(rewriter, s.scale(rewriter, warpFourth, kMmaN), low), 2 * kMmaN);
    }
  }
  // Quads and pairs of columns pad B's column tiles: a larger tile.
  if (columnTileLanes() != kWarpSize) {
    auto unpadded = s.columnTile.getDefiningOp<memref::AllocOp>();
    assert(unpadded && unpadded->use_empty() && "B's tile is not used yet");
    MemRefType type = unpadded.getType();
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(unpadded);
    s.columnTile = memref::AllocOp::create(
        rewriter, loc,
        MemRefType::get({type.getDimSize(0), type.getDimSize(1) / kWarpSize * columnTileLanes()},
                        type.getElementType(), type.getLayout(), type.getMemorySpace()));
    rewriter.eraseOp(unpadded);
  }
  // Every copy above, and buildSkeleton's, moves by 16 rows (one row
  // tile) or 16 columns (two column tiles) from r to r + 1, A's pairs by
  // 32 rows, B's quads by 64 columns (8 column tiles) and its pairs of
  // columns by 32 (4 column tiles).
  s.rowCopyStride = (s.rowPairs ? 2 : 1) * kWarpSize * aFragment;
  s.columnCopyStride =
      (s.columnQuads ? kQuadColumns / kMmaN : s.columnPairs ? kPairColumns / kMmaN : 2) *
      columnTileLanes() * bFragment;
  // Column n + 1's register is lane g + 1's: 4 lanes on (n even, so g and
  // g + 1 lie in one half of the lanes, which S(L) permutes alike).
  s.nextColumnOffset = 4 * bFragment;
  s.peelLastStep = true;
  // Unrolled, gemm4096_tf32's 4x4 warp tiles (32 mmas a step) took 130
  // registers a thread: one block of 256 threads a multiprocessor, not
  // two.
  s.unrollStages = (kStagedTile / mmaK) * tm * tn <= kMaxUnrolledMmas;
  // An accumulator's two columns of a row (2 t, 2 t + 1) stored as one
  // pair, where the buffer allows: a warp's store then fills the 32-byte
  // sectors of 8 rows (f32) instead of touching them for half their bytes.
  if (storesRunsOf(s, 2))
    s.storeWidth = 2;
  Type f32 = rewriter.getF32Type();
  Value warp = arith::DivUIOp::create(rewriter, loc, s.tid, s.constant(rewriter, kWarpSize));
  Value lane = arith::RemUIOp::create(rewriter, loc, s.tid, s.constant(rewriter, kWarpSize));
  Value group = arith::DivUIOp::create(rewriter, loc, lane, s.constant(rewriter, 4));
  Value inGroup = arith::RemUIOp::create(rewriter, loc, lane, s.constant(rewriter, 4));
  Value warpRow = arith::MulIOp::create(
      rewriter, loc, arith::DivUIOp::create(rewriter, loc, warp, s.constant(rewriter, kWarpColumns)),
      s.constant(rewriter, warpM));
  Value warpColumn = arith::MulIOp::create(
      rewriter, loc, arith::RemUIOp::create(rewriter, loc, warp, s.constant(rewriter, kWarpColumns)),
      s.constant(rewriter, warpN));
  Value pairColumn = arith::MulIOp::create(rewriter, loc, inGroup, s.constant(rewriter, 2));
  // Where this lane's fragments of the warp's first row and column tiles
  // start.
  Value aStart = s.scale(rewriter,
                       s.add(rewriter, s.scale(rewriter, divide(rewriter, warpRow, kMmaM), kWarpSize),
                             lane),
                       aFragment);
  Value firstColumnTile = divide(rewriter, warpColumn, kMmaN);
  Value laneSlot = xorWith(rewriter, lane, s.scale(rewriter, divide(rewriter, lane, 16), 2));
  Value bStart = s.scale(
      rewriter, s.add(rewriter, s.scale(rewriter, firstColumnTile, columnTileLanes()), laneSlot),
      bFragment);

  // Accumulator (i, j) element v (of the 2x2 vector, row-major) is at row
  // g + 8 (v / 2), column 2 t + v % 2 of mma tile (i, j).
  Value zero = s.constant(rewriter, 0);
  auto accumulatorIvs = [&](OpBuilder &b, int64_t i, int64_t j, int64_t v) {
    Value row = s.add(b, warpRow, s.addConstant(b, group, kMmaM * i + 8 * (v / 2)));
    Value column = s.add(b, warpColumn, s.addConstant(b, pairColumn, kMmaN * j + v % 2));
    return s.ivs(b, row, column, zero);
  };
  auto accType = VectorType::get({2, 2}, f32);
  SmallVector<Value> initial;
  for (int64_t i = 0; i < tm; ++i) {
    for (int64_t j = 0; j < tn; ++j) {
      SmallVector<Value> elements;
      for (int64_t v = 0; v < 4; ++v)
        elements.push_back(s.startValue(rewriter, accumulatorIvs(rewriter, i, j, v)));
      initial.push_back(vector::FromElementsOp::create(rewriter, loc, accType, elements));
    }
  }

  auto toTf32 = [&](OpBuilder &b, Value v) {
    return roundToTf32(b, loc, v, matmul.tf32TiesToEven);
  };
  // The mmas fold whole k steps: staged elements past k are zeros.
  s.zeroPastK = true;
  int64_t aRows = blockM / (s.rowPairs ? 2 * kStagedTile : kStagedTile);
  int64_t bColumns =
      blockN / (s.columnQuads ? kQuadColumns : s.columnPairs ? kPairColumns : kStagedTile);
  SmallVector<Value> results = s.stagedLoop(
      rewriter, initial, aRows, bColumns,
      half ? function_ref<Value(OpBuilder &, Value)>() : toTf32,
      [&](OpBuilder &b, Value kt, ValueRange outerArgs, int64_t) {
        SmallVector<Value> acc = llvm::to_vector(outerArgs);
        for (int64_t ks = 0; ks < kStagedTile / mmaK; ++ks) {
          // A fragment's values, loaded as the mma takes them.
          auto fragment = [&](Value tile, Value start, int64_t offset, int64_t registers) {
            int64_t size = registers * perRegister;
            auto type = VectorType::get({size}, inputType);
            Value values = vector::LoadOp::create(
                b, loc, type, tile, ValueRange{s.stage, s.addConstant(b, start, offset)},
                /*nontemporal=*/false, llvm::Align(size * inputType.getIntOrFloatBitWidth() / 8));
            // (The device lowering takes this 2-D cast apart:
            // kiln-lower-tensor-core-ops.)
            return vector::ShapeCastOp::create(
                b, loc, VectorType::get({registers, perRegister}, inputType), values);
          };
          SmallVector<Value> aFragments, bFragments;
          for (int64_t i = 0; i < tm; ++i)
            aFragments.push_back(
                fragment(s.rowTile, aStart, (ks * rowTiles + i) * kWarpSize * aFragment, 4));
          for (int64_t j = 0; j < tn; ++j)
            bFragments.push_back(fragment(
                s.columnTile, bStart, (ks * columnTiles + j) * columnTileLanes() * bFragment, 2));
          for (int64_t i = 0; i < tm; ++i)
            for (int64_t j = 0; j < tn; ++j)
              acc[i * tn + j] = nvgpu::MmaSyncOp::create(
                  b, loc, aFragments[i], bFragments[j], acc[i * tn + j],
                  ArrayRef<int64_t>{kMmaM, kMmaN, mmaK}, /*tf32Enabled=*/!half);
        }
        return acc;
      });
  SmallVector<Value> elements;
  SmallVector<SmallVector<Value>> elementIvs;
  for (int64_t i = 0; i < tm; ++i) {
    for (int64_t j = 0; j < tn; ++j) {
      for (int64_t v = 0; v < 4; ++v) {
        elements.push_back(vector::ExtractOp::create(rewriter, loc, results[i * tn + j],
                                                     ArrayRef<int64_t>{v / 2, v % 2}));
        elementIvs.push_back(accumulatorIvs(rewriter, i, j, v));
      }
    }
  }
  s.finish(rewriter, elements, elementIvs);
}

/// The most outputs a thread of the scalar kernel may have for its last k
/// step to be folded after the loop (Skeleton::peelLastStep): the fold is
/// then copied, and gemm4096's 64 outputs a thread would copy 1024
/// multiply-adds.
constexpr int64_t kMaxPeeledOutputs = 8;

/// The most outputs a thread of the scalar kernel stores in groups. A
/// 16-byte store takes its 4 values from 4 consecutive registers, so ptxas
/// keeps the accumulators in aligned quads through the whole k loop: for
/// 8 x 8 outputs a thread that cost registers past the 128 with which two
/// blocks fit on a multiprocessor (gemm4096: 126 -> 145 on sm_90, 121 ->
/// 129 on sm_80; capped at 128, a spill reloaded every k step), so such
/// tiles keep 4-byte stores; 4 x 8 tiles kept their counts (gemm2048: 79).
constexpr int64_t kMaxGroupStoredOutputs = 32;

/// Whether `input` holds 32-bit values: kVectorWidth of them are one
/// 16-byte load from workgroup memory.
static bool holdsWords(Value input) {
  Type element = getElementTypeOrSelf(input);
  return element.isIntOrFloat() && element.getIntOrFloatBitWidth() == 32;
}

/// How a thread of the scalar kernel reads a side of its register tile
/// from workgroup memory (StagedMatmul.h), for 32-bit values: a side of 4
/// or 8 outputs in groups of 4 consecutive outputs at one k; a side of 1
/// or 2 as runs of 4 consecutive k values of each of its outputs. Either
/// way one 16-byte load gives 4 values. Other types: one value a load.
enum class SideReads { Scalar, Groups, KRuns };
static SideReads sideReads(int64_t side, Value input) {
  if (!holdsWords(input))
    return SideReads::Scalar;
  return side % kVectorWidth == 0 ? SideReads::Groups : SideReads::KRuns;
}

/// The scalar kernel: each thread a rows x columns register tile.
void buildScalarMatmul(RewriterBase &rewriter, linalg::LinalgOp op, const StagedMatmul &matmul,
                       const StagedFusion &fusion, const PartialResults *partials) {
  const int64_t rows = matmul.rows, columns = matmul.columns;
  const int64_t blockM = blockRows(matmul), blockN = blockColumns(matmul);
  SideReads rowReads = sideReads(rows, op.getDpsInputOperand(matmul.rowInput)->get());
  SideReads columnReads = sideReads(columns, op.getDpsInputOperand(matmul.columnInput)->get());
  bool rowGroups = rowReads == SideReads::Groups, columnGroups = columnReads == SideReads::Groups;
  bool columnRuns = columnReads == SideReads::KRuns;
  bool alongK = stagesColumnsAlongK(op, matmul);
  // The tiles' layouts:
  // - A: (row, k), k-contiguous; a thread's run of 4 k values is one
  //   aligned load, and a warp's two rows (ty) lie 16 banks apart. Rows
  //   read in groups come from a k-major A tile instead (a group is 4
  //   values of one tile row), padded by one group, which keeps the
  //   groups 16-byte aligned; where A's rows start at a sector, the
  //   staging's transposing stores meet no bank conflict through the
  //   copies' order (alongKCopy below), elsewhere 2-way conflicts.
  // - B: (k, column), column-contiguous; a B tile copied along k
  //   (stagesColumnsAlongK) is padded by one group the same way. A B tile
  //   copied along n and read in groups is padded by 16 words: the
  //   default copy has a warp store 16 columns at each of 2 k values, and
  //   without padding (blockN words a row, a multiple of 32) the two
  //   halves met in the same 16 banks. (A copy of 32 columns at one k
  //   would avoid that too, but for a convolution's taps the two k values
  //   are neighbouring taps that read nearly the same pixels: unet's
  //   global sectors rose 3%.) Columns
  //   read in runs of k come from a (column, k) tile, padded by one group:
  //   the runs of a quarter warp's 8 columns (tx) then start 20 words
  //   apart, in 8 distinct groups of 4 banks.
  SmallVector<int64_t> aShape = rowGroups ? SmallVector<int64_t>{kStagedTile, blockM + kVectorWidth}
                                          : SmallVector<int64_t>{blockM, kStagedTile};
  int64_t bPadding = alongK ? kVectorWidth : columnGroups ? kStagedTile : 0;
  SmallVector<int64_t> bShape = columnRuns
                                    ? SmallVector<int64_t>{blockN, kStagedTile + kVectorWidth}
                                    : SmallVector<int64_t>{kStagedTile, blockN + bPadding};
  bool async = asyncCopyable(matmul, fusion, op.getDpsInputOperand(matmul.rowInput)) &&
               asyncCopyable(matmul, fusion, op.getDpsInputOperand(matmul.columnInput));
  Skeleton s = buildSkeleton(rewriter, op, matmul, fusion, partials, blockM, blockN, aShape,
                             bShape, async);
  if (rowGroups)
    s.rowSlot = [](OpBuilder &, Value row, Value k) { return SmallVector<Value>{k, row}; };
  // Copies into a k-major tile from memory that runs along k (A read in
  // groups, B copied along k). The default copy has a half warp read 16
  // consecutive k values of one row and store them down a tile column:
  // slots (blockM + 4) words apart, 4 banks, so tx and tx + 8 meet (2-way
  // conflicts). Copy r of thread t is instead the row (or column)
  // t / 8 % 4 + 4 (t / 64) + 16 r at k t % 8 + 8 (t / 32 % 2): a warp
  // reads 8 consecutive k values (one 32-byte sector) of each of 4 rows,
  // and its slots 4 k + row cover the 32 banks once.
  // That order reads 32 bytes of each row where the default reads 64: the
  // same 4 sectors a request where the rows start at a sector (alignedAlong
  // k by 8 elements: for a computed input, of the buffer it stands for;
  // where k is cut, slices of a multiple of 8), up to 8 rather than 6
  // where they do not (ResNet-50's first convolution, rows of 147
  // weights), which keep the default copy and its conflicts. Past k's end
  // (a short last step) the reads are clamped to the last k: a warp there
  // reads a sector of each of 4 rows where the default read within its
  // one row (test/gpu/memory-profile.test: k = 72, 3.6 -> 4.0 sectors a
  // request).
  auto alongKCopy = [&](bool rows) {
    Value k = s.add(rewriter, s.bits(rewriter, 0, 3), s.scale(rewriter, s.bits(rewriter, 5, 1), 8));
    Value across =
        s.add(rewriter, s.bits(rewriter, 3, 2), s.scale(rewriter, s.bits(rewriter, 6, 2), 4));
    return rows ? s.copyAt(across, kStagedTile, k, 0) : s.copyAt(k, 0, across, kStagedTile);
  };
  auto sectorRows = [&](int64_t input) {
    const int64_t wordsPerSector = kSectorBytes / 4; // (groups: 32-bit values)
    return alignedAlongK(s, op.getDpsInputOperand(input), wordsPerSector);
  };
  if (rowGroups && sectorRows(matmul.rowInput))
    s.rowCopy = alongKCopy(/*rows=*/true);
  if (alongK && columnGroups && sectorRows(matmul.columnInput))
    s.columnCopy = alongKCopy(/*rows=*/false);
  if (columnRuns) {
    s.columnSlot = [](OpBuilder &, Value k, Value column) {
      return SmallVector<Value>{column, k};
    };
    // B along n into a (column, k) tile: the default copy (16 columns of
    // each of 2 k values a warp) would store 20 words apart, 2-way
    // conflicts. Copy r of thread t is instead column
    // 16 r + t % 8 + 8 (t / 128) at k (t / 8) % 16: a warp copies 8
    // columns (one 32-byte sector of each of 4 rows of B) at 4 k values,
    // whose slots 20 c + k cover the 32 banks. (B along k keeps the
    // default: 16 k values of each of 2 columns, 16 consecutive words and
    // 16 more 20 words on, 2-way conflicts on 4 banks.) The fields of t
    // are masks here, not Skeleton::bits: as sums of shifts, which LLVM
    // cannot bound, they made B's address arithmetic 64-bit and cost
    // ptxas a spill in test/gpu/ptxas-shared-memory.test's matmuls on
    // sm_80 (40 registers, against 36 and no spill). Masked, the column
    // field (below 16) may be joined to a copy's 16 r with `or`, which
    // costs the tensor-core kernels an address a copy (Skeleton::bits);
    // here the zoo's main loops differed by at most 2% either way
    // (bench/gpu/ptx_stats.py --sass).
    if (!alongK) {
      auto field = [&](int64_t lo, int64_t count) {
        return arith::RemUIOp::create(
            rewriter, s.loc,
            arith::DivUIOp::create(rewriter, s.loc, s.tid, s.constant(rewriter, int64_t(1) << lo)),
            s.constant(rewriter, int64_t(1) << count));
      };
      Value k = field(3, 4);
      Value column = s.add(rewriter, field(0, 3),
                           arith::MulIOp::create(rewriter, s.loc, field(7, 1),
                                                 s.constant(rewriter, 8)));
      s.columnCopy = s.copyAt(k, 0, column, kStagedTile);
    }
  }
  // A fold of up to 8 outputs a thread (128 multiply-adds) is short
  // enough to copy once more for the last step and to unroll the k loop
  // by its stages (stagedLoop).
  s.peelLastStep = s.unrollStages = rows * columns <= kMaxPeeledOutputs;
  // Runs of 4 columns (the groups) of 32-bit values stored whole, where
  // the buffer allows.
  if (columnGroups && rows * columns <= kMaxGroupStoredOutputs && holdsWords(storedBuffer(s)) &&
      storesRunsOf(s, kVectorWidth))
    s.storeWidth = kVectorWidth;
  Location loc = s.loc;
  // This thread's row `i` and column `j` offsets in the block: ty + 16 i
  // and tx + 16 j, or, read in groups, 4 ty + 64 (i / 4) + i % 4 and
  // 4 tx + 64 (j / 4) + j % 4.
  auto offset = [&](Value position, int64_t index, bool groups) {
    if (!groups)
      return s.addConstant(rewriter, position, kStagedTile * index);
    Value first = arith::MulIOp::create(rewriter, loc, position, s.constant(rewriter, kVectorWidth));
    return s.addConstant(rewriter, first,
                         kStagedTile * kVectorWidth * (index / kVectorWidth) +
                             index % kVectorWidth);
  };
  SmallVector<Value> rowOffsets, columnOffsets;
  for (int64_t i = 0; i < rows; ++i)
    rowOffsets.push_back(offset(s.ty, i, rowGroups));
  for (int64_t j = 0; j < columns; ++j)
    columnOffsets.push_back(offset(s.tx, j, columnGroups));
  Value zero = s.constant(rewriter, 0);
  SmallVector<SmallVector<Value>> outputIvs;
  SmallVector<Value> initial;
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < columns; ++j) {
      outputIvs.push_back(s.ivs(rewriter, rowOffsets[i], columnOffsets[j], zero));
      initial.push_back(s.startValue(rewriter, outputIvs.back()));
    }
  }

  // The 4 values of the current stage's `tile` from (y, x) on: one aligned
  // vector load.
  auto readFour = [&](OpBuilder &b, Value tile, Value y, Value x) {
    Type element = llvm::cast<MemRefType>(tile.getType()).getElementType();
    auto group = VectorType::get({kVectorWidth}, element);
    Value v = vector::LoadOp::create(b, loc, group, tile, ValueRange{s.stage, y, x},
                                     /*nontemporal=*/false, llvm::Align(kVectorBytes));
    SmallVector<Value> values;
    for (int64_t lane = 0; lane < kVectorWidth; ++lane)
      values.push_back(vector::ExtractOp::create(b, loc, v, ArrayRef<int64_t>{lane}));
    return values;
  };
  // A side's values at k value `kk` of the step (`kk` % 4 == 0 starts a
  // run): `runs` holds, per output of the side, the run read at the start
  // of kk's run of 4.
  struct Side {
    Value tile;
    ArrayRef<Value> offsets;
    SideReads reads;
    // Where reads are Scalar (values other than 32-bit): whether the
    // tile's indices are (k, offset), as B's are, rather than (offset, k),
    // as A's are. (Groups read (k, offset), runs (offset, k).)
    bool kMajor;
    SmallVector<SmallVector<Value>> runs;
  };
  auto valuesAt = [&](OpBuilder &b, Side &side, int64_t kk) {
    SmallVector<Value> values;
    Value k = s.constant(b, kk);
    switch (side.reads) {
    case SideReads::Groups:
      for (size_t g = 0; g < side.offsets.size(); g += kVectorWidth)
        llvm::append_range(values, readFour(b, side.tile, k, side.offsets[g]));
      return values;
    case SideReads::KRuns:
      if (kk % kVectorWidth == 0) {
        side.runs.clear();
        for (Value at : side.offsets)
          side.runs.push_back(readFour(b, side.tile, at, k));
      }
      for (const SmallVector<Value> &run : side.runs)
        values.push_back(run[kk % kVectorWidth]);
      return values;
    case SideReads::Scalar:
      for (Value at : side.offsets)
        values.push_back(side.kMajor ? s.tileAt(b, side.tile, k, at) : s.tileAt(b, side.tile, at, k));
      return values;
    }
    llvm_unreachable("unknown SideReads");
  };

  bool multiplyAdd = isFloatMultiplyAdd(op, s.rowInput, s.columnInput, s.init);
  SmallVector<Value> results = s.stagedLoop(
      rewriter, initial, rows, columns, nullptr,
      [&](OpBuilder &b, Value kt, ValueRange outerArgs, int64_t count) -> SmallVector<Value> {
        // The step's k values one after another, unrolled: the tile
        // addresses become constant offsets, and the loads of one k value
        // (or run of 4) can be issued while the previous one's products
        // are computed. A short step's last run reads values past its
        // end (staged, clamped copies) and leaves them unfolded.
        Side rowSide{s.rowTile, rowOffsets, rowReads, /*kMajor=*/false, {}};
        Side columnSide{s.columnTile, columnOffsets, columnReads, /*kMajor=*/true, {}};
        SmallVector<Value> acc = llvm::to_vector(outerArgs);
        for (int64_t step = 0; step < count; ++step) {
          SmallVector<Value> fromRows = valuesAt(b, rowSide, step);
          SmallVector<Value> fromColumns = valuesAt(b, columnSide, step);
          Value k = s.add(b, kt, s.constant(b, step));
          for (int64_t i = 0; i < rows; ++i) {
            for (int64_t j = 0; j < columns; ++j) {
              Value &sum = acc[i * columns + j];
              if (multiplyAdd) {
                sum = math::FmaOp::create(b, loc, fromRows[i], fromColumns[j], sum);
                continue;
              }
              SmallVector<Value> ivs;
              IRMapping mapping;
              mapping.map(op.getMatchingBlockArgument(s.rowInput), fromRows[i]);
              mapping.map(op.getMatchingBlockArgument(s.columnInput), fromColumns[j]);
              mapping.map(op.getMatchingBlockArgument(s.init), sum);
              sum = cloneLinalgBody(b, op, mapping, [&](unsigned dim) {
                if (ivs.empty())
                  ivs = s.ivs(b, rowOffsets[i], columnOffsets[j], k);
                return ivs[dim];
              });
            }
          }
        }
        return acc;
      });
  s.finish(rewriter, results, outputIvs);
}

} // namespace

void buildStagedPartials(RewriterBase &rewriter, linalg::LinalgOp op, const StagedMatmul &matmul,
                         const PartialResults &partials, const StagedFusion &fusion) {
  StagedFusion inputs;
  inputs.computedInputs = fusion.computedInputs;
  if (matmul.mmaRows > 0)
    buildTensorCoreMatmul(rewriter, op, matmul, inputs, &partials);
  else
    buildScalarMatmul(rewriter, op, matmul, inputs, &partials);
}

void buildStagedMatmul(RewriterBase &rewriter, linalg::LinalgOp op, const StagedMatmul &matmul,
                       const StagedFusion &fusion) {
  if (matmul.mmaRows > 0)
    buildTensorCoreMatmul(rewriter, op, matmul, fusion, nullptr);
  else
    buildScalarMatmul(rewriter, op, matmul, fusion, nullptr);
  eraseWithTakenIn(rewriter, op, fusion);
}

void eraseWithTakenIn(RewriterBase &rewriter, linalg::LinalgOp op, const StagedFusion &fusion) {
  rewriter.eraseOp(op);
  if (fusion.start)
    rewriter.eraseOp(fusion.start);
  if (fusion.consumer)
    rewriter.eraseOp(fusion.consumer);
  for (linalg::GenericOp computed : fusion.computedInputs)
    if (computed)
      rewriter.eraseOp(computed);
}

} // namespace kiln::gpu
