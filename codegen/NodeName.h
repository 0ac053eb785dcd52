//===- NodeName.h - The model node an op's location names -------*- C++ -*-===//
//
// The importers give every op a NameLoc with its node's name
// (frontend/onnx/OnnxLocation.h); code generation names generated code
// after it (CPU task functions, race messages of emulated GPU kernels).
//
//===----------------------------------------------------------------------===//

#ifndef KILN_CODEGEN_NODENAME_H
#define KILN_CODEGEN_NODENAME_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Location.h"

#include <optional>

namespace kiln {

/// The name of the model node `loc` points at (its first NameLoc), if any.
inline std::optional<llvm::StringRef> nodeNameOf(mlir::Location loc) {
  std::optional<llvm::StringRef> name;
  loc->walk([&](mlir::Location inner) {
    if (auto named = llvm::dyn_cast<mlir::NameLoc>(inner)) {
      name = named.getName().getValue();
      return mlir::WalkResult::interrupt();
    }
    return mlir::WalkResult::advance();
  });
  return name;
}

} // namespace kiln

#endif // KILN_CODEGEN_NODENAME_H
