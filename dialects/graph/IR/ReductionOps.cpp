//===- ReductionOps.cpp - Type inference and folding of reductions --------===//
//
// Inference (which is also verification) for the ops of
// GraphReductionOps.td, and constant folding of kiln.reduce: shape
// computations multiply or add dimensions with ReduceProd/ReduceSum, and
// folding them keeps shapes static.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/IR/GraphOps.h"
#include "dialects/graph/IR/ScalarBuilders.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallBitVector.h"

using namespace mlir;
using namespace kiln::graph;

/// The axes of a reduction over a tensor of `rank`, made non-negative, in
/// ascending order. Fails with an error on axes out of range or repeated.
static FailureOr<SmallVector<int64_t>>
normalizeAxes(std::optional<Location> loc, ArrayRef<int64_t> axes,
              int64_t rank) {
  llvm::SmallBitVector seen(rank);
  for (int64_t axis : axes) {
    FailureOr<int64_t> a = normalizeAxis(axis, rank);
    if (failed(a)) {
      (void)emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                              rank);
      return failure();
    }
    if (seen.test(*a)) {
      (void)emitOptionalError(loc, "axis ", axis, " is repeated");
      return failure();
    }
    seen.set(*a);
  }
  SmallVector<int64_t> result;
  for (int64_t i = 0; i < rank; ++i)
    if (seen.test(i))
      result.push_back(i);
  return result;
}

/// The shape left after reducing `axes` (sorted, non-negative) of `shape`.
static SmallVector<int64_t> reducedShape(ArrayRef<int64_t> shape,
                                         ArrayRef<int64_t> axes,
                                         bool keepdims) {
  SmallVector<int64_t> result;
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(i)))
      result.push_back(d);
    else if (keepdims)
      result.push_back(1);
  }
  return result;
}

//===----------------------------------------------------------------------===//
// kiln.reduce
//===----------------------------------------------------------------------===//

LogicalResult ReduceOp::inferReturnTypes(MLIRContext *,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  Type element = input.getElementType();
  ReduceKind kind = adaptor.getKind();
  if (element.isInteger(1)) {
    if (kind != ReduceKind::max && kind != ReduceKind::min)
      return emitOptionalError(loc, "booleans reduce with max or min only, not ",
                               stringifyReduceKind(kind));
  } else if (!llvm::isa<IntegerType, FloatType>(element)) {
    return emitOptionalError(loc, "cannot reduce elements of type ", element);
  }
  FailureOr<SmallVector<int64_t>> axes =
      normalizeAxes(loc, adaptor.getAxes(), input.getRank());
  if (failed(axes))
    return failure();
  types.push_back(RankedTensorType::get(
      reducedShape(input.getShape(), *axes, adaptor.getKeepdims()), element));
  return success();
}

namespace {
/// One accumulator per result element of a folded reduction.
class ReduceFolder {
public:
  ReduceFolder(ReduceKind kind, Type element, int64_t size)
      : kind(kind), element(element),
        isUnsigned(isUnsignedInteger(element)) {
    if (auto f = llvm::dyn_cast<FloatType>(element)) {
      // 16-bit floats accumulate in f32 and round once, as the lowering does.
      semantics = f.getWidth() < 32 ? &APFloat::IEEEsingle()
                                    : &f.getFloatSemantics();
      floats.assign(size, floatIdentity());
    } else {
      ints.assign(size, intIdentity());
    }
  }

  void combine(int64_t out, const APFloat &value) {
    bool lost;
    APFloat v = value;
    v.convert(*semantics, APFloat::rmNearestTiesToEven, &lost);
    APFloat &acc = floats[out];
    switch (kind) {
    case ReduceKind::sum:
      acc.add(v, APFloat::rmNearestTiesToEven);
      break;
    case ReduceKind::prod:
      acc.multiply(v, APFloat::rmNearestTiesToEven);
      break;
    case ReduceKind::max:
      acc = llvm::maximum(acc, v);
      break;
    case ReduceKind::min:
      acc = llvm::minimum(acc, v);
      break;
    }
  }

