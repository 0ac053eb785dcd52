//===- OnnxImporter.h - ONNX models to the kiln graph dialect ---*- C++ -*-===//
//
// Imports an ONNX model into a module holding one `func.func @main` of kiln
// graph ops. Every op carries the location of the ONNX node it came from (see
// OnnxLocation.h), so later diagnostics name the node.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNX_ONNXIMPORTER_H
#define KILN_FRONTEND_ONNX_ONNXIMPORTER_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace kiln::frontend {

struct OnnxImportOptions {
  /// Overrides for graph-input shapes (e.g. to fix a symbolic batch size), by
  /// input name. An override must have the input's rank and agree with its
  /// static dimensions; a negative size keeps the model's dimension.
  llvm::StringMap<llvm::SmallVector<int64_t>> inputShapes;
  /// Graph inputs whose value is fixed at compile time (kilnc --bind), by
  /// name. The input stays an argument of the model (the generated code
  /// checks that callers pass this value) but the graph computes with the
  /// constant, so shapes that depend on it become static.
  llvm::StringMap<mlir::DenseElementsAttr> boundInputs;
};

/// One line per ONNX operator the importer converts, sorted by name:
/// "Abs 1-28", the opsets (of the default domain) at which it is supported.
std::string listSupportedOnnxOps();

/// Imports a `.onnx` (binary protobuf) or `.onnx.txt` (ONNX text syntax,
/// parsed with onnx::OnnxParser) file. Any path ending in `.txt` is read as
/// text. Returns null after emitting diagnostics through the context's
/// handler on any error.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxFile(mlir::MLIRContext &context, llvm::StringRef path,
               const OnnxImportOptions &options = {});

/// Imports a model already in memory. `path` names it in locations, chooses
/// the format as importOnnxFile does, and anchors external tensor data.
mlir::OwningOpRef<mlir::ModuleOp>
importOnnxBuffer(mlir::MLIRContext &context, llvm::StringRef contents,
                 llvm::StringRef path, const OnnxImportOptions &options = {});

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ONNX_ONNXIMPORTER_H
