//===- DataMovementOps.cpp - Inference and folds of data movement ops -----===//
//
// Type inference (which is also verification) and constant folding of the
// ops in GraphDataMovementOps.td. These ops make up the shape computations
// exporters emit (Shape -> Gather -> Unsqueeze -> Concat -> Reshape ...), so
// every one folds when its operands are constants: the importer folds as it
// goes and static shapes follow. Folding moves raw element bytes, so it works
// for every element type and stays cheap for large weights.
//
//===----------------------------------------------------------------------===//

#include "dialects/graph/IR/DataMovement.h"
#include "dialects/graph/IR/GraphOps.h"
#include "dialects/graph/IR/ScalarBuilders.h"

#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

#include <cstring>
#include <numeric>

using namespace mlir;
using namespace kiln::graph;

//===----------------------------------------------------------------------===//
// Shared geometry
//===----------------------------------------------------------------------===//

FailureOr<SmallVector<int64_t>>
kiln::graph::normalizeAxes(std::optional<Location> loc, ArrayRef<int64_t> axes,
                           int64_t rank, StringRef what) {
  SmallVector<int64_t> result;
  SmallVector<bool> seen(rank, false);
  for (int64_t axis : axes) {
    FailureOr<int64_t> normalized = normalizeAxis(axis, rank);
    if (failed(normalized)) {
      (void)emitOptionalError(loc, what, " axis ", axis,
                              " is out of range for rank ", rank);
      return failure();
    }
    if (seen[*normalized]) {
      (void)emitOptionalError(loc, what, " axis ", axis, " is repeated");
      return failure();
    }
    seen[*normalized] = true;
    result.push_back(*normalized);
  }
  return result;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

LogicalResult kiln::graph::computeSliceGeometry(
    std::optional<Location> loc, ArrayRef<int64_t> shape,
    ArrayRef<int64_t> starts, ArrayRef<int64_t> ends, ArrayRef<int64_t> axes,
    ArrayRef<int64_t> steps, SmallVectorImpl<SliceAxis> &geometry) {
  size_t n = starts.size();
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    return emitOptionalError(loc, "slice starts, ends, axes and steps must have "
                                  "the same length, got ",
                             n, ", ", ends.size(), ", ", axes.size(), " and ",
                             steps.size());
  int64_t rank = shape.size();
  FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(loc, axes, rank, "slice");
  if (failed(normalized))
    return failure();
  geometry.clear();
  for (int64_t dim : shape)
    geometry.push_back({0, dim, 1});
  for (size_t i = 0; i < n; ++i) {
    int64_t axis = (*normalized)[i], step = steps[i], dim = shape[axis];
    if (step == 0)
      return emitOptionalError(loc, "slice steps must be non-zero");
    if (ShapedType::isDynamic(dim)) {
      geometry[axis] = {0, ShapedType::kDynamic, step};
      continue;
    }
    if (dim == 0) {
      geometry[axis] = {0, 0, step};
      continue;
    }
    int64_t start = starts[i], end = ends[i];
    // Adding a non-negative size to a negative value cannot overflow.
    if (start < 0)
      start += dim;
    if (end < 0)
      end += dim;
    int64_t size;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      size = end > start ? ceilDiv(end - start, step) : 0;
    } else {
      // Walking backwards, -1 (before the first element) ends the slice.
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      size = start > end ? ceilDiv(start - end, -step) : 0;
    }
    geometry[axis] = {size == 0 ? 0 : start, size, step};
  }
  return success();
}

int64_t kiln::graph::padSourcePosition(PadMode mode, int64_t pos, int64_t size) {
  auto positiveMod = [](int64_t a, int64_t m) { return ((a % m) + m) % m; };
  switch (mode) {
  case PadMode::edge:
    return std::clamp<int64_t>(pos, 0, size - 1);
  case PadMode::wrap:
    return positiveMod(pos, size);
  case PadMode::reflect: {
    if (size == 1)
      return 0;
    // Reflection without repeating the edge is periodic in 2 * (size - 1).
    int64_t period = 2 * (size - 1);
    int64_t m = positiveMod(pos, period);
    return m < size ? m : period - m;
  }
  case PadMode::constant:
    break;
  }
  return pos;
}

unsigned kiln::graph::getStorageBitWidth(Type type) {
  return type.isInteger(1) ? 8 : type.getIntOrFloatBitWidth();
}

//===----------------------------------------------------------------------===//
// Folding helpers
//===----------------------------------------------------------------------===//

namespace {

/// Calls `fn` with every index of `shape` in row-major order.
void forEachIndex(ArrayRef<int64_t> shape,
                  llvm::function_ref<void(ArrayRef<int64_t>)> fn) {
  int64_t total = 1;
  for (int64_t d : shape)
    total *= d;
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0; n < total; ++n) {
    fn(index);
    for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
      if (++index[i] < shape[i])
        break;
      index[i] = 0;
    }
  }
}

