//===- DataMovementOps.cpp - Shape and data movement ops ------------------===//
//
// Unsqueeze, Squeeze, Slice, Split, Gather, GatherElements, GatherND,
// Scatter, ScatterElements, ScatterND, Expand, Tile, Pad, ConstantOfShape,
// Range, Trilu, OneHot, EyeLike, DepthToSpace, SpaceToDepth,
// ReverseSequence, Compress, CenterCropPad and BitCast.
//
// Inputs that determine a result's shape (axes, slice bounds, split sizes,
// pads, target shapes, repeats, depths, Range's operands, Compress's
// condition) must be known at compile time and become attributes or
// constants; values that only change elements (indices, updates, padding
// values, Trilu's k, sequence lengths) may be run-time values.
// ConstantOfShape and Range become constants, Split one slice per output,
// DepthToSpace/SpaceToDepth reshape-transpose-reshape, Compress a gather of
// the selected positions and CenterCropPad a slice and a pad.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

#include "dialects/graph/IR/ScalarBuilders.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>
#include <numeric>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

/// Sets output 0 to `value` unless building it failed.
static LogicalResult setResult(OnnxNode &node, FailureOr<Value> value) {
  if (failed(value))
    return failure();
  node.setOutput(0, *value);
  return success();
}

/// A splat attribute of `type` holding `value` converted to its element type.
static DenseElementsAttr splatOf(RankedTensorType type, double value) {
  Type element = type.getElementType();
  if (auto f = llvm::dyn_cast<FloatType>(element))
    return DenseElementsAttr::get(type, FloatAttr::get(f, value));
  if (element.isInteger(1))
    return DenseElementsAttr::get(type, value != 0);
  return DenseElementsAttr::get(
      type, IntegerAttr::get(element, APInt(element.getIntOrFloatBitWidth(),
                                            static_cast<int64_t>(value),
                                            /*isSigned=*/true)));
}

/// The single number held by constant input `i` (integer or float).
static FailureOr<double> getConstantScalar(OnnxNode &node, size_t i, StringRef what) {
  FailureOr<DenseElementsAttr> value = node.getConstantInput(i, what);
  if (failed(value))
    return failure();
  if (value->getNumElements() != 1)
    return node.emitError() << "input #" << i << " ('" << node.getProto().input(i)
                            << "'), " << what << ", must hold one value, got "
                            << value->getNumElements();
  Type element = value->getElementType();
  if (llvm::isa<FloatType>(element))
    return (*value->getValues<APFloat>().begin()).convertToDouble();
  APInt v = *value->getValues<APInt>().begin();
  return graph::isUnsignedInteger(element) ? static_cast<double>(v.getZExtValue())
                                           : static_cast<double>(v.getSExtValue());
}

/// The rank of present input `i`.
static int64_t rankOf(OnnxNode &node, size_t i) { return node.getInputType(i).getRank(); }

//===----------------------------------------------------------------------===//
// Unsqueeze, Squeeze
//===----------------------------------------------------------------------===//

static LogicalResult convertUnsqueeze(OnnxNode &node) {
  FailureOr<SmallVector<int64_t>> axes =
      node.getSinceVersion() < 13 ? node.getRequiredInts("axes")
                                  : node.getConstantInts(1, "the axes");
  if (failed(axes))
    return failure();
  return setResult(node, node.createValue<graph::UnsqueezeOp>(node.getInput(0), *axes));
}

static LogicalResult convertSqueeze(OnnxNode &node) {
  std::optional<SmallVector<int64_t>> axes;
  if (node.getSinceVersion() < 13) {
    FailureOr<std::optional<SmallVector<int64_t>>> attr = node.getOptionalInts("axes");
    if (failed(attr))
      return failure();
    axes = std::move(*attr);
  } else if (node.getInput(1)) {
    FailureOr<SmallVector<int64_t>> input = node.getConstantInts(1, "the axes");
    if (failed(input))
      return failure();
    axes = std::move(*input);
  }
  if (!axes) {
    // Every axis of size 1, which needs the sizes.
    RankedTensorType type = node.getInputType(0);
    axes.emplace();
    for (auto [i, dim] : llvm::enumerate(type.getShape())) {
      if (ShapedType::isDynamic(dim))
        return node.emitError() << "Squeeze without axes needs the input's sizes, but "
                                   "axis "
                                << i << " of " << formatShape(type.getShape())
                                << " is not known";
      if (dim == 1)
        axes->push_back(i);
    }
  }
  return setResult(node, node.createValue<graph::SqueezeOp>(node.getInput(0), *axes));
}

//===----------------------------------------------------------------------===//
// Slice, Split
//===----------------------------------------------------------------------===//

static FailureOr<Value> createSlice(OnnxNode &node, Value input, ArrayRef<int64_t> starts,
                                    ArrayRef<int64_t> ends, ArrayRef<int64_t> axes,
                                    ArrayRef<int64_t> steps) {
  return node.createValue<graph::SliceOp>(input, starts, ends, axes, steps);
}

