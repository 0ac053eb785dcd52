//===- SplitGroupedConvs.cpp - A named convolution a group on the CPU -----===//
//
// The graph lowering builds a grouped convolution as one generic over all
// groups (passes/dispatch/GroupedConvolution.h). On the CPU that generic
// runs as nested loops; a named convolution (kiln-conv-to-matmul's im2col
// product on the micro-kernel) is much faster where a group's reduction is
// long. So a grouped convolution whose groups each reduce over at least
// kMinGroupReduction products (input channels a group x window taps), of at
// most kMaxGroupConvolutions groups, becomes one linalg.conv_2d_nchw_fchw a
// group, on channel slices of [N, G * C, H, W] views of its operands,
// inserted back at the group's output channels; the others stay one
// generic, which also spreads over the threads where a group's small
// convolution does not.
//
// On this machine's CPU (`bench/layers.py` layers, timed by `bench/ab.py`
// with --threads 1,2; median ms of a convolution a group -> one generic, at
// 1 and 2 threads): 32 groups of 2 channels, 3x3, 56x56 (18 products)
// 0.171 -> 0.130 and 0.225 -> 0.064; of 4 (36) 0.364 -> 0.491 and 0.455 ->
// 0.266; of 8, 28x28 (72) 0.329 -> 4.385 at 1 thread. An op a group makes
// compile time grow faster than the group count (one-shot bufferization's
// analysis of the slices' chain: 32 groups of 1-D convolutions of one
// channel took 53 s), hence the bound on the groups.
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "passes/dispatch/GroupedConvolution.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_SPLITGROUPEDCONVS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

/// The fewest products a group's reduction needs to run as a named
/// convolution (see above).
constexpr int64_t kMinGroupReduction = 64;
/// The most groups that run as one named convolution each: ResNeXt's 32
/// (its 3x3 layers compile in 4-6 s each that way).
constexpr int64_t kMaxGroupConvolutions = 32;

/// `v` [N, G, C, ...] (groups split at axis `at`) seen as [N, G * C, ...].
/// A padding of the split input (kiln-fuse-elementwise moves the split
/// before it) is rebuilt on the unsplit source instead, as the graph
/// lowering built it, which the CPU's taps read without a copy.
Value joinedView(OpBuilder &b, Location loc, Value v, int64_t at) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank() - 1;
  if (auto pad = v.getDefiningOp<tensor::PadOp>()) {
    auto split = pad.getSource().getDefiningOp<tensor::ExpandShapeOp>();
    Value padding = pad.getConstantPaddingValue();
    if (split && padding &&
        split.getReassociationIndices() == dispatch::groupSplit(rank, at) &&
        pad.getStaticLow()[at] == 0 && pad.getStaticLow()[at + 1] == 0 &&
        pad.getStaticHigh()[at] == 0 && pad.getStaticHigh()[at + 1] == 0 &&
        !llvm::is_contained(pad.getStaticLow(), ShapedType::kDynamic) &&
        !llvm::is_contained(pad.getStaticHigh(), ShapedType::kDynamic)) {
      SmallVector<int64_t> low(pad.getStaticLow()), high(pad.getStaticHigh());
      low.erase(low.begin() + at);
      high.erase(high.begin() + at);
      SmallVector<OpFoldResult> lowAttrs, highAttrs;
      for (auto [l, h] : llvm::zip(low, high)) {
        lowAttrs.push_back(b.getIndexAttr(l));
        highAttrs.push_back(b.getIndexAttr(h));
      }
      return tensor::PadOp::create(b, loc, Type(), split.getSrc(), lowAttrs, highAttrs,
                                   padding, pad.getNofold());
    }
  }
  SmallVector<int64_t> shape(type.getShape());
  shape[at] *= shape[at + 1];
  shape.erase(shape.begin() + at + 1);
  return tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), v, dispatch::groupSplit(rank, at));
}

