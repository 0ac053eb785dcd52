//===- SignalOps.cpp - DFT, STFT, windows and mel filters -----------------===//
//
// With static lengths, a discrete Fourier transform is a matmul with
// constant cosine and sine matrices (computed here, in double precision),
// which turns DFT and STFT into the matmul code Kiln already optimizes.
// Windows and the mel filter bank depend only on their (compile-time)
// sizes: they become constants.
//
//===----------------------------------------------------------------------===//

#include "frontend/onnx/GraphEmitter.h"
#include "frontend/onnx/OnnxNode.h"
#include "frontend/onnx/OnnxOpTable.h"
#include "frontend/onnx/OnnxTensors.h"

#include <cmath>

using namespace mlir;
using namespace kiln;
using namespace kiln::frontend;

namespace {

/// A constant of `type`'s element type with `values` (doubles, rounded).
Value floatConstant(GraphEmitter &e, ArrayRef<int64_t> shape, Type element,
                    ArrayRef<double> values) {
  auto floatType = llvm::cast<FloatType>(element);
  SmallVector<APFloat> converted;
  for (double v : values) {
    APFloat f(v);
    bool lost;
    f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
    converted.push_back(f);
  }
  return e.constant(DenseElementsAttr::get(RankedTensorType::get(shape, element), converted));
}

/// One scalar input known at compile time, as an integer.
FailureOr<int64_t> constantScalar(OnnxNode &node, size_t i, StringRef what) {
  FailureOr<SmallVector<int64_t>> values = node.getConstantInts(i, what);
  if (failed(values))
    return failure();
  if (values->size() != 1)
    return node.emitError() << "input #" << i << ", " << what << ", must be a scalar";
  return (*values)[0];
}

/// The transform of `re` and `im` (imaginary part optional) along their
/// last axis, of length `inLength`, as (real, imaginary) of `outLength`
/// bins: X[k] = sum_n x[n] e^(-+2 pi i k n / n_fft) over the n < n_fft
/// inputs (inverse: the + sign and a 1/n_fft factor). `real` asks for the
/// real part of an inverse of a one-sided spectrum only (irfft): each bin
/// but the first and the middle stands for two.
std::pair<Value, Value> transform(GraphEmitter &e, Value re, Value im, int64_t inLength,
                                  int64_t outLength, int64_t nfft, bool inverse, bool real) {
  Type element = elementTypeOf(re);
  SmallVector<double> cosines, sines;
  double sign = inverse ? 1.0 : -1.0;
  for (int64_t n = 0; n < inLength; ++n)
    for (int64_t k = 0; k < outLength; ++k) {
      double c = 0, s = 0;
      if (n < nfft) {
        // Inverse transforms sum over the input bins n and write the
        // outputs k; the angle is the same product.
        double angle = 2 * M_PI * double((n * k) % nfft) / double(nfft);
        c = std::cos(angle);
        s = sign * std::sin(angle);
        if (inverse) {
          double weight = 1.0 / double(nfft);
          if (real && n != 0 && !(nfft % 2 == 0 && n == nfft / 2))
            weight *= 2;
          c *= weight;
          s *= weight;
        }
      }
      cosines.push_back(c);
      sines.push_back(s);
    }
  Value cosMatrix = floatConstant(e, {inLength, outLength}, element, cosines);
  Value sinMatrix = floatConstant(e, {inLength, outLength}, element, sines);
  // (a + i b)(c + i s) = (ac - bs) + i(as + bc).
  Value outRe = e.op<graph::MatMulOp>(re, cosMatrix);
  Value outIm = e.op<graph::MatMulOp>(re, sinMatrix);
  if (im) {
    outRe = e.op<graph::SubOp>(outRe, e.op<graph::MatMulOp>(im, sinMatrix));
    outIm = e.op<graph::AddOp>(outIm, e.op<graph::MatMulOp>(im, cosMatrix));
  }
  return {outRe, outIm};
}

/// Component `c` (0 real, 1 imaginary) of a (..., 1|2) signal without its
/// last axis: a matmul with a selector column, exact.
Value component(GraphEmitter &e, Value x, int64_t c) {
  ArrayRef<int64_t> shape = shapeOf(x);
  int64_t count = shape.back();
  SmallVector<double> selector(count, 0.0);
  selector[c] = 1.0;
  Value picked = e.op<graph::MatMulOp>(
      x, floatConstant(e, {count, 1}, elementTypeOf(x), selector));
  return e.reshape(picked, shape.drop_back());
}

/// Real and imaginary parts stacked on a new last axis (or only the real
/// part, as (..., 1)).
Value stack(GraphEmitter &e, Value re, Value im) {
  SmallVector<int64_t> shape(shapeOf(re));
  shape.push_back(1);
  Value r = e.reshape(re, shape);
  if (!im)
    return r;
  return e.concat({r, e.reshape(im, shape)}, -1);
}

/// The DFT of `x` (..., 1|2) along `axis` (a signal axis, not the last).
FailureOr<Value> emitDft(GraphEmitter &e, Value x, int64_t axis, std::optional<int64_t> length,
                         bool inverse, bool onesided) {
  OnnxNode &node = e.getNode();
  ArrayRef<int64_t> shape = shapeOf(x);
  int64_t rank = shape.size();
  if (rank < 2 || (shape.back() != 1 && shape.back() != 2))
    return node.emitError() << "the signal must end in an axis of 1 (real) or 2 (complex), got "
                            << formatShape(shape);
  FailureOr<int64_t> a = graph::normalizeAxis(axis, rank);
  if (failed(a) || *a == rank - 1)
    return node.emitError() << "axis " << axis << " is not a signal axis of "
                            << formatShape(shape);
  int64_t inLength = shape[*a];
  int64_t nfft = length ? *length : (inverse && onesided ? 2 * (inLength - 1) : inLength);
  if (nfft <= 0)
    return node.emitError() << "the DFT length must be positive, got " << nfft;
  bool irfft = inverse && onesided;
  int64_t outLength = (!inverse && onesided) ? nfft / 2 + 1 : nfft;
  // Move the transformed axis last, transform, move it back.
  SmallVector<int64_t> perm = llvm::to_vector(llvm::seq<int64_t>(0, rank - 1));
  std::swap(perm[*a], perm.back());
  Value re = e.transpose(component(e, x, 0), perm);
  Value im = shape.back() == 2 ? e.transpose(component(e, x, 1), perm) : Value();
  auto [outRe, outIm] = transform(e, re, im, inLength, outLength, nfft, inverse, irfft);
  outRe = e.transpose(outRe, perm);
  outIm = irfft ? Value() : e.transpose(outIm, perm);
  Value result = stack(e, outRe, outIm);
  if (!e.ok())
    return failure();
  return result;
}

LogicalResult convertDft(OnnxNode &node) {
  FailureOr<int64_t> inverse = node.getInt("inverse", 0);
  FailureOr<int64_t> onesided = node.getInt("onesided", 0);
  if (failed(inverse) || failed(onesided))
    return failure();
  int64_t axis;
  if (node.getSinceVersion() >= 20) {
    axis = -2;
    if (node.getInput(2)) {
      FailureOr<int64_t> a = constantScalar(node, 2, "the axis");
      if (failed(a))
        return failure();
      axis = *a;
    }
  } else {
    FailureOr<int64_t> a = node.getInt("axis", 1);
    if (failed(a))
      return failure();
    axis = *a;
  }
  std::optional<int64_t> length;
  if (node.getInput(1)) {
    FailureOr<int64_t> l = constantScalar(node, 1, "the DFT length");
    if (failed(l))
      return failure();
    length = *l;
  }
  Value x = node.getInput(0);
  if (!llvm::isa<FloatType>(elementTypeOf(x)))
    return node.emitError() << "DFT needs a floating-point signal";
  GraphEmitter e(node);
  FailureOr<Value> y = emitDft(e, x, axis, length, *inverse != 0, *onesided != 0);
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  return success();
}

/// STFT: frames of the signal (a gather along time), windowed, transformed.
LogicalResult convertStft(OnnxNode &node) {
  FailureOr<int64_t> onesided = node.getInt("onesided", 1);
  FailureOr<int64_t> step = constantScalar(node, 1, "the frame step");
  if (failed(onesided) || failed(step))
    return failure();
  Value signal = node.getInput(0), window = node.getInput(2);
  ArrayRef<int64_t> shape = shapeOf(signal);
  if (shape.size() != 3 || (shape[2] != 1 && shape[2] != 2))
    return node.emitError() << "the signal must be (batch, length, 1|2), got "
                            << formatShape(shape);
  int64_t frameLength;
  if (node.getInput(3)) {
    FailureOr<int64_t> l = constantScalar(node, 3, "the frame length");
    if (failed(l))
      return failure();
    frameLength = *l;
  } else if (window) {
    frameLength = shapeOf(window)[0];
  } else {
    frameLength = shape[1];
  }
  if (*step <= 0 || frameLength <= 0 || frameLength > shape[1])
    return node.emitError() << "frame step " << *step << " and length " << frameLength
                            << " do not fit a signal of " << shape[1];
  int64_t frames = 1 + (shape[1] - frameLength) / *step;
  GraphEmitter e(node);
  OpBuilder &b = node.getBuilder();
  SmallVector<int64_t> positions;
  for (int64_t f = 0; f < frames; ++f)
    for (int64_t w = 0; w < frameLength; ++w)
      positions.push_back(f * *step + w);
  Value table = e.constant(DenseIntElementsAttr::get(
      RankedTensorType::get({frames * frameLength, 1}, b.getI64Type()), positions));
  Value framed = e.op<graph::ResampleOp>(signal, table, Value(), b.getI64IntegerAttr(1));
  framed = e.reshape(framed, {shape[0], frames, frameLength, shape[2]});
  if (window)
    framed = e.op<graph::MulOp>(framed, e.reshape(window, {1, 1, frameLength, 1}));
  if (!e.ok())
    return failure();
  FailureOr<Value> y = emitDft(e, framed, 2, frameLength, false, *onesided != 0);
  if (failed(y))
    return failure();
  node.setOutput(0, *y);
  return success();
}

enum class Window { Hann, Hamming, Blackman };

template <Window kind>
LogicalResult convertWindow(OnnxNode &node) {
  FailureOr<int64_t> periodic = node.getInt("periodic", 1);
  FailureOr<int64_t> dataType = node.getInt("output_datatype", onnx::TensorProto::FLOAT);
  FailureOr<int64_t> size = constantScalar(node, 0, "the window size");
  if (failed(periodic) || failed(dataType) || failed(size))
    return failure();
  FailureOr<Type> element = convertElementType(node.getLoc(), *dataType, "output_datatype");
  if (failed(element))
    return failure();
  if (*size < 0)
    return node.emitError() << "the window size must not be negative, got " << *size;
  double n1 = *periodic ? double(*size) : double(*size - 1);
  SmallVector<double> values;
  for (int64_t n = 0; n < *size; ++n) {
    double t = 2 * M_PI * double(n) / n1;
    switch (kind) {
    case Window::Hann:
      values.push_back(std::pow(std::sin(M_PI * double(n) / n1), 2));
      break;
    case Window::Hamming:
      values.push_back(25.0 / 46.0 - (21.0 / 46.0) * std::cos(t));
      break;
    case Window::Blackman:
      values.push_back(0.42 - 0.5 * std::cos(t) + 0.08 * std::cos(2 * t));
      break;
    }
  }
  GraphEmitter e(node);
  Value y;
  if (llvm::isa<FloatType>(*element))
    y = floatConstant(e, {*size}, *element, values);
  else
    y = e.cast(floatConstant(e, {*size}, node.getBuilder().getF64Type(), values), *element);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

/// The mel filter bank, as the reference implementation builds it.
LogicalResult convertMelWeightMatrix(OnnxNode &node) {
  FailureOr<int64_t> dataType = node.getInt("output_datatype", onnx::TensorProto::FLOAT);
  FailureOr<int64_t> bins = constantScalar(node, 0, "the number of mel bins");
  FailureOr<int64_t> dftLength = constantScalar(node, 1, "the DFT length");
  FailureOr<int64_t> sampleRate = constantScalar(node, 2, "the sample rate");
  if (failed(dataType) || failed(bins) || failed(dftLength) || failed(sampleRate))
    return failure();
  auto floatInput = [&](size_t i, StringRef what) -> FailureOr<double> {
    FailureOr<DenseElementsAttr> v = node.getConstantInput(i, what);
    if (failed(v))
      return failure();
    if (v->getNumElements() != 1 || !llvm::isa<FloatType>(v->getElementType()))
      return node.emitError() << "input #" << i << ", " << what << ", must be a float scalar";
    return (*v->getValues<APFloat>().begin()).convertToDouble();
  };
  FailureOr<double> lower = floatInput(3, "the lower edge");
  FailureOr<double> upper = floatInput(4, "the upper edge");
  FailureOr<Type> element = convertElementType(node.getLoc(), *dataType, "output_datatype");
  if (failed(lower) || failed(upper) || failed(element))
    return failure();
  if (*bins <= 0 || *dftLength <= 0 || *sampleRate <= 0)
    return node.emitError() << "mel bins, DFT length and sample rate must be positive";
  int64_t spectrogramBins = *dftLength / 2 + 1;
  double lowMel = 2595 * std::log1p(*lower / 700) / std::log(10.0);
  double highMel = 2595 * std::log1p(*upper / 700) / std::log(10.0);
  double melStep = (highMel - lowMel) / double(*bins + 2);
  SmallVector<int64_t> frequency;
  for (int64_t i = 0; i < *bins + 2; ++i) {
    double hz = 700 * std::expm1((double(i) * melStep + lowMel) / 2595 * std::log(10.0));
    frequency.push_back(int64_t(std::floor(double(*dftLength + 1) * hz / double(*sampleRate))));
  }
  SmallVector<double> output(spectrogramBins * *bins, 0.0);
  auto at = [&](int64_t j, int64_t i) -> double * {
    if (j < 0 || j >= spectrogramBins)
      return nullptr;
    return &output[j * *bins + i];
  };
  for (int64_t i = 0; i < *bins; ++i) {
    int64_t lo = frequency[i], center = frequency[i + 1], hi = frequency[i + 2];
    if (center == lo) {
      if (double *p = at(center, i))
        *p = 1;
    } else {
      for (int64_t j = lo; j <= center; ++j)
        if (double *p = at(j, i))
          *p = double(j - lo) / double(center - lo);
    }
    if (hi > center)
      for (int64_t j = center; j < hi; ++j)
        if (double *p = at(j, i))
          *p = double(hi - j) / double(hi - center);
  }
  GraphEmitter e(node);
  Value y;
  if (llvm::isa<FloatType>(*element))
    y = floatConstant(e, {spectrogramBins, *bins}, *element, output);
  else
    y = e.cast(floatConstant(e, {spectrogramBins, *bins}, node.getBuilder().getF64Type(), output),
               *element);
  if (!e.ok())
    return failure();
  node.setOutput(0, y);
  return success();
}

} // namespace

void kiln::frontend::populateSignalConverters(OnnxOpTable &table) {
  table.add({"DFT", 17, 1, 2, 1, {"axis", "inverse", "onesided"}, convertDft});
  table.add({"DFT", 20, 1, 3, 1, {"inverse", "onesided"}, convertDft});
  table.add({"STFT", 17, 2, 4, 1, {"onesided"}, convertStft});
  table.add({"HannWindow", 17, 1, 1, 1, {"output_datatype", "periodic"},
             convertWindow<Window::Hann>});
  table.add({"HammingWindow", 17, 1, 1, 1, {"output_datatype", "periodic"},
             convertWindow<Window::Hamming>});
  table.add({"BlackmanWindow", 17, 1, 1, 1, {"output_datatype", "periodic"},
             convertWindow<Window::Blackman>});
  table.add({"MelWeightMatrix", 17, 5, 5, 1, {"output_datatype"}, convertMelWeightMatrix});
}