static SmallVector<int64_t> iota(int64_t n) {
  SmallVector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  return v;
}

/// Before opset 10, starts, ends and axes are attributes and steps are 1.
static LogicalResult convertSliceWithAttributes(OnnxNode &node) {
  FailureOr<SmallVector<int64_t>> starts = node.getRequiredInts("starts");
  FailureOr<SmallVector<int64_t>> ends = node.getRequiredInts("ends");
  FailureOr<std::optional<SmallVector<int64_t>>> axes = node.getOptionalInts("axes");
  if (failed(starts) || failed(ends) || failed(axes))
    return failure();
  SmallVector<int64_t> axesValue = *axes ? **axes : iota(starts->size());
  SmallVector<int64_t> steps(starts->size(), 1);
  return setResult(node,
                   createSlice(node, node.getInput(0), *starts, *ends, axesValue, steps));
}

static LogicalResult convertSlice(OnnxNode &node) {
  FailureOr<SmallVector<int64_t>> starts = node.getConstantInts(1, "the starts");
  if (failed(starts))
    return failure();
  FailureOr<SmallVector<int64_t>> ends = node.getConstantInts(2, "the ends");
  if (failed(ends))
    return failure();
  SmallVector<int64_t> axes = iota(starts->size()), steps(starts->size(), 1);
  if (node.getInput(3)) {
    FailureOr<SmallVector<int64_t>> value = node.getConstantInts(3, "the axes");
    if (failed(value))
      return failure();
    axes = std::move(*value);
  }
  if (node.getInput(4)) {
    FailureOr<SmallVector<int64_t>> value = node.getConstantInts(4, "the steps");
    if (failed(value))
      return failure();
    steps = std::move(*value);
  }
  return setResult(node, createSlice(node, node.getInput(0), *starts, *ends, axes, steps));
}

