//===- ConvToStagedMatmul.cpp - GPU convolutions as staged matmuls --------===//
//
// A 2-D convolution in NCHW is, per image, the product
//   out[F, OH*OW] = W[F, C*KH*KW] x col[C*KH*KW, OH*OW]
// with col ("im2col") holding, for every filter tap (c, kh, kw), the input
// pixels that tap meets. On the GPU path this pass rewrites
// linalg.conv_2d_nchw_fchw into that form when the product can run on the
// staged matmul kernels (StagedMatmul.h: F and OH*OW at least 16, any
// C*KH*KW): a matmul-like linalg.generic over (n, f, p, k) of the weights
// [F, C*KH*KW] by col, which kiln-tile-for-gpu stages through workgroup
// memory, with register tiles. col is never written: the product reads
// its element (k, p) from the input in place ("implicit GEMM"), through
// the indexing map in[n, k / (KH KW), (p / OW) SH + ((k % (KH KW)) / KW) DH,
// (p % OW) SW + (k % KW) DW]; a unit-stride 1x1 convolution's input is col
// itself, [N, C, OH*OW]. The staged kernel evaluates that map where it
// copies a k step of col into workgroup memory: a thread's pixels are
// fixed, so their division by OW is hoisted out of the k loop, and all its
// elements of a step share one k. The divisions of k, and the padding's
// bounds checks, are 32-bit (applyIndexingMapNarrowly,
// kiln-narrow-marked-indices). The direct convolution the product
// replaces ran one output per thread, each reading its C*KH*KW inputs and
// weights from global memory.
//
// The reduction runs over k = (c * KH + kh) * KW + kw, the order of the
// convolution's own loops. A product with few outputs and a long reduction
// (ResNet-50's last 3x3 layers) has its k cut into slices by
// kiln-tile-for-gpu (SplitProduct.h), where the convolution would have got
// a block per output.
//
// A grouped convolution (the graph lowering's one generic over the groups,
// on views of its operands split into groups) is the same product in each
// group, so one product whose group is one more batch loop, where a group's
// F and OH*OW fill the tiles: one kernel for all groups (a ResNeXt layer's
// 32), where the groups' products were as many.
//
// The tensor cores take the product where they take a matmul: f32 with
// --gpu-tf32, f16/bf16 inputs with an f32 accumulator, which is how the
// graph lowering builds an ONNX f16 or bf16 Conv.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Passes.h"

#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/SiblingProducts.h"
#include "codegen/gpu/StagedMatmul.h"
#include "passes/dispatch/GroupedConvolution.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/SmallBitVector.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_CONVTOSTAGEDMATMUL
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

/// Whether `op` is all-parallel with one result, written at an identity map.
bool isElementwiseOver(linalg::LinalgOp op) {
  return op->getNumResults() == 1 && op.getNumLoops() == op.getNumParallelLoops() &&
         op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity();
}

/// The convolution's accumulator start (a fill or generic writing `init`,
/// read by nothing else) rebuilt over the product's [N, (G,) F, OH*OW] view
/// (`viewType`), or null: the staged kernel can then take
/// it in (markStagedFusion), where it would not look through a reshape.
Value startOverProduct(PatternRewriter &rewriter, Location loc, Value init,
                       RankedTensorType viewType) {
  unsigned rank = viewType.getRank(); // (The start's loops: rank + 1.)
  auto start = init.getDefiningOp<linalg::LinalgOp>();
  if (!start || !init.hasOneUse() || !isElementwiseOver(start))
    return {};
  if (auto fill = llvm::dyn_cast<linalg::FillOp>(start.getOperation())) {
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, viewType.getShape(), viewType.getElementType());
    return linalg::FillOp::create(rewriter, loc, fill.value(), empty).getResult(0);
  }
  // (Rebuilt over a fresh tensor: its body must not read its output.)
  auto generic = llvm::dyn_cast<linalg::GenericOp>(start.getOperation());
  if (!generic || generic.hasIndexSemantics() ||
      !generic.getMatchingBlockArgument(generic.getDpsInitOperand(0)).use_empty())
    return {};
  // Its input maps over (n, (g,) f, p) instead of (n, (g,) f, h, w): h and
  // w may not appear (a bias read per filter does not).
  SmallVector<AffineMap> maps;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    if (map.isFunctionOfDim(rank - 1) || map.isFunctionOfDim(rank))
      return {};
    maps.push_back(AffineMap::get(rank, 0, map.getResults(), rewriter.getContext()));
  }
  maps.push_back(rewriter.getMultiDimIdentityMap(rank));
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, viewType.getShape(), viewType.getElementType());
  auto rebuilt = linalg::GenericOp::create(
      rewriter, loc, viewType, generic.getInputs(), empty, maps,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel));
  rewriter.cloneRegionBefore(generic.getRegion(), rebuilt.getRegion(), rebuilt.getRegion().end());
  return rebuilt.getResult(0);
}