/// A constant of `type` whose element i is element `index[i]` of the
/// concatenation of `sources` (each read row-major; all with `type`'s element
/// type). Splat sources count their logical number of elements.
DenseElementsAttr moveElements(ArrayRef<DenseElementsAttr> sources,
                               RankedTensorType type, ArrayRef<int64_t> index) {
  SmallVector<int64_t> begins;
  int64_t total = 0;
  for (DenseElementsAttr s : sources) {
    begins.push_back(total);
    total += s.getNumElements();
  }
  // The source holding concatenated position `i`, and the position in it.
  auto locate = [&](int64_t i) -> std::pair<size_t, int64_t> {
    size_t k = sources.size() - 1;
    while (k > 0 && i < begins[k])
      --k;
    return {k, i - begins[k]};
  };

  Type element = type.getElementType();
  if (element.isInteger(1)) {
    // Booleans are not stored one per byte; go through their values.
    SmallVector<SmallVector<bool>> values;
    for (DenseElementsAttr s : sources)
      values.emplace_back(s.getValues<bool>().begin(), s.getValues<bool>().end());
    SmallVector<bool> result;
    result.reserve(index.size());
    for (int64_t i : index) {
      auto [k, pos] = locate(i);
      result.push_back(values[k][pos]);
    }
    return DenseElementsAttr::get(type, result);
  }

  size_t width = element.getIntOrFloatBitWidth() / 8;
  std::vector<char> bytes(index.size() * width);
  for (auto [out, i] : llvm::enumerate(index)) {
    auto [k, pos] = locate(i);
    ArrayRef<char> raw = sources[k].getRawData();
    size_t offset = sources[k].isSplat() ? 0 : pos * width;
    std::memcpy(&bytes[out * width], &raw[offset], width);
  }
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}

/// The constant operand `attr` if it is dense elements with a static type.
DenseElementsAttr getConstant(Attribute attr) {
  return llvm::dyn_cast_if_present<DenseElementsAttr>(attr);
}

/// True when a fold producing `type` from sources of `sourceElements` in
/// total stays within the folding budget: results no larger than what they
/// are made of only move bytes; growth is limited.
bool mayFold(RankedTensorType type, int64_t sourceElements) {
  return type.hasStaticShape() &&
         type.getNumElements() <= std::max(kMaxFoldedElements, sourceElements);
}

/// A one-element constant of `element` holding `value`.
DenseElementsAttr scalarElements(Type element, double value) {
  auto type = RankedTensorType::get({1}, element);
  if (auto f = llvm::dyn_cast<FloatType>(element))
    return DenseElementsAttr::get(type, FloatAttr::get(f, value));
  if (element.isInteger(1))
    return DenseElementsAttr::get(type, value != 0);
  return DenseElementsAttr::get(
      type, IntegerAttr::get(element, APInt(element.getIntOrFloatBitWidth(),
                                            static_cast<int64_t>(value),
                                            /*isSigned=*/true)));
}

/// The integer values of a constant index tensor.
SmallVector<int64_t> getIndexValues(DenseElementsAttr indices) {
  return llvm::map_to_vector(indices.getValues<APInt>(),
                             [](const APInt &v) { return v.getSExtValue(); });
}

/// `index` wrapped into [0, size) if negative; nullopt if out of range.
std::optional<int64_t> wrapIndex(int64_t index, int64_t size) {
  if (index < 0)
    index += size;
  if (index < 0 || index >= size)
    return std::nullopt;
  return index;
}

RankedTensorType rankedType(Value v) {
  return llvm::cast<RankedTensorType>(v.getType());
}

} // namespace

//===----------------------------------------------------------------------===//
// Unsqueeze and squeeze
//===----------------------------------------------------------------------===//

LogicalResult UnsqueezeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  int64_t rank = input.getRank() + adaptor.getAxes().size();
  FailureOr<SmallVector<int64_t>> axes =
      normalizeAxes(loc, adaptor.getAxes(), rank, "unsqueeze");
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape(rank, 1);
  SmallVector<bool> inserted(rank, false);
  for (int64_t axis : *axes)
    inserted[axis] = true;
  ArrayRef<int64_t> dims = input.getShape();
  for (int64_t i = 0; i < rank; ++i)
    if (!inserted[i]) {
      shape[i] = dims.front();
      dims = dims.drop_front();
    }
  types.push_back(input.clone(shape));
  return success();
}

LogicalResult SqueezeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor,
                                          SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  FailureOr<SmallVector<int64_t>> axes =
      normalizeAxes(loc, adaptor.getAxes(), input.getRank(), "squeeze");
  if (failed(axes))
    return failure();
  SmallVector<int64_t> shape;
  for (auto [i, dim] : llvm::enumerate(input.getShape())) {
    if (!llvm::is_contained(*axes, static_cast<int64_t>(i))) {
      shape.push_back(dim);
      continue;
    }
    if (!ShapedType::isDynamic(dim) && dim != 1)
      return emitOptionalError(loc, "cannot squeeze axis ", i, " of size ", dim,
                               " (shape ", formatShape(input.getShape()), ")");
  }
  types.push_back(input.clone(shape));
  return success();
}

/// Adding or removing unit axes of a constant only changes its type.
static OpFoldResult foldUnitAxes(Value input, Attribute inputAttr, Type resultType) {
  auto type = llvm::cast<RankedTensorType>(resultType);
  if (input.getType() == type)
    return input;
  if (DenseElementsAttr elements = getConstant(inputAttr))
    if (type.hasStaticShape())
      return elements.reshape(type);
  return {};
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return foldUnitAxes(getInput(), adaptor.getInput(), getType());
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  return foldUnitAxes(getInput(), adaptor.getInput(), getType());
}

//===----------------------------------------------------------------------===//
// Slice
//===----------------------------------------------------------------------===//

