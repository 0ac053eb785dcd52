//===- AccumulateInRegisters.cpp - A thread's reductions in registers -----===//
//
// A kernel that gives each thread whole outputs of a reduction (one output
// element a thread, or a whole op on one thread) keeps its linalg op until
// the device lowering, whose linalg-to-loops conversion loads and stores
// the output element at every step of the reduction: LLVM cannot keep it
// in a register, because the output buffer may alias the inputs as far as
// it knows. A recurrent step's 1x128 by 128x384 product then stored each
// output 128 times.
//
// This pass lowers such ops itself, inside the kernels (gpu.launch) and
// before the device and emulation pipelines part: loops over the parallel
// dimensions, the outputs' elements loaded once, loops over the reduction
// dimensions carrying them as values, one store each at the end. A fill
// of the output right before the op, or an all-parallel generic that
// writes it whole there (kiln-tile-for-gpu tiles a direct reduction's own
// start, such as a convolution's bias, with it), becomes the start value
// instead: the fill's value, or the generic's element computed where the
// output's is. Each
// output still folds its reduction in the same order (its reduction
// indices in lexicographic order, as in the op's own loop nest). A body
// acc + x * y on floats becomes one fused multiply-add, as the staged
// matmuls compute it: one rounding instead of two.
//
//===----------------------------------------------------------------------===//

#include "codegen/gpu/Mapping.h"
#include "codegen/gpu/Passes.h"
#include "codegen/gpu/StagedMatmul.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace kiln::gpu {
#define GEN_PASS_DEF_ACCUMULATEINREGISTERS
#include "codegen/gpu/Passes.h.inc"
} // namespace kiln::gpu

using namespace mlir;

namespace kiln::gpu {
namespace {

/// Whether `op` is one this pass lowers: on buffers, with static loop
/// ranges and at least one reduction loop, and outputs that do not read
/// the reduction loops (each output element is one reduction).
bool accumulates(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumReductionLoops() == 0 ||
      llvm::any_of(op.getStaticLoopRanges(), ShapedType::isDynamic))
    return false;
  auto iterators = op.getIteratorTypesArray();
  for (OpOperand &init : op.getDpsInitsMutable()) {
    AffineMap map = op.getMatchingIndexingMap(&init);
    for (auto [dim, iterator] : llvm::enumerate(iterators))
      if (iterator == utils::IteratorType::reduction && map.isFunctionOfDim(dim))
        return false;
  }
  return true;
}

/// Whether `start` (on buffers) writes the output of `op`, its one init,
/// whole and without reading it (overwritesOutput: a fill, a bias
/// broadcast), reading buffers other than the output's only (so that
/// computing its element where the output's is folded reads what it would
/// have read before `op`). (Intermediates that kiln-plan-workspace placed
/// in the workspace share its root: a start reading one stays an op.)
bool startsOutput(linalg::LinalgOp start, linalg::LinalgOp op) {
  Value output = op.getDpsInits()[0];
  return start.hasPureBufferSemantics() && overwritesOutput(start) &&
         start.getDpsInits()[0] == output &&
         llvm::all_of(start.getDpsInputs(), [&](Value input) {
           // (A fill's value is a scalar; a generic's inputs are read at
           // the output's element: buffers.)
           if (!llvm::isa<MemRefType>(input.getType()))
             return llvm::isa<linalg::FillOp>(start.getOperation());
           return rootBuffer(input) != rootBuffer(output);
         });
}

/// The op that starts `op`'s one output just before it (startsOutput, with
/// only memory-effect-free ops, such as views, in between): the tiling of
/// a direct reduction brings its own start along (kiln-tile-for-gpu).
linalg::LinalgOp startBefore(linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1)
    return nullptr;
  for (Operation *it = op->getPrevNode(); it; it = it->getPrevNode()) {
    if (auto start = llvm::dyn_cast<linalg::LinalgOp>(it))
      return startsOutput(start, op) ? start : nullptr;
    if (!isMemoryEffectFree(it))
      return nullptr;
  }
  return nullptr;
}

/// `sum` as one fused multiply-add if it is acc + x * y on floats (either
/// order) and the product has no other use: what the staged matmuls do
/// with such bodies (and the CPU path's products), one rounding instead of
/// two and one instruction instead of two in the reduction loop.
Value fuseMultiplyAdd(OpBuilder &b, Value sum, Value acc) {
  auto add = sum.getDefiningOp<arith::AddFOp>();
  if (!add)
    return sum;
  Value other = add.getLhs() == acc ? add.getRhs() : add.getRhs() == acc ? add.getLhs() : Value();
  auto mul = other ? other.getDefiningOp<arith::MulFOp>() : nullptr;
  if (!mul || !mul->hasOneUse() || !add->use_empty())
    return sum;
  Value fused = math::FmaOp::create(b, add.getLoc(), mul.getLhs(), mul.getRhs(), acc);
  add->erase();
  mul->erase();
  return fused;
}