static LogicalResult convertSplit(OnnxNode &node) {
  int64_t version = node.getSinceVersion();
  FailureOr<int64_t> axisAttr = node.getInt("axis", 0);
  if (failed(axisAttr))
    return failure();
  RankedTensorType type = node.getInputType(0);
  FailureOr<int64_t> axis = graph::normalizeAxis(*axisAttr, type.getRank());
  if (failed(axis))
    return node.emitError() << "Split axis " << *axisAttr << " is out of range for rank "
                            << type.getRank();
  int64_t numOutputs = node.getProto().output_size();
  int64_t dim = type.getDimSize(*axis);

  std::optional<SmallVector<int64_t>> sizes;
  if ((version == 1 || version >= 13) && node.getInput(1)) {
    FailureOr<SmallVector<int64_t>> input = node.getConstantInts(1, "the split sizes");
    if (failed(input))
      return failure();
    sizes = std::move(*input);
  } else if (version < 13) {
    FailureOr<std::optional<SmallVector<int64_t>>> attr = node.getOptionalInts("split");
    if (failed(attr))
      return failure();
    sizes = std::move(*attr);
  }
  FailureOr<std::optional<int64_t>> numOutputsAttr =
      version >= 18 ? node.getOptionalInt("num_outputs")
                    : FailureOr<std::optional<int64_t>>(std::optional<int64_t>());
  if (failed(numOutputsAttr))
    return failure();
  if (sizes && *numOutputsAttr)
    return node.emitError() << "Split takes the split sizes or 'num_outputs', not both";

  if (!sizes) {
    if (ShapedType::isDynamic(dim))
      return node.emitError() << "Split without sizes needs the size of axis " << *axis
                              << " of " << formatShape(type.getShape());
    if (*numOutputsAttr) {
      // Chunks of ceil(dim / n); the last one may be smaller.
      int64_t n = **numOutputsAttr;
      if (n < 1 || n != numOutputs)
        return node.emitError() << "Split 'num_outputs' is " << n << " but the node has "
                                << numOutputs << " outputs";
      int64_t chunk = (dim + n - 1) / n;
      sizes.emplace();
      for (int64_t i = 0, left = dim; i < n; ++i, left -= chunk)
        sizes->push_back(std::clamp<int64_t>(left, 0, chunk));
    } else {
      if (version >= 18)
        return node.emitError() << "Split needs the split sizes or 'num_outputs'";
      if (dim % numOutputs != 0)
        return node.emitError() << "cannot split axis " << *axis << " of size " << dim
                                << " into " << numOutputs << " equal parts";
      sizes = SmallVector<int64_t>(numOutputs, dim / numOutputs);
    }
  }
  if (static_cast<int64_t>(sizes->size()) != numOutputs)
    return node.emitError() << "Split has " << sizes->size() << " sizes for "
                            << numOutputs << " outputs";
  int64_t total = 0;
  for (int64_t s : *sizes) {
    if (s < 0)
      return node.emitError() << "Split sizes must not be negative, got " << s;
    total += s;
  }
  if (!ShapedType::isDynamic(dim) && total != dim)
    return node.emitError() << "Split sizes add up to " << total << ", but axis " << *axis
                            << " has size " << dim;
  int64_t offset = 0;
  for (auto [i, size] : llvm::enumerate(*sizes)) {
    if (node.isOutputUsed(i)) {
      FailureOr<Value> part = createSlice(node, node.getInput(0), {offset}, {offset + size},
                                          {*axis}, {1});
      if (failed(part))
        return failure();
      node.setOutput(i, *part);
    }
    offset += size;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Gathers and scatters
//===----------------------------------------------------------------------===//

static LogicalResult convertGather(OnnxNode &node) {
  FailureOr<int64_t> axis = node.getInt("axis", 0);
  if (failed(axis))
    return failure();
  return setResult(node, node.createValue<graph::GatherOp>(
                             node.getInput(0), node.getInput(1),
                             node.getBuilder().getI64IntegerAttr(*axis)));
}

static LogicalResult convertGatherElements(OnnxNode &node) {
  FailureOr<int64_t> axis = node.getInt("axis", 0);
  if (failed(axis))
    return failure();
  return setResult(node, node.createValue<graph::GatherElementsOp>(
                             node.getInput(0), node.getInput(1),
                             node.getBuilder().getI64IntegerAttr(*axis)));
}

static LogicalResult convertGatherND(OnnxNode &node) {
  FailureOr<int64_t> batchDims = node.getInt("batch_dims", 0);
  if (failed(batchDims))
    return failure();
  return setResult(node, node.createValue<graph::GatherNDOp>(
                             node.getInput(0), node.getInput(1),
                             node.getBuilder().getI64IntegerAttr(*batchDims)));
}

/// The `reduction` attribute; versions before 16 have none, 16 and 17 no
/// max and min.
static FailureOr<graph::ScatterReduction> getScatterReduction(OnnxNode &node) {
  FailureOr<std::string> name = node.getString("reduction", "none");
  if (failed(name))
    return failure();
  std::optional<graph::ScatterReduction> reduction =
      graph::symbolizeScatterReduction(*name);
  bool known = reduction && (node.getSinceVersion() >= 18 ||
                             (*reduction != graph::ScatterReduction::max &&
                              *reduction != graph::ScatterReduction::min));
  if (!known)
    return node.emitUnsupportedValue("reduction", "'" + *name + "'")
           << " (expected none, add, mul"
           << (node.getSinceVersion() >= 18 ? ", max or min)" : " or, from opset 18, max "
                                                                "or min)");
  return *reduction;
}

static LogicalResult convertScatterElements(OnnxNode &node) {
  FailureOr<int64_t> axis = node.getInt("axis", 0);
  FailureOr<graph::ScatterReduction> reduction = getScatterReduction(node);
  if (failed(axis) || failed(reduction))
    return failure();
  OpBuilder &b = node.getBuilder();
  return setResult(node, node.createValue<graph::ScatterElementsOp>(
                             node.getInput(0), node.getInput(1), node.getInput(2),
                             b.getI64IntegerAttr(*axis),
                             graph::ScatterReductionAttr::get(b.getContext(), *reduction)));
}

static LogicalResult convertScatterND(OnnxNode &node) {
  FailureOr<graph::ScatterReduction> reduction = getScatterReduction(node);
  if (failed(reduction))
    return failure();
  return setResult(node, node.createValue<graph::ScatterNDOp>(
                             node.getInput(0), node.getInput(1), node.getInput(2),
                             graph::ScatterReductionAttr::get(node.getContext(),
                                                              *reduction)));
}

//===----------------------------------------------------------------------===//
// Expand, Tile, Pad, CenterCropPad
//===----------------------------------------------------------------------===//

static LogicalResult convertExpand(OnnxNode &node) {
  FailureOr<SmallVector<int64_t>> shape = node.getConstantInts(1, "the target shape");
  if (failed(shape))
    return failure();
  return setResult(node, node.createValue<graph::ExpandOp>(node.getInput(0), *shape));
}

static LogicalResult convertTile(OnnxNode &node) {
  FailureOr<SmallVector<int64_t>> repeats = node.getConstantInts(1, "the repeats");
  if (failed(repeats))
    return failure();
  return setResult(node, node.createValue<graph::TileOp>(node.getInput(0), *repeats));
}

/// Opset 1: `tiles` copies of the input along `axis`, both inputs.
static LogicalResult convertTileWithAxis(OnnxNode &node) {
  FailureOr<double> tiles = getConstantScalar(node, 1, "the number of tiles");
  if (failed(tiles))
    return failure();
  FailureOr<double> axisValue = getConstantScalar(node, 2, "the axis");
  if (failed(axisValue))
    return failure();
  int64_t rank = rankOf(node, 0);
  FailureOr<int64_t> axis = graph::normalizeAxis(static_cast<int64_t>(*axisValue), rank);
  if (failed(axis))
    return node.emitError() << "Tile axis " << static_cast<int64_t>(*axisValue)
                            << " is out of range for rank " << rank;
  SmallVector<int64_t> repeats(rank, 1);
  repeats[*axis] = static_cast<int64_t>(*tiles);
  return setResult(node, node.createValue<graph::TileOp>(node.getInput(0), repeats));
}

static FailureOr<graph::PadMode> getPadMode(OnnxNode &node) {
  FailureOr<std::string> name = node.getString("mode", "constant");
  if (failed(name))
    return failure();
  std::optional<graph::PadMode> mode = graph::symbolizePadMode(*name);
  bool known = mode && (*mode != graph::PadMode::wrap || node.getOpset() >= 19);
  if (!known)
    return node.emitUnsupportedValue("mode", "'" + *name + "'")
           << " (expected constant, reflect, edge or, from opset 19, wrap)";
  return *mode;
}

static FailureOr<Value> createPad(OnnxNode &node, Value input, Value value,
                                  ArrayRef<int64_t> pads, graph::PadMode mode) {
  return node.createValue<graph::PadOp>(
      input, value, node.getBuilder().getDenseI64ArrayAttr(pads),
      graph::PadModeAttr::get(node.getContext(), mode));
}

/// Before opset 11 the pads (`paddings` in opset 1) and the value are
/// attributes.
static LogicalResult convertPadWithAttributes(OnnxNode &node) {
  FailureOr<graph::PadMode> mode = getPadMode(node);
  FailureOr<SmallVector<int64_t>> pads =
      node.getRequiredInts(node.getSinceVersion() < 2 ? "paddings" : "pads");
  FailureOr<float> value = node.getFloat("value", 0.0f);
  if (failed(mode) || failed(pads) || failed(value))
    return failure();
  Value valueTensor;
  if (*mode == graph::PadMode::constant && *value != 0.0f) {
    auto type = RankedTensorType::get({}, node.getInputType(0).getElementType());
    FailureOr<Value> constant = node.createConstant(splatOf(type, *value));
    if (failed(constant))
      return failure();
    valueTensor = *constant;
  }
  return setResult(node, createPad(node, node.getInput(0), valueTensor, *pads, *mode));
}

static LogicalResult convertPad(OnnxNode &node) {
  FailureOr<graph::PadMode> mode = getPadMode(node);
  if (failed(mode))
    return failure();
  FailureOr<SmallVector<int64_t>> pads = node.getConstantInts(1, "the pads");
  if (failed(pads))
    return failure();
  int64_t rank = rankOf(node, 0);
  if (node.getInput(3)) {
    // Pads for the listed axes only.
    FailureOr<SmallVector<int64_t>> axesValue = node.getConstantInts(3, "the axes");
    if (failed(axesValue))
      return failure();
    int64_t n = axesValue->size();
    if (static_cast<int64_t>(pads->size()) != 2 * n)
      return node.emitError() << "Pad has " << pads->size() << " pads for " << n
                              << " axes, expected " << 2 * n;
    SmallVector<int64_t> all(2 * rank, 0);
    SmallVector<bool> seen(rank, false);
    for (int64_t i = 0; i < n; ++i) {
      FailureOr<int64_t> axis = graph::normalizeAxis((*axesValue)[i], rank);
      if (failed(axis) || seen[*axis])
        return node.emitError() << "Pad axis " << (*axesValue)[i]
                                << " is out of range for rank " << rank
                                << " or repeated";
      seen[*axis] = true;
      all[*axis] = (*pads)[i];
      all[*axis + rank] = (*pads)[i + n];
    }
    *pads = std::move(all);
  }
  // The padding value only changes elements: a run-time value is fine.
  Value value = *mode == graph::PadMode::constant ? node.getInput(2) : Value();
  return setResult(node, createPad(node, node.getInput(0), value, *pads, *mode));
}

/// Center crop (a slice) and center pad (a pad) to the target sizes of
/// `axes`; the extra element of an odd difference goes to the end.
static LogicalResult convertCenterCropPad(OnnxNode &node) {
  FailureOr<SmallVector<int64_t>> shape = node.getConstantInts(1, "the target shape");
  FailureOr<std::optional<SmallVector<int64_t>>> axesAttr = node.getOptionalInts("axes");
  if (failed(shape) || failed(axesAttr))
    return failure();
  RankedTensorType type = node.getInputType(0);
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes = *axesAttr ? **axesAttr : iota(rank);
  if (axes.size() != shape->size())
    return node.emitError() << "CenterCropPad has " << shape->size()
                            << " target sizes for " << axes.size() << " axes";
  SmallVector<int64_t> starts, ends, sliceAxes, pads(2 * rank, 0);
  for (auto [a, target] : llvm::zip(axes, *shape)) {
    FailureOr<int64_t> axis = graph::normalizeAxis(a, rank);
    if (failed(axis))
      return node.emitError() << "CenterCropPad axis " << a
                              << " is out of range for rank " << rank;
    int64_t dim = type.getDimSize(*axis);
    if (ShapedType::isDynamic(dim))
      return node.emitError() << "CenterCropPad needs the size of axis " << *axis;
    if (target < 0)
      return node.emitError() << "CenterCropPad target sizes must not be negative";
    if (target < dim) {
      int64_t start = (dim - target) / 2;
      starts.push_back(start);
      ends.push_back(start + target);
      sliceAxes.push_back(*axis);
    } else if (target > dim) {
      pads[*axis] = (target - dim) / 2;
      pads[*axis + rank] = target - dim - pads[*axis];
    }
  }
  Value result = node.getInput(0);
  if (!starts.empty()) {
    FailureOr<Value> sliced = createSlice(node, result, starts, ends, sliceAxes,
                                          SmallVector<int64_t>(starts.size(), 1));
    if (failed(sliced))
      return failure();
    result = *sliced;
  }
  if (llvm::any_of(pads, [](int64_t p) { return p != 0; })) {
    FailureOr<Value> padded = createPad(node, result, Value(), pads, graph::PadMode::constant);
    if (failed(padded))
      return failure();
    result = *padded;
  }
  if (result == node.getInput(0))
    return setResult(node, node.createValue<graph::IdentityOp>(result));
  node.setOutput(0, result);
  return success();
}

//===----------------------------------------------------------------------===//
// Constants of computed shapes: ConstantOfShape, Range
//===----------------------------------------------------------------------===//

static LogicalResult convertConstantOfShape(OnnxNode &node) {
  FailureOr<SmallVector<int64_t>> shape = node.getConstantInts(0, "the shape");
  FailureOr<const onnx::TensorProto *> valueAttr = node.getOptionalTensor("value");
  if (failed(shape) || failed(valueAttr))
    return failure();
  for (int64_t d : *shape)
    if (d < 0)
      return node.emitError() << "ConstantOfShape shape " << formatShape(*shape)
                              << " has a negative size";
  OpBuilder &b = node.getBuilder();
  DenseElementsAttr value;
  if (*valueAttr) {
    FailureOr<DenseElementsAttr> converted =
        node.convertTensor(**valueAttr, "attribute 'value'");
    if (failed(converted))
      return failure();
    if (converted->getNumElements() != 1)
      return node.emitError() << "ConstantOfShape 'value' must hold one element, got "
                              << converted->getNumElements();
    value = DenseElementsAttr::get(
        RankedTensorType::get(*shape, converted->getElementType()),
        *converted->getValues<Attribute>().begin());
  } else {
    value = splatOf(RankedTensorType::get(*shape, b.getF32Type()), 0.0);
  }
  return setResult(node, node.createConstant(value));
}

static LogicalResult convertRange(OnnxNode &node) {
  SmallVector<DenseElementsAttr, 3> operands;
  static const char *const names[] = {"the start", "the limit", "the delta"};
  for (size_t i = 0; i < 3; ++i) {
    FailureOr<DenseElementsAttr> value = node.getConstantInput(i, names[i]);
    if (failed(value))
      return failure();
    if (value->getNumElements() != 1)
      return node.emitError() << "Range input #" << i << " must be a scalar";
    operands.push_back(*value);
  }
  Type element = operands[0].getElementType();
  for (DenseElementsAttr v : operands)
    if (v.getElementType() != element)
      return node.emitError() << "Range inputs must share one element type";
  RankedTensorType result;
  DenseElementsAttr values;
  if (auto floatType = llvm::dyn_cast<FloatType>(element)) {
    // Computed in double and rounded once per element, which is at least as
    // precise as ONNX's f32 stash for 16-bit floats.
    auto get = [](DenseElementsAttr v) {
      return (*v.getValues<APFloat>().begin()).convertToDouble();
    };
    double start = get(operands[0]), limit = get(operands[1]), delta = get(operands[2]);
    if (delta == 0 || !std::isfinite(start) || !std::isfinite(limit) || !std::isfinite(delta))
      return node.emitError() << "Range needs a non-zero finite delta and finite bounds";
    int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::ceil((limit - start) / delta)));
    SmallVector<APFloat> elements;
    for (int64_t i = 0; i < n; ++i) {
      APFloat v(start + static_cast<double>(i) * delta);
      bool losesInfo;
      v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &losesInfo);
      elements.push_back(v);
    }
    result = RankedTensorType::get({n}, element);
    values = DenseElementsAttr::get(result, elements);
  } else {
    if (element.isInteger(1) || graph::isUnsignedInteger(element))
      return node.emitError() << "Range does not take " << element << " inputs";
    auto get = [](DenseElementsAttr v) {
      return (*v.getValues<APInt>().begin()).getSExtValue();
    };
    int64_t start = get(operands[0]), limit = get(operands[1]), delta = get(operands[2]);
    if (delta == 0)
      return node.emitError() << "Range needs a non-zero delta";
    // ceil((limit - start) / delta) in integers, for either sign of delta.
    int64_t span = limit - start;
    int64_t n = delta > 0 ? (span > 0 ? (span + delta - 1) / delta : 0)
                          : (span < 0 ? (-span + -delta - 1) / -delta : 0);
    unsigned width = element.getIntOrFloatBitWidth();
    SmallVector<APInt> elements;
    for (int64_t i = 0; i < n; ++i)
      elements.push_back(APInt(width, start + i * delta, /*isSigned=*/true));
    result = RankedTensorType::get({n}, element);
    values = DenseElementsAttr::get(result, elements);
  }
  return setResult(node, node.createConstant(values));
}