LogicalResult SliceOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  SmallVector<SliceAxis> geometry;
  if (failed(computeSliceGeometry(loc, input.getShape(), adaptor.getStarts(),
                                  adaptor.getEnds(), adaptor.getAxes(),
                                  adaptor.getSteps(), geometry)))
    return failure();
  types.push_back(input.clone(llvm::map_to_vector(
      geometry, [](const SliceAxis &a) { return a.size; })));
  return success();
}

OpFoldResult SliceOp::fold(FoldAdaptor adaptor) {
  auto input = rankedType(getInput());
  auto type = llvm::cast<RankedTensorType>(getType());
  SmallVector<SliceAxis> geometry;
  if (!input.hasStaticShape() || !type.hasStaticShape() ||
      failed(computeSliceGeometry(std::nullopt, input.getShape(), getStarts(),
                                  getEnds(), getAxes(), getSteps(), geometry)))
    return {};
  bool whole = llvm::all_of(llvm::zip(geometry, input.getShape()), [](auto p) {
    auto [a, dim] = p;
    return a.start == 0 && a.size == dim && a.step == 1;
  });
  if (whole && input == type)
    return getInput();
  DenseElementsAttr elements = getConstant(adaptor.getInput());
  if (!elements)
    return {};
  if (elements.isSplat())
    return elements.resizeSplat(type);
  SmallVector<int64_t> strides = computeStrides(input.getShape());
  SmallVector<int64_t> index;
  index.reserve(type.getNumElements());
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    int64_t linear = 0;
    for (size_t d = 0; d < pos.size(); ++d)
      linear += (geometry[d].start + pos[d] * geometry[d].step) * strides[d];
    index.push_back(linear);
  });
  return moveElements({elements}, type, index);
}

//===----------------------------------------------------------------------===//
// Expand and tile
//===----------------------------------------------------------------------===//

LogicalResult ExpandOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  ArrayRef<int64_t> target = adaptor.getShape();
  if (llvm::any_of(target, [](int64_t d) { return d < 0; }))
    return emitOptionalError(loc, "expand shape ", formatShape(target),
                             " has a negative size");
  SmallVector<int64_t> shape;
  if (failed(broadcastShapes(input.getShape(), target, shape)))
    return emitOptionalError(loc, "cannot expand ", formatShape(input.getShape()),
                             " to ", formatShape(target));
  types.push_back(input.clone(shape));
  return success();
}

/// The source element of each result element when `sourceShape` is read
/// with broadcasting (right-aligned, size-1 axes repeated) as `resultShape`.
static SmallVector<int64_t> broadcastSourceIndex(ArrayRef<int64_t> sourceShape,
                                                 ArrayRef<int64_t> resultShape) {
  SmallVector<int64_t> strides = computeStrides(sourceShape);
  size_t offset = resultShape.size() - sourceShape.size();
  SmallVector<int64_t> index;
  forEachIndex(resultShape, [&](ArrayRef<int64_t> pos) {
    int64_t linear = 0;
    for (size_t d = 0; d < sourceShape.size(); ++d)
      if (sourceShape[d] != 1)
        linear += pos[d + offset] * strides[d];
    index.push_back(linear);
  });
  return index;
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  auto type = llvm::cast<RankedTensorType>(getType());
  if (getInput().getType() == type)
    return getInput();
  DenseElementsAttr elements = getConstant(adaptor.getInput());
  if (!elements || !type.hasStaticShape())
    return {};
  if (elements.isSplat())
    return elements.resizeSplat(type);
  if (type.getNumElements() > kMaxFoldedElements)
    return {};
  return moveElements({elements}, type,
                      broadcastSourceIndex(elements.getType().getShape(), type.getShape()));
}

LogicalResult TileOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                       Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  ArrayRef<int64_t> repeats = adaptor.getRepeats();
  if (static_cast<int64_t>(repeats.size()) != input.getRank())
    return emitOptionalError(loc, "tile has ", repeats.size(),
                             " repeats for a tensor of rank ", input.getRank());
  SmallVector<int64_t> shape;
  for (auto [dim, r] : llvm::zip(input.getShape(), repeats)) {
    if (r < 0)
      return emitOptionalError(loc, "tile repeats must not be negative, got ", r);
    shape.push_back(ShapedType::isDynamic(dim) ? dim : dim * r);
  }
  types.push_back(input.clone(shape));
  return success();
}

OpFoldResult TileOp::fold(FoldAdaptor adaptor) {
  auto type = llvm::cast<RankedTensorType>(getType());
  if (getInput().getType() == type)
    return getInput();
  DenseElementsAttr elements = getConstant(adaptor.getInput());
  if (!elements || !type.hasStaticShape())
    return {};
  if (elements.isSplat())
    return elements.resizeSplat(type);
  if (type.getNumElements() > kMaxFoldedElements)
    return {};
  ArrayRef<int64_t> inShape = elements.getType().getShape();
  SmallVector<int64_t> strides = computeStrides(inShape);
  SmallVector<int64_t> index;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    int64_t linear = 0;
    for (size_t d = 0; d < pos.size(); ++d)
      linear += (pos[d] % inShape[d]) * strides[d];
    index.push_back(linear);
  });
  return moveElements({elements}, type, index);
}

//===----------------------------------------------------------------------===//
// Pad
//===----------------------------------------------------------------------===//

