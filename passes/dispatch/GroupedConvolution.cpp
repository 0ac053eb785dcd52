//===- GroupedConvolution.cpp - The graph lowering's grouped convolutions -===//

#include "passes/dispatch/GroupedConvolution.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/AffineMap.h"

using namespace mlir;

namespace kiln::dispatch {
namespace {

/// The coefficient of dimension `dim` in `expr`, a sum of dimensions times
/// constants over `numDims` dimensions; std::nullopt for anything else.
std::optional<int64_t> coefficient(AffineExpr expr, unsigned dim, unsigned numDims) {
  MLIRContext *ctx = expr.getContext();
  SmallVector<AffineExpr> values(numDims, getAffineConstantExpr(0, ctx));
  values[dim] = getAffineConstantExpr(1, ctx);
  auto value = llvm::dyn_cast<AffineConstantExpr>(
      simplifyAffineExpr(expr.replaceDims(values), numDims, 0));
  if (!value)
    return std::nullopt;
  return value.getValue();
}

/// Whether `body` is buildGenericConv's multiply-add on (input, weight,
/// acc): acc + in * w, each of in and w extended to acc's type first where
/// it is narrower (an f16 or bf16 convolution accumulating in f32), or the
/// integer form.
bool isMultiplyAccumulate(Block &body) {
  if (body.getNumArguments() != 3)
    return false;
  Value in = body.getArgument(0), w = body.getArgument(1), acc = body.getArgument(2);
  auto yield = llvm::dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!yield || yield->getNumOperands() != 1)
    return false;
  Operation *sum = yield->getOperand(0).getDefiningOp();
  if (!sum || !llvm::isa<arith::AddFOp, arith::AddIOp>(sum) || sum->getOperand(0) != acc)
    return false;
  Operation *product = sum->getOperand(1).getDefiningOp();
  if (!product || !llvm::isa<arith::MulFOp, arith::MulIOp>(product))
    return false;
  // An operand as it is, or extended (a cast of a block argument).
  auto reads = [&](Value v, Value argument) {
    if (v == argument)
      return true;
    Operation *cast = v.getDefiningOp();
    return cast && llvm::isa<arith::ExtFOp, arith::ExtSIOp, arith::ExtUIOp>(cast) &&
           cast->getOperand(0) == argument;
  };
  if (!reads(product->getOperand(0), in) || !reads(product->getOperand(1), w))
    return false;
  // Nothing else in the body.
  int64_t ops = static_cast<int64_t>(body.getOperations().size()) - 1;
  int64_t casts = (product->getOperand(0) != in) + (product->getOperand(1) != w);
  return ops == 2 + casts;
}

} // namespace

SmallVector<ReassociationIndices> groupSplit(int64_t rank, int64_t at) {
  SmallVector<ReassociationIndices> axes;
  for (int64_t i = 0; i < rank; ++i)
    axes.push_back(i < at    ? ReassociationIndices{i}
                   : i == at ? ReassociationIndices{i, i + 1}
                             : ReassociationIndices{i + 1});
  return axes;
}

std::optional<GroupedConvolution> matchGroupedConvolution(linalg::LinalgOp op) {
  auto generic = llvm::dyn_cast<linalg::GenericOp>(op.getOperation());
  if (!generic || generic->getNumResults() != 1 || generic.getNumDpsInputs() != 2 ||
      generic.getNumLoops() != 8 || !isMultiplyAccumulate(generic.getRegion().front()))
    return std::nullopt;
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (maps[0].getNumResults() != 5)
    return std::nullopt;
  MLIRContext *ctx = op.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  GroupedConvolution conv{op.getDpsInputs()[0], op.getDpsInputs()[1], op.getDpsInits()[0]};
  // The input's row and column give the strides and dilations, and must
  // be o * stride + k * dilation exactly (checked with the other maps).
  SmallVector<AffineExpr> in = {d(0), d(1), d(5)};
  for (unsigned i = 0; i < 2; ++i) {
    AffineExpr index = maps[0].getResult(3 + i);
    std::optional<int64_t> stride = coefficient(index, 3 + i, 8);
    std::optional<int64_t> dilation = coefficient(index, 6 + i, 8);
    if (!stride || !dilation || *stride < 1 || *dilation < 1)
      return std::nullopt;
    conv.strides.push_back(*stride);
    conv.dilations.push_back(*dilation);
    in.push_back(d(3 + i) * *stride + d(6 + i) * *dilation);
  }
  SmallVector<AffineMap> expected = {
      AffineMap::get(8, 0, in, ctx), AffineMap::get(8, 0, {d(1), d(2), d(5), d(6), d(7)}, ctx),
      AffineMap::get(8, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
  for (auto [map, want] : llvm::zip(maps, expected))
    if (simplifyAffineMap(map) != simplifyAffineMap(want))
      return std::nullopt;
  for (auto [i, iterator] : llvm::enumerate(generic.getIteratorTypesArray()))
    if ((i < 5) != (iterator == utils::IteratorType::parallel))
      return std::nullopt;
  return conv;
}

} // namespace kiln::dispatch