//===----------------------------------------------------------------------===//
// Masks and generated patterns
//===----------------------------------------------------------------------===//

static LogicalResult convertTrilu(OnnxNode &node) {
  FailureOr<int64_t> upper = node.getInt("upper", 1);
  if (failed(upper))
    return failure();
  // k only changes which elements are kept: it may be a run-time value.
  return setResult(node, node.createValue<graph::TriluOp>(
                             node.getInput(0), node.getInput(1),
                             node.getBuilder().getBoolAttr(*upper != 0)));
}

static LogicalResult convertOneHot(OnnxNode &node) {
  FailureOr<int64_t> axis = node.getInt("axis", -1);
  if (failed(axis))
    return failure();
  FailureOr<double> depth = getConstantScalar(node, 1, "the depth");
  if (failed(depth))
    return failure();
  OpBuilder &b = node.getBuilder();
  return setResult(node, node.createValue<graph::OneHotOp>(
                             node.getInput(0), node.getInput(2),
                             b.getI64IntegerAttr(static_cast<int64_t>(*depth)),
                             b.getI64IntegerAttr(*axis)));
}

static LogicalResult convertEyeLike(OnnxNode &node) {
  FailureOr<int64_t> k = node.getInt("k", 0);
  FailureOr<std::optional<int64_t>> dtype = node.getOptionalInt("dtype");
  if (failed(k) || failed(dtype))
    return failure();
  TypeAttr dtypeAttr;
  if (*dtype) {
    FailureOr<Type> element = convertElementType(node.getLoc(), static_cast<int32_t>(**dtype),
                                                 "attribute 'dtype'");
    if (failed(element))
      return failure();
    dtypeAttr = TypeAttr::get(*element);
  }
  return setResult(node, node.createValue<graph::EyeLikeOp>(
                             node.getInput(0), node.getBuilder().getI64IntegerAttr(*k),
                             dtypeAttr));
}

