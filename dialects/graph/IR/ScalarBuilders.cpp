//===- ScalarBuilders.cpp - Scalar arithmetic on element types ------------===//

#include "dialects/graph/IR/ScalarBuilders.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;

namespace kiln::graph {

bool isUnsignedInteger(Type type) {
  auto integer = llvm::dyn_cast<IntegerType>(getElementTypeOrSelf(type));
  return integer && integer.isUnsigned();
}

Type getSignlessType(Type type) {
  if (auto shaped = llvm::dyn_cast<ShapedType>(type))
    return shaped.clone(getSignlessType(shaped.getElementType()));
  if (auto integer = llvm::dyn_cast<IntegerType>(type))
    if (!integer.isSignless())
      return IntegerType::get(type.getContext(), integer.getWidth());
  return type;
}

Value scalarConstant(OpBuilder &b, Location loc, Type type, double value) {
  if (auto floatType = llvm::dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(type, static_cast<int64_t>(value)));
}

static Value limitValue(OpBuilder &b, Location loc, Type type, bool isUnsigned,
                        bool lowest) {
  if (auto floatType = llvm::dyn_cast<FloatType>(type)) {
    const llvm::fltSemantics &semantics = floatType.getFloatSemantics();
    // Types without infinities (some 8-bit floats) use their extreme finite
    // values.
    APFloat value = APFloat::semanticsHasInf(semantics)
                        ? APFloat::getInf(semantics, lowest)
                        : APFloat::getLargest(semantics, lowest);
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  }
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value;
  if (width == 1 || isUnsigned)
    value = lowest ? APInt::getMinValue(width) : APInt::getMaxValue(width);
  else
    value = lowest ? APInt::getSignedMinValue(width) : APInt::getSignedMaxValue(width);
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, value));
}

Value lowestValue(OpBuilder &b, Location loc, Type type, bool isUnsigned) {
  return limitValue(b, loc, type, isUnsigned, /*lowest=*/true);
}

Value highestValue(OpBuilder &b, Location loc, Type type, bool isUnsigned) {
  return limitValue(b, loc, type, isUnsigned, /*lowest=*/false);
}

static bool isFloat(Value v) { return llvm::isa<FloatType>(getElementTypeOrSelf(v.getType())); }

Value addScalars(OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x))
    return arith::AddFOp::create(b, loc, x, y);
  return arith::AddIOp::create(b, loc, x, y);
}

Value subScalars(OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x))
    return arith::SubFOp::create(b, loc, x, y);
  return arith::SubIOp::create(b, loc, x, y);
}

Value mulScalars(OpBuilder &b, Location loc, Value x, Value y) {
  if (isFloat(x))
    return arith::MulFOp::create(b, loc, x, y);
  return arith::MulIOp::create(b, loc, x, y);
}

Value divScalars(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isFloat(x))
    return arith::DivFOp::create(b, loc, x, y);
  if (isUnsigned)
    return arith::DivUIOp::create(b, loc, x, y);
  return arith::DivSIOp::create(b, loc, x, y);
}

Value maxScalars(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isFloat(x))
    return arith::MaximumFOp::create(b, loc, x, y);
  if (isUnsigned || getElementTypeOrSelf(x.getType()).isInteger(1))
    return arith::MaxUIOp::create(b, loc, x, y);
  return arith::MaxSIOp::create(b, loc, x, y);
}

Value minScalars(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isFloat(x))
    return arith::MinimumFOp::create(b, loc, x, y);
  if (isUnsigned || getElementTypeOrSelf(x.getType()).isInteger(1))
    return arith::MinUIOp::create(b, loc, x, y);
  return arith::MinSIOp::create(b, loc, x, y);
}