LogicalResult PadOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                      Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  int64_t rank = input.getRank();
  ArrayRef<int64_t> pads = adaptor.getPads();
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    return emitOptionalError(loc, "pad has ", pads.size(), " pads, expected ",
                             2 * rank, " (begin and end of ", rank, " axes)");
  if (Value value = adaptor.getValue()) {
    auto valueType = rankedType(value);
    if (valueType.getElementType() != input.getElementType())
      return emitOptionalError(loc, "pad value element type ", valueType.getElementType(),
                               " differs from the input's ", input.getElementType());
    if (valueType.hasStaticShape() && valueType.getNumElements() != 1)
      return emitOptionalError(loc, "pad value must have one element, got shape ",
                               formatShape(valueType.getShape()));
  }
  SmallVector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t dim = input.getDimSize(i), begin = pads[i], end = pads[i + rank];
    if (ShapedType::isDynamic(dim)) {
      shape.push_back(dim);
      continue;
    }
    int64_t size = dim + begin + end;
    if (size < 0)
      return emitOptionalError(loc, "pads ", begin, " and ", end,
                               " remove more than the ", dim,
                               " elements of axis ", i);
    // Reading positions of an empty axis is impossible in the reading modes.
    int64_t kept = dim + std::min<int64_t>(begin, 0) + std::min<int64_t>(end, 0);
    if (adaptor.getMode() != PadMode::constant && kept <= 0 && size > 0)
      return emitOptionalError(loc, "cannot pad axis ", i, " in ",
                               stringifyPadMode(adaptor.getMode()),
                               " mode: no elements remain to read");
    shape.push_back(size);
  }
  types.push_back(input.clone(shape));
  return success();
}

OpFoldResult PadOp::fold(FoldAdaptor adaptor) {
  auto type = llvm::cast<RankedTensorType>(getType());
  ArrayRef<int64_t> pads = getPads();
  if (llvm::all_of(pads, [](int64_t p) { return p == 0; }) &&
      getInput().getType() == type)
    return getInput();
  DenseElementsAttr elements = getConstant(adaptor.getInput());
  if (!elements || !type.hasStaticShape() ||
      !mayFold(type, elements.getNumElements()))
    return {};
  DenseElementsAttr fill;
  if (getValue()) {
    fill = getConstant(adaptor.getValue());
    if (!fill)
      return {};
  } else {
    fill = scalarElements(type.getElementType(), 0);
  }
  ArrayRef<int64_t> inShape = elements.getType().getShape();
  int64_t rank = inShape.size(), fillIndex = elements.getNumElements();
  SmallVector<int64_t> strides = computeStrides(inShape);
  SmallVector<int64_t> index;
  PadMode mode = getMode();
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    int64_t linear = 0;
    for (int64_t d = 0; d < rank; ++d) {
      // Positions relative to the input; crops only shift them.
      int64_t p = pos[d] - pads[d];
      if (p < 0 || p >= inShape[d]) {
        if (mode == PadMode::constant) {
          linear = fillIndex;
          break;
        }
        // The reading modes read the kept (uncropped) part of the axis.
        int64_t first = std::max<int64_t>(0, -pads[d]);
        int64_t last = inShape[d] - std::max<int64_t>(0, -pads[d + rank]);
        p = first + padSourcePosition(mode, p - first, last - first);
      }
      linear += p * strides[d];
    }
    index.push_back(linear);
  });
  return moveElements({elements, fill}, type, index);
}

//===----------------------------------------------------------------------===//
// Gathers
//===----------------------------------------------------------------------===//

LogicalResult GatherOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto data = rankedType(adaptor.getData());
  auto indices = rankedType(adaptor.getIndices());
  if (data.getRank() == 0)
    return emitOptionalError(loc, "gather data must have rank >= 1");
  int64_t axisAttr = adaptor.getAxis();
  FailureOr<int64_t> axis = normalizeAxis(axisAttr, data.getRank());
  if (failed(axis))
    return emitOptionalError(loc, "gather axis ", axisAttr,
                             " is out of range for rank ", data.getRank());
  SmallVector<int64_t> shape(data.getShape().take_front(*axis));
  llvm::append_range(shape, indices.getShape());
  llvm::append_range(shape, data.getShape().drop_front(*axis + 1));
  types.push_back(data.clone(shape));
  return success();
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr data = getConstant(adaptor.getData());
  DenseElementsAttr indices = getConstant(adaptor.getIndices());
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!data || !indices || !mayFold(type, data.getNumElements()))
    return {};
  ArrayRef<int64_t> dataShape = data.getType().getShape();
  int64_t axis = *normalizeAxis(getAxis(), dataShape.size());
  int64_t q = indices.getType().getRank();
  SmallVector<int64_t> idx = getIndexValues(indices);
  SmallVector<int64_t> idxStrides = computeStrides(indices.getType().getShape());
  SmallVector<int64_t> strides = computeStrides(dataShape);
  SmallVector<int64_t> index;
  bool inRange = true;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    int64_t i = 0;
    for (int64_t d = 0; d < q; ++d)
      i += pos[axis + d] * idxStrides[d];
    std::optional<int64_t> at = wrapIndex(idx[i], dataShape[axis]);
    inRange &= at.has_value();
    int64_t linear = at.value_or(0) * strides[axis];
    for (int64_t d = 0; d < axis; ++d)
      linear += pos[d] * strides[d];
    for (size_t d = axis + 1; d < dataShape.size(); ++d)
      linear += pos[d - 1 + q] * strides[d];
    index.push_back(linear);
  });
  // Out-of-range indices are the model's error; leave it to run time.
  if (!inRange)
    return {};
  return moveElements({data}, type, index);
}

