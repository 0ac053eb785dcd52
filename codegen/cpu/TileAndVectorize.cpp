//===- TileAndVectorize.cpp - CPU tiling and vectorization ----------------===//
//
// Applies the TilingStrategy to every linalg op of a function: an scf.forall
// over thread tiles, scf.for loops over register tiles, then upstream
// vectorization of each register tile. On tensors this runs before
// bufferization (so accumulators can be hoisted into registers); on buffers
// it picks up the copies and fills bufferization created. A matmul's or a
// convolution's tap product's epilogue (what starts its accumulator, what
// reads its result) is fused into its thread tiles, and a matmul's (packed
// or not) or a channel-major tap product's into its register tiles when K
// is one cache block. A pad's fill and the copy of its interior share their
// tasks; a depthwise convolution's taps read around the padding of its
// input instead, where the target has masked loads (PadFreeTaps.h).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/PadFreeTaps.h"
#include "codegen/cpu/Passes.h"
#include "codegen/cpu/TilingStrategy.h"
#include "passes/dispatch/PaddedInteriors.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_TILEANDVECTORIZE
#define GEN_PASS_DEF_VECTORIZEBUFFEROPS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

/// Vectors beyond this many elements are not worth the compile time and
/// register pressure; such tiles stay scalar loops.
constexpr int64_t kMaxVectorElements = 1 << 12;

SmallVector<OpFoldResult> asIndexAttrs(OpBuilder &b, ArrayRef<int64_t> sizes) {
  return llvm::map_to_vector(sizes, [&](int64_t s) -> OpFoldResult {
    return b.getIndexAttr(s);
  });
}

/// Tiles `op` with `tiles` using `loopType`; returns the tiled op (or the op
/// itself if nothing needed tiling).
FailureOr<linalg::LinalgOp> tile(RewriterBase &rewriter, linalg::LinalgOp op,
                                 ArrayRef<int64_t> tiles,
                                 scf::SCFTilingOptions::LoopType loopType,
                                 ArrayRef<int64_t> interchange = {},
                                 SmallVectorImpl<LoopLikeOpInterface> *loops = nullptr) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  bool needed = false;
  for (auto [t, r] : llvm::zip(tiles, ranges))
    needed |= t != 0 && t != r;
  if (!needed)
    return op;
  scf::SCFTilingOptions options;
  options.setLoopType(loopType);
  options.setTileSizes(asIndexAttrs(rewriter, tiles));
  if (!interchange.empty())
    options.setInterchange(interchange);
  return tileAndReplace(rewriter, op, options, loops);
}

/// An all-parallel linalg op with a single result and a single use: the
/// kind of producer or consumer a product's thread tiles can take along.
bool isFusableEpilogueOp(Operation *op) {
  auto linalgOp = llvm::dyn_cast_if_present<linalg::LinalgOp>(op);
  return linalgOp && linalgOp.hasPureTensorSemantics() && linalgOp->getNumResults() == 1 &&
         linalgOp->hasOneUse() && linalgOp.getNumLoops() == linalgOp.getNumParallelLoops() &&
         llvm::isa<linalg::GenericOp, linalg::FillOp>(op);
}

/// The epilogue of a matmul (or of a packed matmul, kPackedMatmulAttr, or
/// of a tap product, kTapProductAttr): the op
/// computing its accumulator's start (a fill or a bias broadcast) and the
/// elementwise op reading its result.
/// Tiled on their own, each is a pass over the whole result; taken into the
/// matmul's thread tiles, each works on the tile the matmul just wrote (or
/// is about to read), in cache.
struct MatmulEpilogue {
  Operation *start = nullptr, *consumer = nullptr;
  /// The consumer reads the matmul's result through its init and rewrites
  /// it in place (a convolution accumulated onto its residual:
  /// kiln-conv-to-matmul).
  bool consumerInPlace = false;
};

/// Whether `v`, an operand of a product's consumer defined after the
/// product `op`, can be computed before it instead: an empty tensor of
/// static shape, or a reshape (a residual or an empty tensor seen in the
/// packed product's view: kiln-pack-matmul-weights) of a value that exists
/// there or can be moved there.
bool movableBeforeProduct(Value v, Operation *op, DominanceInfo &dominance) {
  Operation *def = v.getDefiningOp();
  if (llvm::isa_and_nonnull<tensor::EmptyOp>(def))
    return def->getNumOperands() == 0;
  if (llvm::isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(def))
    return def->getBlock() == op->getBlock() &&
           llvm::all_of(def->getOperands(), [&](Value operand) {
             return dominance.properlyDominates(operand, op) ||
                    movableBeforeProduct(operand, op, dominance);
           });
  return false;
}

/// Moves what movableBeforeProduct accepted for `v` before `loop`, the
/// product's loop (its operands first).
void moveBeforeProduct(RewriterBase &rewriter, Value v, Operation *loop) {
  Operation *def = v.getDefiningOp();
  if (!llvm::isa_and_nonnull<tensor::EmptyOp, tensor::CollapseShapeOp, tensor::ExpandShapeOp>(
          def) ||
      def->getBlock() != loop->getBlock() || !loop->isBeforeInBlock(def))
    return;
  for (Value operand : def->getOperands())
    moveBeforeProduct(rewriter, operand, loop);
  rewriter.moveOpBefore(def, loop);
}

MatmulEpilogue matchMatmulEpilogue(linalg::LinalgOp op, DominanceInfo &dominance) {
  MatmulEpilogue epilogue;
  if (!(llvm::isa<linalg::MatmulOp>(op.getOperation()) || op->hasAttr(kTapProductAttr) ||
        op->hasAttr(kPackedMatmulAttr)) ||
      !op.hasPureTensorSemantics())
    return epilogue;
  Operation *start = op.getDpsInits()[0].getDefiningOp();
  if (isFusableEpilogueOp(start) && start->getBlock() == op->getBlock())
    epilogue.start = start;
  // The consumer goes in only with the start and must not read its output.
  // A matmul's reads the matmul's result as it is, in its type: the tiles
  // then all work in the consumer's output tile (see fuseIntoThreadTiles).
  // A tap product's consumer may also read it transposed into another shape
  // or type (the pixel-major convolution's epilogue), its tile then written
  // beside the product's.
  bool tapProduct = op->hasAttr(kTapProductAttr);
  if (epilogue.start && op->hasOneUse()) {
    Operation *user = *op->getUsers().begin();
    OpOperand &use = *op->getResult(0).use_begin();
    auto generic = llvm::dyn_cast<linalg::GenericOp>(user);
    if (generic && generic->getBlock() == op->getBlock() && generic.isDpsInput(&use) &&
        (tapProduct ? generic.getMatchingIndexingMap(&use).isPermutation()
                    : generic.getMatchingIndexingMap(&use).isIdentity() &&
                          generic.getResult(0).getType() == op->getResult(0).getType()) &&
        generic.getIndexingMapsArray().back().isIdentity() &&
        generic.getNumLoops() == generic.getNumParallelLoops() && generic->getNumResults() == 1 &&
        generic.getRegion().front().getArguments().back().use_empty() &&
        // Its other operands must exist where the matmul's loop will be
        // (an empty tensor, or a reshape of a value that exists there,
        // can be moved there: see movableBeforeProduct).
        llvm::all_of(generic->getOperands(), [&](Value v) {
          return v == op->getResult(0) || dominance.properlyDominates(v, op) ||
                 movableBeforeProduct(v, op, dominance);
        }))
      epilogue.consumer = user;
  }
  // Or one that rewrites the result in place: the result is its init, and
  // its inputs exist where the matmul's loop will be.
  if (epilogue.start && !epilogue.consumer && op->hasOneUse()) {
    OpOperand &use = *op->getResult(0).use_begin();
    auto generic = llvm::dyn_cast<linalg::GenericOp>(use.getOwner());
    if (generic && generic->getBlock() == op->getBlock() && generic.isDpsInit(&use) &&
        generic.getNumDpsInits() == 1 && generic.getIndexingMapsArray().back().isIdentity() &&
        generic.getNumLoops() == generic.getNumParallelLoops() && generic->getNumResults() == 1 &&
        generic.getResult(0).getType() == op->getResult(0).getType() &&
        llvm::all_of(generic.getDpsInputs(),
                     [&](Value v) { return dominance.properlyDominates(v, op); })) {
      epilogue.consumer = generic;
      epilogue.consumerInPlace = true;
    }
  }
  return epilogue;
}

/// Moves an in-place consumer (MatmulEpilogue::consumerInPlace) into the
/// thread tiles `forall` of the matmul tile `tiled`: each task rewrites the
/// tile it computed before inserting it. The consumer's uses take the
/// forall's result; it is left without uses. Returns the consumer's tile,
/// or nothing when the forall does not insert the matmul's tile.
linalg::LinalgOp fuseInPlaceConsumer(RewriterBase &rewriter, linalg::LinalgOp tiled,
                                     scf::ForallOp forall, Operation *consumer) {
  tensor::ParallelInsertSliceOp insert;
  for (Operation &op : forall.getTerminator().getYieldingOps())
    if (auto candidate = llvm::dyn_cast<tensor::ParallelInsertSliceOp>(op))
      if (candidate.getSource() == tiled->getResult(0))
        insert = candidate;
  auto dest = insert ? llvm::dyn_cast<BlockArgument>(insert.getDest()) : BlockArgument();
  if (!dest || dest.getOwner()->getParentOp() != forall.getOperation())
    return {};
  Value whole = forall.getTiedOpResult(forall.getTiedOpOperand(dest));
  rewriter.setInsertionPoint(forall.getTerminator());
  FailureOr<TilingResult> result = llvm::cast<TilingInterface>(consumer).getTiledImplementation(
      rewriter, insert.getMixedOffsets(), insert.getMixedSizes());
  if (failed(result) || result->tiledOps.size() != 1)
    return {};
  auto tile = llvm::cast<linalg::LinalgOp>(result->tiledOps.front());
  // Its init is a slice of the whole result, made after the forall: the
  // tile the matmul just computed instead.
  Value sliceOfWhole = tile.getDpsInits()[0];
  rewriter.modifyOpInPlace(tile, [&] { tile.getDpsInitsMutable()[0].set(tiled->getResult(0)); });
  if (Operation *def = sliceOfWhole.getDefiningOp(); def && def->use_empty())
    rewriter.eraseOp(def);
  rewriter.modifyOpInPlace(insert, [&] { insert.getSourceMutable().set(tile->getResult(0)); });
  rewriter.replaceUsesWithIf(consumer->getResult(0), whole,
                             [&](OpOperand &use) { return use.getOwner() != consumer; });
  return tile;
}