Value compareScalars(OpBuilder &b, Location loc, Comparison predicate, Value x,
                     Value y, bool isUnsigned) {
  if (isFloat(x)) {
    arith::CmpFPredicate p = arith::CmpFPredicate::OEQ;
    switch (predicate) {
    case Comparison::EQ: p = arith::CmpFPredicate::OEQ; break;
    case Comparison::NE: p = arith::CmpFPredicate::UNE; break;
    case Comparison::LT: p = arith::CmpFPredicate::OLT; break;
    case Comparison::LE: p = arith::CmpFPredicate::OLE; break;
    case Comparison::GT: p = arith::CmpFPredicate::OGT; break;
    case Comparison::GE: p = arith::CmpFPredicate::OGE; break;
    }
    return arith::CmpFOp::create(b, loc, p, x, y);
  }
  // Booleans order as 0 < 1.
  isUnsigned |= getElementTypeOrSelf(x.getType()).isInteger(1);
  arith::CmpIPredicate p = arith::CmpIPredicate::eq;
  switch (predicate) {
  case Comparison::EQ: p = arith::CmpIPredicate::eq; break;
  case Comparison::NE: p = arith::CmpIPredicate::ne; break;
  case Comparison::LT: p = isUnsigned ? arith::CmpIPredicate::ult : arith::CmpIPredicate::slt; break;
  case Comparison::LE: p = isUnsigned ? arith::CmpIPredicate::ule : arith::CmpIPredicate::sle; break;
  case Comparison::GT: p = isUnsigned ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::sgt; break;
  case Comparison::GE: p = isUnsigned ? arith::CmpIPredicate::uge : arith::CmpIPredicate::sge; break;
  }
  return arith::CmpIOp::create(b, loc, p, x, y);
}

Value convertScalar(OpBuilder &b, Location loc, Value x, Type from, Type to,
                    bool saturate) {
  from = getElementTypeOrSelf(from);
  to = getElementTypeOrSelf(to);
  Type targetType = getSignlessType(to);
  auto fromFloat = llvm::dyn_cast<FloatType>(from);
  auto toFloat = llvm::dyn_cast<FloatType>(to);

  if (to.isInteger(1)) {
    if (from.isInteger(1))
      return x;
    Value zero = scalarConstant(b, loc, getSignlessType(from), 0.0);
    return compareScalars(b, loc, Comparison::NE, x, zero);
  }
  if (fromFloat && toFloat) {
    if (fromFloat == toFloat)
      return x;
    if (saturate && !APFloat::semanticsHasInf(toFloat.getFloatSemantics())) {
      // Clamp to the target's finite range first; NaN stays NaN (minnum and
      // maxnum would drop it, so clamp with compare-and-select).
      double largest = APFloat::getLargest(toFloat.getFloatSemantics()).convertToDouble();
      Value hi = scalarConstant(b, loc, fromFloat, largest);
      Value lo = scalarConstant(b, loc, fromFloat, -largest);
      Value above = compareScalars(b, loc, Comparison::GT, x, hi);
      x = arith::SelectOp::create(b, loc, above, hi, x);
      Value below = compareScalars(b, loc, Comparison::LT, x, lo);
      x = arith::SelectOp::create(b, loc, below, lo, x);
    }
    if (fromFloat.getWidth() < toFloat.getWidth())
      return arith::ExtFOp::create(b, loc, targetType, x);
    if (fromFloat.getWidth() > toFloat.getWidth())
      return arith::TruncFOp::create(b, loc, targetType, x);
    // Same width, other format (f16 <-> bf16): through f32.
    Type f32 = b.getF32Type();
    Value wide = arith::ExtFOp::create(b, loc, f32, x);
    return arith::TruncFOp::create(b, loc, targetType, wide);
  }
  if (toFloat) {
    if (from.isInteger(1) || isUnsignedInteger(from))
      return arith::UIToFPOp::create(b, loc, targetType, x);
    return arith::SIToFPOp::create(b, loc, targetType, x);
  }
  if (fromFloat) {
    if (isUnsignedInteger(to))
      return arith::FPToUIOp::create(b, loc, targetType, x);
    return arith::FPToSIOp::create(b, loc, targetType, x);
  }
  unsigned fromWidth = from.getIntOrFloatBitWidth();
  unsigned toWidth = to.getIntOrFloatBitWidth();
  if (fromWidth == toWidth)
    return x;
  if (fromWidth > toWidth)
    return arith::TruncIOp::create(b, loc, targetType, x);
  if (from.isInteger(1) || isUnsignedInteger(from))
    return arith::ExtUIOp::create(b, loc, targetType, x);
  return arith::ExtSIOp::create(b, loc, targetType, x);
}

} // namespace kiln::graph
