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

/// The float formats narrower than 16 bits (the 8-bit floats, FLOAT4E2M1):
/// LLVM has no arithmetic for them, so tensors store them as bytes (their
/// bit pattern in the low bits) and scalar code computes in f32, converting
/// with decodeSmallFloat/encodeSmallFloat.
bool isSmallFloat(mlir::Type type);

/// Integers of fewer than 8 bits other than bool (ONNX INT4, UINT4, INT2,
/// UINT2): stored a byte each, sign- or zero-extended.
bool isSubByteInteger(mlir::Type type);

/// The f32 value of the byte `bits` (i8) holding a `format` number.
mlir::Value decodeSmallFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value bits,
                             mlir::FloatType format);

/// The byte (i8) holding f32 `x` converted to `format` with round to nearest
/// even (for FLOAT8E8M0, the ONNX round mode "up", "down" or "nearest").
/// Values beyond the largest finite number become it with `saturate`, and
/// otherwise infinity or NaN, whichever the format has (ONNX Cast's rules).
mlir::Value encodeSmallFloat(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                             mlir::FloatType format, bool saturate,
                             llvm::StringRef roundMode = "up");

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