/// Moves `epilogue` into the thread tiles `loops` (one scf.forall) of the
/// matmul tile `tiled`; returns the fused tiles, to be register-tiled.
SmallVector<linalg::LinalgOp> fuseIntoThreadTiles(RewriterBase &rewriter,
                                                  linalg::LinalgOp tiled,
                                                  MutableArrayRef<LoopLikeOpInterface> loops,
                                                  const MatmulEpilogue &epilogue) {
  SmallVector<linalg::LinalgOp> fused;
  linalg::LinalgOp startTile, consumerTile;
  if (epilogue.start) {
    auto slice = tiled.getDpsInits()[0].getDefiningOp<tensor::ExtractSliceOp>();
    if (slice) {
      std::optional<scf::SCFFuseProducerOfSliceResult> result =
          scf::tileAndFuseProducerOfSlice(rewriter, slice, loops);
      if (result && result->tiledOps.size() == 1)
        startTile = llvm::dyn_cast<linalg::LinalgOp>(result->tiledOps.front());
    }
  }
  if (!startTile)
    return fused;
  fused.push_back(startTile);
  if (!epilogue.consumer)
    return fused;
  if (epilogue.consumerInPlace) {
    auto forall = llvm::dyn_cast<scf::ForallOp>(loops.front().getOperation());
    if (forall)
      if (linalg::LinalgOp tile = fuseInPlaceConsumer(rewriter, tiled, forall, epilogue.consumer))
        fused.push_back(tile);
    return fused;
  }
  Operation *loop = loops.front();
  for (Value operand : epilogue.consumer->getOperands())
    moveBeforeProduct(rewriter, operand, loop);
  FailureOr<scf::SCFFuseConsumerOfSliceResult> result =
      scf::tileAndFuseConsumer(rewriter, epilogue.consumer, loops);
  if (failed(result) || result->tiledOps.size() != 1)
    return fused;
  consumerTile = llvm::cast<linalg::LinalgOp>(result->tiledOps.front());
  fused.push_back(consumerTile);
  // The fused start still writes a tile of its own untiled destination (a
  // tensor.empty outside the forall), which bufferization would give each
  // iteration a private copy of. The start, the matmul and the consumer
  // all work in the consumer's output tile instead: the start writes it,
  // the matmul accumulates into it, the consumer rewrites it in place.
  // (Only when the consumer reads the product's tile as it is.)
  auto startSlice = startTile.getDpsInits()[0].getDefiningOp<tensor::ExtractSliceOp>();
  auto outSlice = consumerTile.getDpsInits()[0].getDefiningOp<tensor::ExtractSliceOp>();
  bool readsAsIs = llvm::all_of(consumerTile.getDpsInputOperands(), [&](OpOperand *input) {
    return input->get() != tiled->getResult(0) ||
           consumerTile.getMatchingIndexingMap(input).isIdentity();
  });
  if (startSlice && outSlice && startSlice.getType() == outSlice.getType() && readsAsIs) {
    rewriter.setInsertionPoint(startTile);
    Value tile = tensor::ExtractSliceOp::create(
        rewriter, startSlice.getLoc(), startSlice.getType(), outSlice.getSource(),
        startSlice.getMixedOffsets(), startSlice.getMixedSizes(), startSlice.getMixedStrides());
    rewriter.modifyOpInPlace(startTile, [&] { startTile.getDpsInitsMutable()[0].set(tile); });
    // The consumer reads the product through its init, so that its
    // register tiles read and write the same slices.
    auto generic = llvm::cast<linalg::GenericOp>(consumerTile.getOperation());
    Value product = tiled->getResult(0);
    SmallVector<Value> inputs;
    SmallVector<AffineMap> maps;
    int64_t productArg = -1;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      if (input->get() == product && productArg < 0) {
        productArg = input->getOperandNumber();
        continue;
      }
      inputs.push_back(input->get());
      maps.push_back(generic.getMatchingIndexingMap(input));
    }
    if (productArg >= 0) {
      maps.push_back(generic.getIndexingMapsArray().back());
      rewriter.setInsertionPoint(generic);
      auto inPlace = linalg::GenericOp::create(rewriter, generic.getLoc(),
                                               generic.getResultTypes(), inputs, product, maps,
                                               generic.getIteratorTypesArray());
      Block &oldBody = generic.getRegion().front();
      Block *body = rewriter.createBlock(&inPlace.getRegion());
      IRMapping mapping;
      for (BlockArgument arg : oldBody.getArguments()) {
        if (arg.getArgNumber() == static_cast<unsigned>(productArg) ||
            arg.getArgNumber() + 1 == oldBody.getNumArguments())
          continue;
        mapping.map(arg, body->addArgument(arg.getType(), arg.getLoc()));
      }
      BlockArgument out = body->addArgument(oldBody.getArguments().back().getType(),
                                            oldBody.getArguments().back().getLoc());
      mapping.map(oldBody.getArgument(productArg), out);
      rewriter.setInsertionPointToStart(body);
      for (Operation &op : oldBody)
        rewriter.clone(op, mapping);
      rewriter.replaceOp(generic, inPlace->getResults());
      fused.back() = inPlace;
    }
  }
  return fused;
}

/// Register-level (and cache-level) tiling of `op`, a thread tile or an op
/// too small for threads.
LogicalResult tileForRegisters(RewriterBase &rewriter, linalg::LinalgOp op) {
  // The register tiles are planned on the thread tile's ranges.
  std::optional<TilingPlan> inner = planTiling(op, /*allowThreads=*/false);
  if (!inner)
    return success();
  linalg::LinalgOp current = op;
  if (!inner->cacheTiles.empty()) {
    FailureOr<linalg::LinalgOp> tiled =
        tile(rewriter, current, inner->cacheTiles, scf::SCFTilingOptions::LoopType::ForOp);
    if (failed(tiled))
      return op->emitError("internal error: cache-level tiling failed");
    current = *tiled;
  }
  if (failed(tile(rewriter, current, inner->vectorTiles, scf::SCFTilingOptions::LoopType::ForOp,
                  inner->vectorInterchange)))
    return op->emitError("internal error: register-level tiling failed");
  return success();
}

/// Whether `consumer` is the only op that reads `product`'s result in its
/// thread tile: thread-level fusion leaves the product also inserted into
/// its own untiled result (which nothing reads once the consumer is fused)
/// and into a dead slice.
bool onlyConsumerReads(linalg::LinalgOp product, linalg::LinalgOp consumer) {
  auto forall = product->getParentOfType<scf::ForallOp>();
  for (OpOperand &use : product->getResult(0).getUses()) {
    Operation *user = use.getOwner();
    if (user == consumer.getOperation())
      continue;
    if (auto insert = llvm::dyn_cast<tensor::InsertSliceOp>(user)) {
      if (llvm::all_of(insert->getUsers(), [](Operation *u) {
            return llvm::isa<tensor::ExtractSliceOp>(u) && u->use_empty();
          }))
        continue;
      return false;
    }
    auto parallelInsert = llvm::dyn_cast<tensor::ParallelInsertSliceOp>(user);
    if (!parallelInsert || !forall)
      return false;
    auto dest = llvm::dyn_cast<BlockArgument>(parallelInsert.getDest());
    if (!dest || dest.getOwner()->getParentOp() != forall.getOperation())
      return false;
    if (!forall.getTiedOpResult(forall.getTiedOpOperand(dest)).use_empty())
      return false;
  }
  return true;
}

