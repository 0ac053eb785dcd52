//===- DataMovementToLinalg.cpp - Data movement ops to linalg/tensor ------===//
//
// Unit-axis changes are collapse/expand_shape; slices with positive steps
// are tensor.extract_slice, constant padding tensor.pad, expand a
// broadcasting generic and tile a broadcast into a larger shape that is then
// collapsed. Everything that reads at computed positions (negative steps,
// reflecting pads, gathers, scatters, sequence reversal) is a linalg.generic
// over the result whose body reads with tensor.extract: tiling then never
// has to slice an operand through a non-monotonic map, and both the CPU and
// the GPU paths handle it like any other generic.
//
// Run-time indices wrap when negative (index + size, as ONNX defines) and are
// clamped into range: an out-of-range index is the model's error, and the
// clamp keeps it from reading outside the tensor.
//
// Scatters are generics over the data with a reduction loop over the
// updates that land on each element: every data element is visited once per
// candidate update (along the scatter axis for scatter_elements, per index
// row for scatter_nd), which keeps them plain linalg without in-place writes.
//
//===----------------------------------------------------------------------===//

#include "passes/conversion/GraphToLinalg/GraphToLinalg.h"
#include "passes/conversion/GraphToLinalg/LoweringUtils.h"

#include "dialects/graph/IR/DataMovement.h"
#include "dialects/graph/IR/GraphOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/TypeUtilities.h"

using namespace mlir;
using namespace kiln::graph;

namespace kiln::conversion {
namespace {

//===----------------------------------------------------------------------===//
// Index arithmetic
//===----------------------------------------------------------------------===//

Value indexConstant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantIndexOp::create(b, loc, value);
}

/// A run-time integer index (i32 or i64) as an `index`.
Value toIndex(OpBuilder &b, Location loc, Value integer) {
  return arith::IndexCastOp::create(b, loc, b.getIndexType(), integer);
}

/// `index + size` when `index` is negative.
Value wrapNegative(OpBuilder &b, Location loc, Value index, int64_t size) {
  Value zero = indexConstant(b, loc, 0);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, index, zero);
  Value wrapped = arith::AddIOp::create(b, loc, index, indexConstant(b, loc, size));
  return arith::SelectOp::create(b, loc, negative, wrapped, index);
}

Value clampIndex(OpBuilder &b, Location loc, Value index, int64_t lo, int64_t hi) {
  Value v = arith::MaxSIOp::create(b, loc, index, indexConstant(b, loc, lo));
  return arith::MinSIOp::create(b, loc, v, indexConstant(b, loc, hi));
}

/// A run-time index into an axis of `size` > 0 elements: wrapped, then
/// clamped into range.
Value safeIndex(OpBuilder &b, Location loc, Value integer, int64_t size) {
  return clampIndex(b, loc, wrapNegative(b, loc, toIndex(b, loc, integer), size), 0,
                    size - 1);
}

/// `a mod m` in [0, m).
Value positiveMod(OpBuilder &b, Location loc, Value a, int64_t m) {
  Value mv = indexConstant(b, loc, m);
  Value r = arith::RemSIOp::create(b, loc, a, mv);
  Value negative =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, indexConstant(b, loc, 0));
  return arith::SelectOp::create(b, loc, negative, arith::AddIOp::create(b, loc, r, mv), r);
}

/// padSourcePosition (DataMovement.h) as IR.
Value buildPadSourcePosition(OpBuilder &b, Location loc, PadMode mode, Value pos,
                             int64_t size) {
  switch (mode) {
  case PadMode::edge:
    return clampIndex(b, loc, pos, 0, size - 1);
  case PadMode::wrap:
    return positiveMod(b, loc, pos, size);
  case PadMode::reflect: {
    if (size == 1)
      return indexConstant(b, loc, 0);
    int64_t period = 2 * (size - 1);
    Value m = positiveMod(b, loc, pos, period);
    Value inside =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, m, indexConstant(b, loc, size));
    Value mirrored = arith::SubIOp::create(b, loc, indexConstant(b, loc, period), m);
    return arith::SelectOp::create(b, loc, inside, m, mirrored);
  }
  case PadMode::constant:
    break;
  }
  return pos;
}

