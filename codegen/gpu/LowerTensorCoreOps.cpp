//===- LowerTensorCoreOps.cpp - What the tensor-core kernels need lowered -===//
//
// Three things the staged matmul's tensor-core kernels contain that the
// upstream device conversions (MLIR 22) do not lower, or not well:
//
// - bf16 mmas. Upstream's nvgpu-to-nvvm conversion lowers nvgpu.mma.sync
//   for f16, TF32 and integer inputs but not for bf16 ("failed to deduce
//   operand PTX types"), although the hardware's m16n8k16 mma takes bf16
//   inputs with f32 accumulators (sm_80 on) and NVVM has the op. Each row
//   of the A (vector<4x2xbf16>) and B (vector<2x2xbf16>) fragments, two
//   bf16 values, becomes the 32-bit register the PTX instruction reads;
//   the accumulator's four f32 elements go in and come out as
//   nvvm.mma.sync's operands and result struct. The lane layout is the
//   f16 form's.
// - Fragments read as one vector and reshaped into the mma's registers x
//   values (vector.shape_cast to two dimensions), which the GPU-to-NVVM
//   conversion does not take: upstream's shape_cast lowering rewrites them
//   into extracts and inserts (and, for pairs of halves, strided slices,
//   which become shuffles) of one dimension.
// - TF32 rounding. The kernel rounds f32 inputs to TF32 with integer
//   arithmetic (roundToTf32 in StagedMatmul.cpp: add half an ulp, or for
//   ties to even half an ulp less one plus the lowest kept bit, clear the
//   low 13 bits, keep NaNs), which the CPU emulation runs too, and
//   marks the result kTf32RoundingAttr; on the device, a marked rounding
//   becomes one cvt.rna.tf32.f32, the same rounding (to nearest, ties away
//   from zero), or where the mark says ties to even (sm_90 and newer,
//   whose cvt.rn.tf32.f32 is one instruction and cvt.rna three), one
//   cvt.rn.tf32.f32. A rounding that lost its mark stays the arithmetic:
//   slower, never different.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Passes.h"

#include "codegen/gpu/StagedMatmul.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_LOWERTENSORCOREOPS
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

bool isBf16Mma(nvgpu::MmaSyncOp mma) {
  return llvm::cast<VectorType>(mma.getMatrixA().getType()).getElementType().isBF16();
}

/// The bf16 form this pass lowers: m16n8k16, A vector<4x2xbf16>, B
/// vector<2x2xbf16>, C vector<2x2xf32>.
bool isLowerableBf16Mma(nvgpu::MmaSyncOp mma) {
  auto aType = llvm::cast<VectorType>(mma.getMatrixA().getType());
  auto bType = llvm::cast<VectorType>(mma.getMatrixB().getType());
  auto cType = llvm::cast<VectorType>(mma.getMatrixC().getType());
  return mma.getMmaShapeAsArray() == std::array<int64_t, 3>{16, 8, 16} &&
         aType.getElementType().isBF16() && aType.getShape() == ArrayRef<int64_t>{4, 2} &&
         bType.getElementType().isBF16() && bType.getShape() == ArrayRef<int64_t>{2, 2} &&
         cType.getElementType().isF32() && cType.getShape() == ArrayRef<int64_t>{2, 2};
}