static LogicalResult convertReverseSequence(OnnxNode &node) {
  FailureOr<int64_t> batchAxis = node.getInt("batch_axis", 1);
  FailureOr<int64_t> timeAxis = node.getInt("time_axis", 0);
  if (failed(batchAxis) || failed(timeAxis))
    return failure();
  OpBuilder &b = node.getBuilder();
  return setResult(node, node.createValue<graph::ReverseSequenceOp>(
                             node.getInput(0), node.getInput(1),
                             b.getI64IntegerAttr(*batchAxis), b.getI64IntegerAttr(*timeAxis)));
}

//===----------------------------------------------------------------------===//
// DepthToSpace, SpaceToDepth
//===----------------------------------------------------------------------===//

/// reshape(transpose(reshape(x, split), perm), result), the ONNX definition.
static LogicalResult buildBlockShuffle(OnnxNode &node, ArrayRef<int64_t> split,
                                       ArrayRef<int64_t> perm, ArrayRef<int64_t> result) {
  FailureOr<Value> reshaped = node.createReshape(node.getInput(0), split);
  if (failed(reshaped))
    return failure();
  FailureOr<Value> transposed = node.createValue<graph::TransposeOp>(
      *reshaped, node.getBuilder().getDenseI64ArrayAttr(perm));
  if (failed(transposed))
    return failure();
  return setResult(node, node.createReshape(*transposed, result));
}