/// The element of a one-element tensor (any rank).
Value extractOnly(OpBuilder &b, Location loc, Value tensor) {
  auto type = llvm::cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> zeros;
  if (type.getRank() > 0)
    zeros.assign(type.getRank(), indexConstant(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, tensor, zeros);
}

//===----------------------------------------------------------------------===//
// Generic builders
//===----------------------------------------------------------------------===//

/// The loop indices of a linalg.generic body, each created (at the start of
/// the body) when first read, so bodies contain only the ones they use.
class LoopIndices {
public:
  LoopIndices(OpBuilder &b, Location loc, int64_t count)
      : b(b), loc(loc), indices(count) {}

  Value operator[](int64_t d) {
    if (!indices[d]) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(b.getInsertionBlock());
      indices[d] = linalg::IndexOp::create(b, loc, d);
    }
    return indices[d];
  }
  /// Indices [begin, end).
  SmallVector<Value> slice(int64_t begin, int64_t end) {
    SmallVector<Value> result;
    for (int64_t d = begin; d < end; ++d)
      result.push_back((*this)[d]);
    return result;
  }
  int64_t size() const { return indices.size(); }

private:
  OpBuilder &b;
  Location loc;
  SmallVector<Value> indices;
};

/// Builds one result element from its index and the elements of the inputs.
using IndexedBodyFn = llvm::function_ref<Value(OpBuilder &, Location,
                                               LoopIndices &ivs, ValueRange args)>;

/// A parallel linalg.generic producing `type`, reading `inputs` through
/// `inputMaps` (over the result's axes); `body` gets the result index.
Value buildIndexedGeneric(OpBuilder &b, Location loc, RankedTensorType type,
                          ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                          IndexedBodyFn body) {
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  Value init = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, type, inputs, init, maps, iterators,
      [&](OpBuilder &nb, Location nl, ValueRange args) {
        LoopIndices ivs(nb, nl, rank);
        linalg::YieldOp::create(nb, nl, body(nb, nl, ivs, args.drop_back()));
      });
  return generic.getResult(0);
}

/// The map from `numDims` loop dimensions to the listed ones.
AffineMap selectDims(MLIRContext *ctx, int64_t numDims, ArrayRef<int64_t> dims) {
  SmallVector<AffineExpr> exprs;
  for (int64_t d : dims)
    exprs.push_back(getAffineDimExpr(d, ctx));
  return AffineMap::get(numDims, 0, exprs, ctx);
}

SmallVector<int64_t> range(int64_t begin, int64_t end) {
  SmallVector<int64_t> r;
  for (int64_t i = begin; i < end; ++i)
    r.push_back(i);
  return r;
}

Value emptyLike(OpBuilder &b, Location loc, RankedTensorType type) {
  return tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
}

//===----------------------------------------------------------------------===//
// Unit axes, slices, broadcasting, tiling, padding
//===----------------------------------------------------------------------===//

template <typename OpTy>
struct UnitAxesToReshape : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;

  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = convertedType(this->getTypeConverter(), op);
    rewriter.replaceOp(op, reshapeTensor(rewriter, op.getLoc(), adaptor.getInput(), type));
    return success();
  }
};