  void combine(int64_t out, const APInt &value) {
    APInt &acc = ints[out];
    bool isBool = element.isInteger(1);
    switch (kind) {
    case ReduceKind::sum:
      acc += value;
      break;
    case ReduceKind::prod:
      acc *= value;
      break;
    case ReduceKind::max:
      acc = isBool ? (acc | value)
                   : (isUnsigned ? llvm::APIntOps::umax(acc, value)
                                 : llvm::APIntOps::smax(acc, value));
      break;
    case ReduceKind::min:
      acc = isBool ? (acc & value)
                   : (isUnsigned ? llvm::APIntOps::umin(acc, value)
                                 : llvm::APIntOps::smin(acc, value));
      break;
    }
  }

  DenseElementsAttr result(RankedTensorType type) {
    auto f = llvm::dyn_cast<FloatType>(element);
    if (!f)
      return DenseElementsAttr::get(type, ints);
    for (APFloat &value : floats) {
      bool lost;
      value.convert(f.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    }
    return DenseElementsAttr::get(type, floats);
  }

private:
  APFloat floatIdentity() const {
    switch (kind) {
    case ReduceKind::sum:
      return APFloat::getZero(*semantics);
    case ReduceKind::prod:
      return APFloat::getOne(*semantics);
    case ReduceKind::max:
      return APFloat::getInf(*semantics, /*Negative=*/true);
    case ReduceKind::min:
      return APFloat::getInf(*semantics, /*Negative=*/false);
    }
    llvm_unreachable("covered switch");
  }

  APInt intIdentity() const {
    unsigned width = element.getIntOrFloatBitWidth();
    bool isBool = width == 1;
    switch (kind) {
    case ReduceKind::sum:
      return APInt::getZero(width);
    case ReduceKind::prod:
      return APInt(width, 1);
    case ReduceKind::max:
      return isBool || isUnsigned ? APInt::getMinValue(width)
                                  : APInt::getSignedMinValue(width);
    case ReduceKind::min:
      return isBool || isUnsigned ? APInt::getMaxValue(width)
                                  : APInt::getSignedMaxValue(width);
    }
    llvm_unreachable("covered switch");
  }

  ReduceKind kind;
  Type element;
  bool isUnsigned;
  const llvm::fltSemantics *semantics = nullptr;
  SmallVector<APFloat> floats;
  SmallVector<APInt> ints;
};
} // namespace

OpFoldResult ReduceOp::fold(FoldAdaptor adaptor) {
  auto inputType = llvm::cast<RankedTensorType>(getInput().getType());
  auto type = llvm::cast<RankedTensorType>(getType());
  if (getAxes().empty() && inputType == type)
    return getInput();
  auto elements = llvm::dyn_cast_if_present<DenseElementsAttr>(adaptor.getInput());
  if (!elements || !type.hasStaticShape() ||
      inputType.getNumElements() > kMaxFoldedElements)
    return {};
  // Infinities are the identities of max and min.
  Type element = type.getElementType();
  if (auto f = llvm::dyn_cast<FloatType>(element);
      f && !APFloat::semanticsHasInf(f.getFloatSemantics()))
    return {};
  FailureOr<SmallVector<int64_t>> axes =
      normalizeAxes(std::nullopt, getAxes(), inputType.getRank());
  if (failed(axes))
    return {};

  // Walks the input in row-major order, tracking the result element each
  // input element goes to: the result's strides over the kept axes, 0 over
  // the reduced ones.
  ArrayRef<int64_t> shape = inputType.getShape();
  int64_t rank = shape.size();
  SmallVector<int64_t> outStrides(rank, 0);
  int64_t stride = 1;
  for (int64_t i = rank - 1; i >= 0; --i) {
    if (llvm::is_contained(*axes, i))
      continue;
    outStrides[i] = stride;
    stride *= shape[i];
  }
  ReduceFolder folder(getKind(), element, type.getNumElements());
  SmallVector<int64_t> pos(rank, 0);
  auto forEach = [&](auto values) {
    int64_t out = 0;
    for (auto value : values) {
      folder.combine(out, value);
      for (int64_t i = rank - 1; i >= 0; --i) {
        out += outStrides[i];
        if (++pos[i] < shape[i])
          break;
        out -= outStrides[i] * shape[i];
        pos[i] = 0;
      }
    }
  };
  if (llvm::isa<FloatType>(element))
    forEach(elements.getValues<APFloat>());
  else
    forEach(elements.getValues<APInt>());
  return folder.result(type);
}

//===----------------------------------------------------------------------===//
// Arg-reductions, scans, top-k
//===----------------------------------------------------------------------===//

/// The shape of an arg-reduction result along `axis`.
template <typename Adaptor>
static LogicalResult inferArgReduce(MLIRContext *context,
                                    std::optional<Location> loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  FailureOr<int64_t> a = normalizeAxis(axis, input.getRank());
  if (failed(a))
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             input.getRank());
  types.push_back(RankedTensorType::get(
      reducedShape(input.getShape(), {*a}, adaptor.getKeepdims()),
      IntegerType::get(context, 64)));
  return success();
}

