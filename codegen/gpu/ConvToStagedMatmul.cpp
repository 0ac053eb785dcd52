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
// elements of a step share one k. The direct convolution the product
// replaces ran one output per thread, each reading its C*KH*KW inputs and
// weights from global memory.
//
// The reduction runs over k = (c * KH + kh) * KW + kw, the order of the
// convolution's own loops. A product with few outputs and a long reduction
// (ResNet-50's last 3x3 layers) has its k cut into slices by
// kiln-tile-for-gpu (SplitProduct.h), where the convolution would have got
// a block per output.
//
// The tensor cores take the product where they take a matmul: f32 with
// --gpu-tf32, f16/bf16 inputs with an f32 accumulator, which is how the
// graph lowering builds an ONNX f16 or bf16 Conv.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Passes.h"

#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/StagedMatmul.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

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
/// read by nothing else) rebuilt over the product's [N, F, OH*OW] view
/// (`viewType`), or null: the staged kernel can then take
/// it in (markStagedFusion), where it would not look through a reshape.
Value startOverProduct(PatternRewriter &rewriter, Location loc, Value init,
                       RankedTensorType viewType) {
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
  // Its input maps over (n, f, p) instead of (n, f, h, w): h and w may not
  // appear (a bias read per filter does not).
  SmallVector<AffineMap> maps;
  for (OpOperand *input : generic.getDpsInputOperands()) {
    AffineMap map = generic.getMatchingIndexingMap(input);
    if (map.isFunctionOfDim(2) || map.isFunctionOfDim(3))
      return {};
    maps.push_back(AffineMap::get(3, 0, map.getResults(), rewriter.getContext()));
  }
  maps.push_back(rewriter.getMultiDimIdentityMap(3));
  Value empty =
      tensor::EmptyOp::create(rewriter, loc, viewType.getShape(), viewType.getElementType());
  auto rebuilt = linalg::GenericOp::create(
      rewriter, loc, viewType, generic.getInputs(), empty, maps,
      SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel));
  rewriter.cloneRegionBefore(generic.getRegion(), rebuilt.getRegion(), rebuilt.getRegion().end());
  return rebuilt.getResult(0);
}

struct ConvToStagedMatmulPattern : OpRewritePattern<linalg::Conv2DNchwFchwOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNchwFchwOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return rewriter.notifyMatchFailure(op, "needs tensors");
    Value input = op.getInputs()[0], weight = op.getInputs()[1], init = op.getOutputs()[0];
    auto inType = llvm::cast<RankedTensorType>(input.getType());
    auto wType = llvm::cast<RankedTensorType>(weight.getType());
    auto outType = llvm::cast<RankedTensorType>(init.getType());
    if (!inType.hasStaticShape() || !wType.hasStaticShape() || !outType.hasStaticShape() ||
        !llvm::isa<FloatType>(inType.getElementType()) ||
        inType.getElementType() != wType.getElementType() ||
        !llvm::isa<FloatType>(outType.getElementType()))
      return rewriter.notifyMatchFailure(op, "needs static float tensors");
    int64_t n = inType.getDimSize(0), c = inType.getDimSize(1);
    int64_t f = wType.getDimSize(0), kh = wType.getDimSize(2), kw = wType.getDimSize(3);
    int64_t oh = outType.getDimSize(2), ow = outType.getDimSize(3);
    int64_t k = c * kh * kw, p = oh * ow;
    if (!fitsStagedTiles(f, p))
      return rewriter.notifyMatchFailure(op, "the product would not be staged");
    SmallVector<int64_t> strides = llvm::to_vector(op.getStrides().getValues<int64_t>());
    SmallVector<int64_t> dilations = llvm::to_vector(op.getDilations().getValues<int64_t>());
    Type inElement = inType.getElementType();
    bool direct = kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
                  inType.getDimSize(2) == oh && inType.getDimSize(3) == ow;

    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    // The product's loops (n, f, p, k).
    AffineExpr dn, df, dp, dk;
    bindDims(ctx, dn, df, dp, dk);
    // The product reads the input where col[n, k, p] would be: a unit-stride
    // 1x1 convolution's input is col, seen as [N, C, OH*OW]; any other's
    // element (k, p) is in[n, c, y SH + i DH, x SW + j DW] with
    // k = (c KH + i) KW + j and p = y OW + x, read in place.
    Value source = input;
    AffineMap inputMap;
    if (direct) {
      source = tensor::CollapseShapeOp::create(
          rewriter, loc, RankedTensorType::get({n, k, p}, inElement), input,
          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
      inputMap = AffineMap::get(4, 0, {dn, dk, dp}, ctx);
    } else {
      AffineExpr tap = dk % (kh * kw);
      inputMap = AffineMap::get(
          4, 0,
          {dn, dk.floorDiv(kh * kw), dp.floorDiv(ow) * strides[0] + tap.floorDiv(kw) * dilations[0],
           (dp % ow) * strides[1] + (dk % kw) * dilations[1]},
          ctx);
    }
    Value w2 = tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({f, k}, inElement), weight,
        SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
    auto out3Type = RankedTensorType::get({n, f, p}, outType.getElementType());
    SmallVector<ReassociationIndices> outSplit = {{0}, {1}, {2, 3}};
    Value out3 = startOverProduct(rewriter, loc, init, out3Type);
    if (!out3)
      out3 = tensor::CollapseShapeOp::create(rewriter, loc, out3Type, init, outSplit);

    // The product over (n, f, p, k), with the convolution's own body (the
    // multiply-add, with its casts) on (input, weight, out).
    SmallVector<AffineMap> maps = {AffineMap::get(4, 0, {df, dk}, ctx), inputMap,
                                   AffineMap::get(4, 0, {dn, df, dp}, ctx)};
    SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
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

struct ConvToStagedMatmulPass : impl::ConvToStagedMatmulBase<ConvToStagedMatmulPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToStagedMatmulPattern>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::gpu