/// Register-level tiling of a thread tile `product` of a matmul (packed or
/// not) or of a channel-major tap product (a 3x3 convolution's, U-Net's:
/// its bias and ReLU) together with its fused epilogue tiles `epilogue`
/// (fuseIntoThreadTiles: the start, then optionally the consumer, rewritten
/// to work in place): each register tile of C gets its start, its K loops
/// and its consumer one after the other, so after vectorization and
/// hoisting the start is the accumulators' first value, the consumer reads
/// them from registers, and C is stored once.
/// Apart, each member would be a pass of its own over the thread tile
/// (writing it, reading and writing it in the K loop, reading and writing
/// it again). Only when K is not split into cache blocks (the accumulators
/// then live across the whole K loop); returns without changing anything
/// otherwise (false), and after a diagnostic on internal errors.
FailureOr<bool> fuseIntoRegisterTiles(RewriterBase &rewriter, linalg::LinalgOp product,
                                      ArrayRef<linalg::LinalgOp> epilogue) {
  if (!(llvm::isa<linalg::MatmulOp>(product.getOperation()) ||
        isChannelMajorTapProduct(product) || product->hasAttr(kPackedMatmulAttr)) ||
      epilogue.empty() || epilogue.size() > 2)
    return false;
  std::optional<TilingPlan> plan = planTiling(product, /*allowThreads=*/false);
  if (!plan || !plan->cacheTiles.empty())
    return false;
  linalg::LinalgOp start = epilogue[0];
  linalg::LinalgOp consumer = epilogue.size() == 2 ? epilogue[1] : linalg::LinalgOp();
  // C's shape: the members' loops. (A matmul's C is its parallel loops in
  // order; a tap product's holds them permuted.)
  auto cType = llvm::cast<RankedTensorType>(product.getDpsInits()[0].getType());
  ArrayRef<int64_t> cRanges = cType.getShape();
  // Both members span exactly C's tile, with C's layout.
  auto spansC = [&](linalg::LinalgOp op) {
    return op && op->getNumResults() == 1 && op.getNumDpsInits() == 1 &&
           op.getNumLoops() == op.getNumParallelLoops() &&
           op.getIndexingMapsArray().back().isIdentity() && op.getStaticLoopRanges() == cRanges;
  };
  if (!spansC(start) || product.getDpsInits()[0] != start->getResult(0) || !start->hasOneUse())
    return false;
  if (consumer && (!spansC(consumer) || consumer.getDpsInits()[0] != product->getResult(0) ||
                   !onlyConsumerReads(product, consumer)))
    return false;
  Block *block = product->getBlock();
  if (start->getBlock() != block || (consumer && consumer->getBlock() != block))
    return false;
  // The consumer's other operands (slices of a residual, say) must exist
  // before the register loops that will hold its tiles.
  SmallVector<Operation *> toHoist;
  if (consumer) {
    for (OpOperand *input : consumer.getDpsInputOperands()) {
      Operation *def = input->get().getDefiningOp();
      if (!def || def->getBlock() != block || def->isBeforeInBlock(product))
        continue;
      auto slice = llvm::dyn_cast<tensor::ExtractSliceOp>(def);
      if (!slice || !llvm::all_of(def->getOperands(), [&](Value v) {
            Operation *d = v.getDefiningOp();
            return !d || d->getBlock() != block || d->isBeforeInBlock(product);
          }))
        return false;
      toHoist.push_back(def);
    }
  }
  // The register tiles' loops (the K loops left out), and the K loops
  // inside each.
  SmallVector<int64_t> outerTiles = plan->vectorTiles, kTiles(plan->vectorTiles.size(), 0);
  SmallVector<int64_t> ranges = product.getStaticLoopRanges();
  bool oneTile = true;
  for (auto [i, iterator] : llvm::enumerate(product.getIteratorTypesArray())) {
    if (iterator == utils::IteratorType::reduction) {
      std::swap(outerTiles[i], kTiles[i]);
      continue;
    }
    oneTile &= outerTiles[i] == 0 || outerTiles[i] == ranges[i];
  }
  if (oneTile)
    return false; // One register tile: no register loops to fuse into.
  for (Operation *def : toHoist)
    rewriter.moveOpBefore(def, product);

  Location loc = product->getLoc();
  auto internalError = [&](StringRef what) -> FailureOr<bool> {
    emitError(loc, "internal error: ") << what;
    return failure();
  };
  SmallVector<LoopLikeOpInterface> loops;
  FailureOr<linalg::LinalgOp> tiled = tile(rewriter, product, outerTiles,
                                            scf::SCFTilingOptions::LoopType::ForOp,
                                            plan->vectorInterchange, &loops);
  if (failed(tiled) || loops.empty())
    return internalError("register-level tiling failed");
  linalg::LinalgOp registerTile = *tiled;
  auto cSlice = registerTile.getDpsInits()[0].getDefiningOp<tensor::ExtractSliceOp>();
  if (!cSlice)
    return internalError("register tile of C is not a slice");
  SmallVector<OpFoldResult> offsets = cSlice.getMixedOffsets(), sizes = cSlice.getMixedSizes();

  // One member's tile at C's register tile, placed by the rewriter.
  auto tileMember = [&](linalg::LinalgOp member) -> DestinationStyleOpInterface {
    FailureOr<TilingResult> result = llvm::cast<TilingInterface>(member.getOperation())
                                         .getTiledImplementation(rewriter, offsets, sizes);
    if (failed(result) || result->tiledOps.size() != 1)
      return nullptr;
    return llvm::dyn_cast<DestinationStyleOpInterface>(result->tiledOps.front());
  };

  // The start's tile writes C's register tile; the loops start from what
  // the start wrote into.
  rewriter.setInsertionPoint(registerTile);
  DestinationStyleOpInterface startOp = tileMember(start);
  if (!startOp)
    return internalError("tiling a product's start failed");
  rewriter.modifyOpInPlace(startOp, [&] { startOp.getDpsInitsMutable()[0].set(cSlice); });
  rewriter.modifyOpInPlace(
      registerTile, [&] { registerTile.getDpsInitsMutable()[0].set(startOp->getResult(0)); });
  rewriter.replaceAllUsesWith(start->getResult(0), start.getDpsInits()[0]);
  rewriter.eraseOp(start);

  if (consumer) {
    // The consumer's tile rewrites the product's register tile in place,
    // and is what the innermost loop inserts.
    Value loopResult = loops.front()->getResult(0);
    rewriter.modifyOpInPlace(consumer, [&] {
      consumer.getDpsInitsMutable()[0].set(
          llvm::cast<scf::ForOp>(loops.front().getOperation()).getInitArgs()[0]);
    });
    rewriter.setInsertionPointAfter(registerTile);
    DestinationStyleOpInterface consumerOp = tileMember(consumer);
    if (!consumerOp)
      return internalError("tiling a product's consumer failed");
    Value unusedSlice = consumerOp.getDpsInits()[0];
    rewriter.modifyOpInPlace(
        consumerOp, [&] { consumerOp.getDpsInitsMutable()[0].set(registerTile->getResult(0)); });
    if (unusedSlice.use_empty())
      rewriter.eraseOp(unusedSlice.getDefiningOp());
    for (OpOperand &use : llvm::make_early_inc_range(registerTile->getResult(0).getUses()))
      if (llvm::isa<tensor::InsertSliceOp>(use.getOwner()))
        rewriter.modifyOpInPlace(use.getOwner(), [&] { use.set(consumerOp->getResult(0)); });
    rewriter.replaceAllUsesWith(consumer->getResult(0), loopResult);
    rewriter.eraseOp(consumer);
  }

  // The K loops of the register tile.
  if (failed(tile(rewriter, registerTile, kTiles, scf::SCFTilingOptions::LoopType::ForOp)))
    return internalError("register-level tiling failed");
  return true;
}

/// Thread- and register-level tiling of every linalg op in `func`. A
/// matmul's epilogue (MatmulEpilogue) goes into its thread tiles, and into
/// its register tiles where fuseIntoRegisterTiles can.
LogicalResult tileAll(func::FuncOp func, bool allowThreads, ArrayRef<TapPad> tapPads = {}) {
  IRRewriter rewriter(func.getContext());
  SmallVector<linalg::LinalgOp> ops;
  func.walk([&](linalg::LinalgOp op) {
    // Ops already inside a tile were placed there by an earlier run; band
    // loops (kBandLoopAttr) are not tiles.
    for (Operation *p = op->getParentOp(); p; p = p->getParentOp())
      if (llvm::isa<scf::ForOp, scf::ForallOp>(p) && !p->hasAttr(kBandLoopAttr))
        return;
    ops.push_back(op);
  });
  // Epilogue ops wait for their matmul: fused into its thread tiles, or
  // tiled on their own when it has none.
  llvm::DenseMap<Operation *, MatmulEpilogue> epilogues;
  llvm::DenseSet<Operation *> deferred;
  DominanceInfo dominance(func);
  for (linalg::LinalgOp op : ops) {
    MatmulEpilogue epilogue = matchMatmulEpilogue(op, dominance);
    // An op is one matmul's epilogue at most (two matmuls can feed one add).
    if (deferred.contains(epilogue.start))
      epilogue = MatmulEpilogue();
    if (deferred.contains(epilogue.consumer))
      epilogue.consumer = nullptr;
    if (!epilogue.start && !epilogue.consumer)
      continue;
    epilogues[op] = epilogue;
    for (Operation *member : {epilogue.start, epilogue.consumer})
      if (member)
        deferred.insert(member);
  }
  SmallVector<linalg::LinalgOp> worklist;
  for (linalg::LinalgOp op : ops)
    if (!deferred.contains(op))
      worklist.push_back(op);
  llvm::DenseSet<Operation *> fusedAway;
  for (size_t i = 0; i < worklist.size(); ++i) {
    linalg::LinalgOp op = worklist[i];
    std::optional<TilingPlan> plan = planTiling(op, allowThreads);
    auto found = epilogues.find(op);
    MatmulEpilogue epilogue = found == epilogues.end() ? MatmulEpilogue() : found->second;
    // Members not fused are tiled on their own, after the matmul.
    auto tileMembersAlone = [&] {
      for (Operation *member : {epilogue.start, epilogue.consumer})
        if (member && !fusedAway.contains(member))
          worklist.push_back(llvm::cast<linalg::LinalgOp>(member));
    };
    if (!plan) {
      tileMembersAlone();
      continue;
    }
    linalg::LinalgOp current = op;
    SmallVector<linalg::LinalgOp> fusedTiles;
    if (!plan->threadTiles.empty()) {
      SmallVector<LoopLikeOpInterface> loops;
      FailureOr<linalg::LinalgOp> tiled =
          tile(rewriter, current, plan->threadTiles, scf::SCFTilingOptions::LoopType::ForallOp,
               {}, &loops);
      if (failed(tiled))
        return op->emitError("internal error: thread-level tiling failed");
      current = *tiled;
      if (!loops.empty() && (epilogue.start || epilogue.consumer)) {
        // Which members went in: the fusion replaces them.
        Operation *start = epilogue.start, *consumer = epilogue.consumer;
        fusedTiles = fuseIntoThreadTiles(rewriter, current, loops, epilogue);
        if (start && start->use_empty()) {
          fusedAway.insert(start);
          rewriter.eraseOp(start);
        }
        if (consumer && consumer->use_empty()) {
          fusedAway.insert(consumer);
          rewriter.eraseOp(consumer);
        }
      }
    }
    // A sum of taps of pads that are not to be made: its rows in pieces
    // whose taps lie wholly inside the input or wholly in the padding (a
    // small plane in one), register tiles of several rows or a whole plane.
    if (fusedTiles.empty() && !tapPads.empty()) {
      SmallVector<linalg::LinalgOp> pieces = splitAtPadBorders(rewriter, current, tapPads);
      bool tapTiled = false;
      for (linalg::LinalgOp piece : pieces) {
        if (std::optional<TapTiles> tiles =
                tapRegisterTiles(rewriter, piece, tapPads, /*whole=*/pieces.size() == 1)) {
          SmallVector<LoopLikeOpInterface> loops;
          if (failed(tile(rewriter, piece, tiles->sizes, scf::SCFTilingOptions::LoopType::ForOp,
                          {}, &loops)))
            return op->emitError("internal error: register-level tiling failed");
          if (tiles->unrollRows) {
            // The innermost loop is the rows' (tapRegisterTiles tiles them
            // only when they are more than one tile); unrolled, its tiles'
            // offsets fold to the constants readTapsAroundPads needs.
            assert(!loops.empty() && "a plane's rows tiled without a loop");
            auto rowLoop = llvm::cast<scf::ForOp>(loops.back().getOperation());
            Region *around = rowLoop->getParentRegion();
            if (failed(loopUnrollFull(rowLoop)))
              return rowLoop.emitError("internal error: unrolling a plane's rows failed");
            (void)applyPatternsGreedily(*around, RewritePatternSet(rewriter.getContext()));
          }
          tapTiled = true;
        } else if (pieces.size() > 1 && failed(tileForRegisters(rewriter, piece))) {
          return failure();
        }
      }
      if (pieces.size() > 1 || tapTiled) {
        tileMembersAlone();
        continue;
      }
    }
    FailureOr<bool> fusedInRegisters = fuseIntoRegisterTiles(rewriter, current, fusedTiles);
    if (failed(fusedInRegisters))
      return failure();
    if (*fusedInRegisters) {
      tileMembersAlone();
      continue;
    }
    if (failed(tileForRegisters(rewriter, current)))
      return failure();
    for (linalg::LinalgOp fusedTile : fusedTiles)
      if (failed(tileForRegisters(rewriter, fusedTile)))
        return failure();
    tileMembersAlone();
  }
  return success();
}