/// A 2-D convolution in NCHW the product form takes: a
/// linalg.conv_2d_nchw_fchw, or a grouped one in the graph lowering's form
/// (GroupedConvolution.h), whose group is one more batch loop of the
/// product. Either's body is (input, weight, out).
struct Convolution {
  Value input, weight, init;
  bool grouped = false;
  SmallVector<int64_t, 2> strides, dilations;
};

std::optional<Convolution> matchConvolution(linalg::LinalgOp op) {
  if (auto conv = llvm::dyn_cast<linalg::Conv2DNchwFchwOp>(op.getOperation()))
    return Convolution{conv.getInputs()[0], conv.getInputs()[1], conv.getOutputs()[0], false,
                       llvm::to_vector<2>(conv.getStrides().getValues<int64_t>()),
                       llvm::to_vector<2>(conv.getDilations().getValues<int64_t>())};
  std::optional<dispatch::GroupedConvolution> grouped = dispatch::matchGroupedConvolution(op);
  if (!grouped)
    return std::nullopt;
  return Convolution{grouped->input, grouped->weight, grouped->init, true, grouped->strides,
                     grouped->dilations};
}

struct ConvToStagedMatmulPattern : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op, PatternRewriter &rewriter) const override {
    std::optional<Convolution> conv = matchConvolution(op);
    if (!conv)
      return rewriter.notifyMatchFailure(op, "not a 2-D NCHW convolution");
    if (!op.hasPureTensorSemantics() || op->getParentOfType<scf::ForallOp>())
      return rewriter.notifyMatchFailure(op, "needs tensors, untiled");
    Value input = conv->input, weight = conv->weight, init = conv->init;
    auto inType = llvm::cast<RankedTensorType>(input.getType());
    auto wType = llvm::cast<RankedTensorType>(weight.getType());
    auto outType = llvm::cast<RankedTensorType>(init.getType());
    if (!inType.hasStaticShape() || !wType.hasStaticShape() || !outType.hasStaticShape() ||
        !llvm::isa<FloatType>(inType.getElementType()) ||
        inType.getElementType() != wType.getElementType() ||
        !llvm::isa<FloatType>(outType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs static float tensors");
    // A grouped convolution's shapes have the group after N (input,
    // accumulator) or first (weight): `lead` leading axes before the
    // channels, `group` groups.
    unsigned lead = conv->grouped ? 2 : 1;
    int64_t n = inType.getDimSize(0), c = inType.getDimSize(lead);
    int64_t group = conv->grouped ? inType.getDimSize(1) : 1;
    int64_t f = wType.getDimSize(lead - 1), kh = wType.getDimSize(lead + 1),
            kw = wType.getDimSize(lead + 2);
    int64_t oh = outType.getDimSize(lead + 1), ow = outType.getDimSize(lead + 2);
    int64_t k = c * kh * kw, p = oh * ow;
    if (!fitsStagedTiles(f, p))
      return rewriter.notifyMatchFailure(op, "the product would not be staged");
    ArrayRef<int64_t> strides = conv->strides, dilations = conv->dilations;
    Type inElement = inType.getElementType();
    bool direct = kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
                  inType.getDimSize(lead + 1) == oh && inType.getDimSize(lead + 2) == ow;

    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    // The product's loops (n, (g,) f, p, k); `outer` holds n (and g).
    unsigned loops = lead + 3;
    auto dim = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> outer;
    for (unsigned i = 0; i < lead; ++i)
      outer.push_back(dim(i));
    AffineExpr df = dim(lead), dp = dim(lead + 1), dk = dim(lead + 2);
    // The shape of `outerShape` followed by `rest`.
    auto shapeOf = [&](ArrayRef<int64_t> outerShape, ArrayRef<int64_t> rest) {
      SmallVector<int64_t> shape(outerShape);
      shape.append(rest.begin(), rest.end());
      return shape;
    };
    // The reassociation keeping the first `kept` axes, then joining groups
    // of the sizes `joined`.
    auto joining = [&](unsigned kept, ArrayRef<int64_t> joined) {
      SmallVector<ReassociationIndices> groups;
      int64_t next = 0;
      for (unsigned i = 0; i < kept; ++i)
        groups.push_back({next++});
      for (int64_t size : joined) {
        groups.emplace_back();
        for (int64_t j = 0; j < size; ++j)
          groups.back().push_back(next++);
      }
      return groups;
    };
    // The product reads the input where col[n, (g,) k, p] would be: a
    // unit-stride 1x1 convolution's input is col, seen as [N, (G,) C,
    // OH*OW]; any other's element (k, p) is in[n, (g,) c, y SH + i DH,
    // x SW + j DW] with k = (c KH + i) KW + j and p = y OW + x, read in
    // place.
    Value source = input;
    SmallVector<AffineExpr> inputIndices(outer);
    if (direct) {
      source = tensor::CollapseShapeOp::create(
          rewriter, loc,
          RankedTensorType::get(shapeOf(inType.getShape().take_front(lead), {k, p}), inElement),
          input, joining(lead, {1, 2}));
      inputIndices.append({dk, dp});
    } else {
      AffineExpr tap = dk % (kh * kw);
      inputIndices.append(
          {dk.floorDiv(kh * kw), dp.floorDiv(ow) * strides[0] + tap.floorDiv(kw) * dilations[0],
           (dp % ow) * strides[1] + (dk % kw) * dilations[1]});
    }
    AffineMap inputMap = AffineMap::get(loops, 0, inputIndices, ctx);
    SmallVector<int64_t> groupAxis = conv->grouped ? SmallVector<int64_t>{group}
                                                   : SmallVector<int64_t>{};
    Value w2 = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get(shapeOf(groupAxis, {f, k}), inElement), weight,
        joining(lead - 1, {1, 3}));
    auto out3Type = RankedTensorType::get(
        shapeOf(outType.getShape().take_front(lead), {f, p}), outType.getElementType());
    SmallVector<ReassociationIndices> outSplit = joining(lead, {1, 2});
    Value out3 = startOverProduct(rewriter, loc, init, out3Type);
    if (!out3)
      out3 = tensor::CollapseShapeOp::create(rewriter, loc, out3Type, init, outSplit);

    // The product over (n, (g,) f, p, k), with the convolution's own body
    // (the multiply-add, with its casts) on (input, weight, out).
    SmallVector<AffineExpr> wIndices(ArrayRef(outer).drop_front()), outIndices(outer);
    wIndices.append({df, dk});
    outIndices.append({df, dp});
    SmallVector<AffineMap> maps = {AffineMap::get(loops, 0, wIndices, ctx), inputMap,
                                   AffineMap::get(loops, 0, outIndices, ctx)};
    SmallVector<utils::IteratorType> iterators(loops - 1, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Block &convBody = op->getRegion(0).front();
    auto product = linalg::GenericOp::create(
        rewriter, loc, out3Type, ValueRange{w2, source}, out3, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          // The convolution's block arguments are (input, weight, out).
          IRMapping mapping;
          mapping.map(convBody.getArgument(0), args[1]);
          mapping.map(convBody.getArgument(1), args[0]);
          mapping.map(convBody.getArgument(2), args[2]);
          for (Operation &bodyOp : convBody.without_terminator())
            b.clone(bodyOp, mapping);
          linalg::YieldOp::create(
              b, l, mapping.lookup(convBody.getTerminator()->getOperand(0)));
        });
    // (kiln-tile-for-gpu moves the consumer of this view onto the
    // product's own, markStagedFusion.)
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, outType, product.getResult(0),
                                                       outSplit);
    return success();
  }
};

