//===- WidenHalfOperands.cpp - 16-bit float products in f32 ---------------===//
//
// The graph lowering builds a matrix product or convolution of f16 or bf16
// tensors as a named linalg op reading the 16-bit operands into an f32
// accumulator (the op's body extends each factor), rounded to the 16-bit
// type once at the end. On the CPU, this pass gives such an op f32 operands
// instead: constants converted at compile time, a constant pad rebuilt
// around its widened source (so it is still a pad for the passes that read
// taps in place), anything else extended by an elementwise generic. The
// sums are the same (the extension is exact), and the op then takes the f32
// micro-kernels, packed weights and convolution forms. x86 CPUs without
// AVX512-FP16 have no 16-bit float arithmetic, so a 16-bit micro-kernel
// would convert every operand on every use: test/gpu/Inputs/half_convs ran
// in 5.2 ms at one thread that way, 0.105 ms widened (kiln-run
// --benchmark, docs/performance.md).
//
//===----------------------------------------------------------------------===//

#include "codegen/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_WIDENHALFOPERANDS
#include "codegen/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace kiln::cpu {
namespace {

bool isHalf(Value v) {
  Type t = getElementTypeOrSelf(v.getType());
  return t.isF16() || t.isBF16();
}

/// `x` (a 16-bit float) as an f32, exactly.
APFloat toF32(APFloat x) {
  bool lost = false;
  x.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven, &lost);
  return x;
}

/// `v` (a tensor of 16-bit floats) with its elements extended to f32.
Value widenToF32(PatternRewriter &rewriter, Location loc, Value v) {
  auto type = llvm::cast<RankedTensorType>(v.getType());
  Type f32 = rewriter.getF32Type();
  auto wideType = RankedTensorType::get(type.getShape(), f32);
  DenseElementsAttr values;
  if (matchPattern(v, m_Constant(&values)))
    return arith::ConstantOp::create(
        rewriter, loc,
        values.mapValues(f32, [](const APFloat &x) { return toF32(x).bitcastToAPInt(); }));
  FloatAttr padValue;
  auto pad = v.getDefiningOp<tensor::PadOp>();
  if (pad && pad.getConstantPaddingValue() &&
      matchPattern(pad.getConstantPaddingValue(), m_Constant(&padValue))) {
    return tensor::PadOp::create(
        rewriter, loc, wideType, widenToF32(rewriter, loc, pad.getSource()),
        pad.getMixedLowPad(), pad.getMixedHighPad(),
        arith::ConstantOp::create(rewriter, loc, FloatAttr::get(f32, toF32(padValue.getValue()))),
        pad.getNofold());
  }
  AffineMap identity = rewriter.getMultiDimIdentityMap(type.getRank());
  Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(), f32);
  return linalg::GenericOp::create(
             rewriter, loc, wideType, v, empty, SmallVector<AffineMap>{identity, identity},
             SmallVector<utils::IteratorType>(type.getRank(), utils::IteratorType::parallel),
             [&](OpBuilder &b, Location l, ValueRange args) {
               linalg::YieldOp::create(b, l, ValueRange{arith::ExtFOp::create(b, l, f32, args[0])});
             })
      .getResult(0);
}

/// The same op as `op` on `inputs`.
Operation *rebuild(PatternRewriter &rewriter, linalg::MatmulOp op, ValueRange inputs) {
  return linalg::MatmulOp::create(rewriter, op.getLoc(), inputs, op.getDpsInits());
}
Operation *rebuild(PatternRewriter &rewriter, linalg::BatchMatmulOp op, ValueRange inputs) {
  return linalg::BatchMatmulOp::create(rewriter, op.getLoc(), inputs, op.getDpsInits());
}
template <typename ConvOp>
Operation *rebuild(PatternRewriter &rewriter, ConvOp op, ValueRange inputs) {
  return ConvOp::create(rewriter, op.getLoc(), op->getResultTypes(), inputs, op.getDpsInits(),
                        op.getStrides(), op.getDilations());
}

/// Whether `op` has the default indexing maps (matmuls may carry
/// transposing ones, which the rebuilt op would not).
bool hasDefaultMaps(linalg::MatmulOp op) { return !op.hasUserDefinedMaps(); }
bool hasDefaultMaps(linalg::BatchMatmulOp op) { return !op.hasUserDefinedMaps(); }
bool hasDefaultMaps(Operation *) { return true; }

/// A named product (OpTy) of 16-bit float operands into an f32 accumulator
/// as the same op on the operands extended to f32. Named ops extend their
/// inputs to the output's type in their bodies, so only the operands change.
template <typename OpTy>
struct WidenHalfOperandsPattern : OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(OpTy op, PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 || !hasDefaultMaps(op) ||
        !getElementTypeOrSelf(op.getDpsInits()[0].getType()).isF32() ||
        !llvm::all_of(op.getDpsInputs(), isHalf))
      return rewriter.notifyMatchFailure(op, "not 16-bit float operands into f32");
    SmallVector<Value> inputs = llvm::map_to_vector(
        op.getDpsInputs(), [&](Value v) { return widenToF32(rewriter, op.getLoc(), v); });
    rewriter.replaceOp(op, rebuild(rewriter, op, inputs)->getResults());
    return success();
  }
};

struct WidenHalfOperandsPass : impl::WidenHalfOperandsBase<WidenHalfOperandsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<WidenHalfOperandsPattern<linalg::MatmulOp>,
                 WidenHalfOperandsPattern<linalg::BatchMatmulOp>,
                 WidenHalfOperandsPattern<linalg::Conv2DNchwFchwOp>,
                 WidenHalfOperandsPattern<linalg::DepthwiseConv2DNchwChwOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::cpu
