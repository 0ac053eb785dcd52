//===- OnnxLocation.h - Locations of ONNX nodes and tensors -----*- C++ -*-===//
//
// The ONNX importer gives every op the location of the node it came from:
//
//   NameLoc(node name,
//           FusedLoc<StringAttr(op type)>[FileLineColLoc(model, i + 1, 0)])
//
// where i is the node's index in the graph and an unnamed node is called
// `<op type>_<i>`. Graph inputs, initializers and outputs get
// NameLoc(tensor name, FileLineColLoc(model, 0, 0)). A node of a function
// body expanded for a node (or of a graph attribute inlined into it) is at
//
//   CallSiteLoc(NameLoc(body node name, FusedLoc<StringAttr(op type)>[...]),
//               the caller's location)
//
// Tools turn these back into a human-readable prefix with describeLocation.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_ONNX_ONNXLOCATION_H
#define KILN_FRONTEND_ONNX_ONNXLOCATION_H

#include "mlir/IR/Location.h"
#include "llvm/ADT/StringRef.h"

#include <string>

namespace kiln::frontend {

/// The location of ONNX node #`index` (0-based) of `modelPath`.
mlir::Location getOnnxNodeLoc(mlir::MLIRContext *context,
                              llvm::StringRef modelPath, llvm::StringRef name,
                              llvm::StringRef opType, size_t index);

/// The location of node `name` of a function body or graph attribute
/// imported for the node at `caller`.
mlir::Location getOnnxInnerNodeLoc(llvm::StringRef name,
                                   llvm::StringRef opType,
                                   mlir::Location caller);

/// The location of a graph input, initializer or output of `modelPath`.
mlir::Location getOnnxTensorLoc(mlir::MLIRContext *context,
                                llvm::StringRef modelPath,
                                llvm::StringRef name);

/// The location of `modelPath` as a whole.
mlir::Location getOnnxModelLoc(mlir::MLIRContext *context,
                               llvm::StringRef modelPath);

/// A prefix for a diagnostic at `loc`, without a trailing colon:
///   node location    -> `model.onnx: node 'conv1' (Conv)`
///   tensor location  -> `model.onnx: tensor 'input'`
///   inner node       -> `model.onnx: node 'rope' (RotaryEmbedding) / 'n3' (Mul)`
///   FileLineColLoc   -> `model.onnx` (line 0) or `file.mlir:3:7`
///   unknown          -> an empty string
/// Other locations are described by the first part that says something.
std::string describeLocation(mlir::Location loc);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ONNX_ONNXLOCATION_H