struct SliceToTensor : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    auto inputType = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
    SmallVector<SliceAxis> g;
    if (failed(computeSliceGeometry(loc, inputType.getShape(), op.getStarts(),
                                    op.getEnds(), op.getAxes(), op.getSteps(), g)))
      return failure();
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    if (llvm::all_of(g, [](const SliceAxis &a) { return a.step > 0; })) {
      SmallVector<OpFoldResult> offsets, sizes, strides;
      for (const SliceAxis &a : g) {
        offsets.push_back(rewriter.getIndexAttr(a.start));
        sizes.push_back(rewriter.getIndexAttr(a.size));
        strides.push_back(rewriter.getIndexAttr(a.step));
      }
      rewriter.replaceOpWithNewOp<tensor::ExtractSliceOp>(op, type, adaptor.getInput(),
                                                          offsets, sizes, strides);
      return success();
    }
    Value input = adaptor.getInput();
    rewriter.replaceOp(
        op, buildIndexedGeneric(rewriter, loc, type, {}, {},
                                [&](OpBuilder &b, Location l, LoopIndices &ivs,
                                    ValueRange) -> Value {
                                  SmallVector<Value> at;
                                  for (auto [d, a] : llvm::enumerate(g)) {
                                    if (a.start == 0 && a.step == 1) {
                                      at.push_back(ivs[d]);
                                      continue;
                                    }
                                    Value scaled = arith::MulIOp::create(
                                        b, l, ivs[d], indexConstant(b, l, a.step));
                                    at.push_back(arith::AddIOp::create(
                                        b, l, scaled, indexConstant(b, l, a.start)));
                                  }
                                  return tensor::ExtractOp::create(b, l, input, at);
                                }));
    return success();
  }
};

struct ExpandToLinalg : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, op.getLoc(), type));
      return success();
    }
    rewriter.replaceOp(op, buildBroadcastElementwise(
                               rewriter, op.getLoc(), type, {adaptor.getInput()},
                               [](OpBuilder &, Location, ValueRange args) { return args[0]; }));
    return success();
  }
};

/// tile(x, r) is x broadcast to [r0, d0, r1, d1, ...], collapsed pairwise.
struct TileToLinalg : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TileOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    auto inputType = llvm::cast<RankedTensorType>(adaptor.getInput().getType());
    int64_t rank = inputType.getRank();
    SmallVector<int64_t> expanded, inputDims;
    for (int64_t d = 0; d < rank; ++d) {
      expanded.push_back(op.getRepeats()[d]);
      expanded.push_back(inputType.getDimSize(d));
      inputDims.push_back(2 * d + 1);
    }
    auto expandedType = RankedTensorType::get(expanded, type.getElementType());
    Value broadcast = buildIndexedGeneric(
        rewriter, loc, expandedType, {adaptor.getInput()},
        {selectDims(getContext(), 2 * rank, inputDims)},
        [](OpBuilder &, Location, LoopIndices &, ValueRange args) { return args[0]; });
    rewriter.replaceOp(op, reshapeTensor(rewriter, loc, broadcast, type));
    return success();
  }
};

