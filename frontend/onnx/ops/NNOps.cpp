//===- NNOps.cpp - Convolution, pooling, normalization, softmax -----------===//
//
// Conv, MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool, LpPool,
// GlobalLpPool, BatchNormalization and Dropout (inference only), and
// Softmax, LogSoftmax and Hardmax (with the "coerce to 2-D" meaning before
// opset 13).
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"
#include "frontend/onnx/ops/ConvBuilders.h"
#include "frontend/onnx/ops/ReductionBuilders.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

/// A 0/1 int attribute as a kiln boolean (null when absent or 0, so the kiln
/// default applies).
static FailureOr<BoolAttr> getFlag(OnnxNode &node, StringRef name) {
  FailureOr<int64_t> value = node.getInt(name, 0);
  if (failed(value))
    return failure();
  if (*value != 0 && *value != 1)
    return node.emitUnsupportedValue(name, std::to_string(*value))
           << " (expected 0 or 1)";
  return *value ? node.getBuilder().getBoolAttr(true) : BoolAttr();
}

/// An optional ints attribute as a dense array (null when absent).
static FailureOr<DenseI64ArrayAttr> getIntArray(OnnxNode &node,
                                                StringRef name) {
  FailureOr<std::optional<SmallVector<int64_t>>> values =
      node.getOptionalInts(name);
  if (failed(values))
    return failure();
  if (!*values)
    return DenseI64ArrayAttr();
  return node.getBuilder().getDenseI64ArrayAttr(**values);
}

/// The attributes shared by Conv and the pooling ops.
struct WindowAttrs {
  DenseI64ArrayAttr pads, strides, dilations;
  graph::AutoPadAttr autoPad;
};

static FailureOr<WindowAttrs> getWindowAttrs(OnnxNode &node) {
  WindowAttrs attrs;
  FailureOr<DenseI64ArrayAttr> pads = getIntArray(node, "pads");
  FailureOr<DenseI64ArrayAttr> strides = getIntArray(node, "strides");
  FailureOr<DenseI64ArrayAttr> dilations = getIntArray(node, "dilations");
  FailureOr<std::string> autoPad = node.getString("auto_pad", "NOTSET");
  if (failed(pads) || failed(strides) || failed(dilations) || failed(autoPad))
    return failure();
  std::optional<graph::AutoPad> mode =
      llvm::StringSwitch<std::optional<graph::AutoPad>>(*autoPad)
          .Case("NOTSET", graph::AutoPad::notset)
          .Case("SAME_UPPER", graph::AutoPad::same_upper)
          .Case("SAME_LOWER", graph::AutoPad::same_lower)
          .Case("VALID", graph::AutoPad::valid)
          .Default(std::nullopt);
  if (!mode)
    return node.emitUnsupportedValue("auto_pad", "'" + *autoPad + "'")
           << " (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)";
  attrs.pads = *pads;
  attrs.strides = *strides;
  attrs.dilations = *dilations;
  if (*mode != graph::AutoPad::notset)
    attrs.autoPad = graph::AutoPadAttr::get(node.getContext(), *mode);
  return attrs;
}

FailureOr<Value> kiln::frontend::buildConv(OnnxNode &node, Value input, Value weight,
                                           Value bias) {
  FailureOr<WindowAttrs> window = getWindowAttrs(node);
  FailureOr<std::optional<SmallVector<int64_t>>> kernel =
      node.getOptionalInts("kernel_shape");
  FailureOr<int64_t> group = node.getInt("group", 1);
  if (failed(window) || failed(kernel) || failed(group))
    return failure();
  // kiln.conv takes the kernel from the weight; a kernel_shape attribute
  // must agree with it.
  if (*kernel) {
    ArrayRef<int64_t> weightShape =
        llvm::cast<RankedTensorType>(weight.getType()).getShape();
    ArrayRef<int64_t> spatial =
        weightShape.size() >= 2 ? weightShape.drop_front(2) : weightShape;
    bool matches =
        weightShape.size() >= 2 && spatial.size() == (*kernel)->size();
    for (size_t i = 0; matches && i < spatial.size(); ++i)
      matches =
          ShapedType::isDynamic(spatial[i]) || spatial[i] == (**kernel)[i];
    if (!matches)
      return node.emitError()
             << "attribute 'kernel_shape' " << formatShape(**kernel)
             << " does not match the weight of shape "
             << formatShape(weightShape);
  }
  OpBuilder &b = node.getBuilder();
  return node.createValue<graph::ConvOp>(
      input, weight, bias, window->pads, window->strides, window->dilations,
      *group == 1 ? IntegerAttr() : b.getI64IntegerAttr(*group),
      window->autoPad);
}

