//===- LoweringUtils.cpp - Shared builders for GraphToLinalg --------------===//

#include "passes/conversion/GraphToLinalg/LoweringUtils.h"

#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

using namespace mlir;

namespace kiln::conversion {

Value buildBroadcastElementwise(OpBuilder &b, Location loc,
                                RankedTensorType resultType, ValueRange inputs,
                                const ElementwiseBodyFn &body) {
  int64_t rank = resultType.getRank();
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (Value input : inputs) {
    auto type = llvm::cast<RankedTensorType>(input.getType());
    int64_t offset = rank - type.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      bool broadcast = type.getDimSize(i) == 1 && resultType.getDimSize(i + offset) != 1;
      exprs.push_back(broadcast ? getAffineConstantExpr(0, ctx)
                                : getAffineDimExpr(i + offset, ctx));
    }
    maps.push_back(AffineMap::get(rank, 0, exprs, ctx));
  }
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = tensor::EmptyOp::create(b, loc, resultType.getShape(),
                                       resultType.getElementType());
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, inputs, init, maps, iterators,
      [&](OpBuilder &nested, Location nestedLoc, ValueRange args) {
        Value result = body(nested, nestedLoc, args.drop_back());
        linalg::YieldOp::create(nested, nestedLoc, result);
      });
  return generic.getResult(0);
}

RankedTensorType convertedType(const TypeConverter *converter, Operation *op) {
  return llvm::cast<RankedTensorType>(converter->convertType(op->getResult(0).getType()));
}

Value loadScalar(OpBuilder &b, Location loc, Value stored, Type graphElement) {
  if (stored.getType() == graphElement)
    return stored;
  if (graph::isSmallFloat(graphElement))
    return graph::decodeSmallFloat(b, loc, stored, llvm::cast<FloatType>(graphElement));
  if (auto integer = llvm::dyn_cast<IntegerType>(graphElement);
      integer && integer.getWidth() < 8)
    return arith::TruncIOp::create(b, loc, b.getIntegerType(integer.getWidth()), stored);
  return stored;
}

Value storeScalar(OpBuilder &b, Location loc, Value scalar, Type graphElement, bool saturate,
                  StringRef roundMode) {
  if (graph::isSmallFloat(graphElement))
    return graph::encodeSmallFloat(b, loc, scalar, llvm::cast<FloatType>(graphElement),
                                   saturate, roundMode);
  auto integer = llvm::dyn_cast<IntegerType>(graphElement);
  if (!integer || integer.getWidth() >= 8 || !scalar.getType().isInteger(integer.getWidth()))
    return scalar;
  // Bytes hold sub-byte integers sign- or zero-extended; bools as 0 or 1.
  if (integer.getWidth() == 1 || integer.isUnsigned())
    return arith::ExtUIOp::create(b, loc, b.getI8Type(), scalar);
  return arith::ExtSIOp::create(b, loc, b.getI8Type(), scalar);
}

Type scalarTypeFor(Type graphElement) {
  if (graph::isSmallFloat(graphElement))
    return Float32Type::get(graphElement.getContext());
  return graph::getSignlessType(graphElement);
}

Type computeType(Type elementType) {
  if (elementType.isF16() || elementType.isBF16())
    return Float32Type::get(elementType.getContext());
  return elementType;
}

Value convertElements(OpBuilder &b, Location loc, Value value, RankedTensorType resultType) {
  auto type = llvm::cast<RankedTensorType>(value.getType());
  if (type.getElementType() == resultType.getElementType())
    return value;
  return buildBroadcastElementwise(
      b, loc, resultType, {value}, [&](OpBuilder &nb, Location l, ValueRange args) {
        return graph::convertScalar(nb, l, args[0], type.getElementType(),
                                    resultType.getElementType());
      });
}

Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                   Value value) {
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  return linalg::FillOp::create(b, loc, value, empty).getResult(0);
}

Value padTensor(OpBuilder &b, Location loc, Value input,
                ArrayRef<int64_t> padBegin, ArrayRef<int64_t> padEnd,
                Value value) {
  if (llvm::all_of(padBegin, [](int64_t p) { return p == 0; }) &&
      llvm::all_of(padEnd, [](int64_t p) { return p == 0; }))
    return input;
  auto type = llvm::cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> shape(type.getShape());
  SmallVector<OpFoldResult> low, high;
  for (size_t i = 0; i < shape.size(); ++i) {
    shape[i] += padBegin[i] + padEnd[i];
    low.push_back(b.getIndexAttr(padBegin[i]));
    high.push_back(b.getIndexAttr(padEnd[i]));
  }
  auto resultType = RankedTensorType::get(shape, type.getElementType());
  return tensor::PadOp::create(b, loc, resultType, input, low, high, value);
}

