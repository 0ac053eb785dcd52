//===- ElementwiseOps.cpp - Scalar semantics of elementwise graph ops -----===//
//
// Each elementwise op's buildScalar is its meaning, element by element; the
// linalg lowering and constant folding both use it (GraphOps.td explains).
// Inference for the ops whose result type the generic rules do not cover
// (Where, Cast) is here too.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/IR/GraphOps.h"
#include "dialects/graph/IR/ScalarBuilders.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/TypeUtilities.h"

#include <cmath>

using namespace mlir;
using namespace kiln::graph;

#include "dialects/graph/IR/GraphInterfaces.cpp.inc"

//===----------------------------------------------------------------------===//
// Type inference
//===----------------------------------------------------------------------===//

static std::string formatShapeOf(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleave(
      llvm::cast<RankedTensorType>(type).getShape(), os,
      [&](int64_t d) { ShapedType::isDynamic(d) ? os << "?" : os << d; }, ",");
  os << "]";
  return s;
}

/// The broadcast shape of `operands`, or an error.
static LogicalResult broadcastAll(std::optional<Location> loc, ValueRange operands,
                                  SmallVectorImpl<int64_t> &shape) {
  shape.clear();
  for (Value v : operands) {
    auto type = llvm::cast<RankedTensorType>(v.getType());
    SmallVector<int64_t> next;
    if (failed(broadcastShapes(shape, type.getShape(), next))) {
      std::string all;
      llvm::raw_string_ostream os(all);
      llvm::interleave(
          operands, os, [&](Value o) { os << formatShapeOf(o.getType()); }, " and ");
      return emitOptionalError(loc, "shapes ", all, " do not broadcast");
    }
    shape = std::move(next);
  }
  return success();
}

LogicalResult kiln::graph::inferElementwiseType(std::optional<Location> loc,
                                                ValueRange operands,
                                                ElementwiseResult rule,
                                                SmallVectorImpl<Type> &types) {
  assert(!operands.empty() && "elementwise ops have operands");
  SmallVector<int64_t> shape;
  if (failed(broadcastAll(loc, operands, shape)))
    return failure();
  Type element = getElementTypeOrSelf(operands[0].getType());
  if (rule != ElementwiseResult::First)
    for (Value v : operands.drop_front())
      if (getElementTypeOrSelf(v.getType()) != element)
        return emitOptionalError(loc, "operand element types differ: ", element,
                                 " and ", getElementTypeOrSelf(v.getType()));
  if (rule == ElementwiseResult::Bool)
    element = IntegerType::get(operands[0].getContext(), 1);
  types.push_back(RankedTensorType::get(shape, element));
  return success();
}

LogicalResult WhereOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  Type x = getElementTypeOrSelf(adaptor.getX().getType());
  Type y = getElementTypeOrSelf(adaptor.getY().getType());
  if (x != y)
    return emitOptionalError(loc, "operand element types differ: ", x, " and ", y);
  SmallVector<int64_t> shape;
  if (failed(broadcastAll(loc, adaptor.getOperands(), shape)))
    return failure();
  types.push_back(RankedTensorType::get(shape, x));
  return success();
}

LogicalResult CastOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  Type to = adaptor.getTo();
  if (!to.isIntOrFloat())
    return emitOptionalError(loc, "cannot cast to ", to);
  types.push_back(input.clone(to));
  return success();
}

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {

bool isUnsignedOperand(Operation *op, unsigned i) {
  return isUnsignedInteger(op->getOperand(i).getType());
}

Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
  return scalarConstant(b, loc, like.getType(), value);
}

Value select(OpBuilder &b, Location loc, Value condition, Value x, Value y) {
  return arith::SelectOp::create(b, loc, condition, x, y);
}

Value less(OpBuilder &b, Location loc, Value x, Value y) {
  return compareScalars(b, loc, Comparison::LT, x, y);
}