static LogicalResult convertConv(OnnxNode &node) {
  FailureOr<Value> result =
      buildConv(node, node.getInput(0), node.getInput(1), node.getInput(2));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// ConvTranspose: ONNX's auto_pad, pads, output_padding and output_shape
/// become the begin pads and output sizes (the reference implementation's
/// rules: with SAME_* the output is input * stride unless output_shape says
/// otherwise, and the padding is split with the odd one at the end for
/// SAME_UPPER; otherwise the output follows from the pads, or is
/// output_shape cut from the start).
static LogicalResult convertConvTranspose(OnnxNode &node) {
  FailureOr<std::string> autoPad = node.getString("auto_pad", "NOTSET");
  FailureOr<std::optional<SmallVector<int64_t>>> pads = node.getOptionalInts("pads");
  FailureOr<std::optional<SmallVector<int64_t>>> strides = node.getOptionalInts("strides");
  FailureOr<std::optional<SmallVector<int64_t>>> dilations = node.getOptionalInts("dilations");
  FailureOr<std::optional<SmallVector<int64_t>>> kernel = node.getOptionalInts("kernel_shape");
  FailureOr<std::optional<SmallVector<int64_t>>> outputPadding =
      node.getOptionalInts("output_padding");
  FailureOr<std::optional<SmallVector<int64_t>>> outputShape =
      node.getOptionalInts("output_shape");
  FailureOr<int64_t> group = node.getInt("group", 1);
  if (failed(autoPad) || failed(pads) || failed(strides) || failed(dilations) ||
      failed(kernel) || failed(outputPadding) || failed(outputShape) || failed(group))
    return failure();
  RankedTensorType inputType = node.getInputType(0), weightType = node.getInputType(1);
  int64_t spatial = inputType.getRank() - 2;
  if (spatial < 1 || weightType.getRank() != inputType.getRank())
    return node.emitError() << "ConvTranspose needs input and weight of the same rank >= 3";
  ArrayRef<int64_t> in = inputType.getShape().drop_front(2);
  ArrayRef<int64_t> k = weightType.getShape().drop_front(2);
  if (llvm::any_of(in, ShapedType::isDynamic) || llvm::any_of(k, ShapedType::isDynamic))
    return node.emitError() << "ConvTranspose needs static spatial sizes, got "
                            << formatShape(inputType.getShape()) << " and "
                            << formatShape(weightType.getShape());
  if (*kernel && ArrayRef<int64_t>(**kernel) != k)
    return node.emitError() << "attribute 'kernel_shape' " << formatShape(**kernel)
                            << " does not match the weight of shape "
                            << formatShape(weightType.getShape());
  auto orDefault = [&](const std::optional<SmallVector<int64_t>> &v, int64_t value,
                       size_t count, StringRef name) -> FailureOr<SmallVector<int64_t>> {
    if (!v)
      return SmallVector<int64_t>(count, value);
    if (v->size() != count)
      return node.emitError() << "attribute '" << name << "' has " << v->size()
                              << " values, expected " << count;
    return *v;
  };
  FailureOr<SmallVector<int64_t>> s = orDefault(*strides, 1, spatial, "strides");
  FailureOr<SmallVector<int64_t>> d = orDefault(*dilations, 1, spatial, "dilations");
  FailureOr<SmallVector<int64_t>> op = orDefault(*outputPadding, 0, spatial, "output_padding");
  if (failed(s) || failed(d) || failed(op))
    return failure();
  if (*outputShape && (*outputShape)->size() != size_t(spatial)) {
    // Some exporters write the whole output shape (N, C, spatial...).
    if ((*outputShape)->size() == size_t(spatial + 2))
      (*outputShape)->erase((*outputShape)->begin(), (*outputShape)->begin() + 2);
    else
      return node.emitError() << "attribute 'output_shape' has " << (*outputShape)->size()
                              << " values, expected " << spatial;
  }
  bool same = *autoPad == "SAME_UPPER" || *autoPad == "SAME_LOWER";
  if (!same && *autoPad != "NOTSET" && *autoPad != "VALID")
    return node.emitUnsupportedValue("auto_pad", "'" + *autoPad + "'");
  SmallVector<int64_t> padsBegin(spatial, 0), sizes(spatial);
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t extent = (k[i] - 1) * (*d)[i] + 1;
    int64_t full = (*s)[i] * (in[i] - 1) + (*op)[i] + extent;
    if (same && !*pads) {
      int64_t out = *outputShape ? (**outputShape)[i] : in[i] * (*s)[i];
      int64_t total = full - out;
      padsBegin[i] = *autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
      sizes[i] = out;
    } else {
      FailureOr<SmallVector<int64_t>> p = orDefault(*pads, 0, 2 * spatial, "pads");
      if (failed(p))
        return failure();
      padsBegin[i] = (*p)[i];
      sizes[i] = *outputShape ? (**outputShape)[i] : full - (*p)[i] - (*p)[i + spatial];
    }
  }
  OpBuilder &b = node.getBuilder();
  FailureOr<Value> result = node.createValue<graph::ConvTransposeOp>(
      node.getInput(0), node.getInput(1), node.getInput(2),
      b.getDenseI64ArrayAttr(sizes), b.getDenseI64ArrayAttr(padsBegin),
      b.getDenseI64ArrayAttr(*s), b.getDenseI64ArrayAttr(*d), b.getI64IntegerAttr(*group));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// The optional Indices output is a kiln.max_pool_indices with the same
/// window; storage_order only lays it out.
static LogicalResult convertMaxPool(OnnxNode &node) {
  FailureOr<WindowAttrs> window = getWindowAttrs(node);
  FailureOr<SmallVector<int64_t>> kernel = node.getRequiredInts("kernel_shape");
  FailureOr<BoolAttr> ceilMode = getFlag(node, "ceil_mode");
  FailureOr<BoolAttr> storageOrder = getFlag(node, "storage_order");
  if (failed(window) || failed(kernel) || failed(ceilMode) ||
      failed(storageOrder))
    return failure();
  DenseI64ArrayAttr kernelAttr = node.getBuilder().getDenseI64ArrayAttr(*kernel);
  FailureOr<Value> result = node.createValue<graph::MaxPoolOp>(
      node.getInput(0), kernelAttr, window->pads, window->strides,
      window->dilations, *ceilMode, window->autoPad);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  if (node.isOutputUsed(1)) {
    FailureOr<Value> indices = node.createValue<graph::MaxPoolIndicesOp>(
        node.getInput(0), kernelAttr, window->pads, window->strides,
        window->dilations, *ceilMode, window->autoPad, *storageOrder);
    if (failed(indices))
      return failure();
    node.setOutput(1, *indices);
  }
  return success();
}

static LogicalResult convertAveragePool(OnnxNode &node) {
  FailureOr<WindowAttrs> window = getWindowAttrs(node);
  FailureOr<SmallVector<int64_t>> kernel = node.getRequiredInts("kernel_shape");
  FailureOr<BoolAttr> ceilMode = getFlag(node, "ceil_mode");
  FailureOr<BoolAttr> countIncludePad = getFlag(node, "count_include_pad");
  if (failed(window) || failed(kernel) || failed(ceilMode) ||
      failed(countIncludePad))
    return failure();
  FailureOr<Value> result = node.createValue<graph::AveragePoolOp>(
      node.getInput(0), node.getBuilder().getDenseI64ArrayAttr(*kernel),
      window->pads, window->strides, window->dilations, *ceilMode,
      *countIncludePad, window->autoPad);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

static LogicalResult convertGlobalAveragePool(OnnxNode &node) {
  FailureOr<Value> result =
      node.createValue<graph::GlobalAveragePoolOp>(node.getInput(0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Training mode (opset 14's training_mode = 1): normalizes with the batch's
/// statistics over every axis but the channels (the biased variance), and
/// outputs the running mean and variance moved towards them by `momentum`.
static LogicalResult convertBatchNormTraining(OnnxNode &node, float epsilon,
                                              float momentum) {
  GraphEmitter e(node);
  Value x = node.getInput(0);
  int64_t rank = shapeOf(x).size();
  if (rank < 2)
    return node.emitError() << "the input must have a channel axis, got "
                            << x.getType();
  SmallVector<int64_t> axes = {0};
  for (int64_t i = 2; i < rank; ++i)
    axes.push_back(i);
  Value batchMean = mean(e, x, axes, /*keepdims=*/true);
  Value centered = e.op<graph::SubOp>(x, batchMean);
  Value batchVar = mean(e, e.op<graph::MulOp>(centered, centered), axes, false);
  int64_t channels = shapeOf(x)[1];
  Value meanVector = e.reshape(batchMean, {channels});
  Value y = e.op<graph::BatchNormOp>(x, node.getInput(1), node.getInput(2), meanVector,
                                     batchVar, node.getBuilder().getF32FloatAttr(epsilon));
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  for (auto [i, batchStat] : {std::pair<int, Value>{1, meanVector}, {2, batchVar}}) {
    if (!node.isOutputUsed(i))
      continue;
    Value running = node.getInput(2 + i);
    Type type = elementTypeOf(running);
    Value updated = e.op<graph::AddOp>(
        e.op<graph::MulOp>(running, e.scalar(type, momentum)),
        e.op<graph::MulOp>(e.cast(batchStat, type), e.scalar(type, 1.0 - double(momentum))));
    if (!e.ok())
      return failure();
    node.setOutput(i, updated);
  }
  return success();
}

/// The inference form, and from opset 14 the training form. Before opset 14
/// the statistics outputs exist in training mode alone (and its saved
/// statistics are not specified well enough); legacy attributes that do not
/// change inference results (`is_test`, `consumed_inputs`, `momentum`) are
/// accepted and ignored.
static LogicalResult convertBatchNormalization(OnnxNode &node) {
  FailureOr<int64_t> trainingMode = node.getInt("training_mode", 0);
  FailureOr<int64_t> spatial = node.getInt("spatial", 1);
  FailureOr<int64_t> isTest = node.getInt("is_test", 0);
  FailureOr<float> epsilon = node.getFloat("epsilon", 1e-5f);
  FailureOr<std::optional<float>> momentum = node.getOptionalFloat("momentum");
  if (failed(trainingMode) || failed(spatial) || failed(isTest) ||
      failed(epsilon) || failed(momentum))
    return failure();
  if (*trainingMode != 0 && *trainingMode != 1)
    return node.emitUnsupportedValue("training_mode", std::to_string(*trainingMode))
           << " (expected 0 or 1)";
  if (*trainingMode == 1)
    return convertBatchNormTraining(node, *epsilon, momentum->value_or(0.9f));
  for (int i = 1, e = node.getProto().output_size(); i < e; ++i)
    if (node.isOutputUsed(i))
      return node.emitError() << "training mode is not supported (output #"
                              << i << " '" << node.getProto().output(i)
                              << "' is used)";
  if (*spatial != 1)
    return node.emitUnsupportedValue("spatial", std::to_string(*spatial))
           << " (only spatial = 1 is supported)";
  FailureOr<Value> result = node.createValue<graph::BatchNormOp>(
      node.getInput(0), node.getInput(1), node.getInput(2), node.getInput(3),
      node.getInput(4), node.getBuilder().getF32FloatAttr(*epsilon));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Opset 13 and later: Softmax, LogSoftmax and Hardmax along one axis.
template <typename OpTy>
static LogicalResult convertSoftmax(OnnxNode &node) {
  FailureOr<int64_t> axis = node.getInt("axis", -1);
  if (failed(axis))
    return failure();
  FailureOr<Value> result = node.createValue<OpTy>(
      node.getInput(0), node.getBuilder().getI64IntegerAttr(*axis));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// Before opset 13, Softmax, LogSoftmax and Hardmax coerce their input to
/// 2-D at `axis` (default 1) and normalize each row: flatten, the op along
/// axis 1, reshape back.
template <typename OpTy>
static LogicalResult convertCoercedSoftmax(OnnxNode &node) {
  FailureOr<int64_t> axis = node.getInt("axis", 1);
  if (failed(axis))
    return failure();
  OpBuilder &b = node.getBuilder();
  Value input = node.getInput(0);
  ArrayRef<int64_t> shape = node.getInputType(0).getShape();
  int64_t rank = shape.size();
  // A reshape back cannot restore two unknown sizes; when the rows are the
  // last axis the coercion changes nothing and the plain op says it all.
  int64_t numDynamic = llvm::count_if(shape, ShapedType::isDynamic);
  if (numDynamic > 1 && (*axis == rank - 1 || *axis == -1)) {
    FailureOr<Value> result =
        node.createValue<OpTy>(input, b.getI64IntegerAttr(-1));
    if (failed(result))
      return failure();
    node.setOutput(0, *result);
    return success();
  }
  FailureOr<Value> flat =
      node.createValue<graph::FlattenOp>(input, b.getI64IntegerAttr(*axis));
  if (failed(flat))
    return failure();
  FailureOr<Value> softmax = node.createValue<OpTy>(*flat, b.getI64IntegerAttr(1));
  if (failed(softmax))
    return failure();
  FailureOr<Value> result = node.createReshape(*softmax, shape);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// The maximum over all spatial axes, kept as size 1.
static LogicalResult convertGlobalMaxPool(OnnxNode &node) {
  RankedTensorType type = node.getInputType(0);
  if (type.getRank() < 3)
    return node.emitError() << "pool input must have rank >= 3 (N x C x ...), got "
                            << formatShape(type.getShape());
  GraphEmitter e(node);
  Value result = reduce(e, graph::ReduceKind::max, node.getInput(0),
                        trailingAxes(2, type.getRank()), true);
  if (!e.ok())
    return failure();
  node.setOutput(0, result);
  return success();
}

/// Before opset 2, p is a float attribute (with default 2); integral values
/// are all that Lp pooling takes from 2 on.
static FailureOr<int64_t> getLpPoolP(OnnxNode &node) {
  if (node.getSinceVersion() >= 2)
    return node.getInt("p", 2);
  FailureOr<float> p = node.getFloat("p", 2.0f);
  if (failed(p))
    return failure();
  if (*p != std::floor(*p))
    return node.emitUnsupportedValue("p", std::to_string(*p))
           << " (only integral p is supported)";
  return static_cast<int64_t>(*p);
}

static LogicalResult convertLpPool(OnnxNode &node) {
  FailureOr<WindowAttrs> window = getWindowAttrs(node);
  FailureOr<SmallVector<int64_t>> kernel = node.getRequiredInts("kernel_shape");
  FailureOr<BoolAttr> ceilMode = getFlag(node, "ceil_mode");
  FailureOr<int64_t> p = getLpPoolP(node);
  if (failed(window) || failed(kernel) || failed(ceilMode) || failed(p))
    return failure();
  OpBuilder &b = node.getBuilder();
  FailureOr<Value> result = node.createValue<graph::LpPoolOp>(
      node.getInput(0), b.getDenseI64ArrayAttr(*kernel), b.getI64IntegerAttr(*p),
      window->pads, window->strides, window->dilations, *ceilMode, window->autoPad);
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

/// (sum |x|^p)^(1/p) over all spatial axes, kept as size 1.
static LogicalResult convertGlobalLpPool(OnnxNode &node) {
  FailureOr<int64_t> p = getLpPoolP(node);
  if (failed(p))
    return failure();
  RankedTensorType type = node.getInputType(0);
  if (type.getRank() < 3)
    return node.emitError() << "pool input must have rank >= 3 (N x C x ...), got "
                            << formatShape(type.getShape());
  if (*p <= 0)
    return node.emitUnsupportedValue("p", std::to_string(*p)) << " (must be positive)";
  GraphEmitter e(node);
  Type element = type.getElementType();
  Value powered = e.op<graph::PowOp>(e.op<graph::AbsOp>(node.getInput(0)),
                                     e.scalar(element, static_cast<double>(*p)));
  Value sum = reduce(e, graph::ReduceKind::sum, powered, trailingAxes(2, type.getRank()), true);
  Value result = e.op<graph::PowOp>(sum, e.scalar(element, 1.0 / static_cast<double>(*p)));
  if (!e.ok())
    return failure();
  node.setOutput(0, result);
  return success();
}

/// Inference only: the output is the input and the mask is all true (of the
/// input's type before opset 10). The ratio does not matter then; a
/// training_mode input must be known, and false unless the ratio is known to
/// be 0.
static LogicalResult convertDropout(OnnxNode &node) {
  if (node.getSinceVersion() >= 12 && node.getInput(2)) {
    FailureOr<DenseElementsAttr> training =
        node.getConstantInput(2, "the training mode");
    if (failed(training))
      return failure();
    if (training->getNumElements() != 1 ||
        !training->getElementType().isInteger(1))
      return node.emitError() << "training_mode must be one boolean";
    // Training with a ratio of 0 drops nothing, like inference; any other
    // ratio draws random numbers.
    if (training->getSplatValue<bool>()) {
      if (!node.getInput(1))
        return node.emitError()
               << "training mode is not supported (it drops at random at the default ratio 0.5)";
      FailureOr<DenseElementsAttr> ratio = node.getConstantInput(1, "the ratio in training mode");
      if (failed(ratio))
        return failure();
      if (!llvm::isa<FloatType>(ratio->getElementType()) || ratio->getNumElements() != 1)
        return node.emitError() << "ratio must be one floating-point value";
      APFloat value = ratio->getSplatValue<APFloat>();
      if (!value.isZero()) {
        SmallString<16> text;
        value.toString(text);
        return node.emitError() << "training mode is not supported (it drops at random at ratio "
                                << text << ")";
      }
    }
  }
  // The attributes (ratio, seed, the legacy is_test) do not change
  // inference results; only their kinds are checked.
  if (failed(node.getFloat("ratio", 0.5f)) || failed(node.getInt("seed", 0)) ||
      failed(node.getInt("is_test", 0)))
    return failure();
  Value input = node.getInput(0);
  node.setOutput(0, input);
  if (node.getProto().output_size() > 1 && node.isOutputUsed(1)) {
    RankedTensorType type = node.getInputType(0);
    if (!type.hasStaticShape())
      return node.emitError() << "the mask output needs a static input shape, got "
                              << formatShape(type.getShape());
    OpBuilder &b = node.getBuilder();
    Type maskElement = node.getSinceVersion() >= 10 ? b.getI1Type() : type.getElementType();
    Attribute one = llvm::isa<FloatType>(maskElement)
                        ? Attribute(b.getFloatAttr(maskElement, 1.0))
                        : Attribute(b.getIntegerAttr(maskElement, 1));
    FailureOr<Value> mask =
        node.createConstant(DenseElementsAttr::get(type.clone(maskElement), one));
    if (failed(mask))
      return failure();
    node.setOutput(1, *mask);
  }
  return success();
}

void kiln::frontend::populateNNConverters(OnnxOpTable &table) {
  table.add({"Conv", 1, 2, 3, 1,
             {"auto_pad", "dilations", "group", "kernel_shape", "pads",
              "strides"},
             convertConv});

  table.add({"ConvTranspose", 1, 2, 3, 1,
             {"auto_pad", "dilations", "group", "kernel_shape", "output_padding",
              "output_shape", "pads", "strides"},
             convertConvTranspose});

  table.add({"MaxPool", 1, 1, 1, 1,
             {"auto_pad", "kernel_shape", "pads", "strides"}, convertMaxPool});
  table.add({"MaxPool", 8, 1, 1, 2,
             {"auto_pad", "kernel_shape", "pads", "storage_order", "strides"},
             convertMaxPool});
  table.add({"MaxPool", 10, 1, 1, 2,
             {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads",
              "storage_order", "strides"},
             convertMaxPool});

  table.add({"AveragePool", 1, 1, 1, 1,
             {"auto_pad", "kernel_shape", "pads", "strides"},
             convertAveragePool});
  table.add({"AveragePool", 7, 1, 1, 1,
             {"auto_pad", "count_include_pad", "kernel_shape", "pads",
              "strides"},
             convertAveragePool});
  table.add({"AveragePool", 10, 1, 1, 1,
             {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape",
              "pads", "strides"},
             convertAveragePool});
  table.add({"AveragePool", 19, 1, 1, 1,
             {"auto_pad", "ceil_mode", "count_include_pad", "dilations",
              "kernel_shape", "pads", "strides"},
             convertAveragePool});

  table.add({"GlobalAveragePool", 1, 1, 1, 1, {}, convertGlobalAveragePool});

  table.add({"BatchNormalization", 1, 5, 5, 5,
             {"consumed_inputs", "epsilon", "is_test", "momentum", "spatial"},
             convertBatchNormalization});
  table.add({"BatchNormalization", 6, 5, 5, 5,
             {"epsilon", "is_test", "momentum", "spatial"},
             convertBatchNormalization});
  table.add({"BatchNormalization", 7, 5, 5, 5,
             {"epsilon", "momentum", "spatial"}, convertBatchNormalization});
  table.add({"BatchNormalization", 9, 5, 5, 5, {"epsilon", "momentum"},
             convertBatchNormalization});
  table.add({"BatchNormalization", 14, 5, 5, 3,
             {"epsilon", "momentum", "training_mode"},
             convertBatchNormalization});

  table.add({"Softmax", 1, 1, 1, 1, {"axis"}, convertCoercedSoftmax<graph::SoftmaxOp>});
  table.add({"Softmax", 13, 1, 1, 1, {"axis"}, convertSoftmax<graph::SoftmaxOp>});
  table.add({"LogSoftmax", 1, 1, 1, 1, {"axis"},
             convertCoercedSoftmax<graph::LogSoftmaxOp>});
  table.add({"LogSoftmax", 13, 1, 1, 1, {"axis"}, convertSoftmax<graph::LogSoftmaxOp>});
  table.add({"Hardmax", 1, 1, 1, 1, {"axis"}, convertCoercedSoftmax<graph::HardmaxOp>});
  table.add({"Hardmax", 13, 1, 1, 1, {"axis"}, convertSoftmax<graph::HardmaxOp>});

  table.add({"GlobalMaxPool", 1, 1, 1, 1, {}, convertGlobalMaxPool});
  table.add({"LpPool", 1, 1, 1, 1, {"auto_pad", "kernel_shape", "p", "pads", "strides"},
             convertLpPool});
  table.add({"LpPool", 2, 1, 1, 1, {"auto_pad", "kernel_shape", "p", "pads", "strides"},
             convertLpPool});
  table.add({"LpPool", 18, 1, 1, 1,
             {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "p", "pads", "strides"},
             convertLpPool});
  table.add({"GlobalLpPool", 1, 1, 1, 1, {"p"}, convertGlobalLpPool});
  table.add({"GlobalLpPool", 2, 1, 1, 1, {"p"}, convertGlobalLpPool});

  table.add({"Dropout", 1, 1, 1, 2, {"consumed_inputs", "is_test", "ratio"}, convertDropout});
  table.add({"Dropout", 6, 1, 1, 2, {"is_test", "ratio"}, convertDropout});
  table.add({"Dropout", 7, 1, 1, 2, {"ratio"}, convertDropout});
  table.add({"Dropout", 10, 1, 1, 2, {"ratio"}, convertDropout});
  table.add({"Dropout", 12, 1, 3, 2, {"seed"}, convertDropout});
}