/// The blocksize, mode and (N, C, H, W) sizes; C, H and W must be known.
struct BlockShuffle {
  int64_t blocksize;
  bool crd;
  int64_t n, c, h, w;
};

static FailureOr<BlockShuffle> getBlockShuffle(OnnxNode &node, bool hasMode) {
  FailureOr<int64_t> blocksize = node.getRequiredInt("blocksize");
  FailureOr<std::string> mode = hasMode ? node.getString("mode", "DCR")
                                        : FailureOr<std::string>(std::string("DCR"));
  if (failed(blocksize) || failed(mode))
    return failure();
  if (*mode != "DCR" && *mode != "CRD")
    return node.emitUnsupportedValue("mode", "'" + *mode + "'") << " (expected DCR or CRD)";
  if (*blocksize < 1)
    return node.emitUnsupportedValue("blocksize", std::to_string(*blocksize))
           << " (must be positive)";
  RankedTensorType type = node.getInputType(0);
  if (type.getRank() != 4)
    return node.emitError() << node.getOpType() << " needs a 4-D input, got "
                            << formatShape(type.getShape());
  ArrayRef<int64_t> s = type.getShape();
  if (llvm::any_of(s.drop_front(), ShapedType::isDynamic))
    return node.emitError() << node.getOpType() << " needs the channel and spatial sizes of "
                            << formatShape(s);
  return BlockShuffle{*blocksize, *mode == "CRD", s[0], s[1], s[2], s[3]};
}