Value greater(OpBuilder &b, Location loc, Value x, Value y) {
  return compareScalars(b, loc, Comparison::GT, x, y);
}

/// Clamps a float to [lo, hi] (NaN stays NaN).
Value clamp(OpBuilder &b, Location loc, Value x, double lo, double hi) {
  Value l = constantLike(b, loc, x, lo), h = constantLike(b, loc, x, hi);
  return minScalars(b, loc, maxScalars(b, loc, x, l), h);
}

Value sigmoidOf(OpBuilder &b, Location loc, Value x) {
  // exp overflows to inf for very negative x, giving the correct limit 0.
  Value one = constantLike(b, loc, x, 1.0);
  Value e = math::ExpOp::create(b, loc, arith::NegFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}

Value softplusOf(OpBuilder &b, Location loc, Value x) {
  Value one = constantLike(b, loc, x, 1.0);
  return math::LogOp::create(
      b, loc, arith::AddFOp::create(b, loc, math::ExpOp::create(b, loc, x), one));
}

/// exp(x) - 1 scaled by alpha, the negative branch of the ELU family.
Value eluNegative(OpBuilder &b, Location loc, Value x, double alpha) {
  Value e = math::ExpOp::create(b, loc, x);
  Value em1 = arith::SubFOp::create(b, loc, e, constantLike(b, loc, x, 1.0));
  return arith::MulFOp::create(b, loc, constantLike(b, loc, x, alpha), em1);
}

double toDouble(const APFloat &value) { return value.convertToDouble(); }

} // namespace

//===----------------------------------------------------------------------===//
// Arithmetic
//===----------------------------------------------------------------------===//

Value AddOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return addScalars(b, loc, operands[0], operands[1]);
}

Value SubOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return subScalars(b, loc, operands[0], operands[1]);
}

Value MulOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return mulScalars(b, loc, operands[0], operands[1]);
}

Value DivOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return divScalars(b, loc, operands[0], operands[1], isUnsignedOperand(*this, 0));
}

Value ModOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0], y = operands[1];
  bool isFloat = llvm::isa<FloatType>(x.getType());
  if (!isFloat && isUnsignedOperand(*this, 0))
    return arith::RemUIOp::create(b, loc, x, y);
  Value r = isFloat ? Value(arith::RemFOp::create(b, loc, x, y))
                    : Value(arith::RemSIOp::create(b, loc, x, y));
  if (getFmod())
    return r;
  // Python's %: a nonzero remainder takes the divisor's sign.
  Value zero = constantLike(b, loc, x, 0.0);
  Value nonzero = compareScalars(b, loc, Comparison::NE, r, zero);
  Value signsDiffer = arith::XOrIOp::create(b, loc, less(b, loc, r, zero),
                                            less(b, loc, y, zero));
  Value adjust = arith::AndIOp::create(b, loc, nonzero, signsDiffer);
  return select(b, loc, adjust, addScalars(b, loc, r, y), r);
}

Value PowOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Type baseType = getElementTypeOrSelf(getLhs().getType());
  Type exponentType = getElementTypeOrSelf(getRhs().getType());
  if (auto floatType = llvm::dyn_cast<FloatType>(baseType)) {
    Value exponent = convertScalar(b, loc, operands[1], exponentType, floatType);
    return math::PowFOp::create(b, loc, operands[0], exponent);
  }
  // Integer bases: through f64, exact for every result below 2^53.
  Type f64 = b.getF64Type();
  Value base = convertScalar(b, loc, operands[0], baseType, f64);
  Value exponent = convertScalar(b, loc, operands[1], exponentType, f64);
  Value power = math::PowFOp::create(b, loc, base, exponent);
  return convertScalar(b, loc, power, f64, baseType);
}

Value MaxOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return maxScalars(b, loc, operands[0], operands[1], isUnsignedOperand(*this, 0));
}

Value MinOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return minScalars(b, loc, operands[0], operands[1], isUnsignedOperand(*this, 0));
}