struct PadToLinalg : OpConversionPattern<PadOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(PadOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    Value input = adaptor.getInput();
    auto inputType = llvm::cast<RankedTensorType>(input.getType());
    int64_t rank = inputType.getRank();
    ArrayRef<int64_t> pads = op.getPads();
    // Negative pads crop first; what remains is padded.
    SmallVector<int64_t> offsets, sizes, begin, end;
    bool crops = false;
    for (int64_t d = 0; d < rank; ++d) {
      int64_t cropBegin = std::max<int64_t>(0, -pads[d]);
      int64_t cropEnd = std::max<int64_t>(0, -pads[d + rank]);
      crops |= cropBegin > 0 || cropEnd > 0;
      offsets.push_back(cropBegin);
      sizes.push_back(inputType.getDimSize(d) - cropBegin - cropEnd);
      begin.push_back(std::max<int64_t>(0, pads[d]));
      end.push_back(std::max<int64_t>(0, pads[d + rank]));
    }
    if (crops)
      input = extractSlice(rewriter, loc, input, offsets, sizes);

    if (op.getMode() == PadMode::constant) {
      Value value = adaptor.getValue()
                        ? extractOnly(rewriter, loc, adaptor.getValue())
                        : scalarConstant(rewriter, loc, type.getElementType(), 0);
      rewriter.replaceOp(op, padTensor(rewriter, loc, input, begin, end, value));
      return success();
    }
    PadMode mode = op.getMode();
    rewriter.replaceOp(
        op, buildIndexedGeneric(
                rewriter, loc, type, {}, {},
                [&](OpBuilder &b, Location l, LoopIndices &ivs, ValueRange) -> Value {
                  SmallVector<Value> at;
                  for (int64_t d = 0; d < rank; ++d) {
                    if (begin[d] == 0 && end[d] == 0) {
                      at.push_back(ivs[d]);
                      continue;
                    }
                    Value pos =
                        arith::SubIOp::create(b, l, ivs[d], indexConstant(b, l, begin[d]));
                    at.push_back(buildPadSourcePosition(b, l, mode, pos, sizes[d]));
                  }
                  return tensor::ExtractOp::create(b, l, input, at);
                }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Gathers
//===----------------------------------------------------------------------===//

struct GatherToLinalg : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    Value data = adaptor.getData();
    auto dataType = llvm::cast<RankedTensorType>(data.getType());
    int64_t axis = *normalizeAxis(op.getAxis(), dataType.getRank());
    int64_t q = llvm::cast<RankedTensorType>(adaptor.getIndices().getType()).getRank();
    int64_t size = dataType.getDimSize(axis);
    AffineMap indicesMap = selectDims(getContext(), type.getRank(), range(axis, axis + q));
    rewriter.replaceOp(
        op, buildIndexedGeneric(
                rewriter, loc, type, {adaptor.getIndices()}, {indicesMap},
                [&](OpBuilder &b, Location l, LoopIndices &ivs, ValueRange args) -> Value {
                  SmallVector<Value> at = ivs.slice(0, axis);
                  at.push_back(safeIndex(b, l, args[0], size));
                  llvm::append_range(at, ivs.slice(axis + q, ivs.size()));
                  return tensor::ExtractOp::create(b, l, data, at);
                }));
    return success();
  }
};

struct GatherElementsToLinalg : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    Value data = adaptor.getData();
    auto dataType = llvm::cast<RankedTensorType>(data.getType());
    int64_t axis = *normalizeAxis(op.getAxis(), dataType.getRank());
    int64_t size = dataType.getDimSize(axis);
    rewriter.replaceOp(
        op, buildIndexedGeneric(
                rewriter, loc, type, {adaptor.getIndices()},
                {rewriter.getMultiDimIdentityMap(type.getRank())},
                [&](OpBuilder &b, Location l, LoopIndices &ivs, ValueRange args) -> Value {
                  SmallVector<Value> at;
                  for (int64_t d = 0; d < ivs.size(); ++d)
                    at.push_back(d == axis ? safeIndex(b, l, args[0], size) : ivs[d]);
                  return tensor::ExtractOp::create(b, l, data, at);
                }));
    return success();
  }
};

