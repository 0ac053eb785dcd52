//===- LoweringUtils.h - Shared builders for GraphToLinalg ------*- C++ -*-===//
//
// The building blocks every GraphToLinalg pattern uses: broadcasting
// elementwise generics, typed scalar constants, padding and reshaping of
// static tensors.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_CONVERSION_GRAPHTOLINALG_LOWERINGUTILS_H
#define KILN_PASSES_CONVERSION_GRAPHTOLINALG_LOWERINGUTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

#include "dialects/graph/IR/ScalarBuilders.h"

#include <functional>

namespace kiln::graph {
struct WindowGeometry;
} // namespace kiln::graph

namespace kiln::conversion {

// The scalar builders live with the graph ops' scalar semantics.
using graph::addScalars;
using graph::convertScalar;
using graph::divScalars;
using graph::isSmallFloat;
using graph::isUnsignedInteger;
using graph::lowestValue;
using graph::maxScalars;
using graph::minScalars;
using graph::mulScalars;
using graph::scalarConstant;
using graph::subScalars;

/// Builds the scalar body of an elementwise op from the block arguments
/// (one per input, in order) and returns the result value.
using ElementwiseBodyFn = std::function<mlir::Value(
    mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// A linalg.generic over `resultType` whose inputs are read with ONNX
/// (numpy) broadcasting: each input is right-aligned against the result and
/// its size-1 axes are held at index 0.
mlir::Value buildBroadcastElementwise(mlir::OpBuilder &b, mlir::Location loc,
                                      mlir::RankedTensorType resultType,
                                      mlir::ValueRange inputs,
                                      const ElementwiseBodyFn &body);

/// The single result type of graph op `op` as the lowering produces it.
mlir::RankedTensorType convertedType(const mlir::TypeConverter *converter,
                                     mlir::Operation *op);

/// A tensor element as scalar code sees it: booleans and 4- or 2-bit
/// integers, stored as i8, become i1/i4/i2 again; small floats are decoded
/// to f32. `graphElement` is the element type in the graph.
mlir::Value loadScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value stored,
                       mlir::Type graphElement);

/// The inverse of loadScalar: the byte stored for a value of `graphElement`
/// (small floats are encoded from f32, rounding to nearest even and
/// saturating or not as `saturate` says).
mlir::Value storeScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value scalar,
                        mlir::Type graphElement, bool saturate = true,
                        llvm::StringRef roundMode = "up");

/// The type scalar code holds a `graphElement` in: f32 for small floats, the
/// element type itself otherwise.
mlir::Type scalarTypeFor(mlir::Type graphElement);

/// The type arithmetic on `elementType` is carried out in: f32 for 16-bit
/// floats (rounded once at the end, as the reference implementations and
/// matrix units do), the element type itself otherwise.
mlir::Type computeType(mlir::Type elementType);

/// `value` with its elements converted to `resultType`'s element type (an
/// elementwise generic; `value` itself when the types agree).
mlir::Value convertElements(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                            mlir::RankedTensorType resultType);

/// tensor.empty + linalg.fill with `value`.
mlir::Value filledTensor(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type, mlir::Value value);

/// Pads `input` with `value` (begin and end pads per axis); returns `input`
/// itself when all pads are zero.
mlir::Value padTensor(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                      llvm::ArrayRef<int64_t> padBegin,
                      llvm::ArrayRef<int64_t> padEnd, mlir::Value value);

/// Reshapes a static tensor to `type` (same element count) with
/// collapse_shape/expand_shape; returns `input` if the type already matches.
mlir::Value reshapeTensor(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value input, mlir::RankedTensorType type);

/// `value` (N x C x W, static) viewed as N x C x 1 x W, and `g` (one
/// spatial axis) made the geometry of that one-row image: 1-D windows run on
/// the 2-D paths (im2col products, window taps) through free reshapes.
mlir::Value withUnitRow(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value);
mlir::RankedTensorType withUnitRow(mlir::RankedTensorType type);
void addUnitRow(graph::WindowGeometry &g);

/// A static slice of `source` at `offsets` with `sizes` and unit strides.
mlir::Value extractSlice(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Value source, llvm::ArrayRef<int64_t> offsets,
                         llvm::ArrayRef<int64_t> sizes);

/// The window taps of a 2-D window over `padded` (N x C x H' x W', padded
/// already) with geometry `g`: for each (i, j) of the window, row by row, the
/// strided slice N x C x OH x OW of the input elements that tap meets,
/// in[n, c, y*sh + i*dh, x*sw + j*dw]. An elementwise op over them computes
/// the window's reduction for every output at once (a depthwise
/// convolution, a max pool), all-parallel, vectorizable along the output
/// rows, and its taps can be read around the padding on CPUs.
llvm::SmallVector<mlir::Value> windowTaps(mlir::OpBuilder &b, mlir::Location loc,
                                          mlir::Value padded, const graph::WindowGeometry &g);

/// `source` inserted into `dest` at `offsets` (unit strides).
mlir::Value insertSlice(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::Value source, mlir::Value dest,
                        llvm::ArrayRef<int64_t> offsets);

} // namespace kiln::conversion

#endif // KILN_PASSES_CONVERSION_GRAPHTOLINALG_LOWERINGUTILS_H
