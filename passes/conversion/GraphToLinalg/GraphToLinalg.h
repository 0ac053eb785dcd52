//===- GraphToLinalg.h - Lowering the graph dialect to linalg ---*- C++ -*-===//
//
// Lowers kiln graph ops on static shapes to upstream linalg, tensor, arith and
// math ops on tensors. One populate function per op family; the pass in
// GraphToLinalgPass.cpp only sets up the conversion target.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_CONVERSION_GRAPHTOLINALG_GRAPHTOLINALG_H
#define KILN_PASSES_CONVERSION_GRAPHTOLINALG_GRAPHTOLINALG_H

#include "mlir/IR/PatternMatch.h"

namespace kiln::conversion {

/// add, sub, mul, div, relu, sigmoid, tanh, clip, batch_norm.
void populateElementwiseToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// matmul, gemm, conv.
void populateContractionToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// max_pool, average_pool, global_average_pool, softmax.
void populateReductionToLinalgPatterns(mlir::RewritePatternSet &patterns);
/// constant, identity, reshape, flatten, transpose, concat.
void populateShapeToLinalgPatterns(mlir::RewritePatternSet &patterns);

/// All of the above.
void populateGraphToLinalgPatterns(mlir::RewritePatternSet &patterns);

} // namespace kiln::conversion

#endif // KILN_PASSES_CONVERSION_GRAPHTOLINALG_GRAPHTOLINALG_H
