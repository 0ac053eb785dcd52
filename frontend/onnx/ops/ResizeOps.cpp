//===- ResizeOps.cpp - Resize and Upsample --------------------------------===//
//
// Resizing is separable: every mode (nearest, linear, cubic, their
// antialiased forms) and every coordinate transformation reads, for each
// output position along an axis, a few input positions with weights that
// depend only on the sizes. With static shapes those tables are computed
// here, at compile time, as ONNX's reference implementation computes them
// (but for pytorch_half_pixel's output of one position, below), and each
// resized axis becomes one kiln.resample.
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

enum class Mode { Nearest, Linear, Cubic };
enum class Coordinates {
  HalfPixel,
  HalfPixelSymmetric,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfCropAndResize
};
enum class Rounding { PreferFloor, PreferCeil, Floor, Ceil };

struct ResizeOptions {
  Mode mode = Mode::Nearest;
  Coordinates coordinates = Coordinates::HalfPixel;
  Rounding rounding = Rounding::PreferFloor;
  double cubicA = -0.75;
  bool excludeOutside = false;
  bool antialias = false;
  double extrapolationValue = 0.0;
};

/// The taps of one resized axis: for each output position, the input
/// positions it reads (clamped) and their weights, and whether it lies
/// outside the crop (tf_crop_and_resize) and takes the extrapolation value.
struct AxisTable {
  int64_t taps = 0;
  SmallVector<int64_t> indices; // outputs x taps
  SmallVector<double> weights;  // outputs x taps
  SmallVector<bool> extrapolated;
};