Value PReluOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  if (isUnsignedOperand(*this, 0))
    return x;
  Value negative = less(b, loc, x, constantLike(b, loc, x, 0.0));
  return select(b, loc, negative, mulScalars(b, loc, operands[1], x), x);
}

Value AbsOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  if (llvm::isa<FloatType>(x.getType()))
    return math::AbsFOp::create(b, loc, x);
  if (isUnsignedOperand(*this, 0))
    return x;
  return math::AbsIOp::create(b, loc, x);
}

Value NegOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  if (llvm::isa<FloatType>(x.getType()))
    return arith::NegFOp::create(b, loc, x);
  return arith::SubIOp::create(b, loc, constantLike(b, loc, x, 0.0), x);
}

Value SignOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  bool isUnsigned = isUnsignedOperand(*this, 0);
  Value zero = constantLike(b, loc, x, 0.0), one = constantLike(b, loc, x, 1.0);
  Value positive = compareScalars(b, loc, Comparison::GT, x, zero, isUnsigned);
  if (isUnsigned)
    return select(b, loc, positive, one, zero);
  // Floats keep zeros and NaN as they are.
  Value rest = select(b, loc, less(b, loc, x, zero), constantLike(b, loc, x, -1.0),
                      llvm::isa<FloatType>(x.getType()) ? x : zero);
  return select(b, loc, positive, one, rest);
}

Value ExpOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::ExpOp::create(b, loc, operands[0]);
}

Value LogOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::LogOp::create(b, loc, operands[0]);
}

Value SqrtOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::SqrtOp::create(b, loc, operands[0]);
}

Value ReciprocalOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::DivFOp::create(b, loc, constantLike(b, loc, operands[0], 1.0),
                               operands[0]);
}

Value FloorOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::FloorOp::create(b, loc, operands[0]);
}

Value CeilOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::CeilOp::create(b, loc, operands[0]);
}

Value RoundOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::RoundEvenOp::create(b, loc, operands[0]);
}

Value SinOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::SinOp::create(b, loc, operands[0]);
}

Value CosOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::CosOp::create(b, loc, operands[0]);
}

Value TanOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::TanOp::create(b, loc, operands[0]);
}

Value AsinOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::AsinOp::create(b, loc, operands[0]);
}

Value AcosOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::AcosOp::create(b, loc, operands[0]);
}

Value AtanOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::AtanOp::create(b, loc, operands[0]);
}

Value SinhOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::SinhOp::create(b, loc, operands[0]);
}

Value CoshOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::CoshOp::create(b, loc, operands[0]);
}

Value AsinhOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::AsinhOp::create(b, loc, operands[0]);
}

Value AcoshOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::AcoshOp::create(b, loc, operands[0]);
}

Value AtanhOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::AtanhOp::create(b, loc, operands[0]);
}

Value ErfOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::ErfOp::create(b, loc, operands[0]);
}

Value SigmoidOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return sigmoidOf(b, loc, operands[0]);
}

Value TanhOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return math::TanhOp::create(b, loc, operands[0]);
}

Value SoftplusOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return softplusOf(b, loc, operands[0]);
}

Value SoftsignOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  Value denominator = arith::AddFOp::create(b, loc, constantLike(b, loc, x, 1.0),
                                            math::AbsFOp::create(b, loc, x));
  return arith::DivFOp::create(b, loc, x, denominator);
}

Value HardSwishOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  Value scaled = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, 1.0 / 6.0)),
      constantLike(b, loc, x, 0.5));
  return arith::MulFOp::create(b, loc, x, clamp(b, loc, scaled, 0.0, 1.0));
}

Value MishOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  return arith::MulFOp::create(b, loc, x,
                               math::TanhOp::create(b, loc, softplusOf(b, loc, x)));
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

Value ReluOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  return maxScalars(b, loc, x, constantLike(b, loc, x, 0.0), isUnsignedOperand(*this, 0));
}

