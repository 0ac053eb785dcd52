//===- OnnxTensors.h - ONNX tensor types and data to MLIR -------*- C++ -*-===//
//
// Element types, value types and constant data (TensorProto, including
// external data files) of ONNX models as MLIR types and attributes.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNX_ONNXTENSORS_H
#define KILN_FRONTEND_ONNX_ONNXTENSORS_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Location.h"
#include "mlir/Support/LLVM.h"

#include "onnx/onnx_pb.h"

#include <optional>
#include <string>

namespace kiln::frontend {

/// The name of ONNX data type `dataType` (`FLOAT`, `COMPLEX64`, ...), including
/// types newer than the linked libonnx knows.
std::string getOnnxDataTypeName(int32_t dataType);

/// `[1,?,3]`: a shape in diagnostics.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// The MLIR element type of ONNX data type `dataType`, or null if Kiln does
/// not support it.
mlir::Type getElementType(mlir::MLIRContext *context, int32_t dataType);

/// The ONNX data type code of an element type getElementType returns, or
/// nothing for others.
std::optional<int32_t> getOnnxDataType(mlir::Type type);

/// ONNX data types after BFLOAT16 (newer than libonnx 1.12's enum).
enum : int32_t {
  kOnnxFloat8E4M3FN = 17,
  kOnnxFloat8E4M3FNUZ = 18,
  kOnnxFloat8E5M2 = 19,
  kOnnxFloat8E5M2FNUZ = 20,
  kOnnxUInt4 = 21,
  kOnnxInt4 = 22,
  kOnnxFloat4E2M1 = 23,
  kOnnxFloat8E8M0 = 24,
  kOnnxUInt2 = 25,
  kOnnxInt2 = 26,
};

/// Like getElementType, but emits "<what> has element type X, which Kiln does
/// not support" at `loc` on failure.
/// A dense attribute of `type` from little-endian bytes in ONNX's (and
/// numpy's) raw layout: one byte per bool.
mlir::DenseElementsAttr denseFromRawBytes(mlir::RankedTensorType type,
                                          llvm::ArrayRef<char> bytes);

mlir::FailureOr<mlir::Type> convertElementType(mlir::Location loc,
                                               int32_t dataType,
                                               llvm::StringRef what);

/// Reads the data of `tensor` as a constant, its external data relative to
/// `modelDir`. `what` names the tensor in errors, which are emitted at `loc`.
mlir::FailureOr<mlir::DenseElementsAttr>
convertTensorProto(mlir::Location loc, const onnx::TensorProto &tensor,
                   llvm::StringRef modelDir, llvm::StringRef what);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ONNX_ONNXTENSORS_H