LogicalResult GatherElementsOp::inferReturnTypes(MLIRContext *,
                                                 std::optional<Location> loc,
                                                 Adaptor adaptor,
                                                 SmallVectorImpl<Type> &types) {
  auto data = rankedType(adaptor.getData());
  auto indices = rankedType(adaptor.getIndices());
  if (data.getRank() == 0)
    return emitOptionalError(loc, "gather_elements data must have rank >= 1");
  if (indices.getRank() != data.getRank())
    return emitOptionalError(loc, "gather_elements indices must have the data's rank ",
                             data.getRank(), ", got ", indices.getRank());
  int64_t axisAttr = adaptor.getAxis();
  if (failed(normalizeAxis(axisAttr, data.getRank())))
    return emitOptionalError(loc, "gather_elements axis ", axisAttr,
                             " is out of range for rank ", data.getRank());
  types.push_back(data.clone(indices.getShape()));
  return success();
}

OpFoldResult GatherElementsOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr data = getConstant(adaptor.getData());
  DenseElementsAttr indices = getConstant(adaptor.getIndices());
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!data || !indices || !mayFold(type, data.getNumElements()))
    return {};
  ArrayRef<int64_t> dataShape = data.getType().getShape();
  int64_t axis = *normalizeAxis(getAxis(), dataShape.size());
  SmallVector<int64_t> idx = getIndexValues(indices);
  SmallVector<int64_t> strides = computeStrides(dataShape);
  SmallVector<int64_t> index;
  bool inRange = true;
  int64_t n = 0;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    std::optional<int64_t> at = wrapIndex(idx[n++], dataShape[axis]);
    inRange &= at.has_value();
    int64_t linear = 0;
    for (size_t d = 0; d < pos.size(); ++d)
      linear += (static_cast<int64_t>(d) == axis ? at.value_or(0) : pos[d]) * strides[d];
    index.push_back(linear);
  });
  if (!inRange)
    return {};
  return moveElements({data}, type, index);
}

LogicalResult GatherNDOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &types) {
  auto data = rankedType(adaptor.getData());
  auto indices = rankedType(adaptor.getIndices());
  int64_t b = adaptor.getBatchDims(), r = data.getRank(), q = indices.getRank();
  if (r < 1 || q < 1)
    return emitOptionalError(loc, "gather_nd data and indices must have rank >= 1");
  if (b < 0 || b >= std::min(r, q))
    return emitOptionalError(loc, "gather_nd batch_dims ", b,
                             " must be less than both ranks (", r, " and ", q, ")");
  int64_t k = indices.getShape().back();
  if (ShapedType::isDynamic(k))
    return emitOptionalError(loc, "gather_nd needs the last size of indices to be known");
  if (k < 1 || b + k > r)
    return emitOptionalError(loc, "gather_nd indices of length ", k,
                             " do not fit data of rank ", r, " after ", b,
                             " batch axes");
  for (int64_t i = 0; i < b; ++i) {
    int64_t d = data.getDimSize(i), x = indices.getDimSize(i);
    if (!ShapedType::isDynamic(d) && !ShapedType::isDynamic(x) && d != x)
      return emitOptionalError(loc, "gather_nd batch axis ", i, " differs: ", d,
                               " in data, ", x, " in indices");
  }
  SmallVector<int64_t> shape(indices.getShape().drop_back());
  llvm::append_range(shape, data.getShape().drop_front(b + k));
  types.push_back(data.clone(shape));
  return success();
}

OpFoldResult GatherNDOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr data = getConstant(adaptor.getData());
  DenseElementsAttr indices = getConstant(adaptor.getIndices());
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!data || !indices || !mayFold(type, data.getNumElements()))
    return {};
  ArrayRef<int64_t> dataShape = data.getType().getShape();
  ArrayRef<int64_t> idxShape = indices.getType().getShape();
  int64_t b = getBatchDims(), k = idxShape.back();
  int64_t q = idxShape.size();
  SmallVector<int64_t> idx = getIndexValues(indices);
  SmallVector<int64_t> idxStrides = computeStrides(idxShape);
  SmallVector<int64_t> strides = computeStrides(dataShape);
  SmallVector<int64_t> index;
  bool inRange = true;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    // pos = (batch..., rest of indices' leading axes..., trailing data axes...)
    int64_t idxBase = 0;
    for (int64_t d = 0; d < q - 1; ++d)
      idxBase += pos[d] * idxStrides[d];
    int64_t linear = 0;
    for (int64_t d = 0; d < b; ++d)
      linear += pos[d] * strides[d];
    for (int64_t j = 0; j < k; ++j) {
      std::optional<int64_t> at = wrapIndex(idx[idxBase + j], dataShape[b + j]);
      inRange &= at.has_value();
      linear += at.value_or(0) * strides[b + j];
    }
    for (size_t d = b + k; d < dataShape.size(); ++d)
      linear += pos[q - 1 + d - b - k] * strides[d];
    index.push_back(linear);
  });
  if (!inRange)
    return {};
  return moveElements({data}, type, index);
}