static LogicalResult convertDepthToSpace(OnnxNode &node) {
  FailureOr<BlockShuffle> g = getBlockShuffle(node, node.getSinceVersion() >= 11);
  if (failed(g))
    return failure();
  int64_t b = g->blocksize;
  if (g->c % (b * b) != 0)
    return node.emitError() << "DepthToSpace channels " << g->c
                            << " are not divisible by blocksize^2 = " << b * b;
  int64_t c = g->c / (b * b);
  SmallVector<int64_t> result = {g->n, c, g->h * b, g->w * b};
  if (g->crd)
    return buildBlockShuffle(node, {g->n, c, b, b, g->h, g->w}, {0, 1, 4, 2, 5, 3}, result);
  return buildBlockShuffle(node, {g->n, b, b, c, g->h, g->w}, {0, 3, 4, 1, 5, 2}, result);
}

static LogicalResult convertSpaceToDepth(OnnxNode &node) {
  FailureOr<BlockShuffle> g = getBlockShuffle(node, node.getSinceVersion() >= 28);
  if (failed(g))
    return failure();
  int64_t b = g->blocksize;
  if (g->h % b != 0 || g->w % b != 0)
    return node.emitError() << "SpaceToDepth spatial sizes " << g->h << "x" << g->w
                            << " are not divisible by blocksize " << b;
  SmallVector<int64_t> split = {g->n, g->c, g->h / b, b, g->w / b, b};
  SmallVector<int64_t> result = {g->n, g->c * b * b, g->h / b, g->w / b};
  if (g->crd)
    return buildBlockShuffle(node, split, {0, 1, 3, 5, 2, 4}, result);
  return buildBlockShuffle(node, split, {0, 3, 5, 1, 2, 4}, result);
}

//===----------------------------------------------------------------------===//
// Compress, BitCast
//===----------------------------------------------------------------------===//

/// With a compile-time condition, Compress is a gather of the selected
/// positions (of the flattened input when there is no axis).
static LogicalResult convertCompress(OnnxNode &node) {
  FailureOr<std::optional<int64_t>> axisAttr = node.getOptionalInt("axis");
  if (failed(axisAttr))
    return failure();
  FailureOr<DenseElementsAttr> condition = node.getConstantInput(1, "the condition");
  if (failed(condition))
    return failure();
  if (condition->getType().getRank() != 1)
    return node.emitError() << "Compress condition must be 1-D";
  Value input = node.getInput(0);
  int64_t axis = 0;
  if (*axisAttr) {
    int64_t rank = rankOf(node, 0);
    FailureOr<int64_t> normalized = graph::normalizeAxis(**axisAttr, rank);
    if (failed(normalized))
      return node.emitError() << "Compress axis " << **axisAttr
                              << " is out of range for rank " << rank;
    axis = *normalized;
  } else {
    FailureOr<Value> flat = node.createReshape(input, {ShapedType::kDynamic});
    if (failed(flat))
      return failure();
    input = *flat;
  }
  int64_t dim = llvm::cast<RankedTensorType>(input.getType()).getDimSize(axis);
  SmallVector<int64_t> selected;
  int64_t position = 0;
  auto select = [&](bool keep) {
    if (keep)
      selected.push_back(position);
    ++position;
  };
  if (condition->getElementType().isInteger(1)) {
    for (bool keep : condition->getValues<bool>())
      select(keep);
  } else if (llvm::isa<FloatType>(condition->getElementType())) {
    for (const APFloat &v : condition->getValues<APFloat>())
      select(!v.isZero());
  } else {
    for (const APInt &v : condition->getValues<APInt>())
      select(!v.isZero());
  }
  if (!ShapedType::isDynamic(dim) && !selected.empty() && selected.back() >= dim)
    return node.emitError() << "Compress condition selects position " << selected.back()
                            << " of an axis of size " << dim;
  FailureOr<Value> indices = node.createI64Constant(selected);
  if (failed(indices))
    return failure();
  return setResult(node, node.createValue<graph::GatherOp>(
                             input, *indices, node.getBuilder().getI64IntegerAttr(axis)));
}

static LogicalResult convertBitCast(OnnxNode &node) {
  FailureOr<int64_t> to = node.getRequiredInt("to");
  if (failed(to))
    return failure();
  FailureOr<Type> element =
      convertElementType(node.getLoc(), static_cast<int32_t>(*to), "the bitcast target");
  if (failed(element))
    return failure();
  if (*element == node.getInputType(0).getElementType())
    return setResult(node, node.createValue<graph::IdentityOp>(node.getInput(0)));
  return setResult(node, node.createValue<graph::BitCastOp>(node.getInput(0),
                                                            TypeAttr::get(*element)));
}

