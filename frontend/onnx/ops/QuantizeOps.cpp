//===- QuantizeOps.cpp - Linear quantization ------------------------------===//
//
// QuantizeLinear, DequantizeLinear, MatMulInteger, QLinearMatMul, ConvInteger
// and QLinearConv as the elementwise arithmetic and integer matmuls and
// convolutions (i32, exact) their definitions spell out.
// Scales and zero points broadcast per tensor, per axis, or per block
// (ONNX's blocked quantization repeats each value block_size times along
// the axis: a gather along it).
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"
#include "frontend/onnx/ops/ConvBuilders.h"

#include "dialects/graph/IR/ScalarBuilders.h"

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

struct QuantAttrs {
  int64_t axis = 1;
  int64_t blockSize = 0;
  bool saturate = true;
  std::optional<int64_t> outputType;
  std::optional<int64_t> precision;
};

FailureOr<QuantAttrs> readQuantAttrs(OnnxNode &node) {
  QuantAttrs a;
  FailureOr<int64_t> axis = node.getInt("axis", 1);
  FailureOr<int64_t> block = node.getInt("block_size", 0);
  FailureOr<int64_t> saturate = node.getInt("saturate", 1);
  FailureOr<std::optional<int64_t>> output = node.getOptionalInt("output_dtype");
  FailureOr<std::optional<int64_t>> precision = node.getOptionalInt("precision");
  if (failed(axis) || failed(block) || failed(saturate) || failed(output) ||
      failed(precision))
    return failure();
  if (*block < 0)
    return node.emitError() << "block_size must not be negative, got " << *block;
  a.axis = *axis;
  a.blockSize = *block;
  a.saturate = *saturate != 0;
  if (*output && **output != 0)
    a.outputType = **output;
  if (*precision && **precision != 0)
    a.precision = **precision;
  return a;
}

/// A scale or zero point made to broadcast against `shape`: a scalar, a
/// vector along `axis`, or a block-wise tensor repeated along `axis`.
Value broadcastParameter(GraphEmitter &e, Value value, ArrayRef<int64_t> shape,
                         int64_t axis, int64_t blockSize) {
  if (!value)
    return {};
  ArrayRef<int64_t> s = shapeOf(value);
  int64_t count = 1;
  for (int64_t d : s)
    count *= d;
  if (count == 1)
    return e.reshape(value, {});
  FailureOr<int64_t> a = graph::normalizeAxis(axis, shape.size());
  if (failed(a)) {
    e.fail() << "axis " << axis << " is out of range for rank " << shape.size();
    return {};
  }
  if (blockSize == 0) {
    if (s.size() != 1 || s[0] != shape[*a]) {
      e.fail() << "a per-axis parameter of shape " << formatShape(s) << " does not match "
               << "axis " << *a << " of " << formatShape(shape);
      return {};
    }
    SmallVector<int64_t> dims(shape.size(), 1);
    dims[*a] = s[0];
    return e.reshape(value, dims);
  }
  // Blocked: value[..., i / block_size, ...] along the axis.
  if (s.size() != shape.size() || s[*a] != (shape[*a] + blockSize - 1) / blockSize) {
    e.fail() << "a blocked parameter of shape " << formatShape(s)
             << " does not fit blocks of " << blockSize << " along axis " << *a << " of "
             << formatShape(shape);
    return {};
  }
  SmallVector<int64_t> indices;
  for (int64_t i = 0; i < shape[*a]; ++i)
    indices.push_back(i / blockSize);
  OpBuilder &b = e.getNode().getBuilder();
  Value table = e.constant(DenseIntElementsAttr::get(
      RankedTensorType::get({shape[*a], 1}, b.getI64Type()), indices));
  return e.op<graph::ResampleOp>(value, table, Value(), b.getI64IntegerAttr(*a));
}

/// The integer range ONNX's quantization clips to for `type`.
std::pair<double, double> quantRange(IntegerType type) {
  unsigned w = type.getWidth();
  if (type.isUnsigned())
    return {0.0, std::ldexp(1.0, w) - 1};
  return {-std::ldexp(1.0, w - 1), std::ldexp(1.0, w - 1) - 1};
}

