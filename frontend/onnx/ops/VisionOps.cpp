//===- VisionOps.cpp - Sampling, region and image-block ops ---------------===//
//
// GridSample, RoiAlign, Col2Im and Det map onto their kiln ops. DeformConv
// is what its reference spells out: for each offset group, one grid_sample
// (bilinear, zero padding, in input coordinates) reads every kernel tap at
// its offset position, the mask scales the taps, and the columns meet the
// weights in a matmul per group. MaxUnpool scatters into the flattened
// pooled-from shape and pads that to output_shape, as the reference does.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

#include "llvm/ADT/StringSwitch.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

/// `value[start:end]` along `axis`.
Value sliceAxis(GraphEmitter &e, Value value, int64_t axis, int64_t start, int64_t end) {
  if (!e.ok())
    return {};
  OpBuilder &b = e.getNode().getBuilder();
  return e.op<graph::SliceOp>(value, b.getDenseI64ArrayAttr({start}),
                              b.getDenseI64ArrayAttr({end}), b.getDenseI64ArrayAttr({axis}),
                              b.getDenseI64ArrayAttr({1}));
}

int64_t product(ArrayRef<int64_t> values) {
  int64_t p = 1;
  for (int64_t v : values)
    p *= v;
  return p;
}

/// Fails with an error unless every listed input has a static shape.
LogicalResult requireStatic(OnnxNode &node, ArrayRef<size_t> inputs) {
  for (size_t i : inputs)
    if (node.getInput(i) && !node.getInputType(i).hasStaticShape())
      return node.emitError() << node.getOpType() << " needs a static shape for input #" << i
                              << ", got " << formatShape(node.getInputType(i).getShape());
  return success();
}

/// An ints attribute with `count` values, or `count` copies of `value`.
FailureOr<SmallVector<int64_t>> intsOr(OnnxNode &node, StringRef name, size_t count,
                                       int64_t value) {
  FailureOr<std::optional<SmallVector<int64_t>>> values = node.getOptionalInts(name);
  if (failed(values))
    return failure();
  if (!*values)
    return SmallVector<int64_t>(count, value);
  if ((*values)->size() != count)
    return node.emitError() << "attribute '" << name << "' has " << (*values)->size()
                            << " values, expected " << count;
  return **values;
}

//===----------------------------------------------------------------------===//
// GridSample
//===----------------------------------------------------------------------===//