Value reshapeTensor(OpBuilder &b, Location loc, Value input,
                    RankedTensorType type) {
  auto source = llvm::cast<RankedTensorType>(input.getType());
  if (source == type)
    return input;
  if (auto reassociation = getReassociationIndicesForReshape(source, type)) {
    if (source.getRank() > type.getRank())
      return tensor::CollapseShapeOp::create(b, loc, type, input, *reassociation);
    return tensor::ExpandShapeOp::create(b, loc, type, input, *reassociation);
  }
  // Not a single collapse or expand: go through the flat vector.
  auto flatType = RankedTensorType::get({source.getNumElements()},
                                        source.getElementType());
  SmallVector<ReassociationIndices> toFlat(1);
  for (int64_t i = 0; i < source.getRank(); ++i)
    toFlat[0].push_back(i);
  Value flat = tensor::CollapseShapeOp::create(b, loc, flatType, input, toFlat);
  SmallVector<ReassociationIndices> fromFlat(1);
  for (int64_t i = 0; i < type.getRank(); ++i)
    fromFlat[0].push_back(i);
  return tensor::ExpandShapeOp::create(b, loc, type, flat, fromFlat);
}

static SmallVector<OpFoldResult> indexAttrs(OpBuilder &b, ArrayRef<int64_t> values) {
  return llvm::map_to_vector(values, [&](int64_t v) -> OpFoldResult {
    return b.getIndexAttr(v);
  });
}

Value extractSlice(OpBuilder &b, Location loc, Value source,
                   ArrayRef<int64_t> offsets, ArrayRef<int64_t> sizes) {
  SmallVector<int64_t> unit(offsets.size(), 1);
  return tensor::ExtractSliceOp::create(b, loc, source, indexAttrs(b, offsets),
                                        indexAttrs(b, sizes), indexAttrs(b, unit));
}

RankedTensorType withUnitRow(RankedTensorType type) {
  SmallVector<int64_t> shape(type.getShape());
  shape.insert(shape.begin() + 2, 1);
  return RankedTensorType::get(shape, type.getElementType());
}

Value withUnitRow(OpBuilder &b, Location loc, Value value) {
  return reshapeTensor(b, loc, value,
                       withUnitRow(llvm::cast<RankedTensorType>(value.getType())));
}

void addUnitRow(graph::WindowGeometry &g) {
  g.kernel.insert(g.kernel.begin(), 1);
  g.strides.insert(g.strides.begin(), 1);
  g.dilations.insert(g.dilations.begin(), 1);
  g.padBegin.insert(g.padBegin.begin(), 0);
  g.padEnd.insert(g.padEnd.begin(), 0);
  g.outSizes.insert(g.outSizes.begin(), 1);
}

SmallVector<Value> windowTaps(OpBuilder &b, Location loc, Value padded,
                              const graph::WindowGeometry &g) {
  auto type = llvm::cast<RankedTensorType>(padded.getType());
  int64_t n = type.getDimSize(0), c = type.getDimSize(1);
  int64_t oh = g.outSizes[0], ow = g.outSizes[1];
  auto tapType = RankedTensorType::get({n, c, oh, ow}, type.getElementType());
  SmallVector<Value> taps;
  for (int64_t i = 0; i < g.kernel[0]; ++i)
    for (int64_t j = 0; j < g.kernel[1]; ++j)
      taps.push_back(tensor::ExtractSliceOp::create(
          b, loc, tapType, padded, indexAttrs(b, {0, 0, i * g.dilations[0], j * g.dilations[1]}),
          indexAttrs(b, {n, c, oh, ow}), indexAttrs(b, {1, 1, g.strides[0], g.strides[1]})));
  return taps;
}

Value insertSlice(OpBuilder &b, Location loc, Value source, Value dest,
                  ArrayRef<int64_t> offsets) {
  auto type = llvm::cast<RankedTensorType>(source.getType());
  SmallVector<int64_t> unit(offsets.size(), 1);
  return tensor::InsertSliceOp::create(b, loc, source, dest, indexAttrs(b, offsets),
                                       indexAttrs(b, type.getShape()),
                                       indexAttrs(b, unit));
}

} // namespace kiln::conversion
