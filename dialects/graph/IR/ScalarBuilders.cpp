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

bool isSmallFloat(Type type) {
  return llvm::isa<Float8E4M3FNType, Float8E4M3FNUZType, Float8E5M2Type,
                   Float8E5M2FNUZType, Float8E8M0FNUType, Float4E2M1FNType>(type);
}

bool isSubByteInteger(Type type) {
  auto integer = llvm::dyn_cast<IntegerType>(type);
  return integer && integer.getWidth() > 1 && integer.getWidth() < 8;
}

namespace {

/// How a small float format lays out its bits and special values.
struct SmallFloatFormat {
  unsigned bits, exponentBits, mantissaBits;
  int bias;
  enum class NaN { AllOnes, NegativeZero, IEEE, None } nan;
  bool hasInf;
  unsigned maxCode; // the largest finite magnitude
};

SmallFloatFormat getFormat(FloatType type) {
  using NaN = SmallFloatFormat::NaN;
  if (llvm::isa<Float8E4M3FNType>(type))
    return {8, 4, 3, 7, NaN::AllOnes, false, 0x7E};
  if (llvm::isa<Float8E4M3FNUZType>(type))
    return {8, 4, 3, 8, NaN::NegativeZero, false, 0x7F};
  if (llvm::isa<Float8E5M2Type>(type))
    return {8, 5, 2, 15, NaN::IEEE, true, 0x7B};
  if (llvm::isa<Float8E5M2FNUZType>(type))
    return {8, 5, 2, 16, NaN::NegativeZero, false, 0x7F};
  assert(llvm::isa<Float4E2M1FNType>(type) && "a small float format");
  return {4, 2, 1, 1, NaN::None, false, 0x7};
}

/// i32 arithmetic for the codecs.
struct I32 {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) { return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v)); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value band(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value bor(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shr(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value eq(Value x, Value y) { return cmp(arith::CmpIPredicate::eq, x, y); }
  Value sel(Value c, Value x, Value y) { return arith::SelectOp::create(b, loc, c, x, y); }
};

Value f32Constant(OpBuilder &b, Location loc, const APFloat &v) {
  return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v.convertToFloat()));
}

} // namespace

Value decodeSmallFloat(OpBuilder &b, Location loc, Value bits, FloatType format) {
  I32 i{b, loc};
  Type f32 = b.getF32Type();
  Value code = arith::ExtUIOp::create(b, loc, b.getI32Type(), bits);
  if (llvm::isa<Float8E8M0FNUType>(format)) {
    // 2^(code - 127); code 0 is the f32 subnormal 2^-127; 255 is NaN.
    Value fbits = i.sel(i.eq(code, i.c(0)), i.c(0x00400000), i.shl(code, i.c(23)));
    Value value = arith::BitcastOp::create(b, loc, f32, fbits);
    Value nan = f32Constant(b, loc, APFloat::getQNaN(APFloat::IEEEsingle()));
    return i.sel(i.eq(code, i.c(255)), nan, value);
  }
  SmallFloatFormat f = getFormat(format);
  unsigned m = f.mantissaBits;
  code = i.band(code, i.c((1 << f.bits) - 1));
  Value sign = i.shr(code, i.c(f.bits - 1));
  Value magnitude = i.band(code, i.c((1 << (f.bits - 1)) - 1));
  Value exponent = i.shr(magnitude, i.c(m));
  Value mantissa = i.band(magnitude, i.c((1 << m) - 1));
  Value normalBits = i.bor(
      i.bor(i.shl(sign, i.c(31)), i.shl(i.add(exponent, i.c(127 - f.bias)), i.c(23))),
      i.shl(mantissa, i.c(23 - m)));
  Value normal = arith::BitcastOp::create(b, loc, f32, normalBits);
  // Subnormals: mantissa * 2^(1 - bias - m), exact in f32.
  Value subnormal = arith::MulFOp::create(
      b, loc, arith::UIToFPOp::create(b, loc, f32, mantissa),
      arith::ConstantOp::create(b, loc, b.getF32FloatAttr(std::ldexp(1.0f, 1 - f.bias - int(m)))));
  subnormal = i.sel(i.eq(sign, i.c(1)), arith::NegFOp::create(b, loc, subnormal), subnormal);
  Value value = i.sel(i.eq(exponent, i.c(0)), subnormal, normal);
  Value nan = f32Constant(b, loc, APFloat::getQNaN(APFloat::IEEEsingle()));
  switch (f.nan) {
  case SmallFloatFormat::NaN::AllOnes:
    return i.sel(i.eq(magnitude, i.c((1 << (f.bits - 1)) - 1)), nan, value);
  case SmallFloatFormat::NaN::NegativeZero:
    return i.sel(i.eq(code, i.c(1 << (f.bits - 1))), nan, value);
  case SmallFloatFormat::NaN::IEEE: {
    Value top = i.eq(exponent, i.c((1 << f.exponentBits) - 1));
    Value inf = f32Constant(b, loc, APFloat::getInf(APFloat::IEEEsingle()));
    Value signedInf = i.sel(i.eq(sign, i.c(1)), arith::NegFOp::create(b, loc, inf), inf);
    Value special = i.sel(i.eq(mantissa, i.c(0)), signedInf, nan);
    return i.sel(top, special, value);
  }
  case SmallFloatFormat::NaN::None:
    return value;
  }
  llvm_unreachable("every NaN encoding");
}