/// Rewrites 2-D convolutions and pools whose tiles have unit output rows and
/// unit window rows into 1-D ones, which the vectorizer supports.
void decomposeConvolutions(func::FuncOp func) {
  RewritePatternSet patterns(func.getContext());
  linalg::populateDecomposeConvolutionPatterns(patterns);
  (void)applyPatternsGreedily(func, std::move(patterns));
}

/// The register tile of a packed matmul (kPackedMatmulAttr, loops
/// (mo, j, mi, r, k) of sizes (1, 1, mr, nr, 1)) or of a product read from
/// a convolution's input (kTapProductAttr, loops (o0, o1, o2, mi, r, c, i, j)
/// of sizes (1, 1, 1, mr, nr, 1, 1, 1)) as one outer product: the mr floats
/// of A (a run of the last dimension of its slice, or every stride-th float
/// of one) and the nr floats of B (a run) are read, C's tile a read and
/// write the loop-invariant subset hoisting then keeps in registers.
/// Upstream vectorization would reach the same product only through
/// broadcasts and transposes of unit dimensions that the contraction
/// patterns do not fold, and not at all through the input's maps (sums of
/// loops).
LogicalResult vectorizePackedMatmulTile(RewriterBase &rewriter, linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t rowLoop;
  if (op->hasAttr(kPackedMatmulAttr) && ranges.size() == 5)
    rowLoop = 2;
  else if (op->hasAttr(kTapProductAttr) && ranges.size() == 8)
    rowLoop = 3;
  else
    return failure();
  if (!op.hasPureTensorSemantics())
    return failure();
  for (auto [d, range] : llvm::enumerate(ranges))
    if (range != 1 && static_cast<int64_t>(d) != rowLoop &&
        static_cast<int64_t>(d) != rowLoop + 1)
      return failure();
  int64_t mr = ranges[rowLoop], nr = ranges[rowLoop + 1];
  Value a = op.getDpsInputs()[0], b = op.getDpsInputs()[1];
  Value c = op.getDpsInits()[0];
  auto aType = llvm::cast<RankedTensorType>(a.getType());
  auto bType = llvm::cast<RankedTensorType>(b.getType());
  auto cType = llvm::cast<RankedTensorType>(c.getType());
  // A's and B's tiles are runs along their last dimension; C's has the mr
  // rows before the nr columns, all its other dimensions of size 1.
  auto isRun = [](RankedTensorType type, int64_t length) {
    return type.getShape().back() == length &&
           llvm::all_of(type.getShape().drop_back(), [](int64_t d) { return d == 1; });
  };
  MLIRContext *ctx = rewriter.getContext();
  // A's rows may lie `stride` elements apart (a pixel-major convolution's
  // pixels at a width stride): the step of A's last index per row.
  AffineExpr aIndex = op.getMatchingIndexingMap(op.getDpsInputOperand(0)).getResults().back();
  auto valueAt = [&](int64_t row) -> std::optional<int64_t> {
    SmallVector<AffineExpr> dims(ranges.size(), getAffineConstantExpr(0, ctx));
    dims[rowLoop] = getAffineConstantExpr(row, ctx);
    auto value = llvm::dyn_cast<AffineConstantExpr>(
        simplifyAffineExpr(aIndex.replaceDims(dims), ranges.size(), 0));
    if (!value)
      return std::nullopt;
    return value.getValue();
  };
  std::optional<int64_t> first = valueAt(0), second = valueAt(1), last = valueAt(mr - 1);
  if (!first || !second || !last || *second <= *first)
    return failure();
  int64_t stride = *second - *first;
  if (*last != *first + (mr - 1) * stride)
    return failure();
  AffineMap cMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  std::optional<unsigned> rowPosition =
      cMap.getResultPosition(getAffineDimExpr(rowLoop, ctx));
  std::optional<unsigned> columnPosition =
      cMap.getResultPosition(getAffineDimExpr(rowLoop + 1, ctx));
  if (!rowPosition || !columnPosition || *rowPosition > *columnPosition)
    return failure();
  SmallVector<int64_t> cShape(cType.getShape());
  SmallVector<int64_t> expected(cShape.size(), 1);
  expected[*rowPosition] = mr;
  expected[*columnPosition] = nr;
  if (!isRun(aType, (mr - 1) * stride + 1) || !isRun(bType, nr) || cShape != expected)
    return failure();
  Type elementType = cType.getElementType();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value padding = ub::PoisonOp::create(rewriter, loc, elementType);
  auto read = [&](Value source, ArrayRef<int64_t> shape) -> Value {
    int64_t rank = llvm::cast<RankedTensorType>(source.getType()).getRank();
    SmallVector<Value> indices(rank, zero);
    SmallVector<bool> inBounds(shape.size(), true);
    AffineMap map = shape.size() == 1
                        ? AffineMap::get(rank, 0, {getAffineDimExpr(rank - 1, ctx)}, ctx)
                        : AffineMap::getMultiDimIdentityMap(rank, ctx);
    return vector::TransferReadOp::create(rewriter, loc, VectorType::get(shape, elementType),
                                          source, indices, map, padding,
                                          /*mask=*/Value(), rewriter.getBoolArrayAttr(inBounds));
  };
  auto tileType = VectorType::get(cShape, elementType);
  auto flatType = VectorType::get({mr, nr}, elementType);
  // One scalar load of A per row, broadcast straight from memory (x86:
  // vbroadcastss; AArch64 takes pairs of them into lanes of a register for
  // fmla by element). A vector load of the rows instead is broadcast lane by
  // lane with shuffles, which compete with the FMAs for their ports: AVX2's
  // two rows were a vmovsd, two vbroadcastss and a vmovshdup a step, 0.95
  // of the time of a 1x1 layer at 14x14 without them (bench/ab.py); a load
  // of 7 floats is split into loads of 4, 2 and 1. Rows `stride` apart need
  // scalar loads anyway. (LLVM turned AVX-512's load of 8 rows into the same
  // 8 broadcasts from memory already.)
  SmallVector<Value> elements;
  SmallVector<Value> aIndices(aType.getRank(), zero);
  for (int64_t i = 0; i < mr; ++i) {
    aIndices.back() = arith::ConstantIndexOp::create(rewriter, loc, i * stride);
    elements.push_back(tensor::ExtractOp::create(rewriter, loc, a, aIndices));
  }
  Value va = vector::FromElementsOp::create(rewriter, loc, VectorType::get({mr}, elementType),
                                            elements);
  Value vb = read(b, {nr});
  Value vc = vector::ShapeCastOp::create(rewriter, loc, flatType, read(c, cShape));
  Value product = vector::OuterProductOp::create(rewriter, loc, flatType, va, vb, vc,
                                                 vector::CombiningKind::ADD);
  SmallVector<Value> indices(cShape.size(), zero);
  SmallVector<bool> inBounds(cShape.size(), true);
  Value written =
      vector::TransferWriteOp::create(
          rewriter, loc, vector::ShapeCastOp::create(rewriter, loc, tileType, product), c,
          indices, AffineMap::getMultiDimIdentityMap(cShape.size(), ctx), inBounds)
          .getResult();
  rewriter.replaceOp(op, written);
  return success();
}

/// The sources of `v` when it is a concatenation whose pieces can be written
/// in place: a chain of insert_slice ops, each into the last and read by
/// nothing else, from a tensor.empty (`root`). Empty when `v` is not one.
SmallVector<Value> concatenatedPieces(Value v, tensor::EmptyOp &root) {
  SmallVector<Value> pieces;
  while (auto insert = v.getDefiningOp<tensor::InsertSliceOp>()) {
    if (!v.hasOneUse())
      return {};
    pieces.push_back(insert.getSource());
    v = insert.getDest();
  }
  root = v.getDefiningOp<tensor::EmptyOp>();
  if (!root || !v.hasOneUse() || root->getNumOperands() != 0)
    return {};
  return pieces;
}

/// Whether a linalg op computes the padded value `interior` into a
/// tensor.empty, which kiln-bufferize's empty-tensor elimination then makes
/// the padded buffer's interior.
bool producedIntoEmpty(Value interior) {
  auto producer = interior.getDefiningOp<linalg::LinalgOp>();
  return producer && llvm::all_of(producer.getDpsInits(), [](Value init) {
           return init.getDefiningOp<tensor::EmptyOp>() != nullptr;
         });
}

/// A decomposed pad, insert_slice(value, fill(empty)), whose value a linalg
/// op computes into a tensor.empty: the fill (and its empty) move before that
/// op, so that empty-tensor elimination at bufferization can make the op
/// write its result straight into the interior of the filled buffer, and the
/// copy of the whole padded tensor (a depthwise convolution's input) goes.
/// The same for a concatenation (U-Net's skip connection and upsampled
/// features before a padded convolution): the fill moves before the first of
/// its pieces' producers, so the concatenation is built in the padded
/// tensor's interior, each piece computed there in place where its producer
/// can be, and neither the concatenated tensor nor its copy exists.
void placeFillsBeforeProducers(func::FuncOp func) {
  SmallVector<tensor::InsertSliceOp> inserts;
  func.walk([&](tensor::InsertSliceOp insert) { inserts.push_back(insert); });
  for (tensor::InsertSliceOp insert : inserts) {
    auto fill = insert.getDest().getDefiningOp<linalg::FillOp>();
    tensor::EmptyOp root;
    SmallVector<Value> pieces = concatenatedPieces(insert.getSource(), root);
    if (!fill || !fill->hasOneUse() ||
        (pieces.empty() && !producedIntoEmpty(insert.getSource())))
      continue;
    Block *block = fill->getBlock();
    // Where the fill goes: before the interior's producer, or before the
    // concatenation's empty and the producers of its pieces.
    Operation *first = insert.getSource().getDefiningOp();
    if (!pieces.empty()) {
      first = root;
      for (Value piece : pieces) {
        Operation *def = piece.getDefiningOp();
        if (def && def->getBlock() == block && def->isBeforeInBlock(first))
          first = def;
      }
    }
    if (first->getBlock() != block || !first->isBeforeInBlock(fill))
      continue;
    auto fillInit = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
    Operation *valueDef = fill.getInputs()[0].getDefiningOp();
    if (!fillInit || !fillInit->hasOneUse() || fillInit->getNumOperands() != 0 ||
        (valueDef && (valueDef->getBlock() != block || !valueDef->isBeforeInBlock(first))))
      continue;
    if (!pieces.empty() && (!insert.hasUnitStride() ||
                            llvm::any_of(insert.getStaticOffsets(), ShapedType::isDynamic)))
      continue;
    fillInit->moveBefore(first);
    fill->moveBefore(first);
    if (pieces.empty())
      continue;
    // The concatenation starts from the padded tensor's interior. (Left to
    // empty-tensor elimination, the pieces, eliminated first, would be
    // computed into the concatenation's own buffer and copied from it.)
    OpBuilder b(fill->getContext());
    b.setInsertionPointAfter(fill);
    Value interior = tensor::ExtractSliceOp::create(
        b, insert.getLoc(), root.getType(), fill.getResult(0), insert.getMixedOffsets(),
        insert.getMixedSizes(), insert.getMixedStrides());
    root.getResult().replaceAllUsesWith(interior);
    root->erase();
  }
}

