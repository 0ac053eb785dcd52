//===- ConvBuilders.h - Convolutions shared by converters -------*- C++ -*-===//
//
// Conv, ConvInteger and QLinearConv share ONNX's convolution attributes
// (auto_pad, pads, strides, dilations, group, kernel_shape); the quantized
// ones convolve operands they have prepared themselves.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNX_OPS_CONVBUILDERS_H
#define KILN_FRONTEND_ONNX_OPS_CONVBUILDERS_H

#include "frontend/onnx/OnnxNode.h"

namespace kiln::frontend {

/// A kiln.conv of `input` and `weight` (and `bias`, may be null) with the
/// node's convolution attributes. Fails after an error at the node.
mlir::FailureOr<mlir::Value> buildConv(OnnxNode &node, mlir::Value input,
                                       mlir::Value weight, mlir::Value bias);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ONNX_OPS_CONVBUILDERS_H