struct GatherNDToLinalg : OpConversionPattern<GatherNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GatherNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataType = llvm::cast<RankedTensorType>(data.getType());
    auto indicesType = llvm::cast<RankedTensorType>(indices.getType());
    int64_t b = op.getBatchDims(), q = indicesType.getRank();
    int64_t k = indicesType.getShape().back();
    rewriter.replaceOp(
        op, buildIndexedGeneric(
                rewriter, loc, type, {}, {},
                [&](OpBuilder &nb, Location l, LoopIndices &ivs, ValueRange) -> Value {
                  // The result index is (indices' leading axes, trailing data axes).
                  SmallVector<Value> at = ivs.slice(0, b);
                  SmallVector<Value> row = ivs.slice(0, q - 1);
                  row.push_back(Value());
                  for (int64_t j = 0; j < k; ++j) {
                    row.back() = indexConstant(nb, l, j);
                    Value index = tensor::ExtractOp::create(nb, l, indices, row);
                    at.push_back(safeIndex(nb, l, index, dataType.getDimSize(b + j)));
                  }
                  llvm::append_range(at, ivs.slice(q - 1, ivs.size()));
                  return tensor::ExtractOp::create(nb, l, data, at);
                }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Scatters
//===----------------------------------------------------------------------===//

/// `current` combined with `update` by `reduction` (both stored scalars).
Value combineScatter(OpBuilder &b, Location loc, ScatterReduction reduction,
                     Value current, Value update, bool isUnsigned) {
  switch (reduction) {
  case ScatterReduction::none:
    return update;
  case ScatterReduction::add:
    return addScalars(b, loc, current, update);
  case ScatterReduction::mul:
    return mulScalars(b, loc, current, update);
  case ScatterReduction::max:
    return maxScalars(b, loc, current, update, isUnsigned);
  case ScatterReduction::min:
    return minScalars(b, loc, current, update, isUnsigned);
  }
  return update;
}

/// A generic over the data's axes (parallel) and `updateShape` (reduction)
/// whose body decides, per data element and candidate update, whether the
/// update lands there and which update element it is. `body` returns
/// {lands (i1), update value}.
/// The loop indices are the data's, then `updateShape`'s.
using ScatterBodyFn = llvm::function_ref<std::pair<Value, Value>(
    OpBuilder &, Location, LoopIndices &ivs)>;

Value buildScatter(OpBuilder &b, Location loc, Value data,
                   ArrayRef<int64_t> updateShape, ScatterReduction reduction,
                   bool isUnsigned, ScatterBodyFn body) {
  auto type = llvm::cast<RankedTensorType>(data.getType());
  int64_t rank = type.getRank(), numUpdateDims = updateShape.size();
  int64_t numDims = rank + numUpdateDims;
  MLIRContext *ctx = b.getContext();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  if (numUpdateDims > 0) {
    // Unread; it gives the update loops their sizes.
    inputs.push_back(tensor::EmptyOp::create(b, loc, updateShape, b.getI8Type()));
    maps.push_back(selectDims(ctx, numDims, range(rank, numDims)));
  }
  maps.push_back(selectDims(ctx, numDims, range(0, rank)));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.append(numUpdateDims, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, type, inputs, data, maps, iterators,
      [&](OpBuilder &nb, Location l, ValueRange args) {
        LoopIndices ivs(nb, l, numDims);
        auto [lands, update] = body(nb, l, ivs);
        Value current = args.back();
        Value combined = combineScatter(nb, l, reduction, current, update, isUnsigned);
        linalg::YieldOp::create(
            nb, l, ValueRange{arith::SelectOp::create(nb, l, lands, combined, current)});
      });
  return generic.getResult(0);
}

Value andBits(OpBuilder &b, Location loc, Value x, Value y) {
  return x ? arith::AndIOp::create(b, loc, x, y).getResult() : y;
}

struct ScatterElementsToLinalg : OpConversionPattern<ScatterElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ScatterElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    auto dataType = llvm::cast<RankedTensorType>(data.getType());
    auto indicesType = llvm::cast<RankedTensorType>(indices.getType());
    if (dataType.getNumElements() == 0 || indicesType.getNumElements() == 0) {
      rewriter.replaceOp(op, data);
      return success();
    }
    int64_t rank = dataType.getRank();
    int64_t axis = *normalizeAxis(op.getAxis(), rank);
    bool isUnsigned = isUnsignedInteger(op.getData().getType());
    // Along the axis any update may land on any element; on the other axes
    // only the update at the same position, which exists where the indices
    // reach that far.
    rewriter.replaceOp(
        op, buildScatter(
                rewriter, loc, data, {indicesType.getDimSize(axis)}, op.getReduction(),
                isUnsigned,
                [&](OpBuilder &b, Location l, LoopIndices &ivs) -> std::pair<Value, Value> {
                  Value valid;
                  SmallVector<Value> at;
                  Value zero = indexConstant(b, l, 0);
                  for (int64_t d = 0; d < rank; ++d) {
                    if (d == axis) {
                      at.push_back(ivs[rank]);
                      continue;
                    }
                    int64_t limit = indicesType.getDimSize(d);
                    if (limit >= dataType.getDimSize(d)) {
                      at.push_back(ivs[d]);
                      continue;
                    }
                    Value inside = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt,
                                                         ivs[d], indexConstant(b, l, limit));
                    valid = andBits(b, l, valid, inside);
                    at.push_back(arith::SelectOp::create(b, l, inside, ivs[d], zero));
                  }
                  Value index = wrapNegative(
                      b, l, toIndex(b, l, tensor::ExtractOp::create(b, l, indices, at)),
                      dataType.getDimSize(axis));
                  Value lands = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, index,
                                                      ivs[axis]);
                  lands = andBits(b, l, valid, lands);
                  return {lands, tensor::ExtractOp::create(b, l, updates, at)};
                }));
    return success();
  }
};

