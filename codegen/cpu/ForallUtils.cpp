//===- ForallUtils.cpp - Running an scf.forall as a linear range ----------===//

#include "codegen/cpu/ForallUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

using namespace mlir;

namespace kiln::cpu {

FailureOr<StaticForallBounds> getStaticBounds(scf::ForallOp loop) {
  std::optional<SmallVector<int64_t>> lbs = getConstantIntValues(loop.getMixedLowerBound());
  std::optional<SmallVector<int64_t>> ubs = getConstantIntValues(loop.getMixedUpperBound());
  std::optional<SmallVector<int64_t>> steps = getConstantIntValues(loop.getMixedStep());
  if (!lbs || !ubs || !steps)
    return failure();
  StaticForallBounds bounds;
  bounds.lowerBounds = *lbs;
  bounds.steps = *steps;
  for (auto [lb, ub, step] : llvm::zip(*lbs, *ubs, *steps)) {
    bounds.counts.push_back(std::max<int64_t>(0, (ub - lb + step - 1) / step));
    bounds.total *= bounds.counts.back();
  }
  return bounds;
}

SmallVector<Value> delinearizeIteration(OpBuilder &b, Location loc, Value linear,
                                        const StaticForallBounds &bounds) {
  size_t n = bounds.counts.size();
  SmallVector<Value> ivs(n);
  Value remaining = linear;
  for (int64_t d = static_cast<int64_t>(n) - 1; d >= 0; --d) {
    Value digit = remaining;
    if (d > 0) {
      Value count = arith::ConstantIndexOp::create(b, loc, bounds.counts[d]);
      digit = arith::RemUIOp::create(b, loc, remaining, count);
      remaining = arith::DivUIOp::create(b, loc, remaining, count);
    }
    Value scaled = arith::MulIOp::create(
        b, loc, digit, arith::ConstantIndexOp::create(b, loc, bounds.steps[d]));
    ivs[d] = arith::AddIOp::create(
        b, loc, scaled, arith::ConstantIndexOp::create(b, loc, bounds.lowerBounds[d]));
  }
  return ivs;
}

bool derivesFrom(Value index, Value iv, int depth) {
  if (index == iv)
    return true;
  Operation *def = index.getDefiningOp();
  if (!def || depth == 0 || def->getNumRegions() != 0 || !isMemoryEffectFree(def))
    return false;
  return llvm::any_of(def->getOperands(),
                      [&](Value operand) { return derivesFrom(operand, iv, depth - 1); });
}

} // namespace kiln::cpu
