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
#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {

/// The types of the lowered program: graph tensors with their integers made
/// signless (linalg and arith's convention; ui8 and i8 share a layout), and
/// boolean tensors stored as i8 (one byte per element, as ONNX and numpy
/// store them). Patterns read signedness from the graph op they replace;
/// scalar code still computes with i1 (see storeScalar/loadScalar).
class GraphToLinalgTypeConverter : public mlir::TypeConverter {
public:
  GraphToLinalgTypeConverter();
};

/// Every op with ElementwiseOpInterface, clip, batch_norm.
void populateElementwiseToLinalgPatterns(const mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
/// matmul, gemm, conv.
void populateContractionToLinalgPatterns(const mlir::TypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
/// max_pool, average_pool, global_average_pool, lp_pool, softmax,
/// log_softmax, hardmax, reduce, argmax, argmin, cumulative, top_k.
void populateReductionToLinalgPatterns(const mlir::TypeConverter &converter,
                                       mlir::RewritePatternSet &patterns);
/// constant, identity, reshape, flatten, transpose, concat.
void populateShapeToLinalgPatterns(const mlir::TypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);

/// resample.
void populateResampleToLinalgPatterns(const mlir::TypeConverter &converter,
                                      mlir::RewritePatternSet &patterns);
/// unsqueeze, squeeze, slice, expand, tile, pad, gather, gather_elements,
/// gather_nd, scatter_elements, scatter_nd, trilu, one_hot, eye_like,
/// reverse_sequence.
void populateDataMovementToLinalgPatterns(const mlir::TypeConverter &converter,
                                          mlir::RewritePatternSet &patterns);

/// grid_sample, roi_align, col2im, det.
void populateVisionToLinalgPatterns(const mlir::TypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);

/// All of the above.
void populateGraphToLinalgPatterns(const mlir::TypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);

} // namespace kiln::conversion

#endif // KILN_PASSES_CONVERSION_GRAPHTOLINALG_GRAPHTOLINALG_H