LogicalResult ArgMaxOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return inferArgReduce(context, loc, adaptor, types);
}

LogicalResult ArgMinOp::inferReturnTypes(MLIRContext *context,
                                         std::optional<Location> loc,
                                         Adaptor adaptor,
                                         SmallVectorImpl<Type> &types) {
  return inferArgReduce(context, loc, adaptor, types);
}

LogicalResult CumulativeOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  ReduceKind kind = adaptor.getKind();
  if (kind != ReduceKind::sum && kind != ReduceKind::prod)
    return emitOptionalError(loc, "cumulative ", stringifyReduceKind(kind),
                             " is not supported (sum or prod)");
  int64_t axis = adaptor.getAxis();
  if (failed(normalizeAxis(axis, input.getRank())))
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             input.getRank());
  types.push_back(input);
  return success();
}

LogicalResult TopKOp::inferReturnTypes(MLIRContext *context,
                                       std::optional<Location> loc,
                                       Adaptor adaptor,
                                       SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis(), k = adaptor.getK();
  FailureOr<int64_t> a = normalizeAxis(axis, input.getRank());
  if (failed(a))
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             input.getRank());
  int64_t size = input.getDimSize(*a);
  if (k < 0 || (!ShapedType::isDynamic(size) && k > size))
    return emitOptionalError(loc, "k = ", k, " is out of range for axis ",
                             axis, " of size ", size);
  SmallVector<int64_t> shape(input.getShape());
  shape[*a] = k;
  types.push_back(RankedTensorType::get(shape, input.getElementType()));
  types.push_back(RankedTensorType::get(shape, IntegerType::get(context, 64)));
  return success();
}

//===----------------------------------------------------------------------===//
// Softmax relatives
//===----------------------------------------------------------------------===//

/// Like softmax, the result has the input's type; a scalar has the one axis
/// 0 (or -1).
template <typename Adaptor>
static LogicalResult inferAlongAxis(std::optional<Location> loc,
                                    Adaptor adaptor,
                                    SmallVectorImpl<Type> &types) {
  auto input = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
  int64_t axis = adaptor.getAxis();
  if (failed(normalizeAxis(axis, std::max<int64_t>(input.getRank(), 1))))
    return emitOptionalError(loc, "axis ", axis, " is out of range for rank ",
                             input.getRank());
  types.push_back(input);
  return success();
}

LogicalResult LogSoftmaxOp::inferReturnTypes(MLIRContext *,
                                             std::optional<Location> loc,
                                             Adaptor adaptor,
                                             SmallVectorImpl<Type> &types) {
  return inferAlongAxis(loc, adaptor, types);
}

LogicalResult HardmaxOp::inferReturnTypes(MLIRContext *,
                                          std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  return inferAlongAxis(loc, adaptor, types);
}