void kiln::frontend::populateDataMovementConverters(OnnxOpTable &table) {
  // Negative axes and indices are defined from opset 11 on; earlier models
  // never use them, so one converter serves both.
  table.add({"Unsqueeze", 1, 1, 1, 1, {"axes"}, convertUnsqueeze});
  table.add({"Unsqueeze", 11, 1, 1, 1, {"axes"}, convertUnsqueeze});
  table.add({"Unsqueeze", 13, 2, 2, 1, {}, convertUnsqueeze});
  table.add({"Squeeze", 1, 1, 1, 1, {"axes"}, convertSqueeze});
  table.add({"Squeeze", 11, 1, 1, 1, {"axes"}, convertSqueeze});
  table.add({"Squeeze", 13, 1, 2, 1, {}, convertSqueeze});

  table.add({"Slice", 1, 1, 1, 1, {"axes", "ends", "starts"}, convertSliceWithAttributes});
  table.add({"Slice", 10, 3, 5, 1, {}, convertSlice});
  table.add({"Slice", 11, 3, 5, 1, {}, convertSlice});
  table.add({"Split", 1, 1, 2, kVariadic, {"axis", "split"}, convertSplit});
  table.add({"Split", 2, 1, 1, kVariadic, {"axis", "split"}, convertSplit});
  table.add({"Split", 11, 1, 1, kVariadic, {"axis", "split"}, convertSplit});
  table.add({"Split", 13, 1, 2, kVariadic, {"axis"}, convertSplit});
  table.add({"Split", 18, 1, 2, kVariadic, {"axis", "num_outputs"}, convertSplit});

  table.add({"Gather", 1, 2, 2, 1, {"axis"}, convertGather});
  table.add({"Gather", 11, 2, 2, 1, {"axis"}, convertGather});
  table.add({"GatherElements", 11, 2, 2, 1, {"axis"}, convertGatherElements});
  table.add({"GatherND", 11, 2, 2, 1, {}, convertGatherND});
  table.add({"GatherND", 12, 2, 2, 1, {"batch_dims"}, convertGatherND});
  // Scatter is ScatterElements' deprecated name.
  table.add({"Scatter", 9, 3, 3, 1, {"axis"}, convertScatterElements});
  table.add({"Scatter", 11, 3, 3, 1, {"axis"}, convertScatterElements});
  table.add({"ScatterElements", 11, 3, 3, 1, {"axis"}, convertScatterElements});
  table.add({"ScatterElements", 16, 3, 3, 1, {"axis", "reduction"}, convertScatterElements});
  table.add({"ScatterElements", 18, 3, 3, 1, {"axis", "reduction"}, convertScatterElements});
  table.add({"ScatterND", 11, 3, 3, 1, {}, convertScatterND});
  table.add({"ScatterND", 16, 3, 3, 1, {"reduction"}, convertScatterND});
  table.add({"ScatterND", 18, 3, 3, 1, {"reduction"}, convertScatterND});

  table.add({"Expand", 8, 2, 2, 1, {}, convertExpand});
  table.add({"Tile", 1, 3, 3, 1, {}, convertTileWithAxis});
  table.add({"Tile", 6, 2, 2, 1, {}, convertTile});
  table.add({"Pad", 1, 1, 1, 1, {"mode", "paddings", "value"}, convertPadWithAttributes});
  table.add({"Pad", 2, 1, 1, 1, {"mode", "pads", "value"}, convertPadWithAttributes});
  table.add({"Pad", 11, 2, 3, 1, {"mode"}, convertPad});
  table.add({"Pad", 18, 2, 4, 1, {"mode"}, convertPad});
  table.add({"Pad", 19, 2, 4, 1, {"mode"}, convertPad});
  table.add({"CenterCropPad", 18, 2, 2, 1, {"axes"}, convertCenterCropPad});

  table.add({"ConstantOfShape", 9, 1, 1, 1, {"value"}, convertConstantOfShape});
  table.add({"Range", 11, 3, 3, 1, {}, convertRange});
  table.add({"Range", 27, 3, 3, 1, {"stash_type"}, convertRange});

  table.add({"Trilu", 14, 1, 2, 1, {"upper"}, convertTrilu});
  table.add({"OneHot", 9, 3, 3, 1, {"axis"}, convertOneHot});
  table.add({"OneHot", 11, 3, 3, 1, {"axis"}, convertOneHot});
  table.add({"EyeLike", 9, 1, 1, 1, {"dtype", "k"}, convertEyeLike});
  table.add({"ReverseSequence", 10, 2, 2, 1, {"batch_axis", "time_axis"},
             convertReverseSequence});
  table.add({"DepthToSpace", 1, 1, 1, 1, {"blocksize"}, convertDepthToSpace});
  table.add({"DepthToSpace", 11, 1, 1, 1, {"blocksize", "mode"}, convertDepthToSpace});
  table.add({"SpaceToDepth", 1, 1, 1, 1, {"blocksize"}, convertSpaceToDepth});
  table.add({"SpaceToDepth", 28, 1, 1, 1, {"blocksize", "mode"}, convertSpaceToDepth});

  table.add({"Compress", 9, 2, 2, 1, {"axis"}, convertCompress});
  table.add({"Compress", 11, 2, 2, 1, {"axis"}, convertCompress});
  table.add({"BitCast", 26, 1, 1, 1, {"to"}, convertBitCast});
}