/// A decomposed pad whose value no linalg op can write in place (it comes
/// through a reshape, say): the fill of the padded tensor and the copy of
/// its interior become one scf.forall, each task filling the border of its
/// slice of the padded tensor (not the interior, which the copy writes) and
/// copying that slice's interior right after, while the slice is in cache.
/// Tiled apart, the fill is a pass over the whole padded tensor (a memset)
/// and the copy another, the second reading back from memory what the
/// first wrote. (With the border only, a U-Net layer whose 32-channel
/// 256x256 input is padded so took 0.96 of the time: docs/performance.md,
/// thirty-third round.) The tasks split a dimension the pad leaves
/// alone (the fill's thread tiling: channels, or the batch). Pads in
/// `tapPads` are left alone: their readers will not need them.
///
/// A value computed into a tensor.empty and then reshaped (a channel-major
/// convolution's [filter blocks, filters, rows, pixel blocks, pixels]
/// product seen as NCHW by the next 3x3 layer) needs no copy either: the
/// tasks fill the border only, and kiln-bufferize has the producer write
/// the interior in place through the reshapes (which empty-tensor
/// elimination does not see through).
LogicalResult tilePadsWithTheirInterior(func::FuncOp func, ArrayRef<TapPad> tapPads) {
  IRRewriter rewriter(func.getContext());
  SmallVector<tensor::InsertSliceOp> inserts;
  func.walk([&](tensor::InsertSliceOp insert) {
    if (!insert->getParentOfType<scf::ForallOp>() && !insert->getParentOfType<scf::ForOp>())
      inserts.push_back(insert);
  });
  for (tensor::InsertSliceOp insert : inserts) {
    if (llvm::any_of(tapPads, [&](const TapPad &pad) { return pad.insert == insert; }))
      continue;
    auto fill = insert.getDest().getDefiningOp<linalg::FillOp>();
    if (!fill || !fill->hasOneUse() || fill->getBlock() != insert->getBlock() ||
        !fill.hasPureTensorSemantics())
      continue;
    auto empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
    RankedTensorType padded = insert.getDestType(), interior = insert.getSourceType();
    if (!empty || empty->getNumOperands() != 0 || !padded.hasStaticShape() ||
        !interior.hasStaticShape() || padded.getRank() != interior.getRank() ||
        !insert.hasUnitStride() ||
        llvm::any_of(insert.getStaticOffsets(), ShapedType::isDynamic))
      continue;
    // Producers that write into the interior in place (kiln-bufferize's
    // empty-tensor elimination) need no copy. (A concatenation built in the
    // interior by placeFillsBeforeProducers gave the fill a second use.)
    if (producedIntoEmpty(insert.getSource()))
      continue;
    SmallVector<Operation *> reshapes;
    bool producedThroughReshapes =
        producedIntoEmpty(dispatch::beforeReshapes(insert.getSource(), reshapes)) &&
        !reshapes.empty() && dispatch::interiorReshapesInPlace(insert, reshapes);
    std::optional<TilingPlan> plan =
        planTiling(llvm::cast<linalg::LinalgOp>(fill.getOperation()), /*allowThreads=*/true);
    if (!plan || plan->threadTiles.empty())
      continue;
    // One split dimension, unpadded.
    SmallVector<int64_t> split;
    for (auto [d, t] : llvm::enumerate(plan->threadTiles))
      if (t != 0)
        split.push_back(d);
    ArrayRef<int64_t> offsets = insert.getStaticOffsets();
    if (split.size() != 1 || offsets[split[0]] != 0 ||
        interior.getDimSize(split[0]) != padded.getDimSize(split[0]))
      continue;
    int64_t d = split[0];

    // The fill moves to the insert (the interior may be computed between
    // them), and is tiled into the tasks.
    rewriter.moveOpBefore(empty, insert);
    rewriter.moveOpBefore(fill, insert);
    SmallVector<LoopLikeOpInterface> loops;
    FailureOr<linalg::LinalgOp> tiledFill =
        tile(rewriter, llvm::cast<linalg::LinalgOp>(fill.getOperation()), plan->threadTiles,
             scf::SCFTilingOptions::LoopType::ForallOp, {}, &loops);
    if (failed(tiledFill) || loops.size() != 1)
      return insert->emitError("internal error: tiling a pad's fill failed");
    auto forall = llvm::cast<scf::ForallOp>(loops.front().getOperation());
    Value filled = (*tiledFill)->getResult(0);
    auto store = llvm::cast<tensor::ParallelInsertSliceOp>(
        *llvm::find_if(filled.getUsers(),
                       [](Operation *u) { return llvm::isa<tensor::ParallelInsertSliceOp>(u); }));

    // The task's slice of the interior, copied into its slice of the fill.
    Location loc = insert.getLoc();
    rewriter.setInsertionPoint(store->getParentOp());
    Value taskOffset = forall.getInductionVars()[0];
    int64_t taskSize = plan->threadTiles[d];
    SmallVector<OpFoldResult> srcOffsets(interior.getRank(), rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> srcSizes = llvm::map_to_vector(
        interior.getShape(), [&](int64_t s) -> OpFoldResult { return rewriter.getIndexAttr(s); });
    SmallVector<OpFoldResult> unit(interior.getRank(), rewriter.getIndexAttr(1));
    srcOffsets[d] = taskOffset;
    srcSizes[d] = rewriter.getIndexAttr(taskSize);
    Value srcTile = tensor::ExtractSliceOp::create(rewriter, loc, insert.getSource(), srcOffsets,
                                                   srcSizes, unit);
    // Only the border is filled: the slabs of the task's slice around the
    // interior, along each padded dimension in turn (a dimension's slabs
    // span the interior of the dimensions before it and the whole of those
    // after), so no element is written twice. Filled whole, the slice's
    // interior was written with the pad value and then again by the copy.
    SmallVector<linalg::LinalgOp> fills = {*tiledFill};
    auto sliceType = llvm::dyn_cast<RankedTensorType>((*tiledFill)->getResult(0).getType());
    if (sliceType && sliceType.hasStaticShape()) {
      Value value = (*tiledFill).getDpsInputs()[0];
      Value border = (*tiledFill).getDpsInits()[0];
      fills.clear();
      for (int64_t k = 0; k < sliceType.getRank(); ++k) {
        int64_t low = offsets[k], size = interior.getDimSize(k);
        if (k == d)
          size = taskSize;
        int64_t high = sliceType.getDimSize(k) - low - size;
        for (auto [first, width] : {std::pair{int64_t(0), low}, std::pair{low + size, high}}) {
          if (width <= 0)
            continue;
          SmallVector<OpFoldResult> slabOffsets, slabSizes;
          for (int64_t j = 0; j < sliceType.getRank(); ++j) {
            int64_t jSize = j == d ? taskSize : interior.getDimSize(j);
            slabOffsets.push_back(rewriter.getIndexAttr(j < k ? offsets[j] : j == k ? first : 0));
            slabSizes.push_back(rewriter.getIndexAttr(j < k    ? jSize
                                                      : j == k ? width
                                                               : sliceType.getDimSize(j)));
          }
          Value slab = tensor::ExtractSliceOp::create(rewriter, loc, border, slabOffsets,
                                                      slabSizes, unit);
          auto slabFill = linalg::FillOp::create(rewriter, loc, value, slab);
          fills.push_back(llvm::cast<linalg::LinalgOp>(slabFill.getOperation()));
          border = tensor::InsertSliceOp::create(rewriter, loc, slabFill->getResult(0), border,
                                                 slabOffsets, slabSizes, unit);
        }
      }
      rewriter.replaceOp(*tiledFill, border);
      filled = border;
    }
    if (producedThroughReshapes) {
      // The border alone; the interior is the insertion's, in place.
      rewriter.eraseOp(srcTile.getDefiningOp());
      rewriter.modifyOpInPlace(store, [&] { store.getSourceMutable().set(filled); });
      rewriter.modifyOpInPlace(insert,
                               [&] { insert.getDestMutable().assign(forall->getResult(0)); });
      for (linalg::LinalgOp slabFill : fills)
        if (failed(tileForRegisters(rewriter, slabFill)))
          return failure();
      continue;
    }
    SmallVector<OpFoldResult> dstOffsets = llvm::map_to_vector(
        offsets, [&](int64_t o) -> OpFoldResult { return rewriter.getIndexAttr(o); });
    Value dstTile =
        tensor::ExtractSliceOp::create(rewriter, loc, filled, dstOffsets, srcSizes, unit);
    auto copy = linalg::CopyOp::create(rewriter, loc, srcTile, dstTile);
    Value padTile = tensor::InsertSliceOp::create(rewriter, loc, copy->getResult(0), filled,
                                                  dstOffsets, srcSizes, unit);
    rewriter.modifyOpInPlace(store, [&] { store.getSourceMutable().set(padTile); });
    rewriter.replaceOp(insert, forall->getResult(0));

    for (linalg::LinalgOp slabFill : fills)
      if (failed(tileForRegisters(rewriter, slabFill)))
        return failure();
    if (failed(tileForRegisters(rewriter, llvm::cast<linalg::LinalgOp>(copy.getOperation()))))
      return failure();
  }
  return success();
}

/// An elementwise generic tile whose input maps are not projected
/// permutations (the taps of a convolution read at p * nr + q + j * DW) but
/// become ones once its unit loops, which only take the value 0, are
/// replaced by 0: rewritten so, which is what upstream vectorization
/// accepts. (Reductions such as pooling windows are left alone: the
/// vectorizer does not take their folded form.)
linalg::LinalgOp foldUnitLoopsIntoMaps(RewriterBase &rewriter, linalg::LinalgOp op) {
  auto generic = llvm::dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || !generic.hasPureTensorSemantics() ||
      generic.getNumParallelLoops() != generic.getNumLoops())
    return op;
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  auto isPermutation = [](AffineMap map) {
    return map.isProjectedPermutation(/*allowZeroInResults=*/true);
  };
  if (llvm::all_of(maps, isPermutation))
    return op;
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<AffineExpr> replacements;
  for (auto [d, range] : llvm::enumerate(ranges))
    replacements.push_back(range == 1 ? getAffineConstantExpr(0, ctx) : getAffineDimExpr(d, ctx));
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap &map = maps[input->getOperandNumber()];
    map = simplifyAffineMap(map.replaceDimsAndSymbols(replacements, {}, map.getNumDims(), 0));
  }
  if (!llvm::all_of(maps, isPermutation))
    return op;
  rewriter.setInsertionPoint(generic);
  auto folded = linalg::GenericOp::create(
      rewriter, generic.getLoc(), generic.getResultTypes(), generic.getDpsInputs(),
      generic.getDpsInits(), maps, generic.getIteratorTypesArray());
  rewriter.inlineRegionBefore(generic.getRegion(), folded.getRegion(), folded.getRegion().end());
  rewriter.replaceOp(generic, folded.getResults());
  return folded;
}