struct ScatterNDToLinalg : OpConversionPattern<ScatterNDOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ScatterNDOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    auto dataType = llvm::cast<RankedTensorType>(data.getType());
    auto indicesType = llvm::cast<RankedTensorType>(indices.getType());
    if (dataType.getNumElements() == 0 || indicesType.getNumElements() == 0) {
      rewriter.replaceOp(op, data);
      return success();
    }
    int64_t k = indicesType.getShape().back();
    ArrayRef<int64_t> rows = indicesType.getShape().drop_back();
    bool isUnsigned = isUnsignedInteger(op.getData().getType());
    rewriter.replaceOp(
        op, buildScatter(
                rewriter, loc, data, rows, op.getReduction(), isUnsigned,
                [&](OpBuilder &b, Location l, LoopIndices &ivs) -> std::pair<Value, Value> {
                  int64_t rank = dataType.getRank();
                  SmallVector<Value> rowIvs = ivs.slice(rank, ivs.size());
                  Value lands;
                  SmallVector<Value> at(rowIvs);
                  at.push_back(Value());
                  for (int64_t j = 0; j < k; ++j) {
                    at.back() = indexConstant(b, l, j);
                    Value index = wrapNegative(
                        b, l, toIndex(b, l, tensor::ExtractOp::create(b, l, indices, at)),
                        dataType.getDimSize(j));
                    lands = andBits(b, l, lands,
                                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq,
                                                          index, ivs[j]));
                  }
                  SmallVector<Value> updateAt(rowIvs);
                  llvm::append_range(updateAt, ivs.slice(k, rank));
                  return {lands, tensor::ExtractOp::create(b, l, updates, updateAt)};
                }));
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Masks and generated patterns
//===----------------------------------------------------------------------===//

struct TriluToLinalg : OpConversionPattern<TriluOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TriluOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    int64_t rank = type.getRank();
    Value k = adaptor.getK() ? toIndex(rewriter, loc, extractOnly(rewriter, loc, adaptor.getK()))
                             : indexConstant(rewriter, loc, 0);
    Value zero = scalarConstant(rewriter, loc, type.getElementType(), 0);
    auto predicate = op.getUpper() ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle;
    rewriter.replaceOp(
        op, buildIndexedGeneric(
                rewriter, loc, type, {adaptor.getInput()},
                {rewriter.getMultiDimIdentityMap(rank)},
                [&](OpBuilder &b, Location l, LoopIndices &ivs, ValueRange args) -> Value {
                  Value diagonal = arith::SubIOp::create(b, l, ivs[rank - 1], ivs[rank - 2]);
                  Value keep = arith::CmpIOp::create(b, l, predicate, diagonal, k);
                  return arith::SelectOp::create(b, l, keep, args[0], zero);
                }));
    return success();
  }
};