/// The source of `v` and the map from `v`'s indices to the source's, where
/// `v` is a reshape (tensor.expand_shape, tensor.collapse_shape) of static
/// tensors or a transpose (linalg.transpose, or a generic that copies its
/// input through a permutation), which sets `moves`.
std::optional<std::pair<Value, AffineMap>> viewSource(Value v, bool &moves) {
  MLIRContext *ctx = v.getContext();
  Operation *def = v.getDefiningOp();
  auto type = llvm::dyn_cast<RankedTensorType>(v.getType());
  if (!def || !type || !type.hasStaticShape())
    return std::nullopt;
  unsigned rank = type.getRank();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  SmallVector<AffineExpr> results;
  if (auto collapse = llvm::dyn_cast<tensor::CollapseShapeOp>(def)) {
    // Each collapsed index is its group's source indices, delinearized.
    for (auto [g, group] : llvm::enumerate(collapse.getReassociationIndices()))
      llvm::append_range(results,
                         delinearizeGroup(dim(g), collapse.getSrcType().getShape(), group));
    return std::pair(collapse.getSrc(), AffineMap::get(rank, 0, results, ctx));
  }
  if (auto expand = llvm::dyn_cast<tensor::ExpandShapeOp>(def)) {
    // Each source index is its group's expanded indices, linearized.
    for (const ReassociationIndices &group : expand.getReassociationIndices()) {
      SmallVector<AffineExpr> indices;
      SmallVector<int64_t> sizes;
      for (int64_t t : group) {
        indices.push_back(dim(t));
        sizes.push_back(type.getDimSize(t));
      }
      results.push_back(linearizeIndices(ctx, indices, sizes));
    }
    return std::pair(expand.getSrc(), AffineMap::get(rank, 0, results, ctx));
  }
  if (auto transpose = llvm::dyn_cast<linalg::TransposeOp>(def)) {
    // Result dimension k runs along the input's permutation[k].
    results.assign(rank, AffineExpr());
    for (auto [k, from] : llvm::enumerate(transpose.getPermutation()))
      results[from] = dim(k);
    moves = true;
    return std::pair(transpose.getInput(), AffineMap::get(rank, 0, results, ctx));
  }
  auto copy = llvm::dyn_cast<linalg::GenericOp>(def);
  if (copy && copy.getNumDpsInputs() == 1 && copy->getNumResults() == 1 &&
      copy.getNumLoops() == copy.getNumParallelLoops() &&
      copy.getMatchingIndexingMap(copy.getDpsInitOperand(0)).isIdentity() &&
      copy.getMatchingIndexingMap(copy.getDpsInputOperand(0)).isPermutation() &&
      copy.getBlock()->getTerminator()->getOperand(0) ==
          copy.getMatchingBlockArgument(copy.getDpsInputOperand(0))) {
    moves = true;
    return std::pair(copy.getDpsInputs()[0],
                     copy.getMatchingIndexingMap(copy.getDpsInputOperand(0)));
  }
  return std::nullopt;
}