LogicalResult convertQuantizeLinear(OnnxNode &node) {
  FailureOr<QuantAttrs> attrs = readQuantAttrs(node);
  if (failed(attrs))
    return failure();
  GraphEmitter e(node);
  Value x = node.getInput(0), zeroPoint = node.getInput(2);
  ArrayRef<int64_t> shape = shapeOf(x);
  Type target = node.getBuilder().getIntegerType(8, /*isSigned=*/false);
  if (zeroPoint)
    target = elementTypeOf(zeroPoint);
  else if (attrs->outputType) {
    FailureOr<Type> t = convertElementType(node.getLoc(), *attrs->outputType, "output_dtype");
    if (failed(t))
      return failure();
    target = *t;
  }
  // x / scale, in `precision` if given, else in x's type.
  Type computeType = elementTypeOf(x);
  if (attrs->precision) {
    FailureOr<Type> t = convertElementType(node.getLoc(), *attrs->precision, "precision");
    if (failed(t))
      return failure();
    computeType = *t;
  }
  Value scale = broadcastParameter(e, node.getInput(1), shape, attrs->axis, attrs->blockSize);
  Value scaled = e.op<graph::DivOp>(e.cast(x, computeType), e.cast(scale, computeType));
  Value zp = broadcastParameter(e, zeroPoint, shape, attrs->axis, attrs->blockSize);
  Value y;
  if (auto integer = llvm::dyn_cast<IntegerType>(target)) {
    // Round half to even, add the zero point, clip to the range, convert.
    Type i32 = node.getBuilder().getI32Type();
    Value q = e.cast(e.op<graph::RoundOp>(scaled), i32);
    if (zp)
      q = e.op<graph::AddOp>(q, e.cast(zp, i32));
    auto [lo, hi] = quantRange(integer);
    q = e.op<graph::ClipOp>(q, e.scalar(i32, lo), e.scalar(i32, hi));
    y = e.cast(q, target);
  } else if (graph::isSmallFloat(target) && !llvm::isa<Float4E2M1FNType>(target)) {
    // 8-bit floats: the zero point must be 0; a saturating conversion.
    y = e.op<graph::CastOp>(scaled, TypeAttr::get(target),
                            node.getBuilder().getBoolAttr(attrs->saturate),
                            node.getBuilder().getStringAttr("up"));
  } else if (llvm::isa<Float4E2M1FNType>(target)) {
    Type f32 = node.getBuilder().getF32Type();
    Value v = e.cast(scaled, f32);
    if (zp)
      v = e.op<graph::AddOp>(v, e.cast(zp, f32));
    y = e.cast(v, target);
  } else {
    return node.emitError() << "cannot quantize to " << target;
  }
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

LogicalResult convertDequantizeLinear(OnnxNode &node) {
  FailureOr<QuantAttrs> attrs = readQuantAttrs(node);
  if (failed(attrs))
    return failure();
  GraphEmitter e(node);
  Value x = node.getInput(0), scaleInput = node.getInput(1), zeroPoint = node.getInput(2);
  ArrayRef<int64_t> shape = shapeOf(x);
  Type outputType = elementTypeOf(scaleInput);
  if (attrs->outputType) {
    FailureOr<Type> t = convertElementType(node.getLoc(), *attrs->outputType, "output_dtype");
    if (failed(t))
      return failure();
    outputType = *t;
  }
  // (x - zero_point) * scale in f32, as the reference computes it; 8-bit
  // float zero points are 0 by definition.
  Type f32 = node.getBuilder().getF32Type();
  Value dx = e.cast(x, f32);
  Type xType = elementTypeOf(x);
  bool isFloat8 = graph::isSmallFloat(xType) && !llvm::isa<Float4E2M1FNType>(xType);
  if (zeroPoint && !isFloat8)
    dx = e.op<graph::SubOp>(
        dx, e.cast(broadcastParameter(e, zeroPoint, shape, attrs->axis, attrs->blockSize), f32));
  Value scale = broadcastParameter(e, scaleInput, shape, attrs->axis, attrs->blockSize);
  Value y = e.cast(e.op<graph::MulOp>(dx, e.cast(scale, f32)), outputType);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

/// (a - a_zero_point) @ (b - b_zero_point) in int32. A's zero point is a
/// scalar or one per row of A; B's a scalar or one per column of B.
Value integerMatMul(GraphEmitter &e, Value a, Value aZero, Value b, Value bZero) {
  Type i32 = e.getNode().getBuilder().getI32Type();
  Value a32 = e.cast(a, i32), b32 = e.cast(b, i32);
  if (aZero) {
    Value z = e.cast(aZero, i32);
    // Per row: a column vector against the rows.
    if (shapeOf(aZero).size() == 1 && shapeOf(aZero)[0] > 1)
      z = e.reshape(z, {shapeOf(aZero)[0], 1});
    a32 = e.op<graph::SubOp>(a32, z);
  }
  if (bZero)
    b32 = e.op<graph::SubOp>(b32, e.cast(bZero, i32));
  return e.op<graph::MatMulOp>(a32, b32);
}

LogicalResult convertMatMulInteger(OnnxNode &node) {
  GraphEmitter e(node);
  Value y = integerMatMul(e, node.getInput(0), node.getInput(2), node.getInput(1),
                          node.getInput(3));
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

/// QLinearMatMul: the integer product requantized with
/// a_scale * b_scale / y_scale.
LogicalResult convertQLinearMatMul(OnnxNode &node) {
  GraphEmitter e(node);
  Value a = node.getInput(0), aScale = node.getInput(1), aZero = node.getInput(2);
  Value b = node.getInput(3), bScale = node.getInput(4), bZero = node.getInput(5);
  Value yScale = node.getInput(6), yZero = node.getInput(7);
  Type f32 = node.getBuilder().getF32Type();
  auto scaleOf = [&](Value s, bool perRow) {
    Value v = e.cast(s, f32);
    if (perRow && shapeOf(s).size() == 1 && shapeOf(s)[0] > 1)
      v = e.reshape(v, {shapeOf(s)[0], 1});
    return v;
  };
  Value product = e.cast(integerMatMul(e, a, aZero, b, bZero), f32);
  Value scale = e.op<graph::DivOp>(
      e.op<graph::MulOp>(scaleOf(aScale, true), scaleOf(bScale, false)), e.cast(yScale, f32));
  Value scaled = e.op<graph::MulOp>(product, scale);
  Type i32 = node.getBuilder().getI32Type();
  Value q = e.op<graph::AddOp>(e.cast(e.op<graph::RoundOp>(scaled), i32), e.cast(yZero, i32));
  auto integer = llvm::dyn_cast<IntegerType>(elementTypeOf(yZero));
  if (!integer)
    return node.emitError() << "y_zero_point must be an integer tensor";
  auto [lo, hi] = quantRange(integer);
  q = e.op<graph::ClipOp>(q, e.scalar(i32, lo), e.scalar(i32, hi));
  Value y = e.cast(q, integer);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

/// (x - x_zero_point) convolved with (w - w_zero_point) in int32, bias
/// added. x's zero point is a scalar; w's a scalar or one per output
/// channel. Padding reads 0 after the zero point is subtracted, as the
/// reference pads.
Value integerConv(GraphEmitter &e, Value x, Value xZero, Value w, Value wZero, Value bias) {
  Type i32 = e.getNode().getBuilder().getI32Type();
  Value x32 = e.cast(x, i32), w32 = e.cast(w, i32);
  if (xZero)
    x32 = e.op<graph::SubOp>(x32, e.reshape(e.cast(xZero, i32), {}));
  if (wZero) {
    Value z = e.cast(wZero, i32);
    ArrayRef<int64_t> zs = shapeOf(wZero);
    int64_t count = 1;
    for (int64_t d : zs)
      count *= d;
    if (count == 1) {
      z = e.reshape(z, {});
    } else {
      SmallVector<int64_t> dims(shapeOf(w).size(), 1);
      dims[0] = count;
      z = e.reshape(z, dims);
    }
    w32 = e.op<graph::SubOp>(w32, z);
  }
  if (!e.ok())
    return {};
  FailureOr<Value> conv = buildConv(e.getNode(), x32, w32, bias ? e.cast(bias, i32) : Value());
  if (failed(conv))
    return e.fail(), Value();
  return *conv;
}

LogicalResult convertConvInteger(OnnxNode &node) {
  GraphEmitter e(node);
  Value y = integerConv(e, node.getInput(0), node.getInput(2), node.getInput(1),
                        node.getInput(3), Value());
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

/// QLinearConv: the integer convolution requantized with
/// x_scale * w_scale / y_scale (per output channel when w_scale is). The
/// reference multiplies the int32 sums by that f32 scale in f64, and so
/// does this, so that rounding ties agree.
LogicalResult convertQLinearConv(OnnxNode &node) {
  GraphEmitter e(node);
  OpBuilder &b = node.getBuilder();
  Value x = node.getInput(0), xScale = node.getInput(1), xZero = node.getInput(2);
  Value w = node.getInput(3), wScale = node.getInput(4), wZero = node.getInput(5);
  Value yScale = node.getInput(6), yZero = node.getInput(7), bias = node.getInput(8);
  auto integer = llvm::dyn_cast<IntegerType>(elementTypeOf(yZero));
  if (!integer)
    return node.emitError() << "y_zero_point must be an integer tensor";
  Type f32 = b.getF32Type(), f64 = b.getF64Type(), i32 = b.getI32Type();
  Value acc = integerConv(e, x, xZero, w, wZero, bias);
  if (!e.ok())
    return failure();
  int64_t rank = shapeOf(acc).size();
  Value ws = e.cast(wScale, f32);
  int64_t wCount = 1;
  for (int64_t d : shapeOf(wScale))
    wCount *= d;
  if (wCount > 1) {
    SmallVector<int64_t> dims(rank, 1);
    dims[1] = wCount;
    ws = e.reshape(ws, dims);
  } else {
    ws = e.reshape(ws, {});
  }
  Value scale = e.op<graph::DivOp>(e.op<graph::MulOp>(e.reshape(e.cast(xScale, f32), {}), ws),
                                   e.reshape(e.cast(yScale, f32), {}));
  Value scaled = e.op<graph::MulOp>(e.cast(acc, f64), e.cast(scale, f64));
  Value q = e.op<graph::AddOp>(e.cast(e.op<graph::RoundOp>(scaled), i32),
                               e.reshape(e.cast(yZero, i32), {}));
  auto [lo, hi] = quantRange(integer);
  q = e.op<graph::ClipOp>(q, e.scalar(i32, lo), e.scalar(i32, hi));
  Value y = e.cast(q, integer);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

} // namespace

void kiln::frontend::populateQuantizeConverters(OnnxOpTable &table) {
  table.add({"QuantizeLinear", 10, 2, 3, 1, {}, convertQuantizeLinear});
  table.add({"QuantizeLinear", 13, 2, 3, 1, {"axis"}, convertQuantizeLinear});
  table.add({"QuantizeLinear", 19, 2, 3, 1, {"axis", "saturate"}, convertQuantizeLinear});
  table.add({"QuantizeLinear", 21, 2, 3, 1,
             {"axis", "block_size", "output_dtype", "saturate"}, convertQuantizeLinear});
  table.add({"QuantizeLinear", 23, 2, 3, 1,
             {"axis", "block_size", "output_dtype", "precision", "saturate"},
             convertQuantizeLinear});
  table.add({"DequantizeLinear", 10, 2, 3, 1, {}, convertDequantizeLinear});
  table.add({"DequantizeLinear", 13, 2, 3, 1, {"axis"}, convertDequantizeLinear});
  table.add({"DequantizeLinear", 21, 2, 3, 1, {"axis", "block_size"},
             convertDequantizeLinear});
  table.add({"DequantizeLinear", 23, 2, 3, 1, {"axis", "block_size", "output_dtype"},
             convertDequantizeLinear});
  table.add({"MatMulInteger", 10, 2, 4, 1, {}, convertMatMulInteger});
  table.add({"QLinearMatMul", 10, 8, 8, 1, {}, convertQLinearMatMul});
  table.add({"ConvInteger", 10, 2, 4, 1,
             {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"},
             convertConvInteger});
  table.add({"QLinearConv", 10, 8, 9, 1,
             {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"},
             convertQLinearConv});
}