struct OneHotToLinalg : OpConversionPattern<OneHotOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(OneHotOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    int64_t rank = type.getRank(), depth = op.getDepth();
    int64_t axis = *normalizeAxis(op.getAxis(), rank);
    Value values = adaptor.getValues();
    Value off = tensor::ExtractOp::create(rewriter, loc, values,
                                          ValueRange{indexConstant(rewriter, loc, 0)});
    Value on = tensor::ExtractOp::create(rewriter, loc, values,
                                         ValueRange{indexConstant(rewriter, loc, 1)});
    Type indexElement = getElementTypeOrSelf(op.getIndices().getType());
    bool isUnsigned = isUnsignedInteger(indexElement);
    SmallVector<int64_t> indexDims = range(0, rank);
    indexDims.erase(indexDims.begin() + axis);
    rewriter.replaceOp(
        op, buildIndexedGeneric(
                rewriter, loc, type, {adaptor.getIndices()},
                {selectDims(getContext(), rank, indexDims)},
                [&](OpBuilder &b, Location l, LoopIndices &ivs, ValueRange args) -> Value {
                  // Floats truncate; every index compares as i64.
                  Value index = args[0];
                  Type i64 = b.getI64Type();
                  if (llvm::isa<FloatType>(index.getType()))
                    index = arith::FPToSIOp::create(b, l, i64, index);
                  else if (index.getType().getIntOrFloatBitWidth() < 64)
                    index = isUnsigned ? arith::ExtUIOp::create(b, l, i64, index).getResult()
                                       : arith::ExtSIOp::create(b, l, i64, index).getResult();
                  Value depthValue = arith::ConstantIntOp::create(b, l, i64, depth);
                  Value negative = arith::CmpIOp::create(
                      b, l, arith::CmpIPredicate::slt, index,
                      arith::ConstantIntOp::create(b, l, i64, 0));
                  index = arith::SelectOp::create(
                      b, l, negative, arith::AddIOp::create(b, l, index, depthValue), index);
                  Value position = arith::IndexCastOp::create(b, l, i64, ivs[axis]);
                  Value hot = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, index,
                                                    position);
                  return arith::SelectOp::create(b, l, hot, on, off);
                }));
    return success();
  }
};

struct EyeLikeToLinalg : OpConversionPattern<EyeLikeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(EyeLikeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    Value zero = scalarConstant(rewriter, loc, type.getElementType(), 0);
    Value one = scalarConstant(rewriter, loc, type.getElementType(), 1);
    int64_t k = op.getK();
    rewriter.replaceOp(
        op, buildIndexedGeneric(
                rewriter, loc, type, {}, {},
                [&](OpBuilder &b, Location l, LoopIndices &ivs, ValueRange) -> Value {
                  Value diagonal = arith::SubIOp::create(b, l, ivs[1], ivs[0]);
                  Value on = arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, diagonal,
                                                   indexConstant(b, l, k));
                  return arith::SelectOp::create(b, l, on, one, zero);
                }));
    return success();
  }
};

struct ReverseSequenceToLinalg : OpConversionPattern<ReverseSequenceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ReverseSequenceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = convertedType(getTypeConverter(), op);
    if (type.getNumElements() == 0) {
      rewriter.replaceOp(op, emptyLike(rewriter, loc, type));
      return success();
    }
    Value input = adaptor.getInput();
    int64_t batchAxis = op.getBatchAxis(), timeAxis = op.getTimeAxis();
    int64_t steps = type.getDimSize(timeAxis);
    rewriter.replaceOp(
        op, buildIndexedGeneric(
                rewriter, loc, type, {adaptor.getSequenceLens()},
                {selectDims(getContext(), type.getRank(), {batchAxis})},
                [&](OpBuilder &b, Location l, LoopIndices &ivs, ValueRange args) -> Value {
                  Value length = clampIndex(b, l, toIndex(b, l, args[0]), 0, steps);
                  Value t = ivs[timeAxis];
                  Value reversed = arith::SubIOp::create(
                      b, l, arith::SubIOp::create(b, l, length, indexConstant(b, l, 1)), t);
                  Value inside =
                      arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, t, length);
                  SmallVector<Value> at = ivs.slice(0, ivs.size());
                  at[timeAxis] = arith::SelectOp::create(b, l, inside, reversed, t);
                  return tensor::ExtractOp::create(b, l, input, at);
                }));
    return success();
  }
};

} // namespace

void populateDataMovementToLinalgPatterns(const TypeConverter &converter,
                                          RewritePatternSet &patterns) {
  patterns.add<UnitAxesToReshape<UnsqueezeOp>, UnitAxesToReshape<SqueezeOp>,
               SliceToTensor, ExpandToLinalg, TileToLinalg, PadToLinalg, GatherToLinalg,
               GatherElementsToLinalg, GatherNDToLinalg, ScatterElementsToLinalg,
               ScatterNDToLinalg, TriluToLinalg, OneHotToLinalg, EyeLikeToLinalg,
               ReverseSequenceToLinalg>(converter, patterns.getContext());
}

} // namespace kiln::conversion