/// Whether the staging's 16 consecutive values of loop `fast` (16-aligned:
/// the k values of an A row, the columns of a B row a half warp copies)
/// are 16 consecutive elements of a row-major tensor of `shape` that
/// `access` reads, at a few points of `ranges`: the copy stays coalesced.
bool readsConsecutive(AffineMap access, ArrayRef<int64_t> shape, ArrayRef<int64_t> ranges,
                      unsigned fast) {
  MLIRContext *ctx = access.getContext();
  auto address = [&](ArrayRef<int64_t> point) -> std::optional<int64_t> {
    SmallVector<Attribute> operands;
    for (int64_t v : point)
      operands.push_back(IntegerAttr::get(IndexType::get(ctx), v));
    SmallVector<Attribute> indices;
    if (failed(access.constantFold(operands, indices)))
      return std::nullopt;
    int64_t linear = 0;
    for (auto [index, size] : llvm::zip(indices, shape))
      linear = linear * size + llvm::cast<IntegerAttr>(index).getInt();
    return linear;
  };
  for (int64_t at : {0, 1, 2}) {
    SmallVector<int64_t> point;
    for (int64_t range : ranges)
      point.push_back(at == 0 ? 0 : at == 1 ? range / 2 : range - 1);
    int64_t stride = 16 * std::max<int64_t>(1, ranges[fast] / 64);
    for (int64_t start = 0; start < ranges[fast]; start += stride) {
      point[fast] = start;
      std::optional<int64_t> first = address(point);
      for (int64_t j = 1; j < 16 && start + j < ranges[fast]; ++j) {
        point[fast] = start + j;
        std::optional<int64_t> next = address(point);
        if (!first || !next || *next != *first + j)
          return false;
      }
    }
  }
  return true;
}