/// Whether every tensor.extract in `op`'s body vectorizes to a plain load,
/// by upstream's rule: the tile is a row (only its last loop longer than 1),
/// and each read's indices stay the same along it, except the last, which
/// may be the row's position plus such a value (a row load; a resample's
/// tap along an outer axis, its position read from a table). Other reads
/// would become gathers: of 64-bit addresses, measured slower than the
/// scalar loop (a bilinear resize whose innermost axis gathered: 10.6 ms,
/// 3.5 ms with that axis scalar), and wrong on strided buffers in MLIR 22's
/// lowering of vector.gather.
bool readsRowsOrScalars(linalg::LinalgOp op) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ranges.empty() || ranges.back() <= 1 ||
      llvm::any_of(ArrayRef<int64_t>(ranges).drop_back(), [](int64_t r) { return r != 1; }))
    return false;
  unsigned row = ranges.size() - 1;
  Region &body = op->getRegion(0);
  // The same for every position of the row: values from outside the op,
  // other loops' indices, and what only they compute.
  std::function<bool(Value)> invariant = [&](Value v) -> bool {
    Operation *def = v.getDefiningOp();
    if (!def)
      return !body.isAncestor(llvm::cast<BlockArgument>(v).getOwner()->getParent());
    if (!body.isAncestor(def->getParentRegion()))
      return true;
    if (auto index = llvm::dyn_cast<linalg::IndexOp>(def))
      return index.getDim() != row;
    if (!llvm::isa<tensor::ExtractOp, affine::AffineApplyOp, arith::IndexCastOp,
                   arith::AddIOp, arith::SubIOp, arith::MulIOp, arith::ConstantOp>(def))
      return false;
    return llvm::all_of(def->getOperands(), invariant);
  };
  auto isRowIndex = [&](Value v) {
    auto index = v.getDefiningOp<linalg::IndexOp>();
    return index && index.getDim() == row;
  };
  // The row's position plus an invariant value.
  auto alongRow = [&](Value v) -> bool {
    if (isRowIndex(v))
      return true;
    if (auto add = v.getDefiningOp<arith::AddIOp>())
      return (isRowIndex(add.getLhs()) && invariant(add.getRhs())) ||
             (isRowIndex(add.getRhs()) && invariant(add.getLhs()));
    auto apply = v.getDefiningOp<affine::AffineApplyOp>();
    if (!apply)
      return false;
    AffineMap map = apply.getAffineMap();
    std::optional<unsigned> position;
    for (auto [i, operand] : llvm::enumerate(apply.getMapOperands())) {
      if (invariant(operand))
        continue;
      if (position || !isRowIndex(operand))
        return false;
      position = i;
    }
    if (!position)
      return true;
    // The result less the row's position must not depend on it any more.
    unsigned dims = map.getNumDims();
    bool isDim = *position < dims;
    AffineExpr expr = isDim ? getAffineDimExpr(*position, map.getContext())
                            : getAffineSymbolExpr(*position - dims, map.getContext());
    AffineExpr rest =
        simplifyAffineExpr(map.getResult(0) - expr, dims, map.getNumSymbols());
    return isDim ? !rest.isFunctionOfDim(*position) : !rest.isFunctionOfSymbol(*position - dims);
  };
  WalkResult walk = op->walk([&](tensor::ExtractOp extract) {
    ValueRange indices = extract.getIndices();
    if (!llvm::all_of(indices.drop_back(), invariant) ||
        (!indices.empty() && !invariant(indices.back()) && !alongRow(indices.back())))
      return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return !walk.wasInterrupted();
}

/// A register tile of a resample along the innermost axis
/// (resamplesInnermostAxis): a row of N outputs, each a weighted sum of the
/// input row's elements at positions read from a constant table (bilinear:
/// two taps), weights from another. Each vector of L outputs loads the
/// inputs its taps span (at most 2L consecutive ones) as two vectors, and
/// each tap is a shuffle of them with a constant mask (vpermt2ps on
/// AVX-512) and its weights a constant vector; the body's arithmetic then
/// runs lane-wise. The row is unrolled: every vector has masks of its own.
/// Scalar, one output at a time, U-Net's up4 rows (128 -> 256) took 6 times
/// as long in `bench/peak/resample_row.c` (gathers were slower still).
/// Fails, leaving the row to the scalar path, where a vector's taps span
/// more than 2L inputs (downsampling by more than 2), or more than L where
/// the input row is shorter than 2L (one load), where the input row is
/// shorter than L, or where the body holds anything else than table reads,
/// input reads at tabled positions, and elementwise arithmetic in the
/// output's type.
LogicalResult vectorizeResampleRow(RewriterBase &rewriter, linalg::LinalgOp op) {
  auto generic = llvm::dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || !resamplesInnermostAxis(op) || !generic.hasPureTensorSemantics())
    return failure();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  unsigned last = ranges.size() - 1;
  int64_t n = ranges.back();
  auto outType = llvm::dyn_cast<RankedTensorType>(generic.getResult(0).getType());
  if (!outType || !outType.hasStaticShape() || outType.getRank() != int64_t(ranges.size()) ||
      !llvm::isa<FloatType>(outType.getElementType()) || n <= 1 ||
      llvm::any_of(ArrayRef<int64_t>(ranges).drop_back(), [](int64_t r) { return r != 1; }) ||
      !generic.getIndexingMapsArray().front().isIdentity())
    return failure();
  Type elementType = outType.getElementType();
  int64_t bytes = elementType.getIntOrFloatBitWidth() / 8;
  if (bytes == 0 || n > kMaxResampleRow)
    return failure();
  int64_t lanes = std::max<int64_t>(1, vectorRegisters(op).bytes / bytes);
  Block &body = generic.getRegion().front();
  auto inBody = [&](Value v) {
    Operation *def = v.getDefiningOp();
    return def ? def->getBlock() == &body : llvm::cast<BlockArgument>(v).getOwner() == &body;
  };

  // A value of the row's position p (the row's index, affine maps of it
  // and constants; the other loops have one iteration), at p.
  std::function<std::optional<int64_t>(Value, int64_t)> positionAt =
      [&](Value v, int64_t p) -> std::optional<int64_t> {
    if (auto index = v.getDefiningOp<linalg::IndexOp>())
      return index.getDim() == last ? p : 0;
    if (std::optional<int64_t> c = getConstantIntValue(v))
      return c;
    // A loop of one iteration (the register tiling's, around the whole row).
    if (auto loop = scf::getForInductionVarOwner(v)) {
      std::optional<int64_t> lower = getConstantIntValue(loop.getLowerBound()),
                             upper = getConstantIntValue(loop.getUpperBound()),
                             step = getConstantIntValue(loop.getStep());
      if (lower && upper && step && *upper > *lower && *upper - *lower <= *step)
        return lower;
      return std::nullopt;
    }
    auto apply = v.getDefiningOp<affine::AffineApplyOp>();
    if (!apply || apply.getAffineMap().getNumResults() != 1)
      return std::nullopt;
    SmallVector<Attribute> operands;
    for (Value operand : apply.getMapOperands()) {
      std::optional<int64_t> value = positionAt(operand, p);
      if (!value)
        return std::nullopt;
      operands.push_back(rewriter.getIndexAttr(*value));
    }
    SmallVector<Attribute> results;
    if (failed(apply.getAffineMap().constantFold(operands, results)))
      return std::nullopt;
    auto result = llvm::dyn_cast_or_null<IntegerAttr>(results.front());
    return result ? std::optional<int64_t>(result.getInt()) : std::nullopt;
  };

  // What each body value is: the same for the whole row (computed once,
  // outside), a constant table's entries along the row, a tap's input
  // positions, or a vector of the row's values.
  DenseSet<Value> invariant;
  DenseMap<Value, SmallVector<Attribute>> tables;   // float entries, per p
  DenseMap<Value, SmallVector<int64_t>> positions;  // input positions, per p
  DenseMap<Value, tensor::ExtractOp> inputReads;    // value -> the read
  SmallVector<Operation *> invariantOps, rowOps;
  auto isInvariant = [&](Value v) { return !inBody(v) || invariant.contains(v); };
  for (Operation &nested : body.without_terminator()) {
    if (nested.getNumResults() != 1 || nested.getNumRegions() != 0)
      return failure();
    Value result = nested.getResult(0);
    if (auto index = llvm::dyn_cast<linalg::IndexOp>(nested)) {
      if (index.getDim() != last) {
        invariant.insert(result);
        invariantOps.push_back(&nested);
      }
      continue; // The row's index: read through positionAt.
    }
    if (llvm::isa<affine::AffineApplyOp, arith::ConstantOp>(nested) &&
        positionAt(result, 0)) {
      if (llvm::all_of(nested.getOperands(), isInvariant)) {
        invariant.insert(result);
        invariantOps.push_back(&nested);
      }
      continue;
    }
    if (llvm::all_of(nested.getOperands(), isInvariant) && isMemoryEffectFree(&nested)) {
      invariant.insert(result);
      invariantOps.push_back(&nested);
      continue;
    }
    if (auto read = llvm::dyn_cast<tensor::ExtractOp>(nested)) {
      auto table = read.getTensor().getDefiningOp<arith::ConstantOp>();
      auto dense = table ? llvm::dyn_cast<DenseElementsAttr>(table.getValue()) : nullptr;
      if (dense) {
        // A constant table's entry at the row's position.
        ArrayRef<int64_t> shape = dense.getType().getShape();
        SmallVector<Attribute> entries;
        auto values = dense.getValues<Attribute>();
        for (int64_t p = 0; p < n; ++p) {
          int64_t flat = 0;
          for (auto [index, size] : llvm::zip(read.getIndices(), shape)) {
            std::optional<int64_t> at = positionAt(index, p);
            if (!at || *at < 0 || *at >= size)
              return failure();
            flat = flat * size + *at;
          }
          entries.push_back(values[flat]);
        }
        tables[result] = std::move(entries);
        continue;
      }
      // The input at a position from a table, along its innermost axis.
      auto inputType = llvm::cast<RankedTensorType>(read.getTensor().getType());
      auto cast = read.getIndices().empty()
                      ? nullptr
                      : read.getIndices().back().getDefiningOp<arith::IndexCastOp>();
      if (inBody(read.getTensor()) || !inputType.hasStaticShape() || !cast ||
          !tables.count(cast.getIn()) ||
          !llvm::all_of(read.getIndices().drop_back(), isInvariant))
        return failure();
      SmallVector<int64_t> at;
      for (Attribute entry : tables[cast.getIn()]) {
        auto integer = llvm::dyn_cast<IntegerAttr>(entry);
        if (!integer || integer.getInt() < 0 || integer.getInt() >= inputType.getShape().back())
          return failure();
        at.push_back(integer.getInt());
      }
      // (Its vectors are of the output's type: a resample fused with a
      // cast, as a 16-bit Resize computed in f32 is, stays scalar.)
      if (result.getType() != elementType)
        return failure();
      positions[result] = std::move(at);
      inputReads[result] = read;
      continue;
    }
    if (llvm::isa<arith::IndexCastOp>(nested) && tables.count(nested.getOperand(0))) {
      tables[result] = tables[nested.getOperand(0)];
      continue;
    }
    if (!nested.hasTrait<OpTrait::Elementwise>() || !isMemoryEffectFree(&nested) ||
        result.getType() != elementType ||
        llvm::any_of(nested.getOperandTypes(), [&](Type t) { return t != elementType; }))
      return failure();
    for (Value operand : nested.getOperands())
      if (!isInvariant(operand) && !positions.count(operand) &&
          !(tables.count(operand) && llvm::isa<FloatType>(operand.getType())) &&
          !llvm::is_contained(rowOps, operand.getDefiningOp()))
        return failure();
    rowOps.push_back(&nested);
  }
  Value yielded = body.getTerminator()->getOperand(0);
  if (isInvariant(yielded) ||
      !(positions.count(yielded) || llvm::is_contained(rowOps, yielded.getDefiningOp())))
    return failure();

  // The windows: per vector of outputs, each input row's reads share two
  // loads covering the positions their taps take there.
  struct Window {
    tensor::ExtractOp read; // the first of the row's reads
    int64_t base = 0, end = 0, size = 0;
  };
  auto sameRow = [](tensor::ExtractOp a, tensor::ExtractOp b) {
    return a.getTensor() == b.getTensor() &&
           llvm::equal(a.getIndices().drop_back(), b.getIndices().drop_back());
  };
  SmallVector<Value> reads;
  for (Operation &nested : body.without_terminator())
    if (nested.getNumResults() == 1 && positions.count(nested.getResult(0)))
      reads.push_back(nested.getResult(0));
  int64_t chunks = (n + lanes - 1) / lanes;
  // Per chunk: its windows, and each read's (an index into them).
  SmallVector<SmallVector<Window>> windows(chunks);
  SmallVector<DenseMap<Value, unsigned>> windowOf(chunks);
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t p0 = c * lanes, width = std::min(lanes, n - p0);
    for (Value read : reads) {
      ArrayRef<int64_t> at = ArrayRef<int64_t>(positions[read]).slice(p0, width);
      int64_t lo = *llvm::min_element(at), end = *llvm::max_element(at) + 1;
      auto *w = llvm::find_if(windows[c],
                              [&](const Window &w) { return sameRow(w.read, inputReads[read]); });
      if (w == windows[c].end()) {
        windows[c].push_back({inputReads[read], lo, end});
        w = std::prev(windows[c].end());
      }
      w->base = std::min(w->base, lo);
      w->end = std::max(w->end, end);
      windowOf[c][read] = w - windows[c].begin();
    }
    for (Window &w : windows[c]) {
      int64_t rowLength = w.read.getTensor().getType().getShape().back();
      w.size = rowLength >= 2 * lanes ? 2 * lanes : rowLength >= lanes ? lanes : 0;
      if (w.size == 0 || w.end - w.base > w.size)
        return failure();
      w.base = std::clamp<int64_t>(w.base, 0, rowLength - w.size);
    }
  }

  // Emit: the row-invariant values once, then each vector of outputs.
  Location loc = generic.getLoc();
  rewriter.setInsertionPoint(generic);
  IRMapping scalars;
  for (Operation *nested : invariantOps) {
    if (auto index = llvm::dyn_cast<linalg::IndexOp>(nested)) {
      scalars.map(index.getResult(), arith::ConstantIndexOp::create(rewriter, loc, 0));
      continue;
    }
    rewriter.clone(*nested, scalars);
  }
  Value out = generic.getDpsInits()[0];
  Value padding = ub::PoisonOp::create(rewriter, loc, elementType);
  for (int64_t c = 0; c < chunks; ++c) {
    int64_t p0 = c * lanes, width = std::min(lanes, n - p0);
    auto chunkType = VectorType::get({width}, elementType);
    auto laneType = VectorType::get({lanes}, elementType);
    SmallVector<std::pair<Value, Value>> loaded;
    for (Window &w : windows[c]) {
      SmallVector<Value> indices =
          llvm::map_to_vector(w.read.getIndices().drop_back(),
                              [&](Value v) { return scalars.lookupOrDefault(v); });
      auto load = [&](int64_t start) {
        indices.push_back(arith::ConstantIndexOp::create(rewriter, loc, start));
        Value v = vector::TransferReadOp::create(rewriter, loc, laneType, w.read.getTensor(),
                                                 indices, padding, ArrayRef<bool>{true});
        indices.pop_back();
        return v;
      };
      Value first = load(w.base);
      loaded.push_back({first, w.size == 2 * lanes ? load(w.base + lanes) : first});
    }
    DenseMap<Value, Value> vectors;
    auto vectorOf = [&](Value v) -> Value {
      if (Value vector = vectors.lookup(v))
        return vector;
      if (isInvariant(v))
        return vector::BroadcastOp::create(rewriter, loc, chunkType, scalars.lookupOrDefault(v));
      // A float table's entries for these outputs.
      SmallVector<Attribute> entries(tables[v].begin() + p0, tables[v].begin() + p0 + width);
      return arith::ConstantOp::create(rewriter, loc,
                                       DenseElementsAttr::get(chunkType, entries));
    };
    for (Value read : reads) {
      const Window &w = windows[c][windowOf[c][read]];
      auto [first, second] = loaded[windowOf[c][read]];
      SmallVector<int64_t> mask;
      for (int64_t i = 0; i < width; ++i)
        mask.push_back(positions[read][p0 + i] - w.base);
      vectors[read] = vector::ShuffleOp::create(rewriter, loc, first, second, mask);
    }
    for (Operation *nested : rowOps) {
      SmallVector<Value> operands =
          llvm::map_to_vector(nested->getOperands(), [&](Value v) { return vectorOf(v); });
      OperationState state(loc, nested->getName().getStringRef(), operands, TypeRange{chunkType},
                           nested->getAttrs());
      vectors[nested->getResult(0)] = rewriter.create(state)->getResult(0);
    }
    SmallVector<Value> at(ranges.size(), arith::ConstantIndexOp::create(rewriter, loc, 0));
    at.back() = arith::ConstantIndexOp::create(rewriter, loc, p0);
    out = vector::TransferWriteOp::create(rewriter, loc, vectorOf(yielded), out, at,
                                          ArrayRef<bool>{true})
              .getResult();
  }
  rewriter.replaceOp(generic, out);
  return success();
}