SmallVector<double> tapWeights(const ResizeOptions &o, double ratio, double scale) {
  switch (o.mode) {
  case Mode::Nearest: {
    if (ratio == std::floor(ratio))
      return {0, 1};
    switch (o.rounding) {
    case Rounding::PreferFloor:
      return {double(ratio <= 0.5), double(ratio > 0.5)};
    case Rounding::PreferCeil:
      return {double(ratio < 0.5), double(ratio >= 0.5)};
    case Rounding::Floor:
      return {1, 0};
    case Rounding::Ceil:
      return {0, 1};
    }
    llvm_unreachable("every rounding");
  }
  case Mode::Linear: {
    if (!o.antialias)
      return {1 - ratio, ratio};
    double s = std::min(scale, 1.0);
    int64_t start = int64_t(std::floor(-1 / s) + 1), footprint = 2 - 2 * start;
    SmallVector<double> c;
    double sum = 0;
    for (int64_t i = start; i < start + footprint; ++i) {
      double v = std::clamp(1 - std::abs((double(i) - ratio) * s), 0.0, 1.0);
      c.push_back(v);
      sum += v;
    }
    for (double &v : c)
      v /= sum;
    return c;
  }
  case Mode::Cubic: {
    double a = o.cubicA;
    if (!o.antialias) {
      double r = ratio, q = 1 - ratio;
      return {((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
              ((a + 2) * r - (a + 3)) * r * r + 1, ((a + 2) * q - (a + 3)) * q * q + 1,
              ((a * (q + 1) - 5 * a) * (q + 1) + 8 * a) * (q + 1) - 4 * a};
    }
    double s = std::min(scale, 1.0);
    auto coeff = [&](double x) {
      x = std::abs(x);
      if (x <= 1)
        return (a + 2) * x * x * x - (a + 3) * x * x + 1;
      if (x < 2)
        return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
      return 0.0;
    };
    int64_t start = int64_t(std::floor(-2 / s) + 1), end = 2 - start;
    SmallVector<double> c;
    double sum = 0;
    for (int64_t i = start; i < end; ++i) {
      c.push_back(coeff(s * (double(i) - ratio)));
      sum += c.back();
    }
    for (double &v : c)
      v /= sum;
    return c;
  }
  }
  llvm_unreachable("every mode");
}

/// The reference implementation's tables for one axis of `in` positions
/// resized to `out` at `scale` (roi: the crop, for tf_crop_and_resize).
AxisTable computeTable(const ResizeOptions &o, int64_t in, int64_t out, double scale,
                       std::pair<double, double> roi) {
  AxisTable t;
  double width = scale * double(in);
  for (int64_t y = 0; y < out; ++y) {
    double yd = double(y), x = 0;
    bool extrapolated = false;
    switch (o.coordinates) {
    case Coordinates::AlignCorners:
      x = width == 1 ? 0.0 : yd * double(in - 1) / (width - 1);
      break;
    case Coordinates::Asymmetric:
      x = yd / scale;
      break;
    case Coordinates::TfCropAndResize:
      x = width == 1 ? (roi.second - roi.first) * double(in - 1) / 2
                     : yd * (roi.second - roi.first) * double(in - 1) / (width - 1);
      x += roi.first * double(in - 1);
      extrapolated = x < 0 || x > double(in - 1);
      break;
    case Coordinates::PytorchHalfPixel:
      // An output of one position reads position 0, as the operator's
      // definition and ONNX Runtime have it. (ONNX's reference
      // implementation reads -0.5, which only cubic resizes tell apart:
      // linear and nearest ones clamp it to 0.)
      x = width == 1 ? 0.0 : (yd + 0.5) / scale - 0.5;
      break;
    case Coordinates::HalfPixel:
      x = (yd + 0.5) / scale - 0.5;
      break;
    case Coordinates::HalfPixelSymmetric: {
      double adjustment = double(out) / width, center = double(in) / 2;
      x = center * (1 - adjustment) + (yd + 0.5) / scale - 0.5;
      break;
    }
    }
    double floorX = std::floor(x);
    double ratio = x == floorX ? 1.0 : x - floorX;
    SmallVector<double> w = tapWeights(o, ratio, scale);
    int64_t n = w.size();
    t.taps = n;
    // The n inputs nearest x, ties to the smaller index, as positions in the
    // edge-padded input; then clamped, which is what edge padding means.
    int64_t pad = (n + 1) / 2;
    double padded = x + double(pad);
    int64_t p = int64_t(std::floor(padded));
    double frac = padded - double(p);
    int64_t offset = n % 2 == 0 ? (frac == 0 ? -(n / 2) : -(n / 2) + 1)
                                : (frac <= 0.5 ? -((n - 1) / 2) : -((n - 1) / 2) + 1);
    int64_t start = p + offset - pad;
    if (o.excludeOutside) {
      double sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        if (start + i < 0 || start + i >= in)
          w[i] = 0;
        sum += w[i];
      }
      for (double &v : w)
        v /= sum == 0 ? 1 : sum;
    }
    for (int64_t i = 0; i < n; ++i) {
      t.indices.push_back(std::clamp<int64_t>(start + i, 0, in - 1));
      t.weights.push_back(w[i]);
    }
    t.extrapolated.push_back(extrapolated);
  }
  if (out == 0)
    t.taps = o.mode == Mode::Nearest ? 2 : 1;
  return t;
}

/// Nearest neighbour: the one tap of weight 1.
void keepSelectedTap(AxisTable &t, int64_t out) {
  SmallVector<int64_t> indices;
  for (int64_t y = 0; y < out; ++y)
    for (int64_t i = 0; i < t.taps; ++i)
      if (t.weights[y * t.taps + i] == 1.0) {
        indices.push_back(t.indices[y * t.taps + i]);
        break;
      }
  t.indices = std::move(indices);
  t.weights.clear();
  t.taps = 1;
}

template <typename Enum>
FailureOr<Enum> parseChoice(OnnxNode &node, StringRef name, StringRef defaultValue,
                            ArrayRef<std::pair<StringRef, Enum>> choices) {
  FailureOr<std::string> text = node.getString(name, defaultValue);
  if (failed(text))
    return failure();
  for (auto [choice, value] : choices)
    if (*text == choice)
      return value;
  InFlightDiagnostic diag = node.emitUnsupportedValue(name, "'" + *text + "'");
  diag << " (expected";
  for (auto [choice, value] : choices)
    diag << " '" << choice << "'";
  return diag << ")";
}

/// The order in which the axes of a tensor of shape `in` are resampled to
/// `out`. The passes are separable, so any order computes the same values
/// (up to rounding), but not at the same cost: a pass along an outer axis
/// reads whole rows and is vectorized, one along the innermost axis gathers
/// element by element (kiln.resample's lowering). The innermost pass
/// therefore runs where the tensor is smallest: after the outer axes that
/// shrink and before those that grow. A U-Net's 2x upsampling of 64 x 128
/// x 128 then gathers 2 M elements instead of 4 M.
SmallVector<size_t> resampleOrder(ArrayRef<int64_t> in, ArrayRef<int64_t> out) {
  SmallVector<size_t> order;
  size_t rank = in.size();
  for (size_t axis = 0; axis + 1 < rank; ++axis)
    if (out[axis] < in[axis])
      order.push_back(axis);
  if (rank > 0)
    order.push_back(rank - 1);
  for (size_t axis = 0; axis + 1 < rank; ++axis)
    if (out[axis] >= in[axis])
      order.push_back(axis);
  return order;
}

/// Resizes `x` to `sizes` along every axis whose `scales`/`sizes` change it.
LogicalResult emitResize(OnnxNode &node, Value x, ArrayRef<double> scales,
                         ArrayRef<int64_t> sizes, ArrayRef<std::pair<double, double>> rois,
                         const ResizeOptions &o) {
  GraphEmitter e(node);
  Type type = elementTypeOf(x);
  bool isFloat = llvm::isa<FloatType>(type);
  // Interpolation computes in f32 (f64 for f64 data) and rounds once at the
  // end; nearest only moves elements.
  Type computeType = type;
  if (o.mode != Mode::Nearest && !type.isF64())
    computeType = node.getBuilder().getF32Type();
  Value y = o.mode == Mode::Nearest ? x : e.cast(x, computeType);
  ArrayRef<int64_t> inShape = shapeOf(x);
  for (size_t axis : resampleOrder(inShape, sizes)) {
    int64_t in = inShape[axis], out = sizes[axis];
    bool identityRoi = rois[axis].first == 0.0 && rois[axis].second == 1.0;
    if (std::abs(scales[axis] - 1.0) < 1e-9 && out == in &&
        (o.coordinates != Coordinates::TfCropAndResize || identityRoi))
      continue;
    if (in == 0)
      return node.emitError() << "cannot resize an empty axis " << axis << " to " << out;
    AxisTable t = computeTable(o, in, out, scales[axis], rois[axis]);
    if (o.mode == Mode::Nearest)
      keepSelectedTap(t, out);
    auto tableShape = [&](Type element) {
      return RankedTensorType::get({out, t.taps}, element);
    };
    OpBuilder &b = node.getBuilder();
    Value indices =
        e.constant(DenseIntElementsAttr::get(tableShape(b.getI64Type()), t.indices));
    Value weights;
    if (o.mode != Mode::Nearest) {
      auto floatType = llvm::cast<FloatType>(computeType);
      SmallVector<APFloat> values;
      for (double w : t.weights) {
        APFloat v(w);
        bool lost;
        v.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
        values.push_back(v);
      }
      weights = e.constant(DenseElementsAttr::get(tableShape(computeType), values));
    }
    y = e.op<graph::ResampleOp>(y, indices, weights,
                                b.getI64IntegerAttr(static_cast<int64_t>(axis)));
    if (llvm::is_contained(t.extrapolated, true)) {
      SmallVector<int64_t> maskShape(inShape.size(), 1);
      maskShape[axis] = out;
      Value mask = e.constant(DenseElementsAttr::get(
          RankedTensorType::get(maskShape, b.getI1Type()), ArrayRef<bool>(t.extrapolated)));
      y = e.op<graph::WhereOp>(mask, e.scalar(elementTypeOf(y), o.extrapolationValue), y);
    }
  }
  if (o.mode != Mode::Nearest && !isFloat) {
    // Integers round half to even and saturate, as the reference does.
    auto integer = llvm::cast<IntegerType>(type);
    unsigned width = integer.getWidth();
    bool isUnsigned = integer.isUnsigned();
    double lo = isUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
    double hi = isUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
    y = e.op<graph::RoundOp>(y);
    y = e.op<graph::ClipOp>(y, e.scalar(computeType, lo), e.scalar(computeType, hi));
  }
  y = e.cast(y, type);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

FailureOr<ResizeOptions> readOptions(OnnxNode &node, bool legacy) {
  ResizeOptions o;
  FailureOr<Mode> mode =
      parseChoice<Mode>(node, "mode", "nearest",
                        {{"nearest", Mode::Nearest}, {"linear", Mode::Linear},
                         {"cubic", Mode::Cubic}});
  if (failed(mode))
    return failure();
  o.mode = *mode;
  if (legacy) {
    // Upsample and Resize-10: asymmetric coordinates, nearest rounds down.
    if (o.mode == Mode::Cubic)
      return node.emitUnsupportedValue("mode", "'cubic'") << " (expected 'nearest' or 'linear')";
    o.coordinates = Coordinates::Asymmetric;
    o.rounding = Rounding::Floor;
    return o;
  }
  FailureOr<Coordinates> coordinates = parseChoice<Coordinates>(
      node, "coordinate_transformation_mode", "half_pixel",
      {{"half_pixel", Coordinates::HalfPixel},
       {"half_pixel_symmetric", Coordinates::HalfPixelSymmetric},
       {"pytorch_half_pixel", Coordinates::PytorchHalfPixel},
       {"align_corners", Coordinates::AlignCorners},
       {"asymmetric", Coordinates::Asymmetric},
       {"tf_crop_and_resize", Coordinates::TfCropAndResize}});
  FailureOr<Rounding> rounding = parseChoice<Rounding>(
      node, "nearest_mode", "round_prefer_floor",
      {{"round_prefer_floor", Rounding::PreferFloor},
       {"round_prefer_ceil", Rounding::PreferCeil},
       {"floor", Rounding::Floor},
       {"ceil", Rounding::Ceil}});
  FailureOr<float> cubicA = node.getFloat("cubic_coeff_a", -0.75f);
  FailureOr<int64_t> exclude = node.getInt("exclude_outside", 0);
  FailureOr<int64_t> antialias = node.getInt("antialias", 0);
  FailureOr<float> extrapolation = node.getFloat("extrapolation_value", 0.0f);
  if (failed(coordinates) || failed(rounding) || failed(cubicA) || failed(exclude) ||
      failed(antialias) || failed(extrapolation))
    return failure();
  if (*antialias && o.mode == Mode::Nearest)
    return node.emitError() << "antialias applies to linear and cubic modes, not nearest";
  o.coordinates = *coordinates;
  o.rounding = *rounding;
  o.cubicA = *cubicA;
  o.excludeOutside = *exclude != 0;
  o.antialias = *antialias != 0;
  o.extrapolationValue = *extrapolation;
  return o;
}

/// A constant float input as doubles, or an empty list when absent or empty.
FailureOr<SmallVector<double>> readFloats(OnnxNode &node, size_t i, StringRef what) {
  if (!node.getInput(i))
    return SmallVector<double>();
  FailureOr<DenseElementsAttr> value = node.getConstantInput(i, what);
  if (failed(value))
    return failure();
  if (!llvm::isa<FloatType>(value->getElementType()))
    return node.emitError() << "input #" << i << ", " << what << ", must hold floats";
  return llvm::map_to_vector(value->getValues<APFloat>(),
                             [](const APFloat &v) { return v.convertToDouble(); });
}

LogicalResult convertResize(OnnxNode &node) {
  int64_t version = node.getSinceVersion();
  bool legacy = version < 11;
  FailureOr<ResizeOptions> options = readOptions(node, legacy);
  if (failed(options))
    return failure();
  Value x = node.getInput(0);
  ArrayRef<int64_t> shape = shapeOf(x);
  int64_t rank = shape.size();
  if (llvm::any_of(shape, ShapedType::isDynamic))
    return node.emitError() << "Resize needs a static input shape, got " << formatShape(shape);

  // Which axes the scales/sizes/roi speak of (all, or `axes` from opset 18).
  SmallVector<int64_t> axes;
  FailureOr<std::optional<SmallVector<int64_t>>> axesAttr = node.getOptionalInts("axes");
  FailureOr<std::string> policy = node.getString("keep_aspect_ratio_policy", "stretch");
  if (failed(axesAttr) || failed(policy))
    return failure();
  if (*axesAttr) {
    for (int64_t a : **axesAttr) {
      FailureOr<int64_t> axis = graph::normalizeAxis(a, rank);
      if (failed(axis) || llvm::is_contained(axes, *axis))
        return node.emitError() << "invalid or repeated axis " << a << " for rank " << rank;
      axes.push_back(*axis);
    }
  } else {
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  size_t n = axes.size();

  // Scales or sizes, by version: an attribute (Upsample-7), input 1
  // (Upsample-9, Resize-10) or inputs 2 and 3 with roi as input 1.
  SmallVector<double> scales, rois;
  SmallVector<int64_t> sizes;
  if (node.getOpType() == "Upsample" && version < 9) {
    FailureOr<SmallVector<float>> attr = [&]() -> FailureOr<SmallVector<float>> {
      FailureOr<std::optional<SmallVector<float>>> v = node.getOptionalFloats("scales");
      if (failed(v))
        return failure();
      if (!*v)
        return node.emitError() << "missing required attribute 'scales'";
      return **v;
    }();
    if (failed(attr))
      return failure();
    scales.assign(attr->begin(), attr->end());
  } else if (legacy) {
    FailureOr<SmallVector<double>> s = readFloats(node, 1, "the scales");
    if (failed(s))
      return failure();
    scales = *s;
  } else {
    FailureOr<SmallVector<double>> s = readFloats(node, 2, "the scales");
    if (failed(s))
      return failure();
    scales = *s;
    if (node.getInput(3)) {
      FailureOr<SmallVector<int64_t>> z = node.getConstantInts(3, "the output sizes");
      if (failed(z))
        return failure();
      sizes = *z;
    }
    if (options->coordinates == Coordinates::TfCropAndResize) {
      FailureOr<SmallVector<double>> r = readFloats(node, 1, "the region of interest");
      if (failed(r))
        return failure();
      rois = *r;
      if (rois.size() != 2 * n)
        return node.emitError() << "roi has " << rois.size() << " values, expected "
                                << 2 * n;
    }
  }
  if (scales.empty() == sizes.empty())
    return node.emitError() << "Resize needs exactly one of scales and sizes";
  if ((!scales.empty() && scales.size() != n) || (!sizes.empty() && sizes.size() != n))
    return node.emitError() << "scales/sizes have " << std::max(scales.size(), sizes.size())
                            << " values for " << n << " axes";

  // Per axis of the tensor.
  SmallVector<double> axisScales(rank, 1.0);
  SmallVector<int64_t> axisSizes(shape.begin(), shape.end());
  SmallVector<std::pair<double, double>> axisRois(rank, {0.0, 1.0});
  for (size_t i = 0; i < n; ++i) {
    if (!rois.empty())
      axisRois[axes[i]] = {rois[i], rois[n + i]};
    if (!scales.empty()) {
      if (scales[i] <= 0)
        return node.emitError() << "scales must be positive";
      axisScales[axes[i]] = scales[i];
      axisSizes[axes[i]] = int64_t(scales[i] * double(shape[axes[i]]));
    } else {
      if (sizes[i] < 0)
        return node.emitError() << "sizes must not be negative";
      axisScales[axes[i]] = double(sizes[i]) / double(shape[axes[i]]);
      axisSizes[axes[i]] = sizes[i];
    }
  }
  if (!sizes.empty() && *policy != "stretch") {
    if (*policy != "not_larger" && *policy != "not_smaller")
      return node.emitUnsupportedValue("keep_aspect_ratio_policy", "'" + *policy + "'");
    double scale = axisScales[axes[0]];
    for (int64_t a : axes)
      scale = *policy == "not_larger" ? std::min(scale, axisScales[a])
                                      : std::max(scale, axisScales[a]);
    for (int64_t a : axes) {
      axisScales[a] = scale;
      axisSizes[a] = int64_t(scale * double(shape[a]) + 0.5);
    }
  }
  return emitResize(node, x, axisScales, axisSizes, axisRois, *options);
}

} // namespace

void kiln::frontend::populateResizeConverters(OnnxOpTable &table) {
  table.add({"Upsample", 7, 1, 1, 1, {"mode", "scales"}, convertResize});
  table.add({"Upsample", 9, 2, 2, 1, {"mode"}, convertResize});
  table.add({"Resize", 10, 2, 2, 1, {"mode"}, convertResize});
  llvm::SmallVector<llvm::StringRef, 8> attrs = {
      "coordinate_transformation_mode", "cubic_coeff_a", "exclude_outside",
      "extrapolation_value", "mode", "nearest_mode"};
  table.add({"Resize", 11, 3, 4, 1, attrs, convertResize});
  table.add({"Resize", 13, 1, 4, 1, attrs, convertResize});
  attrs.append({"antialias", "axes", "keep_aspect_ratio_policy"});
  table.add({"Resize", 18, 1, 4, 1, attrs, convertResize});
}