/// The slice of `v` [N, M, ...] at `offset` along axis `axis`, `size` long.
Value channelSlice(OpBuilder &b, Location loc, Value v, int64_t axis, int64_t offset,
                   int64_t size) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes, strides;
  for (int64_t extent : type.getShape()) {
    sizes.push_back(b.getIndexAttr(extent));
    strides.push_back(b.getIndexAttr(1));
  }
  offsets[axis] = b.getIndexAttr(offset);
  sizes[axis] = b.getIndexAttr(size);
  return tensor::ExtractSliceOp::create(b, loc, v, offsets, sizes, strides);
}

struct SplitGroupedConvsPass : impl::SplitGroupedConvsBase<SplitGroupedConvsPass> {
  void runOnOperation() override {
    // (The ops, matched again one at a time: rewriting one replaces its
    // result, which another may read.)
    SmallVector<linalg::GenericOp> ops;
    getOperation().walk([&](linalg::GenericOp op) { ops.push_back(op); });
    for (linalg::GenericOp op : ops) {
      std::optional<dispatch::GroupedConvolution> matched =
          dispatch::matchGroupedConvolution(op);
      if (!matched || !op.hasPureTensorSemantics())
        continue;
      dispatch::GroupedConvolution conv = *matched;
      auto wType = llvm::cast<RankedTensorType>(conv.weight.getType());
      if (!wType.hasStaticShape() ||
          !llvm::cast<ShapedType>(conv.input.getType()).hasStaticShape() ||
          !llvm::cast<ShapedType>(conv.init.getType()).hasStaticShape())
        continue;
      int64_t groups = wType.getDimSize(0);
      int64_t products = wType.getDimSize(2) * wType.getDimSize(3) * wType.getDimSize(4);
      if (groups > kMaxGroupConvolutions || products < kMinGroupReduction)
        continue;
      OpBuilder b(op);
      Location loc = op.getLoc();
      int64_t filters = wType.getDimSize(1), channels = wType.getDimSize(2);
      Value input = joinedView(b, loc, conv.input, 1);
      Value weight = joinedView(b, loc, conv.weight, 0);
      Value result = joinedView(b, loc, conv.init, 1);
      auto strides = b.getI64TensorAttr(conv.strides);
      auto dilations = b.getI64TensorAttr(conv.dilations);
      for (int64_t g = 0; g < groups; ++g) {
        Value acc = channelSlice(b, loc, result, 1, g * filters, filters);
        Value c = linalg::Conv2DNchwFchwOp::create(
                      b, loc, acc.getType(),
                      ValueRange{channelSlice(b, loc, input, 1, g * channels, channels),
                                 channelSlice(b, loc, weight, 0, g * filters, filters)},
                      acc, strides, dilations)
                      .getResult(0);
        auto accType = llvm::cast<RankedTensorType>(acc.getType());
        SmallVector<OpFoldResult> offsets(4, b.getIndexAttr(0)), sizes, ones(4, b.getIndexAttr(1));
        offsets[1] = b.getIndexAttr(g * filters);
        for (int64_t extent : accType.getShape())
          sizes.push_back(b.getIndexAttr(extent));
        result = tensor::InsertSliceOp::create(b, loc, c, result, offsets, sizes, ones);
      }
      Value split = tensor::ExpandShapeOp::create(b, loc, op.getResultTypes()[0], result,
                                                  dispatch::groupSplit(4, 1));
      op->getResult(0).replaceAllUsesWith(split);
      op->erase();
      // The split operands' views (a padding, a reshape) that only the
      // convolution read.
      for (Value operand : {conv.input, conv.weight, conv.init}) {
        while (Operation *def = operand.getDefiningOp()) {
          if (!def->use_empty() ||
              !llvm::isa<tensor::PadOp, tensor::ExpandShapeOp, tensor::CollapseShapeOp>(def))
            break;
          operand = def->getOperand(0);
          def->erase();
        }
      }
    }
  }
};

} // namespace
} // namespace kiln::cpu