LogicalResult convertGridSample(OnnxNode &node) {
  bool opset16 = node.getSinceVersion() < 20;
  FailureOr<std::string> modeName = node.getString("mode", opset16 ? "bilinear" : "linear");
  FailureOr<std::string> paddingName = node.getString("padding_mode", "zeros");
  FailureOr<int64_t> alignCorners = node.getInt("align_corners", 0);
  if (failed(modeName) || failed(paddingName) || failed(alignCorners))
    return failure();
  // Opset 16 names the 2-D modes, opset 20 the N-D ones.
  std::optional<graph::SampleMode> mode;
  if (*modeName == "nearest")
    mode = graph::SampleMode::nearest;
  else if (*modeName == (opset16 ? "bilinear" : "linear"))
    mode = graph::SampleMode::linear;
  else if (*modeName == (opset16 ? "bicubic" : "cubic"))
    mode = graph::SampleMode::cubic;
  if (!mode)
    return node.emitUnsupportedValue("mode", "'" + *modeName + "'")
           << (opset16 ? " (expected bilinear, nearest or bicubic)"
                       : " (expected linear, nearest or cubic)");
  std::optional<graph::SamplePadding> padding =
      llvm::StringSwitch<std::optional<graph::SamplePadding>>(*paddingName)
          .Case("zeros", graph::SamplePadding::zeros)
          .Case("border", graph::SamplePadding::border)
          .Case("reflection", graph::SamplePadding::reflection)
          .Default(std::nullopt);
  if (!padding)
    return node.emitUnsupportedValue("padding_mode", "'" + *paddingName + "'")
           << " (expected zeros, border or reflection)";
  if (*alignCorners != 0 && *alignCorners != 1)
    return node.emitUnsupportedValue("align_corners", std::to_string(*alignCorners))
           << " (expected 0 or 1)";
  if (opset16 && node.getInputType(0).getRank() != 4)
    return node.emitError() << "GridSample before opset 20 takes 4-D inputs, got "
                            << formatShape(node.getInputType(0).getShape());
  MLIRContext *ctx = node.getContext();
  OpBuilder &b = node.getBuilder();
  FailureOr<Value> result = node.createValue<graph::GridSampleOp>(
      node.getInput(0), node.getInput(1), graph::SampleModeAttr::get(ctx, *mode),
      graph::SamplePaddingAttr::get(ctx, *padding), b.getBoolAttr(*alignCorners),
      b.getBoolAttr(false));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// RoiAlign
//===----------------------------------------------------------------------===//

LogicalResult convertRoiAlign(OnnxNode &node) {
  FailureOr<std::string> modeName = node.getString("mode", "avg");
  FailureOr<int64_t> outH = node.getInt("output_height", 1);
  FailureOr<int64_t> outW = node.getInt("output_width", 1);
  FailureOr<int64_t> ratio = node.getInt("sampling_ratio", 0);
  FailureOr<float> scale = node.getFloat("spatial_scale", 1.0f);
  // Opset 10 shifts no half pixel; opset 16 does by default.
  FailureOr<std::string> transform = node.getString(
      "coordinate_transformation_mode",
      node.getSinceVersion() < 16 ? "output_half_pixel" : "half_pixel");
  if (failed(modeName) || failed(outH) || failed(outW) || failed(ratio) || failed(scale) ||
      failed(transform))
    return failure();
  if (*modeName != "avg" && *modeName != "max")
    return node.emitUnsupportedValue("mode", "'" + *modeName + "'") << " (expected avg or max)";
  if (*transform != "half_pixel" && *transform != "output_half_pixel")
    return node.emitUnsupportedValue("coordinate_transformation_mode", "'" + *transform + "'")
           << " (expected half_pixel or output_half_pixel)";
  if (*ratio < 0)
    return node.emitError() << "sampling_ratio must not be negative, got " << *ratio;
  bool halfPixel = *transform == "half_pixel";
  MLIRContext *ctx = node.getContext();
  OpBuilder &b = node.getBuilder();
  auto mode = graph::RoiPoolModeAttr::get(
      ctx, *modeName == "max" ? graph::RoiPoolMode::max : graph::RoiPoolMode::avg);
  GraphEmitter e(node);
  auto align = [&](Value rois, Value indices, int64_t gridH, int64_t gridW) {
    return e.op<graph::RoiAlignOp>(node.getInput(0), rois, indices, mode,
                                   b.getI64IntegerAttr(*outH), b.getI64IntegerAttr(*outW),
                                   b.getI64IntegerAttr(gridH), b.getI64IntegerAttr(gridW),
                                   b.getF32FloatAttr(*scale), b.getBoolAttr(halfPixel));
  };
  if (*ratio > 0) {
    Value y = align(node.getInput(1), node.getInput(2), *ratio, *ratio);
    if (!e.ok())
      return failure();
    node.setOutput(0, y);
    return success();
  }

  // Adaptive sampling: each region samples ceil(size / bins) points per
  // axis, so the regions' values fix the loop sizes. Consecutive regions
  // with the same grid share one op.
  FailureOr<DenseElementsAttr> rois = node.getConstantInput(
      1, "the regions of interest (with sampling_ratio 0 they set the sample counts)");
  if (failed(rois))
    return failure();
  SmallVector<double> coords;
  for (APFloat v : rois->getValues<APFloat>()) {
    bool lost;
    v.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven, &lost);
    coords.push_back(v.convertToDouble());
  }
  int64_t numRois = coords.size() / 4;
  double offset = halfPixel ? 0.5 : 0.0;
  SmallVector<std::pair<int64_t, int64_t>> grids;
  for (int64_t r = 0; r < numRois; ++r) {
    double w = (coords[4 * r + 2] * *scale - offset) - (coords[4 * r] * *scale - offset);
    double h = (coords[4 * r + 3] * *scale - offset) - (coords[4 * r + 1] * *scale - offset);
    if (!halfPixel) {
      w = std::max(w, 1.0);
      h = std::max(h, 1.0);
    }
    // A degenerate region still takes one sample (the reference takes none
    // and yields 0).
    grids.push_back({std::max<int64_t>(1, static_cast<int64_t>(std::ceil(h / *outH))),
                     std::max<int64_t>(1, static_cast<int64_t>(std::ceil(w / *outW)))});
  }
  SmallVector<Value> parts;
  for (int64_t start = 0; start < numRois;) {
    int64_t end = start + 1;
    while (end < numRois && grids[end] == grids[start])
      ++end;
    Value part = (start == 0 && end == numRois)
                     ? align(node.getInput(1), node.getInput(2), grids[start].first,
                             grids[start].second)
                     : align(sliceAxis(e, node.getInput(1), 0, start, end),
                             sliceAxis(e, node.getInput(2), 0, start, end),
                             grids[start].first, grids[start].second);
    parts.push_back(part);
    start = end;
  }
  Value y = parts.size() == 1 ? parts[0] : e.concat(parts, 0);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// Col2Im
//===----------------------------------------------------------------------===//

LogicalResult convertCol2Im(OnnxNode &node) {
  FailureOr<SmallVector<int64_t>> image = node.getConstantInts(1, "the image shape");
  if (failed(image))
    return failure();
  FailureOr<SmallVector<int64_t>> block = node.getConstantInts(2, "the block shape");
  if (failed(block))
    return failure();
  size_t spatial = image->size();
  FailureOr<SmallVector<int64_t>> dilations = intsOr(node, "dilations", spatial, 1);
  FailureOr<SmallVector<int64_t>> pads = intsOr(node, "pads", 2 * spatial, 0);
  FailureOr<SmallVector<int64_t>> strides = intsOr(node, "strides", spatial, 1);
  if (failed(dilations) || failed(pads) || failed(strides))
    return failure();
  OpBuilder &b = node.getBuilder();
  FailureOr<Value> result = node.createValue<graph::Col2ImOp>(
      node.getInput(0), b.getDenseI64ArrayAttr(*image), b.getDenseI64ArrayAttr(*block),
      b.getDenseI64ArrayAttr(*pads), b.getDenseI64ArrayAttr(*strides),
      b.getDenseI64ArrayAttr(*dilations));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

//===----------------------------------------------------------------------===//
// DeformConv
//===----------------------------------------------------------------------===//

LogicalResult convertDeformConv(OnnxNode &node) {
  if (failed(requireStatic(node, {0, 1, 2, 3, 4})))
    return failure();
  RankedTensorType xType = node.getInputType(0), wType = node.getInputType(1);
  RankedTensorType offsetType = node.getInputType(2);
  if (xType.getRank() != 4 || wType.getRank() != 4 || offsetType.getRank() != 4)
    return node.emitError() << "DeformConv supports 2-D convolutions (4-D X, W and offset), got "
                            << formatShape(xType.getShape());
  FailureOr<int64_t> group = node.getInt("group", 1);
  FailureOr<int64_t> offsetGroup = node.getInt("offset_group", 1);
  FailureOr<SmallVector<int64_t>> dilations = intsOr(node, "dilations", 2, 1);
  FailureOr<SmallVector<int64_t>> pads = intsOr(node, "pads", 4, 0);
  FailureOr<SmallVector<int64_t>> strides = intsOr(node, "strides", 2, 1);
  FailureOr<std::optional<SmallVector<int64_t>>> kernel = node.getOptionalInts("kernel_shape");
  if (failed(group) || failed(offsetGroup) || failed(dilations) || failed(pads) ||
      failed(strides) || failed(kernel))
    return failure();
  int64_t n = xType.getDimSize(0), c = xType.getDimSize(1);
  int64_t h = xType.getDimSize(2), w = xType.getDimSize(3);
  int64_t oc = wType.getDimSize(0), kh = wType.getDimSize(2), kw = wType.getDimSize(3);
  int64_t oh = offsetType.getDimSize(2), ow = offsetType.getDimSize(3);
  int64_t taps = kh * kw;
  if (*kernel && ArrayRef<int64_t>(**kernel) != wType.getShape().drop_front(2))
    return node.emitError() << "attribute 'kernel_shape' " << formatShape(**kernel)
                            << " does not match the weight of shape "
                            << formatShape(wType.getShape());
  if (*group <= 0 || *offsetGroup <= 0 || c % *group != 0 || oc % *group != 0 ||
      c % *offsetGroup != 0 || wType.getDimSize(1) * *group != c)
    return node.emitError() << "DeformConv channels (X " << formatShape(xType.getShape())
                            << ", W " << formatShape(wType.getShape()) << ") do not fit group "
                            << *group << " and offset_group " << *offsetGroup;
  if (offsetType.getDimSize(0) != n || offsetType.getDimSize(1) != *offsetGroup * taps * 2)
    return node.emitError() << "offset of shape " << formatShape(offsetType.getShape())
                            << " does not hold " << *offsetGroup << " x " << taps
                            << " (y, x) pairs per position";
  for (int64_t i = 0; i < 2; ++i) {
    int64_t in = i == 0 ? h : w, k = i == 0 ? kh : kw, out = i == 0 ? oh : ow;
    int64_t expected = (in + (*pads)[i] + (*pads)[i + 2] - ((k - 1) * (*dilations)[i] + 1)) /
                           (*strides)[i] +
                       1;
    if (out != expected)
      return node.emitError() << "offset spatial size " << out << " on axis " << i
                              << " differs from the convolution's output size " << expected;
  }

  GraphEmitter e(node);
  OpBuilder &b = node.getBuilder();
  MLIRContext *ctx = node.getContext();
  Type ft = xType.getElementType();
  Value x = node.getInput(0);
  Value offset = e.reshape(node.getInput(2), {n, *offsetGroup, taps, 2, oh, ow});
  Value mask = node.getInput(4);
  if (mask) {
    if (shapeOf(mask) != ArrayRef<int64_t>{n, *offsetGroup * taps, oh, ow})
      return node.emitError() << "mask of shape " << formatShape(shapeOf(mask))
                              << " does not hold " << *offsetGroup * taps
                              << " values per position";
    mask = e.reshape(mask, {n, *offsetGroup, 1, taps, oh, ow});
  }
  // Where each tap of each output position reads without offsets.
  SmallVector<double> baseY, baseX;
  for (int64_t i = 0; i < kh; ++i)
    for (int64_t j = 0; j < kw; ++j)
      for (int64_t y = 0; y < oh; ++y)
        for (int64_t xx = 0; xx < ow; ++xx) {
          baseY.push_back(y * (*strides)[0] - (*pads)[0] + i * (*dilations)[0]);
          baseX.push_back(xx * (*strides)[1] - (*pads)[1] + j * (*dilations)[1]);
        }
  auto baseType = RankedTensorType::get({1, taps, oh, ow}, ft);
  auto toAttr = [&](ArrayRef<double> values) {
    SmallVector<APFloat> converted;
    for (double v : values) {
      APFloat f(v);
      bool lost;
      f.convert(llvm::cast<FloatType>(ft).getFloatSemantics(), APFloat::rmNearestTiesToEven,
                &lost);
      converted.push_back(f);
    }
    return DenseElementsAttr::get(baseType, converted);
  };
  Value baseYValue = e.constant(toAttr(baseY)), baseXValue = e.constant(toAttr(baseX));

  int64_t cPerOffsetGroup = c / *offsetGroup;
  SmallVector<Value> columns;
  for (int64_t g = 0; g < *offsetGroup; ++g) {
    Value off = e.reshape(sliceAxis(e, offset, 1, g, g + 1), {n, taps, 2, oh, ow});
    Value dy = e.reshape(sliceAxis(e, off, 2, 0, 1), {n, taps, oh, ow});
    Value dx = e.reshape(sliceAxis(e, off, 2, 1, 2), {n, taps, oh, ow});
    Value py = e.op<graph::AddOp>(dy, baseYValue), px = e.op<graph::AddOp>(dx, baseXValue);
    // The grid: (x, y) pairs, the taps stacked along the output rows.
    Value grid = e.reshape(e.concat({e.reshape(px, {n, taps, oh, ow, 1}),
                                     e.reshape(py, {n, taps, oh, ow, 1})},
                                    4),
                           {n, taps * oh, ow, 2});
    Value xg = *offsetGroup == 1
                   ? x
                   : sliceAxis(e, x, 1, g * cPerOffsetGroup, (g + 1) * cPerOffsetGroup);
    Value sampled = e.op<graph::GridSampleOp>(
        xg, grid, graph::SampleModeAttr::get(ctx, graph::SampleMode::linear),
        graph::SamplePaddingAttr::get(ctx, graph::SamplePadding::zeros), b.getBoolAttr(true),
        b.getBoolAttr(true));
    sampled = e.reshape(sampled, {n, cPerOffsetGroup, taps, oh, ow});
    if (mask)
      sampled = e.op<graph::MulOp>(
          sampled, e.reshape(sliceAxis(e, mask, 1, g, g + 1), {n, 1, taps, oh, ow}));
    columns.push_back(sampled);
  }
  // N x (C * taps) x positions, channel-major as the weight's C/group x kH x kW.
  Value cols = columns.size() == 1 ? columns[0] : e.concat(columns, 1);
  cols = e.reshape(cols, {n, c * taps, oh * ow});
  int64_t cPerGroup = c / *group, ocPerGroup = oc / *group;
  Value weight = e.reshape(node.getInput(1), {oc, cPerGroup * taps});
  SmallVector<Value> outputs;
  for (int64_t g = 0; g < *group; ++g) {
    Value wg = *group == 1 ? weight : sliceAxis(e, weight, 0, g * ocPerGroup, (g + 1) * ocPerGroup);
    Value cg = *group == 1 ? cols
                           : sliceAxis(e, cols, 1, g * cPerGroup * taps, (g + 1) * cPerGroup * taps);
    outputs.push_back(e.op<graph::MatMulOp>(wg, cg));
  }
  Value y = outputs.size() == 1 ? outputs[0] : e.concat(outputs, 1);
  if (Value bias = node.getInput(3))
    y = e.op<graph::AddOp>(y, e.reshape(bias, {oc, 1}));
  y = e.reshape(y, {n, oc, oh, ow});
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// MaxUnpool
//===----------------------------------------------------------------------===//

LogicalResult convertMaxUnpool(OnnxNode &node) {
  if (failed(requireStatic(node, {0, 1})))
    return failure();
  RankedTensorType xType = node.getInputType(0);
  ArrayRef<int64_t> xShape = xType.getShape();
  int64_t spatial = xType.getRank() - 2;
  if (spatial < 1 || node.getInputType(1).getShape() != xShape)
    return node.emitError() << "MaxUnpool needs X (N x C x ...) and I of one shape, got "
                            << formatShape(xShape) << " and "
                            << formatShape(node.getInputType(1).getShape());
  FailureOr<SmallVector<int64_t>> kernel = node.getRequiredInts("kernel_shape");
  if (failed(kernel))
    return failure();
  if (static_cast<int64_t>(kernel->size()) != spatial)
    return node.emitError() << "attribute 'kernel_shape' has " << kernel->size()
                            << " values, expected " << spatial;
  FailureOr<SmallVector<int64_t>> pads = intsOr(node, "pads", 2 * spatial, 0);
  FailureOr<SmallVector<int64_t>> strides = intsOr(node, "strides", spatial, 1);
  if (failed(pads) || failed(strides))
    return failure();
  // The indices address the unpooled shape the window geometry gives.
  SmallVector<int64_t> pooledFrom(xShape.take_front(2));
  for (int64_t i = 0; i < spatial; ++i)
    pooledFrom.push_back((xShape[2 + i] - 1) * (*strides)[i] -
                         ((*pads)[i] + (*pads)[spatial + i]) + (*kernel)[i]);
  SmallVector<int64_t> outShape = pooledFrom;
  if (node.getInput(2)) {
    FailureOr<SmallVector<int64_t>> shape = node.getConstantInts(2, "the output shape");
    if (failed(shape))
      return failure();
    outShape = *shape;
  }
  if (outShape.size() != pooledFrom.size())
    return node.emitError() << "output_shape " << formatShape(outShape) << " must have rank "
                            << pooledFrom.size();
  for (size_t i = 0; i < outShape.size(); ++i)
    if (outShape[i] < pooledFrom[i] || (i < 2 && outShape[i] != pooledFrom[i]))
      return node.emitError() << "output_shape " << formatShape(outShape)
                              << " is smaller than the unpooled shape "
                              << formatShape(pooledFrom);
  GraphEmitter e(node);
  OpBuilder &b = node.getBuilder();
  Type element = xType.getElementType();
  Value zeros = e.splat(element, {product(pooledFrom)}, 0.0);
  Value indices = e.cast(e.reshape(node.getInput(1), {product(xShape)}), b.getI64Type());
  Value scattered = e.op<graph::ScatterElementsOp>(
      zeros, indices, e.reshape(node.getInput(0), {product(xShape)}), b.getI64IntegerAttr(0),
      graph::ScatterReductionAttr::get(node.getContext(), graph::ScatterReduction::none));
  Value y = e.reshape(scattered, pooledFrom);
  if (outShape != pooledFrom) {
    SmallVector<int64_t> padding(outShape.size(), 0);
    for (size_t i = 0; i < outShape.size(); ++i)
      padding.push_back(outShape[i] - pooledFrom[i]);
    y = e.op<graph::PadOp>(y, Value(), b.getDenseI64ArrayAttr(padding),
                           graph::PadModeAttr::get(node.getContext(), graph::PadMode::constant));
  }
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

//===----------------------------------------------------------------------===//
// Det
//===----------------------------------------------------------------------===//

LogicalResult convertDet(OnnxNode &node) {
  FailureOr<Value> result = node.createValue<graph::DetOp>(node.getInput(0));
  if (failed(result))
    return failure();
  node.setOutput(0, *result);
  return success();
}

} // namespace

void kiln::frontend::populateVisionConverters(OnnxOpTable &table) {
  table.add({"GridSample", 16, 2, 2, 1, {"align_corners", "mode", "padding_mode"},
             convertGridSample});
  table.add({"GridSample", 20, 2, 2, 1, {"align_corners", "mode", "padding_mode"},
             convertGridSample});
  table.add({"RoiAlign", 10, 3, 3, 1,
             {"mode", "output_height", "output_width", "sampling_ratio", "spatial_scale"},
             convertRoiAlign});
  table.add({"RoiAlign", 16, 3, 3, 1,
             {"coordinate_transformation_mode", "mode", "output_height", "output_width",
              "sampling_ratio", "spatial_scale"},
             convertRoiAlign});
  table.add({"Col2Im", 18, 3, 3, 1, {"dilations", "pads", "strides"}, convertCol2Im});
  table.add({"DeformConv", 19, 3, 5, 1,
             {"dilations", "group", "kernel_shape", "offset_group", "pads", "strides"},
             convertDeformConv});
  table.add({"MaxUnpool", 9, 2, 3, 1, {"kernel_shape", "pads", "strides"}, convertMaxUnpool});
  table.add({"Det", 11, 1, 1, 1, {}, convertDet});
}