//===----------------------------------------------------------------------===//
// Scatters
//===----------------------------------------------------------------------===//

/// Checks what both scatters share: matching element types, and no
/// arithmetic reduction of booleans.
static LogicalResult checkScatter(std::optional<Location> loc, RankedTensorType data,
                                  RankedTensorType updates,
                                  ScatterReduction reduction, StringRef what) {
  if (data.getRank() == 0)
    return emitOptionalError(loc, what, " data must have rank >= 1");
  if (updates.getElementType() != data.getElementType())
    return emitOptionalError(loc, what, " updates element type ",
                             updates.getElementType(), " differs from the data's ",
                             data.getElementType());
  if (reduction != ScatterReduction::none && data.getElementType().isInteger(1))
    return emitOptionalError(loc, what, " reduction ", stringifyScatterReduction(reduction),
                             " is not defined on booleans");
  return success();
}

/// True when the two shapes agree wherever both are known.
static bool compatibleShapes(ArrayRef<int64_t> a, ArrayRef<int64_t> b) {
  if (a.size() != b.size())
    return false;
  for (auto [x, y] : llvm::zip(a, b))
    if (!ShapedType::isDynamic(x) && !ShapedType::isDynamic(y) && x != y)
      return false;
  return true;
}

LogicalResult ScatterElementsOp::inferReturnTypes(MLIRContext *,
                                                  std::optional<Location> loc,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &types) {
  auto data = rankedType(adaptor.getData());
  auto indices = rankedType(adaptor.getIndices());
  auto updates = rankedType(adaptor.getUpdates());
  if (failed(checkScatter(loc, data, updates, adaptor.getReduction(), "scatter_elements")))
    return failure();
  if (indices.getRank() != data.getRank())
    return emitOptionalError(loc, "scatter_elements indices must have the data's rank ",
                             data.getRank(), ", got ", indices.getRank());
  if (!compatibleShapes(indices.getShape(), updates.getShape()))
    return emitOptionalError(loc, "scatter_elements updates of shape ",
                             formatShape(updates.getShape()),
                             " differ from the indices' ", formatShape(indices.getShape()));
  int64_t axisAttr = adaptor.getAxis();
  if (failed(normalizeAxis(axisAttr, data.getRank())))
    return emitOptionalError(loc, "scatter_elements axis ", axisAttr,
                             " is out of range for rank ", data.getRank());
  types.push_back(data);
  return success();
}

/// Folds a scatter without reduction: `targets[i]` is the data element that
/// update i overwrites (in order, so the last write wins).
static OpFoldResult foldScatter(DenseElementsAttr data, DenseElementsAttr updates,
                                RankedTensorType type, ArrayRef<int64_t> targets) {
  SmallVector<int64_t> index(data.getNumElements());
  std::iota(index.begin(), index.end(), 0);
  for (auto [i, target] : llvm::enumerate(targets))
    index[target] = data.getNumElements() + i;
  return moveElements({data, updates}, type, index);
}

OpFoldResult ScatterElementsOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr data = getConstant(adaptor.getData());
  DenseElementsAttr indices = getConstant(adaptor.getIndices());
  DenseElementsAttr updates = getConstant(adaptor.getUpdates());
  auto type = llvm::cast<RankedTensorType>(getType());
  // Reductions are rare on constants; they stay run-time code.
  if (!data || !indices || !updates || getReduction() != ScatterReduction::none ||
      !type.hasStaticShape())
    return {};
  ArrayRef<int64_t> dataShape = data.getType().getShape();
  int64_t axis = *normalizeAxis(getAxis(), dataShape.size());
  SmallVector<int64_t> idx = getIndexValues(indices);
  SmallVector<int64_t> strides = computeStrides(dataShape);
  SmallVector<int64_t> targets;
  bool inRange = true;
  int64_t n = 0;
  forEachIndex(indices.getType().getShape(), [&](ArrayRef<int64_t> pos) {
    std::optional<int64_t> at = wrapIndex(idx[n++], dataShape[axis]);
    inRange &= at.has_value();
    int64_t linear = 0;
    for (size_t d = 0; d < pos.size(); ++d) {
      int64_t p = static_cast<int64_t>(d) == axis ? at.value_or(0) : pos[d];
      inRange &= p < dataShape[d];
      linear += p * strides[d];
    }
    targets.push_back(linear);
  });
  if (!inRange)
    return {};
  return foldScatter(data, updates, type, targets);
}

LogicalResult ScatterNDOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                            Adaptor adaptor,
                                            SmallVectorImpl<Type> &types) {
  auto data = rankedType(adaptor.getData());
  auto indices = rankedType(adaptor.getIndices());
  auto updates = rankedType(adaptor.getUpdates());
  if (failed(checkScatter(loc, data, updates, adaptor.getReduction(), "scatter_nd")))
    return failure();
  if (indices.getRank() < 1)
    return emitOptionalError(loc, "scatter_nd indices must have rank >= 1");
  int64_t k = indices.getShape().back();
  if (ShapedType::isDynamic(k))
    return emitOptionalError(loc, "scatter_nd needs the last size of indices to be known");
  if (k < 1 || k > data.getRank())
    return emitOptionalError(loc, "scatter_nd indices of length ", k,
                             " do not fit data of rank ", data.getRank());
  SmallVector<int64_t> expected(indices.getShape().drop_back());
  llvm::append_range(expected, data.getShape().drop_front(k));
  if (!compatibleShapes(expected, updates.getShape()))
    return emitOptionalError(loc, "scatter_nd updates must have shape ",
                             formatShape(expected), ", got ",
                             formatShape(updates.getShape()));
  types.push_back(data);
  return success();
}