Value LeakyReluOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  Value scaled = arith::MulFOp::create(
      b, loc, x, constantLike(b, loc, x, toDouble(getAlpha())));
  return select(b, loc, less(b, loc, x, constantLike(b, loc, x, 0.0)), scaled, x);
}

Value EluOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  return select(b, loc, less(b, loc, x, constantLike(b, loc, x, 0.0)),
                eluNegative(b, loc, x, toDouble(getAlpha())), x);
}

Value SeluOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  Value positive = greater(b, loc, x, constantLike(b, loc, x, 0.0));
  Value inner = select(b, loc, positive, x, eluNegative(b, loc, x, toDouble(getAlpha())));
  return arith::MulFOp::create(b, loc, constantLike(b, loc, x, toDouble(getGamma())),
                               inner);
}

Value CeluOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  double alpha = toDouble(getAlpha());
  Value zero = constantLike(b, loc, x, 0.0);
  Value scaledX = arith::DivFOp::create(b, loc, x, constantLike(b, loc, x, alpha));
  Value negative = minScalars(b, loc, zero, eluNegative(b, loc, scaledX, alpha));
  return arith::AddFOp::create(b, loc, maxScalars(b, loc, zero, x), negative);
}

Value HardSigmoidOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  Value linear = arith::AddFOp::create(
      b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, toDouble(getAlpha()))),
      constantLike(b, loc, x, toDouble(getBeta())));
  return clamp(b, loc, linear, 0.0, 1.0);
}

Value ThresholdedReluOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  Value above = greater(b, loc, x, constantLike(b, loc, x, toDouble(getAlpha())));
  return select(b, loc, above, x, constantLike(b, loc, x, 0.0));
}

Value ShrinkOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Type type = getElementTypeOrSelf(getInput().getType());
  bool isFloat = llvm::isa<FloatType>(type);
  // Integers compare and subtract in f64, where the float attributes are
  // exact, and convert back.
  Type f64 = b.getF64Type();
  Value x = isFloat ? operands[0] : convertScalar(b, loc, operands[0], type, f64);
  double lambd = toDouble(getLambd()), bias = toDouble(getBias());
  Value below = less(b, loc, x, constantLike(b, loc, x, -lambd));
  Value above = greater(b, loc, x, constantLike(b, loc, x, lambd));
  Value biasValue = constantLike(b, loc, x, bias);
  Value result = select(
      b, loc, below, arith::AddFOp::create(b, loc, x, biasValue),
      select(b, loc, above, arith::SubFOp::create(b, loc, x, biasValue),
             constantLike(b, loc, x, 0.0)));
  return isFloat ? result : convertScalar(b, loc, result, f64, type);
}

Value GeluOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  Value half = constantLike(b, loc, x, 0.5), one = constantLike(b, loc, x, 1.0);
  Value phi;
  if (getTanhApproximation()) {
    // tanh(sqrt(2 / pi) * (x + 0.044715 x^3))
    Value cube = arith::MulFOp::create(b, loc, arith::MulFOp::create(b, loc, x, x), x);
    Value inner = arith::AddFOp::create(
        b, loc, x, arith::MulFOp::create(b, loc, constantLike(b, loc, x, 0.044715), cube));
    phi = math::TanhOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, constantLike(b, loc, x, std::sqrt(2.0 / M_PI)), inner));
  } else {
    phi = math::ErfOp::create(
        b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, M_SQRT1_2)));
  }
  Value halfX = arith::MulFOp::create(b, loc, half, x);
  return arith::MulFOp::create(b, loc, halfX, arith::AddFOp::create(b, loc, one, phi));
}

Value SwishOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  Value scaled = arith::MulFOp::create(
      b, loc, x, constantLike(b, loc, x, toDouble(getAlpha())));
  return arith::MulFOp::create(b, loc, x, sigmoidOf(b, loc, scaled));
}