/// Whether `op` with input `input` read at `access` from a tensor of
/// `shape` is still a valid linalg op: each loop is some operand's index by
/// itself (its range then comes from that operand's size), and such an
/// index spans the loop's range. An attention's queries read in place from
/// [T, H*D] at (t, 64 h + d) leave d alone in no map if the keys are read
/// so too; read from the free view [1, T, H, D] at (0, t, h, d) they do.
bool keepsLoops(linalg::LinalgOp op, unsigned input, AffineMap access, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  maps[input] = access;
  llvm::SmallBitVector alone(op.getNumLoops());
  for (auto [number, map] : llvm::enumerate(maps)) {
    ArrayRef<int64_t> sizes =
        number == input ? shape : op.getShape(&op->getOpOperand(number));
    for (auto [index, size] : llvm::zip(map.getResults(), sizes)) {
      auto dim = llvm::dyn_cast<AffineDimExpr>(index);
      if (!dim)
        continue;
      if (size != ranges[dim.getPosition()])
        return false;
      alone.set(dim.getPosition());
    }
  }
  return alone.all();
}

/// A product the staged kernels could take that reads an input through
/// transposes and reshapes (an attention's heads: a projection's [T, H*D]
/// result expanded to [1, T, H, D], transposed to [1, H, T, D] and
/// collapsed to [H, T, D]) reads the source in place instead, through the
/// composed map, where the staging's copy stays coalesced: the transposes
/// are no kernels.
struct ReadPermutedInputsInPlace : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op, PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op->getParentOfType<scf::ForallOp>() ||
        llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
      return rewriter.notifyMatchFailure(op, "not a static op on tensors");
    std::optional<StagedMatmul> matmul =
        matchStagedMatmul(op, /*minBlocks=*/1, /*tf32=*/true, /*halfTensorCores=*/true);
    if (!matmul)
      return rewriter.notifyMatchFailure(op, "not a product the staged kernels take");
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    // (A's staging copies along k; B's along n, or along k where B runs
    // along k in memory: StagedMatmul.cpp's stagesColumnsAlongK.)
    for (auto [inputNumber, fast, orFast] :
         {std::tuple(matmul->rowInput, matmul->k, matmul->k),
          std::tuple(matmul->columnInput, matmul->n, matmul->k)}) {
      const unsigned input = inputNumber;  // (captured below)
      OpOperand *operand = op.getDpsInputOperand(input);
      Value v = operand->get(), source;
      AffineMap access = op.getMatchingIndexingMap(operand), sourceAccess;
      SmallVector<Operation *> chain, sourceChain;
      bool moves = false;
      while (v.hasOneUse()) {
        std::optional<std::pair<Value, AffineMap>> step = viewSource(v, moves);
        if (!step)
          break;
        chain.push_back(v.getDefiningOp());
        v = step->first;
        access = simplifyAffineMap(step->second.compose(access));
        ArrayRef<int64_t> shape = llvm::cast<ShapedType>(v.getType()).getShape();
        if (moves && keepsLoops(op, input, access, shape) &&
            (readsConsecutive(access, shape, ranges, fast) ||
             readsConsecutive(access, shape, ranges, orFast))) {
          source = v;
          sourceAccess = access;
          sourceChain = chain;
        }
      }
      if (!source)
        continue;
      auto generic = llvm::dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        FailureOr<linalg::GenericOp> generalized = linalg::generalizeNamedOp(rewriter, op);
        if (failed(generalized))
          return failure();
        generic = *generalized;
      }
      SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
      maps[input] = sourceAccess;
      rewriter.modifyOpInPlace(generic, [&] {
        generic->setOperand(input, source);
        generic.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
      });
      for (Operation *view : sourceChain)
        rewriter.eraseOp(view);
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no input read through a transpose");
  }
};

struct ConvToStagedMatmulPass : impl::ConvToStagedMatmulBase<ConvToStagedMatmulPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    mergeSiblingProducts(rewriter, getOperation());
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToStagedMatmulPattern, ReadPermutedInputsInPlace>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::gpu