OpFoldResult ScatterNDOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr data = getConstant(adaptor.getData());
  DenseElementsAttr indices = getConstant(adaptor.getIndices());
  DenseElementsAttr updates = getConstant(adaptor.getUpdates());
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!data || !indices || !updates || getReduction() != ScatterReduction::none ||
      !type.hasStaticShape())
    return {};
  ArrayRef<int64_t> dataShape = data.getType().getShape();
  int64_t k = indices.getType().getShape().back();
  SmallVector<int64_t> idx = getIndexValues(indices);
  SmallVector<int64_t> strides = computeStrides(dataShape);
  // Each index names a block of the trailing data axes, written in order.
  int64_t block = 1;
  for (int64_t d : dataShape.drop_front(k))
    block *= d;
  SmallVector<int64_t> targets;
  for (size_t base = 0; base < idx.size(); base += k) {
    int64_t linear = 0;
    for (int64_t j = 0; j < k; ++j) {
      std::optional<int64_t> at = wrapIndex(idx[base + j], dataShape[j]);
      if (!at)
        return {};
      linear += *at * strides[j];
    }
    for (int64_t e = 0; e < block; ++e)
      targets.push_back(linear + e);
  }
  return foldScatter(data, updates, type, targets);
}

//===----------------------------------------------------------------------===//
// Masks and generated patterns
//===----------------------------------------------------------------------===//

LogicalResult TriluOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                        Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  if (input.getRank() < 2)
    return emitOptionalError(loc, "trilu input must have rank >= 2, got ",
                             input.getRank());
  if (Value k = adaptor.getK()) {
    auto kType = rankedType(k);
    if (kType.hasStaticShape() && kType.getNumElements() != 1)
      return emitOptionalError(loc, "trilu k must be a scalar, got shape ",
                               formatShape(kType.getShape()));
  }
  types.push_back(input);
  return success();
}

OpFoldResult TriluOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr elements = getConstant(adaptor.getInput());
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!elements || !type.hasStaticShape())
    return {};
  int64_t k = 0;
  if (getK()) {
    DenseElementsAttr kAttr = getConstant(adaptor.getK());
    if (!kAttr)
      return {};
    k = (*kAttr.getValues<APInt>().begin()).getSExtValue();
  }
  int64_t rank = type.getRank(), zero = type.getNumElements();
  SmallVector<int64_t> index;
  int64_t n = 0;
  bool upper = getUpper();
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    int64_t diagonal = pos[rank - 1] - pos[rank - 2];
    bool keep = upper ? diagonal >= k : diagonal <= k;
    index.push_back(keep ? n : zero);
    ++n;
  });
  return moveElements({elements, scalarElements(type.getElementType(), 0)}, type,
                      index);
}

LogicalResult OneHotOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                         Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto indices = rankedType(adaptor.getIndices());
  auto values = rankedType(adaptor.getValues());
  if (values.getRank() != 1 ||
      (!values.isDynamicDim(0) && values.getDimSize(0) != 2))
    return emitOptionalError(loc, "one_hot values must be [off, on], got shape ",
                             formatShape(values.getShape()));
  int64_t depth = adaptor.getDepth();
  if (depth < 1)
    return emitOptionalError(loc, "one_hot depth must be positive, got ", depth);
  int64_t rank = indices.getRank() + 1, axisAttr = adaptor.getAxis();
  FailureOr<int64_t> axis = normalizeAxis(axisAttr, rank);
  if (failed(axis))
    return emitOptionalError(loc, "one_hot axis ", axisAttr,
                             " is out of range for a result of rank ", rank);
  SmallVector<int64_t> shape(indices.getShape());
  shape.insert(shape.begin() + *axis, depth);
  types.push_back(values.clone(shape));
  return success();
}

OpFoldResult OneHotOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr indices = getConstant(adaptor.getIndices());
  DenseElementsAttr values = getConstant(adaptor.getValues());
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!indices || !values || !type.hasStaticShape() ||
      type.getNumElements() > kMaxFoldedElements)
    return {};
  SmallVector<int64_t> idx;
  if (llvm::isa<FloatType>(indices.getElementType())) {
    for (const APFloat &f : indices.getValues<APFloat>())
      idx.push_back(static_cast<int64_t>(f.convertToDouble()));
  } else {
    bool isUnsigned = isUnsignedInteger(indices.getElementType());
    for (const APInt &v : indices.getValues<APInt>())
      idx.push_back(isUnsigned ? static_cast<int64_t>(v.getZExtValue()) : v.getSExtValue());
  }
  int64_t axis = *normalizeAxis(getAxis(), type.getRank()), depth = getDepth();
  SmallVector<int64_t> idxStrides = computeStrides(indices.getType().getShape());
  SmallVector<int64_t> index;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    int64_t i = 0;
    for (int64_t d = 0, s = 0; d < static_cast<int64_t>(pos.size()); ++d)
      if (d != axis)
        i += pos[d] * idxStrides[s++];
    std::optional<int64_t> hot = wrapIndex(idx[i], depth);
    index.push_back(hot && *hot == pos[axis] ? 1 : 0);
  });
  return moveElements({values}, type, index);
}