//===----------------------------------------------------------------------===//
// Predicates and comparisons
//===----------------------------------------------------------------------===//

Value IsNaNOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, operands[0],
                               operands[0]);
}

Value IsInfOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  auto type = llvm::cast<FloatType>(x.getType());
  Value result = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
  for (auto [detect, negative] :
       {std::pair(getDetectPositive(), false), std::pair(getDetectNegative(), true)}) {
    if (!detect)
      continue;
    Value inf = arith::ConstantOp::create(
        b, loc, b.getFloatAttr(type, APFloat::getInf(type.getFloatSemantics(), negative)));
    result = arith::OrIOp::create(
        b, loc, result, compareScalars(b, loc, Comparison::EQ, x, inf));
  }
  return result;
}

#define KILN_COMPARE_OP(OpName, Predicate)                                        \
  Value OpName::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {    \
    return compareScalars(b, loc, Comparison::Predicate, operands[0], operands[1], \
                          isUnsignedOperand(*this, 0));                          \
  }
KILN_COMPARE_OP(EqualOp, EQ)
KILN_COMPARE_OP(LessOp, LT)
KILN_COMPARE_OP(LessOrEqualOp, LE)
KILN_COMPARE_OP(GreaterOp, GT)
KILN_COMPARE_OP(GreaterOrEqualOp, GE)
#undef KILN_COMPARE_OP

//===----------------------------------------------------------------------===//
// Logic and bits
//===----------------------------------------------------------------------===//

/// All ones: true for i1, the complement mask for wider integers.
static Value allOnes(OpBuilder &b, Location loc, Type type) {
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, APInt::getAllOnes(type.getIntOrFloatBitWidth())));
}

Value NotOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::XOrIOp::create(b, loc, operands[0], allOnes(b, loc, operands[0].getType()));
}

Value BitwiseNotOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::XOrIOp::create(b, loc, operands[0], allOnes(b, loc, operands[0].getType()));
}

Value AndOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::AndIOp::create(b, loc, operands[0], operands[1]);
}

Value OrOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::OrIOp::create(b, loc, operands[0], operands[1]);
}

Value XorOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::XOrIOp::create(b, loc, operands[0], operands[1]);
}

Value BitwiseAndOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::AndIOp::create(b, loc, operands[0], operands[1]);
}

Value BitwiseOrOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::OrIOp::create(b, loc, operands[0], operands[1]);
}

Value BitwiseXorOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return arith::XOrIOp::create(b, loc, operands[0], operands[1]);
}

Value BitShiftOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0], amount = operands[1];
  unsigned bits = x.getType().getIntOrFloatBitWidth();
  bool isUnsigned = isUnsignedOperand(*this, 0);
  // arith leaves shifts by the width or more undefined; ONNX's shift every
  // bit out. Shift amounts are unsigned whatever the type.
  Value width = constantLike(b, loc, x, bits);
  Value tooFar = compareScalars(b, loc, Comparison::GE, amount, width, /*isUnsigned=*/true);
  if (getLeft()) {
    Value shifted = arith::ShLIOp::create(b, loc, x, amount);
    return select(b, loc, tooFar, constantLike(b, loc, x, 0.0), shifted);
  }
  if (isUnsigned) {
    Value shifted = arith::ShRUIOp::create(b, loc, x, amount);
    return select(b, loc, tooFar, constantLike(b, loc, x, 0.0), shifted);
  }
  // Arithmetic: at most width - 1 places, which leaves only the sign.
  Value clamped = select(b, loc, tooFar, constantLike(b, loc, x, bits - 1), amount);
  return arith::ShRSIOp::create(b, loc, x, clamped);
}

//===----------------------------------------------------------------------===//
// Selection and conversion
//===----------------------------------------------------------------------===//

Value WhereOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return select(b, loc, operands[0], operands[1], operands[2]);
}

Value CastOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  return convertScalar(b, loc, operands[0], getInput().getType(), getTo(), getSaturate());
}