Value encodeSmallFloat(OpBuilder &b, Location loc, Value x, FloatType format, bool saturate,
                       StringRef roundMode) {
  I32 i{b, loc};
  using P = arith::CmpIPredicate;
  Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), x);
  Value sign = i.shr(bits, i.c(31));
  Value abs = i.band(bits, i.c(0x7FFFFFFF));
  Value isNaN = i.cmp(P::ugt, abs, i.c(0x7F800000));
  Value isInf = i.eq(abs, i.c(0x7F800000));
  Value e32 = i.shr(abs, i.c(23));
  Value m32 = i.band(abs, i.c(0x7FFFFF));
  Type i8 = b.getI8Type();

  if (llvm::isa<Float8E8M0FNUType>(format)) {
    // Powers of two 2^(e - 127), e in [0, 254]; the sign is dropped.
    Value up;
    if (roundMode == "down")
      up = i.c(0);
    else if (roundMode == "nearest")
      up = arith::ExtUIOp::create(b, loc, b.getI32Type(), i.cmp(P::uge, m32, i.c(0x400000)));
    else
      up = arith::ExtUIOp::create(b, loc, b.getI32Type(), i.cmp(P::ne, m32, i.c(0)));
    Value normal = i.add(e32, up);
    // Below 2^-126 (f32 subnormals): 2^-127 is 0x00400000.
    Value tinyUp;
    if (roundMode == "down")
      tinyUp = i.c(0);
    else if (roundMode == "nearest")
      tinyUp = arith::ExtUIOp::create(b, loc, b.getI32Type(), i.cmp(P::uge, abs, i.c(0x00600000)));
    else
      tinyUp = arith::ExtUIOp::create(b, loc, b.getI32Type(), i.cmp(P::ugt, abs, i.c(0x00400000)));
    Value e = i.sel(i.eq(e32, i.c(0)), tinyUp, normal);
    Value overflow = arith::OrIOp::create(b, loc, isInf, i.cmp(P::ugt, e, i.c(254)));
    e = i.sel(overflow, i.c(saturate ? 254 : 255), e);
    e = i.sel(isNaN, i.c(255), e);
    return arith::TruncIOp::create(b, loc, i8, e);
  }

  SmallFloatFormat f = getFormat(format);
  int m = int(f.mantissaBits);
  // The 24-bit significand and the exponent; f32 subnormals have the
  // exponent of the smallest normal and no hidden bit.
  Value isF32Subnormal = i.eq(e32, i.c(0));
  Value significand = i.sel(isF32Subnormal, m32, i.bor(m32, i.c(0x800000)));
  Value exponent = i.sub(i.sel(isF32Subnormal, i.c(1), e32), i.c(127 - f.bias));
  Value isNormal = i.cmp(P::sge, exponent, i.c(1));
  // Round to nearest even at the format's last mantissa bit (further right
  // for its subnormals).
  Value shift = i.sel(isNormal, i.c(23 - m), i.sub(i.c(24 - m), exponent));
  shift = arith::MinUIOp::create(b, loc, shift, i.c(31));
  Value half = i.sub(i.shl(i.c(1), i.sub(shift, i.c(1))), i.c(1));
  Value lsb = i.band(i.shr(significand, shift), i.c(1));
  Value rounded = i.shr(i.add(i.add(significand, half), lsb), shift);
  Value code = i.sel(isNormal, i.add(i.shl(i.sub(exponent, i.c(1)), i.c(m)), rounded), rounded);

  unsigned signBit = 1u << (f.bits - 1);
  Value maxCode = i.c(f.maxCode);
  Value nanMagnitude;
  switch (f.nan) {
  case SmallFloatFormat::NaN::AllOnes:
  case SmallFloatFormat::NaN::IEEE:
    nanMagnitude = i.c(signBit - 1);
    break;
  case SmallFloatFormat::NaN::NegativeZero:
  case SmallFloatFormat::NaN::None:
    nanMagnitude = i.c(0);
    break;
  }
  // Beyond the largest finite number: saturate, or infinity, or NaN.
  Value beyond;
  if (saturate || f.nan == SmallFloatFormat::NaN::None)
    beyond = maxCode;
  else if (f.hasInf)
    beyond = i.c(f.maxCode + 1); // E5M2's infinity follows its largest number
  else
    beyond = nanMagnitude;
  Value overflow = arith::OrIOp::create(b, loc, isInf, i.cmp(P::sgt, code, maxCode));
  code = i.sel(overflow, beyond, code);
  code = i.sel(isNaN, nanMagnitude, code);
  Value result = i.bor(code, i.shl(sign, i.c(f.bits - 1)));
  if (f.nan == SmallFloatFormat::NaN::NegativeZero) {
    // No negative zero: zero is unsigned, and 0x80 is the NaN (which a
    // non-saturating overflow gives too).
    Value nanResult = isNaN;
    if (!saturate)
      nanResult = arith::OrIOp::create(b, loc, isNaN, overflow);
    result = i.sel(i.eq(code, i.c(0)), i.c(0), result);
    result = i.sel(nanResult, i.c(signBit), result);
  }
  return arith::TruncIOp::create(b, loc, i8, result);
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
    if (saturate && isSmallFloat(toFloat)) {
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
    if (to.getIntOrFloatBitWidth() < 8) {
      // 4- and 2-bit integers wrap around (ONNX's reference does): convert
      // to a wide integer and keep the low bits.
      Value wide = arith::FPToSIOp::create(b, loc, b.getI32Type(), x);
      return arith::TruncIOp::create(b, loc, targetType, wide);
    }
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
