//===- Passes.td - Conversions between Kiln's levels -------*- tablegen -*-===//

#ifndef KILN_PASSES_CONVERSION_PASSES
#define KILN_PASSES_CONVERSION_PASSES

include "mlir/Pass/PassBase.td"

def ConvertGraphToLinalg : Pass<"convert-graph-to-linalg", "mlir::ModuleOp"> {
  let summary = "Lower kiln graph ops on static shapes to linalg on tensors";
  let description = [{
    Every kiln op becomes upstream linalg (named contraction, convolution and
    pooling ops where they exist, generics otherwise), tensor, arith and math
    ops on tensors. Ops whose element type has no lowering yet fail with an
    error at the node's location.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // KILN_PASSES_CONVERSION_PASSES