/// Vectorizes every linalg op with a small static iteration space.
void vectorizeAll(func::FuncOp func) {
  IRRewriter rewriter(func.getContext());
  SmallVector<linalg::LinalgOp> ops;
  func.walk([&](linalg::LinalgOp op) { ops.push_back(op); });
  for (linalg::LinalgOp op : ops) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      continue;
    if (succeeded(vectorizeResampleRow(rewriter, op)))
      continue;
    int64_t elements = 1;
    for (int64_t r : ranges)
      elements *= r;
    if (elements > kMaxVectorElements || !linalg::hasVectorizationImpl(op))
      continue;
    if (succeeded(vectorizePackedMatmulTile(rewriter, op)))
      continue;
    op = foldUnitLoopsIntoMaps(rewriter, op);
    // An op of no loops that reads a tensor element (a Gather of one
    // element by a scalar index) stays scalar: upstream's vectorization
    // makes a vector.gather with a scalar index of it, which is invalid.
    if (op.getNumLoops() == 0 &&
        op->walk([](tensor::ExtractOp) { return WalkResult::interrupt(); }).wasInterrupted())
      continue;
    rewriter.setInsertionPoint(op);
    // N-D tensor.extract (a resample's taps along an outer axis) only where
    // it becomes plain loads.
    FailureOr<linalg::VectorizationResult> result =
        linalg::vectorize(rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
                          /*vectorizeNDExtract=*/readsRowsOrScalars(op));
    if (failed(result))
      continue; // Stays a scalar loop nest; correct, only slower.
    if (op->getNumResults() > 0)
      rewriter.replaceOp(op, result->replacements);
    else
      rewriter.eraseOp(op);
  }
}