/// Replaces `op` by its loops: the parallel ones outside, the reduction
/// ones inside, carrying the outputs' elements, which start from the
/// value of a start right before `op` (erased) or else from the output.
void lower(RewriterBase &rewriter, linalg::LinalgOp op) {
  linalg::LinalgOp start = startBefore(op);
  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto iterators = op.getIteratorTypesArray();
  SmallVector<unsigned> parallel, reduction;
  for (auto [dim, iterator] : llvm::enumerate(iterators))
    (iterator == utils::IteratorType::parallel ? parallel : reduction).push_back(dim);
  rewriter.setInsertionPoint(op);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  // (The outputs' maps use no reduction loop: zeros there until the loops
  // set them.)
  SmallVector<Value> ivs(ranges.size(), zero);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto indicesOf = [&](OpBuilder &b, OpOperand &operand) {
    return applyIndexingMap(b, loc, op.getMatchingIndexingMap(&operand), ivs);
  };
  // The reduction loops from `level` on, from `accumulators`; returns the
  // final ones.
  std::function<SmallVector<Value>(OpBuilder &, size_t, ValueRange)> reduce =
      [&](OpBuilder &b, size_t level, ValueRange accumulators) -> SmallVector<Value> {
    if (level == reduction.size()) {
      IRMapping mapping;
      for (OpOperand *input : op.getDpsInputOperands())
        mapping.map(op.getMatchingBlockArgument(input),
                    memref::LoadOp::create(b, loc, input->get(), indicesOf(b, *input)));
      for (auto [init, acc] : llvm::zip(op.getDpsInitsMutable(), accumulators))
        mapping.map(op.getMatchingBlockArgument(&init), acc);
      SmallVector<Value> results =
          cloneLinalgBodyResults(b, op, mapping, [&](unsigned dim) { return ivs[dim]; });
      for (auto [result, acc] : llvm::zip(results, accumulators))
        result = fuseMultiplyAdd(b, result, acc);
      return results;
    }
    unsigned dim = reduction[level];
    auto loop = scf::ForOp::create(
        b, loc, zero, arith::ConstantIndexOp::create(b, loc, ranges[dim]), one, accumulators,
        [&](OpBuilder &b, Location, Value iv, ValueRange args) {
          ivs[dim] = iv;
          scf::YieldOp::create(b, loc, reduce(b, level + 1, args));
        });
    return SmallVector<Value>(loop.getResults());
  };
  // The parallel loops from `level` on.
  std::function<void(OpBuilder &, size_t)> outputs = [&](OpBuilder &b, size_t level) {
    if (level == parallel.size()) {
      SmallVector<SmallVector<Value>> at;
      SmallVector<Value> initial;
      for (OpOperand &init : op.getDpsInitsMutable()) {
        at.push_back(indicesOf(b, init));
        initial.push_back(start ? elementAt(b, loc, start, at.back())
                                : memref::LoadOp::create(b, loc, init.get(), at.back()));
      }
      SmallVector<Value> results = reduce(b, 0, initial);
      for (auto [init, result, indices] : llvm::zip(op.getDpsInitsMutable(), results, at))
        memref::StoreOp::create(b, loc, result, init.get(), indices);
      return;
    }
    unsigned dim = parallel[level];
    if (ranges[dim] == 1) {
      ivs[dim] = zero;
      outputs(b, level + 1);
      return;
    }
    scf::ForOp::create(b, loc, zero, arith::ConstantIndexOp::create(b, loc, ranges[dim]), one,
                       ValueRange{}, [&](OpBuilder &b, Location, Value iv, ValueRange) {
                         ivs[dim] = iv;
                         outputs(b, level + 1);
                         scf::YieldOp::create(b, loc);
                       });
  };
  outputs(rewriter, 0);
  rewriter.eraseOp(op);
  if (start)
    rewriter.eraseOp(start);
}

struct AccumulateInRegistersPass
    : impl::AccumulateInRegistersBase<AccumulateInRegistersPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op->getParentOfType<mlir::gpu::LaunchOp>() && accumulates(op))
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops)
      lower(rewriter, op);
  }
};

} // namespace
} // namespace kiln::gpu