struct Bf16MmaToNVVM : OpRewritePattern<nvgpu::MmaSyncOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(nvgpu::MmaSyncOp mma,
                                PatternRewriter &rewriter) const override {
    if (!isLowerableBf16Mma(mma))
      return rewriter.notifyMatchFailure(mma, "not the m16n8k16 bf16 mma");
    auto cType = llvm::cast<VectorType>(mma.getMatrixC().getType());
    Location loc = mma.getLoc();
    Type i32 = rewriter.getI32Type(), f32 = rewriter.getF32Type();
    // Row r of a fragment: its two bf16 values as one 32-bit register.
    auto registers = [&](Value fragment, int64_t rows) {
      SmallVector<Value> words;
      for (int64_t r = 0; r < rows; ++r) {
        Value pair = vector::ExtractOp::create(rewriter, loc, fragment, ArrayRef<int64_t>{r});
        Value word =
            vector::BitCastOp::create(rewriter, loc, VectorType::get({1}, i32), pair);
        words.push_back(vector::ExtractOp::create(rewriter, loc, word, ArrayRef<int64_t>{0}));
      }
      return words;
    };
    SmallVector<Value> a = registers(mma.getMatrixA(), 4);
    SmallVector<Value> b = registers(mma.getMatrixB(), 2);
    SmallVector<Value> c;
    for (int64_t v = 0; v < 4; ++v)
      c.push_back(vector::ExtractOp::create(rewriter, loc, mma.getMatrixC(),
                                            ArrayRef<int64_t>{v / 2, v % 2}));
    auto resultType =
        LLVM::LLVMStructType::getLiteral(rewriter.getContext(), {f32, f32, f32, f32});
    auto product = NVVM::MmaOp::create(
        rewriter, loc, resultType, a, b, c, ArrayRef<int64_t>{16, 8, 16},
        /*b1Op=*/std::nullopt,
        /*intOverflow=*/std::nullopt,
        std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16, NVVM::MMATypes::bf16},
        std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row, NVVM::MMALayout::col});
    SmallVector<Value> elements;
    for (int64_t v = 0; v < 4; ++v)
      elements.push_back(LLVM::ExtractValueOp::create(rewriter, loc, product, v));
    rewriter.replaceOpWithNewOp<vector::FromElementsOp>(mma, cType, elements);
    return success();
  }
};

/// A TF32 rounding the staged matmul marked (an arith.select of the
/// input, if NaN, or its rounded bits) as one cvt.rna.tf32.f32 of the
/// input, or cvt.rn.tf32.f32 where marked kTf32TiesToEven.
struct Tf32RoundingToNVVM : OpRewritePattern<arith::SelectOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(arith::SelectOp select,
                                PatternRewriter &rewriter) const override {
    if (!select->hasAttr(kTf32RoundingAttr) || !select.getType().isF32())
      return rewriter.notifyMatchFailure(select, "not a marked TF32 rounding");
    Location loc = select.getLoc();
    auto mode = llvm::dyn_cast<StringAttr>(select->getAttr(kTf32RoundingAttr));
    bool tiesToEven = mode && mode.getValue() == kTf32TiesToEven;
    Value bits = NVVM::ConvertFloatToTF32Op::create(
        rewriter, loc, rewriter.getI32Type(), select.getTrueValue(),
        tiesToEven ? NVVM::FPRoundingMode::RN : NVVM::FPRoundingMode::RNA,
        NVVM::SaturationMode::NONE, /*relu=*/false);
    rewriter.replaceOpWithNewOp<arith::BitcastOp>(select, select.getType(), bits);
    return success();
  }
};

struct LowerTensorCoreOpsPass : impl::LowerTensorCoreOpsBase<LowerTensorCoreOpsPass> {
  void runOnOperation() override {
    WalkResult unsupported = getOperation()->walk([](nvgpu::MmaSyncOp mma) {
      if (!isBf16Mma(mma) || isLowerableBf16Mma(mma))
        return WalkResult::advance();
      mma.emitError("internal error: of the bf16 mmas, only m16n8k16 with f32 "
                    "accumulators is lowered");
      return WalkResult::interrupt();
    });
    if (unsupported.wasInterrupted())
      return signalPassFailure();
    RewritePatternSet patterns(&getContext());
    patterns.add<Bf16MmaToNVVM, Tf32RoundingToNVVM>(&getContext());
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    // (Which leaves 1-D strided slices for pairs of halves: shuffles.)
    vector::populateVectorInsertExtractStridedSliceTransforms(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace
} // namespace kiln::gpu