/// insert_slice(transfer_write(%tile, extract_slice(%t)), %t) at the same
/// place, where %tile is a vector filling the slice (its shape the slice's
/// trailing dimensions, every other dimension of size 1): a write of %tile
/// into %t itself. The accumulator tile is then read and written at the same
/// place of the loop-carried tensor and hoisted out of the K loop into
/// registers (loop-invariant subset hoisting). Upstream's folder does not
/// see a vector<32xf32> as filling a tensor<1x1x32xf32>: a matrix-vector
/// product's accumulator row (register tiles of one row), or a batched
/// matmul's vector<8x32xf32> tile of a tensor<1x8x32xf32> (BERT's attention
/// products, whose accumulators went to memory and back every K step). The
/// depthwise kernels' row tiles (vector<2x56xf32>, vector<7x7xf32>) are
/// written into their task's tile this way too.
struct WriteTileIntoDestination : OpRewritePattern<tensor::InsertSliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::InsertSliceOp insert,
                                PatternRewriter &rewriter) const override {
    auto write = insert.getSource().getDefiningOp<vector::TransferWriteOp>();
    if (!write || write.getMask() || !write->hasOneUse())
      return failure();
    auto slice = write.getBase().getDefiningOp<tensor::ExtractSliceOp>();
    VectorType tile = write.getVectorType();
    RankedTensorType sliceType = insert.getSourceType();
    int64_t rank = tile.getRank(), leading = sliceType.getRank() - rank;
    if (!slice || slice.getSource() != insert.getDest() || leading < 0 ||
        !write.getPermutationMap().isMinorIdentity() ||
        llvm::any_of(llvm::seq<int64_t>(0, rank),
                     [&](int64_t d) { return !write.isDimInBounds(d); }) ||
        sliceType.getRank() != insert.getDestType().getRank() || !sliceType.hasStaticShape() ||
        sliceType.getShape().drop_front(leading) != tile.getShape() ||
        llvm::any_of(sliceType.getShape().take_front(leading), [](int64_t d) { return d != 1; }) ||
        !llvm::all_of(write.getIndices(), isZeroInteger) || !insert.hasUnitStride() ||
        !slice.hasUnitStride() || slice.getMixedOffsets() != insert.getMixedOffsets() ||
        slice.getMixedSizes() != insert.getMixedSizes())
      return failure();
    SmallVector<Value> indices = llvm::map_to_vector(insert.getMixedOffsets(), [&](OpFoldResult o) {
      return getValueOrCreateConstantIndexOp(rewriter, insert.getLoc(), o);
    });
    rewriter.replaceOpWithNewOp<vector::TransferWriteOp>(insert, write.getVector(),
                                                         insert.getDest(), indices,
                                                         SmallVector<bool>(rank, true));
    return success();
  }
};

/// Drops the unit loops of elementwise ops and reductions whose innermost
/// loop has one iteration ([N, C, 1, 1] after a global pool): tiled along
/// that loop they ran one element at a time (a squeeze-and-excitation's
/// sigmoid of 1152 channel scales, one scalar exponential each), and
/// vectors along another loop, vector<64x1x1>, are taken apart into
/// one-element operations by the LLVM lowering. Without the unit loops the
/// innermost is the channels'. Unit loops are contiguous in any layout, so
/// the reshapes this adds never copy. A product's epilogue ops (its
/// accumulator's start, the op reading its result) keep their loops, which
/// the epilogue fusion matches.
void dropTrailingUnitLoops(func::FuncOp func) {
  auto isProduct = [](Operation *op) {
    return op && (llvm::isa<linalg::MatmulOp, linalg::BatchMatmulOp>(op) ||
                  op->hasAttr(kPackedMatmulAttr) || op->hasAttr(kTapProductAttr));
  };
  linalg::ControlDropUnitDims options;
  options.controlFn = [&](Operation *op) -> SmallVector<unsigned> {
    auto generic = llvm::dyn_cast<linalg::GenericOp>(op);
    if (!generic || !generic->getDiscardableAttrDictionary().empty() ||
        !generic.hasPureTensorSemantics() ||
        llvm::any_of(generic->getOperands(),
                     [&](Value v) { return isProduct(v.getDefiningOp()); }) ||
        llvm::any_of(generic->getUsers(), isProduct))
      return {};
    SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
    if (ranges.empty() || ranges.back() != 1 ||
        llvm::any_of(ranges, ShapedType::isDynamic) ||
        llvm::all_of(ranges, [](int64_t r) { return r == 1; }))
      return {};
    SmallVector<unsigned> unit;
    for (auto [i, range] : llvm::enumerate(ranges))
      if (range == 1)
        unit.push_back(i);
    return unit;
  };
  RewritePatternSet patterns(func.getContext());
  linalg::populateFoldUnitExtentDimsPatterns(patterns, options);
  // (These patterns are not for the greedy driver.)
  walkAndApplyPatterns(func, std::move(patterns));
}

/// An elementwise op (arith, math) on vectors that are all transposed the
/// same way, or splat constants, computed before the transpose:
/// op(transpose(a, p), transpose(b, p)) -> transpose(op(a, b), p). Upstream's
/// sink patterns do the same, together with broadcasts; this one alone,
/// applied before unit dims go (which puts vector.extracts between the
/// transposes and the ops). A product feeding a reduction is left to the
/// reduction-to-contraction patterns, which take the transposes into the
/// contraction's maps (computed first, a batched matmul's product of
/// broadcasts became an outer product whose FMAs, their accumulators kept
/// in memory across its K loop, made bert_tiny take 1.02-1.03 of the time,
/// until WriteTileIntoDestination kept those accumulators in registers).
struct ComputeBeforeTranspose : OpTraitRewritePattern<OpTrait::Elementwise> {
  using OpTraitRewritePattern::OpTraitRewritePattern;

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (op->getNumResults() != 1 || op->getNumRegions() != 0 ||
        !llvm::isa<VectorType>(op->getResult(0).getType()) ||
        !llvm::isa<arith::ArithDialect, math::MathDialect>(op->getDialect()) ||
        llvm::any_of(op->getUsers(), llvm::IsaPred<vector::MultiDimReductionOp>))
      return failure();
    ArrayRef<int64_t> permutation;
    VectorType sourceShape;
    for (Value operand : op->getOperands()) {
      auto transpose = operand.getDefiningOp<vector::TransposeOp>();
      if (!transpose) {
        SplatElementsAttr splat;
        if (!matchPattern(operand, m_Constant(&splat)))
          return failure();
        continue;
      }
      if (sourceShape && transpose.getPermutation() != permutation)
        return failure();
      permutation = transpose.getPermutation();
      sourceShape = transpose.getSourceVectorType();
    }
    if (!sourceShape)
      return failure();
    Location loc = op->getLoc();
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      if (auto transpose = operand.getDefiningOp<vector::TransposeOp>()) {
        operands.push_back(transpose.getVector());
        continue;
      }
      SplatElementsAttr splat;
      matchPattern(operand, m_Constant(&splat));
      auto type = sourceShape.clone(llvm::cast<VectorType>(operand.getType()).getElementType());
      operands.push_back(arith::ConstantOp::create(rewriter, loc, type, splat.resizeSplat(type)));
    }
    auto resultType = sourceShape.clone(
        llvm::cast<VectorType>(op->getResult(0).getType()).getElementType());
    Operation *computed = rewriter.create(loc, op->getName().getIdentifier(), operands,
                                          TypeRange{resultType}, op->getAttrs());
    rewriter.replaceOpWithNewOp<vector::TransposeOp>(op, computed->getResult(0), permutation);
    return success();
  }
};

/// Cleanups that make vector code lowerable: transfers fold into their
/// producers, unit dims and permutations disappear, reductions become
/// contractions.
///
/// Elementwise ops on transposed reads first take the transposes past
/// themselves (ComputeBeforeTranspose). The pixel-major convolution's
/// epilogue reads its [7 pixels, 16 filters] tiles transposed into rows of 7
/// pixels: its bias and activation then run on 16-lane vectors in the
/// product's layout and one transpose feeds the write, where they ran on
/// half-empty 8-lane rows of 7 after the transpose (EfficientNet-B0's 14x14
/// expanding layers, whose SiLU divides and exponentiates, took 0.71-0.76 of
/// the time; docs/performance.md, twenty-fourth round).
void simplifyVectors(func::FuncOp func) {
  RewritePatternSet sinkTransposes(func.getContext());
  vector::populateVectorTransferPermutationMapLoweringPatterns(sinkTransposes);
  sinkTransposes.add<ComputeBeforeTranspose>(func.getContext());
  // Only these rewrites: the full cleanup below folds and simplifies.
  (void)applyPatternsGreedily(func, std::move(sinkTransposes),
                              GreedyRewriteConfig()
                                  .enableFolding(false)
                                  .enableConstantCSE(false)
                                  .setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled));

  RewritePatternSet patterns(func.getContext());
  patterns.add<WriteTileIntoDestination>(func.getContext());
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorReductionToContractPatterns(patterns);
  vector::populateSinkVectorOpsPatterns(patterns);
  vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
  vector::populateVectorTransferDropUnitDimsPatterns(patterns);
  tensor::populateFoldTensorSubsetIntoVectorTransferPatterns(patterns);
  vector::TransferReadOp::getCanonicalizationPatterns(patterns, func.getContext());
  vector::TransferWriteOp::getCanonicalizationPatterns(patterns, func.getContext());
  (void)applyPatternsGreedily(func, std::move(patterns));
}

struct TileAndVectorizePass : impl::TileAndVectorizeBase<TileAndVectorizePass> {
  using TileAndVectorizeBase::TileAndVectorizeBase;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    {
      // Pads become fill + insert_slice: the fill is tiled like any op and
      // the insert_slice is a copy after bufferization, unless the producer
      // of the padded value can write straight into the filled buffer
      // (placeFillsBeforeProducers, then empty-tensor elimination in
      // kiln-bufferize).
      RewritePatternSet patterns(&getContext());
      linalg::populateDecomposePadPatterns(patterns);
      (void)applyPatternsGreedily(func, std::move(patterns));
      placeFillsBeforeProducers(func);
    }
    dropTrailingUnitLoops(func);
    // Pads that only window taps read are not made at all: the taps' register
    // tiles read around them.
    SmallVector<TapPad> tapPads;
    if (maskedLoads)
      tapPads = findPadsReadByTaps(func);
    if (failed(tilePadsWithTheirInterior(func, tapPads)))
      return signalPassFailure();
    if (failed(tileAll(func, /*allowThreads=*/true, tapPads)))
      return signalPassFailure();
    readTapsAroundPads(func, tapPads);
    decomposeConvolutions(func);
    vectorizeAll(func);
    simplifyVectors(func);
  }
};

struct VectorizeBufferOpsPass
    : impl::VectorizeBufferOpsBase<VectorizeBufferOpsPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (failed(tileAll(func, /*allowThreads=*/true)))
      return signalPassFailure();
    vectorizeAll(func);
    simplifyVectors(func);
  }
};

} // namespace
} // namespace kiln::cpu