LogicalResult EyeLikeOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  if (input.getRank() != 2)
    return emitOptionalError(loc, "eye_like input must be 2-D, got rank ",
                             input.getRank());
  Type element = adaptor.getDtype().value_or(input.getElementType());
  if (!element.isIntOrFloat())
    return emitOptionalError(loc, "eye_like cannot produce elements of type ", element);
  types.push_back(input.clone(element));
  return success();
}

OpFoldResult EyeLikeOp::fold(FoldAdaptor) {
  // Only the input's type matters, so small results always fold.
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!type.hasStaticShape() || type.getNumElements() > kMaxFoldedElements)
    return {};
  Type element = type.getElementType();
  DenseElementsAttr zeroOne = moveElements(
      {scalarElements(element, 0), scalarElements(element, 1)},
      RankedTensorType::get({2}, element), {0, 1});
  int64_t k = getK();
  SmallVector<int64_t> index;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    index.push_back(pos[1] - pos[0] == k ? 1 : 0);
  });
  return moveElements({zeroOne}, type, index);
}

LogicalResult ReverseSequenceOp::inferReturnTypes(MLIRContext *,
                                                  std::optional<Location> loc,
                                                  Adaptor adaptor,
                                                  SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  auto lens = rankedType(adaptor.getSequenceLens());
  int64_t batchAxis = adaptor.getBatchAxis(), timeAxis = adaptor.getTimeAxis();
  if (input.getRank() < 2)
    return emitOptionalError(loc, "reverse_sequence input must have rank >= 2, got ",
                             input.getRank());
  if (!((batchAxis == 0 && timeAxis == 1) || (batchAxis == 1 && timeAxis == 0)))
    return emitOptionalError(loc, "reverse_sequence batch_axis and time_axis must be "
                                  "0 and 1 in some order, got ",
                             batchAxis, " and ", timeAxis);
  int64_t batch = input.getDimSize(batchAxis);
  if (lens.getRank() != 1 ||
      (!lens.isDynamicDim(0) && !ShapedType::isDynamic(batch) &&
       lens.getDimSize(0) != batch))
    return emitOptionalError(loc, "reverse_sequence needs one length per batch entry (",
                             batch, "), got shape ", formatShape(lens.getShape()));
  types.push_back(input);
  return success();
}

OpFoldResult ReverseSequenceOp::fold(FoldAdaptor adaptor) {
  DenseElementsAttr elements = getConstant(adaptor.getInput());
  DenseElementsAttr lensAttr = getConstant(adaptor.getSequenceLens());
  auto type = llvm::cast<RankedTensorType>(getType());
  if (!elements || !lensAttr || !type.hasStaticShape())
    return {};
  SmallVector<int64_t> lens = getIndexValues(lensAttr);
  int64_t batchAxis = getBatchAxis(), timeAxis = getTimeAxis();
  int64_t steps = type.getDimSize(timeAxis);
  SmallVector<int64_t> strides = computeStrides(type.getShape());
  SmallVector<int64_t> index;
  forEachIndex(type.getShape(), [&](ArrayRef<int64_t> pos) {
    int64_t len = std::clamp<int64_t>(lens[pos[batchAxis]], 0, steps);
    int64_t t = pos[timeAxis];
    int64_t source = t < len ? len - 1 - t : t;
    int64_t linear = 0;
    for (size_t d = 0; d < pos.size(); ++d)
      linear += (static_cast<int64_t>(d) == timeAxis ? source : pos[d]) * strides[d];
    index.push_back(linear);
  });
  return moveElements({elements}, type, index);
}

//===----------------------------------------------------------------------===//
// Bit reinterpretation
//===----------------------------------------------------------------------===//

LogicalResult BitCastOp::inferReturnTypes(MLIRContext *, std::optional<Location> loc,
                                          Adaptor adaptor, SmallVectorImpl<Type> &types) {
  auto input = rankedType(adaptor.getInput());
  Type from = input.getElementType(), to = adaptor.getTo();
  if (!to.isIntOrFloat() || !from.isIntOrFloat())
    return emitOptionalError(loc, "cannot bitcast ", from, " to ", to);
  if (getStorageBitWidth(from) != getStorageBitWidth(to))
    return emitOptionalError(loc, "bitcast needs types of the same width: ", from,
                             " has ", getStorageBitWidth(from), " bits, ", to, " has ",
                             getStorageBitWidth(to));
  types.push_back(input.clone(to));
  return success();
}

Value BitCastOp::buildScalar(OpBuilder &b, Location loc, ValueRange operands) {
  Value x = operands[0];
  Type to = getSignlessType(getTo());
  // (Also covers 16-bit floats that the lowering widened to f32.)
  if (x.getType() == to || getElementTypeOrSelf(getInput().getType()) == getTo())
    return x;
  // Booleans are the byte 0 or 1.
  if (x.getType().isInteger(1))
    return arith::ExtUIOp::create(b, loc, to, x);
  if (to.isInteger(1))
    return compareScalars(b, loc, Comparison::NE, x, scalarConstant(b, loc, x.getType(), 0));
  return arith::BitcastOp::create(b, loc, to, x);
}
