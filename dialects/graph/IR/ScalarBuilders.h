//===- ScalarBuilders.h - Scalar arithmetic on element types ----*- C++ -*-===//
//
// Builders for one element's arithmetic, shared by the graph ops' scalar
// semantics (ElementwiseOpInterface) and the linalg lowerings. Values are
// signless scalars (arith's convention); where signedness matters the caller
// says whether the integer is unsigned, from the graph tensor's element type.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_DIALECTS_GRAPH_IR_SCALARBUILDERS_H
#define KILN_DIALECTS_GRAPH_IR_SCALARBUILDERS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

namespace kiln::graph {

/// True for unsigned integer types (ONNX UINT8 ... UINT64), or tensors of
/// them.
bool isUnsignedInteger(mlir::Type type);

/// `type` with signed and unsigned integers made signless; tensors keep
/// their shape.
mlir::Type getSignlessType(mlir::Type type);

/// An `arith.constant` of the signless scalar `type` with `value`.
mlir::Value scalarConstant(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::Type type, double value);

/// The lowest value of a type (-inf, or the integer minimum): max's
/// identity. The highest value (+inf, or the integer maximum): min's.
mlir::Value lowestValue(mlir::OpBuilder &b, mlir::Location loc, mlir::Type type,
                        bool isUnsigned = false);
mlir::Value highestValue(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::Type type, bool isUnsigned = false);

mlir::Value addScalars(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value y);
mlir::Value subScalars(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value y);
mlir::Value mulScalars(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value y);
/// Integer division truncates toward zero (ONNX, C).
mlir::Value divScalars(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value y, bool isUnsigned = false);
/// Float max/min propagate NaN (ONNX Max/Min, numpy maximum/minimum).
mlir::Value maxScalars(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value y, bool isUnsigned = false);
mlir::Value minScalars(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                       mlir::Value y, bool isUnsigned = false);

enum class Comparison { EQ, NE, LT, LE, GT, GE };

/// An i1 comparison; floats compare ordered (false with a NaN) except NE.
mlir::Value compareScalars(mlir::OpBuilder &b, mlir::Location loc,
                           Comparison predicate, mlir::Value x, mlir::Value y,
                           bool isUnsigned = false);

/// Converts a scalar between element types, ONNX Cast style: `from` and `to`
/// carry signedness (ui8, i8, f32, i1 ...); `x` is the signless value.
/// Float to integer truncates toward zero; anything to bool is `!= 0`; with
/// `saturate`, conversion to a float type without infinities clamps to its
/// largest finite value.
mlir::Value convertScalar(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::Value x, mlir::Type from, mlir::Type to,
                          bool saturate = false);

} // namespace kiln::graph

#endif // KILN_DIALECTS_GRAPH_IR_SCALARBUILDERS_H
